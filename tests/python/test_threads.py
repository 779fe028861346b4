"""Several Python threads share one source, and their calls run in the plugin at the same
time (ctypes releases the GIL). Proven without timing: the server answers a query only once N
queries wait at once, which cannot happen if the calls were serialised. Throughput per thread
count is measured by ./scripts/bench (docs/PERFORMANCE.md), not asserted here."""

import os
import subprocess
import sys
import threading

import pytest

import watcher_ds

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def barrier_server():
    def start(parallel):
        process = subprocess.Popen([sys.executable, os.path.join(HERE, "slow_prometheus.py"),
                                    "--barrier", str(parallel)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        started.append(process)
        return int(process.stdout.readline())

    started = []
    yield start
    for process in started:
        process.stdin.close()
        process.wait(timeout=30)


@pytest.mark.parametrize("threads", [2, 4, 8])
def test_n_threads_are_in_the_plugin_at_once(prometheus_plugin, barrier_server, threads):
    port = barrier_server(threads)
    config = {"prometheus_client.host": "127.0.0.1", "prometheus_client.port": port,
              "watcher_datasources.query_max_retries": 1}
    results, errors = [], []
    with prometheus_plugin.create(config) as source:
        def call():
            try:
                results.append(source.get_host_cpu_usage({"hostname": "compute-1.example.org"},
                                                         eval_time=1700000000, timeout=60))
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        workers = [threading.Thread(target=call) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert errors == []
    assert len(results) == threads and all(isinstance(r, float) for r in results)
