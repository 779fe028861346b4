"""open_config() chooses exactly what `watcher-ds config` chooses, and explains it the same way,
on every watcher.conf case of tests/fixtures/configs (the C API of the loader does the work for
both, so this checks that nothing is lost or added on the way to Python)."""

import glob
import json
import logging
import os
import re
import subprocess

import pytest

import watcher_ds
from conftest import env_path

CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "configs")
CASES = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(CASES_DIR, "*.conf")))
# watcher-ds exit statuses (README): 2 config, 3 unavailable or auth, 4 anything else.
EXIT_FOR_STATUS = {"config error": 2, "unavailable": 3, "authentication failure": 3}


def test_there_are_cases():
    assert len(CASES) >= 15


def prepare(name, tmp_path):
    """The case's file (placeholders filled in), its strategy and --plugin-dir."""
    with open(os.path.join(CASES_DIR, name + ".conf")) as case:
        text = case.read()
    header = dict(re.findall(r"^# ([a-z-]+): (\S+)$", text, re.M))
    fakes = env_path("WDS_TEST_PLUGIN_DIR")
    text = text.replace("@TEST_PLUGIN_DIR@", fakes)
    path = tmp_path / "watcher.conf"
    path.write_text(text)
    plugin_dir = {"named": fakes.replace("test-plugins", "test-plugins-named"),
                  "config": None}.get(header.get("plugin-dir"), fakes)
    return str(path), header.get("strategy"), plugin_dir


def watcher_ds_config(path, strategy, plugin_dir):
    args = [env_path("WDS_CLI"), "--config", path, "--format", "json"]
    if strategy:
        args += ["--strategy", strategy]
    if plugin_dir:
        args += ["--plugin-dir", plugin_dir]
    run = subprocess.run(args + ["config"], capture_output=True, text=True, timeout=60)
    return run.returncode, json.loads(run.stdout)


@pytest.mark.parametrize("name", CASES)
def test_open_config_agrees_with_watcher_ds_config(name, tmp_path, caplog):
    path, strategy, plugin_dir = prepare(name, tmp_path)
    exit_status, cli = watcher_ds_config(path, strategy, plugin_dir)
    status = cli.pop("status")
    cli.pop("command")  # the command line's own part of the document
    error_text = cli.pop("error", None)
    try:
        with caplog.at_level(logging.WARNING, logger="watcher_ds"):
            source = watcher_ds.open_config(path, strategy=strategy, plugin_dir=plugin_dir)
    except watcher_ds.WatcherDsError as error:
        assert status == error.status_name, (name, cli, str(error))
        assert exit_status == EXIT_FOR_STATUS.get(status, 4), name
        # watcher-ds prefixes "config error: " to a file it cannot use, not to a failed choice.
        assert error_text in (error.message, str(error)), name
        choice = getattr(error, "choice", None)
        # A file or list that is invalid has no report at all; otherwise the same report.
        assert (choice.report if choice else {}) == cli, name
        return
    with source:
        assert status == "ok" and exit_status == 0, (name, cli)
        assert source.choice.report == cli, name
        assert source.plugin.id == cli["chosen"]
        assert source.check_availability()  # a live source of the chosen plugin
    # The loader's warnings (skipped datasources, duplicates) reach the logger.
    logged = [r.getMessage() for r in caplog.records]
    for attempt in cli["attempts"]:
        if attempt["outcome"] not in ("chosen", "not tried"):
            assert any(attempt["datasource"] in line for line in logged), (name, logged)


def test_the_report_masks_secrets_and_names_the_skipped(tmp_path):
    path, strategy, plugin_dir = prepare("secrets-masked", tmp_path)
    with watcher_ds.open_config(path, plugin_dir=plugin_dir) as source:
        choice = source.choice
        text = json.dumps(choice.report)
        for secret in ("hunter2-pass", "flagged-api-key", "other-service-pass"):
            assert secret not in text
        entries = {e["key"]: e for e in choice.effective_config["entries"]}
        assert entries["fake_client.api_key"]["value"] == "***"
        assert "prometheus_client.password" not in entries
        assert choice.chosen == "fake" and choice.plugin_dir_from == "--plugin-dir"
        assert "gnocchi" in choice.explain()


