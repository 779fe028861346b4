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
Each cluster also has one node no exporter reports (no series, no target: a host Prometheus
does not know) running one instance Ceilometer does report; it joins the model only when
asked (Cluster.model(unmonitored=True)).

The numbers are chosen so that each strategy has one right answer, with margins no rounding
can cross (each comparison that decides an answer is won by at least 0.2 cores, 0.01 of a
standard deviation or a whole vCPU); test_strategies.py states each answer and derives it.
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


# A compute node: memory in MB, disk in GB, Nova's service status, the vCPUs Nova keeps for
# the host (Watcher's capacity is vcpus - vcpu_reserved).
Node = collections.namedtuple("Node", "name vcpus memory disk status vcpu_reserved")
Node.__new__.__defaults__ = (element.ServiceState.ENABLED.value, 0)
# An instance on a node: its flavor (vcpus, memory MB, disk GB), then what it uses
# (cpu_percent of its vCPUs, ram_mb resident) and its state.
Vm = collections.namedtuple("Vm", "name node vcpus memory disk cpu_percent ram_mb state")
Vm.__new__.__defaults__ = (element.InstanceState.ACTIVE.value,)

GIB_MB = 1024


def hostname(node_name):
    return "%s.%s" % (node_name, DOMAIN)


def vm_uuid(vm_name):
    return _uuid("instance/" + vm_name)


def node_uuid(node_name):
    return _uuid("node/" + node_name)


class Cluster:
    """One strategy's nodes and instances (Node/Vm tuples, referring to nodes by name), and
    one more node that no exporter reports (no series, no target: the host is unknown to
    Prometheus) with one instance that Ceilometer does report."""

    def __init__(self, prefix, nodes, vms):
        self.nodes = list(nodes)
        self.vms = list(vms)
        size = self.nodes[0]
        self.unmonitored_node = size._replace(name=prefix + "-unmonitored",
                                              status=element.ServiceState.ENABLED.value)
        self.unmonitored_vm = Vm(prefix + "-unmonitored-1", self.unmonitored_node.name, 2,
                                 4 * GIB_MB, 20, 40.0, 2 * GIB_MB)

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def vms_on(self, node_name):
        return [vm for vm in self.vms if vm.node == node_name]

    def host_busy_cores(self, node_name):
        return HYPERVISOR_CORES + sum(vm.vcpus * vm.cpu_percent / 100.0
                                      for vm in self.vms_on(node_name))

    def host_ram_used_mb(self, node_name):
        return HYPERVISOR_RAM_MB + sum(vm.ram_mb for vm in self.vms_on(node_name))

    def model(self, unmonitored=False):
        """A fresh Watcher cluster model (ModelRoot, ComputeNode, Instance) of the cluster,
        with its unmonitored node and instance when asked."""
        node_list, vm_list = list(self.nodes), list(self.vms)
        if unmonitored:
            node_list.append(self.unmonitored_node)
            vm_list.append(self.unmonitored_vm)
        model = model_root.ModelRoot()
        nodes = {}
        for n in node_list:
            nodes[n.name] = element.ComputeNode(
                uuid=node_uuid(n.name), hostname=hostname(n.name), memory=n.memory,
                memory_mb_reserved=0, memory_ratio=1.0, disk=n.disk, disk_gb_reserved=0,
                disk_ratio=1.0, vcpus=n.vcpus, vcpu_reserved=n.vcpu_reserved, vcpu_ratio=1.0,
                disabled_reason=None, state=element.ServiceState.ONLINE.value,
                status=n.status)
            model.add_node(nodes[n.name])
        for vm in vm_list:
            instance = element.Instance(
                uuid=vm_uuid(vm.name), name=vm.name, memory=vm.memory, disk=vm.disk,
                vcpus=vm.vcpus, metadata={}, project_id=PROJECT, state=vm.state)
            model.add_instance(instance)
            # Objects, not UUIDs: map_instance() looks UUIDs up under the model's own lock,
            # which it already holds (a deadlock).
            model.map_instance(instance, nodes[vm.node])
        return model


_DISABLED = element.ServiceState.DISABLED.value

# In the comments: "c" = cores used (vcpus x cpu% / 100), host % = busy cores / vCPUs with
# the hypervisor's 0.5 cores; RAM as resident GiB. test_strategies.py derives each answer.

