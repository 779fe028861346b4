#pragma once

#include <cstdint>
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
    double seconds = 0;
};

/** Reads Google Benchmark's JSON output (--benchmark_out); empty if the file is missing. */
std::vector<MicroRow> readMicro(const std::string& path);

void writeJson(const Results& r, const std::string& path);
void writeMarkdown(const Results& r, const std::string& path);

}  // namespace wdsbench
