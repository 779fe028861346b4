"""ctypes declarations of the plugin ABI v1: watcher_ds/datasource.h and extensions.h.

Field names, order and types follow the C headers exactly; tests/python/test_abi_layout.py
checks every struct here against the frozen v1.0 layout (tests/abi/frozen_layout.def).
"""

import ctypes
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_double,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_void_p,
)

ABI_MAJOR = 1
ABI_MINOR = 0
ENTRY_SYMBOL = "wds_plugin_entry_v1"
EXT_SERIES_V1 = b"org.openstack.watcher-ds.series/1"
EXT_BATCH_V1 = b"org.openstack.watcher-ds.batch/1"
EXT_INVENTORY_V1 = b"org.openstack.watcher-ds.inventory/1"
EXT_SNAPSHOT_V1 = b"org.openstack.watcher-ds.snapshot/1"
SERIES_MAX_POINTS = 11000

# wds_status
OK = 0
NO_DATA = 1
E_INVALID_ARGUMENT = 2
E_METRIC_NOT_AVAILABLE = 3
E_RESOURCE_NOT_FOUND = 4
E_UNAVAILABLE = 5
E_AUTH = 6
E_CONFIG = 7
E_TIMEOUT = 8
E_PROTOCOL = 9
E_UNSUPPORTED = 10
E_INTERNAL = 11
E_TLS = 12

# wds_status_name() of datasource.h (a static inline function, so not in any library).
STATUS_NAMES = {
    OK: "ok",
    NO_DATA: "no data",
    E_INVALID_ARGUMENT: "invalid argument",
    E_METRIC_NOT_AVAILABLE: "metric not available",
    E_RESOURCE_NOT_FOUND: "resource not found",
    E_UNAVAILABLE: "unavailable",
    E_AUTH: "authentication failure",
    E_CONFIG: "config error",
    E_TIMEOUT: "timeout",
    E_PROTOCOL: "protocol error",
    E_UNSUPPORTED: "unsupported",
    E_INTERNAL: "internal error",
    E_TLS: "tls error",
}

# wds_log_level
LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR = 0, 1, 2, 3

# wds_resource_type
RESOURCE_TYPES = {"compute_node": 1, "instance": 2, "bare_metal": 3, "storage": 4}

# wds_aggregate
AGGREGATES = {"mean": 1, "min": 2, "max": 3, "count": 4}

RESOURCE_KNOWN_VCPUS = 0x1
RESOURCE_KNOWN_MEMORY = 0x2
RESOURCE_KNOWN_DISK = 0x4

CONFIG_SECRET = 0x1

ERROR_MESSAGE_CAPACITY = 1024


class Error(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("status", c_int32),
        ("http_status", c_int32),
        ("message", c_char * ERROR_MESSAGE_CAPACITY),
    ]


class KV(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p)]


LogFn = CFUNCTYPE(None, c_void_p, c_int32, c_char_p)


class Host(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("abi_major", c_uint32),
        ("abi_minor", c_uint32),
        ("host_ctx", c_void_p),
        ("log", LogFn),
    ]


class Resource(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("known", c_uint32),
        ("uuid", c_char_p),
        ("hostname", c_char_p),
        ("vcpus", c_int64),
        ("memory_mb", c_double),
        ("disk_gb", c_double),
    ]


# The queries' `resource` (const wds_resource *) is declared void * so that a call can pass
# ctypes.addressof(resource), which costs a tenth of building a POINTER object; the caller keeps
# the Resource alive for the call.
class AggregationQuery(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("resource_type", c_int32),
        ("resource", c_void_p),
        ("meter_name", c_char_p),
        ("aggregate", c_int32),
        ("reserved0", c_int32),
        ("period_s", c_int64),
        ("granularity_s", c_int64),
        ("eval_time_ms", c_int64),
        ("timeout_ms", c_int64),
    ]


