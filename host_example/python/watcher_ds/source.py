"""A live datasource: one configured connection to one backend, through a plugin's C ABI."""

import ctypes
import datetime
import logging
import threading
import time
from ctypes import addressof, byref, c_double, c_void_p, pointer

from . import _abi, _convert
from .errors import SourceClosedError, UnsupportedError, from_error, from_status

_LEVELS = {
    _abi.LOG_DEBUG: logging.DEBUG,
    _abi.LOG_INFO: logging.INFO,
    _abi.LOG_WARNING: logging.WARNING,
    _abi.LOG_ERROR: logging.ERROR,
}

# Per-resource answers of a batch; any other failure fails the whole batch (as wds::Source).
_PER_RESOURCE = (_abi.OK, _abi.NO_DATA, _abi.E_RESOURCE_NOT_FOUND, _abi.E_INVALID_ARGUMENT)

_QUERY_SIZE = ctypes.sizeof(_abi.AggregationQuery)
_RESOURCE_TYPES = _abi.RESOURCE_TYPES
_AGGREGATES = _abi.AGGREGATES
_INT64_MIN, _INT64_MAX = _convert.INT64_MIN, _convert.INT64_MAX
_MAX_SECONDS = _convert.INT64_MAX // 1000
_SERIES_QUERY_SIZE = ctypes.sizeof(_abi.SeriesQuery)
_BATCH_QUERY_SIZE = ctypes.sizeof(_abi.BatchQuery)
_INVENTORY_QUERY_SIZE = ctypes.sizeof(_abi.InventoryQuery)
_SNAPSHOT_QUERY_SIZE = ctypes.sizeof(_abi.SnapshotQuery)
_UTC = datetime.timezone.utc


def invert_host_aggregate(aggregate):
    """Watcher's host getters ask for the opposite extreme: host metrics are "100 - idle" and
    "total - available", so the busiest moment is the one with the least idle time."""
    return {"max": "min", "min": "max"}.get(aggregate, aggregate)


class LogBridge:
    """Plugin log lines -> a logging.Logger, from whatever thread the plugin logs on. Values of
    the keys the plugin flags secret are masked (the plugin must not log them anyway)."""

    def __init__(self, logger, secrets=()):
        self.logger = logger
        self.secrets = sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True)
        self.callback = _abi.LogFn(self._log)

    def mask(self, text):
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def _log(self, _ctx, level, message):
        try:
            text = message.decode("utf-8", "replace") if message else ""
            self.logger.log(_LEVELS.get(level, logging.WARNING), "%s", self.mask(text))
        except Exception:  # noqa: BLE001 - an exception must never unwind into the plugin
            pass


class Availability:
    """check_availability(): true when the backend answers; otherwise why not."""

    __slots__ = ("available", "status", "http_status", "reason")

    def __init__(self, status, http_status=0, reason=""):
        self.available = status == _abi.OK
        self.status = status
        self.http_status = http_status
        self.reason = reason

    def __bool__(self):
        return self.available

    @property
    def status_name(self):
        return _abi.STATUS_NAMES.get(self.status, "unknown error")

    def __repr__(self):
        if self.available:
            return "Availability(available)"
        return "Availability(unavailable: %s: %s)" % (self.status_name, self.reason)


class BatchItem:
    """The answer for one resource of a batch: value (None for no data) or error."""

    __slots__ = ("resource", "value", "status", "error")

    def __init__(self, resource, value, status, error=None):
        self.resource = resource
        self.value = value
        self.status = status
        self.error = error  # the exception this resource alone would have raised, or None

    def __repr__(self):
        if self.error is not None:
            return "BatchItem(%s)" % self.error
        return "BatchItem(%r)" % (self.value,)


class BatchResult:
    """statistic_batch(): one BatchItem per resource, in the order given."""

    __slots__ = ("items", "query_count", "via_extension")

    def __init__(self, items, query_count, via_extension):
        self.items = items
        self.query_count = query_count  # PromQL queries the batch took
        self.via_extension = via_extension  # False: one call per resource (no batch/1)

    def values(self):
        return [item.value for item in self.items]

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, index):
        return self.items[index]


