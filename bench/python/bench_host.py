"""The Python side of wds_bench_e2e's "python" phase.

One process that runs, in one loop and strictly interleaved, four ways of getting the same
answer from Prometheus:
  py     source.statistic_aggregation() of the watcher_ds package (what a Python host calls);
  abi    the plugin's statistic_aggregation function pointer through ctypes with structs built
         once (the C ABI from Python without the package's argument handling);
  late   the same, after busy-waiting as long as the package's own work takes (a control);
  floor  the runner's floor client (bench/e2e/FloorClient.cpp, loaded from
         libwds_bench_floor.so) sending the plugin's byte-identical GET on its own connection.
Every side is timed with perf_counter_ns around one call in the same interpreter, so each pays
the same ctypes and interpreter costs around it (the floor's ctypes call is about 1 µs).

The runner talks to it over stdin/stdout, one command line and one answer line:
    source PORT                 a watcher_ds source (and the floor) on 127.0.0.1:PORT -> ok
    calls METRIC EVAL_S N       then N lines: JSON [resource name, the captured GET]   -> ok
    call I                      call I through watcher_ds (for the request capture)    -> ok
    run COUNT                   COUNT rounds of the four sides                         -> JSON
    local K                     a no-HTTP call, K times, plain and under cProfile      -> JSON
    threads SLOW_SERVER DELAY_S CALLS COUNTS   calls/s of 1, 2, ... threads sharing a source
    quit
"""

import cProfile
import ctypes
import json
import pstats
import subprocess
import sys
import threading
import time
from ctypes import byref

import watcher_ds
from watcher_ds import _abi

PERIOD_S = 300  # as the C++ side (bench/e2e/main.cpp kPeriodS)
VCPUS = 2
BLOCK = 1000  # who goes first rotates every BLOCK rounds (see perCall() in main.cpp)


class Floor:
    def __init__(self, library, port):
        self.lib = ctypes.CDLL(library)
        self.lib.wds_floor_open.restype = ctypes.c_void_p
        self.lib.wds_floor_open.argtypes = [ctypes.c_int]
        self.lib.wds_floor_get.restype = ctypes.c_int
        self.lib.wds_floor_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        self.lib.wds_floor_close.argtypes = [ctypes.c_void_p]
        self.handle = self.lib.wds_floor_open(port)

    def close(self):
        self.lib.wds_floor_close(self.handle)


class Call:
    """One resource of one metric, with the structs of the raw ABI side built once."""

    def __init__(self, meter, eval_s, name, raw):
        host = meter.startswith("host_")
        self.resource = {"hostname": name} if host else {"uuid": name, "vcpus": VCPUS}
        self.resource_type = "compute_node" if host else "instance"
        self.meter = meter
        self.eval_s = eval_s
        self.raw = raw.encode("latin-1")
        self.c_resource = watcher_ds._convert.resource(self.resource)
        self.query = _abi.AggregationQuery(
            ctypes.sizeof(_abi.AggregationQuery), _abi.RESOURCE_TYPES[self.resource_type],
            ctypes.addressof(self.c_resource), meter.encode(), _abi.AGGREGATES["mean"], 0, PERIOD_S,
            300, eval_s * 1000, 0)
        self.query_ref = byref(self.query)


