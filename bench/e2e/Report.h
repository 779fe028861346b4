#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wdsbench {

/** Latency distribution of one kind of call, in microseconds. */
struct Summary {
    size_t n = 0;
    double medianUs = 0, p99Us = 0, meanUs = 0, callsPerS = 0;
    static Summary of(std::vector<double> us);
};

struct PerCallRow {
    std::string metric;
    Summary plugin, floor;
    double pluginCpuUs = 0, floorCpuUs = 0;  // client CPU (user+sys) per call
    size_t bodyBytes = 0;                    // of the floor's response
    long serverGcs = 0;                      // Prometheus's garbage collections meanwhile
};

struct LocalRow {  // metrics answered from the resource itself, no HTTP
    std::string metric;
    double nsPerCall = 0;
};

struct StartupRow {
    int targets = 0, fqdns = 0;
    size_t bodyBytes = 0;
    double dlopenMs = 0, firstCreateMs = 0, createMs = 0, floorMs = 0;
    double createP90Ms = 0, floorP90Ms = 0;
    long rssBeforeKiB = 0, rssAfterDlopenKiB = 0, rssAfterCreateKiB = 0;
    long peakRssKiB = 0;   // VmHWM after the first create
    long heapHeldKiB = 0;  // malloc'd bytes the live source keeps (mallinfo2)
};

/** One batch call vs the same resources asked one statistic_aggregation call at a time. */
struct BatchRow {
    std::string metric;
    int resources = 0;
    bool regex = false;    // the batch named its resources (else: every resource, filtered)
    size_t urlBytes = 0;   // the batch's request line
    size_t bodyBytes = 0;  // the batch's answer
    unsigned batchQueries = 0, perCallQueries = 0;
    double batchMs = 0, perCallMs = 0, floorMs = 0;  // medians; floor: the batch's GET alone
    double batchCpuMs = 0;                           // the calling thread's CPU in the batch
    double serverEvalMs = 0;  // Prometheus's own evaluation of the batch's queries (stats=all)
    long serverSamples = 0;   // samples those queries read
    int reps = 0;
    size_t compared = 0;  // values found bitwise identical, over all repetitions
};

struct BatchSection {
    std::string dataset;
    double setupS = 0;  // writing, backfilling and starting its Prometheus
    std::vector<BatchRow> rows;
};

/** One side of the audit (prefetch on or off) over the repetitions. */
struct AuditSide {
    std::vector<double> wallMs, cpuMs;  // per repetition: the audit's calls, the whole process
    double createMs = 0;                // building the helper (mean), outside the audit
    double medianCallUs = 0;            // the median call of the last repetition
    std::map<std::string, long> serverRequests;  // per handler, one audit (the last one)
    long requests() const;                       // their sum
    double wallMedianMs() const;
    double cpuMedianMs() const;
};

/** RSS of a fresh Python process over one audit with prefetch (the helper kept alive). */
struct AuditMemory {
    int hosts = 0, instances = 0;
    std::string dataset;
    long modelKiB = 0;            // imports done, the cluster model built
    long createdKiB = 0;          // the helper built
    long auditKiB = 0;            // after the audit, the prefetched values held
    long peakKiB = 0;             // VmHWM after the audit
    long trimmedKiB = 0;          // then after gc.collect() and malloc_trim(0): what is live
    double auditMs = 0;           // that audit's calls
    long perThousandKiB() const;  // (auditKiB - createdKiB) per 1,000 resources
};

/** One distinct GET of the prefetch, replayed raw. */
struct AuditRequest {
    std::string what;         // the API path and its PromQL (query= or match[]=), decoded
    int sent = 0;             // identical requests per audit
    size_t bodyBytes = 0;     // its answer
    double ms = 0;            // the median of its raw replays over the rounds
    double serverEvalMs = 0;  // Prometheus's innerEvalTime (stats=all; queries only)
};

struct AuditProfileRow {
    std::string function;
    long calls = 0;
    double ownMs = 0, cumulativeMs = 0;
};

