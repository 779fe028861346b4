"""The prefetch's rules on a scripted source (the real backends are test_helpers_dataset's):
what it fetches, when it fetches again, which time it pins, and what it never serves."""

import pytest

import watcher_ds
from watcher_ds.source import BatchItem, BatchResult
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
    assert [c[0] for c in source.calls] == ["list_hosts", "batch"]
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
    assert [c[0] for c in source.calls] == ["list_instances", "single", "single"]


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
