#!/usr/bin/python3
"""watcher.conf as oslo.config reads it versus as watcher-ds reads it.

Each tests/watcher_conf/cases/*.case holds one or more files, each after a line
`=== NAME` (NAME may be conf.d/NN.conf: conf.d is then passed as --config-dir, after
the other files, which are passed as --config-file in their order); <BOM> and <XFF> stand for
the bytes EF BB BF and FF. oslo.config (Debian's
python3-oslo.config) parses them with Watcher's option definitions of the groups the
plugins read registered; watcher-ds parses them with `config --format json`. Every value
oslo.config takes from the files must be the one watcher-ds reports (converted by the
option's type, as Watcher would); a case that oslo.config refuses while parsing or
substituting must exit 2 without a report.

watcher-ds gets oslo.config's registered default of every [DEFAULT] option (Watcher's paths:
pybasedir, bindir, state_path) with --default, as a host inside Watcher passes them, so a
reference to one no file sets must resolve to the same value. A case whose first line (before
any `===`) is `# with plugins` runs watcher-ds with the built plugins (PLUGIN_DIR) instead of
none, so references to the plugins' own options resolve to the defaults the plugins declare,
and a value oslo.config refuses only when it is read (`port = abc`: not a port) must make
watcher-ds exit 2 with an error naming that key (the plugin refuses it at create; the report
of what was read may still be printed). Such cases list one datasource and a server that
refuses connections at once, so nothing waits on the network.
Usage: oslo_differential.py WATCHER_DS CASE_DIR PLUGIN_DIR
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

from keystoneauth1 import loading
from oslo_config import cfg

import watcher.conf.datasources
import watcher.conf.paths

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "host_example", "python"))
from watcher_ds.watcher import options as wds_options  # noqa: E402

GROUPS = ("watcher_datasources", "prometheus_client", "aetos_client", "watcher_clients_auth")
SECRET_WORDS = ("password", "secret", "token")  # watcher-ds's isSecretKeyName()


def split_case(path):
    """The case's files, and whether it runs with the plugins."""
    files, name, with_plugins = {}, None, False
    with open(path, encoding="utf-8", newline="") as f:  # a case's own "\r" stays in it
        for line in f:
            if line.startswith("=== "):
                name = line[4:].strip()
                files[name] = ""
            elif name is not None:
                files[name] += line
            elif line.strip() == "# with plugins":
                with_plugins = True
    return files, with_plugins