# basic_consolidation: three enabled 16-vCPU, 64 GiB nodes, listed least busy first (the
# order Watcher keeps among equal scores, so only the measured CPU can put them in order).
BASIC = Cluster("bc", nodes=[
    Node("bc-idle", 16, 64 * GIB_MB, 500),    # 3.0 c: 18.75 %
    Node("bc-middle", 16, 64 * GIB_MB, 500),  # 3.7 c: 23.125 %
    Node("bc-busy", 16, 64 * GIB_MB, 500),    # 9.3 c: 58.125 %; 12 of 16 vCPUs allocated
], vms=[
    Vm("bc-busy-1", "bc-busy", 8, 16 * GIB_MB, 40, 80.0, 12 * GIB_MB),      # 6.4 c
    Vm("bc-busy-2", "bc-busy", 4, 8 * GIB_MB, 40, 60.0, 6 * GIB_MB),        # 2.4 c
    Vm("bc-middle-1", "bc-middle", 4, 8 * GIB_MB, 40, 50.0, 6 * GIB_MB),    # 2.0 c
    Vm("bc-middle-2", "bc-middle", 4, 8 * GIB_MB, 40, 30.0, 4 * GIB_MB),    # 1.2 c
    Vm("bc-idle-1", "bc-idle", 4, 8 * GIB_MB, 40, 50.0, 4 * GIB_MB),        # 2.0 c
    Vm("bc-idle-2", "bc-idle", 2, 4 * GIB_MB, 20, 25.0, 2 * GIB_MB),        # 0.5 c
])

# workload_stabilization: three enabled 16-vCPU, 64 GiB nodes and a disabled one. Loads as
# Watcher computes them: host CPU as a fraction, an instance's share = c / 16.
STABILIZATION = Cluster("ws", nodes=[
    Node("ws-1", 16, 64 * GIB_MB, 500),   # 14.3 c: 0.89375; RAM 31 GiB
    Node("ws-2", 16, 64 * GIB_MB, 500),   #  9.0 c: 0.5625;  RAM 14 GiB
    Node("ws-3", 16, 64 * GIB_MB, 500),   #  5.0 c: 0.3125;  RAM  8 GiB
    Node("ws-4", 16, 64 * GIB_MB, 500, _DISABLED),  # empty: 0.03125; RAM 2 GiB
], vms=[
    Vm("ws-a", "ws-1", 8, 16 * GIB_MB, 40, 75.0, 12 * GIB_MB),  # 6.0 c, share 0.375
    Vm("ws-b", "ws-1", 4, 16 * GIB_MB, 40, 75.0, 16 * GIB_MB),  # 3.0 c, share 0.1875
    Vm("ws-c", "ws-1", 6, 8 * GIB_MB, 40, 80.0, 1 * GIB_MB),    # 4.8 c, share 0.3
    Vm("ws-d", "ws-2", 8, 16 * GIB_MB, 40, 75.0, 8 * GIB_MB),   # 6.0 c
    Vm("ws-f", "ws-2", 4, 8 * GIB_MB, 40, 62.5, 4 * GIB_MB),    # 2.5 c
    Vm("ws-e", "ws-3", 4, 8 * GIB_MB, 40, 75.0, 4 * GIB_MB),    # 3.0 c
    Vm("ws-g", "ws-3", 2, 4 * GIB_MB, 20, 75.0, 2 * GIB_MB),    # 1.5 c
])

# workload_balance: three enabled 16-vCPU nodes (wb-2 with 16 GiB of memory, 14 of them
# allocated) and a disabled, empty one. Workloads as Watcher sums them: cores of instances.
BALANCE = Cluster("wb", nodes=[
    Node("wb-1", 16, 64 * GIB_MB, 500),   # 9.5 c: 59.375 %
    Node("wb-2", 16, 16 * GIB_MB, 500),   # 1.0 c:  6.25 %
    Node("wb-3", 16, 64 * GIB_MB, 500),   # 1.5 c:  9.375 %
    Node("wb-4", 16, 64 * GIB_MB, 500, _DISABLED),
], vms=[
    Vm("wb-p", "wb-1", 8, 8 * GIB_MB, 40, 75.0, 6 * GIB_MB),    # 6.0 c
    Vm("wb-q", "wb-1", 4, 4 * GIB_MB, 40, 50.0, 3 * GIB_MB),    # 2.0 c
    Vm("wb-r", "wb-1", 2, 4 * GIB_MB, 20, 75.0, 3 * GIB_MB),    # 1.5 c
    Vm("wb-s", "wb-2", 4, 14 * GIB_MB, 40, 25.0, 12 * GIB_MB),  # 1.0 c
    Vm("wb-t", "wb-3", 4, 4 * GIB_MB, 40, 37.5, 3 * GIB_MB),    # 1.5 c
])

