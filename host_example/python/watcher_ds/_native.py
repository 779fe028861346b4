"""The loader library (libwatcher_ds_loader.so.2) and its C API, watcher_ds/loader.h.

The package keeps no rule of its own about where plugins live, how they are checked or which
one watcher.conf chooses: it asks the loader, which `watcher-ds` uses too. The library is
found by its SONAME through the dynamic linker (the installed package) or, for a build tree,
at the path in $WATCHER_DS_LOADER_LIBRARY.
"""

import ctypes
import os
import threading
from ctypes import POINTER, c_char_p, c_size_t, c_uint32, c_void_p

from . import _abi

SONAME = "libwatcher_ds_loader.so.2"
C_API_VERSION = 1  # what importing needs; several config files or config_dirs need 2
SEVERAL_CONFIG_FILES_C_API_VERSION = 2
DEFAULTS_C_API_VERSION = 3  # the request's defaults


class LoaderRequest(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved0", c_uint32),
        ("config_file", c_char_p),
        ("strategy", c_char_p),
        ("plugin_dir", c_char_p),
        ("required_metrics", POINTER(c_char_p)),
        ("required_metric_count", c_size_t),
        ("log", _abi.LogFn),
        ("host_ctx", c_void_p),
        # v1.1: several files and config directories (oslo.config's --config-file/--config-dir).
        ("config_files", POINTER(c_char_p)),
        ("config_file_count", c_size_t),
        ("config_dirs", POINTER(c_char_p)),
        ("config_dir_count", c_size_t),
        # v1.2: registered defaults for references to options no file sets.
        ("defaults", POINTER(_abi.KV)),
        ("default_count", c_size_t),
    ]


_PROTOTYPES = {
    "wds_loader_c_api_version": (c_uint32, []),
    "wds_loader_default_plugin_dir": (c_char_p, []),
    "wds_loader_open_plugin": (
        ctypes.c_int32, [c_char_p, c_char_p, POINTER(c_void_p), POINTER(_abi.Error)]),
    "wds_loader_find_plugin": (
        ctypes.c_int32, [c_char_p, c_char_p, POINTER(c_void_p), POINTER(_abi.Error)]),
    "wds_loader_plugin_descriptor": (POINTER(_abi.PluginV1), [c_void_p]),
    "wds_loader_plugin_path": (c_char_p, [c_void_p]),
    "wds_loader_plugin_release": (None, [c_void_p]),
    "wds_loader_choose": (
        ctypes.c_int32, [POINTER(LoaderRequest), POINTER(c_void_p), POINTER(_abi.Error)]),
    "wds_loader_choice_status": (ctypes.c_int32, [c_void_p, POINTER(_abi.Error)]),
    "wds_loader_choice_report": (c_char_p, [c_void_p]),
    "wds_loader_choice_descriptor": (POINTER(_abi.PluginV1), [c_void_p]),
    "wds_loader_choice_source": (c_void_p, [c_void_p]),
    "wds_loader_choice_release": (None, [c_void_p]),
}

_lock = threading.Lock()
_library = None


def library():
    """The bound loader library (loaded once). Raises ImportError naming what was tried."""
    global _library
    with _lock:
        if _library is None:
            path = os.environ.get("WATCHER_DS_LOADER_LIBRARY") or SONAME
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                raise ImportError(
                    "watcher_ds needs the watcher-ds loader library %s (package "
                    "libwatcher-ds-loader2): %s" % (path, e)) from None
            for name, (restype, argtypes) in _PROTOTYPES.items():
                try:
                    function = getattr(lib, name)
                except AttributeError:
                    raise ImportError(
                        "%s is too old for this watcher_ds: it lacks %s" % (path, name)) from None
                function.restype = restype
                function.argtypes = argtypes
            version = lib.wds_loader_c_api_version()
            if version < C_API_VERSION:
                raise ImportError("%s has loader C API %d; watcher_ds needs %d"
                                  % (path, version, C_API_VERSION))
            lib.c_api_version = version
            _library = lib
        return _library
