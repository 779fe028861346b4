"""Fixtures of the drop-in's suite: Watcher itself (Debian's python3-watcher, unmodified), with
the drop-in enabled before watcher.conf is imported, as watcher-ds-decision-engine does, and
Watcher's global CONF read by oslo.config from a watcher.conf each test writes.

This package (not named "watcher": that is Watcher's) runs in pytest processes of its own
(watcher_unit, watcher_integration): Watcher's CONF is process-wide. The fixtures of
../conftest.py (servers, plugins, expectations) apply.
"""

import pytest
from keystoneauth1 import loading as ka_loading

from watcher_ds import watcher as dropin

dropin.enable()

from oslo_config import cfg  # noqa: E402

from .support import write_conf  # noqa: E402

CONF = cfg.CONF


@pytest.fixture
def load_conf(tmp_path, plugin_dir):
    """load_conf(sections) writes watcher.conf (plugin_dir and no retry pauses unless given) and
    has oslo.config parse it into Watcher's CONF; returns CONF."""

    def load(sections):
        sections = {name: dict(values) for name, values in sections.items()}
        defaults = sections.setdefault("watcher_datasources", {})
        defaults.setdefault("plugin_dir", plugin_dir)
        defaults.setdefault("query_max_retries", 1)
        defaults.setdefault("query_timeout", 0)
        path = write_conf(tmp_path / "watcher.conf", sections)
        CONF(["--config-file", str(path)], project="watcher", default_config_files=[])
        return CONF

    yield load
    CONF.reset()
    CONF.clear()
    # keystoneauth's password options (registered for Aetos as keystoneauth registers them,
    # some required) would fail the next test's parse, which has no such section.
    for group in ("watcher_clients_auth", "keystone_authtoken"):
        if group in CONF:
            CONF.unregister_opts(ka_loading.get_auth_plugin_conf_options("password"), group=group)
