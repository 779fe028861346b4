"""Whole-audit prefetch: a strategy's one-resource-at-a-time calls answered from batches.

Watcher's strategies loop over every node and instance, one call each. The first call for a
(metric, period, aggregate, granularity) fetches the value of every resource of its kind the
backend knows, through the plugin's batch extension, and later calls are lookups:
- hosts: the names of the backend's targets (list_hosts), also found by their short name
  when that is unique, as the plugins resolve host names;
- instances: every instance with a series of the metric (list_instances); instance CPU is
  scaled by each instance's vCPUs in the plugin, so there is one batch per vCPU count.
Every batch of one epoch is evaluated at the same pinned time; once the epoch is older than
max_age seconds all its batches are dropped and fetched again, never served. A resource a
batch did not cover (a new instance, an unusual name) is answered by its own call at the same
pinned time, so a value is always what a single call at that time returns, bit for bit.

One Prefetch belongs to one helper, which Watcher uses from one audit's thread.
"""

import time

from .. import errors

_OK, _NO_DATA = "ok", "no data"


class Stats:
    """What the prefetch did: for tests, benchmarks and the debug log."""

    __slots__ = ("batches", "queries", "lookups", "single_calls", "epochs")

    def __init__(self):
        self.batches = self.queries = self.lookups = self.single_calls = self.epochs = 0

    def __repr__(self):
        return "<prefetch %s>" % ", ".join("%s=%d" % (n, getattr(self, n)) for n in self.__slots__)


class _Batch:
    __slots__ = ("values", "failures", "aliases")

    def __init__(self):
        self.values = {}    # name -> float, or None for "no data"
        self.failures = {}  # name -> the WatcherDsError its own call would raise
        self.aliases = {}   # short host name -> the full name it stands for (unique ones only)


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
    def __init__(self, source, max_age, *, clock=time.monotonic, wall_clock=time.time):
        self._source = source
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
        """statistic_aggregation() of the package's Source for `resource` (a dict) at the
        epoch's pinned time: a float or None, or the error that call raises."""
        eval_time = self._epoch(evaluation_time)
        name = resource.get("hostname" if resource_type == "compute_node" else "uuid")
        vcpus = resource.get("vcpus") if meter == "instance_cpu_usage" else None
        # An instance without a usable vCPU count gets its own call: the plugin warns there.
        batched = isinstance(name, str) and (
            meter != "instance_cpu_usage" or (type(vcpus) is int and vcpus > 0))
        batch = None
        if batched:
            key = (resource_type, meter, period, aggregate, granularity, vcpus)
            batch = self._batches.get(key)
            if batch is None:
                batch = self._batches[key] = self._fetch(resource_type, meter, period, aggregate,
                                                         granularity, vcpus, eval_time)
        if batch is not None:
            if name not in batch.values and name not in batch.failures:
                name = batch.aliases.get(name, name)
            if name in batch.values:
                self.stats.lookups += 1
                return batch.values[name]
            if name in batch.failures:
                self.stats.lookups += 1
                raise batch.failures[name]
        self.stats.single_calls += 1
        return self._source.statistic_aggregation(resource, resource_type, meter, period,
                                                  aggregate, granularity, eval_time=eval_time)

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
