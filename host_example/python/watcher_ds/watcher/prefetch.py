"""Whole-audit prefetch: a strategy's one-resource-at-a-time calls answered from batches.

Watcher's strategies loop over every node and instance, one call each. The first call for a
(metric, period, aggregate, granularity) fetches the value of every resource of its kind the
backend knows and later calls are lookups. It takes one query through the plugin's snapshot
extension: the values of every host of the backend's targets (also found by their short name
when that is unique, as the plugins resolve host names) or of every instance with a series of
the metric; instance CPU comes as cores, scaled here by each instance's vCPUs as the plugin
scales it. A plugin without the snapshot extension is asked through its batch extension
instead: the names first (list_hosts, list_instances), then one batch of them, and for instance
CPU one batch per vCPU count, since that plugin scales each value itself.
Every batch of one epoch is evaluated at the same pinned time; once the epoch is older than
max_age seconds all its batches are dropped and fetched again, never served. A resource a
batch did not cover (a new instance, an unusual name) is answered by its own call at the same
pinned time, so a value is always what a single call at that time returns, bit for bit.

One Prefetch belongs to one helper, which Watcher uses from one audit's thread.
"""

import time

from .. import errors
from ..source import percent_of_vcpus

_OK, _NO_DATA = "ok", "no data"


def attribute(resource, name):
    """A model element's attribute; None when it lacks it (unset versioned-object fields raise
    NotImplementedError, not AttributeError)."""
    try:
        return getattr(resource, name, None)
    except Exception:  # noqa: BLE001 - any failure to read it means "not known"
        return None


class Stats:
    """What the prefetch did: for tests, benchmarks and the debug log."""

    __slots__ = ("batches", "queries", "lookups", "single_calls", "epochs")

    def __init__(self):
        self.batches = self.queries = self.lookups = self.single_calls = self.epochs = 0

    def __repr__(self):
        return "<prefetch %s>" % ", ".join("%s=%d" % (n, getattr(self, n)) for n in self.__slots__)


class _Batch:
    __slots__ = ("values", "failures", "aliases", "per_vcpu")

    def __init__(self, values=None, per_vcpu=False):
        self.values = {} if values is None else values  # name -> float, or None for "no data"
        self.failures = {}  # name -> the WatcherDsError its own call would raise
        self.aliases = {}   # short host name -> the full name it stands for (unique ones only)
        self.per_vcpu = per_vcpu  # values are CPU cores, scaled by each instance's vCPUs


# Stands for "this plugin has no snapshot of the metric" among the batches.
_NO_SNAPSHOT = _Batch()


def _short_name_aliases(names):
    aliases, taken = {}, set()
    for name in names:
        short = name.split(".", 1)[0]
        if short == name or short in taken:
            continue
        if short in aliases:
            del aliases[short]
            taken.add(short)
        else:
            aliases[short] = name
    return {short: full for short, full in aliases.items() if short not in names}


