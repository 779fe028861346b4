#include "Report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace wdsbench {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string fmt(double value, int decimals = 2) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string thousands(double value) {
    std::string digits = std::to_string(static_cast<long long>(std::llround(value)));
    for (int i = static_cast<int>(digits.size()) - 3; i > (digits[0] == '-' ? 1 : 0); i -= 3)
        digits.insert(static_cast<size_t>(i), ",");
    return digits;
}

std::string sci(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1e", value);
    return buf;
}

std::string mib(long kib) {
    return fmt(static_cast<double>(kib) / 1024.0, 1);
}

std::string yesNo(bool holds) {
    return holds ? "**yes**" : "**NO**";
}

Object::Ptr object() {
    return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Object::Ptr summaryJson(const Summary& s) {
    Object::Ptr o = object();
    o->set("n", s.n);
    o->set("median_us", s.medianUs);
    o->set("p99_us", s.p99Us);
    o->set("mean_us", s.meanUs);
    o->set("calls_per_s", s.callsPerS);
    return o;
}

double ratio(double a, double b) {
    return b > 0 ? a / b : 0;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

/** "/api/v1/query: 7, /api/v1/label/:name/values: 2" */
std::string handlers(const std::map<std::string, long>& counts) {
    std::string text;
    for (const auto& [handler, count] : counts)
        text += (text.empty() ? "" : ", ") + ("`" + handler + "` ") + thousands(count);
    return text.empty() ? "none" : text;
}

constexpr double kAuditTarget = 12;  // the issue's: >= 12x less datasource time with prefetch

/** The row of `threads` threads, not pinned; nullptr if there is none. */
const ConcurrencyRow* rowOf(const std::vector<ConcurrencyRow>& rows, int threads) {
    for (const ConcurrencyRow& row : rows) {
        if (row.threads == threads && !row.oneCore)
            return &row;
    }
    return nullptr;
}

/** What 2 threads are compared with: 1 thread on one core when measured, else 1 thread. */
const ConcurrencyRow* baseRow(const std::vector<ConcurrencyRow>& rows) {
    if (rowOf(rows, 2) == nullptr || rows.empty())
        return nullptr;
    return rows.front().oneCore ? &rows.front() : rowOf(rows, 1);
}

// The figures the targets are judged on, computed once for JSON and Markdown alike.
struct Verdicts {
    const PerCallRow* worstMedian = nullptr;
    const PerCallRow* worstP99 = nullptr;
    double medianRatio = 0, p99Ratio = 0;
    const StartupRow* largest = nullptr;
    double createExcessMs = 0;
    double plugin2x = 0, floor2x = 0, local2x = 0, cores2 = 0, floorCores2 = 0;
    long growthKiB = 0;
    bool memoryMeasured = false;
    // Batch: the speed-up at the largest N (hosts) and M = 10 x N (instances).
    const BatchRow* batchHosts = nullptr;
    const BatchRow* batchInstances = nullptr;
    size_t batchCompared = 0;
    // Python: the worst median of watcher_ds over the floor's.
    const PythonRow* worstPython = nullptr;
    double pythonRatio = 0;
    // Scale: the smallest speed-up of a batch (or the prefetched audit) over the calls it
    // replaces; values disagreeing beyond the tolerance already failed the run.
    double scaleSlowest = 0;

    bool batchHolds() const {
        return batchHosts != nullptr && batchInstances != nullptr && speedup(*batchHosts) >= 50 &&
               speedup(*batchInstances) >= 50;
    }
    static double speedup(const BatchRow& row) { return ratio(row.perCallMs, row.batchMs); }

    explicit Verdicts(const Results& r) {
        for (const PythonRow& row : r.python.rows) {
            const double ratioOfRow = ratio(row.python.medianUs, row.floor.medianUs);
            if (worstPython == nullptr || ratioOfRow > pythonRatio) {
                worstPython = &row;
                pythonRatio = ratioOfRow;
            }
        }
        for (const BatchRow& row : r.batch.rows) {
            const BatchRow*& largest = row.metric == "host_cpu_usage" ? batchHosts : batchInstances;
            if (largest == nullptr || row.resources > largest->resources)
                largest = &row;
            batchCompared += row.compared;
        }
        for (const PerCallRow& row : r.perCall) {
            if (ratio(row.plugin.medianUs, row.floor.medianUs) >= medianRatio) {
                medianRatio = ratio(row.plugin.medianUs, row.floor.medianUs);
                worstMedian = &row;
            }
            if (ratio(row.plugin.p99Us, row.floor.p99Us) >= p99Ratio) {
                p99Ratio = ratio(row.plugin.p99Us, row.floor.p99Us);
                worstP99 = &row;
            }
        }
        for (const StartupRow& row : r.startup) {
            if (largest == nullptr || row.targets > largest->targets)
                largest = &row;
        }
        if (largest != nullptr)
            createExcessMs = largest->createMs - largest->floorMs;
        // Judged where the server is not the bottleneck: against the stub.
        if (const ConcurrencyRow* one = baseRow(r.concurrencyStub)) {
            const ConcurrencyRow* two = rowOf(r.concurrencyStub, 2);
            plugin2x = ratio(two->plugin.perS, one->plugin.perS);
            floor2x = ratio(two->floor.perS, one->floor.perS);
            local2x = ratio(two->localPerS, one->localPerS);
            cores2 = two->plugin.processCores;
            floorCores2 = two->floor.processCores;
        }
        memoryMeasured = r.memory.rssKiB.size() >= 2;
        if (memoryMeasured)
            growthKiB = r.memory.rssKiB.back().second - r.memory.at(1000);
        std::vector<double> scaleSpeedups;
        for (const ScaleRow& row : r.scale.rows)
            scaleSpeedups.push_back(ratio(row.extrapolatedMs(), row.batchMs));
        if (r.scale.python.ran)
            scaleSpeedups.push_back(ratio(r.scale.python.offExtrapolatedMs(), r.scale.python.onMs));
        if (!scaleSpeedups.empty())
            scaleSlowest = *std::min_element(scaleSpeedups.begin(), scaleSpeedups.end());
    }
};

double stage(const ProfileResult& p, const std::string& labelPrefix) {
    for (const ProfileFunction& f : p.stages) {
        if (f.name.rfind(labelPrefix, 0) == 0)
            return f.irPerCall;
    }
    return 0;
}

double microNs(const Results& r, const std::string& name) {
    for (const MicroRow& row : r.micro) {
        if (row.name == name)
            return row.ns;
    }
    return 0;
}

/** The closing section: the measurements above, put side by side. */
void writeSummary(std::ostringstream& md, const Results& r) {
    md << "\n## Where the time goes\n\n";
    if (!r.perCall.empty()) {
        double overUs = 0, cpuOverUs = 0;
        for (const PerCallRow& row : r.perCall) {
            overUs += row.plugin.medianUs - row.floor.medianUs;
            cpuOverUs += row.pluginCpuUs - row.floorCpuUs;
        }
        const double n = static_cast<double>(r.perCall.size());
        md << "- **Per call**, the plugin's median is " << fmt(overUs / n, 1)
           << " µs above the floor's (mean over the four metrics), and the calling thread "
              "spends "
           << fmt(cpuOverUs / n, 1) << " µs more CPU per call"
           << (cpuOverUs >= 0.7 * overUs ? ": the extra latency is mostly client CPU." : ".");
        const ProfileResult& p = r.profile;
        if (p.ran && p.pluginIrPerCall > 0) {
            const auto share = [&](const char* label) {
                return fmt(100 * stage(p, label) / p.pluginIrPerCall, 0) + " %";
            };
            md << " Of the plugin's " << thousands(p.pluginIrPerCall)
               << " instructions per call (floor: " << thousands(p.floorIrPerCall)
               << "): the HTTP exchange " << share("PocoHttpTransport::send")
               << " (formatting the request " << share("format the request")
               << ", parsing the response " << share("parse the response")
               << ", the connection pool " << share("connection pool")
               << "), JSON decoding of the ~150-byte answer " << share("JSON decode")
               << ", the query (quoting the label value into its template) " << share("PromQL")
               << ", URL encoding " << share("URL percent") << "; malloc/free across all of it "
               << share("malloc/free")
               << ". The plugin makes the floor's socket calls (one send, one blocking recv on a "
                  "kept-alive connection); what it adds is user-space work, and it runs after "
                  "every wake-up on caches that Prometheus, sharing the two cores, has just used.";
        }
        double floorMedianUs = 0, floorTail = 0;
        for (const PerCallRow& row : r.perCall) {
            floorMedianUs += row.floor.medianUs / n;
            floorTail += ratio(row.floor.p99Us, row.floor.medianUs) / n;
        }
        md << " Here 1 % of a call is " << fmt(floorMedianUs / 100, 1)
           << " µs, so the 1.05 target leaves " << fmt(floorMedianUs / 20, 1)
           << " µs for all client-side work. The floor's own p99 is ×" << fmt(floorTail, 1)
           << " its median: the tail is scheduling on a shared machine (one preemption of the "
              "client or of Prometheus costs more than the whole client-side work), so p99 "
              "ratios move by tenths from run to run while the medians move by hundredths.";
        md << "\n";
    }
    const Verdicts v(r);
    for (const BatchRow* row : {v.batchHosts, v.batchInstances}) {
        if (row == nullptr)
            continue;
        md << "- **Batch**, " << row->metric << " of " << thousands(row->resources)
           << " resources: " << thousands(row->perCallQueries) << " calls take "
           << fmt(row->perCallMs, 0) << " ms ("
           << fmt(1000 * row->perCallMs / row->perCallQueries, 0) << " µs each), one batch "
           << fmt(row->batchMs, 1) << " ms while the server alone takes " << fmt(row->floorMs, 1)
           << " ms for its query (" << fmt(row->bodyBytes / 1e6, 2)
           << " MB answer): the speed-up is ×" << fmt(Verdicts::speedup(*row), 1)
           << ", and a batch that cost nothing on the client would reach ×"
           << fmt(ratio(row->perCallMs, row->floorMs), 1)
           << " (per-call / floor). The plugin's own CPU for the batch is "
           << fmt(row->batchCpuMs, 1)
           << " ms. Prometheus's own account (stats=all): " << fmt(row->serverEvalMs, 1)
           << " ms evaluating the query, reading "
           << thousands(static_cast<double>(row->serverSamples)) << " samples ("
           << fmt(1000 * row->serverEvalMs / static_cast<double>(row->serverSamples), 2)
           << " µs each)"
           << (row->serverEvalMs * 50 > row->perCallMs
                   ? ": evaluation alone takes more than 1/50 of the per-call loop, so no client "
                     "can reach ×50 against this server.\n"
                   : ".\n");
    }
    std::string slower;
    for (const BatchRow& row : r.batch.rows) {
        if (!row.regex && Verdicts::speedup(row) < 2) {
            slower += (slower.empty() ? "" : ", ") + row.metric + " × " + thousands(row.resources) +
                      " (×" + fmt(Verdicts::speedup(row), 1) + ")";
        }
    }
    if (!slower.empty()) {
        md << "- **Batch, few resources of many**: where the names' regex is longer than the "
              "plugin's matcher limit, the one query covers every resource of the data set and "
              "the batch gains little or loses: "
           << slower << ".\n";
    }
    if (r.audit.ran) {
        const AuditSection& a = r.audit;
        const double onMs = a.on.wallMedianMs(), ceilingMs = a.ceilingMedianMs();
        md << "- **Audit** (" << thousands(a.hosts) << " hosts, " << thousands(a.instances)
           << " instances, " << thousands(static_cast<double>(a.calls))
           << " calls through the Watcher drop-in): without prefetch every call is a request ("
           << thousands(a.off.requests()) << " in all, " << fmt(a.off.medianCallUs, 0)
           << " µs median) and the audit takes " << fmt(a.off.wallMedianMs() / 1000, 2)
           << " s; with prefetch " << thousands(a.on.requests()) << " requests and " << fmt(onMs, 0)
           << " ms (×" << fmt(a.speedup(), 1) << "): " << fmt(a.fetchMs, 0) << " ms in the "
           << a.batches << " calls that fetch, " << fmt(a.lookupTotalMs, 0) << " ms for the "
           << thousands(static_cast<double>(a.calls - a.batches))
           << " lookups. The same GETs sent by a client costing nothing take " << fmt(ceilingMs, 0)
           << " ms (Prometheus evaluating the queries: " << fmt(a.serverEvalMs, 0) << " ms), ";
        if (onMs > ceilingMs) {
            md << "so " << fmt(onMs - ceilingMs, 0)
               << " ms of the prefetched audit are client side (decoding the answers, the Python "
                  "objects of the batches, the lookups), and ×"
               << fmt(ratio(a.off.wallMedianMs(), ceilingMs), 1)
               << " is the most this request plan allows.";
        } else {
            // The replays and the audit's own fetches are separate runs of the same queries.
            md << "no less than the whole prefetched audit: its client side is within the "
                  "server's run-to-run spread of those queries.";
        }
        // GETs the prefetch sends more than once: what the ceiling would be without the repeats.
        double repeatedMs = 0;
        for (const AuditRequest& request : a.requests) {
            if (request.sent < 2)
                continue;
            repeatedMs += (request.sent - 1) * request.ms;
            md << " The prefetch sends one GET " << request.sent << " times per audit ("
               << fmt(request.ms, 0) << " ms each, raw)"
               << (request.what.find("ceilometer_cpu") != std::string::npos
                       ? ": its instance_cpu_usage batches, one per vCPU count, ask the same "
                         "PromQL, since the plugin scales each value by the instance's vCPUs "
                         "on the client side"
                       : "")
               << ".";
        }
        if (repeatedMs > 0) {
            md << " Sent once, the ceiling would be " << fmt(ceilingMs - repeatedMs, 0) << " ms, ×"
               << fmt(ratio(a.off.wallMedianMs(), ceilingMs - repeatedMs), 1)
               << " the audit without prefetch.";
        }
        if (!a.memory.empty()) {
            const AuditMemory& m = a.memory.back();
            md << " The prefetched values of " << thousands(m.hosts) << " hosts and "
               << thousands(m.instances) << " instances hold " << mib(m.auditKiB - m.createdKiB)
               << " MiB of RSS (" << thousands(static_cast<double>(m.perThousandKiB()))
               << " KiB per 1,000 resources).";
        }
        md << "\n";
    }
    if (!r.startup.empty()) {
        const StartupRow& big =
            *std::max_element(r.startup.begin(), r.startup.end(),
                              [](const auto& a, const auto& b) { return a.targets < b.targets; });
        md << "- **Start-up** with " << thousands(big.targets) << " targets: create takes "
           << fmt(big.createMs, 1) << " ms against " << fmt(big.floorMs, 1)
           << " ms for the server to produce the "
           << fmt(static_cast<double>(big.bodyBytes) / 1e6, 1) << " MB answer.";
        if (microNs(r, "BM_DecodeTargets/10000") > 0) {
            md << " Decoding a 10,000-target answer takes "
               << fmt(microNs(r, "BM_DecodeTargets/10000") / 1e6, 1)
               << " ms in the micro-benchmark, building the label maps from the values "
               << fmt(microNs(r, "BM_LabelMapFromValues/10000") / 1e6, 1) << " ms.";
        }
        md << " RSS grows by " << mib(big.rssAfterCreateKiB - big.rssBeforeKiB)
           << " MiB while the source keeps " << fmt(static_cast<double>(big.heapHeldKiB) / 1024, 1)
           << " MiB: the rest is freed parsing memory that malloc keeps.\n";
    }
    if (const ConcurrencyRow* base = baseRow(r.concurrencyStub)) {
        const ConcurrencyRow& one = *base;
        const ConcurrencyRow& two = *rowOf(r.concurrencyStub, 2);
        // The same work per call costing more CPU when threads run side by side means shared
        // state: futex round trips on contended locks, cache lines bouncing between cores.
        const double pluginGrowth = ratio(two.plugin.cpuUsPerCall, one.plugin.cpuUsPerCall) - 1;
        const double floorGrowth = ratio(two.floor.cpuUsPerCall, one.floor.cpuUsPerCall) - 1;
        md << "- **Threads**: against the stub, from 1 thread"
           << (one.oneCore ? " on one core" : "") << " to 2 threads the plugin's calls/s grow ×"
           << fmt(ratio(two.plugin.perS, one.plugin.perS)) << " (floor ×"
           << fmt(ratio(two.floor.perS, one.floor.perS)) << ") and its CPU per call by "
           << fmt(100 * pluginGrowth, 0) << " % (floor: " << fmt(100 * floorGrowth, 0)
           << " %); process cores " << fmt(two.plugin.processCores) << " vs "
           << fmt(two.floor.processCores) << ". "
           << (pluginGrowth > floorGrowth + 0.15
                   ? "The same work costing more CPU per call once threads overlap points at "
                     "shared state on the call path (contended locks, bouncing cache lines)."
                   : "No cost of sharing visible.")
           << "\n";
    }
}

void writePython(std::ostringstream& md, const PythonSection& p) {
    md << "\n## 1b. Python: statistic_aggregation through `watcher_ds` vs the floor\n\n"
       << "`bench/python/bench_host.py` on " << p.interpreter
       << " runs three sides in one loop, in one process: **Python**, the `watcher_ds` call a "
          "Python host makes (argument checks, structs, the call, the result); **C ABI**, the "
          "plugin's function pointer called through ctypes with structs built once; and the "
          "**floor**, the client above (`FloorClient.cpp`, loaded from `libwds_bench_floor.so` "
          "with ctypes, about 1 µs of the floor's time) sending the byte-identical GET. Each "
          "resource is asked by the three back to back, who goes first rotating every 1,000 "
          "resources, each call timed alone (`perf_counter_ns`). The Python host's requests are "
          "the floor's, byte for byte: "
       << (p.requestsIdentical ? "checked" : "**NOT** equal") << " on " << p.requestsCompared
       << " requests captured from it.\n\n"
       << "| metric | median µs Python / C ABI / floor | Python ÷ floor | Python − C ABI µs | "
          "C ABI sent late − C ABI µs (late by) | p99 µs Python / floor | ratio | CPU µs/call "
          "Python / C ABI |\n"
       << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    double gapUs = 0, lateUs = 0, abiRatio = 0;
    for (const PythonRow& row : p.rows) {
        gapUs += (row.python.medianUs - row.plugin.medianUs) / static_cast<double>(p.rows.size());
        lateUs +=
            (row.pluginLate.medianUs - row.plugin.medianUs) / static_cast<double>(p.rows.size());
        abiRatio = std::max(abiRatio, ratio(row.plugin.medianUs, row.floor.medianUs));
        md << "| " << row.metric << " | " << fmt(row.python.medianUs, 1) << " / "
           << fmt(row.plugin.medianUs, 1) << " / " << fmt(row.floor.medianUs, 1) << " | "
           << fmt(ratio(row.python.medianUs, row.floor.medianUs), 3) << " | "
           << fmt(row.python.medianUs - row.plugin.medianUs, 1) << " | "
           << fmt(row.pluginLate.medianUs - row.plugin.medianUs, 1) << " ("
           << fmt(row.latenessUs, 2) << ") | " << fmt(row.python.p99Us, 1) << " / "
           << fmt(row.floor.p99Us, 1) << " | " << fmt(ratio(row.python.p99Us, row.floor.p99Us), 3)
           << " | " << fmt(row.pythonCpuUs, 1) << " / " << fmt(row.pluginCpuUs, 1) << " |\n";
    }
    md << "\n**Where the remaining cost goes.** The C ABI side's median is at most ×"
       << fmt(abiRatio, 3) << " the floor's, so what Python adds is the package: " << fmt(gapUs, 1)
       << " µs of median per call in this loop (mean over the metrics; the CPU columns come from "
          "separate loops and move by more than that between runs). In a tight loop without HTTP "
          "(`instance_ram_allocated`, answered from the flavor) the same call costs "
       << fmt(p.localPythonNs / 1e3, 2) << " µs through `watcher_ds` and "
       << fmt(p.localPluginNs / 1e3, 2)
       << " µs through the bare function pointer: the package's own work is "
       << fmt((p.localPythonNs - p.localPluginNs) / 1e3, 2)
       << " µs there. The control column sends the bare call that much later (busy-waiting "
          "first): that alone costs "
       << fmt(lateUs, 1) << " µs of median on average. So "
       << (lateUs >= gapUs ? std::string("the whole gap is the request leaving later")
                           : "of the gap " + fmt(lateUs, 1) +
                                 " µs is the request leaving later, and the rest the package's "
                                 "code running between network calls on cold caches, where it "
                                 "costs several times its tight-loop time")
       << ": Prometheus answers a request that follows a pause, however short, more slowly than "
          "one sent at once (the per-call path builds no ctypes object to keep that pause "
          "short: docs/PYTHON.md). cProfile of the no-HTTP call (its overhead inflates every row "
          "alike; own = time in the function itself):\n\n"
       << "| function | calls per call | own µs | cumulative µs |\n|---|---:|---:|---:|\n";
    for (const PythonProfileRow& row : p.profile) {
        md << "| `" << row.function << "` | " << fmt(row.callsPerCall, 1) << " | "
           << fmt(row.ownUs, 2) << " | " << fmt(row.cumulativeUs, 2) << " |\n";
    }
    if (!p.threads.empty()) {
        const double one = p.threads.front().second;
        md << "\n**Threads.** One source shared by N Python threads against a server that "
              "answers every query after "
           << fmt(p.slowServerDelayS * 1000, 0) << " ms (`tests/python/slow_prometheus.py`), "
           << p.callsPerThread << " calls per thread: the calls run without the GIL.\n\n"
           << "| threads | calls/s | × one thread |\n|---:|---:|---:|\n";
        for (const auto& [n, perS] : p.threads)
            md << "| " << n << " | " << fmt(perS, 1) << " | ×" << fmt(ratio(perS, one)) << " |\n";
    }
}

void writeAudit(std::ostringstream& md, const AuditSection& a) {
    const double onMs = a.on.wallMedianMs(), offMs = a.off.wallMedianMs();
    const double ceilingMs = a.ceilingMedianMs();
    md << "\n## 2b. A Watcher audit through the drop-in: prefetch on vs off\n\n"
       << "`bench/python/bench_audit.py` on " << a.interpreter
       << " makes the datasource calls of one workload_stabilization audit (Debian's Watcher: "
          "`get_hosts_load` and `get_instance_load` of "
          "`watcher/decision_engine/strategy/strategies/workload_stabilization.py`) through the "
          "drop-in: a `watcher_ds.watcher.PrometheusHelper` built from a watcher.conf that "
          "oslo.config parses into Watcher's CONF, Watcher's own `ComputeNode` / `Instance` model "
          "elements as the resources, every resource once per metric, as the strategy calls it: "
          "`statistic_aggregation(resource, resource_type, meter, period, aggregate, "
          "granularity)`, positionally. Parameters from the strategy's schema: "
       << a.parameters << ". " << thousands(a.hosts) << " hosts and " << thousands(a.instances)
       << " instances (" << a.vcpuMix << "), " << thousands(static_cast<double>(a.calls))
       << " calls per audit, every one pinned at the data set's end (`evaluation_time`). A "
          "Prometheus of its own (written, backfilled and started in "
       << fmt(a.setupS, 0) << " s): " << a.dataset << ".\n\n"
       << "Each round: a new helper per audit (its create() is outside the time: "
       << fmt(a.on.createMs, 1) << " ms with prefetch, " << fmt(a.off.createMs, 1)
       << " ms without), the audit with prefetch (`[watcher_ds] prefetch = true`), without "
          "(`false`), and the **ceiling**: the prefetch's own GETs (captured by a recording "
          "proxy in front of Prometheus, `bench/e2e/CaptureServer.cpp`) replayed raw, one after "
          "the other on a kept-alive connection, by the floor client: the same requests with a "
          "client that costs nothing. Prefetch and ceiling swap places every round, the audit "
          "without prefetch between them; median of "
       << a.reps
       << " rounds. Every audit's values (each call's double, in call order) must be the first "
          "audit's, bit for bit, with prefetch and without: the run fails otherwise ("
       << thousands(static_cast<double>(a.valuesCompared)) << " compared; "
       << thousands(static_cast<double>(a.noValues))
       << " calls per audit without a value). HTTP requests are Prometheus's own count "
          "(`prometheus_http_requests_total` around each audit, per handler); the prefetch's "
          "also went through the proxy: "
       << a.ceilingRequests
       << ". Client CPU: user + sys of the whole Python process during the calls.\n\n"
       << "| side | datasource time ms | without prefetch ÷ this | client CPU ms | HTTP requests "
          "(Prometheus's count, per handler) | median call µs |\n"
       << "|---|---:|---:|---:|---|---:|\n"
       << "| prefetch off | " << fmt(offMs, 1) << " | ×1.0 | " << fmt(a.off.cpuMedianMs(), 1)
       << " | " << thousands(a.off.requests()) << " (" << handlers(a.off.serverRequests) << ") | "
       << fmt(a.off.medianCallUs, 1) << " |\n"
       << "| prefetch on | " << fmt(onMs, 1) << " | **×" << fmt(a.speedup(), 1) << "** | "
       << fmt(a.on.cpuMedianMs(), 1) << " | " << thousands(a.on.requests()) << " ("
       << handlers(a.on.serverRequests) << ") | " << fmt(a.on.medianCallUs, 1) << " |\n"
       << "| ceiling: the prefetch's GETs, raw | " << fmt(ceilingMs, 1) << " | ×"
       << fmt(ratio(offMs, ceilingMs), 1) << " | — | " << a.ceilingRequests << " | — |\n\n"
       << "The prefetch's own account (`helper._prefetch.stats`): " << a.batches << " batches, "
       << a.queries << " PromQL queries, " << thousands(static_cast<double>(a.lookups))
       << " lookups, " << a.singleCalls << " calls of their own. The " << a.batches
       << " calls that fetched took " << fmt(a.fetchMs, 1) << " ms of the audit, the other "
       << thousands(static_cast<double>(a.calls - a.batches)) << " calls "
       << fmt(a.lookupTotalMs, 1) << " ms (median " << fmt(a.lookupMedianUs, 2)
       << " µs). Its GETs: longest request line "
       << thousands(static_cast<double>(a.longestRequestLine)) << " B, answers "
       << fmt(static_cast<double>(a.ceilingBodyBytes) / 1e6, 2)
       << " MB in all; Prometheus's own evaluation of its queries (`stats=all`, innerEvalTime, "
          "median of 3, summed): "
       << fmt(a.serverEvalMs, 1) << " ms. With prefetch the audit takes ×"
       << fmt(ratio(onMs, ceilingMs), 2) << " the time of its own GETs without a client.\n";
    if (!a.requests.empty()) {
        md << "\nThe prefetch's GETs (each distinct one; ms: the median of its raw replays over "
              "the rounds):\n\n"
           << "| sent per audit | request | answer B | ms each, raw | server eval ms |\n"
           << "|---:|---|---:|---:|---:|\n";
        for (const AuditRequest& request : a.requests) {
            std::string what =
                request.what.size() > 200 ? request.what.substr(0, 197) + "..." : request.what;
            std::string escaped;
            for (char c : what)
                escaped += c == '|' ? std::string("\\|") : std::string(1, c);
            md << "| " << request.sent << " | `" << escaped << "` | "
               << thousands(static_cast<double>(request.bodyBytes)) << " | " << fmt(request.ms, 1)
               << " | " << (request.serverEvalMs > 0 ? fmt(request.serverEvalMs, 1) : "—")
               << " |\n";
        }
    }
    if (!a.profile.empty()) {
        md << "\nWhere the client's time goes in a prefetched audit: cProfile of one more audit ("
           << fmt(a.profiledMs, 0)
           << " ms under the profiler, which inflates every row), the functions with the most own "
              "time (the plugin's C++ work shows in the ctypes call that runs it):\n\n"
           << "| function | calls | own ms | cumulative ms |\n|---|---:|---:|---:|\n";
        for (const AuditProfileRow& row : a.profile) {
            md << "| `" << row.function << "` | " << thousands(static_cast<double>(row.calls))
               << " | " << fmt(row.ownMs, 1) << " | " << fmt(row.cumulativeMs, 1) << " |\n";
        }
    }
    if (!a.memory.empty()) {
        md << "\n**Memory.** RSS of a fresh Python process (VmRSS; peak: VmHWM): after the "
              "imports and the cluster model, after the helper's create(), and after one "
              "audit with prefetch, the helper and its prefetched values alive. Held by the "
              "prefetch: the RSS growth over that audit (its values and inventories, and the "
              "freed memory of the batches' transient objects that the allocators keep), also "
              "per 1,000 resources (hosts + instances); live: the RSS after the audit once "
              "`gc.collect()` and glibc's `malloc_trim(0)` have handed the freed memory back.\n\n"
           << "| hosts / instances | model MiB | + helper MiB | after the audit MiB | peak MiB | "
              "held by the prefetch MiB | per 1,000 resources KiB | live after malloc_trim MiB "
              "| audit ms |\n"
           << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const AuditMemory& m : a.memory) {
            md << "| " << thousands(m.hosts) << " / " << thousands(m.instances) << " | "
               << mib(m.modelKiB) << " | " << mib(m.createdKiB) << " | " << mib(m.auditKiB) << " | "
               << mib(m.peakKiB) << " | " << mib(m.auditKiB - m.createdKiB) << " | "
               << thousands(static_cast<double>(m.perThousandKiB())) << " | " << mib(m.trimmedKiB)
               << " | " << fmt(m.auditMs, 0) << " |\n";
        }
        if (a.memory.size() > 1)
            md << "\nThe larger size had a data set of its own: " << a.memory.back().dataset
               << ".\n";
    }
}

}  // namespace