def test_nothing_usable_raises_the_most_specific_cause_without_secrets(tmp_path):
    path, _, plugin_dir = prepare("nothing-usable", tmp_path)
    with pytest.raises(watcher_ds.AuthError) as raised:
        watcher_ds.open_config(path, plugin_dir=plugin_dir)
    assert "fake2" in str(raised.value) and "hunter2-pass" not in str(raised.value)
    assert [a["outcome"] for a in raised.value.choice.attempts] == [
        "no plugin", "create failed", "create failed"]


def test_a_required_metric_skips_a_datasource(tmp_path):
    path = tmp_path / "watcher.conf"
    path.write_text("[watcher_datasources]\ndatasources = nometrics, fake\n")
    with watcher_ds.open_config(str(path), plugin_dir=env_path("WDS_TEST_PLUGIN_DIR"),
                                metrics=["host_cpu_usage"]) as source:
        assert source.plugin.id == "fake"
        assert source.choice.attempts[0]["outcome"] == "missing metric"


def test_the_source_answers_and_closes_once(tmp_path):
    path, _, plugin_dir = prepare("chosen-first", tmp_path)
    source = watcher_ds.open_config(path, plugin_dir=plugin_dir)
    assert source.get_host_cpu_usage({"hostname": "h"}) == 7.0
    source.close()
    with pytest.raises(watcher_ds.SourceClosedError):
        source.close()


def test_a_missing_file_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(watcher_ds.ConfigError, match="nope.conf"):
        watcher_ds.open_config(str(tmp_path / "nope.conf"))


def test_several_files_and_a_config_dir_later_winning_with_substitution(tmp_path):
    first = tmp_path / "a.conf"
    first.write_text("[watcher_datasources]\ndatasources = fake\n[fake_client]\nvalue = 1\n")
    second = tmp_path / "b.conf"
    second.write_text("[fake_client]\nvalue = 2\n")
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "20.conf").write_text("[DEFAULT]\nv = 4\n[fake_client]\nvalue = ${v}.5\n")
    (conf_d / "10.conf").write_text("[watcher_datasources]\ndatasources = fake\n"
                                    "[fake_client]\nvalue = 3\n")
    fakes = env_path("WDS_TEST_PLUGIN_DIR")
    with watcher_ds.open_config([str(first), second], plugin_dir=fakes) as source:
        assert source.get_host_cpu_usage({"hostname": "h"}) == 2.0
        assert source.choice.report["config_files"] == [str(first), str(second)]
    with watcher_ds.open_config([str(first)], plugin_dir=fakes, config_dirs=[conf_d]) as source:
        assert source.get_host_cpu_usage({"hostname": "h"}) == 4.5
        sections = source.choice.report["watcher_conf"]
        assert "fake_client" not in sections  # not one of the plugins' sections
        assert sections["watcher_datasources"]["datasources"]["value"] == "fake"
        value = {e["key"]: e for e in source.choice.effective_config["entries"]}["fake_client.value"]
        assert (value["file"], value["line"]) == (str(conf_d / "20.conf"), 4)
    with watcher_ds.open_config([], plugin_dir=fakes, config_dirs=[str(conf_d)]) as source:
        assert source.get_host_cpu_usage({"hostname": "h"}) == 4.5


def test_several_files_with_a_loader_that_would_ignore_them_are_refused(tmp_path, monkeypatch):
    from watcher_ds import _native

    first = tmp_path / "a.conf"
    first.write_text("[watcher_datasources]\ndatasources = fake\n[fake_client]\nvalue = 1\n")
    second = tmp_path / "b.conf"
    second.write_text("[fake_client]\nvalue = 2\n")
    fakes = env_path("WDS_TEST_PLUGIN_DIR")
    lib = _native.library()
    assert lib.c_api_version >= _native.SEVERAL_CONFIG_FILES_C_API_VERSION
    # As a version 1 library (before config_files/config_dirs) would be seen.
    monkeypatch.setattr(lib, "c_api_version", 1)
    for files, dirs in (([first, second], ()), ([first], [tmp_path])):
        with pytest.raises(watcher_ds.UnsupportedError, match="C API 1: several config files"):
            watcher_ds.open_config(files, plugin_dir=fakes, config_dirs=dirs)
    with watcher_ds.open_config(str(first), plugin_dir=fakes) as source:  # one file: fine
        assert source.get_host_cpu_usage({"hostname": "h"}) == 1.0