def summary(values_ns):
    values = sorted(v / 1e3 for v in values_ns)
    n = len(values)
    return {"n": n, "median_us": values[n // 2], "p99_us": values[min(n - 1, int(0.99 * n))],
            "mean_us": sum(values) / n}


def run(source, floor, calls, count):
    """COUNT rounds py / abi / floor / late on the same resource, who goes first rotating."""
    aggregate = source.statistic_aggregation
    raw = source._calls.statistic_aggregation
    handle = ctypes.c_void_p(source._handle)
    get = floor.lib.wds_floor_get
    floor_handle = floor.handle
    value_ref = byref(ctypes.c_double())
    err_ref = byref(_abi.new_error())
    clock = time.perf_counter_ns
    times = ([], [], [], [])

    def py(c):
        return aggregate(c.resource, c.resource_type, c.meter, PERIOD_S, eval_time=c.eval_s) is not None

    def abi(c):
        return raw(handle, c.query_ref, value_ref, err_ref) == _abi.OK

    def flr(c):
        return get(floor_handle, c.raw, len(c.raw)) == 200

    # The control: the bare call sent as late as the package sends it, after busy-waiting the
    # package's own cost (measured here without HTTP), to see what a later request costs the
    # server's side of the exchange.
    lateness_ns = package_cost_ns(source)

    def late(c):
        until = clock() + lateness_ns
        while clock() < until:
            pass
        return abi(c)

    sides = (py, abi, flr, late)
    for i in range(min(100, len(calls))):  # warm-up
        for side in sides:
            side(calls[i])
    for i in range(count):
        c = calls[i % len(calls)]
        first = (i // BLOCK) % len(sides)
        for k in range(len(sides)):
            which = (first + k) % len(sides)
            start = clock()
            ok = sides[which](c)
            times[which].append(clock() - start)
            if not ok:
                raise RuntimeError("%s call for %s failed" % (sides[which].__name__, c.meter))
    cpu = []
    for side in (py, abi):
        start = time.thread_time_ns()
        for i in range(max(100, count // 4)):
            side(calls[i % len(calls)])
        cpu.append((time.thread_time_ns() - start) / 1e3 / max(100, count // 4))
    return {"python": summary(times[0]), "abi": summary(times[1]), "floor": summary(times[2]),
            "abi_late": summary(times[3]), "lateness_us": lateness_ns / 1e3,
            "python_cpu_us": cpu[0], "abi_cpu_us": cpu[1]}


def package_cost_ns(source, count=20000):
    """What the package adds to a call, in a tight loop against the no-HTTP path."""
    local = {"uuid": "00000000-0000-4000-8000-000000000000", "vcpus": 2, "memory": 2048}
    c_resource = watcher_ds._convert.resource(local)  # referenced: the query holds its address
    query = _abi.AggregationQuery(
        ctypes.sizeof(_abi.AggregationQuery), _abi.RESOURCE_TYPES["instance"],
        ctypes.addressof(c_resource), b"instance_ram_allocated", _abi.AGGREGATES["mean"], 0,
        PERIOD_S, 300, 0, 0)
    raw, handle = source._calls.statistic_aggregation, ctypes.c_void_p(source._handle)
    refs = (byref(query), byref(ctypes.c_double()), byref(_abi.new_error()))
    best = []
    for call in (lambda: source.statistic_aggregation(local, "instance", "instance_ram_allocated"),
                 lambda: raw(handle, *refs)):
        call()
        start = time.perf_counter_ns()
        for _ in range(count):
            call()
        best.append((time.perf_counter_ns() - start) / count)
    return max(0.0, best[0] - best[1])


def local_cost(source, count):
    """The package's own cost per call: a metric the plugin answers from the flavor, no HTTP,
    through watcher_ds and through the bare function pointer."""
    instance = {"uuid": "00000000-0000-4000-8000-000000000000", "vcpus": 2, "memory": 2048}
    c_resource = watcher_ds._convert.resource(instance)
    query = _abi.AggregationQuery(
        ctypes.sizeof(_abi.AggregationQuery), _abi.RESOURCE_TYPES["instance"],
        ctypes.addressof(c_resource), b"instance_ram_allocated", _abi.AGGREGATES["mean"], 0,
        PERIOD_S, 300, 0, 0)
    raw, handle = source._calls.statistic_aggregation, source._handle
    value, err = ctypes.c_double(), _abi.new_error()

    def package():
        for _ in range(count):
            source.get_instance_ram_allocated(instance)

    def bare():
        for _ in range(count):
            raw(handle, byref(query), byref(value), byref(err))

    result = {}
    for name, loop in (("ns_per_call", package), ("abi_ns_per_call", bare)):
        loop()
        start = time.perf_counter_ns()
        loop()
        result[name] = (time.perf_counter_ns() - start) / count
    profile = cProfile.Profile()
    profile.runcall(package)
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in pstats.Stats(profile).stats.items():
        if calls < count:
            continue  # the once-per-run frames
        where = "%s:%s" % (filename.rsplit("/", 1)[-1], function) if line else function
        rows.append({"function": where, "calls_per_call": round(calls / count, 2),
                     "own_us": own * 1e6 / count, "cumulative_us": cumulative * 1e6 / count})
    rows.sort(key=lambda r: r["own_us"], reverse=True)
    result["profile"] = rows[:12]
    return result


def thread_scaling(plugin, slow_server, delay_s, calls, counts):
    """N threads sharing one source against a server that takes delay_s per answer."""
    server = subprocess.Popen([sys.executable, slow_server, "--delay", str(delay_s)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        rates = {}
        with plugin.create({"prometheus_client.host": "127.0.0.1",
                            "prometheus_client.port": port}) as source:
            node = {"hostname": "compute-1.example.org"}
            source.get_host_cpu_usage(node, eval_time=1700000000)
            for count in counts:
                def worker():
                    for _ in range(calls):
                        source.get_host_cpu_usage(node, eval_time=1700000000)

                threads = [threading.Thread(target=worker) for _ in range(count)]
                start = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                rates[count] = count * calls / (time.perf_counter() - start)
        return {"delay_s": delay_s, "calls_per_thread": calls, "calls_per_s": rates}
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def main():
    plugin_path, floor_library = sys.argv[1], sys.argv[2]
    plugin = watcher_ds.load_plugin(path=plugin_path)
    source = floor = None
    calls = []
    for line in sys.stdin:
        words = line.split()
        command = words[0]
        if command == "source":
            for live in (source, floor):
                if live is not None:
                    live.close()
            port = int(words[1])
            source = plugin.create({"prometheus_client.host": "127.0.0.1",
                                    "prometheus_client.port": port})
            floor = Floor(floor_library, port)
            answer = "ok"
        elif command == "calls":
            meter, eval_s, count = words[1], int(words[2]), int(words[3])
            calls = [Call(meter, eval_s, *json.loads(sys.stdin.readline())) for _ in range(count)]
            answer = "ok"
        elif command == "call":
            c = calls[int(words[1])]
            value = source.statistic_aggregation(c.resource, c.resource_type, c.meter, PERIOD_S,
                                                 eval_time=c.eval_s)
            answer = "ok" if value is not None else "error no data"
        elif command == "run":
            answer = json.dumps(run(source, floor, calls, int(words[1])))
        elif command == "local":
            answer = json.dumps(local_cost(source, int(words[1])))
        elif command == "threads":
            answer = json.dumps(thread_scaling(plugin, words[1], float(words[2]), int(words[3]),
                                               [int(n) for n in words[4].split(",")]))
        elif command == "quit":
            break
        else:
            answer = "error unknown command " + command
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
    for live in (source, floor):
        if live is not None:
            live.close()


if __name__ == "__main__":
    main()