void writeScale(std::ostringstream& md, const ScaleSection& s) {
    md << "\n## 2c. Scale on VictoriaMetrics\n\n"
       << "A " << s.server
       << " (Debian's package) of its own on 127.0.0.1 with **no scrape targets**: " << s.dataset
       << ". The runner generates the samples and POSTs them as Prometheus text (millisecond "
          "timestamps) to `/api/v1/import/prometheus` in chunks of 400,000 lines, then "
          "`/internal/force_flush` (the fixture's VictoriaMetricsServer::importPrometheusText): "
       << fmt(static_cast<double>(s.importBytes) / 1e6, 0)
       << " MB, started, imported and searchable (count() of every family) in " << fmt(s.setupS, 1)
       << " s. The plugin is libprometheus_ds.so on VictoriaMetrics' Prometheus API; it finds "
          "the hosts from the fqdn values of the node series, as its create logs:\n\n"
       << "> " << s.hostLog << "\n\n"
       << "**Create**, in a fresh process (`wds_bench_e2e scale-child`): " << fmt(s.createMs, 1)
       << " ms, the median of " << s.createReps << " fresh sources after the first ("
       << fmt(s.firstCreateMs, 1)
       << " ms). RSS of that process after the first create, the source alive: "
       << mib(s.rssAfterCreateKiB) << " MiB (" << mib(s.rssBeforeKiB) << " MiB before dlopen; peak "
       << mib(s.peakKiB) << " MiB); the live source holds " << mib(s.heapHeldKiB)
       << " MiB of heap (mallinfo2).\n\n"
       << "**One batch of every resource against sampled single calls**, on one handle: the "
          "batch (statistic_batch, the batch/1 extension) of every instance's "
          "instance_cpu_usage (vcpus 1-4 set) and of every host's host_cpu_usage, period "
       << s.periodS
       << " s at the data set's last sample, against single statistic_aggregation calls of "
          "resources spread evenly over them; median of "
       << s.reps
       << " rounds after a warm-up round, who goes first alternating. Every round compares each "
          "sampled single value with the batch's value of that resource: the run fails unless "
          "they are the same double, bit for bit, or differ by at most "
       << kScaleTolerance
       << " of the value (of 1 below 1): VictoriaMetrics sums the series of an aggregate "
          "(`avg by (fqdn)` over a host's CPUs) in no fixed order, so the same query asked twice "
          "can differ in its last bits (the unstable column: sampled single calls whose value "
          "changed from one round to the next, the batch not involved). Instances have one "
          "series each, so nothing is summed for them. Queries: the batch answer's own count; HTTP "
          "requests: counted by a recording proxy (bench/e2e/CaptureServer.cpp) in front of "
          "VictoriaMetrics in an untimed round of their own (1.79's /metrics counters lag). Client "
          "CPU: "
          "user + sys of the whole client process (getrusage, the plugin's threads included). "
          "Extrapolated: the sampled calls' time per call × every resource.\n\n"
       << "| metric | resources | batch ms | batch queries / HTTP requests | batch client CPU "
          "ms | sampled singles | singles ms | their HTTP requests | their client CPU ms | ms "
          "per single | every resource as singles, extrapolated s | batch speed-up | bitwise "
          "identical | differing in the last bits (max relative) | singles unstable |\n"
       << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const ScaleRow& row : s.rows) {
        md << "| " << row.metric << " | " << thousands(row.resources) << " | "
           << fmt(row.batchMs, 1) << " | " << row.batchQueries << " / " << row.batchRequests
           << " | " << fmt(row.batchCpuMs, 1) << " | " << thousands(row.sampled) << " | "
           << fmt(row.singlesMs, 1) << " | " << thousands(static_cast<double>(row.singleRequests))
           << " | " << fmt(row.singlesCpuMs, 1) << " | " << fmt(row.perSingleMs(), 3) << " | "
           << fmt(row.extrapolatedMs() / 1000, 1) << " | **×"
           << fmt(ratio(row.extrapolatedMs(), row.batchMs), 1) << "** | "
           << thousands(static_cast<double>(row.compared)) << " | "
           << thousands(static_cast<double>(row.differing)) << " ("
           << (row.differing > 0 ? sci(row.maxRelativeDiff) : std::string("—")) << ") | "
           << thousands(static_cast<double>(row.singlesUnstable)) << " |\n";
    }
    if (!s.python.ran) {
        md << "\nThe drop-in's prefetch was not measured in this run (`--scale-python 0`).\n";
        return;
    }
    const ScalePython& p = s.python;
    md << "\n**Through the Watcher drop-in**: `bench/python/bench_audit.py` (the audit phase's "
          "driver: workload_stabilization's calls through `watcher_ds.watcher.PrometheusHelper` "
          "built from a watcher.conf by oslo.config, Watcher's model elements as resources) "
          "pointed at this VictoriaMetrics. With prefetch: the whole audit, "
       << thousands(static_cast<double>(p.calls))
       << " calls on a fresh helper (its create() outside the time: " << fmt(p.createMs, 1)
       << " ms). Without prefetch: every " << p.stride << "th host and instance of the audit, "
       << thousands(static_cast<double>(p.sampledCalls))
       << " calls, extrapolated to the whole audit; the same sample asked of the prefetched "
          "helper must answer the same doubles, bit for bit or within the tolerance above "
          "(the run fails otherwise; "
       << thousands(static_cast<double>(p.compared)) << " bitwise identical, "
       << thousands(static_cast<double>(p.differing)) << " differing in the last bits"
       << (p.differing > 0 ? ", at most " + sci(p.maxRelativeDiff) + " relative" : std::string())
       << "). Median of " << s.reps
       << " rounds. Client CPU: the whole Python process (`time.process_time`). RSS of the "
          "Python process: "
       << mib(p.modelKiB) << " MiB with the model, " << mib(p.rssAfterKiB)
       << " MiB after the prefetched audit.\n\n"
       << "| side | calls | datasource time ms | client CPU ms | HTTP requests (the proxy's "
          "count, an untimed audit) | the whole audit, s |\n"
       << "|---|---:|---:|---:|---:|---:|\n"
       << "| prefetch on: the whole audit (" << p.batches << " batches, " << p.queries
       << " queries, " << p.singleCalls << " calls of its own) | "
       << thousands(static_cast<double>(p.calls)) << " | " << fmt(p.onMs, 1) << " | "
       << fmt(p.onCpuMs, 1) << " | " << p.onRequests << " | " << fmt(p.onMs / 1000, 2) << " |\n"
       << "| prefetch off: the sample | " << thousands(static_cast<double>(p.sampledCalls)) << " | "
       << fmt(p.offSampledMs, 1) << " | " << fmt(p.offSampledCpuMs, 1) << " | "
       << thousands(static_cast<double>(p.offRequests)) << " | "
       << fmt(p.offExtrapolatedMs() / 1000, 1) << " (extrapolated: **×"
       << fmt(ratio(p.offExtrapolatedMs(), p.onMs), 1) << "** the prefetched audit) |\n";
}

