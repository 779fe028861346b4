"""The drop-in's configuration, read from Watcher's own oslo.config CONF.

Watcher's groups keep Watcher's names, types and defaults: where the running Watcher lacks
[prometheus_client] or [aetos_client] (9.0 has neither), they are registered here with the
definitions newer Watchers ship; where it has them, its own are used as they are. The
drop-in's own options live in [watcher_ds]. Every plugin config key ("section.option") is then
read from CONF: a key Watcher does not define (the plugins' extensions such as
[prometheus_client] root_path) is registered as a plain string in its section, so one
watcher.conf means the same to the drop-in as to `watcher-ds`.
"""

import importlib.util
import os

from oslo_config import cfg

WATCHER_DS = cfg.OptGroup(
    "watcher_ds", title="watcher-ds drop-in datasources",
    help="How the watcher-ds Prometheus and Aetos datasources answer Watcher's strategies.")

WATCHER_DS_OPTS = [
    cfg.BoolOpt(
        "prefetch", default=True,
        help="Answer a strategy's per-resource calls from one batch per (metric, period, "
             "aggregate): the first call for a metric fetches every known host or instance at "
             "one pinned evaluation time, later calls are lookups."),
    cfg.IntOpt(
        "prefetch_max_age", default=60, min=1,
        help="Seconds a prefetch is served; an older one is fetched again. Keep it below the "
             "scrape interval's order of magnitude so an audit never sees stale data."),
]

PROMETHEUS_CLIENT = cfg.OptGroup(
    "prometheus_client", title="Configuration Options for Prometheus",
    help="The Prometheus server the prometheus datasource queries.")

PROMETHEUS_CLIENT_OPTS = [
    cfg.HostAddressOpt("host", help="The hostname or IP address of the Prometheus server."),
    cfg.PortOpt("port", default=9090, help="The port of the Prometheus server."),
    cfg.StrOpt("fqdn_label", default="fqdn",
               help="The label of the node metrics whose value is the compute node's name."),
    cfg.StrOpt("instance_uuid_label", default="resource",
               help="The label of the instance metrics whose value is the instance's UUID."),
    cfg.StrOpt("username", help="The basic auth user of the Prometheus server."),
    cfg.StrOpt("password", secret=True, help="The basic auth password."),
    cfg.StrOpt("cafile", help="CA certificates to verify the server's TLS certificate with."),
    cfg.StrOpt("certfile", help="The client certificate (with keyfile) for mutual TLS."),
    cfg.StrOpt("keyfile", help="The client key (with certfile) for mutual TLS."),
]

AETOS_CLIENT = cfg.OptGroup(
    "aetos_client", title="Configuration Options for Aetos",
    help="How the aetos datasource finds Aetos in the Keystone catalog.")

AETOS_CLIENT_OPTS = [
    cfg.StrOpt("interface", default="public",
               choices=["public", "internal", "admin", "publicURL", "internalURL", "adminURL"],
               help="The catalog interface of the Aetos endpoint."),
    cfg.StrOpt("region_name", help="The region of the Aetos endpoint (any when unset)."),
    cfg.StrOpt("fqdn_label", default="fqdn",
               help="The label of the node metrics whose value is the compute node's name."),
    cfg.StrOpt("instance_uuid_label", default="resource",
               help="The label of the instance metrics whose value is the instance's UUID."),
]

# Watcher's definitions of the groups a Watcher release may lack.
WATCHER_GROUPS = ((PROMETHEUS_CLIENT, PROMETHEUS_CLIENT_OPTS), (AETOS_CLIENT, AETOS_CLIENT_OPTS))

# Plugin keys that Watcher 9.0 spells differently: the plugin's name first, then 9.0's.
ALIASES = {("watcher_datasources", "query_interval"): ("watcher_datasources", "query_timeout")}

# The plugin directory, where the loader (and `watcher-ds`) read it.
PLUGIN_DIR = ("watcher_datasources", "plugin_dir")

KEYSTONE_GROUP = "watcher_clients_auth"


def _register(conf, group, opts):
    """Registers `opts` in `group` unless the group already has an option of that name."""
    if not isinstance(group, cfg.OptGroup):
        group = cfg.OptGroup(group)
    conf.register_group(group)  # a no-op for a group of that name
    name = group.name
    for opt in opts:
        if opt.dest not in conf[name]:
            conf.register_opt(opt, group=name)


def register_opts(conf):
    """[watcher_ds], and Watcher's groups where the running Watcher lacks them."""
    _register(conf, WATCHER_DS, WATCHER_DS_OPTS)
    for group, opts in WATCHER_GROUPS:
        _register(conf, group, opts)


def list_opts():
    """For oslo-config-generator (the oslo.config.opts entry point "watcher_ds"): [watcher_ds],
    and Watcher's groups only where the installed Watcher does not list them itself."""
    # Looked up on disk: importing watcher.conf would fix its datasource choices too early.
    conf_dir = os.path.join(importlib.util.find_spec("watcher").submodule_search_locations[0],
                            "conf")
    return [(WATCHER_DS, WATCHER_DS_OPTS)] + [
        (group, opts) for group, opts in WATCHER_GROUPS
        if not os.path.exists(os.path.join(conf_dir, group.name + ".py"))]


def _extension_opt(option, secret):
    return cfg.StrOpt(option, secret=secret, help="A watcher-ds plugin option (see watcher-ds.conf)")


def _keystone_value(conf, option):
    """A [watcher_clients_auth] key as keystoneauth reads it for Watcher: the session options
    from that group, auth_type and the auth plugin's options from its auth_section (default:
    the group itself), registered as keystoneauth registers them when it loads the plugin."""
    from keystoneauth1 import loading

    group = conf[KEYSTONE_GROUP]
    if option != "auth_type" and option in group and option != "auth_section":
        return group[option]  # a session option (timeout, cafile, ...) or one already loaded
    name = group.auth_section if "auth_section" in group and group.auth_section \
        else KEYSTONE_GROUP
    if name != KEYSTONE_GROUP:
        _group(conf, name)
        loading.register_auth_conf_options(conf, name)
    auth_type = conf[name].auth_type
    if auth_type:
        try:
            opts = loading.get_auth_plugin_conf_options(auth_type)
        except Exception as e:  # keystoneauth's own error names the unknown plugin
            raise ValueError("[%s] auth_type: %s" % (name, e)) from None
        _register(conf, name, opts)
    return conf[name][option] if option in conf[name] else None


def value(conf, section, option, secret=False):
    """The value CONF has for a plugin key, None when unset. Raises ValueError naming the key
    when the file's value is not valid for the option's type."""
    if (section, option) in ALIASES and option not in _group(conf, section):
        section, option = ALIASES[(section, option)]
    try:
        if section == KEYSTONE_GROUP:
            # Plugin options keystoneauth does not read for this auth_type stay unset.
            return _keystone_value(conf, option)
        group = _group(conf, section)
        if option not in group:
            conf.register_opt(_extension_opt(option, secret), group=section)
        return group[option]
    except (cfg.ConfigFileValueError, ValueError) as e:
        raise ValueError("[%s] %s: %s" % (section, option, e)) from None


def _group(conf, section):
    if section not in conf:
        conf.register_group(cfg.OptGroup(section))
    return conf[section]


def plugin_config(conf, plugin):
    """The plugin's configuration ("section.option" -> value) from CONF, unset keys left out."""
    config = {}
    for key in plugin.config_keys:
        section, _, option = key.key.partition(".")
        found = value(conf, section, option, key.secret)
        if found is not None and found != "" and found != []:
            config[key.key] = found
    return config
