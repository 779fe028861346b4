"""No growth over 100,000 calls through Python: neither Python objects (tracemalloc) nor the
process (RSS, which includes the plugin's own heap). Every path is in the loop: values, no
data, errors, batches, series and string lists, each of which frees a plugin-owned result; and
each such result is released exactly once, also when decoding it raises."""

import ctypes
import datetime
import gc
import os
import resource
import tracemalloc

import pytest

import watcher_ds
import watcher_ds.source
from watcher_ds import _abi

SANITIZED = bool(os.environ.get("WDS_SANITIZED"))
CALLS = 10_000 if SANITIZED else 100_000
PAGE = resource.getpagesize()
# ASan keeps freed memory in quarantine (RSS grows by design there): the normal build checks RSS.
RSS_LIMIT = float("inf") if SANITIZED else 1024 * 1024


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
    assert rss_growth < RSS_LIMIT, "RSS grew by %d bytes over %d calls" % (rss_growth, CALLS)


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
    assert rss_bytes() - before < 2 * RSS_LIMIT


class CountingRelease:
    """Stands in for a plugin's extension (or descriptor) and records every release."""

    def __init__(self, wrapped, release_name):
        self._wrapped = wrapped
        self._release_name = release_name
        self.released = []

    def __getattr__(self, name):
        if name == self._release_name:
            return self._release
        return getattr(self._wrapped, name)

    def _release(self, pointer):
        self.released.append(ctypes.addressof(pointer.contents) if pointer else None)
        getattr(self._wrapped, self._release_name)(pointer)


def test_plugin_results_are_released_once_also_when_decoding_raises(prometheus_plugin, servers,
                                                                     dataset, monkeypatch):
    end = dataset["end"]
    host = {"hostname": dataset["hosts"][0]}
    with prometheus_plugin.create(servers.config("prometheus")) as source:
        source.statistic_series(host, "compute_node", "host_cpu_usage", end - 600, end, 300)
        source.statistic_batch([host], "compute_node", "host_cpu_usage", eval_time=end)
        series = CountingRelease(source._extensions[_abi.EXT_SERIES_V1], "series_release")
        batch = CountingRelease(source._extensions[_abi.EXT_BATCH_V1], "batch_release")
        source._extensions[_abi.EXT_SERIES_V1] = series
        source._extensions[_abi.EXT_BATCH_V1] = batch
        calls = CountingRelease(source._calls, "string_list_release")
        source._calls = calls

        class Exploding(datetime.datetime):
            @classmethod
            def fromtimestamp(cls, *args):
                raise OverflowError("decoding failed")

        monkeypatch.setattr(watcher_ds.source.datetime, "datetime", Exploding)
        monkeypatch.setattr(source, "_batch_item", lambda *a: 1 / 0)
        for _ in range(3):
            with pytest.raises(OverflowError):
                source.statistic_series(host, "compute_node", "host_cpu_usage", end - 600, end, 300)
            with pytest.raises(ZeroDivisionError):
                source.statistic_batch([host], "compute_node", "host_cpu_usage", eval_time=end)
        monkeypatch.undo()
        assert source.statistic_series(host, "compute_node", "host_ram_usage", end - 600, end, 300)
        assert source.list_hosts() and source.list_metrics()
        source.statistic_series(host, "compute_node", "host_cpu_usage", end + 7200, end + 7800, 300)
    # Every result the plugin handed out was released exactly once (NULL for no result).
    assert len(series.released) == 5 and None not in series.released[:4]
    assert series.released[4] is None  # a series with no point: nothing to release
    assert len(batch.released) == 3 and None not in batch.released
    assert len(calls.released) == 2 and None not in calls.released
