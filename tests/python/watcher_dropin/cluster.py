"""The data set of the strategy suite (test_strategies.py): four small clusters, one per Watcher
strategy under test, as Watcher's own cluster model and as the OpenMetrics samples Prometheus is
backfilled with (`wds-test-servers serve --openmetrics FILE --fqdn HOST ...`).

Every instance has a constant CPU load (ceilometer_cpu, a counter in ns: vcpus x cpu% / 100
cores) and a constant resident memory (ceilometer_memory_usage, MB). Every host's node exporter
series follow from what runs on it, so the two views agree as a real cloud's would:
- host CPU: one idle counter per vCPU (node_cpu_seconds_total{mode="idle"}), each idle for
  1 - busy/vcpus of every second, busy = HYPERVISOR_CORES + the cores its instances use;
- host RAM: MemTotal = the node's memory, MemAvailable = MemTotal - (HYPERVISOR_RAM_MB + its
  instances' resident memory).
Samples every STEP s from START to END, all in the past: the helpers are pinned to END.

The numbers are chosen so that each strategy has one right answer, with margins no rounding
can cross; test_strategies.py states each answer and derives it from these numbers.
"""

import collections
import uuid as uuid_module

from watcher.decision_engine.model import element, model_root

END = 1700001000          # the last sample (Unix s); every query is evaluated there
START = END - 3 * 3600    # 3 h: more than the longest period asked (basic: 7200 s)
STEP = 30
HYPERVISOR_CORES = 0.5    # a host's own CPU work, beyond its instances'
HYPERVISOR_RAM_MB = 2048  # a host's own memory, beyond its instances'
PROJECT = "6b5a7c52-3f4e-4c2a-9d0e-2f1a8b7c6d5e"
DOMAIN = "cloud.example"

_NAMESPACE = uuid_module.UUID("0d6c1b8e-7a4f-4e3b-9c2d-5f8e1a7b3c90")


def _uuid(name):
    return str(uuid_module.uuid5(_NAMESPACE, name))


Node = collections.namedtuple("Node", "name vcpus memory disk status")
Node.__new__.__defaults__ = (element.ServiceState.ENABLED.value,)
Vm = collections.namedtuple("Vm", "name node vcpus memory disk cpu_percent ram_mb state")
Vm.__new__.__defaults__ = (element.InstanceState.ACTIVE.value,)


def hostname(node_name):
    return "%s.%s" % (node_name, DOMAIN)


def vm_uuid(vm_name):
    return _uuid("instance/" + vm_name)


def node_uuid(node_name):
    return _uuid("node/" + node_name)


class Cluster:
    """One strategy's nodes and instances (Node/Vm tuples, referenced by name)."""

    def __init__(self, nodes, vms):
        self.nodes = list(nodes)
        self.vms = list(vms)

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def vms_on(self, node_name):
        return [vm for vm in self.vms if vm.node == node_name]

    def host_busy_cores(self, node_name):
        return HYPERVISOR_CORES + sum(vm.vcpus * vm.cpu_percent / 100.0
                                      for vm in self.vms_on(node_name))

    def host_cpu_percent(self, node_name):
        return 100.0 * self.host_busy_cores(node_name) / self.node(node_name).vcpus

    def host_ram_used_mb(self, node_name):
        return HYPERVISOR_RAM_MB + sum(vm.ram_mb for vm in self.vms_on(node_name))

    def model(self, extra_nodes=(), extra_vms=()):
        """A fresh Watcher cluster model (ModelRoot) of these nodes and instances, plus extra
        ones (Node/Vm tuples the data set has no series for)."""
        model = model_root.ModelRoot()
        for n in list(self.nodes) + list(extra_nodes):
            model.add_node(element.ComputeNode(
                uuid=node_uuid(n.name), hostname=hostname(n.name), memory=n.memory,
                memory_mb_reserved=0, memory_ratio=1.0, disk=n.disk, disk_gb_reserved=0,
                disk_ratio=1.0, vcpus=n.vcpus, vcpu_reserved=0, vcpu_ratio=1.0,
                disabled_reason=None, state=element.ServiceState.ONLINE.value,
                status=n.status))
        for vm in list(self.vms) + list(extra_vms):
            instance = element.Instance(
                uuid=vm_uuid(vm.name), name=vm.name, memory=vm.memory, disk=vm.disk,
                vcpus=vm.vcpus, metadata={}, project_id=PROJECT, state=vm.state)
            model.add_instance(instance)
            model.map_instance(instance, node_uuid(vm.node))
        return model


