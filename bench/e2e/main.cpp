// wds_bench_e2e: the end-to-end benchmark of libprometheus_ds.so against a real Prometheus.
// Every figure is paired with a floor measured in the same run, interleaved with it, so the noise
// of a shared machine hits both sides alike and the ratios stay meaningful.
//
//   wds_bench_e2e [--out-md F] [--out-json F] [--micro-json F] [--hosts N] [--instances N]
//                 [--series N] [--window S] [--calls N] [--memory-calls N] [--concurrency-ms MS]
//                 [--profile-calls N] [--startup-targets 10,1000,10000] [--startup-reps K]
//                 [--batch-hosts 10,100,1000] [--batch-reps K]
//                 [--python-calls N]
//                 [--audit-hosts N] [--audit-instances M] [--audit-reps K]
//                 [--audit-memory-hosts N --audit-memory-instances M]  (e.g. 10000 / 100000)
//                 [--scale-hosts N --scale-instances M] [--scale-samples K] [--scale-reps K]
//                 [--scale-python 0|1]  (VictoriaMetrics; e.g. 10000 / 100000)
//                 [--phases per-call,python,batch,audit,scale,concurrency,memory,profile,startup]
//   wds_bench_e2e startup-child --port P --requests FILE --reps K   (one fresh process per size)
//   wds_bench_e2e scale-child --port P --reps K                     (create at scale, fresh)
//   wds_bench_e2e profile-child --port P --requests FILE --calls N  (run under callgrind)
#include <malloc.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "Audit.h"
#include "Batch.h"
#include "BenchData.h"
#include "CaptureServer.h"
#include "FloorClient.h"
#include "Harness.h"
#include "Profile.h"
#include "PythonHost.h"
#include "Report.h"
#include "Scale.h"
#include "ServerStats.h"
#include "servers/ChildProcess.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "watcher_ds/datasource.hpp"

namespace wdsbench {
namespace {

using Args = std::map<std::string, std::string>;

/** A "VmRSS:" (default) or "VmHWM:" (peak RSS) line of /proc/self/status, in KiB. */
long rssKiB(const char* field = "VmRSS:") {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(field, 0) == 0)
            return std::stol(line.substr(std::strlen(field)));
    }
    return 0;
}