def _metric_query(struct, size, resource_type, meter_name, period, aggregate, granularity,
                  eval_time, timeout):
    """A batch or snapshot query: the fields both have, converted and checked."""
    query = struct()
    query.struct_size = size
    query.resource_type = _convert.resource_type(resource_type)
    query.meter_name = _convert.text(meter_name, "meter_name")
    query.aggregate = _convert.aggregate(aggregate)
    query.period_s = _convert.whole(period, "period")
    query.granularity_s = 0 if granularity is None else _convert.whole(granularity, "granularity")
    query.eval_time_ms = _convert.seconds_to_ms(eval_time, "eval_time")
    query.timeout_ms = _convert.seconds_to_ms(timeout, "timeout")
    return query


def percent_of_vcpus(cores, vcpus):
    """instance_cpu_usage of an instance with `vcpus` (an int >= 1) that used `cores` CPU cores:
    PromQL's `cores * (100/vcpus)` clamped to 100, in the same double arithmetic, so bit for bit
    what the plugin answers for it (snapshot/1's WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS)."""
    scaled = cores * (100.0 / vcpus)
    return 100.0 if scaled > 100.0 else scaled


class Snapshot:
    """statistic_snapshot(): the metric's value of every resource that has one.

    `values` maps each name (a host's fqdn label value, an instance's uuid label value) to its
    value as the plugin sent it; value() gives the metric's value, scaled where the metric is
    (instance CPU: by the instance's vCPUs). A name missing has no finite value: its own
    statistic_aggregation() says why."""

    __slots__ = ("values", "per_vcpu", "query_count")

    def __init__(self, values, per_vcpu, query_count):
        self.values = values
        self.per_vcpu = per_vcpu  # True: values are CPU cores, see percent_of_vcpus()
        self.query_count = query_count

    def value(self, name, vcpus=None):
        """The metric's value of `name` (vcpus: the instance's, required when per_vcpu), or
        None when the snapshot has none."""
        value = self.values.get(name)
        if value is None or not self.per_vcpu:
            return value
        if type(vcpus) is not int or vcpus < 1:
            raise ValueError("this snapshot's values are scaled by each instance's vCPUs: "
                             "vcpus must be an int >= 1, not %r" % (vcpus,))
        return percent_of_vcpus(value, vcpus)

    def __len__(self):
        return len(self.values)


# Converted resources kept per source: Watcher asks each resource for several metrics.
_RESOURCE_CACHE_SIZE = 20000


class _AggregationCall:
    """The structs of one statistic_aggregation call, reused from a pool: building ctypes
    objects costs more than filling them in. The resource is one of the source's converted
    ones (they never change once built, so threads share them)."""

    __slots__ = ("resource", "query", "value", "err", "query_ref", "value_ref", "err_ref",
                 "fields")

    def __init__(self):
        self.resource = None
        self.query = _abi.AggregationQuery()
        self.query.struct_size = _QUERY_SIZE
        self.value = c_double()
        self.err = _abi.new_error()
        self.query_ref, self.value_ref, self.err_ref = byref(self.query), byref(self.value), byref(self.err)
        self.fields = None  # what the query holds now

    def set_query(self, fields):
        q = self.query
        (q.resource_type, q.meter_name, q.aggregate, q.period_s, q.granularity_s, q.eval_time_ms,
         q.timeout_ms) = fields
        self.fields = fields


