"""open_config(): the datasource watcher.conf chooses, by the loader's rules (as `watcher-ds`)."""

import ctypes
import json
import logging
from ctypes import byref

from . import _abi, _convert, _native
from .errors import UnsupportedError, from_error
from .plugin import Plugin
from .source import LogBridge, Source


class Choice:
    """Why a datasource was chosen: the report `watcher-ds config --format json` prints.

    Attributes: config_file, strategy, datasources (the list in effect), datasources_from,
    from_strategy, plugin_dir, plugin_dir_from, attempts (dicts: datasource, outcome, plugin,
    reason), chosen (a name or None) and effective_config (the configuration the plugin
    received, secrets masked; None when no plugin loaded). `report` is the whole document.
    """

    def __init__(self, report):
        self.report = report
        for key, value in report.items():
            setattr(self, key, value)

    def explain(self):
        """The reasons, one line per datasource."""
        return "\n".join("datasource %s: %s" % (a["datasource"], a["reason"]) for a in self.attempts)

    def __repr__(self):
        return "<watcher_ds.Choice %s from %s>" % (self.chosen, self.datasources_from)


def _paths(value, what):
    return _convert.text(str(value) if hasattr(value, "__fspath__") else value, what)


def open_config(config_file, strategy=None, plugin_dir=None, *, metrics=(), logger=None,
                config_dirs=(), defaults=None):
    """Reads watcher.conf and returns a live Source of the datasource it chooses, exactly as
    `watcher-ds` chooses: [watcher_strategies.<strategy>] datasources before
    [watcher_datasources] datasources before Watcher's default, names without a plugin
    skipped, prometheus together with aetos refused, a datasource lacking one of `metrics`
    skipped, the plugin directory from `plugin_dir`, [watcher_datasources] plugin_dir or the
    default, and each plugin given the sections its config keys name. source.choice explains.

    `config_file` is a path or a list of paths, read in order (a later value wins), then the
    `*.conf` files of each of `config_dirs` in sorted order, as oslo.config's --config-file and
    --config-dir; values are read and substituted as oslo.config does.

    `defaults` maps "group.option" (e.g. "DEFAULT.state_path") to a raw string: what a `$name`
    or `${group.name}` reference resolves to when no file sets that option, as oslo.config
    resolves it to a registered option's default (a host inside Watcher passes those of
    Watcher's CONF). References to the plugins' own options need none: they resolve to the
    defaults the plugins declare. Defaults never reach a plugin as configuration.

    Raises ConfigError for an unreadable or invalid file; when no datasource is usable, the
    error of the most specific cause, with .choice set. The loader's warnings and the plugin's
    log lines go to `logger` (default: logging.getLogger("watcher_ds")), secrets masked.
    """
    lib = _native.library()
    bridge = LogBridge(logger or logging.getLogger("watcher_ds"))
    names = [_convert.text(m, "metrics[%d]" % i) for i, m in enumerate(metrics)]
    request = _native.LoaderRequest()
    request.struct_size = ctypes.sizeof(_native.LoaderRequest)
    if isinstance(config_file, (list, tuple)):
        files = [_paths(f, "config_file[%d]" % i) for i, f in enumerate(config_file)]
    else:
        files = [_paths(config_file, "config_file")]
    if isinstance(config_dirs, str) or hasattr(config_dirs, "__fspath__"):
        config_dirs = [config_dirs]
    dirs = [_paths(d, "config_dirs[%d]" % i) for i, d in enumerate(config_dirs)]
    if not files and not dirs:
        raise TypeError("open_config() needs at least one config file or config_dirs entry")
    if (len(files) > 1 or dirs) and \
            getattr(lib, "c_api_version", 0) < _native.SEVERAL_CONFIG_FILES_C_API_VERSION:
        # An older library would read config_file alone: refuse rather than drop the rest.
        raise UnsupportedError(
            "the loader library has C API %d: several config files or config_dirs need %d "
            "(a newer libwatcher-ds-loader)"
            % (lib.c_api_version, _native.SEVERAL_CONFIG_FILES_C_API_VERSION))
    request.config_file = files[0] if files else None
    request.config_files = (ctypes.c_char_p * max(len(files) - 1, 1))(*files[1:])
    request.config_file_count = max(len(files) - 1, 0)
    request.config_dirs = (ctypes.c_char_p * max(len(dirs), 1))(*dirs)
    request.config_dir_count = len(dirs)
    pairs = []
    for key, value in (defaults or {}).items():
        if not isinstance(value, str):
            raise TypeError("defaults[%r] must be a str (a raw value as a file writes it), not %s"
                            % (key, type(value).__name__))
        pairs.append((_convert.text(key, "defaults key"),
                      _convert.text(value, "defaults[%r]" % key)))
    if pairs and getattr(lib, "c_api_version", 0) < _native.DEFAULTS_C_API_VERSION:
        # An older library would ignore them: refuse rather than substitute differently.
        raise UnsupportedError(
            "the loader library has C API %d: defaults need %d (a newer libwatcher-ds-loader)"
            % (lib.c_api_version, _native.DEFAULTS_C_API_VERSION))
    request.defaults = (_abi.KV * max(len(pairs), 1))(*pairs)
    request.default_count = len(pairs)
    request.strategy = _convert.text(strategy, "strategy", optional=True)
    request.plugin_dir = None if plugin_dir is None else _paths(plugin_dir, "plugin_dir")
    request.required_metrics = (ctypes.c_char_p * max(len(names), 1))(*names)
    request.required_metric_count = len(names)
    request.log = bridge.callback
    handle = ctypes.c_void_p()
    err = _abi.new_error()
    status = lib.wds_loader_choose(byref(request), byref(handle), byref(err))
    if status != _abi.OK:
        raise from_error(status, err)
    choice_handle = handle.value
    try:
        choice = Choice(json.loads(lib.wds_loader_choice_report(choice_handle).decode("utf-8")))
        status = lib.wds_loader_choice_status(choice_handle, byref(err))
        if status != _abi.OK:
            error = from_error(status, err)
            error.choice = choice
            raise error
        plugin = Plugin(lib.wds_loader_choice_descriptor(choice_handle).contents,
                        _chosen_plugin_path(choice))
        source = Source(plugin, lib.wds_loader_choice_source(choice_handle),
                        lambda _source: lib.wds_loader_choice_release(choice_handle), bridge,
                        "%s source (%s, from %s)" % (plugin.id, plugin.path,
                                                     ", ".join(p.decode() for p in files + dirs)))
    except BaseException:
        lib.wds_loader_choice_release(choice_handle)
        raise
    source.choice = choice
    return source


def _chosen_plugin_path(choice):
    for attempt in choice.attempts:
        if attempt["outcome"] == "chosen":
            return attempt["plugin"]
    return ""
