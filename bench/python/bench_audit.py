"""The Python side of wds_bench_e2e's "audit" phase: one Watcher audit as workload_stabilization
makes it, through the drop-in (watcher_ds.watcher), on Debian's Watcher.

The datasource is a real watcher_ds.watcher.PrometheusHelper built from a watcher.conf that
oslo.config parses into Watcher's own CONF (the drop-in enabled first, as
watcher-ds-decision-engine does). Resources are Watcher's model elements (ComputeNode,
Instance). The calls are the strategy's (watcher/decision_engine/strategy/strategies/
workload_stabilization.py: get_hosts_load, get_instance_load), with the periods, aggregate and
granularity read from its schema's defaults and both of its metrics (instance_cpu_usage and
instance_ram_usage, so the four datasource metrics, host_cpu_usage and host_ram_usage through
its instance_metrics map):

    statistic_aggregation(node, 'compute_node', host meter, periods['compute_node'],
                          aggregation_method['compute_node'], granularity)   every node, metric
    statistic_aggregation(instance, 'instance', meter, periods['instance'],
                          aggregation_method['instance'], granularity)       every instance, metric

The runner talks to it over stdin/stdout, one command line and one answer line:
    cluster N M     then N lines (host names) and M lines (instance uuids): the model -> JSON
    helper PATH     CONF parsed from the watcher.conf at PATH, and a helper built from it (the
                    previous one closed), pinned at EVAL_S                            -> JSON
    audit [STRIDE]  the audit's calls on the current helper, timed; with STRIDE, only every
                    STRIDE-th node and instance (a sample, for the scale phase)      -> JSON
    profile K       the audit's calls on the current helper under cProfile: the K functions
                    with the most own time                                           -> JSON
    rss [trim]      this process's VmRSS and VmHWM (trim: after gc and malloc_trim)  -> JSON
    quit
Started as: bench_audit.py EVAL_S (the data set's end, Unix seconds).
"""

import array
import cProfile
import ctypes
import gc
import hashlib
import json
import pstats
import sys
import time

# The drop-in before anything imports watcher.conf: it adds its names to the datasources'
# choices, which watcher.conf fixes when it is first imported.
from watcher_ds import watcher as watcher_ds_watcher

watcher_ds_watcher.enable()

from oslo_config import cfg  # noqa: E402
from watcher.decision_engine.model import element  # noqa: E402
from watcher.decision_engine.strategy.strategies import workload_stabilization  # noqa: E402

CONF = cfg.CONF

# Flavors of a real cloud: mostly small, a few large (1: 25 %, 2: 37.5 %, 4: 25 %, 8: 12.5 %).
VCPUS = (1, 2, 4, 2, 8, 1, 2, 4)


def strategy_parameters():
    """What workload_stabilization asks the datasource with, from its own schema."""
    schema = workload_stabilization.WorkloadStabilization.get_schema()["properties"]
    return {
        "metrics": list(schema["metrics"]["items"]["enum"]),  # the default has only CPU
        "instance_metrics": dict(schema["instance_metrics"]["default"]),
        "periods": dict(schema["periods"]["default"]),
        "aggregation_method": dict(schema["aggregation_method"]["default"]),
        "granularity": schema["granularity"]["default"],
        "datasource_metrics": list(workload_stabilization.WorkloadStabilization.DATASOURCE_METRICS),
    }


def node_uuid(i):
    return "%08x-1111-4000-8000-%012x" % (0x20000000 + i, i * 104729)


class Cluster:
    """The compute model's nodes and instances, instance i on node i % N; the instances in the
    order the strategy visits them (node by node)."""

    def __init__(self, hostnames, uuids):
        self.nodes = [
            element.ComputeNode(
                uuid=node_uuid(i), hostname=name, memory=256 * 1024, memory_mb_reserved=0,
                memory_ratio=1.0, disk=4000, disk_gb_reserved=0, disk_ratio=1.0, vcpus=64,
                vcpu_reserved=0, vcpu_ratio=1.0, disabled_reason=None,
                state=element.ServiceState.ONLINE.value,
                status=element.ServiceState.ENABLED.value)
            for i, name in enumerate(hostnames)]
        by_node = [[] for _ in self.nodes]
        for i, uuid in enumerate(uuids):
            vcpus = VCPUS[i % len(VCPUS)]
            by_node[i % len(self.nodes)].append(element.Instance(
                uuid=uuid, name="vm-%d" % i, memory=2048 * vcpus, disk=20 * vcpus, vcpus=vcpus,
                metadata={}, project_id="%08x-2222-4000-8000-000000000000" % (i % 10),
                state=element.InstanceState.ACTIVE.value))
        self.instances = [vm for vms in by_node for vm in vms]

    def vcpu_mix(self):
        mix = {}
        for vm in self.instances:
            mix[vm.vcpus] = mix.get(vm.vcpus, 0) + 1
        return {str(k): v for k, v in sorted(mix.items())}


