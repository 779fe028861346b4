"""Every metric through Python against real backends loaded with the deterministic data set:
Prometheus directly and Aetos through the real Keystone. The cases and their closed-form values
come from `wds-test-servers expectations`, the same enumeration the C++ suites check."""

import datetime

import pytest

import watcher_ds
from conftest import assert_close, resource_of

BACKENDS = ["prometheus_source", "aetos_source"]


@pytest.fixture(params=BACKENDS)
def source(request, servers):
    return request.getfixturevalue(request.param)


def test_every_case_matches_its_closed_form(source, expectations):
    cases = expectations["cases"]
    assert len(cases) > 100
    for case in cases:
        value = source.statistic_aggregation(
            resource_of(case), case["resource_type"], case["meter"], case["period"],
            case["aggregate"], eval_time=case["eval_time"])
        what = "%(meter)s %(hostname)s%(uuid)s %(aggregate)s P=%(period)s t=%(eval_time)s vcpus=%(vcpus)s" % case
        assert_close(value, case["expected"], expectations["tolerance"], what)


def test_getters_are_statistic_aggregation_with_the_host_inversion(source, expectations):
    end = expectations["dataset"]["end"]
    for case in expectations["cases"]:
        if case["eval_time"] != end or case["period"] != 300:
            continue
        resource = resource_of(case)
        expected = source.statistic_aggregation(resource, case["resource_type"], case["meter"],
                                                300, case["aggregate"], eval_time=end)
        getter = getattr(source, "get_" + case["meter"])
        aggregate = case["aggregate"]
        if case["resource_type"] == "compute_node":
            aggregate = {"max": "min", "min": "max"}.get(aggregate, aggregate)
        assert getter(resource, 300, aggregate, eval_time=end) == expected, case


def test_availability_metrics_and_hosts(source, dataset):
    assert source.check_availability()
    assert set(dataset["metrics"]) <= set(source.list_metrics())
    assert source.list_hosts() == sorted(dataset["hosts"])


def test_no_data_outside_the_dataset_and_unmapped_metrics(source, dataset):
    late = dataset["end"] + 3600
    node = {"hostname": "controller"}
    assert source.get_host_cpu_usage(node, eval_time=late) is None
    assert source.statistic_aggregation({"uuid": dataset["instances"][0]}, "instance",
                                        "instance_ram_usage", 300, "max", eval_time=late) is None
    with pytest.raises(watcher_ds.MetricNotAvailableError, match="host_outlet_temp"):
        source.statistic_aggregation(node, "compute_node", "host_outlet_temp", eval_time=dataset["end"])


def test_unknown_host_is_resource_not_found_naming_it(source, dataset):
    with pytest.raises(watcher_ds.ResourceNotFoundError, match="compute-99.cloud.example"):
        source.get_host_cpu_usage({"hostname": "compute-99.cloud.example"}, eval_time=dataset["end"])


def test_unsupported_resource_type_and_invalid_period(source, dataset):
    with pytest.raises(watcher_ds.UnsupportedError):
        source.statistic_aggregation({"uuid": "b"}, "bare_metal", "host_cpu_usage", eval_time=dataset["end"])
    with pytest.raises(watcher_ds.InvalidArgumentError, match="period"):
        source.statistic_aggregation({"hostname": "controller"}, "compute_node", "host_cpu_usage", 0)


def single_calls(source, resources, resource_type, meter, period, aggregate, eval_time):
    answers = []
    for resource in resources:
        try:
            answers.append(source.statistic_aggregation(resource, resource_type, meter, period,
                                                        aggregate, eval_time=eval_time))
        except watcher_ds.ResourceNotFoundError as e:
            answers.append(e)
    return answers