def write_case(files, root):
    args = []
    for name, text in files.items():
        target = os.path.join(root, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(text.encode("utf-8").replace(b"<BOM>", b"\xef\xbb\xbf")
                    .replace(b"<XFF>", b"\xff"))
        if not name.startswith("conf.d/"):
            args += ["--config-file", target]
    if any(name.startswith("conf.d/") for name in files):
        args += ["--config-dir", os.path.join(root, "conf.d")]
    return args


def oslo_conf(args):
    conf = cfg.ConfigOpts()
    conf.register_opts(watcher.conf.paths.PATH_OPTS)
    # Watcher 9.0's datasources choices predate the prometheus and aetos datasources the
    # plugins add; its other [watcher_datasources] options as they are.
    for opt in watcher.conf.datasources.DATASOURCES_OPTS:
        if opt.dest == "datasources":
            opt = cfg.ListOpt("datasources", default=opt.default, item_type=cfg.types.String(
                choices=["gnocchi", "ceilometer", "monasca", "grafana", "prometheus", "aetos"]))
        conf.register_opt(opt, group="watcher_datasources")
    wds_options.register_opts(conf)
    group = "watcher_clients_auth"
    loading.register_session_conf_options(conf, group)
    loading.register_auth_conf_options(conf, group)
    # keystoneauth registers these when it loads the plugin, after parsing: none is required
    # at parse time.
    plugin_opts = copy.deepcopy(loading.get_auth_plugin_conf_options("password"))
    for opt in plugin_opts:
        opt.required = False
    conf.register_opts(plugin_opts, group=group)
    conf(args=args, project="watcher", default_config_files=[], default_config_dirs=[])
    return conf


def registered_defaults():
    """--default arguments: oslo.config's raw default of each string option of [DEFAULT]."""
    conf = oslo_conf([])
    args = []
    for name, opt in sorted(conf._opts.items()):
        default = opt["opt"].default
        if isinstance(default, str):
            args += ["--default", "DEFAULT.%s=%s" % (name, default)]
    return args


def oslo_values(args):
    """({(group, option): value} of every option set by the files, None, []), or (None, the
    refusal, [the "group.option" keys whose values oslo.config refuses when they are read])."""
    try:
        conf = oslo_conf(args)
        values = {}
        refused = []
        for group in GROUPS:
            for name, opt in sorted(conf[group]._group._opts.items()):
                try:
                    value = getattr(conf[group], name)
                except cfg.ConfigFileValueError as e:
                    refused.append(("%s.%s" % (group, name), e))
                    continue
                loc = conf.get_location(name, group)
                if loc is not None and loc.location == cfg.Locations.user:
                    values[(group, name)] = (value, opt["opt"])
        if refused:
            return None, "ConfigFileValueError: %s" % refused[0][1], [k for k, _ in refused]
        return values, None, []
    except (cfg.Error, RecursionError, UnicodeDecodeError) as e:
        return None, "%s: %s" % (type(e).__name__, e), []


def compare(case, args, watcher_ds, plugin_dir):
    expected, refusal, refused_keys = oslo_values(args)
    run = subprocess.run([watcher_ds] + args + registered_defaults() +
                         ["--plugin-dir", plugin_dir, "--format", "json", "config"],
                         capture_output=True, text=True, timeout=30)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        return ["%s: watcher-ds printed no JSON (exit %d): %s" % (case, run.returncode,
                                                                  run.stderr.strip())]
    got = report.get("watcher_conf")
    if refused_keys:
        # Refused when read: by watcher-ds's plugin at create, naming the key.
        error = report.get("error") or ""
        if plugin_dir == "/nonexistent":
            return ["%s: oslo.config refuses %s when read; such a case needs '# with plugins'"
                    % (case, ", ".join(refused_keys))]
        if run.returncode == 2 and any(key in error for key in refused_keys):
            return []
        return ["%s: oslo.config refuses %s (%s), watcher-ds exits %d: %s"
                % (case, ", ".join(refused_keys), refusal, run.returncode, error)]
    if refusal is not None:
        if run.returncode == 2 and got is None:
            return []
        return ["%s: oslo.config refuses it (%s), watcher-ds exits %d with%s a report"
                % (case, refusal, run.returncode, "" if got is not None else "out")]
    if got is None:
        return ["%s: oslo.config reads it, watcher-ds refuses it: %s" % (case, report.get("error"))]
    problems = []
    for (group, name), (value, opt) in expected.items():
        item = got.get(group, {}).get(name)
        if item is None:
            problems.append("%s: [%s] %s: oslo.config has a value, watcher-ds none"
                            % (case, group, name))
            continue
        secret = any(word in name.lower() for word in SECRET_WORDS)
        if secret:
            want = "***" if value else ""
            if item["value"] != want:
                problems.append("%s: [%s] %s: masked secret differs" % (case, group, name))
            continue
        try:
            mine = opt.type(item["value"])
        except ValueError as e:
            problems.append("%s: [%s] %s: watcher-ds value %r does not convert: %s"
                            % (case, group, name, item["value"], e))
            continue
        if mine != value:
            problems.append("%s: [%s] %s: oslo.config %r, watcher-ds %r"
                            % (case, group, name, value, item["value"]))
    for group in GROUPS:
        for name in got.get(group, {}):
            registered = name in oslo_conf_names(group)
            if registered and (group, name) not in expected:
                problems.append("%s: [%s] %s: watcher-ds has a value oslo.config does not read"
                                % (case, group, name))
    return problems


_NAMES = {}


def oslo_conf_names(group):
    if not _NAMES:
        conf = oslo_conf([])
        for g in GROUPS:
            _NAMES[g] = set(conf[g]._group._opts)
    return _NAMES[group]


def main():
    watcher_ds, case_dir, plugins = sys.argv[1], sys.argv[2], sys.argv[3]
    cases = sorted(f for f in os.listdir(case_dir) if f.endswith(".case"))
    problems = []
    refused = 0
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="wds-oslo-") as root:
            files, with_plugins = split_case(os.path.join(case_dir, case))
            args = write_case(files, root)
            if oslo_values(args)[1] is not None:
                refused += 1
            problems += compare(case, args, watcher_ds, plugins if with_plugins else "/nonexistent")
    for problem in problems:
        print(problem)
    print("%d cases (%d refused by oslo.config), %d differences" % (len(cases), refused,
                                                                    len(problems)))
    return 1 if problems or len(cases) < 40 else 0


if __name__ == "__main__":
    sys.exit(main())