/** Heap bytes in use (glibc), unlike RSS blind to freed memory malloc keeps. */
long heapInUseKiB() {
    return static_cast<long>(mallinfo2().uordblks / 1024);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

struct Metric {
    const char* name;
    bool host;
};
constexpr Metric kMetrics[] = {{"host_cpu_usage", true},
                               {"host_ram_usage", true},
                               {"instance_cpu_usage", false},
                               {"instance_ram_usage", false}};
constexpr int kPeriodS = 300;  // Watcher's default statistic_aggregation period

wds::AggregationRequest requestFor(const Metric& metric, const std::string& resource) {
    wds::AggregationRequest request;
    request.resourceType = metric.host ? WDS_RESOURCE_COMPUTE_NODE : WDS_RESOURCE_INSTANCE;
    request.resource =
        metric.host ? wds::Resource::computeNode(resource) : wds::Resource::instance(resource);
    if (!metric.host)
        request.resource.vcpus = 2;
    request.meterName = metric.name;
    request.periodS = kPeriodS;
    request.evalTimeMs = BenchData::kEnd * 1000;  // the data set ends in the past
    return request;
}

/** Captured GETs, one after another (no bodies: each ends at its empty line). */
std::vector<std::string> splitRequests(const std::string& raw) {
    std::vector<std::string> requests;
    for (size_t at = 0; at < raw.size();) {
        const size_t end = raw.find("\r\n\r\n", at);
        if (end == std::string::npos)
            throw std::runtime_error("a captured request has no end of its head");
        requests.push_back(raw.substr(at, end + 4 - at));
        at = end + 4;
    }
    return requests;
}

/** One statistic_aggregation call, and the exact bytes the plugin sends for it. */
struct Call {
    wds::AggregationRequest request;
    std::string raw;
};

struct Workload {
    std::string createRaw;  // create()'s GETs: the active targets, then the fqdn label's values
    std::vector<std::vector<Call>> byMetric;  // in kMetrics order
};

/** Records every request the plugin makes for the data set, retargeted at Prometheus. */
Workload capture(const wds_plugin_v1& plugin, const BenchData& data, int promPort) {
    std::vector<std::string> hosts;
    for (int h = 0; h < data.hosts; ++h)
        hosts.push_back(data.hostName(h));
    CaptureServer stub(hosts);
    Workload work;
    wds::Source source = connect(plugin, stub.port());
    for (const std::string& request : stub.takeAll())
        work.createRaw += request;
    for (const Metric& metric : kMetrics) {
        std::vector<Call>& calls = work.byMetric.emplace_back();
        const int count = metric.host ? data.hosts : data.instances;
        for (int i = 0; i < count; ++i) {
            Call call{requestFor(metric, metric.host ? data.hostName(i) : data.uuid(i)), {}};
            check(source.statisticAggregation(call.request));
            call.raw = retarget(stub.last(), promPort);
            calls.push_back(std::move(call));
        }
    }
    return work;
}

// ---- 1. per-call latency against the floor -----------------------------------------------------

PerCallRow perCall(const wds::Source& source, FloorClient& floor,
                   const wds::testing::PrometheusServer& prom, const std::vector<Call>& calls,
                   const char* name, int count) {
    PerCallRow row;
    row.metric = name;
    const auto viaPlugin = [&](const Call& c) { check(source.statisticAggregation(c.request)); };
    const auto viaFloor = [&](const Call& c) {
        const FloorClient::Reply reply = floor.get(c.raw);
        check(reply);
        row.bodyBytes = reply.bodyBytes;
    };
    for (size_t i = 0; i < std::min<size_t>(100, calls.size()); ++i) {  // warm-up
        viaPlugin(calls[i]);
        viaFloor(calls[i]);
    }
    // Same resource asked by both sides back to back, and the request stream strictly
    // alternating sides (P F P F ...), so a server pause that slows two requests in a row slows
    // one of each: Prometheus collects garbage every few hundred requests, and alternating who
    // goes first per resource (P F F P ...) put every such pause on the same side, run after
    // run. Which side goes second (and finds the resource warm in Prometheus) flips every block.
    constexpr int kBlock = 1000;
    std::vector<double> plugin, floorUs;
    const long gcsBefore = serverGcCount(prom);
    for (int i = 0; i < count; ++i) {
        const Call& c = calls[static_cast<size_t>(i) % calls.size()];
        const bool pluginFirst = (i / kBlock) % 2 == 0;
        for (int side = 0; side < 2; ++side) {
            const bool pluginTurn = (side == 0) == pluginFirst;
            const auto start = Clock::now();
            pluginTurn ? viaPlugin(c) : viaFloor(c);
            (pluginTurn ? plugin : floorUs).push_back(usSince(start));
        }
    }
    row.serverGcs = serverGcCount(prom) - gcsBefore;
    row.plugin = Summary::of(std::move(plugin));
    row.floor = Summary::of(std::move(floorUs));
    // Client CPU per call (user + sys of this thread), in blocks: the clock itself is a syscall.
    const int cpuCalls = std::max(100, count / 4);
    for (int side = 0; side < 2; ++side) {
        const double start = threadCpuUs();
        for (int i = 0; i < cpuCalls; ++i) {
            const Call& c = calls[static_cast<size_t>(i) % calls.size()];
            side == 0 ? viaPlugin(c) : viaFloor(c);
        }
        (side == 0 ? row.pluginCpuUs : row.floorCpuUs) = (threadCpuUs() - start) / cpuCalls;
    }
    return row;
}

// ---- 1b. the Python host (watcher_ds) -----------------------------------------------------------

/** The resource a call asks about, as the Python host names it. */
std::string resourceName(const Call& call) {
    return call.request.resourceType == WDS_RESOURCE_COMPUTE_NODE ? call.request.resource.hostname
                                                                  : call.request.resource.uuid;
}

/** Sends the calls of one metric to the Python host: each resource and its floor GET. */
void loadCalls(PythonHost& py, const char* metric, const std::vector<Call>& calls) {
    std::vector<std::string> lines;
    for (const Call& call : calls) {
        Poco::JSON::Array pair;
        pair.add(resourceName(call));
        pair.add(call.raw);
        std::ostringstream line;
        pair.stringify(line);
        lines.push_back(line.str());
    }
    py.ask(std::string("calls ") + metric + " " + std::to_string(BenchData::kEnd) + " " +
               std::to_string(lines.size()),
           lines);
}

Summary summaryOf(const Poco::JSON::Object::Ptr& o) {
    Summary s;
    s.n = o->getValue<size_t>("n");
    s.medianUs = o->getValue<double>("median_us");
    s.p99Us = o->getValue<double>("p99_us");
    s.meanUs = o->getValue<double>("mean_us");
    s.callsPerS = 1e6 / s.meanUs;
    return s;
}

/**
 * The Python host against the floor: bench/python/bench_host.py runs, in its own loop, the
 * watcher_ds call, the bare function pointer and the floor client (the same C++ code, loaded
 * with ctypes) on the same resource back to back, rotating who goes first, as perCall() does.
 */
PythonSection measurePython(const std::string& pluginPath, const Workload& work,
                            const BenchData& data, int promPort, int calls) {
    PythonSection section;
    section.interpreter = WDS_PYTHON;
    PythonHost py(WDS_BENCH_PYTHON_HOST, {pluginPath, WDS_BENCH_FLOOR_LIBRARY});

    // The Python host's GETs, captured by the stub, must be the floor's bytes.
    {
        std::vector<std::string> hosts;
        for (int h = 0; h < data.hosts; ++h)
            hosts.push_back(data.hostName(h));
        CaptureServer stub(hosts);
        py.ask("source " + std::to_string(stub.port()));
        section.requestsIdentical = true;
        for (size_t m = 0; m < std::size(kMetrics); ++m) {
            const auto& metricCalls = work.byMetric[m];
            loadCalls(py, kMetrics[m].name, metricCalls);
            for (size_t i = 0; i < std::min<size_t>(20, metricCalls.size()); ++i) {
                py.ask("call " + std::to_string(i));
                section.requestsIdentical &= retarget(stub.last(), promPort) == metricCalls[i].raw;
                ++section.requestsCompared;
            }
        }
    }

    py.ask("source " + std::to_string(promPort));
    for (size_t m = 0; m < std::size(kMetrics); ++m) {
        progress(std::string("python: per-call ") + kMetrics[m].name);
        loadCalls(py, kMetrics[m].name, work.byMetric[m]);
        const auto run = askJson(py, "run " + std::to_string(calls));
        PythonRow row;
        row.metric = kMetrics[m].name;
        row.python = summaryOf(run->getObject("python"));
        row.plugin = summaryOf(run->getObject("abi"));
        row.floor = summaryOf(run->getObject("floor"));
        row.pluginLate = summaryOf(run->getObject("abi_late"));
        row.latenessUs = run->getValue<double>("lateness_us");
        row.pythonCpuUs = run->getValue<double>("python_cpu_us");
        row.pluginCpuUs = run->getValue<double>("abi_cpu_us");
        section.rows.push_back(row);
    }

    progress("python: the no-HTTP call and its profile");
    const auto local = askJson(py, "local 20000");
    section.localPythonNs = local->getValue<double>("ns_per_call");
    section.localPluginNs = local->getValue<double>("abi_ns_per_call");
    for (const auto& entry : *local->getArray("profile")) {
        const auto row = entry.extract<Poco::JSON::Object::Ptr>();
        section.profile.push_back(
            {row->getValue<std::string>("function"), row->getValue<double>("calls_per_call"),
             row->getValue<double>("own_us"), row->getValue<double>("cumulative_us")});
    }

    progress("python: threads against a slow server");
    section.slowServerDelayS = 0.02;
    section.callsPerThread = std::max(5, calls / 400);
    const auto threads = askJson(py, "threads " + std::string(WDS_SLOW_PROMETHEUS) + " " +
                                         std::to_string(section.slowServerDelayS) + " " +
                                         std::to_string(section.callsPerThread) + " 1,2,4,8");
    const auto rates = threads->getObject("calls_per_s");
    for (int n : {1, 2, 4, 8})
        section.threads.emplace_back(n, rates->getValue<double>(std::to_string(n)));
    section.ran = true;
    return section;
}

/** The flavor metrics never leave the process: the plugin's own cost per call. */
LocalRow localCall(const wds::Source& source, const char* name, int count) {
    wds::AggregationRequest request = requestFor(kMetrics[2], BenchData().uuid(0));
    request.meterName = name;
    request.resource.memoryMb = 2048;
    request.resource.diskGb = 20;
    check(source.statisticAggregation(request));
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i)
        check(source.statisticAggregation(request));
    return {name, usSince(start) * 1000 / count};
}