GIB_MB = 1024

# --- basic_consolidation ------------------------------------------------------------------------
# Three enabled 16-vCPU nodes; the idle one runs two instances that fit the others.
BASIC = Cluster(
    nodes=[Node("bc-idle", 16, 64 * GIB_MB, 500), Node("bc-middle", 16, 64 * GIB_MB, 500),
           Node("bc-busy", 16, 64 * GIB_MB, 500)],
    vms=[Vm("bc-busy-1", "bc-busy", 8, 16 * GIB_MB, 40, 80.0, 12 * GIB_MB),
         Vm("bc-busy-2", "bc-busy", 4, 8 * GIB_MB, 40, 60.0, 6 * GIB_MB),
         Vm("bc-middle-1", "bc-middle", 4, 8 * GIB_MB, 40, 50.0, 6 * GIB_MB),
         Vm("bc-middle-2", "bc-middle", 4, 8 * GIB_MB, 40, 30.0, 4 * GIB_MB),
         Vm("bc-idle-1", "bc-idle", 4, 8 * GIB_MB, 40, 50.0, 4 * GIB_MB),
         Vm("bc-idle-2", "bc-idle", 2, 4 * GIB_MB, 20, 25.0, 2 * GIB_MB)])

# --- workload_stabilization ---------------------------------------------------------------------
STABILIZATION = Cluster(
    nodes=[Node("ws-1", 16, 64 * GIB_MB, 500), Node("ws-2", 16, 64 * GIB_MB, 500),
           Node("ws-3", 16, 64 * GIB_MB, 500),
           Node("ws-4", 16, 64 * GIB_MB, 500, element.ServiceState.DISABLED.value)],
    vms=[Vm("ws-a", "ws-1", 8, 16 * GIB_MB, 40, 75.0, 12 * GIB_MB),
         Vm("ws-b", "ws-1", 4, 8 * GIB_MB, 40, 75.0, 2 * GIB_MB),
         Vm("ws-c", "ws-1", 6, 8 * GIB_MB, 40, 80.0, 1 * GIB_MB),
         Vm("ws-d", "ws-2", 8, 16 * GIB_MB, 40, 75.0, 8 * GIB_MB),
         Vm("ws-f", "ws-2", 4, 8 * GIB_MB, 40, 75.0, 4 * GIB_MB),
         Vm("ws-e", "ws-3", 4, 8 * GIB_MB, 40, 75.0, 4 * GIB_MB),
         Vm("ws-g", "ws-3", 2, 4 * GIB_MB, 20, 75.0, 2 * GIB_MB)])

# --- workload_balance ---------------------------------------------------------------------------
BALANCE = Cluster(
    nodes=[Node("wb-1", 16, 64 * GIB_MB, 500), Node("wb-2", 16, 16 * GIB_MB, 500),
           Node("wb-3", 16, 64 * GIB_MB, 500),
           Node("wb-4", 16, 64 * GIB_MB, 500, element.ServiceState.DISABLED.value)],
    vms=[Vm("wb-p", "wb-1", 8, 8 * GIB_MB, 40, 75.0, 6 * GIB_MB),
         Vm("wb-q", "wb-1", 4, 4 * GIB_MB, 40, 50.0, 3 * GIB_MB),
         Vm("wb-r", "wb-1", 2, 4 * GIB_MB, 20, 75.0, 3 * GIB_MB),
         Vm("wb-s", "wb-2", 4, 14 * GIB_MB, 40, 25.0, 12 * GIB_MB),
         Vm("wb-t", "wb-3", 4, 4 * GIB_MB, 40, 37.5, 3 * GIB_MB)])

