"""Python values -> ABI values, with a clear error for every value the ABI cannot carry."""

import ctypes
import datetime
import math
import numbers

from . import _abi
from .errors import InvalidArgumentError

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

# Watcher's attribute names of a resource, and the wds_resource.known bit of each number.
_RESOURCE_NUMBERS = (
    ("vcpus", _abi.RESOURCE_KNOWN_VCPUS),
    ("memory", _abi.RESOURCE_KNOWN_MEMORY),
    ("disk", _abi.RESOURCE_KNOWN_DISK),
)

_RESOURCE_SIZE = ctypes.sizeof(_abi.Resource)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def text(value, what, optional=False):
    """A str as NUL-terminated UTF-8 bytes (None only when optional)."""
    if value is None:
        if optional:
            return None
        raise TypeError("%s is required (a str), not None" % what)
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise InvalidArgumentError("%s contains a NUL character" % what)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgumentError("%s is not valid UTF-8 text: %s" % (what, e)) from None


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("%s must be a number, not %s" % (what, type(value).__name__))
    return value


def whole(value, what, minimum=INT64_MIN):
    """An int64 >= minimum; integral floats are accepted (Watcher passes both). The plugin
    checks what the value means (a period must be positive, ...)."""
    _number(value, what)
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidArgumentError("%s must be a whole number, not %r" % (what, value))
        value = int(value)
    value = int(value)
    if value < minimum or value > INT64_MAX:
        raise InvalidArgumentError(
            "%s is out of range: %d (expected %d to %d)" % (what, value, minimum, INT64_MAX)
        )
    return value


def seconds_to_ms(value, what):
    """Unix seconds (int, float or datetime; a naive datetime is UTC, as in Watcher) -> ms > 0;
    None -> 0, which the ABI reads as "now" / "the default"."""
    if value is None:
        return 0
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


def _attribute(resource, name):
    if isinstance(resource, dict):
        return resource.get(name)
    return getattr(resource, name, None)


def resource(value, what="resource"):
    """A Watcher model element (ComputeNode, Instance), any object with its attribute names, or
    a mapping -> wds_resource. Missing attributes (or None) count as unknown."""
    if value is None:
        raise TypeError("%s is required (a compute node or an instance), not None" % what)
    if isinstance(value, (str, bytes, numbers.Number)):
        raise TypeError(
            "%s must be an object or mapping with Watcher's attributes (uuid, hostname, vcpus, "
            "memory, disk), not %s" % (what, type(value).__name__)
        )
    c = _abi.Resource()
    c.struct_size = _RESOURCE_SIZE
    c.uuid = text(_attribute(value, "uuid"), what + ".uuid", optional=True)
    c.hostname = text(_attribute(value, "hostname"), what + ".hostname", optional=True)
    known = 0
    for name, bit in _RESOURCE_NUMBERS:
        number = _attribute(value, name)
        if number is None:
            continue
        _number(number, "%s.%s" % (what, name))
        if name == "vcpus":
            if isinstance(number, float) and not number.is_integer():
                raise InvalidArgumentError("%s.vcpus must be a whole number" % what)
            number = int(number)
            if not INT64_MIN <= number <= INT64_MAX:
                raise InvalidArgumentError("%s.vcpus is out of range: %d" % (what, number))
            c.vcpus = number
        elif name == "memory":
            c.memory_mb = float(number)
        else:
            c.disk_gb = float(number)
        known |= bit
    c.known = known
    return c


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