// ---- 4. concurrency ---------------------------------------------------------------------------

double processCpuUs() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

/** `threads` workers (each from makeWorker(t)) calling as fast as they can for `seconds`. */
template <class MakeWorker>
Rate perSecond(int threads, double seconds, MakeWorker makeWorker) {
    std::atomic<bool> go{false}, stop{false};
    std::atomic<int> ready{0};
    std::atomic<long> total{0};
    std::mutex cpuMutex;
    double cpuUs = 0;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            auto work = makeWorker(t);
            ++ready;
            while (!go)
                std::this_thread::yield();
            const double cpuStart = threadCpuUs();
            long done = 0;
            for (; !stop; ++done)
                work();
            total += done;
            const double cpuEnd = threadCpuUs();
            std::lock_guard<std::mutex> lock(cpuMutex);
            cpuUs += cpuEnd - cpuStart;
        });
    }
    while (ready < threads)
        std::this_thread::yield();
    const auto start = Clock::now();
    const double processStart = processCpuUs();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& thread : pool)
        thread.join();
    const double wallUs = usSince(start);
    const double calls = static_cast<double>(total);
    Rate rate;
    rate.perS = calls / (wallUs / 1e6);
    rate.cpuUsPerCall = calls > 0 ? cpuUs / calls : 0;
    rate.processCores = (processCpuUs() - processStart) / wallUs;
    return rate;
}

