"""Source semantics against the fake plugin (tests/fixtures/fake_plugin): canned answers and
echo modes show exactly what crossed the ABI, with no network."""

import datetime
import logging
import threading

import pytest

import watcher_ds
from watcher_ds import _abi

NODE = {"hostname": "compute-1"}


class Instance:
    """Shaped like Watcher's model Instance: attributes, some of them missing."""

    def __init__(self, uuid, vcpus=None, memory=None, disk=None):
        self.uuid = uuid
        if vcpus is not None:
            self.vcpus = vcpus
        if memory is not None:
            self.memory = memory
        if disk is not None:
            self.disk = disk


def fake(plugin, **settings):
    return plugin.create({"fake_client." + k: v for k, v in settings.items()})


def test_values_come_back_as_float_and_zero_stays_zero(fake_plugin):
    with fake(fake_plugin, value="0") as source:
        assert source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage") == 0.0
        assert source.get_host_cpu_usage(NODE) == 0.0  # not None, unlike Watcher's helper
    with fake(fake_plugin) as source:
        value = source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage")
        assert value == 42.5 and type(value) is float


def test_no_data_is_none(fake_plugin):
    with fake(fake_plugin, status="no_data") as source:
        assert source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage") is None
        assert source.get_instance_ram_usage(Instance("u1")) is None


def test_watchers_arguments_positionally_and_by_keyword(fake_plugin):
    with fake(fake_plugin, value="period") as source:
        assert source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage", 600) == 600
        assert source.statistic_aggregation(
            resource=NODE, resource_type="compute_node", meter_name="host_cpu_usage",
            period=900, aggregate="max", granularity=60) == 900
    with fake(fake_plugin, value="granularity") as source:
        assert source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage", 300, "mean", 60) == 60
        assert source.get_host_cpu_usage(NODE, 300, "mean") == 0  # granularity None -> 0
    with fake(fake_plugin, value="resource_type") as source:
        assert source.statistic_aggregation(Instance("u"), "instance", "instance_cpu_usage") == 2


def test_host_getters_invert_max_and_min_and_instance_getters_do_not(fake_plugin):
    codes = _abi.AGGREGATES
    with fake(fake_plugin, value="aggregate") as source:
        for getter in (source.get_host_cpu_usage, source.get_host_ram_usage):
            assert getter(NODE, 300, "max") == codes["min"]
            assert getter(NODE, 300, "min") == codes["max"]
            assert getter(NODE, 300, "mean") == codes["mean"]
            assert getter(NODE, aggregate="count") == codes["count"]
        for getter in (source.get_instance_cpu_usage, source.get_instance_ram_usage):
            assert getter(Instance("u"), 300, "max") == codes["max"]
        assert source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage", 300, "max") == codes["max"]


def test_flavor_getters_read_memory_and_disk(fake_plugin):
    with fake(fake_plugin) as source:
        assert source.get_instance_ram_allocated(Instance("u", memory=2048)) == 2048.0
        assert source.get_instance_root_disk_size(resource=Instance("u", disk=20), period=300) == 20.0
        # A missing attribute is unknown, never a silent 0.
        with pytest.raises(watcher_ds.InvalidArgumentError, match="memory .* is not known"):
            source.get_instance_ram_allocated(Instance("u"))


def test_resources_as_objects_or_mappings_with_unknown_attributes(fake_plugin):
    with fake(fake_plugin, value="vcpus") as source:
        assert source.get_instance_cpu_usage(Instance("u", vcpus=4)) == 4
        assert source.get_instance_cpu_usage({"uuid": "u", "vcpus": 8}) == 8
        assert source.get_instance_cpu_usage(Instance("u")) == -1  # fake: -1 = not known
        assert source.get_instance_cpu_usage({"uuid": "u", "vcpus": None}) == -1


