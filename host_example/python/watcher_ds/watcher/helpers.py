"""PrometheusHelper and AetosHelper: Watcher datasources (DataSourceBase) over the plugins.

They take Watcher's calls with Watcher's names, positional order and defaults and answer with
Watcher's types: a float, or None when there is no value. Where they differ from Watcher's
Python helpers (docs/WATCHER.md): an unknown host or instance is None with one warning, not an
InvalidParameter that aborts the audit; 0.0 is a value; a backend that is down or refuses the
credentials raises DataSourceNotAvailable with the plugin's reason instead of becoming None.
"""

import threading
import time

from oslo_config import cfg
from oslo_log import log
from watcher.common import exception
from watcher.decision_engine.datasources import base

from .. import errors
from .._convert import seconds_to_ms
from ..plugin import load_plugin
from ..source import invert_host_aggregate
from . import dropin, options
from .prefetch import Prefetch, attribute

LOG = log.getLogger(__name__)

# The metrics that need the backend, with the resource type that carries them.
_BACKEND_METRICS = {
    "host_cpu_usage": "compute_node",
    "host_ram_usage": "compute_node",
    "instance_cpu_usage": "instance",
    "instance_ram_usage": "instance",
}
# Metrics the plugins answer from the resource itself (the flavor), without a query.
_FLAVOR_METRICS = {"instance_ram_allocated": "instance", "instance_root_disk_size": "instance"}
_SUPPORTED_TYPES = ("compute_node", "instance")
_WARNED_LIMIT = 10000  # one warning per unknown resource, and a bound on what is remembered


def _metric_map(**backend):
    metric_map = dict.fromkeys(base.DataSourceBase.METRIC_MAP)
    metric_map.update(backend)
    return metric_map


def _resource(resource, resource_type):
    """What the plugin reads of a Watcher model element (or a mapping)."""
    if isinstance(resource, dict):
        return resource
    if resource_type == "compute_node":
        return {"uuid": attribute(resource, "uuid"), "hostname": attribute(resource, "hostname")}
    return {name: attribute(resource, name) for name in ("uuid", "vcpus", "memory", "disk")}


def _pinned_time(evaluation_time):
    """Unix seconds (or a datetime) -> seconds, an int when whole (the package's fast path)."""
    if evaluation_time is None:
        return None
    ms = seconds_to_ms(evaluation_time, "evaluation_time")
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


# Watcher builds a new helper for every audit (a new strategy, a new DataSourceManager). The
# plugin's source (its kept-alive connections, Keystone token and host-name map) is shared by
# every helper of the same plugin and configuration instead, so an audit starts warm; a changed
# configuration gets a source of its own. Sources are safe to share between threads.
_SHARED_SOURCES = {}
_SHARED_SOURCES_LOCK = threading.Lock()


def _shared_source(plugin, config):
    key = (plugin.path, tuple(sorted((k, repr(v)) for k, v in config.items())))
    with _SHARED_SOURCES_LOCK:
        source = _SHARED_SOURCES.get(key)
        if source is None or source.closed:
            # Sources of an older configuration go once no helper holds them.
            for old in [k for k in _SHARED_SOURCES if k[0] == plugin.path]:
                del _SHARED_SOURCES[old]
            source = _SHARED_SOURCES[key] = plugin.create(config, logger=LOG)
        return source


def _getter(resource_type, metric, invert=False):
    """Watcher's get_<metric>(resource, period, aggregate, granularity): statistic_aggregation
    of one metric, with the host getters' max/min inversion where Watcher's helpers have it."""

    def get(self, resource, period=300, aggregate="mean", granularity=None):
        if invert:
            aggregate = invert_host_aggregate(aggregate)
        return self.statistic_aggregation(resource, resource_type, metric, period, aggregate,
                                          granularity)

    get.__name__ = get.__qualname__ = "get_" + metric
    return get