/**
 * Pins every thread of this process, and the threads they start meanwhile, to one CPU while it
 * lives. One client thread against an in-process server then switches on one core, as it would
 * on a busy machine, instead of waking an idle core on every request and answer: without this
 * the one-thread baseline pays for idle wake-ups that two threads, keeping both cores busy, do
 * not, and two threads "scale" by x5.
 */
class ProcessOnOneCore {
  public:
    ProcessOnOneCore() {
        CPU_ZERO(&all_);
        if (sched_getaffinity(0, sizeof all_, &all_) != 0)
            throw std::runtime_error("sched_getaffinity failed");
        int first = 0;
        while (!CPU_ISSET(first, &all_))
            ++first;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(first, &one);
        setForEveryThread(one);
    }
    ~ProcessOnOneCore() { setForEveryThread(all_); }
    ProcessOnOneCore(const ProcessOnOneCore&) = delete;
    ProcessOnOneCore& operator=(const ProcessOnOneCore&) = delete;

  private:
    static void setForEveryThread(const cpu_set_t& set) {
        for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
            const auto tid = static_cast<pid_t>(std::stol(task.path().filename().string()));
            sched_setaffinity(tid, sizeof set, &set);  // a thread that just ended: ESRCH, fine
        }
    }
    cpu_set_t all_;
};

/**
 * Calls/s of 1, 2, 4 and 8 threads sharing `source`, and of as many floor clients (one
 * connection each) sending the same requests to `port`; with `local`, also of that no-HTTP call.
 * With `oneCoreBaseline`, first also 1 thread with the whole process on one CPU.
 */
std::vector<ConcurrencyRow> concurrency(const wds::Source& source, int port,
                                        const std::vector<Call>& calls, double seconds, int sweeps,
                                        const wds::AggregationRequest* local,
                                        bool oneCoreBaseline) {
    std::vector<std::string> raws;
    for (const Call& call : calls)
        raws.push_back(retarget(call.raw, port));
    const auto pluginWorker = [&](int t) {
        return [&, i = static_cast<size_t>(t) * 7919]() mutable {
            check(source.statisticAggregation(calls[i++ % calls.size()].request));
        };
    };
    const auto floorWorker = [&](int t) {
        return [&, i = static_cast<size_t>(t) * 7919,
                floor = std::make_shared<FloorClient>(port)]() mutable {
            check(floor->get(raws[i++ % raws.size()]));
        };
    };
    const auto localWorker = [&](int) {
        return [&] { check(source.statisticAggregation(*local)); };
    };

    std::vector<ConcurrencyRow> rows;
    if (oneCoreBaseline)
        rows.push_back({1, {}, {}, 0, true});
    for (int threads : {1, 2, 4, 8})
        rows.push_back({threads, {}, {}, 0, false});
    // Best of `sweeps`: other work on the shared machine can only slow a phase down.
    for (int sweep = 0; sweep < sweeps; ++sweep) {
        for (ConcurrencyRow& row : rows) {
            std::optional<ProcessOnOneCore> pinned;
            if (row.oneCore)
                pinned.emplace();
            const bool pluginFirst = (sweep + row.threads) % 2 == 0;
            for (int k = 0; k < 2; ++k) {
                Rate& best = (k == 0) == pluginFirst ? row.plugin : row.floor;
                const Rate rate = (k == 0) == pluginFirst
                                      ? perSecond(row.threads, seconds, pluginWorker)
                                      : perSecond(row.threads, seconds, floorWorker);
                if (rate.perS > best.perS)
                    best = rate;
            }
            if (local != nullptr) {
                row.localPerS =
                    std::max(row.localPerS, perSecond(row.threads, seconds / 2, localWorker).perS);
            }
        }
    }
    return rows;
}