def test_eval_time_as_unix_seconds_or_datetime(fake_plugin):
    with fake(fake_plugin, value="eval_time_ms") as source:
        call = source.statistic_aggregation
        assert call(NODE, "compute_node", "host_cpu_usage") == 0  # the server's now
        assert call(NODE, "compute_node", "host_cpu_usage", eval_time=1700000000) == 1700000000000
        assert call(NODE, "compute_node", "host_cpu_usage", eval_time=1700000000.25) == 1700000000250
        aware = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
        assert call(NODE, "compute_node", "host_cpu_usage", eval_time=aware) == 1700000000000
        naive = datetime.datetime(2023, 11, 14, 22, 13, 20)  # Watcher's naive UTC
        assert call(NODE, "compute_node", "host_cpu_usage", eval_time=naive) == 1700000000000
        assert source.get_host_cpu_usage(NODE, eval_time=1700000000) == 1700000000000


def test_config_values_are_written_as_watcher_conf_would(fake_plugin):
    config = {"fake_client.list": "config", "fake_client.text": "a b", "fake_client.number": 9090,
              "fake_client.ratio": 0.5, "fake_client.yes": True, "fake_client.no": False,
              "fake_client.names": ["prometheus", "aetos"], "fake_client.unset": None}
    with fake_plugin.create(config) as source:
        assert sorted(source.list_metrics()) == sorted([
            "fake_client.list=config", "fake_client.text=a b", "fake_client.number=9090",
            "fake_client.ratio=0.5", "fake_client.yes=true", "fake_client.no=false",
            "fake_client.names=prometheus,aetos"])


@pytest.mark.parametrize("bad, error", [
    ({"no_dot": "x"}, TypeError),
    ({3: "x"}, TypeError),
    ({"fake_client.value": object()}, TypeError),
    ({"fake_client.value": float("nan")}, watcher_ds.InvalidArgumentError),
    ({"fake_client.value": "a\0b"}, watcher_ds.InvalidArgumentError),
    ({"fake_client.value": "\udcff"}, watcher_ds.InvalidArgumentError),
    ({"fake_client.value": "not-a-number"}, watcher_ds.ConfigError),
])
def test_bad_config_raises(fake_plugin, bad, error):
    with pytest.raises(error):
        fake_plugin.create(bad)


def test_create_failures_carry_status_http_status_and_message(fake_plugin):
    with pytest.raises(watcher_ds.UnavailableError) as raised:
        fake(fake_plugin, fail_create="unavailable", http_status=503, error_text="down for maintenance")
    error = raised.value
    assert error.status == _abi.E_UNAVAILABLE and error.http_status == 503
    assert "down for maintenance" in error.message
    assert str(error).startswith("unavailable (HTTP 503): fake: cannot reach the backend")


STATUSES = {
    "invalid_argument": watcher_ds.InvalidArgumentError,
    "metric_not_available": watcher_ds.MetricNotAvailableError,
    "resource_not_found": watcher_ds.ResourceNotFoundError,
    "unavailable": watcher_ds.UnavailableError,
    "auth": watcher_ds.AuthError,
    "config": watcher_ds.ConfigError,
    "timeout": watcher_ds.TimeoutError,
    "protocol": watcher_ds.ProtocolError,
    "unsupported": watcher_ds.UnsupportedError,
    "internal": watcher_ds.InternalError,
    "tls": watcher_ds.TlsError,
}


@pytest.mark.parametrize("name", sorted(STATUSES))
def test_every_failure_status_raises_its_class(fake_plugin, name):
    cls = STATUSES[name]
    assert issubclass(cls, watcher_ds.WatcherDsError)
    assert watcher_ds.error_class(cls.status) is cls
    with fake(fake_plugin, status=name, http_status=418, error_text="the server said so") as source:
        with pytest.raises(cls) as raised:
            source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage")
    assert raised.value.status == cls.status
    assert raised.value.http_status in (0, 418)
    assert "the server said so" in raised.value.message or raised.value.message


def test_an_unknown_status_is_the_base_class():
    assert watcher_ds.error_class(999) is watcher_ds.WatcherDsError
    assert watcher_ds.WatcherDsError("x", 999).status_name == "unknown error"


def test_check_availability_is_an_answer_not_an_exception(fake_plugin):
    with fake(fake_plugin) as source:
        assert source.check_availability()
        assert source.check_availability().available
    with fake(fake_plugin, available="auth", http_status=401, error_text="token refused") as source:
        availability = source.check_availability()
        assert not availability
        assert availability.status_name == "authentication failure"
        assert availability.http_status == 401 and "token refused" in availability.reason


