"""The prefetch's rules on a scripted source (the real backends are test_helpers_dataset's):
what it fetches, when it fetches again, which time it pins, and what it never serves. The
plugins have the snapshot extension (SnapshotSource); ScriptedSource is a plugin without it,
which the prefetch asks through batch/1 and inventory/1 instead."""

import pytest

import watcher_ds
from watcher_ds.source import BatchItem, BatchResult, Snapshot, percent_of_vcpus
from watcher_ds.watcher.prefetch import Prefetch

HOSTS = ["compute-0.example", "compute-1.example", "db.example", "db.other"]
INSTANCES = ["i-1", "i-2", "i-3"]


class ScriptedSource:
    """The Source calls the prefetch makes; a value is a function of what was asked."""

    def __init__(self, instances=INSTANCES, inventory=True):
        self.calls = []
        self.instances = instances
        self.inventory = inventory

    @staticmethod
    def answer(resource, meter, eval_time):
        name = resource.get("hostname") or resource.get("uuid")
        if name == "i-3":
            return None  # no data
        return float(len(name) + len(meter)) * (resource.get("vcpus") or 1) + eval_time % 7

    def statistic_snapshot(self, resource_type, meter, period, aggregate, granularity, *,
                           eval_time=None):
        self.calls.append(("snapshot?", meter))
        raise watcher_ds.UnsupportedError("no snapshot extension")

    def list_hosts(self):
        self.calls.append(("list_hosts",))
        return list(HOSTS)

    def list_instances(self, meter, period, *, eval_time=None):
        self.calls.append(("list_instances", meter, period, eval_time))
        if not self.inventory:
            raise watcher_ds.UnsupportedError("no inventory extension")
        return list(self.instances)

    def statistic_batch(self, resources, resource_type, meter, period, aggregate, granularity,
                        *, eval_time=None):
        self.calls.append(("batch", meter, len(resources), eval_time))
        items = []
        for r in resources:
            if r.get("hostname") == "db.other":
                items.append(BatchItem(r, None, 0, watcher_ds.InvalidArgumentError("bad name")))
            else:
                items.append(BatchItem(r, self.answer(r, meter, eval_time), 0))
        return BatchResult(items, 1, True)

    def statistic_aggregation(self, resource, resource_type, meter, period, aggregate,
                              granularity, *, eval_time=None):
        self.calls.append(("single", resource.get("hostname") or resource.get("uuid"), eval_time))
        if resource.get("hostname") == "nowhere":
            raise watcher_ds.ResourceNotFoundError("host nowhere: no fqdn label value")
        return self.answer(resource, meter, eval_time)


class SnapshotSource(ScriptedSource):
    """A plugin with the snapshot extension: instance CPU comes as cores (answer() of one
    vCPU), db.other and i-3 have no value (their own calls say why)."""

    def statistic_snapshot(self, resource_type, meter, period, aggregate, granularity, *,
                           eval_time=None):
        self.calls.append(("snapshot", meter, period, aggregate, granularity, eval_time))
        if meter in ("instance_ram_allocated", "instance_root_disk_size"):
            raise watcher_ds.UnsupportedError(meter + " comes from the flavor")
        if resource_type == "compute_node":
            names = [n for n in HOSTS if n != "db.other"]
            key = "hostname"
        else:
            names = [n for n in self.instances if n != "i-3"]
            key = "uuid"
        values = {n: self.answer({key: n}, meter, eval_time) for n in names}
        return Snapshot(values, meter == "instance_cpu_usage", 1)

    def statistic_aggregation(self, resource, resource_type, meter, period, aggregate,
                              granularity, *, eval_time=None):
        if meter == "instance_cpu_usage" and resource.get("uuid") in self.instances:
            self.calls.append(("single", resource["uuid"], eval_time))
            cores = self.answer({"uuid": resource["uuid"]}, meter, eval_time)
            return None if cores is None else percent_of_vcpus(cores, resource.get("vcpus") or 1)
        return super().statistic_aggregation(resource, resource_type, meter, period, aggregate,
                                             granularity, eval_time=eval_time)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def prefetch(source, max_age=60):
    clock = Clock()
    return Prefetch(source, max_age, clock=clock, wall_clock=lambda: 1700000000.4), clock


def host(name):
    return {"hostname": name, "uuid": name}


def test_first_call_fetches_every_host_later_calls_are_lookups():
    source = ScriptedSource()
    p, _ = prefetch(source)
    for name in HOSTS[:3]:
        assert p.value(host(name), "compute_node", "host_cpu_usage", 600, "mean", 300, None) == \
            source.answer(host(name), "host_cpu_usage", 1700000000)
    assert [c[0] for c in source.calls] == ["snapshot?", "list_hosts", "batch"]
    assert p.stats.lookups == 3 and p.stats.single_calls == 0


