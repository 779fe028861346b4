"""Failures of real servers through Python: the fault-injection server's cases (listed, with
the status the plugin returns, by `wds-test-servers serve --faults`), Keystone refusing a
password, TLS against a plain-HTTP port. Each raises its class with the plugin's message."""

import pytest

import watcher_ds


def test_there_are_fault_cases(servers):
    assert len(servers.info["faults"]) >= 5


def test_each_fault_raises_its_class_with_status_and_message(servers, prometheus_plugin):
    seen = set()
    for case in servers.info["faults"]:
        cls = watcher_ds.error_class(case["status_code"])
        with prometheus_plugin.create(case["config"]) as source:
            with pytest.raises(cls) as raised:
                source.get_host_cpu_usage({"hostname": case["hostname"]})
        error = raised.value
        assert error.status == case["status_code"], case["name"]
        assert error.http_status == (case["http_status"] or 0), case["name"]
        assert error.message, case["name"]
        seen.add(cls)
    assert {watcher_ds.UnavailableError, watcher_ds.AuthError, watcher_ds.ProtocolError,
            watcher_ds.TimeoutError} <= seen


def test_keystone_refusing_the_password_is_an_auth_error_without_the_password(servers, aetos_plugin):
    config = servers.config("aetos_bad_password")
    with pytest.raises(watcher_ds.AuthError) as raised:
        aetos_plugin.create(config)
    assert raised.value.http_status == 401
    assert config["watcher_clients_auth.password"] not in str(raised.value)


def test_tls_against_a_plain_http_port(servers, prometheus_plugin):
    config = servers.config("prometheus", **{"prometheus_client.scheme": "https"})
    with pytest.raises(watcher_ds.TlsError):
        prometheus_plugin.create(config)


def test_a_source_survives_its_failures(servers, prometheus_plugin, dataset):
    with prometheus_plugin.create(servers.config("prometheus")) as source:
        for _ in range(3):
            with pytest.raises(watcher_ds.ResourceNotFoundError):
                source.get_host_cpu_usage({"hostname": "nowhere"}, eval_time=dataset["end"])
        assert source.get_host_cpu_usage({"hostname": "controller"}, eval_time=dataset["end"]) == 0.0
