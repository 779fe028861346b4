"""A datasource plugin (libprometheus_ds.so, libaetos_ds.so) loaded through the loader."""

import collections
import ctypes
import logging
from ctypes import byref

from . import _abi, _convert, _native
from .errors import from_error
from .source import LogBridge, Source

ConfigKey = collections.namedtuple("ConfigKey", "key default description secret")
ConfigKey.__doc__ = "One configuration key a plugin reads: 'section.option', its default, ..."


class _Calls:
    """The descriptor's function pointers, read once (a ctypes field read builds an object)."""

    __slots__ = ("create", "destroy", "check_availability", "list_metrics",
                 "string_list_release", "statistic_aggregation", "get_extension")

    def __init__(self, descriptor):
        for name in self.__slots__:
            setattr(self, name, getattr(descriptor, name))


def _text(value):
    return value.decode("utf-8", "replace") if value else ""


class Plugin:
    """A loaded plugin: its identity, metrics and config keys, and create()."""

    def __init__(self, descriptor, path):
        # The loader has checked the descriptor, and the library is never unloaded.
        self._descriptor = d = descriptor
        self.path = path
        self.id = _text(d.id)
        self.name = _text(d.name)
        self.version = _text(d.version)
        self.abi_version = "%d.%d" % (d.abi_major, d.abi_minor)
        self.metrics = tuple(_text(d.metrics[i]) for i in range(d.metric_count))
        self.config_keys = tuple(
            ConfigKey(_text(k.key), _text(k.default_value), _text(k.description),
                      bool(k.flags & _abi.CONFIG_SECRET))
            for k in (d.config_keys[i] for i in range(d.config_key_count)))
        self._calls = _Calls(d)

    def __repr__(self):
        return "<watcher_ds.Plugin %s %s (ABI %s) from %s>" % (
            self.id, self.version, self.abi_version, self.path)

    def create(self, config=None, *, logger=None):
        """A Source from `config`, a mapping of "section.option" to values (str, int, float, bool,
        or a list of them, written as watcher.conf would write them; None leaves a key unset).
        The plugin's log lines go to `logger` (default: logging.getLogger("watcher_ds.<id>"))."""
        pairs = []
        for key, value in (config or {}).items():
            if not isinstance(key, str) or "." not in key.strip("."):
                raise TypeError("config keys are 'section.option' strings, not %r" % (key,))
            if value is None:
                continue
            pairs.append((_convert.text(key, "config key"),
                          _convert.text(_convert.config_value(key, value), "config " + key)))
        secret_keys = {k.key for k in self.config_keys if k.secret}
        secrets = [v.decode() for k, v in pairs if k.decode() in secret_keys]
        bridge = LogBridge(logger or logging.getLogger("watcher_ds." + self.id), secrets)

        kv = (_abi.KV * max(len(pairs), 1))()
        for i, (key, value) in enumerate(pairs):
            kv[i].key = key
            kv[i].value = value
        host = _abi.Host(ctypes.sizeof(_abi.Host), _abi.ABI_MAJOR, _abi.ABI_MINOR, None,
                         bridge.callback)
        handle = _abi.SourcePtr()
        err = _abi.new_error()
        status = self._calls.create(byref(host), kv, len(pairs), byref(handle), byref(err))
        if status != _abi.OK or not handle:
            error = from_error(status if status != _abi.OK else _abi.E_INTERNAL, err)
            error.message = bridge.mask(error.message)
            raise error
        return Source(self, handle.value, self._calls.destroy, bridge,
                      "%s source (%s)" % (self.id, self.path))


def load_plugin(name=None, *, path=None, plugin_dir=None):
    """Loads a plugin by datasource name ("prometheus", "aetos": lib<name>_ds.so in plugin_dir,
    default the loader's plugin directory) or by file path. Raises ConfigError for a missing
    file and InternalError for a file that is not a usable plugin (another ABI major, ...)."""
    lib = _native.library()
    if (name is None) == (path is None):
        raise TypeError("load_plugin needs a datasource name or path=, not both")
    handle = ctypes.c_void_p()
    err = _abi.new_error()
    if path is not None:
        status = lib.wds_loader_open_plugin(
            _convert.text(str(path) if hasattr(path, "__fspath__") else path, "path"), None,
            byref(handle), byref(err))
    else:
        directory = None
        if plugin_dir is not None:
            directory = _convert.text(
                str(plugin_dir) if hasattr(plugin_dir, "__fspath__") else plugin_dir, "plugin_dir")
        status = lib.wds_loader_find_plugin(
            _convert.text(name, "name"), directory, byref(handle), byref(err))
    if status != _abi.OK:
        raise from_error(status, err)
    try:
        return Plugin(lib.wds_loader_plugin_descriptor(handle).contents,
                      _text(lib.wds_loader_plugin_path(handle)))
    finally:
        lib.wds_loader_plugin_release(handle)  # the library and its descriptor stay loaded


def default_plugin_dir():
    """Where load_plugin() and watcher.conf look when no plugin_dir is set."""
    return _native.library().wds_loader_default_plugin_dir().decode()
