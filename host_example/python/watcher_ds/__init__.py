"""watcher_ds: the watcher-ds datasource plugins (Prometheus, Aetos) from Python.

    import watcher_ds
    plugin = watcher_ds.load_plugin("prometheus")
    with plugin.create({"prometheus_client.host": "127.0.0.1",
                        "prometheus_client.port": 9090}) as source:
        source.get_host_cpu_usage({"hostname": "compute-1"})   # float, or None for no data

Standard library only: ctypes over the plugins' C ABI (watcher_ds/datasource.h) and the loader
library's C API (watcher_ds/loader.h). Failures raise subclasses of WatcherDsError.
"""

from .errors import (  # noqa: F401
    AuthError,
    ConfigError,
    InternalError,
    InvalidArgumentError,
    MetricNotAvailableError,
    ProtocolError,
    ResourceNotFoundError,
    SourceClosedError,
    TimeoutError,
    TlsError,
    UnavailableError,
    UnsupportedError,
    WatcherDsError,
    error_class,
)
from .config import Choice, open_config  # noqa: F401
from .plugin import ConfigKey, Plugin, default_plugin_dir, load_plugin  # noqa: F401
from .source import Availability, BatchItem, BatchResult, Snapshot, Source  # noqa: F401

__version__ = "0.1.0"
ABI_VERSION = "1.0"
