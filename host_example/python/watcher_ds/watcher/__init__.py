"""OpenStack Watcher's prometheus and aetos datasources, answered by the watcher-ds plugins.

    from watcher_ds import watcher as watcher_ds_watcher
    watcher_ds_watcher.enable()      # before watcher.conf is imported
    # ... Watcher's DataSourceManager now builds PrometheusHelper / AetosHelper for
    # [watcher_datasources] datasources = prometheus (or aetos)

`watcher-ds-decision-engine` does this and then runs Watcher's own decision engine. Needs
Watcher (Debian's python3-watcher); docs/WATCHER.md has the whole story.
"""

from .dropin import DataSourceConfigConflict, enable  # noqa: F401
from .helpers import AetosHelper, PrometheusHelper  # noqa: F401
