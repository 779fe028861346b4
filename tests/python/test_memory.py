"""No growth over 100,000 calls through Python: neither Python objects (tracemalloc) nor the
process (RSS, which includes the plugin's own heap). Every path is in the loop: values, no
data, errors, batches, series and string lists, each of which frees a plugin-owned result."""

import gc
import os
import resource
import tracemalloc

import pytest

import watcher_ds

CALLS = 10_000 if os.environ.get("WDS_SANITIZED") else 100_000
PAGE = resource.getpagesize()


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def one_round(source, dataset, i):
    end = dataset["end"]
    host = {"hostname": dataset["hosts"][i % len(dataset["hosts"])]}
    kind = i % 8
    if kind == 0:
        source.statistic_batch([host, {"hostname": "nowhere"}], "compute_node", "host_cpu_usage",
                               eval_time=end)
    elif kind == 1:
        source.statistic_series(host, "compute_node", "host_ram_usage", end - 900, end, 300)
    elif kind == 2:
        try:
            source.get_host_cpu_usage({"hostname": "nowhere"}, eval_time=end)
        except watcher_ds.ResourceNotFoundError:
            pass
    elif kind == 3:
        source.statistic_aggregation({"uuid": dataset["no_data_instance"]}, "instance",
                                     "instance_ram_usage", eval_time=end)
    elif kind == 4 and i % 64 == 4:
        source.list_hosts()
    else:
        source.get_host_cpu_usage(host, eval_time=end)


def test_no_growth_over_many_calls(prometheus_source, dataset):
    for i in range(2_000):  # warm-up: connection pool, caches, interned strings
        one_round(prometheus_source, dataset, i)
    gc.collect()
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    rss_before = rss_bytes()
    for i in range(CALLS):
        one_round(prometheus_source, dataset, i)
    gc.collect()
    traced_growth = tracemalloc.get_traced_memory()[0] - traced_before
    tracemalloc.stop()
    rss_growth = rss_bytes() - rss_before
    assert traced_growth < 64 * 1024, "Python objects grew by %d bytes" % traced_growth
    assert rss_growth < 1024 * 1024, "RSS grew by %d bytes over %d calls" % (rss_growth, CALLS)


@pytest.mark.parametrize("rounds", [2_000])
def test_create_and_close_do_not_leak(servers, prometheus_plugin, rounds):
    config = servers.config("prometheus")
    for _ in range(50):
        prometheus_plugin.create(config).close()
    gc.collect()
    before = rss_bytes()
    for _ in range(rounds // 10):
        with prometheus_plugin.create(config) as source:
            source.check_availability()
    gc.collect()
    assert rss_bytes() - before < 2 * 1024 * 1024
