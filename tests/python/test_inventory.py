"""Source.list_instances (the inventory/1 extension) against the real backends loaded with the
deterministic data set, Prometheus directly and Aetos through the real Keystone, and without
the extension (the fake plugin)."""

import datetime

import pytest

import watcher_ds

INSTANCE_METERS = ("instance_cpu_usage", "instance_ram_usage")


@pytest.fixture(params=[("prometheus", "prometheus_plugin"), ("aetos", "aetos_plugin")],
                ids=["prometheus", "aetos"])
def source(request, servers):
    # A source of its own: an inventory changes how the source splits later batches (never
    # their values), and the session's shared sources are left as other tests expect them.
    config, plugin = request.param
    with request.getfixturevalue(plugin).create(servers.config(config)) as own:
        yield own


def with_data(dataset):
    return sorted(u for u in dataset["instances"] if u != dataset["no_data_instance"])


def test_lists_exactly_the_instances_with_data_sorted(source, dataset):
    end = dataset["end"]
    expected = with_data(dataset)
    assert len(expected) == len(dataset["instances"]) - 1
    for meter in INSTANCE_METERS:
        listed = source.list_instances(meter, 300, eval_time=end)
        assert listed == expected, meter
        assert all(type(uuid) is str for uuid in listed)
        # The whole data set's span, and a datetime for the time.
        assert source.list_instances(meter, period=4 * 3600,
                                     eval_time=datetime.datetime.utcfromtimestamp(end)) == expected


def test_every_listed_instance_is_answered_by_its_metric(source, dataset):
    end = dataset["end"]
    for meter in INSTANCE_METERS:
        listed = source.list_instances(meter, 600, eval_time=end, timeout=10)
        instances = [{"uuid": uuid, "vcpus": 2} for uuid in listed]
        singles = [source.statistic_aggregation(i, "instance", meter, 600, eval_time=end)
                   for i in instances]
        assert None not in singles, meter
        batch = source.statistic_batch(instances, "instance", meter, 600, eval_time=end)
        assert batch.via_extension
        assert batch.values() == singles, meter  # bitwise


def test_windows_away_from_the_data_list_nothing(source, dataset):
    three_days = 3 * 86400
    for eval_time in (dataset["start"] - three_days, dataset["end"] + three_days):
        assert source.list_instances("instance_cpu_usage", eval_time=eval_time) == []


def test_metrics_without_series_and_other_resource_types_are_refused(source, dataset):
    end = dataset["end"]
    for flavor in ("instance_ram_allocated", "instance_root_disk_size"):
        with pytest.raises(watcher_ds.UnsupportedError, match="flavor"):
            source.list_instances(flavor, eval_time=end)
    with pytest.raises(watcher_ds.InvalidArgumentError, match="host_cpu_usage"):
        source.list_instances("host_cpu_usage", eval_time=end)
    with pytest.raises(watcher_ds.MetricNotAvailableError, match="host_outlet_temp"):
        source.list_instances("host_outlet_temp", eval_time=end)
    with pytest.raises(watcher_ds.UnsupportedError, match="list_hosts"):
        source.list_instances("instance_cpu_usage", eval_time=end, resource_type="compute_node")
    with pytest.raises(watcher_ds.InvalidArgumentError, match="period"):
        source.list_instances("instance_cpu_usage", 0, eval_time=end)
    with pytest.raises(watcher_ds.InvalidArgumentError, match="resource_type"):
        source.list_instances("instance_cpu_usage", resource_type="vm")


def test_without_the_extension_it_is_unsupported(fake_plugin):
    with fake_plugin.create({}) as fake:
        with pytest.raises(watcher_ds.UnsupportedError, match="cannot list instances"):
            fake.list_instances("instance_cpu_usage")
    with pytest.raises(watcher_ds.SourceClosedError):
        fake.list_instances("instance_cpu_usage")