// ---- 5. memory --------------------------------------------------------------------------------

MemoryResult memory(const wds_plugin_v1& plugin, int port, const Workload& work, long total,
                    int threads) {
    std::vector<const Call*> mix;  // round-robin over metrics and resources
    for (size_t i = 0, added = 1; added > 0; ++i) {
        added = 0;
        for (const auto& calls : work.byMetric) {
            if (i < calls.size()) {
                mix.push_back(&calls[i]);
                ++added;
            }
        }
    }
    MemoryResult result;
    result.threads = threads;
    wds::Source source = connect(plugin, port);
    std::atomic<long> next{0};
    for (long checkpoint : {1000L, 10000L, 25000L, 50000L, 75000L, 100000L}) {
        checkpoint = std::min(checkpoint, total);
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&] {
                for (long i; (i = next++) < checkpoint;)
                    check(source.statisticAggregation(mix[i % mix.size()]->request));
            });
        }
        for (auto& thread : pool)
            thread.join();
        next = checkpoint;
        result.rssKiB.emplace_back(checkpoint, rssKiB());
        if (checkpoint == total)
            break;
    }
    return result;
}

// ---- 3. start-up (in a fresh process per target count) ----------------------------------------

int startupChild(const Args& args) {
    const long rssBefore = rssKiB();
    auto start = Clock::now();
    const wds_plugin_v1& plugin = loadPlugin(args.at("plugin"));
    const double dlopenMs = usSince(start) / 1000;
    const long rssAfterDlopen = rssKiB();

    const int port = std::stoi(args.at("port"));
    const std::vector<std::string> requests = splitRequests(readFile(args.at("requests")));
    const int reps = std::stoi(args.at("reps"));
    long rssAfterCreate = 0, peakKiB = 0, heapHeldKiB = 0;
    size_t bodyBytes = 0;
    Poco::JSON::Array::Ptr create = new Poco::JSON::Array, floor = new Poco::JSON::Array;
    for (int k = 0; k < reps; ++k) {
        for (int side = 0; side < 2; ++side) {
            start = Clock::now();
            if ((side == 0) == (k % 2 == 0)) {
                const long heapBefore = heapInUseKiB();
                wds::Source source = connect(plugin, port);
                create->add(usSince(start) / 1000);
                if (k == 0) {  // with the first source still alive
                    rssAfterCreate = rssKiB();
                    peakKiB = rssKiB("VmHWM:");
                    heapHeldKiB = heapInUseKiB() - heapBefore;
                }
            } else {
                // create()'s GETs on a new connection each time, as create() opens one.
                FloorClient client(port);
                bodyBytes = 0;
                for (const std::string& request : requests) {
                    const FloorClient::Reply reply = client.get(request);
                    check(reply);
                    bodyBytes += reply.bodyBytes;
                }
                floor->add(usSince(start) / 1000);
            }
        }
    }
    Poco::JSON::Object out;
    out.set("dlopen_ms", dlopenMs);
    out.set("create_ms", create);
    out.set("floor_ms", floor);
    out.set("body_bytes", bodyBytes);
    out.set("rss_before_kib", rssBefore);
    out.set("rss_after_dlopen_kib", rssAfterDlopen);
    out.set("rss_after_create_kib", rssAfterCreate);
    out.set("peak_rss_kib", peakKiB);
    out.set("heap_held_kib", heapHeldKiB);
    std::cout << "RESULT ";
    out.stringify(std::cout);
    std::cout << std::endl;
    return 0;
}

double p90(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, v.size() * 9 / 10)];
}