def test_an_unresolvable_reference_is_a_config_error_naming_key_and_name(tmp_path):
    path = tmp_path / "watcher.conf"
    path.write_text("[watcher_datasources]\ndatasources = prometheus\n"
                    "[prometheus_client]\nhost = $prom_host\n")
    with pytest.raises(watcher_ds.ConfigError, match=r"prometheus_client\.host .*\$prom_host"):
        watcher_ds.open_config(str(path), plugin_dir=env_path("WDS_TEST_PLUGIN_DIR"))


def test_defaults_answer_references_to_options_no_file_sets(tmp_path, monkeypatch):
    from watcher_ds import _native

    path = tmp_path / "watcher.conf"
    path.write_text("[watcher_datasources]\ndatasources = fake\n"
                    "[prometheus_client]\ncafile = ${state_path}/ca.pem\n"
                    "[fake_client]\nvalue = 1${fake_client.http_status}\n")
    fakes = env_path("WDS_TEST_PLUGIN_DIR")
    with pytest.raises(watcher_ds.ConfigError,
                       match=r"prometheus_client\.cafile .*\$state_path.*DEFAULT\.state_path"):
        watcher_ds.open_config(str(path), plugin_dir=fakes)
    defaults = {"DEFAULT.state_path": "$pybasedir", "DEFAULT.pybasedir": "/py"}
    with watcher_ds.open_config(str(path), plugin_dir=fakes, defaults=defaults) as source:
        assert source.choice.report["watcher_conf"]["prometheus_client"]["cafile"]["value"] == \
            "/py/ca.pem"
        # The fake plugin's declared default of fake_client.http_status ("0").
        assert source.get_host_cpu_usage({"hostname": "h"}) == 10.0
    with pytest.raises(TypeError, match="must be a str"):
        watcher_ds.open_config(str(path), plugin_dir=fakes, defaults={"DEFAULT.x": 1})
    with pytest.raises(watcher_ds.ConfigError, match="GROUP.NAME"):
        watcher_ds.open_config(str(path), plugin_dir=fakes, defaults={"state_path": "/s"})
    # A library that would ignore them (C API 2) is refused rather than read differently.
    lib = _native.library()
    assert lib.c_api_version >= _native.DEFAULTS_C_API_VERSION
    monkeypatch.setattr(lib, "c_api_version", 2)
    with pytest.raises(watcher_ds.UnsupportedError, match="C API 2: defaults need 3"):
        watcher_ds.open_config(str(path), plugin_dir=fakes, defaults=defaults)


def test_a_caller_with_the_v1_1_request_keeps_working_and_its_defaults_are_not_read(tmp_path):
    import ctypes

    from watcher_ds import _abi, _native

    path = tmp_path / "watcher.conf"
    path.write_text("[watcher_datasources]\ndatasources = fake\n"
                    "[fake_client]\nvalue = 2${fake_client.http_status}\n")
    lib = _native.library()
    request = _native.LoaderRequest()
    request.struct_size = _native.LoaderRequest.defaults.offset  # WDS_LOADER_REQUEST_V1_1_SIZE
    request.config_file = str(path).encode()
    request.plugin_dir = env_path("WDS_TEST_PLUGIN_DIR").encode()
    request.default_count = 5  # beyond its struct_size: a v1.2 library must not look at it
    handle = ctypes.c_void_p()
    err = _abi.new_error()
    assert lib.wds_loader_choose(ctypes.byref(request), ctypes.byref(handle),
                                 ctypes.byref(err)) == _abi.OK
    try:
        report = json.loads(lib.wds_loader_choice_report(handle.value).decode())
        # The plugins' defaults still answer references.
        assert report["chosen"] == "fake"
        assert {e["key"]: e for e in report["effective_config"]["entries"]}[
            "fake_client.value"]["value"] == "20"
    finally:
        lib.wds_loader_choice_release(handle.value)


def test_against_the_real_prometheus(servers, plugin_dir, tmp_path, dataset):
    config = servers.config("prometheus")
    lines = ["[watcher_datasources]", "datasources = gnocchi, prometheus",
             "query_max_retries = 2", "[prometheus_client]"]
    lines += ["%s = %s" % (k.split(".", 1)[1], v) for k, v in config.items()
              if k.startswith("prometheus_client.")]
    path = tmp_path / "watcher.conf"
    path.write_text("\n".join(lines) + "\n")
    with watcher_ds.open_config(str(path), plugin_dir=plugin_dir) as source:
        assert source.plugin.id == "prometheus"
        assert source.get_host_cpu_usage({"hostname": "controller"}, eval_time=dataset["end"]) == 0.0
