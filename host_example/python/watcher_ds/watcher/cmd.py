"""The commands of the drop-in: watcher-ds-decision-engine and watcher-ds-switch."""

import argparse
import os
import sys

# Debian's watcher-decision-engine.service runs /etc/init.d/watcher-decision-engine
# systemd-start, which execs $DAEMON (default /usr/bin/watcher-decision-engine) with the
# service's arguments; a systemd drop-in setting DAEMON switches the program and nothing else.
SERVICE = "watcher-decision-engine.service"
DROPIN_NAME = "50-watcher-ds.conf"
DROPIN_DIR = "/etc/systemd/system/%s.d" % SERVICE
DECISION_ENGINE = "/usr/bin/watcher-ds-decision-engine"
# Read by the decision engine only, after its other files: on Watcher 9.0 every other Watcher
# service (api, applier, db-manage) refuses `datasources = prometheus` when it logs its options.
DECISION_ENGINE_CONFIG = "/etc/watcher/watcher-ds.conf"
DROPIN_TEXT = """\
# Written by watcher-ds-switch: Watcher's decision engine with the watcher-ds datasources
# (prometheus, aetos). `watcher-ds-switch off` removes this file (docs/WATCHER.md).
[Service]
Environment=DAEMON=%s
""" % DECISION_ENGINE


def _with_decision_engine_config(argv, path):
    """argv plus `--config-file path` when that file exists and argv does not name it."""
    named = any(a == path or a == "--config-file=" + path for a in argv)
    if named or not os.path.exists(path):
        return argv
    print("watcher-ds-decision-engine: also reading %s" % path, file=sys.stderr)
    return argv + ["--config-file", path]


def decision_engine():
    """Watcher's own decision engine (watcher.cmd.decisionengine:main, its arguments and
    config as they are) with the drop-in enabled first, and $WATCHER_DS_CONFIG (default
    /etc/watcher/watcher-ds.conf) read last when it exists."""
    from . import dropin

    sys.argv = _with_decision_engine_config(
        sys.argv, os.environ.get("WATCHER_DS_CONFIG", DECISION_ENGINE_CONFIG))

    dropin.enable()
    from watcher.cmd import decisionengine

    return decisionengine.main()


def _dropin_path(root):
    return os.path.join(root, DROPIN_DIR.lstrip("/"), DROPIN_NAME)


def switch(argv=None):
    """watcher-ds-switch on|off|status: installs or removes the systemd drop-in that makes
    Debian's watcher-decision-engine service run watcher-ds-decision-engine."""
    parser = argparse.ArgumentParser(
        prog="watcher-ds-switch",
        description="Switch Watcher's decision engine service to the watcher-ds datasources "
                    "(on) or back to Watcher's own (off). Restart the service afterwards.")
    parser.add_argument("action", choices=["on", "off", "status"])
    parser.add_argument("--root", default="/", help="the file system root (default /)")
    args = parser.parse_args(argv)
    path = _dropin_path(args.root)
    restart = "systemctl daemon-reload && systemctl restart %s" % SERVICE

    if args.action == "status":
        active = os.path.exists(path)
        print("%s: %s" % (SERVICE, "watcher-ds datasources (%s)" % path if active
                          else "Watcher's own datasources (no %s)" % path))
        return 0
    try:
        if args.action == "on":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "w") as f:
                f.write(DROPIN_TEXT)
            os.replace(path + ".tmp", path)
            print("watcher-ds-switch: wrote %s; now run: %s" % (path, restart))
        elif os.path.exists(path):
            os.remove(path)
            try:
                os.rmdir(os.path.dirname(path))
            except OSError:
                pass  # other drop-ins live there
            print("watcher-ds-switch: removed %s; now run: %s" % (path, restart))
        else:
            print("watcher-ds-switch: already off (no %s)" % path)
    except OSError as e:
        print("watcher-ds-switch: %s" % e, file=sys.stderr)
        return 1
    return 0