StartupRow startup(const std::string& self, const std::string& pluginPath, int targets,
                   const std::string& createRaw, int reps) {
    BenchData sized;
    sized.hosts = targets / 2;
    wds::testing::PrometheusOptions options;
    options.targets = sized.targets();
    options.readyTimeout = std::chrono::seconds(180);
    wds::testing::PrometheusServer prom(options);
    prom.start();

    const std::string requestFile = prom.workDir() + "/create.requests";
    std::string requests;
    for (const std::string& request : splitRequests(createRaw))
        requests += retarget(request, prom.port());
    writeFile(requestFile, requests);
    wds::testing::ChildProcess child;
    const std::string log = prom.workDir() + "/startup.log";
    child.start(
        {self, "startup-child", "--plugin", pluginPath, "--port", std::to_string(prom.port()),
         "--requests", requestFile, "--reps", std::to_string(reps)},
        log);
    if (!child.wait(std::chrono::seconds(300)) || child.exitStatus() != 0)
        throw std::runtime_error("startup child failed:\n" + child.logTail());
    const std::string text = readFile(log);
    const size_t at = text.find("RESULT ");
    if (at == std::string::npos)
        throw std::runtime_error("startup child printed no result:\n" + text);
    Poco::JSON::Parser parser;
    auto out = parser.parse(text.substr(at + 7)).extract<Poco::JSON::Object::Ptr>();
    const auto list = [&](const char* key) {
        std::vector<double> v;
        for (const auto& x : *out->getArray(key))
            v.push_back(x.convert<double>());
        return v;
    };
    StartupRow row;
    row.targets = targets;
    row.fqdns = sized.hosts;
    row.bodyBytes = out->getValue<size_t>("body_bytes");
    row.dlopenMs = out->getValue<double>("dlopen_ms");
    std::vector<double> create = list("create_ms");
    row.firstCreateMs = create.front();
    create.erase(create.begin());  // first-call costs (OpenSSL init, page faults) shown apart
    row.createMs = median(create);
    row.createP90Ms = p90(create);
    row.floorMs = median(list("floor_ms"));
    row.floorP90Ms = p90(list("floor_ms"));
    row.rssBeforeKiB = out->getValue<long>("rss_before_kib");
    row.rssAfterDlopenKiB = out->getValue<long>("rss_after_dlopen_kib");
    row.rssAfterCreateKiB = out->getValue<long>("rss_after_create_kib");
    row.peakRssKiB = out->getValue<long>("peak_rss_kib");
    row.heapHeldKiB = out->getValue<long>("heap_held_kib");
    return row;
}

// ---- 6. profile (under callgrind) ------------------------------------------------------------

// Out of line and with fixed names: callgrind collects only inside these two.
__attribute__((noinline)) void profilePluginCalls(const wds::Source& source,
                                                  const std::vector<Call>& calls, int count) {
    for (int i = 0; i < count; ++i)
        check(source.statisticAggregation(calls[i % calls.size()].request));
}
__attribute__((noinline)) void profileFloorCalls(FloorClient& floor, const std::vector<Call>& calls,
                                                 int count) {
    for (int i = 0; i < count; ++i)
        check(floor.get(calls[i % calls.size()].raw));
}
__attribute__((noinline)) void profileSplit() {  // callgrind dumps the plugin part here
    asm volatile("");
}

int profileChild(const Args& args) {
    const int port = std::stoi(args.at("port"));
    const wds_plugin_v1& plugin = loadPlugin(args.at("plugin"));
    wds::Source source = connect(plugin, port);
    FloorClient floor(port);
    // One call per metric for the data set's first host and instance; requests come from the
    // parent's capture, separated by their empty line.
    const std::vector<std::string> raw = splitRequests(readFile(args.at("requests")));
    const BenchData data;
    std::vector<Call> calls;
    for (size_t m = 0; m < std::size(kMetrics) && m < raw.size(); ++m) {
        const Metric& metric = kMetrics[m];
        calls.push_back(
            {requestFor(metric, metric.host ? data.hostName(0) : data.uuid(0)), raw[m]});
    }
    for (const Call& call : calls) {  // warm-up, outside the collected functions
        check(source.statisticAggregation(call.request));
        check(floor.get(call.raw));
    }
    const int count = std::stoi(args.at("calls"));
    profilePluginCalls(source, calls, count);
    profileSplit();
    profileFloorCalls(floor, calls, count);
    return 0;
}

// ---- the whole run -----------------------------------------------------------------------------

std::string machine() {
    utsname u{};
    uname(&u);
    std::string cpu;
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    }
    return std::to_string(std::thread::hardware_concurrency()) + " CPUs (" + cpu + "), " +
           u.sysname + " " + u.release;
}

std::string prometheusVersion(const wds::testing::PrometheusServer& prom) {
    try {
        Poco::JSON::Parser parser;
        auto root = parser.parse(prom.get("/api/v1/status/buildinfo").body)
                        .extract<Poco::JSON::Object::Ptr>();
        return "Prometheus " + root->getObject("data")->getValue<std::string>("version");
    } catch (const std::exception&) {
        return "Prometheus (version unknown)";
    }
}