# vm_workload_consolidation: three enabled 10-vCPU nodes of which Nova keeps 2 for the host
# (capacity 8 vCPUs), 32 GiB, 200 GB, and a disabled, empty one. Utilisation as Watcher sums
# it: cores, resident RAM (GiB) and flavor disk of the instances.
CONSOLIDATION = Cluster("vc", nodes=[
    Node("vc-1", 10, 32 * GIB_MB, 200, vcpu_reserved=2),  # 9.0 c: overloaded; RAM 19 GiB
    Node("vc-2", 10, 32 * GIB_MB, 200, vcpu_reserved=2),  # 3.0 c; RAM 6 GiB
    Node("vc-3", 10, 32 * GIB_MB, 200, vcpu_reserved=2),  # 2.0 c; RAM 4 GiB
    Node("vc-4", 10, 32 * GIB_MB, 200, _DISABLED, 2),
], vms=[
    Vm("vc-o1", "vc-1", 4, 12 * GIB_MB, 20, 100.0, 11 * GIB_MB),  # 4.0 c
    Vm("vc-o2", "vc-1", 4, 8 * GIB_MB, 20, 75.0, 6 * GIB_MB),     # 3.0 c
    Vm("vc-o3", "vc-1", 2, 4 * GIB_MB, 20, 100.0, 2 * GIB_MB),    # 2.0 c
    Vm("vc-m1", "vc-2", 4, 8 * GIB_MB, 20, 50.0, 4 * GIB_MB),     # 2.0 c
    Vm("vc-m2", "vc-2", 2, 4 * GIB_MB, 20, 50.0, 2 * GIB_MB),     # 1.0 c
    Vm("vc-l1", "vc-3", 2, 4 * GIB_MB, 20, 75.0, 2 * GIB_MB),     # 1.5 c
    Vm("vc-l2", "vc-3", 2, 16 * GIB_MB, 20, 25.0, 2 * GIB_MB),    # 0.5 c; 16 GiB flavor
])

CLUSTERS = (BASIC, STABILIZATION, BALANCE, CONSOLIDATION)


def hostnames():
    """Every host of the data set: the fqdn labels of its targets."""
    return [hostname(n.name) for c in CLUSTERS for n in c.nodes]


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

    lines.append("# TYPE node_cpu_seconds counter")
    for c in CLUSTERS:
        for n in c.nodes:
            idle = 1.0 - c.host_busy_cores(n.name) / n.vcpus
            assert idle >= 0, "%s: more busy cores than CPUs" % n.name
            for cpu in range(n.vcpus):
                series("node_cpu_seconds_total",
                       {"cpu": str(cpu), "fqdn": hostname(n.name), "job": "node",
                        "instance": hostname(n.name) + ":9100", "mode": "idle"},
                       lambda dt, idle=idle: 1e6 + idle * dt)
    for family in ("node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes"):
        lines.append("# TYPE %s gauge" % family)
        for c in CLUSTERS:
            for n in c.nodes:
                total = n.memory * 1024 * 1024
                value = total if family.endswith("Total_bytes") else \
                    total - c.host_ram_used_mb(n.name) * 1024 * 1024
                series(family, {"fqdn": hostname(n.name), "job": "node",
                                "instance": hostname(n.name) + ":9100"},
                       lambda dt, value=value: value)
    # ceilometer_cpu is "unknown": OpenMetrics counters' samples must end in _total.
    lines.append("# TYPE ceilometer_cpu unknown")
    for c in CLUSTERS:
        for vm in c.vms + [c.unmonitored_vm]:
            ns_per_s = vm.vcpus * vm.cpu_percent / 100.0 * 1e9
            series("ceilometer_cpu", {"project": PROJECT, "resource": vm_uuid(vm.name)},
                   lambda dt, rate=ns_per_s: 1e12 + rate * dt)
    lines.append("# TYPE ceilometer_memory_usage gauge")
    for c in CLUSTERS:
        for vm in c.vms + [c.unmonitored_vm]:
            series("ceilometer_memory_usage", {"project": PROJECT, "resource": vm_uuid(vm.name)},
                   lambda dt, mb=vm.ram_mb: mb)
    lines.append("# EOF")
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