class Prefetch:
    def __init__(self, source, max_age, *, to_resource=lambda resource, resource_type: resource,
                 clock=time.monotonic, wall_clock=time.time):
        self._source = source
        self._to_resource = to_resource
        self._max_age = max_age
        self._clock = clock
        self._wall_clock = wall_clock
        self._epoch_started = None
        self._eval_time = None
        self._batches = {}
        self._inventories = {}
        self.stats = Stats()

    def _epoch(self, evaluation_time):
        """The pinned evaluation time, after dropping an epoch older than max_age."""
        now = self._clock()
        if self._epoch_started is None or now - self._epoch_started > self._max_age:
            self._batches.clear()
            self._inventories.clear()
            self._epoch_started = now
            # Whole seconds: the plugin's query carries milliseconds, the server's samples
            # none finer; an int also takes the package's fast path.
            self._eval_time = evaluation_time if evaluation_time is not None \
                else int(self._wall_clock())
            self.stats.epochs += 1
        return self._eval_time

    def value(self, resource, resource_type, meter, period, aggregate, granularity,
              evaluation_time):
        """statistic_aggregation() of the package's Source for `resource` (a dict, or a model
        element that to_resource turns into one for a call of its own) at the epoch's pinned
        time: a float or None, or the error that call raises."""
        eval_time = self._epoch(evaluation_time)
        # Only the name (and vCPUs) for a lookup: the whole resource is read for a call only.
        key = "hostname" if resource_type == "compute_node" else "uuid"
        cpu = meter == "instance_cpu_usage"
        if type(resource) is dict:
            name = resource.get(key)
            vcpus = resource.get("vcpus") if cpu else None
        else:
            name = attribute(resource, key)
            vcpus = attribute(resource, "vcpus") if cpu else None
        # An instance without a usable vCPU count gets its own call: the plugin warns there.
        batched = isinstance(name, str) and (not cpu or (type(vcpus) is int and vcpus > 0))
        batch = None
        if batched:
            batch = self._batch(resource_type, meter, period, aggregate, granularity, vcpus,
                                eval_time)
        if batch is not None:
            if name not in batch.values and name not in batch.failures:
                name = batch.aliases.get(name, name)
            if name in batch.values:
                self.stats.lookups += 1
                value = batch.values[name]
                return percent_of_vcpus(value, vcpus) if batch.per_vcpu else value
            if name in batch.failures:
                self.stats.lookups += 1
                raise batch.failures[name]
        self.stats.single_calls += 1
        return self._source.statistic_aggregation(self._to_resource(resource, resource_type),
                                                  resource_type, meter, period, aggregate,
                                                  granularity, eval_time=eval_time)

    def _batch(self, resource_type, meter, period, aggregate, granularity, vcpus, eval_time):
        """The epoch's batch the value comes from: the metric's snapshot, or where the plugin
        has none the batch of every name (per vCPU count for instance CPU)."""
        key = (resource_type, meter, period, aggregate, granularity)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = self._snapshot(key, eval_time)
        if batch is not _NO_SNAPSHOT:
            return batch
        key += (vcpus,)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = self._fetch(resource_type, meter, period, aggregate,
                                                     granularity, vcpus, eval_time)
        return batch

    def _snapshot(self, key, eval_time):
        resource_type, meter, period, aggregate, granularity = key
        try:
            snapshot = self._source.statistic_snapshot(resource_type, meter, period, aggregate,
                                                       granularity, eval_time=eval_time)
        except errors.UnsupportedError:
            return _NO_SNAPSHOT  # no extension, or a metric from the flavor: batches or calls
        self.stats.batches += 1
        self.stats.queries += snapshot.query_count
        batch = _Batch(snapshot.values, snapshot.per_vcpu)
        if resource_type == "compute_node":
            batch.aliases = _short_name_aliases(batch.values)
        return batch

    def _names(self, resource_type, meter, period, eval_time):
        key = (resource_type, meter, period)
        names = self._inventories.get(key)
        if names is None:
            try:
                if resource_type == "compute_node":
                    names = self._source.list_hosts()
                else:
                    names = self._source.list_instances(meter, period, eval_time=eval_time)
            except errors.UnsupportedError:
                names = []  # a plugin without the extension: every call is its own
            self._inventories[key] = names
        return names

    def _fetch(self, resource_type, meter, period, aggregate, granularity, vcpus, eval_time):
        batch = _Batch()
        names = self._names(resource_type, meter, period, eval_time)
        if not names:
            return batch
        hosts = resource_type == "compute_node"
        if hosts:
            resources = [{"hostname": n} for n in names]
        elif vcpus is None:
            resources = [{"uuid": n} for n in names]
        else:
            resources = [{"uuid": n, "vcpus": vcpus} for n in names]
        result = self._source.statistic_batch(resources, resource_type, meter, period, aggregate,
                                              granularity, eval_time=eval_time)
        self.stats.batches += 1
        self.stats.queries += result.query_count
        values, failures = batch.values, batch.failures
        for name, item in zip(names, result.items):
            if item.error is None:
                values[name] = item.value
            else:
                failures[name] = item.error
        if hosts:
            batch.aliases = _short_name_aliases(names)
        return batch