std::string now() {
    char buf[64];
    const time_t t = time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    return buf;
}

int run(const Args& args) {
    const auto started = Clock::now();
    const auto num = [&](const char* key, long fallback) {
        return args.count(key) ? std::stol(args.at(key)) : fallback;
    };
    const std::string self = args.at("self");
    const std::string pluginPath = args.at("plugin");
    BenchData data;
    data.hosts = static_cast<int>(num("hosts", 50));
    data.instances = static_cast<int>(num("instances", 500));
    data.seriesPerInstance = static_cast<int>(num("series", 2));
    data.windowS = num("window", 1800);
    const int calls = static_cast<int>(num("calls", 10000));
    const long memoryCalls = num("memory-calls", 100000);
    const double seconds = static_cast<double>(num("concurrency-ms", 1500)) / 1000;

    Results r;
    r.when = now();
    for (const auto& [name, value] : args) {
        static const std::set<std::string> kNotOptions = {"out-md", "out-json", "micro-json",
                                                          "plugin", "self"};
        if (kNotOptions.count(name) == 0)
            r.options += " --" + name + " " + value;
    }
    r.machine = machine();
    r.plugin = pluginPath;
    r.periodS = kPeriodS;
    r.dataset = data.describe();

    wds::testing::TempDir dir("wds-bench-");
    progress("writing the data set: " + r.dataset);
    const auto prom = data.serve(dir.path());
    r.prometheus = prometheusVersion(*prom);

    const wds_plugin_v1& plugin = loadPlugin(pluginPath);
    progress("capturing the plugin's requests");
    const Workload work = capture(plugin, data, prom->port());
    // --phases picks a subset, e.g. for a quick look at one of them.
    const std::string phases =
        args.count("phases") ? "," + args.at("phases") + ","
                             : ",per-call,python,batch,audit,scale,concurrency,memory,profile,"
                               "startup,";
    const auto phase = [&](const char* name) {
        return phases.find("," + std::string(name) + ",") != std::string::npos;
    };
    if (phase("per-call")) {
        wds::Source source = connect(plugin, prom->port());
        FloorClient floor(prom->port());
        for (size_t m = 0; m < std::size(kMetrics); ++m) {
            progress(std::string("per-call: ") + kMetrics[m].name);
            r.perCall.push_back(
                perCall(source, floor, *prom, work.byMetric[m], kMetrics[m].name, calls));
        }
        for (const char* name : {"instance_ram_allocated", "instance_root_disk_size"})
            r.local.push_back(localCall(source, name, 200000));
    }
    if (phase("python")) {
        r.python = measurePython(pluginPath, work, data, prom->port(),
                                 static_cast<int>(num("python-calls", calls / 2)));
    }
    if (phase("concurrency")) {
        // The cheapest query for Prometheus, so the server saturates as late as possible.
        size_t m = 3;
        for (size_t i = 0; i < r.perCall.size(); ++i) {
            if (r.perCall[i].floor.medianUs < r.perCall[m].floor.medianUs)
                m = i;
        }
        r.concurrencyMetric = kMetrics[m].name;
        progress("concurrency against Prometheus: " + r.concurrencyMetric);
        wds::Source source = connect(plugin, prom->port());
        r.concurrency =
            concurrency(source, prom->port(), work.byMetric[m], seconds, 2, nullptr, false);
    }
    if (phase("concurrency")) {
        // The same with a stub that answers at once: the client side alone (host_cpu_usage,
        // which also takes the label map's lock), plus the no-HTTP path.
        progress("concurrency against the stub server");
        std::vector<std::string> hosts;
        for (int h = 0; h < data.hosts; ++h)
            hosts.push_back(data.hostName(h));
        CaptureServer stub(hosts, false);
        wds::Source source = connect(plugin, stub.port());
        wds::AggregationRequest local = requestFor(kMetrics[2], data.uuid(0));
        local.meterName = "instance_ram_allocated";
        local.resource.memoryMb = 2048;
        r.concurrencyStub =
            concurrency(source, stub.port(), work.byMetric[0], seconds / 2, 3, &local, true);
    }
    if (phase("memory")) {
        progress("memory: " + std::to_string(memoryCalls) + " calls");
        r.memory = memory(plugin, prom->port(), work, memoryCalls, 2);
    }
    if (phase("profile")) {
        progress("profile: callgrind");
        std::string requests;
        for (const auto& metricCalls : work.byMetric)
            requests += metricCalls.front().raw;
        writeFile(dir.file("profile.requests"), requests);
        const int profileCalls = static_cast<int>(num("profile-calls", 200));
        r.profile = runCallgrind(
            {self, "profile-child", "--plugin", pluginPath, "--port", std::to_string(prom->port()),
             "--requests", dir.file("profile.requests"), "--calls", std::to_string(profileCalls)},
            profileCalls, dir.path());
    }
    prom->stop();

    if (phase("batch")) {
        // Its own, larger data set: the other phases keep the small one they are judged on.
        BatchOptions options;
        options.periodS = kPeriodS;
        options.reps = static_cast<int>(num("batch-reps", 5));
        options.hostCounts.clear();
        std::stringstream counts(args.count("batch-hosts") ? args.at("batch-hosts")
                                                           : "10,100,1000");
        for (std::string n; std::getline(counts, n, ',');)
            options.hostCounts.push_back(std::stoi(n));
        BenchData batchData;
        batchData.hosts = *std::max_element(options.hostCounts.begin(), options.hostCounts.end());
        batchData.instances = 10 * batchData.hosts;
        batchData.stepS = 30;
        batchData.memorySeries = false;
        progress("batch: writing the data set: " + batchData.describe());
        r.batch = measureBatch(plugin, batchData, options);
    }

    if (phase("audit")) {
        // Its own data set too: workload_stabilization's hosts and instances, every metric.
        AuditOptions options;
        options.hosts = static_cast<int>(num("audit-hosts", 1000));
        options.instances = static_cast<int>(num("audit-instances", 10000));
        options.reps = static_cast<int>(num("audit-reps", 3));
        options.memoryHosts = static_cast<int>(num("audit-memory-hosts", 0));
        options.memoryInstances = static_cast<int>(num("audit-memory-instances", 0));
        r.audit = measureAudit(pluginPath, options);
    }

    if (phase("scale")) {
        // VictoriaMetrics with no scrape targets; small by default so ./scripts/bench stays
        // short, 10,000 / 100,000 on request.
        ScaleOptions options;
        options.hosts = static_cast<int>(num("scale-hosts", 1000));
        options.instances = static_cast<int>(num("scale-instances", 10000));
        options.samples = static_cast<int>(num("scale-samples", 1000));
        options.reps = static_cast<int>(num("scale-reps", 3));
        options.python = num("scale-python", 1) != 0;
        options.self = self;
        r.scale = measureScale(plugin, pluginPath, options);
    }

    std::stringstream sizes(args.count("startup-targets") ? args.at("startup-targets")
                                                          : "10,1000,10000");
    for (std::string size; phase("startup") && std::getline(sizes, size, ',');) {
        progress("start-up with " + size + " targets");
        r.startup.push_back(startup(self, pluginPath, std::stoi(size), work.createRaw,
                                    static_cast<int>(num("startup-reps", 11))));
    }

    if (args.count("micro-json"))
        r.micro = readMicro(args.at("micro-json"));
    r.seconds = usSince(started) / 1e6;
    if (args.count("out-json"))
        writeJson(r, args.at("out-json"));
    if (args.count("out-md"))
        writeMarkdown(r, args.at("out-md"));
    progress("done in " + std::to_string(static_cast<int>(r.seconds)) + " s");
    return 0;
}

}  // namespace
}  // namespace wdsbench

int main(int argc, char** argv) {
    wdsbench::Args args;
    std::string mode = "run";
    int i = 1;
    if (argc > 1 && argv[1][0] != '-')
        mode = argv[i++];
    for (; i + 1 < argc; i += 2) {
        if (std::strncmp(argv[i], "--", 2) != 0) {
            std::cerr << "usage: see the comment at the top of bench/e2e/main.cpp\n";
            return 64;
        }
        args[argv[i] + 2] = argv[i + 1];
    }
    args.emplace("plugin", WDS_PROMETHEUS_PLUGIN);
    args.emplace("self", "/proc/self/exe");
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        args["self"] = std::string(self, static_cast<size_t>(n));
    try {
        if (mode == "startup-child")
            return wdsbench::startupChild(args);
        if (mode == "scale-child")
            return wdsbench::scaleChild(args.at("plugin"), std::stoi(args.at("port")),
                                        std::stoi(args.at("reps")));
        if (mode == "profile-child")
            return wdsbench::profileChild(args);
        return wdsbench::run(args);
    } catch (const std::exception& e) {
        std::cerr << "wds_bench_e2e " << mode << ": " << e.what() << "\n";
        return 1;
    }
}