Summary Summary::of(std::vector<double> us) {
    Summary s;
    s.n = us.size();
    if (us.empty())
        return s;
    std::sort(us.begin(), us.end());
    const auto at = [&](double q) {
        return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
    };
    s.medianUs = at(0.5);
    s.p99Us = at(0.99);
    s.meanUs = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(us.size());
    s.callsPerS = 1e6 / s.meanUs;
    return s;
}

long AuditSide::requests() const {
    long sum = 0;
    for (const auto& [handler, count] : serverRequests)
        sum += count;
    return sum;
}

double AuditSide::wallMedianMs() const {
    return median(wallMs);
}

double AuditSide::cpuMedianMs() const {
    return median(cpuMs);
}

double AuditSection::ceilingMedianMs() const {
    return median(ceilingMs);
}

double AuditSection::speedup() const {
    return ratio(off.wallMedianMs(), on.wallMedianMs());
}

long AuditMemory::perThousandKiB() const {
    const long resources = static_cast<long>(hosts) + instances;
    return resources > 0 ? (auditKiB - createdKiB) * 1000 / resources : 0;
}

long MemoryResult::at(long calls) const {
    for (const auto& [done, kib] : rssKiB) {
        if (done == calls)
            return kib;
    }
    return rssKiB.empty() ? 0 : rssKiB.front().second;
}