/** A workload_stabilization audit through the drop-in (bench/python/bench_audit.py). */
struct AuditSection {
    bool ran = false;
    std::string dataset, interpreter;
    double setupS = 0;
    int hosts = 0, instances = 0, reps = 0;
    long calls = 0;                 // statistic_aggregation calls per audit
    std::string vcpuMix;            // "1 vCPU: 2,500, 2 vCPUs: 3,750, ..."
    std::string parameters;         // the strategy's periods, aggregates, granularity
    AuditSide on, off;              // [watcher_ds] prefetch = true / false
    std::vector<double> ceilingMs;  // the prefetch's own GETs, replayed raw, per repetition
    double ceilingMedianMs() const;
    size_t ceilingRequests = 0;   // GETs the prefetch sent (through the capture proxy)
    size_t ceilingBodyBytes = 0;  // their answers
    size_t longestRequestLine = 0;
    double serverEvalMs = 0;               // Prometheus's own evaluation of the prefetch's queries
    std::vector<AuditRequest> requests;    // the prefetch's distinct GETs, in order of sending
    std::vector<AuditProfileRow> profile;  // cProfile of one prefetched audit, by own time
    double profiledMs = 0;                 // that audit's calls under the profiler
    // The prefetch's own account (prefetch.stats) and its time split, from the last audit.
    long batches = 0, queries = 0, lookups = 0, singleCalls = 0;
    double fetchMs = 0, lookupMedianUs = 0, lookupTotalMs = 0;
    size_t valuesCompared = 0;  // values found bitwise identical on and off, over every audit
    long noValues = 0;          // None answers per audit (the data set has a value for every call)
    std::vector<AuditMemory> memory;
    double speedup() const;  // off / on, datasource wall time
};

/** Relative difference (over max(1, |value|)) that the scale phase accepts as VM's rounding. */
constexpr double kScaleTolerance = 1e-12;

/** The scale phase: a batch of every resource vs sampled single calls, on VictoriaMetrics. */
struct ScaleRow {
    std::string metric;
    int resources = 0, sampled = 0;              // in the batch; single calls
    unsigned batchQueries = 0;                   // the batch answer's own count
    long batchRequests = 0, singleRequests = 0;  // VictoriaMetrics' count, one round
    double batchMs = 0, batchCpuMs = 0;          // medians; CPU: the whole client (getrusage)
    double singlesMs = 0, singlesCpuMs = 0;      // the `sampled` calls together
    long batchWithoutValue = 0;                  // batch items without a value
    size_t compared = 0;                         // sampled values bitwise identical, all rounds
    // VictoriaMetrics sums an aggregate's series in no fixed order (the same query asked twice
    // can differ in the last bits): values within kScaleTolerance are counted apart.
    size_t differing = 0;        // sampled batch values not bitwise the single's
    double maxRelativeDiff = 0;  // the largest of those differences, relative
    size_t singlesUnstable = 0;  // single calls whose value changed from one round to the next
    double perSingleMs() const { return sampled > 0 ? singlesMs / sampled : 0; }
    double extrapolatedMs() const { return perSingleMs() * resources; }
};

/** The drop-in's prefetched audit at that size vs a sampled audit without prefetch. */
struct ScalePython {
    bool ran = false;
    int stride = 1;  // the sample: every stride-th host and instance
    long calls = 0, sampledCalls = 0;
    double createMs = 0;                           // the helper (prefetch on), outside the audit
    double onMs = 0, onCpuMs = 0;                  // the whole audit with prefetch (medians)
    double offSampledMs = 0, offSampledCpuMs = 0;  // the sample without prefetch
    long onRequests = 0, offRequests = 0;          // VictoriaMetrics' count
    long batches = 0, queries = 0, singleCalls = 0, onNone = 0;
    long modelKiB = 0, rssAfterKiB = 0;  // the Python process: model built; after the audit
    size_t compared = 0;                 // sampled calls bitwise identical on and off
    size_t differing = 0;                // within kScaleTolerance, not bitwise
    double maxRelativeDiff = 0;
    double offExtrapolatedMs() const {
        return sampledCalls > 0 ? offSampledMs * static_cast<double>(calls) / sampledCalls : 0;
    }
};

