"""Puts the drop-in datasources into Watcher's DataSourceManager, in this process only.

Watcher's datasources are not pluggable: the manager knows its helpers by name (class-level
`metric_map` plus a property per name), and the `[watcher_datasources] datasources` option's
choices are computed from `metric_map` when `watcher.conf` is first imported. enable() adds
`prometheus` and `aetos` to both before that import (on a Watcher that has its own helpers of
those names, ours take their place), and refuses prometheus together with aetos as upstream
Watcher does (9.0 has no such check). No file of Watcher's is changed.
"""

import sys

from watcher.common import exception
from watcher.decision_engine.datasources import manager

from . import options

_NAMES = ("prometheus", "aetos")

if hasattr(exception, "DataSourceConfigConflict"):
    DataSourceConfigConflict = exception.DataSourceConfigConflict
else:
    class DataSourceConfigConflict(exception.WatcherException):
        """Upstream Watcher's exception (and message) for two datasources that exclude each other."""

        msg_fmt = ("Datasource %(datasource_one)s is not supported when datasource "
                   "%(datasource_two)s is also enabled.")


def _helper_property(helper_class):
    attribute = "_watcher_ds_" + helper_class.NAME

    def get(self):
        helper = getattr(self, attribute, None)
        if helper is None:
            helper = helper_class(osc=self.osc)
            setattr(self, attribute, helper)
        return helper

    def set_(self, helper):
        setattr(self, attribute, helper)

    return property(get, set_, doc="The watcher-ds %s datasource, created on first use."
                    % helper_class.NAME)


def _refusing_conflict(init):
    def __init__(self, config=None, osc=None):
        init(self, config, osc)
        chosen = self.datasources or ()
        if "prometheus" in chosen and "aetos" in chosen:
            raise DataSourceConfigConflict(datasource_one="prometheus", datasource_two="aetos")

    __init__.watcher_ds = True
    return __init__


def enable():
    """Makes `datasources = prometheus` / `aetos` choose the watcher-ds datasources. Idempotent;
    must run before `watcher.conf` is imported unless the running Watcher knows both names."""
    from .helpers import AetosHelper, PrometheusHelper

    cls = manager.DataSourceManager
    for helper_class in (PrometheusHelper, AetosHelper):
        cls.metric_map[helper_class.NAME] = helper_class.METRIC_MAP
        setattr(cls, helper_class.NAME, _helper_property(helper_class))
    if not hasattr(exception, "DataSourceConfigConflict") and \
            not getattr(cls.__init__, "watcher_ds", False):
        cls.__init__ = _refusing_conflict(cls.__init__)
    if "watcher.conf" in sys.modules:
        from watcher.conf import datasources

        missing = [n for n in _NAMES if n not in datasources.possible_datasources]
        if missing:
            raise RuntimeError(
                "watcher_ds.watcher.enable() ran after watcher.conf was imported: "
                "[watcher_datasources] datasources already refuses %s; enable the drop-in "
                "first (watcher-ds-decision-engine does)" % ", ".join(missing))
    import watcher.conf  # registers Watcher's options, our names among the choices

    options.register_opts(watcher.conf.CONF)


def ensure_watcher_options():
    """Watcher's options registered (with the drop-in's names valid) before the helpers read
    or register any option; a Watcher process that imported watcher.conf already has them."""
    if "watcher.conf" not in sys.modules:
        enable()