def test_one_epoch_pins_one_whole_second_for_every_batch():
    source = ScriptedSource()
    p, clock = prefetch(source)
    p.value(host(HOSTS[0]), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    clock.now += 30
    p.value({"uuid": "i-1"}, "instance", "instance_ram_usage", 720, "mean", 300, None)
    times = {c[-1] for c in source.calls if c[0] == "batch"}
    assert times == {1700000000}  # int: the package's fast path, and one instant for all


def test_an_epoch_older_than_max_age_is_fetched_again_never_served():
    source = ScriptedSource()
    p, clock = prefetch(source, max_age=60)
    ask = (host(HOSTS[0]), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    p.value(*ask)
    clock.now += 60
    p.value(*ask)  # exactly max_age old: still served
    assert sum(c[0] == "batch" for c in source.calls) == 1
    clock.now += 0.5
    p.value(*ask)
    assert sum(c[0] == "batch" for c in source.calls) == 2
    assert p.stats.epochs == 2


def test_a_pinned_evaluation_time_is_the_epochs_time():
    source = ScriptedSource()
    p, _ = prefetch(source)
    p.value(host(HOSTS[0]), "compute_node", "host_cpu_usage", 600, "mean", 300, 1699990000)
    assert source.calls[-1] == ("batch", "host_cpu_usage", len(HOSTS), 1699990000)


def test_keys_separate_period_aggregate_granularity_and_metric():
    source = ScriptedSource()
    p, _ = prefetch(source)
    for period, aggregate, granularity, meter in [(600, "mean", 300, "host_cpu_usage"),
                                                  (300, "mean", 300, "host_cpu_usage"),
                                                  (600, "max", 300, "host_cpu_usage"),
                                                  (600, "mean", None, "host_cpu_usage"),
                                                  (600, "mean", 300, "host_ram_usage")]:
        p.value(host(HOSTS[0]), "compute_node", meter, period, aggregate, granularity, None)
    assert sum(c[0] == "batch" for c in source.calls) == 5


def test_short_names_are_found_when_unique():
    source = ScriptedSource()
    p, _ = prefetch(source)
    value = p.value(host("compute-1"), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    assert value == source.answer(host("compute-1.example"), "host_cpu_usage", 1700000000)
    # "db" stands for db.example and db.other: its own call decides, not a guess.
    p.value(host("db"), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    assert source.calls[-1] == ("single", "db", 1700000000)


def test_a_resource_no_batch_covers_gets_its_own_call_at_the_pinned_time():
    source = ScriptedSource()
    p, _ = prefetch(source)
    with pytest.raises(watcher_ds.ResourceNotFoundError, match="nowhere"):
        p.value(host("nowhere"), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    p.value({"uuid": "i-new", "vcpus": 2}, "instance", "instance_cpu_usage", 720, "mean", 300,
            None)
    assert source.calls[-1] == ("single", "i-new", 1700000000)
    assert p.stats.single_calls == 2


def test_a_per_resource_failure_of_the_batch_is_raised_for_that_resource_only():
    source = ScriptedSource()
    p, _ = prefetch(source)
    with pytest.raises(watcher_ds.InvalidArgumentError, match="bad name"):
        p.value(host("db.other"), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    assert p.value(host("db.example"), "compute_node", "host_cpu_usage", 600, "mean", 300,
                   None) is not None


def test_no_data_is_none_not_zero():
    source = ScriptedSource()
    p, _ = prefetch(source)
    assert p.value({"uuid": "i-3"}, "instance", "instance_ram_usage", 720, "mean", 300,
                   None) is None
    assert p.stats.lookups == 1


def test_instance_cpu_has_one_batch_per_vcpu_count_and_the_plugin_scales():
    source = ScriptedSource()
    p, _ = prefetch(source)
    for uuid, vcpus in [("i-1", 2), ("i-2", 4), ("i-1", 2), ("i-2", 2)]:
        assert p.value({"uuid": uuid, "vcpus": vcpus}, "instance", "instance_cpu_usage", 720,
                       "mean", 300, None) == source.answer({"uuid": uuid, "vcpus": vcpus},
                                                           "instance_cpu_usage", 1700000000)
    assert sum(c[0] == "batch" for c in source.calls) == 2
    assert sum(c[0] == "list_instances" for c in source.calls) == 1  # shared by both
    # Without a usable vCPU count the plugin's own call (and its warning) answers.
    p.value({"uuid": "i-1", "vcpus": 0}, "instance", "instance_cpu_usage", 720, "mean", 300, None)
    p.value({"uuid": "i-1"}, "instance", "instance_cpu_usage", 720, "mean", 300, None)
    assert p.stats.single_calls == 2


def test_a_plugin_without_the_inventory_extension_answers_call_by_call():
    source = ScriptedSource(inventory=False)
    p, _ = prefetch(source)
    for _ in range(2):
        p.value({"uuid": "i-1"}, "instance", "instance_ram_usage", 720, "mean", 300, None)
    assert [c[0] for c in source.calls] == ["snapshot?", "list_instances", "single", "single"]


def test_a_failed_batch_is_not_remembered():
    source = ScriptedSource()
    p, _ = prefetch(source)
    failing = [True]
    batch = source.statistic_batch

    def flaky(*args, **kwargs):
        if failing[0]:
            raise watcher_ds.UnavailableError("connection refused")
        return batch(*args, **kwargs)

    source.statistic_batch = flaky
    with pytest.raises(watcher_ds.UnavailableError):
        p.value(host(HOSTS[0]), "compute_node", "host_cpu_usage", 600, "mean", 300, None)
    failing[0] = False
    assert p.value(host(HOSTS[0]), "compute_node", "host_cpu_usage", 600, "mean", 300,
                   None) is not None


# --- a plugin with the snapshot extension ---------------------------------------------------


def test_a_snapshot_answers_every_host_from_one_query_at_the_pinned_time():
    source = SnapshotSource()
    p, _ = prefetch(source)
    for name in HOSTS[:3]:
        assert p.value(host(name), "compute_node", "host_cpu_usage", 600, "max", 300, None) == \
            source.answer(host(name), "host_cpu_usage", 1700000000)
    assert source.calls == [("snapshot", "host_cpu_usage", 600, "max", 300, 1700000000)]
    assert (p.stats.batches, p.stats.queries, p.stats.lookups) == (1, 1, 3)
    # Short names as with batches; a name the snapshot lacks is its own call.
    assert p.value(host("compute-1"), "compute_node", "host_cpu_usage", 600, "max", 300,
                   None) == source.answer(host("compute-1.example"), "host_cpu_usage", 1700000000)
    p.value(host("db.other"), "compute_node", "host_cpu_usage", 600, "max", 300, None)
    assert source.calls[-1] == ("single", "db.other", 1700000000)
    with pytest.raises(watcher_ds.ResourceNotFoundError, match="nowhere"):
        p.value(host("nowhere"), "compute_node", "host_cpu_usage", 600, "max", 300, None)
    assert p.stats.single_calls == 2


def test_one_snapshot_serves_instance_cpu_of_every_vcpu_count_scaled_as_the_plugin_scales():
    source = SnapshotSource()
    p, _ = prefetch(source)
    for uuid, vcpus in [("i-1", 1), ("i-2", 4), ("i-1", 2), ("i-2", 3), ("i-1", 8)]:
        resource = {"uuid": uuid, "vcpus": vcpus}
        value = p.value(resource, "instance", "instance_cpu_usage", 720, "mean", 300, None)
        cores = source.answer({"uuid": uuid}, "instance_cpu_usage", 1700000000)
        assert value == min(cores * (100.0 / vcpus), 100.0)
        assert value == source.statistic_aggregation(resource, "instance", "instance_cpu_usage",
                                                     720, "mean", 300, eval_time=1700000000)
    assert sum(c[0] == "snapshot" for c in source.calls) == 1
    assert p.stats.single_calls == 0
    # No data in the snapshot: the instance's own call, which says None (not 0).
    assert p.value({"uuid": "i-3", "vcpus": 2}, "instance", "instance_cpu_usage", 720, "mean",
                   300, None) is None
    assert p.stats.single_calls == 1


def test_percent_of_vcpus_clamps_at_100_and_keeps_small_values_exact():
    assert percent_of_vcpus(3.0, 2) == 100.0
    assert percent_of_vcpus(0.5, 1) == 50.0
    assert percent_of_vcpus(0.3, 3) == 0.3 * (100.0 / 3)
    assert percent_of_vcpus(0.0, 4) == 0.0


def test_a_snapshot_epoch_older_than_max_age_is_taken_again():
    source = SnapshotSource()
    p, clock = prefetch(source, max_age=60)
    ask = ({"uuid": "i-1"}, "instance", "instance_ram_usage", 720, "mean", 300, None)
    p.value(*ask)
    clock.now += 61
    p.value(*ask)
    assert sum(c[0] == "snapshot" for c in source.calls) == 2 and p.stats.epochs == 2


def test_a_metric_without_a_snapshot_falls_back_without_losing_the_others():
    source = SnapshotSource()
    p, _ = prefetch(source)
    flavor = {"uuid": "i-1", "memory": 2048}
    p.value(flavor, "instance", "instance_ram_allocated", 720, "mean", 300, None)
    p.value({"uuid": "i-1"}, "instance", "instance_ram_usage", 720, "mean", 300, None)
    asked = [c[0] for c in source.calls]
    assert asked[0] == "snapshot" and "snapshot" in asked[1:]
    assert ("snapshot", "instance_ram_usage", 720, "mean", 300, 1700000000) in source.calls


def test_snapshot_value_needs_the_vcpus_of_a_scaled_metric():
    snapshot = Snapshot({"i-1": 0.5}, True, 1)
    assert snapshot.value("i-1", 2) == 25.0
    assert snapshot.value("i-9", 2) is None
    with pytest.raises(ValueError, match="vcpus"):
        snapshot.value("i-1")
    assert Snapshot({"h": 7.5}, False, 1).value("h") == 7.5
