"""The drop-in inside Watcher's own machinery, without a backend: the manager's names and
choices, the config conflict, the option groups, and what a construction failure says."""

import logging
from unittest import mock

import pytest
from oslo_config import cfg
from watcher.common import exception, utils
from watcher.decision_engine.datasources import manager

from watcher_ds import watcher as dropin
from watcher_ds.watcher import options

CONF = cfg.CONF


def test_names_are_valid_choices_and_metric_maps_are_ours():
    from watcher.conf import datasources

    assert {"prometheus", "aetos"} <= set(datasources.possible_datasources)
    assert manager.DataSourceManager.metric_map["prometheus"] is dropin.PrometheusHelper.METRIC_MAP
    assert manager.DataSourceManager.metric_map["aetos"] is dropin.AetosHelper.METRIC_MAP
    # Two dicts: a metric_map.yaml override of one leaves the other alone.
    assert dropin.PrometheusHelper.METRIC_MAP is not dropin.AetosHelper.METRIC_MAP


def test_enable_is_idempotent():
    init = manager.DataSourceManager.__init__
    dropin.enable()
    dropin.enable()
    assert manager.DataSourceManager.__init__ is init
    assert list(manager.DataSourceManager.metric_map).count("prometheus") == 1


def test_metric_map_is_watchers_upstream_one():
    m = dropin.PrometheusHelper.METRIC_MAP
    assert m["host_cpu_usage"] == "node_cpu_seconds_total"
    assert m["host_ram_usage"] == "node_memory_MemAvailable_bytes"
    assert m["instance_cpu_usage"] == "ceilometer_cpu"
    assert m["instance_ram_usage"] == "ceilometer_memory_usage"
    assert m["instance_ram_allocated"] == "instance.memory"
    assert m["instance_root_disk_size"] == "instance.disk"
    for unsupported in ("host_outlet_temp", "host_inlet_temp", "host_airflow", "host_power",
                        "instance_l3_cache_usage"):
        assert m[unsupported] is None
    assert set(m) == set(dropin.AetosHelper.METRIC_MAP)


def test_prometheus_with_aetos_is_a_config_conflict(load_conf):
    conf = load_conf({"watcher_datasources": {"datasources": "aetos,prometheus"}})
    with pytest.raises(dropin.DataSourceConfigConflict,
                       match="prometheus is not supported when datasource aetos"):
        manager.DataSourceManager(config=conf.watcher_datasources, osc=mock.Mock())
    # And per strategy, as Watcher's strategies build their manager.
    with pytest.raises(dropin.DataSourceConfigConflict):
        manager.DataSourceManager(config=utils.Struct(datasources=["prometheus", "aetos"]),
                                  osc=mock.Mock())


def test_an_unknown_name_is_refused_by_oslo_config(load_conf):
    conf = load_conf({"watcher_datasources": {"datasources": "prometheus,victoria"}})
    with pytest.raises(ValueError, match="victoria"):
        conf.watcher_datasources.datasources


def test_groups_have_watchers_definitions_and_ours(load_conf):
    conf = load_conf({"prometheus_client": {"host": "127.0.0.1"}})
    assert conf.prometheus_client.port == 9090
    assert conf.prometheus_client.fqdn_label == "fqdn"
    assert conf.prometheus_client.instance_uuid_label == "resource"
    assert conf.aetos_client.interface == "public"
    assert conf.aetos_client.region_name is None
    assert conf.watcher_ds.prefetch is True
    assert conf.watcher_ds.prefetch_max_age == 60
    listed = {group.name: [o.dest for o in opts] for group, opts in options.list_opts()}
    assert listed["watcher_ds"] == ["prefetch", "prefetch_max_age"]
    assert "host" in listed["prometheus_client"] and "interface" in listed["aetos_client"]


def test_option_types_are_checked_by_oslo_config(load_conf):
    conf = load_conf({"prometheus_client": {"port": "99999"}, "aetos_client": {"interface": "nope"}})
    with pytest.raises(ValueError):
        conf.prometheus_client.port
    with pytest.raises(ValueError):
        conf.aetos_client.interface


def test_plugin_config_follows_watcher_names_and_aliases(load_conf, prometheus_plugin):
    conf = load_conf({
        "prometheus_client": {"host": "prom.example", "port": 9091, "root_path": "/prom",
                              "password": "s3cret", "username": "watcher"},
        "watcher_datasources": {"query_max_retries": 3, "query_timeout": 2},
    })
    config = options.plugin_config(conf, prometheus_plugin)
    assert config["prometheus_client.host"] == "prom.example"
    assert config["prometheus_client.port"] == 9091
    assert config["prometheus_client.root_path"] == "/prom"  # a plugin extension, same key
    assert config["watcher_datasources.query_max_retries"] == 3
    # Watcher 9.0 spells the plugin's query_interval query_timeout.
    assert config["watcher_datasources.query_interval"] == 2
    assert "prometheus_client.cafile" not in config  # unset stays unset


def test_keystone_options_come_from_keystoneauth_for_the_auth_type(load_conf, aetos_plugin):
    conf = load_conf({"watcher_clients_auth": {
        "auth_type": "password", "auth_url": "http://127.0.0.1:5000/v3", "username": "watcher",
        "password": "pw", "project_name": "service", "user_domain_name": "Default",
        "project_domain_name": "Default", "application_credential_id": "ignored"}})
    config = options.plugin_config(conf, aetos_plugin)
    assert config["watcher_clients_auth.auth_type"] == "password"
    assert config["watcher_clients_auth.auth_url"] == "http://127.0.0.1:5000/v3"
    assert config["watcher_clients_auth.username"] == "watcher"
    assert config["watcher_clients_auth.password"] == "pw"
    # Not an option of the password plugin: keystoneauth would not read it either.
    assert "watcher_clients_auth.application_credential_id" not in config


def test_keystone_options_follow_auth_section(load_conf, aetos_plugin):
    conf = load_conf({
        "watcher_clients_auth": {"auth_section": "keystone_authtoken"},
        "keystone_authtoken": {"auth_type": "password", "auth_url": "http://127.0.0.1:5/v3",
                               "username": "from-authtoken"}})
    config = options.plugin_config(conf, aetos_plugin)
    assert config["watcher_clients_auth.username"] == "from-authtoken"


def test_missing_host_fails_construction_with_the_key_and_logs_it(load_conf, caplog):
    load_conf({})
    with caplog.at_level(logging.ERROR):
        with pytest.raises(exception.DataSourceNotAvailable, match="prometheus_client.host"):
            dropin.PrometheusHelper()
    assert "prometheus_client.host" in caplog.text


def test_secrets_never_reach_the_error(load_conf):
    load_conf({"prometheus_client": {"host": "http://bad/", "password": "Sentinel-Pw-1"}})
    with pytest.raises(exception.DataSourceNotAvailable) as caught:
        dropin.PrometheusHelper()
    assert "Sentinel-Pw-1" not in str(caught.value)


def test_bad_evaluation_time_is_refused(load_conf):
    load_conf({"prometheus_client": {"host": "127.0.0.1"}})
    with pytest.raises(ValueError, match="evaluation_time"):
        dropin.PrometheusHelper(evaluation_time=-5)