class Source:
    """One datasource created by a plugin. Thread-safe: any number of threads may call it at
    once, and each call runs without the GIL. close() waits for running calls, then destroys the
    plugin's source; a closed source raises SourceClosedError."""

    def __init__(self, plugin, handle, destroy, bridge, description):
        self.plugin = plugin
        self.description = description
        self._handle = handle
        self._handle_arg = c_void_p(handle)  # passed as it is: no conversion per call
        self._destroy = destroy  # destroys handle: the descriptor's destroy or a choice release
        self._bridge = bridge  # keeps the log callback alive as long as the plugin may call it
        self._calls = plugin._calls
        # Calls in flight, one entry each. Under the GIL list.append/pop are atomic and ordered:
        # a call appends before it reads _closing, close() sets _closing before it waits for an
        # empty list, so no call can still be in the plugin when close() destroys the source.
        self._in_flight = []
        self._closing = False
        self._close_lock = threading.Lock()
        self._extensions = {}
        self.choice = None  # open_config(): why watcher.conf chose this datasource
        self._meters = {}  # meter name -> its bytes
        self._resources = {}  # a resource's attributes -> its wds_resource, built once
        self._free_calls = []  # _AggregationCall structs not in use: a pool, not per thread

    # --- lifetime ------------------------------------------------------------------------

    def close(self):
        with self._close_lock:
            if self._handle is None or self._closing:
                raise SourceClosedError("%s is already closed" % self.description)
            self._closing = True
            while self._in_flight:  # close is rare; its callers wait for network calls anyway
                time.sleep(0.001)
            handle, self._handle = self._handle, None
            self._closing = False
        self._destroy(handle)

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self.closed:
            self.close()
        return False

    def __del__(self):
        # A source that was never closed is destroyed when it is collected.
        try:
            if self._handle is not None and not self._closing:
                handle, self._handle = self._handle, None
                self._destroy(handle)
        except Exception:  # noqa: BLE001 - at interpreter shutdown modules may be gone
            pass

    def __repr__(self):
        return "<watcher_ds.Source %s%s>" % (self.description, " (closed)" if self.closed else "")

    def _enter(self):
        self._in_flight.append(None)
        handle = self._handle
        if handle is None or self._closing:
            self._in_flight.pop()
            raise SourceClosedError("%s is closed" % self.description)
        return handle

    def _leave(self):
        self._in_flight.pop()

    def _raise(self, status, err):
        raise self._error(status, err)

    def _error(self, status, err):
        error = from_error(status, err)
        error.message = self._bridge.mask(error.message)
        error.args = (error.message,)
        return error

    def _extension(self, handle, ext_id, struct, minimum_size):
        try:
            return self._extensions[ext_id]
        except KeyError:
            pass
        ext = None
        get_extension = self._calls.get_extension
        if get_extension:
            address = get_extension(handle, ext_id)
            if address:
                candidate = ctypes.cast(address, ctypes.POINTER(struct)).contents
                if candidate.struct_size >= minimum_size:
                    ext = candidate
        self._extensions[ext_id] = ext
        return ext

    # --- Watcher's DataSourceBase calls ----------------------------------------------------

    def statistic_aggregation(
        self,
        resource=None,
        resource_type=None,
        meter_name=None,
        period=300,
        aggregate="mean",
        granularity=300,
        *,
        eval_time=None,
        timeout=None,
    ):
        """One value for one resource and metric: a float, or None when the backend has no
        sample (0.0 is a value). eval_time: Unix seconds or a datetime (default: the server's
        now); timeout: seconds per request (default: the source's)."""
        # Every Python step here delays the request and runs on caches the network stack just
        # used (it costs several times what it costs in a tight loop), so the common argument
        # types take one lookup or comparison each (_convert checks and names anything else),
        # the structs come from a pool, and the query is rewritten only when it changes.
        if type(resource) is dict:
            get = resource.get
            uuid, hostname, vcpus, memory, disk = (
                get("uuid"), get("hostname"), get("vcpus"), get("memory"), get("disk"))
        else:
            uuid = getattr(resource, "uuid", None)
            hostname = getattr(resource, "hostname", None)
            vcpus = getattr(resource, "vcpus", None)
            memory = getattr(resource, "memory", None)
            disk = getattr(resource, "disk", None)
        # The types are part of the key: True == 1, but True is no vCPU count.
        key = (uuid, hostname, vcpus, memory, disk, type(vcpus), type(memory), type(disk))
        try:
            c_resource = self._resources.get(key)
        except TypeError:  # an unhashable attribute: the checked path says what is wrong
            c_resource = key = None
        if c_resource is None:
            c_resource = self._resource(resource, key)
        free = self._free_calls
        call = free.pop() if free else _AggregationCall()
        call.query.resource = addressof(c_resource)
        call.resource = c_resource  # alive until the call is over
        if type(period) is not int or not _INT64_MIN <= period <= _INT64_MAX:
            period = _convert.whole(period, "period")
        if granularity is None:
            granularity = 0
        elif type(granularity) is not int or not _INT64_MIN <= granularity <= _INT64_MAX:
            granularity = _convert.whole(granularity, "granularity")
        if type(eval_time) is int and 0 < eval_time < _MAX_SECONDS:
            eval_ms = eval_time * 1000
        else:
            eval_ms = _convert.seconds_to_ms(eval_time, "eval_time")
        fields = (
            (type(resource_type) is str and _RESOURCE_TYPES.get(resource_type))
            or _convert.resource_type(resource_type),
            (type(meter_name) is str and self._meters.get(meter_name)) or self._meter(meter_name),
            (type(aggregate) is str and _AGGREGATES.get(aggregate)) or _convert.aggregate(aggregate),
            period, granularity, eval_ms,
            0 if timeout is None else _convert.seconds_to_ms(timeout, "timeout"))
        if fields != call.fields:  # a loop over resources asks the same query of each
            call.set_query(fields)
        in_flight = self._in_flight
        in_flight.append(None)
        try:
            if self._handle is None or self._closing:
                raise SourceClosedError("%s is closed" % self.description)
            status = self._calls.statistic_aggregation(self._handle_arg, call.query_ref,
                                                       call.value_ref, call.err_ref)
        finally:
            in_flight.pop()
        if status == _abi.OK:
            value = call.value.value
        elif status == _abi.NO_DATA:
            value = None
        else:
            error = self._error(status, call.err)
            free.append(call)  # only once its message is read: another thread may take it
            raise error
        free.append(call)
        return value

    def _resource(self, resource, key):
        c_resource = _convert.resource(resource)
        if key is not None:
            if len(self._resources) >= _RESOURCE_CACHE_SIZE:
                self._resources.clear()  # a new audit's resources, or more than any audit has
            self._resources[key] = c_resource
        return c_resource

    def _meter(self, meter_name):
        meter = _convert.text(meter_name, "meter_name")
        if len(self._meters) < 64:  # Watcher's metric names, and a bound for anything else
            self._meters[meter_name] = meter
        return meter

    def statistic_series(
        self,
        resource=None,
        resource_type=None,
        meter_name=None,
        start_time=None,
        end_time=None,
        granularity=300,
        *,
        aggregate="mean",
        timeout=None,
    ):
        """Watcher's statistic_series(): {datetime (UTC): value} in ascending time, one point per
        multiple of `granularity` seconds in [start_time, end_time] that has a value ({} when
        none has). Times are datetimes (naive = UTC) or Unix seconds."""
        query = _abi.SeriesQuery()
        query.struct_size = _SERIES_QUERY_SIZE
        query.resource_type = _convert.resource_type(resource_type)
        res = _convert.resource(resource)
        query.resource = addressof(res)
        query.meter_name = _convert.text(meter_name, "meter_name")
        query.aggregate = _convert.aggregate(aggregate)
        if start_time is None or end_time is None:
            raise TypeError("statistic_series needs start_time and end_time")
        query.start_ms = _convert.seconds_to_ms(start_time, "start_time")
        query.end_ms = _convert.seconds_to_ms(end_time, "end_time")
        query.granularity_s = _convert.whole(granularity, "granularity")
        query.timeout_ms = _convert.seconds_to_ms(timeout, "timeout")
        out = ctypes.POINTER(_abi.Series)()
        err = _abi.new_error()
        handle = self._enter()
        try:
            ext = self._extension(handle, _abi.EXT_SERIES_V1, _abi.SeriesExtV1, _abi.SERIES_EXT_V1_0_SIZE)
            if ext is None:
                raise UnsupportedError("%s has no range series extension" % self.description)
            status = ext.statistic_series(handle, byref(query), byref(out), byref(err))
            try:
                if status == _abi.OK and out:
                    series = out.contents
                    points = series.points
                    return {
                        datetime.datetime.fromtimestamp(points[i].time_ms / 1000, _UTC): points[i].value
                        for i in range(series.count)
                    }
            finally:
                ext.series_release(out)  # NULL is a no-op: released once, whatever happened
        finally:
            self._leave()
        if status in (_abi.OK, _abi.NO_DATA):
            return {}
        self._raise(status, err)

    def statistic_batch(
        self,
        resources,
        resource_type=None,
        meter_name=None,
        period=300,
        aggregate="mean",
        granularity=300,
        *,
        eval_time=None,
        timeout=None,
    ):
        """statistic_aggregation() for many resources of one type, in as few queries as the
        plugin can (one call per resource when it lacks the batch extension). Each item is
        what the resource's own call returns at the same eval_time, or the error it would
        raise (not found, invalid); a failure of the backend raises for the whole batch."""
        resources = list(resources)
        converted = [_convert.resource(r, "resources[%d]" % i) for i, r in enumerate(resources)]
        query = _metric_query(_abi.BatchQuery, _BATCH_QUERY_SIZE, resource_type, meter_name,
                              period, aggregate, granularity, eval_time, timeout)

        handle = self._enter()
        try:
            ext = self._extension(handle, _abi.EXT_BATCH_V1, _abi.BatchExtV1, _abi.BATCH_EXT_V1_0_SIZE)
            if ext is None:
                return self._batch_by_calls(handle, resources, converted, query)
            pointers = (ctypes.POINTER(_abi.Resource) * len(converted))(*(pointer(c) for c in converted))
            query.resources = pointers
            query.resource_count = len(converted)
            out = ctypes.POINTER(_abi.BatchResult)()
            err = _abi.new_error()
            status = ext.statistic_batch(handle, byref(query), byref(out), byref(err))
            try:
                if status == _abi.OK and out:
                    batch = out.contents
                    if batch.count != len(resources):
                        raise from_status(
                            _abi.E_PROTOCOL,
                            "%s answered %d items for %d resources"
                            % (self.description, batch.count, len(resources)),
                        )
                    c_items = batch.items
                    items = []
                    for i, resource in enumerate(resources):
                        item = c_items[i]
                        items.append(self._batch_item(resource, item.status, item.value, item.message))
                    return BatchResult(items, batch.query_count, True)
            finally:
                ext.batch_release(out)
        finally:
            self._leave()
        self._raise(status, err)

    def _batch_item(self, resource, status, value, message):
        if status == _abi.OK:
            return BatchItem(resource, value, status)
        if status == _abi.NO_DATA:
            return BatchItem(resource, None, status)
        text = self._bridge.mask(message.decode("utf-8", "replace")) if message else ""
        return BatchItem(resource, None, status, from_status(status, text))

    def _batch_by_calls(self, handle, resources, converted, batch_query):
        query = _abi.AggregationQuery()
        query.struct_size = _QUERY_SIZE
        for field in ("resource_type", "meter_name", "aggregate", "period_s", "granularity_s",
                      "eval_time_ms", "timeout_ms"):
            setattr(query, field, getattr(batch_query, field))
        items = []
        value = c_double()
        for resource, c_resource in zip(resources, converted):
            query.resource = addressof(c_resource)
            err = _abi.new_error()
            status = self._calls.statistic_aggregation(handle, byref(query), byref(value), byref(err))
            if status not in _PER_RESOURCE:
                self._raise(status, err)
            items.append(self._batch_item(resource, status, value.value, err.message))
        return BatchResult(items, len(items), False)

    def list_hosts(self):
        """The compute node names the backend knows (the fqdn label's values), sorted."""
        handle = self._enter()
        try:
            ext = self._extension(handle, _abi.EXT_BATCH_V1, _abi.BatchExtV1, _abi.BATCH_EXT_V1_0_SIZE)
            if ext is None:
                raise UnsupportedError("%s cannot list hosts (no batch extension)" % self.description)
            return self._strings(handle, ext.list_hosts)
        finally:
            self._leave()

    def list_instances(self, meter_name, period=300, *, eval_time=None, timeout=None,
                       resource_type="instance"):
        """The instances the backend has a series of `meter_name` for in the window
        [eval_time - period, eval_time] (eval_time: Unix seconds or a datetime, default now):
        the instance label's values, sorted and unique, each one a resource that
        statistic_aggregation / statistic_batch of that metric can be asked about. Raises
        UnsupportedError when the plugin lacks the inventory extension, for metrics that come
        from the flavor and for resource types other than "instance"."""
        query = _abi.InventoryQuery()
        query.struct_size = _INVENTORY_QUERY_SIZE
        query.resource_type = _convert.resource_type(resource_type)
        query.meter_name = _convert.text(meter_name, "meter_name")
        query.period_s = _convert.whole(period, "period")
        query.eval_time_ms = _convert.seconds_to_ms(eval_time, "eval_time")
        query.timeout_ms = _convert.seconds_to_ms(timeout, "timeout")
        handle = self._enter()
        try:
            ext = self._extension(handle, _abi.EXT_INVENTORY_V1, _abi.InventoryExtV1,
                                  _abi.INVENTORY_EXT_V1_0_SIZE)
            if ext is None:
                raise UnsupportedError(
                    "%s cannot list instances (no inventory extension)" % self.description)
            query_ref = byref(query)
            return self._strings(
                handle, lambda source, out, err: ext.list_instances(source, query_ref, out, err))
        finally:
            self._leave()

    def statistic_snapshot(self, resource_type=None, meter_name=None, period=300,
                           aggregate="mean", granularity=300, *, eval_time=None, timeout=None):
        """The value of `meter_name` for every resource of `resource_type` that has one, from
        one query over all of them (a Snapshot): for a whole-audit prefetch, where
        statistic_batch would send every resource and get one item each. Each value is what
        statistic_aggregation() of that resource returns at the same eval_time. Raises
        UnsupportedError when the plugin lacks the snapshot extension and for the metrics
        that come from the flavor; a failure of the backend raises as any call does."""
        query = _metric_query(_abi.SnapshotQuery, _SNAPSHOT_QUERY_SIZE, resource_type,
                              meter_name, period, aggregate, granularity, eval_time, timeout)
        handle = self._enter()
        try:
            ext = self._extension(handle, _abi.EXT_SNAPSHOT_V1, _abi.SnapshotExtV1,
                                  _abi.SNAPSHOT_EXT_V1_0_SIZE)
            if ext is None:
                raise UnsupportedError(
                    "%s cannot take a snapshot of a metric (no snapshot extension)"
                    % self.description)
            out = ctypes.POINTER(_abi.Snapshot)()
            err = _abi.new_error()
            status = ext.statistic_snapshot(handle, byref(query), byref(out), byref(err))
            try:
                if status == _abi.OK and out:
                    snapshot = out.contents
                    count = snapshot.count
                    # Slices convert the whole arrays in C: no Python work per element.
                    names = snapshot.names[:count]
                    values = snapshot.values[:count]
                    return Snapshot(
                        dict(zip((n.decode("utf-8", "replace") for n in names), values)),
                        snapshot.scale == _abi.SNAPSHOT_SCALE_PERCENT_OF_VCPUS,
                        snapshot.query_count)
            finally:
                ext.snapshot_release(out)
        finally:
            self._leave()
        self._raise(status, err)

    def list_metrics(self):
        """The metric (series) names the backend knows."""
        handle = self._enter()
        try:
            return self._strings(handle, self._calls.list_metrics)
        finally:
            self._leave()

    def _strings(self, handle, function):
        out = ctypes.POINTER(_abi.StringList)()
        err = _abi.new_error()
        status = function(handle, byref(out), byref(err))
        try:
            if status == _abi.OK and out:
                strings = out.contents
                items = strings.items
                return [items[i].decode("utf-8", "replace") for i in range(strings.count)]
        finally:
            self._calls.string_list_release(out)
        if status == _abi.OK:
            return []
        self._raise(status, err)

    def check_availability(self):
        """Whether the backend is up and answering: an Availability, true when it is."""
        err = _abi.new_error()
        handle = self._enter()
        try:
            status = self._calls.check_availability(handle, byref(err))
        finally:
            self._leave()
        if status == _abi.OK:
            return Availability(status)
        return Availability(status, err.http_status, self._bridge.mask(err.message.decode("utf-8", "replace")))

    # --- Watcher's get_* conveniences ------------------------------------------------------

    def get_host_cpu_usage(self, resource, period=300, aggregate="mean", granularity=None, **kw):
        return self.statistic_aggregation(
            resource, "compute_node", "host_cpu_usage", period, invert_host_aggregate(aggregate),
            granularity, **kw)

    def get_host_ram_usage(self, resource, period=300, aggregate="mean", granularity=None, **kw):
        return self.statistic_aggregation(
            resource, "compute_node", "host_ram_usage", period, invert_host_aggregate(aggregate),
            granularity, **kw)

    def get_instance_cpu_usage(self, resource, period=300, aggregate="mean", granularity=None, **kw):
        return self.statistic_aggregation(
            resource, "instance", "instance_cpu_usage", period, aggregate, granularity, **kw)

    def get_instance_ram_usage(self, resource, period=300, aggregate="mean", granularity=None, **kw):
        return self.statistic_aggregation(
            resource, "instance", "instance_ram_usage", period, aggregate, granularity, **kw)

    def get_instance_ram_allocated(self, resource, period=300, aggregate="mean", granularity=None, **kw):
        return self.statistic_aggregation(
            resource, "instance", "instance_ram_allocated", period, aggregate, granularity, **kw)

    def get_instance_root_disk_size(self, resource, period=300, aggregate="mean", granularity=None, **kw):
        return self.statistic_aggregation(
            resource, "instance", "instance_root_disk_size", period, aggregate, granularity, **kw)
