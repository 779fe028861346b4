"""Misuse from Python: wrong types, None, bad text, huge numbers. Every case is a Python
exception with a message naming the argument; the interpreter never dies."""

import pytest

import watcher_ds

NODE = {"hostname": "compute-1"}
INSTANCE = {"uuid": "11111111-1111-4111-8111-111111111111", "vcpus": 1}


@pytest.fixture
def source(fake_plugin):
    with fake_plugin.create({}) as live:
        yield live


def aggregate(source, **overrides):
    arguments = dict(resource=NODE, resource_type="compute_node", meter_name="host_cpu_usage",
                     period=300, aggregate="mean", granularity=300)
    arguments.update(overrides)
    return source.statistic_aggregation(**arguments)


@pytest.mark.parametrize("overrides, error, named", [
    ({"resource": None}, TypeError, "resource"),
    ({"resource": "compute-1"}, TypeError, "resource"),
    ({"resource": 42}, TypeError, "resource"),
    ({"resource": {"hostname": 7}}, TypeError, "resource.hostname"),
    ({"resource": {"hostname": b"compute-1"}}, TypeError, "resource.hostname"),
    ({"resource": {"hostname": "a\0b"}}, watcher_ds.InvalidArgumentError, "NUL"),
    ({"resource": {"hostname": "\ud800"}}, watcher_ds.InvalidArgumentError, "UTF-8"),
    ({"resource": {"uuid": "u", "vcpus": "2"}}, TypeError, "resource.vcpus"),
    ({"resource": {"uuid": "u", "vcpus": 2.5}}, watcher_ds.InvalidArgumentError, "vcpus"),
    ({"resource": {"uuid": "u", "vcpus": 2**64}}, watcher_ds.InvalidArgumentError, "vcpus"),
    ({"resource": {"uuid": "u", "memory": True}}, TypeError, "resource.memory"),
    ({"resource_type": None}, TypeError, "resource_type"),
    ({"resource_type": "host"}, watcher_ds.InvalidArgumentError, "resource_type"),
    ({"meter_name": None}, TypeError, "meter_name"),
    ({"meter_name": 5}, TypeError, "meter_name"),
    ({"aggregate": "avg"}, watcher_ds.InvalidArgumentError, "aggregate"),
    ({"aggregate": None}, TypeError, "aggregate"),
    ({"period": "300"}, TypeError, "period"),
    ({"period": 2**63}, watcher_ds.InvalidArgumentError, "period"),
    ({"period": -2**70}, watcher_ds.InvalidArgumentError, "period"),
    ({"period": 300.5}, watcher_ds.InvalidArgumentError, "period"),
    ({"period": float("inf")}, watcher_ds.InvalidArgumentError, "period"),
    ({"period": True}, TypeError, "period"),
    ({"granularity": 10**30}, watcher_ds.InvalidArgumentError, "granularity"),
    ({"eval_time": -1}, watcher_ds.InvalidArgumentError, "eval_time"),
    ({"eval_time": float("nan")}, watcher_ds.InvalidArgumentError, "eval_time"),
    ({"eval_time": 10**300}, watcher_ds.InvalidArgumentError, "eval_time"),
    ({"eval_time": "now"}, TypeError, "eval_time"),
    ({"timeout": 0}, watcher_ds.InvalidArgumentError, "timeout"),
])
def test_bad_arguments_raise_naming_the_argument(source, overrides, error, named):
    with pytest.raises(error, match=named):
        aggregate(source, **overrides)


def test_resource_lists_name_the_bad_item(source):
    with pytest.raises(TypeError, match=r"resources\[1\]"):
        source.statistic_batch([NODE, None], "compute_node", "host_cpu_usage")
    with pytest.raises(TypeError):
        source.statistic_batch(None, "compute_node", "host_cpu_usage")


def test_an_unreachable_backend_fails_create(prometheus_plugin):
    config = {"prometheus_client.host": "127.0.0.1", "prometheus_client.port": 1,
              "watcher_datasources.query_max_retries": 1}
    with pytest.raises(watcher_ds.UnavailableError, match="127.0.0.1"):
        prometheus_plugin.create(config)  # nothing listens on port 1


def test_over_long_strings_are_answered(fake_plugin):
    with fake_plugin.create({"fake_client.value": "vcpus"}) as source:
        assert source.get_instance_cpu_usage({"uuid": "u" * 10_000_000, "vcpus": 3}) == 3


def test_config_errors_name_the_key(prometheus_plugin):
    with pytest.raises(watcher_ds.ConfigError, match="prometheus_client.port"):
        prometheus_plugin.create({"prometheus_client.host": "127.0.0.1",
                                  "prometheus_client.port": "ninety"})
    with pytest.raises(watcher_ds.ConfigError, match="prometheus_client.host"):
        prometheus_plugin.create({})