class _DropInHelper(base.DataSourceBase):
    """What PrometheusHelper and AetosHelper share: all but the plugin and its config group."""

    def __init__(self, osc=None, *, evaluation_time=None, conf=None):
        """Watcher's manager calls PrometheusHelper() / AetosHelper(osc=...). The osc is kept for
        Watcher's sake; Keystone is the plugin's ([watcher_clients_auth]). evaluation_time (Unix
        seconds) pins every call to one time: reproducible audits and tests."""
        super().__init__()
        self.osc = osc
        self._conf = conf if conf is not None else cfg.CONF
        dropin.ensure_watcher_options()
        options.register_opts(self._conf)
        # Per object, so a metric_map.yaml override of one datasource leaves the other alone.
        self.METRIC_MAP = dict(type(self).METRIC_MAP)
        self._evaluation_time = _pinned_time(evaluation_time)
        self._warned = set()
        self._source = self._create_source()
        settings = self._conf.watcher_ds
        self._prefetch = Prefetch(self._source, settings.prefetch_max_age,
                                  to_resource=_resource) if settings.prefetch else None

    def _create_source(self):
        try:
            plugin_dir = options.value(self._conf, *options.PLUGIN_DIR)
            plugin = load_plugin(self.NAME, plugin_dir=plugin_dir or None)
            return _shared_source(plugin, options.plugin_config(self._conf, plugin))
        except (errors.WatcherDsError, ValueError) as e:
            # Watcher's manager swallows what a constructor raises and reports "metric not
            # available" at the end, so the real cause is logged here.
            LOG.error("The %s datasource (watcher-ds) cannot start: %s", self.NAME, e)
            raise self._not_available(e) from None

    def _not_available(self, error):
        return exception.DataSourceNotAvailable(
            message="Datasource %s is not available: %s" % (self.NAME, error))

    def close(self):
        """Forgets the plugin's source here (other audits may share it); later calls raise."""
        self._source = self._prefetch = None

    # --- what the plugin's errors mean to a strategy -----------------------------------------

    def _warn_once(self, resource, error):
        key = (attribute(resource, "uuid"), attribute(resource, "hostname"), error.status)
        if key in self._warned:
            return
        if len(self._warned) >= _WARNED_LIMIT:
            self._warned.clear()
        self._warned.add(key)
        LOG.warning("%s datasource: no value, the resource is skipped: %s", self.NAME, error)

    def _translate(self, error, meter_name, resource):
        """The exception a strategy expects for `error`, or None for "no value"."""
        if isinstance(error, errors.ResourceNotFoundError):
            self._warn_once(resource, error)
            return None
        if isinstance(error, errors.MetricNotAvailableError):
            return exception.MetricNotAvailable(metric=meter_name)
        if isinstance(error, (errors.InvalidArgumentError, errors.UnsupportedError)):
            return exception.InvalidParameter(message="%s datasource: %s" % (self.NAME, error))
        return self._not_available(error)

    def _checked(self, resource_type, meter_name, aggregate):
        """Watcher's own checks, in Watcher's order: the metric, the type, the aggregate."""
        meter = self.METRIC_MAP.get(meter_name)
        if meter is None:
            raise exception.MetricNotAvailable(metric=meter_name)
        served = _METRIC_MAP.get(meter_name)  # not the class's map: metric_map.yaml changes it
        if meter != served:
            LOG.error("%s datasource: metric_map maps %s to %s; watcher-ds serves only %s",
                      self.NAME, meter_name, meter, served)
            raise exception.MetricNotAvailable(metric=meter_name)
        if resource_type not in _SUPPORTED_TYPES:
            LOG.warning("%s datasource does not support resource_type %s", self.NAME,
                        resource_type)
            return False
        if aggregate not in self.AGGREGATES:
            raise exception.InvalidParameter(
                parameter="aggregate", parameter_type="one of %s" % ", ".join(self.AGGREGATES))
        return True

    # --- Watcher's DataSourceBase --------------------------------------------------------------

    def _statistic_aggregation(self, resource=None, resource_type=None, meter_name=None,
                               period=300, aggregate="mean", granularity=300):
        """One value: a float, or None when there is none."""
        if not self._checked(resource_type, meter_name, aggregate):
            return None
        try:
            if self._prefetch is not None and meter_name in _BACKEND_METRICS:
                return self._prefetch.value(resource, resource_type, meter_name, period,
                                            aggregate, granularity, self._evaluation_time)
            return self._source.statistic_aggregation(
                _resource(resource, resource_type), resource_type, meter_name, period,
                aggregate, granularity, eval_time=self._evaluation_time)
        except errors.WatcherDsError as e:
            failure = self._translate(e, meter_name, resource)
        if failure is None:
            return None
        raise failure

    # Upstream Watcher's base class owns a per-audit metric cache: its statistic_aggregation
    # looks up (and takes values a strategy injected) before it calls _statistic_aggregation.
    # Watcher 9.0's has none, so there the method is ours.
    if not hasattr(base.DataSourceBase, "metric_cache"):
        statistic_aggregation = _statistic_aggregation

    def statistic_series(self, resource=None, resource_type=None, meter_name=None,
                         start_time=None, end_time=None, granularity=300):
        """{datetime (UTC): value} over [start_time, end_time], one point per granularity."""
        if not self._checked(resource_type, meter_name, "mean"):
            return {}
        if start_time is None or end_time is None:
            raise exception.InvalidParameter(parameter="start_time and end_time",
                                             parameter_type="datetime")
        try:
            return self._source.statistic_series(
                _resource(resource, resource_type), resource_type, meter_name, start_time,
                end_time, granularity)
        except errors.WatcherDsError as e:
            failure = self._translate(e, meter_name, resource)
        if failure is None:
            return {}
        raise failure

    def list_metrics(self):
        """The backend's metric names, plus the meters answered from the flavor; an empty set
        (with a warning) when the backend cannot say, as Watcher's helpers answer."""
        try:
            names = set(self._source.list_metrics())
        except errors.WatcherDsError as e:
            LOG.warning("%s datasource: cannot list metrics: %s", self.NAME, e)
            return set()
        return names | {self.METRIC_MAP[m] for m in _FLAVOR_METRICS if self.METRIC_MAP.get(m)}

    def check_availability(self):
        """'available' or 'not available' (Watcher's strings); never raises."""
        try:
            availability = self._source.check_availability()
        except errors.WatcherDsError as e:  # a closed source
            availability = e
        else:
            if availability:
                return "available"
            availability = availability.reason
        LOG.warning("%s datasource is not available: %s", self.NAME, availability)
        return "not available"

    def query_retry(self, f, *args, ignored_exc=None, **kwargs):
        """Watcher's retry loop for a callable of the caller's: query_max_retries attempts with
        query_interval seconds between them (none after the last); None when all failed. The
        plugins' own calls need none of it: they retry inside, by the same options."""
        group = self._conf.watcher_datasources
        attempts = group.query_max_retries
        interval = options.value(self._conf, "watcher_datasources", "query_interval") or 0
        for attempt in range(1, attempts + 1):
            try:
                return f(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - Watcher's contract: any failure is retried
                if ignored_exc is not None and isinstance(e, ignored_exc):
                    LOG.debug("Got an ignored exception (%s) while calling: %s", e, f)
                    return None
                self.query_retry_reset(e)
                LOG.warning("Attempt %d of %d failed: %s", attempt, attempts, e)
                if attempt < attempts:
                    time.sleep(float(interval))
        return None

    def query_retry_reset(self, exception_instance):
        """Nothing to reset: the plugin renews its connections and token itself."""

    # --- Watcher's get_* conveniences: the host ones invert max/min as Watcher's do; the
    # metrics neither backend has raise MetricNotAvailable, not a silent None --------------
    get_host_cpu_usage = _getter("compute_node", "host_cpu_usage", invert=True)
    get_host_ram_usage = _getter("compute_node", "host_ram_usage", invert=True)
    get_host_outlet_temp = _getter("compute_node", "host_outlet_temp")
    get_host_inlet_temp = _getter("compute_node", "host_inlet_temp")
    get_host_airflow = _getter("compute_node", "host_airflow")
    get_host_power = _getter("compute_node", "host_power")
    get_instance_cpu_usage = _getter("instance", "instance_cpu_usage")
    get_instance_ram_usage = _getter("instance", "instance_ram_usage")
    get_instance_ram_allocated = _getter("instance", "instance_ram_allocated")
    get_instance_l3_cache_usage = _getter("instance", "instance_l3_cache_usage")
    get_instance_root_disk_size = _getter("instance", "instance_root_disk_size")


_METRIC_MAP = dict(
    host_cpu_usage="node_cpu_seconds_total",
    host_ram_usage="node_memory_MemAvailable_bytes",
    instance_cpu_usage="ceilometer_cpu",
    instance_ram_usage="ceilometer_memory_usage",
    instance_ram_allocated="instance.memory",
    instance_root_disk_size="instance.disk",
)


class PrometheusHelper(_DropInHelper):
    """Watcher's `prometheus` datasource, answered by libprometheus_ds.so ([prometheus_client])."""

    NAME = "prometheus"  # and the plugin's datasource name: lib<NAME>_ds.so
    METRIC_MAP = _metric_map(**_METRIC_MAP)


class AetosHelper(_DropInHelper):
    """Watcher's `aetos` datasource, answered by libaetos_ds.so ([aetos_client] and the Keystone
    credentials of [watcher_clients_auth])."""

    NAME = "aetos"
    METRIC_MAP = _metric_map(**_METRIC_MAP)