# --- vm_workload_consolidation ------------------------------------------------------------------
CONSOLIDATION = Cluster(
    nodes=[Node("vc-1", 8, 32 * GIB_MB, 200), Node("vc-2", 8, 32 * GIB_MB, 200),
           Node("vc-3", 8, 32 * GIB_MB, 200),
           Node("vc-4", 8, 32 * GIB_MB, 200, element.ServiceState.DISABLED.value)],
    vms=[Vm("vc-o1", "vc-1", 4, 12 * GIB_MB, 20, 100.0, 11 * GIB_MB),
         Vm("vc-o2", "vc-1", 4, 8 * GIB_MB, 20, 75.0, 6 * GIB_MB),
         Vm("vc-o3", "vc-1", 2, 4 * GIB_MB, 20, 100.0, 2 * GIB_MB),
         Vm("vc-m1", "vc-2", 4, 8 * GIB_MB, 20, 50.0, 4 * GIB_MB),
         Vm("vc-m2", "vc-2", 2, 4 * GIB_MB, 20, 50.0, 2 * GIB_MB),
         Vm("vc-l1", "vc-3", 2, 4 * GIB_MB, 20, 75.0, 2 * GIB_MB),
         Vm("vc-l2", "vc-3", 2, 16 * GIB_MB, 20, 25.0, 2 * GIB_MB)])

CLUSTERS = {"basic": BASIC, "stabilization": STABILIZATION, "balance": BALANCE,
            "consolidation": CONSOLIDATION}


def hostnames():
    """Every host of the data set: the fqdn labels of its targets."""
    return [hostname(n.name) for c in CLUSTERS.values() for n in c.nodes]


def _num(value):
    return repr(float(value))


def write_openmetrics(path):
    """Writes the samples as OpenMetrics text for promtool (one family at a time, one series
    at a time in ascending time, "# EOF" at the end), as tests/fixtures' Dataset does."""
    times = range(START, END + 1, STEP)
    lines = []

    def series(name, labels, value_at):
        rendered = ",".join('%s="%s"' % item for item in sorted(labels.items()))
        lines.extend("%s{%s} %s %d" % (name, rendered, _num(value_at(t - START)), t)
                     for t in times)

    clusters = list(CLUSTERS.values())
    lines.append("# TYPE node_cpu_seconds counter")
    for c in clusters:
        for n in c.nodes:
            idle = 1.0 - c.host_busy_cores(n.name) / n.vcpus
            for cpu in range(n.vcpus):
                series("node_cpu_seconds_total",
                       {"cpu": str(cpu), "fqdn": hostname(n.name), "job": "node",
                        "instance": hostname(n.name) + ":9100", "mode": "idle"},
                       lambda dt, idle=idle: 1e6 + idle * dt)
    for family in ("node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes"):
        lines.append("# TYPE %s gauge" % family)
        for c in clusters:
            for n in c.nodes:
                total = n.memory * 1024 * 1024
                value = total if family.endswith("Total_bytes") else \
                    total - c.host_ram_used_mb(n.name) * 1024 * 1024
                series(family, {"fqdn": hostname(n.name), "job": "node",
                                "instance": hostname(n.name) + ":9100"},
                       lambda dt, value=value: value)
    # ceilometer_cpu is "unknown": OpenMetrics counters' samples must end in _total.
    lines.append("# TYPE ceilometer_cpu unknown")
    for c in clusters:
        for vm in c.vms:
            ns_per_s = vm.vcpus * vm.cpu_percent / 100.0 * 1e9
            series("ceilometer_cpu", {"project": PROJECT, "resource": vm_uuid(vm.name)},
                   lambda dt, rate=ns_per_s: 1e12 + rate * dt)
    lines.append("# TYPE ceilometer_memory_usage gauge")
    for c in clusters:
        for vm in c.vms:
            series("ceilometer_memory_usage", {"project": PROJECT, "resource": vm_uuid(vm.name)},
                   lambda dt, mb=vm.ram_mb: mb)
    lines.append("# EOF")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
