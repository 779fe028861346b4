"""The switch-over: watcher-ds-switch's systemd drop-in, watcher-ds-decision-engine running
Watcher's real decision engine with `datasources = prometheus`, and the oslo.config entry point."""

import os
import signal
import subprocess
import sys
import time

import pytest

import watcher_ds
from watcher_ds.watcher import cmd

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(watcher_ds.__file__)))
BIN = os.path.join(PACKAGE_DIR, "bin")


def run_switch(*args):
    return subprocess.run([sys.executable, os.path.join(BIN, "watcher-ds-switch"), *args],
                          capture_output=True, text=True, timeout=60)


def test_switch_on_status_off(tmp_path):
    dropin = tmp_path / "etc/systemd/system/watcher-decision-engine.service.d/50-watcher-ds.conf"
    assert "Watcher's own" in run_switch("status", "--root", str(tmp_path)).stdout
    on = run_switch("on", "--root", str(tmp_path))
    assert on.returncode == 0, on.stderr
    assert "systemctl daemon-reload && systemctl restart watcher-decision-engine" in on.stdout
    text = dropin.read_text()
    # Debian's unit runs its init script, which execs $DAEMON when set: the program, nothing else.
    assert "[Service]\nEnvironment=DAEMON=/usr/bin/watcher-ds-decision-engine\n" in text
    assert "watcher-ds datasources" in run_switch("status", "--root", str(tmp_path)).stdout
    assert run_switch("on", "--root", str(tmp_path)).returncode == 0  # again: same file
    assert dropin.read_text() == text
    off = run_switch("off", "--root", str(tmp_path))
    assert off.returncode == 0 and "removed" in off.stdout
    assert not dropin.parent.exists()  # its directory too, when nothing else is in it
    assert "already off" in run_switch("off", "--root", str(tmp_path)).stdout


def test_switch_off_leaves_other_dropins(tmp_path):
    run_switch("on", "--root", str(tmp_path))
    other = tmp_path / "etc/systemd/system/watcher-decision-engine.service.d/10-local.conf"
    other.write_text("[Service]\nNice=5\n")
    run_switch("off", "--root", str(tmp_path))
    assert other.exists()


def test_switch_reports_what_it_cannot_write(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    result = run_switch("on", "--root", str(blocked))
    assert result.returncode == 1 and "watcher-ds-switch:" in result.stderr


def test_decision_engine_config_is_added_last_once(tmp_path):
    path = tmp_path / "watcher-ds.conf"
    argv = ["watcher-ds-decision-engine", "--config-file", "/etc/watcher/watcher.conf"]
    assert cmd._with_decision_engine_config(argv, str(path)) == argv  # absent: nothing added
    path.write_text("")
    assert cmd._with_decision_engine_config(argv, str(path)) == argv + ["--config-file", str(path)]
    named = argv + ["--config-file=%s" % path]
    assert cmd._with_decision_engine_config(named, str(path)) == named


def test_oslo_config_generator_lists_the_options():
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
    out = subprocess.run(["/usr/bin/oslo-config-generator", "--namespace", "watcher_ds"],
                         env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    for line in ("[watcher_ds]", "#prefetch = true", "#prefetch_max_age = 60",
                 "[prometheus_client]", "#port = 9090", "[aetos_client]", "#interface = public"):
        assert line in out


def test_egg_info_version_is_the_packages():
    text = open(os.path.join(PACKAGE_DIR, "watcher_ds.egg-info", "PKG-INFO")).read()
    assert "\nVersion: %s\n" % watcher_ds.__version__ in text


def _decision_engine(program, tmp_path, env):
    """Starts `program` on a SQLite database and the in-process message bus; returns its
    log once it has synced Watcher's strategies, or once it has exited."""
    log = tmp_path / ("%s.log" % os.path.basename(program))
    process = subprocess.Popen([*program.split(), "--config-file", str(tmp_path / "base.conf"),
                                "--config-file", str(tmp_path / "ds.conf")],
                               stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            if "Strategy workload_stabilization created" in log.read_text():
                break
            time.sleep(0.2)
        return process.poll(), log.read_text()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.servers
def test_watchers_decision_engine_starts_with_prometheus_only_through_ours(tmp_path):
    (tmp_path / "base.conf").write_text(
        "[DEFAULT]\ntransport_url = fake:/\n[database]\nconnection = sqlite:///%s\n"
        % (tmp_path / "watcher.db"))
    (tmp_path / "ds.conf").write_text(
        "[watcher_datasources]\ndatasources = prometheus\n"
        "[prometheus_client]\nhost = 127.0.0.1\nport = 9\n")
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR, WATCHER_DS_CONFIG=str(tmp_path / "none"))
    subprocess.run(["/usr/bin/watcher-db-manage", "--config-file", str(tmp_path / "base.conf"),
                    "create_schema"], env=env, check=True, capture_output=True, timeout=120)

    status, log = _decision_engine(sys.executable + " " + os.path.join(BIN, "watcher-ds-decision-engine"),
                                   tmp_path, env)
    assert status is None, log  # still running: it started and synced
    assert "Starting Watcher Decision Engine service" in log
    assert "ConfigFileValueError" not in log

    # Watcher's own program refuses the same files: 9.0 knows no prometheus datasource.
    status, log = _decision_engine("/usr/bin/watcher-decision-engine", tmp_path, env)
    assert status not in (None, 0), log
    assert "found 'prometheus'" in log
