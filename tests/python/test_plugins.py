"""Loading plugins by name and by path, their identity, and refusals of files that are not
usable plugins: each a Python exception naming the file, never a dead interpreter."""

import os

import pytest

import watcher_ds


def test_load_by_name_finds_the_plugin_in_plugin_dir(plugin_dir):
    plugin = watcher_ds.load_plugin("prometheus", plugin_dir=plugin_dir)
    assert plugin.id == "prometheus"
    assert plugin.path == os.path.join(plugin_dir, "libprometheus_ds.so")
    assert plugin.abi_version.startswith("1.")
    assert plugin.version.count(".") == 2
    assert plugin.name


def test_load_by_path_accepts_any_id(plugin_dir):
    path = os.path.join(plugin_dir, "libaetos_ds.so")
    plugin = watcher_ds.load_plugin(path=path)
    assert plugin.id == "aetos"
    assert plugin.path == path


def test_metrics_and_config_keys_with_the_secret_flag(prometheus_plugin, aetos_plugin):
    assert "host_cpu_usage" in prometheus_plugin.metrics
    assert "instance_ram_usage" in aetos_plugin.metrics
    keys = {k.key: k for k in prometheus_plugin.config_keys}
    assert keys["prometheus_client.port"].default == "9090"
    assert keys["prometheus_client.password"].secret
    assert not keys["prometheus_client.host"].secret
    assert all(k.description for k in prometheus_plugin.config_keys)
    aetos_keys = {k.key: k for k in aetos_plugin.config_keys}
    assert aetos_keys["watcher_clients_auth.password"].secret


def test_default_plugin_dir_is_the_loaders():
    directory = watcher_ds.default_plugin_dir()
    assert os.path.isabs(directory) and directory.endswith("/watcher-ds")


def test_a_missing_plugin_is_a_config_error_naming_the_file(tmp_path):
    with pytest.raises(watcher_ds.ConfigError, match="libprometheus_ds.so"):
        watcher_ds.load_plugin("prometheus", plugin_dir=str(tmp_path))
    with pytest.raises(watcher_ds.ConfigError, match="nothing-here.so"):
        watcher_ds.load_plugin(path=str(tmp_path / "nothing-here.so"))


def test_another_abi_major_is_refused_naming_the_file_and_both_versions(test_plugin_dir):
    with pytest.raises(watcher_ds.InternalError) as raised:
        watcher_ds.load_plugin("fakev2", plugin_dir=test_plugin_dir)
    message = str(raised.value)
    assert "libfakev2_ds.so" in message
    assert "plugin ABI 2.0" in message and "host ABI 1.0" in message


@pytest.mark.parametrize("name, why", [
    ("noentry", "no entry symbol"),
    ("nulldesc", "returned no descriptor"),
    ("truncated", "truncated"),
    ("noslot", "statistic_aggregation"),
    ("undefined", "cannot load plugin"),
    ("wrongid", "expected 'wrongid'"),
])
def test_broken_plugins_are_refused_with_the_reason(test_plugin_dir, name, why):
    with pytest.raises(watcher_ds.InternalError, match=why):
        watcher_ds.load_plugin(name, plugin_dir=test_plugin_dir)


def test_a_file_that_is_not_a_shared_object(tmp_path):
    junk = tmp_path / "libjunk_ds.so"
    junk.write_bytes(b"\x7fELF this is not a library")
    with pytest.raises(watcher_ds.InternalError, match="libjunk_ds.so"):
        watcher_ds.load_plugin(path=str(junk))
    with pytest.raises(watcher_ds.InternalError, match="not a watcher-ds plugin"):
        # A real shared object without the entry symbol: the loader library itself.
        watcher_ds.load_plugin(path=os.environ["WATCHER_DS_LOADER_LIBRARY"])


def test_a_world_writable_plugin_dir_is_refused(tmp_path):
    tmp_path.chmod(0o777)
    with pytest.raises(watcher_ds.ConfigError, match="world-writable"):
        watcher_ds.load_plugin("prometheus", plugin_dir=str(tmp_path))


@pytest.mark.parametrize("name", ["../prometheus", "a/b", "", "pro metheus"])
def test_a_name_that_could_leave_the_directory(plugin_dir, name):
    with pytest.raises(watcher_ds.InvalidArgumentError, match="invalid datasource name"):
        watcher_ds.load_plugin(name, plugin_dir=plugin_dir)


def test_name_or_path_not_both(plugin_dir):
    with pytest.raises(TypeError):
        watcher_ds.load_plugin()
    with pytest.raises(TypeError):
        watcher_ds.load_plugin("prometheus", path="/x")
    with pytest.raises(TypeError):
        watcher_ds.load_plugin(42)