std::vector<MicroRow> readMicro(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return {};
    Poco::JSON::Parser parser;
    const auto root = parser.parse(in).extract<Object::Ptr>();
    std::vector<MicroRow> rows;
    for (const auto& entry : *root->getArray("benchmarks")) {
        const auto b = entry.extract<Object::Ptr>();
        const std::string unit = b->optValue<std::string>("time_unit", "ns");
        const double scale = unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9 : 1;
        rows.push_back({b->getValue<std::string>("name"), b->getValue<double>("real_time") * scale,
                        b->optValue<double>("items", 0)});
    }
    return rows;
}

void writeJson(const Results& r, const std::string& path) {
    const Verdicts v(r);
    Object::Ptr root = object();
    root->set("generated", r.when);
    root->set("machine", r.machine);
    root->set("server", r.prometheus);
    root->set("dataset", r.dataset);
    root->set("period_s", r.periodS);
    root->set("run_seconds", r.seconds);
    root->set("options", r.options);

    Array::Ptr perCall = new Array;
    for (const PerCallRow& row : r.perCall) {
        Object::Ptr o = object();
        o->set("metric", row.metric);
        o->set("response_bytes", row.bodyBytes);
        o->set("plugin", summaryJson(row.plugin));
        o->set("floor", summaryJson(row.floor));
        o->set("median_ratio", ratio(row.plugin.medianUs, row.floor.medianUs));
        o->set("p99_ratio", ratio(row.plugin.p99Us, row.floor.p99Us));
        o->set("plugin_cpu_us_per_call", row.pluginCpuUs);
        o->set("floor_cpu_us_per_call", row.floorCpuUs);
        o->set("server_gcs", row.serverGcs);
        perCall->add(o);
    }
    for (const LocalRow& row : r.local) {
        Object::Ptr o = object();
        o->set("metric", row.metric);
        o->set("no_http", true);
        o->set("plugin_ns_per_call", row.nsPerCall);
        perCall->add(o);
    }
    root->set("per_call", perCall);

    Object::Ptr batch = object();
    batch->set("measured", !r.batch.rows.empty());
    if (!r.batch.rows.empty()) {
        batch->set("dataset", r.batch.dataset);
        batch->set("setup_s", r.batch.setupS);
        Array::Ptr rows = new Array;
        for (const BatchRow& row : r.batch.rows) {
            Object::Ptr o = object();
            o->set("metric", row.metric);
            o->set("resources", row.resources);
            o->set("query_form", row.regex ? "regex over the resources" : "every resource");
            o->set("request_line_bytes", row.urlBytes);
            o->set("response_bytes", row.bodyBytes);
            o->set("batch_queries", row.batchQueries);
            o->set("per_call_queries", row.perCallQueries);
            o->set("repetitions", row.reps);
            o->set("batch_median_ms", row.batchMs);
            o->set("per_call_median_ms", row.perCallMs);
            o->set("floor_median_ms", row.floorMs);
            o->set("batch_client_cpu_ms", row.batchCpuMs);
            o->set("speedup", Verdicts::speedup(row));
            o->set("speedup_ceiling", ratio(row.perCallMs, row.floorMs));
            o->set("server_eval_ms", row.serverEvalMs);
            o->set("server_samples", row.serverSamples);
            o->set("values_bitwise_identical", row.compared);
            rows->add(o);
        }
        batch->set("rows", rows);
    }
    root->set("batch", batch);

    Array::Ptr startup = new Array;
    for (const StartupRow& row : r.startup) {
        Object::Ptr o = object();
        o->set("targets", row.targets);
        o->set("fqdn_values", row.fqdns);
        o->set("response_bytes", row.bodyBytes);
        o->set("dlopen_ms", row.dlopenMs);
        o->set("first_create_ms", row.firstCreateMs);
        o->set("create_median_ms", row.createMs);
        o->set("create_p90_ms", row.createP90Ms);
        o->set("floor_median_ms", row.floorMs);
        o->set("floor_p90_ms", row.floorP90Ms);
        o->set("client_side_ms", row.createMs - row.floorMs);
        o->set("rss_before_dlopen_kib", row.rssBeforeKiB);
        o->set("rss_after_dlopen_kib", row.rssAfterDlopenKiB);
        o->set("rss_after_create_kib", row.rssAfterCreateKiB);
        o->set("peak_rss_kib", row.peakRssKiB);
        o->set("heap_held_by_source_kib", row.heapHeldKiB);
        startup->add(o);
    }
    root->set("startup", startup);

    const auto rateJson = [](const Rate& rate) {
        Object::Ptr o = object();
        o->set("calls_per_s", rate.perS);
        o->set("cpu_us_per_call", rate.cpuUsPerCall);
        o->set("process_cpu_cores", rate.processCores);
        return o;
    };
    const auto concurrencyJson = [&](const std::vector<ConcurrencyRow>& rows) {
        Array::Ptr a = new Array;
        for (const ConcurrencyRow& row : rows) {
            Object::Ptr o = object();
            o->set("threads", row.threads);
            o->set("one_core", row.oneCore);
            o->set("plugin", rateJson(row.plugin));
            o->set("floor", rateJson(row.floor));
            if (row.localPerS > 0)
                o->set("no_http_calls_per_s", row.localPerS);
            a->add(o);
        }
        return a;
    };
    Object::Ptr concurrency = object();
    concurrency->set("prometheus_metric", r.concurrencyMetric);
    concurrency->set("prometheus", concurrencyJson(r.concurrency));
    concurrency->set("stub_metric", "host_cpu_usage");
    concurrency->set("stub", concurrencyJson(r.concurrencyStub));
    root->set("concurrency", concurrency);

    Object::Ptr memory = object();
    memory->set("threads", r.memory.threads);
    Array::Ptr points = new Array;
    for (const auto& [calls, kib] : r.memory.rssKiB) {
        Object::Ptr o = object();
        o->set("calls", calls);
        o->set("rss_kib", kib);
        points->add(o);
    }
    memory->set("rss", points);
    root->set("memory", memory);

    Array::Ptr micro = new Array;
    for (const MicroRow& row : r.micro) {
        Object::Ptr o = object();
        o->set("name", row.name);
        o->set("ns", row.ns);
        if (row.items > 0)
            o->set("items", row.items);
        micro->add(o);
    }
    root->set("micro", micro);

    Object::Ptr profile = object();
    profile->set("ran", r.profile.ran);
    if (!r.profile.note.empty())
        profile->set("note", r.profile.note);
    profile->set("calls", r.profile.calls);
    profile->set("plugin_ir_per_call", r.profile.pluginIrPerCall);
    profile->set("floor_ir_per_call", r.profile.floorIrPerCall);
    for (const auto& [key, list] : {std::make_pair("stages", &r.profile.stages),
                                    std::make_pair("top_self", &r.profile.top)}) {
        Array::Ptr a = new Array;
        for (const ProfileFunction& f : *list) {
            Object::Ptr o = object();
            o->set("name", f.name);
            o->set("ir_per_call", f.irPerCall);
            a->add(o);
        }
        profile->set(key, a);
    }
    root->set("profile", profile);

    if (r.python.ran) {
        Object::Ptr python = object();
        python->set("interpreter", r.python.interpreter);
        python->set("requests_identical", r.python.requestsIdentical);
        python->set("requests_compared", r.python.requestsCompared);
        Array::Ptr rows = new Array;
        for (const PythonRow& row : r.python.rows) {
            Object::Ptr o = object();
            o->set("metric", row.metric);
            o->set("python", summaryJson(row.python));
            o->set("plugin", summaryJson(row.plugin));
            o->set("floor", summaryJson(row.floor));
            o->set("python_cpu_us", row.pythonCpuUs);
            o->set("plugin_cpu_us", row.pluginCpuUs);
            rows->add(o);
        }
        python->set("per_call", rows);
        python->set("no_http_python_ns", r.python.localPythonNs);
        python->set("no_http_plugin_ns", r.python.localPluginNs);
        Array::Ptr profileRows = new Array;
        for (const PythonProfileRow& row : r.python.profile) {
            Object::Ptr o = object();
            o->set("function", row.function);
            o->set("calls_per_call", row.callsPerCall);
            o->set("own_us", row.ownUs);
            o->set("cumulative_us", row.cumulativeUs);
            profileRows->add(o);
        }
        python->set("profile", profileRows);
        python->set("slow_server_delay_s", r.python.slowServerDelayS);
        python->set("calls_per_thread", r.python.callsPerThread);
        Object::Ptr threads = object();
        for (const auto& [n, perS] : r.python.threads)
            threads->set(std::to_string(n), perS);
        python->set("threads_calls_per_s", threads);
        root->set("python", python);
    }

    if (r.audit.ran) {
        const AuditSection& a = r.audit;
        Object::Ptr audit = object();
        audit->set("interpreter", a.interpreter);
        audit->set("dataset", a.dataset);
        audit->set("setup_s", a.setupS);
        audit->set("hosts", a.hosts);
        audit->set("instances", a.instances);
        audit->set("instance_vcpus", a.vcpuMix);
        audit->set("strategy_parameters", a.parameters);
        audit->set("calls_per_audit", a.calls);
        audit->set("repetitions", a.reps);
        const auto sideJson = [](const AuditSide& side) {
            Object::Ptr o = object();
            Array::Ptr wall = new Array, cpu = new Array;
            for (double ms : side.wallMs)
                wall->add(ms);
            for (double ms : side.cpuMs)
                cpu->add(ms);
            o->set("wall_ms", wall);
            o->set("wall_median_ms", side.wallMedianMs());
            o->set("client_cpu_ms", cpu);
            o->set("client_cpu_median_ms", side.cpuMedianMs());
            o->set("median_call_us", side.medianCallUs);
            o->set("helper_create_mean_ms", side.createMs);
            Object::Ptr server = object();
            for (const auto& [handler, count] : side.serverRequests)
                server->set(handler, count);
            o->set("server_requests", server);
            o->set("server_requests_total", side.requests());
            return o;
        };
        audit->set("prefetch_on", sideJson(a.on));
        audit->set("prefetch_off", sideJson(a.off));
        Object::Ptr prefetch = object();
        prefetch->set("batches", a.batches);
        prefetch->set("queries", a.queries);
        prefetch->set("lookups", a.lookups);
        prefetch->set("single_calls", a.singleCalls);
        prefetch->set("fetch_ms", a.fetchMs);
        prefetch->set("lookup_median_us", a.lookupMedianUs);
        prefetch->set("lookups_total_ms", a.lookupTotalMs);
        prefetch->set("requests_through_proxy", a.ceilingRequests);
        prefetch->set("longest_request_line_bytes", a.longestRequestLine);
        prefetch->set("response_bytes", a.ceilingBodyBytes);
        prefetch->set("server_eval_ms", a.serverEvalMs);
        Array::Ptr requests = new Array;
        for (const AuditRequest& request : a.requests) {
            Object::Ptr o = object();
            o->set("request", request.what);
            o->set("sent_per_audit", request.sent);
            o->set("response_bytes", request.bodyBytes);
            o->set("raw_median_ms", request.ms);
            o->set("server_eval_ms", request.serverEvalMs);
            requests->add(o);
        }
        prefetch->set("requests", requests);
        Array::Ptr profileRows = new Array;
        for (const AuditProfileRow& row : a.profile) {
            Object::Ptr o = object();
            o->set("function", row.function);
            o->set("calls", row.calls);
            o->set("own_ms", row.ownMs);
            o->set("cumulative_ms", row.cumulativeMs);
            profileRows->add(o);
        }
        prefetch->set("profile_audit_ms", a.profiledMs);
        prefetch->set("profile", profileRows);
        audit->set("prefetch", prefetch);
        Array::Ptr ceiling = new Array;
        for (double ms : a.ceilingMs)
            ceiling->add(ms);
        audit->set("ceiling_ms", ceiling);
        audit->set("ceiling_median_ms", a.ceilingMedianMs());
        audit->set("speedup", a.speedup());
        audit->set("speedup_ceiling", ratio(a.off.wallMedianMs(), a.ceilingMedianMs()));
        audit->set("prefetch_over_ceiling", ratio(a.on.wallMedianMs(), a.ceilingMedianMs()));
        audit->set("values_bitwise_identical", a.valuesCompared);
        audit->set("calls_without_value", a.noValues);
        Array::Ptr memory = new Array;
        for (const AuditMemory& m : a.memory) {
            Object::Ptr o = object();
            o->set("hosts", m.hosts);
            o->set("instances", m.instances);
            o->set("dataset", m.dataset);
            o->set("rss_model_kib", m.modelKiB);
            o->set("rss_helper_kib", m.createdKiB);
            o->set("rss_after_audit_kib", m.auditKiB);
            o->set("peak_rss_kib", m.peakKiB);
            o->set("rss_after_malloc_trim_kib", m.trimmedKiB);
            o->set("audit_ms", m.auditMs);
            o->set("prefetch_kib_per_1000_resources", m.perThousandKiB());
            memory->add(o);
        }
        audit->set("memory", memory);
        root->set("audit", audit);
    }
    if (r.scale.ran) {
        const ScaleSection& s = r.scale;
        Object::Ptr scale = object();
        scale->set("server", s.server);
        scale->set("dataset", s.dataset);
        scale->set("hosts", s.hosts);
        scale->set("instances", s.instances);
        scale->set("period_s", s.periodS);
        scale->set("repetitions", s.reps);
        scale->set("tolerance_relative", kScaleTolerance);
        scale->set("setup_s", s.setupS);
        scale->set("import_bytes", s.importBytes);
        scale->set("host_names_log", s.hostLog);
        scale->set("first_create_ms", s.firstCreateMs);
        scale->set("create_ms", s.createMs);
        scale->set("create_reps", s.createReps);
        scale->set("rss_before_kib", s.rssBeforeKiB);
        scale->set("rss_after_create_kib", s.rssAfterCreateKiB);
        scale->set("peak_rss_kib", s.peakKiB);
        scale->set("heap_held_kib", s.heapHeldKiB);
        Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
        for (const ScaleRow& row : s.rows) {
            Object::Ptr o = object();
            o->set("metric", row.metric);
            o->set("resources", row.resources);
            o->set("batch_ms", row.batchMs);
            o->set("batch_queries", row.batchQueries);
            o->set("batch_http_requests", row.batchRequests);
            o->set("batch_client_cpu_ms", row.batchCpuMs);
            o->set("batch_items_without_value", row.batchWithoutValue);
            o->set("sampled_singles", row.sampled);
            o->set("singles_ms", row.singlesMs);
            o->set("singles_http_requests", row.singleRequests);
            o->set("singles_client_cpu_ms", row.singlesCpuMs);
            o->set("ms_per_single", row.perSingleMs());
            o->set("all_as_singles_extrapolated_ms", row.extrapolatedMs());
            o->set("speedup_extrapolated", ratio(row.extrapolatedMs(), row.batchMs));
            o->set("values_bitwise_identical", row.compared);
            o->set("values_differing_within_tolerance", row.differing);
            o->set("max_relative_difference", row.maxRelativeDiff);
            o->set("singles_unstable_between_rounds", row.singlesUnstable);
            o->set("values_differing_within_tolerance", row.differing);
            o->set("max_relative_difference", row.maxRelativeDiff);
            o->set("singles_unstable_between_rounds", row.singlesUnstable);
            rows->add(o);
        }
        scale->set("rows", rows);
        if (s.python.ran) {
            const ScalePython& p = s.python;
            Object::Ptr py = object();
            py->set("stride", p.stride);
            py->set("calls", p.calls);
            py->set("sampled_calls", p.sampledCalls);
            py->set("helper_create_ms", p.createMs);
            py->set("prefetch_on_ms", p.onMs);
            py->set("prefetch_on_cpu_ms", p.onCpuMs);
            py->set("prefetch_on_http_requests", p.onRequests);
            py->set("prefetch_batches", p.batches);
            py->set("prefetch_queries", p.queries);
            py->set("prefetch_single_calls", p.singleCalls);
            py->set("prefetch_off_sampled_ms", p.offSampledMs);
            py->set("prefetch_off_sampled_cpu_ms", p.offSampledCpuMs);
            py->set("prefetch_off_sampled_http_requests", p.offRequests);
            py->set("prefetch_off_extrapolated_ms", p.offExtrapolatedMs());
            py->set("speedup_extrapolated", ratio(p.offExtrapolatedMs(), p.onMs));
            py->set("model_rss_kib", p.modelKiB);
            py->set("rss_after_audit_kib", p.rssAfterKiB);
            py->set("values_bitwise_identical", p.compared);
            py->set("values_differing_within_tolerance", p.differing);
            py->set("max_relative_difference", p.maxRelativeDiff);
            scale->set("drop_in", py);
        }
        root->set("scale", scale);
    }

    Object::Ptr targets = object();
    targets->set("median_ratio_max", v.medianRatio);
    targets->set("median_holds", v.medianRatio <= 1.05);
    targets->set("p99_ratio_max", v.p99Ratio);
    targets->set("p99_holds", v.p99Ratio <= 1.2);
    if (v.batchHosts != nullptr && v.batchInstances != nullptr) {
        targets->set("batch_hosts", v.batchHosts->resources);
        targets->set("batch_hosts_speedup", Verdicts::speedup(*v.batchHosts));
        targets->set("batch_instances", v.batchInstances->resources);
        targets->set("batch_instances_speedup", Verdicts::speedup(*v.batchInstances));
        targets->set("batch_values_bitwise_identical", v.batchCompared);
        targets->set("batch_holds", v.batchHolds());
    }
    targets->set("create_client_side_ms", v.createExcessMs);
    targets->set("create_holds", v.largest != nullptr && v.createExcessMs < 50);
    targets->set("plugin_2_threads_speedup", v.plugin2x);
    targets->set("floor_2_threads_speedup", v.floor2x);
    targets->set("no_http_2_threads_speedup", v.local2x);
    targets->set("process_cores_2_threads_plugin", v.cores2);
    targets->set("process_cores_2_threads_floor", v.floorCores2);
    targets->set("memory_growth_kib", v.growthKiB);
    targets->set("memory_holds", v.memoryMeasured && v.growthKiB < 1024);
    if (v.worstPython != nullptr) {
        targets->set("python_median_ratio_max", v.pythonRatio);
        targets->set("python_median_holds", v.pythonRatio <= 1.10);
    }
    if (r.audit.ran) {
        targets->set("audit_speedup", r.audit.speedup());
        targets->set("audit_holds", r.audit.speedup() >= kAuditTarget);
    }
    if (r.scale.ran) {
        targets->set("scale_slowest_speedup", v.scaleSlowest);
        targets->set("scale_holds", v.scaleSlowest > 1);
    }
    root->set("targets", targets);

    std::ofstream out(path);
    root->stringify(out, 2);
    out << "\n";
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

void writeMarkdown(const Results& r, const std::string& path) {
    const Verdicts v(r);
    std::ostringstream md;
    md << "# Performance\n\n"
       << "Generated by `./scripts/bench" << r.options << "` (" << r.when << "; the end-to-end "
       << "runner " << fmt(r.seconds / 60, 1)
       << " min) — do not edit by hand. Machine: " << r.machine << "; server: " << r.prometheus
       << " on 127.0.0.1. Absolute times on this shared machine are noisy, so every result is a "
          "**ratio** against a floor measured in the same run, interleaved with it. Raw numbers: "
          "`docs/performance.json`.\n\n"
       << "Data set (promtool backfill): " << r.dataset << ". Queries use period " << r.periodS
       << " s and a fixed evaluation time.\n\n"
       << "The **floor** is a raw-socket client (`bench/e2e/FloorClient.cpp`) that sends the "
          "byte-identical GET the plugin sends (captured from the plugin by a loopback stub: same "
          "URL, same headers) on its own kept-alive connection, and only frames the response.\n\n";

    md << "## Targets\n\n| # | target | measured | holds |\n|---|---|---|---|\n";
    if (v.worstMedian != nullptr) {
        md << "| 1 | plugin median ≤ 1.05 × floor median | worst " << fmt(v.medianRatio, 3) << " ("
           << v.worstMedian->metric << ") | " << yesNo(v.medianRatio <= 1.05) << " |\n"
           << "| 1 | plugin p99 ≤ 1.2 × floor p99 | worst " << fmt(v.p99Ratio, 3) << " ("
           << v.worstP99->metric << ") | " << yesNo(v.p99Ratio <= 1.2) << " |\n";
    }
    if (v.batchHosts != nullptr && v.batchInstances != nullptr) {
        md << "| 2 | one batch ≥ 50 × faster than N sequential calls at N = "
           << thousands(v.batchHosts->resources)
           << " hosts and M = " << thousands(v.batchInstances->resources)
           << " instances, identical numbers | hosts ×" << fmt(Verdicts::speedup(*v.batchHosts), 1)
           << ", instances ×" << fmt(Verdicts::speedup(*v.batchInstances), 1)
           << " (a client costing nothing: ×"
           << fmt(ratio(v.batchHosts->perCallMs, v.batchHosts->floorMs), 1) << " / ×"
           << fmt(ratio(v.batchInstances->perCallMs, v.batchInstances->floorMs), 1) << "); "
           << thousands(v.batchCompared) << " values bitwise identical | " << yesNo(v.batchHolds())
           << " |\n";
    }
    if (v.largest != nullptr) {
        md << "| 3 | create with " << thousands(v.largest->targets)
           << " targets < 50 ms above the server's own response time | " << fmt(v.createExcessMs, 1)
           << " ms (create " << fmt(v.largest->createMs, 1) << " ms − GETs "
           << fmt(v.largest->floorMs, 1) << " ms) | " << yesNo(v.createExcessMs < 50) << " |\n";
    }
    if (!r.concurrencyStub.empty()) {
        md << "| 4 | 2 threads ≥ 1.8 × 1 thread where the server is not the bottleneck | "
           << "stub server, 2 threads vs 1 thread on one core: plugin ×" << fmt(v.plugin2x)
           << " (floor ×" << fmt(v.floor2x) << "; process cores " << fmt(v.cores2) << " vs "
           << fmt(v.floorCores2) << "), no-HTTP path ×" << fmt(v.local2x) << " | "
           << yesNo(v.plugin2x >= 1.8 && v.local2x >= 1.8) << " |\n";
    }
    if (v.memoryMeasured) {
        md << "| 5 | RSS growth from 1,000 to " << thousands(r.memory.rssKiB.back().first)
           << " calls < 1 MiB | " << (v.growthKiB >= 0 ? "+" : "") << v.growthKiB << " KiB | "
           << yesNo(v.growthKiB < 1024) << " |\n";
    }

    if (v.worstPython != nullptr) {
        md << "| 6 | Python (`watcher_ds`) median ≤ 1.10 × floor median | worst "
           << fmt(v.pythonRatio, 3) << " (" << v.worstPython->metric << ") | "
           << yesNo(v.pythonRatio <= 1.10) << " |\n";
    }
    if (r.audit.ran) {
        const AuditSection& a = r.audit;
        md << "| 7 | a workload_stabilization audit through the Watcher drop-in ("
           << thousands(a.hosts) << " hosts, " << thousands(a.instances) << " instances): ≥ "
           << fmt(kAuditTarget, 0)
           << " × less datasource time with prefetch than without, identical values | ×"
           << fmt(a.speedup(), 1) << " (" << fmt(a.off.wallMedianMs() / 1000, 2) << " s → "
           << fmt(a.on.wallMedianMs(), 0)
           << " ms; its own GETs with a client costing nothing: " << fmt(a.ceilingMedianMs(), 0)
           << " ms, ×" << fmt(ratio(a.off.wallMedianMs(), a.ceilingMedianMs()), 1) << "); "
           << thousands(static_cast<double>(a.valuesCompared)) << " values bitwise identical | "
           << yesNo(a.speedup() >= kAuditTarget) << " |\n";
    }
    if (r.scale.ran) {
        const ScaleSection& s = r.scale;
        md << "| 8 | scale on VictoriaMetrics, " << thousands(s.hosts) << " hosts and "
           << thousands(s.instances)
           << " instances (section 2c): create and RSS; every batch, and the drop-in's "
              "prefetched audit, faster than the single calls it replaces, same values | create "
           << fmt(s.createMs, 1) << " ms, RSS " << mib(s.rssAfterCreateKiB) << " MiB;";
        for (const ScaleRow& row : s.rows) {
            md << " " << row.metric << " ×" << fmt(ratio(row.extrapolatedMs(), row.batchMs), 1)
               << " (" << fmt(row.batchMs, 0) << " ms, " << row.batchRequests << " request"
               << (row.batchRequests == 1 ? "" : "s") << ");";
        }
        if (s.python.ran)
            md << " audit ×" << fmt(ratio(s.python.offExtrapolatedMs(), s.python.onMs), 1) << ";";
        md << " values within " << kScaleTolerance << " | " << yesNo(v.scaleSlowest > 1) << " |\n";
    }
    md << "\n## 1. Per-call overhead: statistic_aggregation through the C ABI vs the floor\n\n"
       << "Plugin loaded with `dlopen(RTLD_NOW|RTLD_LOCAL)` and called through `wds::Source`; "
       << (r.perCall.empty() ? 0 : r.perCall.front().plugin.n)
       << " calls per side and metric, cycling over every host/instance; each resource is asked "
          "by both sides back to back and the requests alternate sides strictly (P F P F ...; "
          "who goes first flips every 1,000 resources). Prometheus collects garbage every few "
          "hundred requests (the server GCs column) and a pause slows two requests in a row: "
          "this way one of each side. (Alternating who goes first per resource, P F F P, put "
          "every pause on the same side, run after run, and that side's p99 grew by a fifth.) "
          "CPU = user+sys time of the calling thread per call.\n\n"
       << "| metric | body B | median µs plugin / floor | ratio | p99 µs plugin / floor | ratio | "
          "calls/s plugin / floor | CPU µs/call plugin / floor | server GCs |\n"
       << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const PerCallRow& row : r.perCall) {
        md << "| " << row.metric << " | " << row.bodyBytes << " | " << fmt(row.plugin.medianUs, 1)
           << " / " << fmt(row.floor.medianUs, 1) << " | "
           << fmt(ratio(row.plugin.medianUs, row.floor.medianUs), 3) << " | "
           << fmt(row.plugin.p99Us, 1) << " / " << fmt(row.floor.p99Us, 1) << " | "
           << fmt(ratio(row.plugin.p99Us, row.floor.p99Us), 3) << " | "
           << thousands(row.plugin.callsPerS) << " / " << thousands(row.floor.callsPerS) << " | "
           << fmt(row.pluginCpuUs, 1) << " / " << fmt(row.floorCpuUs, 1) << " | " << row.serverGcs
           << " |\n";
    }
    for (const LocalRow& row : r.local) {
        md << "| " << row.metric << " (no HTTP: flavor value) | — | " << fmt(row.nsPerCall / 1e3, 3)
           << " / — | — | — | — | " << thousands(1e9 / row.nsPerCall) << " / — | — | — |\n";
    }

    if (r.python.ran)
        writePython(md, r.python);

    if (!r.batch.rows.empty()) {
        md << "\n## 2. Batch vs per-call: one statistic_batch call vs one statistic_aggregation "
              "per resource\n\n"
           << "A Prometheus of its own (written, backfilled and started in "
           << fmt(r.batch.setupS, 0) << " s): " << r.batch.dataset
           << ". host_cpu_usage of the first N hosts and instance_cpu_usage (vcpus 1-4 set) of "
              "the first M = 10 × N instances, through `wds::Source::statisticBatch` (the "
              "batch/1 extension) and as N sequential calls on the same handle; median of "
           << r.batch.rows.front().reps
           << " rounds (batch, per-call loop, floor; the next round floor first). Every round "
              "compares "
              "every resource's two answers: the run fails unless they are the same double, "
              "bit for bit. The floor is the batch's own GETs (captured by the stub, replayed raw "
              "one after the other on a kept-alive connection): the server's time for those "
              "queries, so per-call / floor is the speed-up a batch with no client-side cost at "
              "all would reach. Server eval is Prometheus's own timing of the same queries "
              "(`stats=all`: innerEvalTime, median of 3, summed over the queries) and the samples "
              "they read. Client CPU: user + sys of the calling thread during the batch call.\n\n"
           << "| metric | resources | batch query selects | longest request line B | answer B | "
              "queries batch / per-call | per-call ms | batch ms | speed-up | floor ms | ceiling "
              "| server eval ms | samples read | batch client CPU ms | identical values |\n"
           << "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const BatchRow& row : r.batch.rows) {
            md << "| " << row.metric << " | " << thousands(row.resources) << " | "
               << (row.regex ? "the resources (regex)" : "every resource, filtered client-side")
               << " | " << thousands(static_cast<double>(row.urlBytes)) << " | "
               << thousands(static_cast<double>(row.bodyBytes)) << " | " << row.batchQueries
               << " / " << thousands(row.perCallQueries) << " | " << fmt(row.perCallMs, 1) << " | "
               << fmt(row.batchMs) << " | **×" << fmt(Verdicts::speedup(row), 1) << "** | "
               << fmt(row.floorMs) << " | ×" << fmt(ratio(row.perCallMs, row.floorMs), 1) << " | "
               << fmt(row.serverEvalMs) << " | "
               << thousands(static_cast<double>(row.serverSamples)) << " | " << fmt(row.batchCpuMs)
               << " | " << thousands(static_cast<double>(row.compared)) << " |\n";
        }
    }

    if (r.audit.ran)
        writeAudit(md, r.audit);
    if (r.scale.ran)
        writeScale(md, r.scale);

    md << "\n## 3. Start-up: dlopen + create (fetches the host names, builds the label maps)\n\n"
       << "One fresh process per size; dead targets (closed loopback ports, 1-day scrape "
          "interval), two per fqdn, and no series. The server's own response time is the floor "
          "sending create()'s two GETs, byte for byte, on one new connection, as create() opens "
          "one: `/api/v1/targets?state=active`, then the fqdn label's values on the node series "
          "(empty here: the targets are dead); create is the median of the repetitions after the "
          "first.\n\n"
       << "RSS is the whole process after the first create (the source alive); peak is "
          "VmHWM; held is the heap the live source keeps (glibc mallinfo2), the rest of the "
          "growth is freed memory malloc has not returned.\n\n"
       << "| targets | fqdn values | response | dlopen ms | first create ms | create ms | "
          "floor GETs ms | client-side ms | create / GETs | RSS after create MiB (Δ since before "
          "dlopen) | peak RSS MiB | held by the source MiB |\n"
       << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const StartupRow& row : r.startup) {
        md << "| " << thousands(row.targets) << " | " << thousands(row.fqdns) << " | "
           << fmt(static_cast<double>(row.bodyBytes) / 1e6, 2) << " MB | " << fmt(row.dlopenMs)
           << " | " << fmt(row.firstCreateMs) << " | " << fmt(row.createMs) << " | "
           << fmt(row.floorMs) << " | " << fmt(row.createMs - row.floorMs) << " | "
           << fmt(ratio(row.createMs, row.floorMs)) << " | " << mib(row.rssAfterCreateKiB) << " (+"
           << mib(row.rssAfterCreateKiB - row.rssBeforeKiB) << ") | " << mib(row.peakRssKiB)
           << " | " << fmt(static_cast<double>(row.heapHeldKiB) / 1024, 2) << " |\n";
    }

    const auto concurrencyTable = [&md](const std::vector<ConcurrencyRow>& rows) {
        const bool local = !rows.empty() && rows.front().localPerS > 0;
        md << "| threads | calls/s plugin / floor | plugin / floor | × first row plugin / floor | "
              "CPU "
              "µs/call plugin / floor | process cores plugin / floor"
           << (local ? " | no-HTTP calls/s | no-HTTP × first row |\n" : " |\n")
           << "|---:|---:|---:|---:|---:|---:" << (local ? "|---:|---:|\n" : "|\n");
        const ConcurrencyRow& one = rows.front();
        for (const ConcurrencyRow& row : rows) {
            md << "| " << row.threads << (row.oneCore ? " (one core)" : "") << " | "
               << thousands(row.plugin.perS) << " / " << thousands(row.floor.perS) << " | "
               << fmt(ratio(row.plugin.perS, row.floor.perS)) << " | "
               << fmt(ratio(row.plugin.perS, one.plugin.perS)) << " / "
               << fmt(ratio(row.floor.perS, one.floor.perS)) << " | "
               << fmt(row.plugin.cpuUsPerCall, 1) << " / " << fmt(row.floor.cpuUsPerCall, 1)
               << " | " << fmt(row.plugin.processCores) << " / " << fmt(row.floor.processCores)
               << " |";
            if (local) {
                md << " " << thousands(row.localPerS) << " | "
                   << fmt(ratio(row.localPerS, one.localPerS)) << " |";
            }
            md << "\n";
        }
    };
    if (!r.concurrency.empty() || !r.concurrencyStub.empty()) {
        md << "\n## 4. Concurrency: one handle shared by 1-8 threads\n\n"
           << "Best of 2-3 sweeps; the floor runs the same requests with one connection per "
              "thread. The client, the server and the other engineers' builds share this "
              "machine's cores. CPU µs/call: the calling threads; process cores: CPU of the "
              "whole benchmark process (with the stub, its server threads too) per wall second. "
              "Each call does the same work at any thread count, so CPU per call that grows "
              "with threads is the cost of shared state (contended locks, bouncing cache "
              "lines).\n\n"
           << "**Against a stub server** (canned answers, a thread per connection; "
              "host_cpu_usage, so the label map's lock is taken on every call). The server is "
              "not the bottleneck here, so this shows the plugin's own scaling; the no-HTTP "
              "columns (instance_ram_allocated: glue, validation, metric catalog) show the "
              "in-process path alone. The first row pins the whole process (client and stub "
              "threads) to one CPU: one thread unpinned waits for an idle core to wake on every "
              "request and every answer, a cost two busy threads do not pay, so the unpinned "
              "1-thread row understates one thread and the scaling from it overstates two. "
              "Target 4 compares 2 threads on two cores with 1 thread on one.\n\n";
        concurrencyTable(r.concurrencyStub);
        md << "\n**Against Prometheus** (" << r.concurrencyMetric
           << ", the cheapest query for it). Where the floor stops scaling, the server is the "
              "bottleneck; plugin / floor then shows what the plugin's extra client CPU costs "
              "the server on a shared machine.\n\n";
        concurrencyTable(r.concurrency);
    }

    if (v.memoryMeasured) {
        md << "\n## 5. Memory: RSS of the whole process over one long-lived handle\n\n"
           << r.memory.threads
           << " threads, all four HTTP metrics round-robin over every resource.\n\n"
           << "| calls | RSS MiB | Δ since 1,000 calls KiB |\n|---:|---:|---:|\n";
        for (const auto& [calls, kib] : r.memory.rssKiB) {
            md << "| " << thousands(calls) << " | " << mib(kib) << " | "
               << (kib - r.memory.at(1000)) << " |\n";
        }
    }

    if (!r.micro.empty()) {
        // Per-call steps compare with the fastest per-call floor, start-up steps (many items)
        // with the floor GET of the largest target list.
        double floorUs = 0, targetsMs = 0;
        for (const PerCallRow& row : r.perCall) {
            if (floorUs == 0 || row.floor.medianUs < floorUs)
                floorUs = row.floor.medianUs;
        }
        int mostTargets = 0;
        for (const StartupRow& row : r.startup) {
            if (row.targets > mostTargets) {
                mostTargets = row.targets;
                targetsMs = row.floorMs;
            }
        }
        md << "\n## 6. Micro-benchmarks (Google Benchmark, wds_common linked statically)\n\n"
           << "Compared with: per-call steps, the fastest per-call floor median ("
           << fmt(floorUs, 1) << " µs); steps over 1,000+ items, the floor GET of the largest "
           << "target list (" << fmt(targetsMs, 1) << " ms).\n\n"
           << "| benchmark | time per op | per item | compared with its floor |\n"
           << "|---|---:|---:|---:|\n";
        for (const MicroRow& row : r.micro) {
            const std::string t = row.ns >= 1e6   ? fmt(row.ns / 1e6) + " ms"
                                  : row.ns >= 1e3 ? fmt(row.ns / 1e3) + " µs"
                                                  : fmt(row.ns, 0) + " ns";
            const bool bulk = row.items >= 1000;
            const double versus =
                bulk ? ratio(row.ns / 1e6, targetsMs) : ratio(row.ns / 1e3, floorUs);
            md << "| " << row.name << " | " << t << " | "
               << (row.items > 0 ? fmt(row.ns / row.items, 0) + " ns" : "—") << " | "
               << (versus <= 0 ? "—"
                   : bulk      ? fmt(versus, 2) + " × the targets GET"
                               : fmt(100 * versus, 1) + " % of a call")
               << " |\n";
        }
    }

    md << "\n## Profile of one call (callgrind, instructions in user space)\n\n";
    if (!r.profile.ran) {
        md << r.profile.note << "\n";
    } else {
        const double total = r.profile.pluginIrPerCall;
        md << r.profile.calls << " calls of each kind (the four metrics in turn) under "
           << "`valgrind --tool=callgrind`, collected only inside the measured loops. "
           << "Instructions per call: plugin **" << thousands(total) << "**, floor **"
           << thousands(r.profile.floorIrPerCall) << "** (×"
           << fmt(ratio(total, r.profile.floorIrPerCall), 1)
           << "). Kernel time (socket syscalls) is not in these counts; the CPU µs/call column "
              "of table 1 includes it.\n\n"
           << "| step (inclusive) | Ir/call | share of the plugin call |\n|---|---:|---:|\n";
        for (const ProfileFunction& f : r.profile.stages) {
            md << "| " << f.name << " | "
               << (f.irPerCall > 0 ? thousands(f.irPerCall) : "— (not called, or inlined)") << " | "
               << (f.irPerCall > 0 ? fmt(100 * f.irPerCall / total, 1) + " %" : "—") << " |\n";
        }
        md << "\nHighest self cost inside the plugin call:\n\n"
           << "| function | Ir/call | share |\n|---|---:|---:|\n";
        for (const ProfileFunction& f : r.profile.top) {
            std::string name = f.name;
            for (char& c : name) {
                if (c == '|')
                    c = '/';
            }
            if (name.size() > 110)
                name = name.substr(0, 107) + "...";
            md << "| `" << name << "` | " << thousands(f.irPerCall) << " | "
               << fmt(100 * f.irPerCall / total, 1) << " % |\n";
        }
    }

    writeSummary(md, r);
    std::ofstream out(path);
    out << md.str();
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

}  // namespace wdsbench