class StringList(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("count", c_size_t),
        ("items", POINTER(c_char_p)),
    ]


class ConfigKey(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("flags", c_uint32),
        ("key", c_char_p),
        ("default_value", c_char_p),
        ("description", c_char_p),
    ]


# Opaque wds_source*: a plain pointer, never dereferenced here.
SourcePtr = c_void_p

CreateFn = CFUNCTYPE(
    c_int32, POINTER(Host), POINTER(KV), c_size_t, POINTER(SourcePtr), POINTER(Error)
)
DestroyFn = CFUNCTYPE(None, SourcePtr)
CheckAvailabilityFn = CFUNCTYPE(c_int32, SourcePtr, POINTER(Error))
ListFn = CFUNCTYPE(c_int32, SourcePtr, POINTER(POINTER(StringList)), POINTER(Error))
StringListReleaseFn = CFUNCTYPE(None, POINTER(StringList))
AggregationFn = CFUNCTYPE(
    c_int32, SourcePtr, POINTER(AggregationQuery), POINTER(c_double), POINTER(Error)
)
GetExtensionFn = CFUNCTYPE(c_void_p, SourcePtr, c_char_p)


class PluginV1(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("abi_major", c_uint32),
        ("abi_minor", c_uint32),
        ("reserved0", c_uint32),
        ("id", c_char_p),
        ("name", c_char_p),
        ("version", c_char_p),
        ("metrics", POINTER(c_char_p)),
        ("metric_count", c_size_t),
        ("config_keys", POINTER(ConfigKey)),
        ("config_key_count", c_size_t),
        ("create", CreateFn),
        ("destroy", DestroyFn),
        ("check_availability", CheckAvailabilityFn),
        ("list_metrics", ListFn),
        ("string_list_release", StringListReleaseFn),
        ("statistic_aggregation", AggregationFn),
        ("get_extension", GetExtensionFn),
    ]


# --- org.openstack.watcher-ds.series/1 ------------------------------------------------------


class Point(Structure):
    _fields_ = [("time_ms", c_int64), ("value", c_double)]


class SeriesQuery(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("resource_type", c_int32),
        ("resource", c_void_p),  # const wds_resource *, as in AggregationQuery
        ("meter_name", c_char_p),
        ("aggregate", c_int32),
        ("reserved0", c_int32),
        ("start_ms", c_int64),
        ("end_ms", c_int64),
        ("granularity_s", c_int64),
        ("timeout_ms", c_int64),
    ]


class Series(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("count", c_size_t),
        ("points", POINTER(Point)),
    ]


SeriesFn = CFUNCTYPE(
    c_int32, SourcePtr, POINTER(SeriesQuery), POINTER(POINTER(Series)), POINTER(Error)
)
SeriesReleaseFn = CFUNCTYPE(None, POINTER(Series))


class SeriesExtV1(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("statistic_series", SeriesFn),
        ("series_release", SeriesReleaseFn),
    ]


# --- org.openstack.watcher-ds.batch/1 -------------------------------------------------------


class BatchQuery(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("resource_type", c_int32),
        ("resources", POINTER(POINTER(Resource))),
        ("resource_count", c_size_t),
        ("meter_name", c_char_p),
        ("aggregate", c_int32),
        ("reserved0", c_int32),
        ("period_s", c_int64),
        ("granularity_s", c_int64),
        ("eval_time_ms", c_int64),
        ("timeout_ms", c_int64),
    ]


class BatchItem(Structure):
    _fields_ = [
        ("status", c_int32),
        ("reserved0", c_int32),
        ("value", c_double),
        ("message", c_char_p),
    ]


class BatchResult(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("count", c_size_t),
        ("items", POINTER(BatchItem)),
        ("query_count", c_uint32),
        ("reserved1", c_uint32),
    ]


BatchFn = CFUNCTYPE(
    c_int32, SourcePtr, POINTER(BatchQuery), POINTER(POINTER(BatchResult)), POINTER(Error)
)
BatchReleaseFn = CFUNCTYPE(None, POINTER(BatchResult))