def test_batch_falls_back_to_one_call_per_resource_without_batch_extension(fake_plugin):
    with fake(fake_plugin, value="vcpus") as source:
        result = source.statistic_batch([Instance("a", vcpus=1), Instance("b", vcpus=3), {"uuid": "c"}],
                                        "instance", "instance_cpu_usage")
        assert not result.via_extension and result.query_count == 3
        assert result.values() == [1.0, 3.0, -1.0]
        assert [item.resource.uuid if isinstance(item.resource, Instance) else item.resource["uuid"]
                for item in result] == ["a", "b", "c"]
    with fake(fake_plugin, status="resource_not_found") as source:
        result = source.statistic_batch([NODE], "compute_node", "host_cpu_usage")
        assert result[0].value is None
        assert isinstance(result[0].error, watcher_ds.ResourceNotFoundError)
    with fake(fake_plugin, status="unavailable") as source, pytest.raises(watcher_ds.UnavailableError):
        source.statistic_batch([NODE], "compute_node", "host_cpu_usage")


def test_series_and_hosts_need_their_extensions(fake_plugin):
    with fake(fake_plugin) as source:
        with pytest.raises(watcher_ds.UnsupportedError, match="series"):
            source.statistic_series(NODE, "compute_node", "host_cpu_usage", 1700000000, 1700000300)
        with pytest.raises(watcher_ds.UnsupportedError, match="hosts"):
            source.list_hosts()
        with pytest.raises(watcher_ds.UnsupportedError, match="snapshot extension"):
            source.statistic_snapshot("compute_node", "host_cpu_usage")


def test_plugin_log_lines_reach_logging_with_their_level(fake_plugin, caplog):
    logger = logging.getLogger("watcher_ds.test.levels")
    with caplog.at_level(logging.DEBUG, logger="watcher_ds.test.levels"):
        with fake_plugin.create({"fake_client.warn": "careful now"}, logger=logger):
            pass
    levels = {(r.levelno, r.getMessage()) for r in caplog.records if r.name == logger.name}
    assert (logging.WARNING, "careful now") in levels
    assert (logging.INFO, "fake: fake ready") in levels
    assert any(level == logging.DEBUG for level, _ in levels)


def test_default_logger_is_named_after_the_plugin(fake_plugin, caplog):
    with caplog.at_level(logging.INFO, logger="watcher_ds.fake"):
        with fake(fake_plugin):
            pass
    assert any(r.name == "watcher_ds.fake" for r in caplog.records)


def test_secrets_flagged_by_the_plugin_are_masked_in_log_lines(fake_plugin, caplog):
    with caplog.at_level(logging.WARNING, logger="watcher_ds.fake"):
        with fake(fake_plugin, leak_in_log="true", api_key="sk-12345-very-secret"):
            pass
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "api_key=***" in text and "sk-12345-very-secret" not in text


def test_log_lines_from_other_threads(fake_plugin, caplog):
    logger = logging.getLogger("watcher_ds.test.threads")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        threads = [threading.Thread(target=lambda: fake_plugin.create(
            {"fake_client.warn": "from a thread"}, logger=logger).close()) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(r.getMessage() == "from a thread" for r in caplog.records) == 4


def test_close_twice_and_use_after_close_raise(fake_plugin):
    source = fake(fake_plugin)
    source.close()
    assert source.closed
    with pytest.raises(watcher_ds.SourceClosedError, match="already closed"):
        source.close()
    for call in (lambda: source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage"),
                 source.list_metrics, source.check_availability, source.list_hosts,
                 lambda: source.statistic_batch([NODE], "compute_node", "host_cpu_usage"),
                 lambda: source.statistic_series(NODE, "compute_node", "host_cpu_usage", 1, 2)):
        with pytest.raises(watcher_ds.SourceClosedError, match="closed"):
            call()
    with fake(fake_plugin) as inner:
        inner.close()  # the with block then does not close again


def test_close_waits_for_running_calls(fake_plugin):
    source = fake(fake_plugin)
    errors = []

    def hammer():
        try:
            while True:
                source.statistic_aggregation(NODE, "compute_node", "host_cpu_usage")
        except watcher_ds.SourceClosedError:
            pass
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    source.close()
    for t in threads:
        t.join()
    assert errors == []
