"""Fixtures of the watcher_ds (Python) suite: the plugins of the build, the real servers and
the data set's closed-form expectations, both from wds-test-servers (tests/fixtures), so no
number of the C++ suites is written a second time here.

CTest (tests/python/CMakeLists.txt) sets the paths: WATCHER_DS_LOADER_LIBRARY (the loader
library of the build), WDS_PLUGIN_DIR (the real plugins), WDS_TEST_PLUGIN_DIR (fake plugins),
WDS_TEST_SERVERS, WDS_CLI and WDS_FROZEN_LAYOUT.
"""

import json
import math
import os
import signal
import subprocess

import pytest

import watcher_ds

# In the sanitizer build CTest preloads the ASan/UBSan runtimes into this interpreter (the
# plugins are instrumented, Python is not); the servers this suite starts (Go, Python) must not
# inherit them.
os.environ.pop("LD_PRELOAD", None)


def env_path(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail("%s is not set: run this suite through ctest (tests/python/CMakeLists.txt)" % name)
    return value


@pytest.fixture(scope="session")
def plugin_dir():
    return env_path("WDS_PLUGIN_DIR")


@pytest.fixture(scope="session")
def test_plugin_dir():
    return env_path("WDS_TEST_PLUGIN_DIR")


@pytest.fixture(scope="session")
def prometheus_plugin(plugin_dir):
    return watcher_ds.load_plugin("prometheus", plugin_dir=plugin_dir)


@pytest.fixture(scope="session")
def aetos_plugin(plugin_dir):
    return watcher_ds.load_plugin("aetos", plugin_dir=plugin_dir)


@pytest.fixture(scope="session")
def fake_plugin(test_plugin_dir):
    return watcher_ds.load_plugin("fake", plugin_dir=test_plugin_dir)


class Servers:
    """`wds-test-servers serve`: real servers until its stdin closes (it stops them by PID)."""

    def __init__(self, *flags):
        self.process = subprocess.Popen(
            [env_path("WDS_TEST_SERVERS"), "serve", *flags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=60)
            pytest.fail("wds-test-servers serve %s failed (exit %s)" % (" ".join(flags), self.process.returncode))
        self.info = json.loads(line)

    def config(self, name, **overrides):
        config = dict(self.info["configs"][name])
        config.update(overrides)
        return config

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        assert self.process.returncode == 0, "wds-test-servers serve exited %s" % self.process.returncode


@pytest.fixture(scope="session")
def servers():
    """Prometheus with the data set, Keystone + an Aetos proxy, and the fault-injection server."""
    running = Servers("--keystone", "--faults")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def expectations():
    output = subprocess.run([env_path("WDS_TEST_SERVERS"), "expectations", "grid"],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)


@pytest.fixture(scope="session")
def dataset(expectations):
    return expectations["dataset"]


@pytest.fixture(scope="session")
def prometheus_source(servers, prometheus_plugin):
    with prometheus_plugin.create(servers.config("prometheus")) as source:
        yield source


@pytest.fixture(scope="session")
def aetos_source(servers, aetos_plugin):
    with aetos_plugin.create(servers.config("aetos")) as source:
        yield source


def resource_of(case):
    """A case's resource as a mapping with Watcher's attribute names."""
    if case["resource_type"] == "compute_node":
        return {"hostname": case["hostname"]}
    return {"uuid": case["uuid"], "vcpus": case["vcpus"]}


def assert_close(actual, expected, tolerance, what):
    """The closeness rule of the C++ suites, from the expectations document."""
    if expected is None:
        assert actual is None, "%s: expected no data, got %r" % (what, actual)
        return
    assert actual is not None, "%s: expected %r, got no data" % (what, expected)
    assert isinstance(actual, float), what
    if expected == 0.0 and tolerance["exact_zero"]:
        assert actual == 0.0, "%s: expected exactly 0, got %r" % (what, actual)
    else:
        assert math.isclose(actual, expected, rel_tol=tolerance["relative"], abs_tol=0.0), (
            "%s: expected %r, got %r" % (what, expected, actual))


def pytest_configure(config):
    config.addinivalue_line("markers", "servers: needs the real servers of wds-test-servers serve")


def pytest_collection_modifyitems(items):
    # Whatever needs the servers, directly or through another fixture, runs in
    # python_integration; the rest in python_unit.
    for item in items:
        if "servers" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.servers)
