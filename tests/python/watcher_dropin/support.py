"""What the drop-in's tests build: watcher.conf files, Watcher model elements, free ports."""

import socket

from watcher.decision_engine.model import element


def sections_of(config):
    """A plugin config ("section.option" -> value) as watcher.conf sections."""
    sections = {}
    for key, value in config.items():
        section, _, option = key.partition(".")
        sections.setdefault(section, {})[option] = value
    return sections


def write_conf(path, sections):
    lines = []
    for section, values in sections.items():
        lines.append("[%s]" % section)
        for option, value in values.items():
            if isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            lines.append("%s = %s" % (option, value))
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def compute_node(hostname, uuid=None, **fields):
    return element.ComputeNode(uuid=uuid or hostname, hostname=hostname, **fields)


def instance(uuid, **fields):
    return element.Instance(uuid=uuid, **fields)


def free_port():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
