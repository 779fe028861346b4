"""Python values -> ABI values, with a clear error for every value the ABI cannot carry."""

import ctypes
import datetime
import math
import numbers

from . import _abi
from .errors import InvalidArgumentError

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


_RESOURCE_SIZE = ctypes.sizeof(_abi.Resource)
_MAX_SECONDS = INT64_MAX // 1000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def text(value, what, optional=False):
    """A str as NUL-terminated UTF-8 bytes (None only when optional)."""
    if type(value) is str and "\0" not in value:
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidArgumentError("%s is not valid UTF-8 text: %s" % (what, e)) from None
    if value is None:
        if optional:
            return None
        raise TypeError("%s is required (a str), not None" % what)
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise InvalidArgumentError("%s contains a NUL character" % what)
    return text(str(value), what)  # a str subclass


def _number(value, what):
    if type(value) is float or type(value) is int:
        return value
    # bool is an int, but True as a period or a vCPU count is a mistake, not a number.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("%s must be a number, not %s" % (what, type(value).__name__))
    return value


def whole(value, what, minimum=INT64_MIN):
    """An int64 >= minimum; integral floats are accepted (Watcher passes both). The plugin
    checks what the value means (a period must be positive, ...)."""
    if type(value) is not int:
        _number(value, what)
        if isinstance(value, float) and not value.is_integer():
            raise InvalidArgumentError("%s must be a whole number, not %r" % (what, value))
        value = int(value)
    if value < minimum or value > INT64_MAX:
        raise InvalidArgumentError("%s is out of range for a 64-bit integer: %d" % (what, value))
    return value


def seconds_to_ms(value, what):
    """Unix seconds (int, float or datetime; a naive datetime is UTC, as in Watcher) -> ms > 0;
    None -> 0, which the ABI reads as "now" / "the default"."""
    if value is None:
        return 0
    if type(value) is int and 0 < value < _MAX_SECONDS:
        return value * 1000
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        seconds = (value - _EPOCH) / datetime.timedelta(seconds=1)
    elif isinstance(value, datetime.timedelta):
        seconds = value / datetime.timedelta(seconds=1)
    else:
        seconds = _number(value, what)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidArgumentError("%s must be a positive time, not %r" % (what, value))
    ms = round(seconds * 1000)
    if ms > INT64_MAX:
        raise InvalidArgumentError("%s is out of range: %r" % (what, value))
    return max(ms, 1)


def resource_type(name):
    try:
        return _abi.RESOURCE_TYPES[name]
    except (KeyError, TypeError):
        if not isinstance(name, str):
            raise TypeError(
                "resource_type must be a str, not %s" % type(name).__name__
            ) from None
        raise InvalidArgumentError(
            "invalid resource_type %r: expected one of %s"
            % (name, ", ".join(_abi.RESOURCE_TYPES))
        ) from None


def aggregate(name):
    try:
        return _abi.AGGREGATES[name]
    except (KeyError, TypeError):
        if not isinstance(name, str):
            raise TypeError("aggregate must be a str, not %s" % type(name).__name__) from None
        raise InvalidArgumentError(
            "invalid aggregate %r: expected one of %s" % (name, ", ".join(_abi.AGGREGATES))
        ) from None


def resource(value, what="resource"):
    """A Watcher model element (ComputeNode, Instance), any object with its attribute names, or
    a mapping -> a new wds_resource. Missing attributes (or None) count as unknown."""
    c = _abi.Resource()
    c.struct_size = _RESOURCE_SIZE
    fill_resource(c, value, what)
    return c


def fill_resource(c, value, what="resource"):
    """Writes `value` (see resource()) into the wds_resource `c`, every field."""
    if type(value) is dict or isinstance(value, dict):
        get = value.get
        uuid, hostname, vcpus, memory, disk = (
            get("uuid"), get("hostname"), get("vcpus"), get("memory"), get("disk"))
    elif value is None or isinstance(value, (str, bytes, numbers.Number)):
        raise TypeError(
            "%s must be a compute node or an instance: an object or mapping with Watcher's "
            "attributes (uuid, hostname, vcpus, memory, disk), not %s" % (what, type(value).__name__)
        )
    else:
        uuid = getattr(value, "uuid", None)
        hostname = getattr(value, "hostname", None)
        vcpus = getattr(value, "vcpus", None)
        memory = getattr(value, "memory", None)
        disk = getattr(value, "disk", None)
    # The common case in one expression each (this runs once per call); anything unusual takes
    # the checked path, which names the attribute.
    if type(uuid) is str and "\0" not in uuid and uuid.isascii():
        uuid = uuid.encode()
    elif uuid is not None:
        uuid = text(uuid, what + ".uuid")
    if type(hostname) is str and "\0" not in hostname and hostname.isascii():
        hostname = hostname.encode()
    elif hostname is not None:
        hostname = text(hostname, what + ".hostname")
    known = 0
    if vcpus is not None:
        if type(vcpus) is not int or not INT64_MIN <= vcpus <= INT64_MAX:
            vcpus = whole(vcpus, what + ".vcpus")
        known = _abi.RESOURCE_KNOWN_VCPUS
    else:
        vcpus = 0
    if memory is not None:
        memory = float(_number(memory, what + ".memory"))
        known |= _abi.RESOURCE_KNOWN_MEMORY
    else:
        memory = 0.0
    if disk is not None:
        disk = float(_number(disk, what + ".disk"))
        known |= _abi.RESOURCE_KNOWN_DISK
    else:
        disk = 0.0
    c.uuid, c.hostname, c.vcpus, c.memory_mb, c.disk_gb, c.known = (
        uuid, hostname, vcpus, memory, disk, known)


def config_value(key, value):
    """A config value as watcher.conf would write it: bools as true/false, lists comma-joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise InvalidArgumentError("config %s: %r is not a finite number" % (key, value))
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(config_value(key, item) for item in value)
    raise TypeError(
        "config %s: a %s cannot be written in watcher.conf (use str, int, float, bool or a "
        "list of them)" % (key, type(value).__name__)
    )