class BatchExtV1(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("statistic_batch", BatchFn),
        ("batch_release", BatchReleaseFn),
        ("list_hosts", ListFn),
    ]


# --- org.openstack.watcher-ds.inventory/1 ---------------------------------------------------


class InventoryQuery(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("resource_type", c_int32),
        ("meter_name", c_char_p),
        ("period_s", c_int64),
        ("eval_time_ms", c_int64),
        ("timeout_ms", c_int64),
    ]


ListInstancesFn = CFUNCTYPE(
    c_int32, SourcePtr, POINTER(InventoryQuery), POINTER(POINTER(StringList)), POINTER(Error)
)


class InventoryExtV1(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("list_instances", ListInstancesFn),
    ]


# --- org.openstack.watcher-ds.snapshot/1 ----------------------------------------------------

# wds_snapshot_scale
SNAPSHOT_SCALE_NONE = 0
SNAPSHOT_SCALE_PERCENT_OF_VCPUS = 1


class SnapshotQuery(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("resource_type", c_int32),
        ("meter_name", c_char_p),
        ("aggregate", c_int32),
        ("reserved0", c_int32),
        ("period_s", c_int64),
        ("granularity_s", c_int64),
        ("eval_time_ms", c_int64),
        ("timeout_ms", c_int64),
    ]


class Snapshot(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("scale", c_uint32),
        ("count", c_size_t),
        ("names", POINTER(c_char_p)),
        ("values", POINTER(c_double)),
        ("query_count", c_uint32),
        ("reserved1", c_uint32),
    ]


SnapshotFn = CFUNCTYPE(
    c_int32, SourcePtr, POINTER(SnapshotQuery), POINTER(POINTER(Snapshot)), POINTER(Error)
)
SnapshotReleaseFn = CFUNCTYPE(None, POINTER(Snapshot))


class SnapshotExtV1(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("statistic_snapshot", SnapshotFn),
        ("snapshot_release", SnapshotReleaseFn),
    ]


# The C struct name of each declaration, for the layout test.
C_NAMES = {
    "wds_error": Error,
    "wds_kv": KV,
    "wds_host_v1": Host,
    "wds_resource": Resource,
    "wds_aggregation_query": AggregationQuery,
    "wds_string_list": StringList,
    "wds_config_key": ConfigKey,
    "wds_plugin_v1": PluginV1,
    "wds_point": Point,
    "wds_series_query": SeriesQuery,
    "wds_series": Series,
    "wds_series_ext_v1": SeriesExtV1,
    "wds_batch_query": BatchQuery,
    "wds_batch_item": BatchItem,
    "wds_batch_result": BatchResult,
    "wds_batch_ext_v1": BatchExtV1,
    "wds_inventory_query": InventoryQuery,
    "wds_inventory_ext_v1": InventoryExtV1,
    "wds_snapshot_query": SnapshotQuery,
    "wds_snapshot": Snapshot,
    "wds_snapshot_ext_v1": SnapshotExtV1,
}

# The v1.0 sizes a reader requires at least (the WDS_*_V1_0_SIZE macros).
PLUGIN_V1_0_SIZE = ctypes.sizeof(PluginV1)
SERIES_EXT_V1_0_SIZE = ctypes.sizeof(SeriesExtV1)
BATCH_EXT_V1_0_SIZE = ctypes.sizeof(BatchExtV1)
INVENTORY_EXT_V1_0_SIZE = ctypes.sizeof(InventoryExtV1)
SNAPSHOT_EXT_V1_0_SIZE = ctypes.sizeof(SnapshotExtV1)
CONFIG_KEY_V1_0_SIZE = ctypes.sizeof(ConfigKey)


def new_error():
    err = Error()
    err.struct_size = ctypes.sizeof(Error)
    return err