@pytest.mark.parametrize("aggregate", ["mean", "min", "max"])
def test_batch_is_bitwise_equal_to_single_calls(source, dataset, aggregate):
    end = dataset["end"]
    hosts = [{"hostname": h} for h in dataset["hosts"]] + [{"hostname": "compute-99.cloud.example"}]
    for meter in ("host_cpu_usage", "host_ram_usage"):
        batch = source.statistic_batch(hosts, "compute_node", meter, 600, aggregate, eval_time=end)
        assert batch.via_extension
        singles = single_calls(source, hosts, "compute_node", meter, 600, aggregate, end)
        for item, single in zip(batch, singles):
            if isinstance(single, Exception):
                assert isinstance(item.error, watcher_ds.ResourceNotFoundError)
                assert item.value is None
            else:
                assert item.error is None and item.value == single  # bitwise, None for no data
    instances = [{"uuid": u, "vcpus": 2} for u in dataset["instances"]]
    for meter in ("instance_cpu_usage", "instance_ram_usage"):
        batch = source.statistic_batch(instances, "instance", meter, 600, aggregate, eval_time=end)
        singles = single_calls(source, instances, "instance", meter, 600, aggregate, end)
        assert batch.values() == singles
        assert batch.values().count(None) == 1  # the no-data instance, as None not 0.0


def test_series_points_are_bitwise_equal_to_single_calls(source, dataset):
    end = dataset["end"]
    start = end - 1800
    for resource, resource_type, meter in [
            ({"hostname": dataset["hosts"][0]}, "compute_node", "host_cpu_usage"),
            ({"hostname": dataset["hosts"][1]}, "compute_node", "host_ram_usage"),
            ({"uuid": dataset["instances"][0], "vcpus": 1}, "instance", "instance_cpu_usage"),
            ({"uuid": dataset["instances"][1]}, "instance", "instance_ram_usage")]:
        series = source.statistic_series(resource, resource_type, meter,
                                         datetime.datetime.utcfromtimestamp(start),
                                         datetime.datetime.utcfromtimestamp(end), 300)
        assert len(series) == 7, (meter, series)
        times = list(series)
        assert times == sorted(times)
        for time, value in series.items():
            assert time.tzinfo is datetime.timezone.utc
            single = source.statistic_aggregation(resource, resource_type, meter, 300,
                                                  eval_time=time)
            assert value == single, (meter, time)


def test_series_of_the_no_data_instance_is_empty(source, dataset):
    end = dataset["end"]
    assert source.statistic_series({"uuid": dataset["no_data_instance"]}, "instance",
                                   "instance_ram_usage", end - 900, end, 300) == {}


@pytest.mark.parametrize("aggregate", ["mean", "max"])
def test_snapshot_is_every_resource_with_a_value_bitwise_equal_to_single_calls(
        source, dataset, aggregate):
    end = dataset["end"]
    for meter in ("host_cpu_usage", "host_ram_usage"):
        snapshot = source.statistic_snapshot("compute_node", meter, 600, aggregate,
                                             eval_time=end)
        assert sorted(snapshot.values) == sorted(dataset["hosts"]), meter
        assert snapshot.query_count == 1 and not snapshot.per_vcpu
        for name in dataset["hosts"]:
            assert snapshot.value(name) == source.statistic_aggregation(
                {"hostname": name}, "compute_node", meter, 600, aggregate, eval_time=end)
    with_data = sorted(u for u in dataset["instances"] if u != dataset["no_data_instance"])
    for meter in ("instance_cpu_usage", "instance_ram_usage"):
        snapshot = source.statistic_snapshot("instance", meter, 600, aggregate, eval_time=end)
        assert list(snapshot.values) == with_data, meter  # sorted; no data: not listed, not 0.0
        assert snapshot.per_vcpu == (meter == "instance_cpu_usage")
        for uuid in with_data:
            for vcpus in (1, 2, 3, 8):  # the plugin scales CPU in PromQL, Python after the fact
                single = source.statistic_aggregation({"uuid": uuid, "vcpus": vcpus}, "instance",
                                                      meter, 600, aggregate, eval_time=end)
                assert snapshot.value(uuid, vcpus) == single, (meter, uuid, vcpus)
    with pytest.raises(watcher_ds.UnsupportedError, match="flavor"):
        source.statistic_snapshot("instance", "instance_ram_allocated", 600, eval_time=end)
    with pytest.raises(watcher_ds.InvalidArgumentError):
        source.statistic_snapshot("instance", "host_cpu_usage", 600, eval_time=end)
    with pytest.raises(watcher_ds.MetricNotAvailableError, match="host_outlet_temp"):
        source.statistic_snapshot("compute_node", "host_outlet_temp", 600, eval_time=end)