def audit(helper, cluster, p, stride=1):
    """Every call of the audit (of every stride-th node and instance), each timed alone; the
    values in call order."""
    nodes, instances = cluster.nodes[::stride], cluster.instances[::stride]
    metrics = p["metrics"]
    host_meters = [p["instance_metrics"][m] for m in metrics]
    periods, aggregates = p["periods"], p["aggregation_method"]
    node_period, node_aggregate = periods["compute_node"], aggregates["compute_node"]
    vm_period, vm_aggregate = periods["instance"], aggregates["instance"]
    granularity = p["granularity"]
    aggregation = helper.statistic_aggregation
    clock = time.perf_counter_ns
    calls = len(nodes) * len(host_meters) + len(instances) * len(metrics)
    times = [0] * calls
    values = [None] * calls
    k = 0
    gc.collect()
    cpu_start = time.process_time_ns()
    start = clock()
    for node in nodes:
        for meter in host_meters:
            t = clock()
            values[k] = aggregation(node, "compute_node", meter, node_period, node_aggregate,
                                    granularity)
            times[k] = clock() - t
            k += 1
    for vm in instances:
        for meter in metrics:
            t = clock()
            values[k] = aggregation(vm, "instance", meter, vm_period, vm_aggregate, granularity)
            times[k] = clock() - t
            k += 1
    wall_ns = clock() - start
    cpu_ns = time.process_time_ns() - cpu_start

    none = sum(1 for v in values if v is None)
    packed = array.array("d", (float("nan") if v is None else v for v in values))
    result = {"calls": calls, "wall_ms": wall_ns / 1e6, "cpu_ms": cpu_ns / 1e6, "none": none,
              "digest": hashlib.sha256(packed.tobytes()).hexdigest()}
    if stride > 1:  # a sample: the values themselves, for a comparison call by call
        result["values"] = values
    ordered = sorted(times)
    result["median_call_us"] = ordered[calls // 2] / 1e3
    prefetch = getattr(helper, "_prefetch", None)
    if prefetch is not None:
        stats = prefetch.stats
        result["stats"] = {name: getattr(stats, name) for name in stats.__slots__}
        # A batch (and the inventory it needs) is fetched inside one call: the longest ones.
        fetching = ordered[calls - stats.batches:] if stats.batches else []
        result["fetch_ms"] = sum(fetching) / 1e6
        rest = ordered[:calls - stats.batches]
        result["lookup_median_us"] = rest[len(rest) // 2] / 1e3 if rest else 0
        result["lookup_total_ms"] = sum(rest) / 1e6
    return result


def profile(helper, cluster, p, count):
    """One audit under cProfile (its overhead inflates every row): where the client's time goes."""
    profiler = cProfile.Profile()
    result = profiler.runcall(audit, helper, cluster, p)
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in \
            pstats.Stats(profiler).stats.items():
        if (function == "audit" and filename == __file__) or "gc.collect" in function:
            continue  # the loop itself, and the collection before its timed part
        where = "%s:%s" % (filename.rsplit("/", 1)[-1], function) if line else function
        rows.append({"function": where, "calls": calls, "own_ms": own * 1e3,
                     "cumulative_ms": cumulative * 1e3})
    rows.sort(key=lambda r: r["own_ms"], reverse=True)
    return {"wall_ms": result["wall_ms"], "functions": rows[:count]}


def rss(trim):
    """VmRSS and VmHWM; with `trim`, after a collection and glibc's malloc_trim(0), which hands
    the freed memory malloc keeps back to the system: what is live."""
    if trim:
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    found = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line[2:5].lower() + "_kib"] = int(line.split()[1])
    return found


def read_lines(count):
    return [sys.stdin.readline().strip() for _ in range(count)]


def main():
    eval_s = int(sys.argv[1])
    params = strategy_parameters()
    cluster = helper = None
    for line in sys.stdin:
        words = line.split()
        command = words[0]
        if command == "cluster":
            hosts, instances = int(words[1]), int(words[2])
            cluster = Cluster(read_lines(hosts), read_lines(instances))
            answer = json.dumps({"nodes": len(cluster.nodes),
                                 "instances": len(cluster.instances),
                                 "vcpus": cluster.vcpu_mix(), "parameters": params})
        elif command == "helper":
            if helper is not None:
                helper.close()
                helper = None
            gc.collect()
            CONF(["--config-file", words[1]], project="watcher", default_config_files=[])
            start = time.perf_counter_ns()
            helper = watcher_ds_watcher.PrometheusHelper(evaluation_time=eval_s)
            answer = json.dumps({"create_ms": (time.perf_counter_ns() - start) / 1e6,
                                 "prefetch": CONF.watcher_ds.prefetch})
        elif command == "audit":
            stride = int(words[1]) if len(words) > 1 else 1
            answer = json.dumps(audit(helper, cluster, params, stride))
        elif command == "profile":
            answer = json.dumps(profile(helper, cluster, params, int(words[1])))
        elif command == "rss":
            answer = json.dumps(rss(words[1:] == ["trim"]))
        elif command == "quit":
            break
        else:
            answer = "error unknown command " + command
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
    if helper is not None:
        helper.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the runner reads one answer line: make it the error
        sys.stdout.write("error %s: %s\n" % (type(e).__name__, e))
        sys.stdout.flush()
        raise