struct ScaleSection {
    bool ran = false;
    std::string dataset, server;
    int hosts = 0, instances = 0, reps = 0, periodS = 0;
    double setupS = 0;       // starting VictoriaMetrics, generating and importing, searchable
    size_t importBytes = 0;  // the Prometheus text POSTed
    std::string hostLog;     // create's "host names: ..." line
    double firstCreateMs = 0, createMs = 0;  // createMs: median of the fresh sources after it
    int createReps = 0;
    long rssBeforeKiB = 0, rssAfterCreateKiB = 0, peakKiB = 0, heapHeldKiB = 0;
    std::vector<ScaleRow> rows;
    ScalePython python;
};

/** Throughput of a fixed number of threads, and where the CPU went meanwhile. */
struct Rate {
    double perS = 0;
    double cpuUsPerCall = 0;  // CPU (user + sys) of the calling threads per call
    double processCores = 0;  // CPU of this whole process (the stub server included) / wall time
};

struct ConcurrencyRow {
    int threads = 0;
    Rate plugin, floor;
    double localPerS = 0;  // a no-HTTP metric, 0 when not measured
    bool oneCore = false;  // the whole process (server threads too) pinned to one CPU
};

struct MemoryResult {
    std::vector<std::pair<long, long>> rssKiB;  // (calls done, VmRSS)
    int threads = 0;
    long at(long calls) const;
};

struct MicroRow {
    std::string name;
    double ns = 0;
    double items = 0;  // samples/targets per iteration, 0 if not applicable
};

struct ProfileFunction {
    std::string name;
    double irPerCall = 0;
};

struct ProfileResult {
    bool ran = false;
    std::string note;
    int calls = 0;
    double pluginIrPerCall = 0, floorIrPerCall = 0;
    std::vector<ProfileFunction> stages;  // inclusive cost of the steps of one call
    std::vector<ProfileFunction> top;     // highest self cost inside the plugin call
};

/** The Python host (watcher_ds) against the C ABI host and the floor, interleaved. */
struct PythonRow {
    std::string metric;
    Summary python, plugin, floor;            // plugin: the bare function pointer through ctypes
    Summary pluginLate;                       // the same, sent `latenessUs` later (busy-waiting)
    double latenessUs = 0;                    // the package's own work per call, without HTTP
    double pythonCpuUs = 0, pluginCpuUs = 0;  // client CPU per call
};

struct PythonProfileRow {
    std::string function;
    double callsPerCall = 0, ownUs = 0, cumulativeUs = 0;
};

struct PythonSection {
    bool ran = false;
    std::string interpreter;
    bool requestsIdentical = false;  // the Python host's GETs equal the floor's, byte for byte
    size_t requestsCompared = 0;
    std::vector<PythonRow> rows;
    double localPythonNs = 0, localPluginNs = 0;  // the no-HTTP call: watcher_ds vs wds::Source
    std::vector<PythonProfileRow> profile;        // cProfile of the no-HTTP call
    double slowServerDelayS = 0;
    int callsPerThread = 0;
    std::vector<std::pair<int, double>> threads;  // (threads, calls/s) against the slow server
};

struct Results {
    std::string when, machine, prometheus, plugin;
    std::string options;  // the runner's options beyond its output files, as given
    std::string dataset;  // one line: hosts, instances, series, samples
    int periodS = 0;
    std::vector<PerCallRow> perCall;
    std::vector<LocalRow> local;
    BatchSection batch;
    std::string concurrencyMetric;
    std::vector<ConcurrencyRow> concurrency;      // against Prometheus
    std::vector<ConcurrencyRow> concurrencyStub;  // against the stub; localPerS set
    std::vector<StartupRow> startup;
    MemoryResult memory;
    std::vector<MicroRow> micro;
    ProfileResult profile;
    PythonSection python;
    AuditSection audit;
    ScaleSection scale;
    double seconds = 0;
};

/** Reads Google Benchmark's JSON output (--benchmark_out); empty if the file is missing. */
std::vector<MicroRow> readMicro(const std::string& path);

void writeJson(const Results& r, const std::string& path);
void writeMarkdown(const Results& r, const std::string& path);

}  // namespace wdsbench
