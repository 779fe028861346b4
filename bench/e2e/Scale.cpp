#include "Scale.h"

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "CaptureServer.h"
#include "Harness.h"
#include "PythonHost.h"
#include "servers/ChildProcess.h"
#include "servers/LoopbackLaunch.h"
#include "servers/TempDir.h"
#include "servers/VictoriaMetricsServer.h"

namespace wdsbench {
namespace {

using Poco::JSON::Object;

constexpr int kCpus = 4;
constexpr int64_t kStepS = 60;
// More than the longest window asked: workload_stabilization's 720 s for instances.
constexpr int64_t kWindowS = 900;
constexpr int64_t kPeriodS = 300;
constexpr size_t kLinesPerImport = 400000;  // ~40 MB per POST

/**
 * The scale data set. Its samples end a minute before now, not at a fixed past instant as the
 * Prometheus phases' do: the plugin takes the host names from the node series of the last 24 h,
 * since VictoriaMetrics has no scrape targets to list them.
 */
struct ScaleData {
    int hosts = 0, instances = 0;
    int64_t endS = 0;

    static std::string hostName(int i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "compute-%05d.scale.example", i);
        return buf;
    }
    static std::string uuid(int i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", 0x30000000u + i, i * 7919u);
        return buf;
    }
    static int vcpus(int i) { return 1 + i % 4; }  // flavors differ, so must the scaling
    size_t nodeSeries() const { return static_cast<size_t>(hosts) * (kCpus + 2); }
    size_t instanceSeries() const { return static_cast<size_t>(instances) * 2; }
    int64_t samplesPerSeries() const { return kWindowS / kStepS + 1; }
    std::string describe() const {
        return std::to_string(hosts) + " hosts (" + std::to_string(kCpus) +
               " node_cpu_seconds_total{mode=\"idle\"} series + MemTotal + MemAvailable each, "
               "fqdn label), " +
               std::to_string(instances) +
               " instances (ceilometer_cpu + ceilometer_memory_usage each, resource label); " +
               std::to_string(nodeSeries() + instanceSeries()) + " series x " +
               std::to_string(samplesPerSeries()) + " samples (" + std::to_string(kWindowS / 60) +
               " min every " + std::to_string(kStepS) + " s, ending a minute before the run)";
    }

    /** Generates the samples in Prometheus text (ms timestamps) and imports them in chunks. */
    size_t import(wds::testing::VictoriaMetricsServer& vm, const std::string& dir) const {
        std::string chunk;
        size_t lines = 0, bytes = 0;
        int files = 0;
        const auto flush = [&] {
            if (chunk.empty())
                return;
            const std::string path = dir + "/import-" + std::to_string(files++) + ".prom";
            std::ofstream(path, std::ios::binary) << chunk;
            vm.importPrometheusText(path);
            std::remove(path.c_str());
            bytes += chunk.size();
            chunk.clear();
            lines = 0;
        };
        const int64_t start = endS - kWindowS;
        char buf[512];
        const auto series = [&](const char* name, const std::string& labels, double v0,
                                double slope) {
            for (int64_t t = start; t <= endS; t += kStepS) {
                const int n = std::snprintf(
                    buf, sizeof buf, "%s{%s} %.17g %lld\n", name, labels.c_str(),
                    v0 + slope * static_cast<double>(t - start), static_cast<long long>(t * 1000));
                chunk.append(buf, static_cast<size_t>(n));
                ++lines;
            }
            if (lines >= kLinesPerImport)
                flush();
        };
        const double gib = 1024.0 * 1024.0 * 1024.0;
        for (int h = 0; h < hosts; ++h) {
            const std::string host = hostName(h);
            const std::string common =
                "fqdn=\"" + host + "\",instance=\"" + host + ":9100\",job=\"node\"";
            for (int c = 0; c < kCpus; ++c) {
                series("node_cpu_seconds_total",
                       "cpu=\"" + std::to_string(c) + "\"," + common + ",mode=\"idle\"", 1e6,
                       1.0 - 0.05 * ((h + c) % 19));
            }
            series("node_memory_MemTotal_bytes", common, 64 * gib, 0);
            series("node_memory_MemAvailable_bytes", common, (8 + h % 40) * gib, -1024.0 * (h % 7));
        }
        for (int i = 0; i < instances; ++i) {
            const std::string labels =
                "project=\"p" + std::to_string(i % 10) + "\",resource=\"" + uuid(i) + "\"";
            series("ceilometer_cpu", labels, 1e12, 1e8 * (1 + i % 9));
            series("ceilometer_memory_usage", labels, 1024.0 * (1 + i % 8), 0.01);
        }
        flush();
        return bytes;
    }
};

/** The Debian package's version: this build of victoria-metrics prints none of its own. */
std::string vmVersion() {
    std::string out =
        wds::testing::runCommand("dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null")
            .output;
    return out.empty() ? "VictoriaMetrics (version unknown)" : "VictoriaMetrics " + out;
}

/** user + sys of the whole process (the plugin's threads included), in ms: getrusage. */
double processCpuMs() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

std::string valueText(const wds::ValueResult& result) {
    if (!result.ok())
        return std::string(wds_status_name(result.status)) + " (" + result.message + ")";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", *result.value);
    return buf;
}

/**
 * Bitwise equal (counted in `same`), or within kScaleTolerance (counted in `close`, the largest
 * difference kept): VictoriaMetrics' order of summing an aggregate's series is not fixed.
 */
bool agree(double a, double b, size_t& same, size_t& close, double& maxRelative) {
    if (std::memcmp(&a, &b, sizeof(double)) == 0) {
        ++same;
        return true;
    }
    const double relative = std::fabs(a - b) / std::max(1.0, std::fabs(a));
    if (!(relative <= kScaleTolerance))
        return false;
    ++close;
    maxRelative = std::max(maxRelative, relative);
    return true;
}

ScaleRow compareSides(const wds::Source& source, const ScaleData& data, bool hosts,
                      const ScaleOptions& options, const wds::Source& counted,
                      CaptureServer& proxy) {
    ScaleRow row;
    row.metric = hosts ? "host_cpu_usage" : "instance_cpu_usage";
    row.resources = hosts ? data.hosts : data.instances;
    wds::BatchRequest request;
    request.resourceType = hosts ? WDS_RESOURCE_COMPUTE_NODE : WDS_RESOURCE_INSTANCE;
    request.meterName = row.metric;
    request.periodS = kPeriodS;
    request.evalTimeMs = data.endS * 1000;
    for (int i = 0; i < row.resources; ++i) {
        if (hosts) {
            request.resources.push_back(wds::Resource::computeNode(ScaleData::hostName(i)));
        } else {
            request.resources.push_back(wds::Resource::instance(ScaleData::uuid(i)));
            request.resources.back().vcpus = ScaleData::vcpus(i);
        }
    }
    // The sample: evenly spread, so every part of the label maps and the answer is reached.
    std::vector<size_t> sampled;
    const size_t want = std::min<size_t>(static_cast<size_t>(options.samples), row.resources);
    for (size_t k = 0; k < want; ++k)
        sampled.push_back(k * static_cast<size_t>(row.resources) / want);
    row.sampled = static_cast<int>(sampled.size());
    std::vector<wds::AggregationRequest> singles;
    for (size_t i : sampled) {
        wds::AggregationRequest& one = singles.emplace_back();
        one.resourceType = request.resourceType;
        one.resource = request.resources[i];
        one.meterName = request.meterName;
        one.periodS = request.periodS;
        one.evalTimeMs = request.evalTimeMs;
    }

    std::vector<double> batchMs, batchCpuMs, singlesMs, singlesCpuMs;
    std::vector<wds::ValueResult> perCall(singles.size()), previous;
    const auto viaBatch = [&] {
        const double cpu = processCpuMs();
        const auto start = Clock::now();
        wds::BatchResult batch = source.statisticBatch(request);
        batchMs.push_back(usSince(start) / 1000);
        batchCpuMs.push_back(processCpuMs() - cpu);
        if (!batch.ok())
            throw std::runtime_error("scale: batch of " + row.metric + " failed: " + batch.message);
        if (!batch.viaExtension)
            throw std::runtime_error("scale: the plugin does not offer " WDS_EXT_BATCH_V1);
        row.batchQueries = batch.queryCount;
        return batch;
    };
    const auto viaSingles = [&] {
        const double cpu = processCpuMs();
        const auto start = Clock::now();
        for (size_t k = 0; k < singles.size(); ++k)
            perCall[k] = source.statisticAggregation(singles[k]);
        singlesMs.push_back(usSince(start) / 1000);
        singlesCpuMs.push_back(processCpuMs() - cpu);
    };
    viaBatch();  // warm-up: VictoriaMetrics' caches of the series, the plugin's connections
    viaSingles();
    previous = perCall;
    batchMs.clear(), batchCpuMs.clear(), singlesMs.clear(), singlesCpuMs.clear();
    for (int rep = 0; rep < options.reps; ++rep) {
        // Who goes first alternates: the second of two sides finds the server's caches warm.
        wds::BatchResult batch;
        if (rep % 2 == 0) {
            batch = viaBatch();
            viaSingles();
        } else {
            viaSingles();
            batch = viaBatch();
        }
        if (batch.items.size() != request.resources.size())
            throw std::runtime_error("scale: the batch answered " +
                                     std::to_string(batch.items.size()) + " items");
        for (size_t k = 0; k < sampled.size(); ++k) {
            const wds::ValueResult& one = batch.items[sampled[k]];
            const wds::ValueResult& single = perCall[k];
            const wds::Resource& r = request.resources[sampled[k]];
            const std::string what = row.metric + " of " + (hosts ? r.hostname : r.uuid);
            if (!one.ok() || !single.ok())
                throw std::runtime_error("scale: no value for " + what + ": batch " +
                                         valueText(one) + ", single " + valueText(single));
            if (!previous.empty() &&
                std::memcmp(&*previous[k].value, &*single.value, sizeof(double)) != 0)
                ++row.singlesUnstable;
            if (!agree(*one.value, *single.value, row.compared, row.differing, row.maxRelativeDiff))
                throw std::runtime_error("scale: batch and single call differ for " + what +
                                         ": batch " + valueText(one) + ", single " +
                                         valueText(single));
        }
        previous = perCall;
        for (const wds::ValueResult& item : batch.items)
            row.batchWithoutValue += item.ok() ? 0 : 1;
    }
    row.batchWithoutValue /= options.reps;
    // HTTP requests, counted by the recording proxy in an untimed round of their own.
    proxy.takeAll();
    if (!counted.statisticBatch(request).ok())
        throw std::runtime_error("scale: the batch through the counting proxy failed");
    row.batchRequests = static_cast<long>(proxy.takeAll().size());
    for (const wds::AggregationRequest& one : singles)
        check(counted.statisticAggregation(one));
    row.singleRequests = static_cast<long>(proxy.takeAll().size());
    row.batchMs = median(batchMs);
    row.batchCpuMs = median(batchCpuMs);
    row.singlesMs = median(singlesMs);
    row.singlesCpuMs = median(singlesCpuMs);
    return row;
}

/**
 * workload_stabilization's audit through the drop-in (bench_audit.py): the whole audit with
 * prefetch, and every stride-th host and instance of it without, which the same prefetched
 * helper then answers again for the bitwise comparison.
 */
ScalePython throughPython(const ScaleData& data, const std::string& pluginPath,
                          const ScaleOptions& options,
                          const wds::testing::VictoriaMetricsServer& vm, CaptureServer& proxy,
                          const std::string& dir) {
    ScalePython out;
    out.stride = std::max(1, data.instances / std::max(1, options.samples));
    PythonHost py(WDS_BENCH_AUDIT_HOST, {std::to_string(data.endS)});
    std::vector<std::string> names;
    for (int h = 0; h < data.hosts; ++h)
        names.push_back(ScaleData::hostName(h));
    for (int i = 0; i < data.instances; ++i)
        names.push_back(ScaleData::uuid(i));
    askJson(py, "cluster " + std::to_string(data.hosts) + " " + std::to_string(data.instances),
            names);
    out.modelKiB = askJson(py, "rss")->getValue<long>("rss_kib");
    const std::string on = writeDropInConf(dir + "/on.conf", pluginPath, vm.port(), true);
    const std::string off = writeDropInConf(dir + "/off.conf", pluginPath, vm.port(), false);
    const std::string sampled = "audit " + std::to_string(out.stride);

    std::vector<double> onMs, onCpuMs, offMs, offCpuMs, createMs;
    for (int rep = 0; rep < options.reps; ++rep) {
        progress("scale: the drop-in, round " + std::to_string(rep + 1) + " of " +
                 std::to_string(options.reps));
        createMs.push_back(askJson(py, "helper " + on)->getValue<double>("create_ms"));
        const auto full = askJson(py, "audit");
        onMs.push_back(full->getValue<double>("wall_ms"));
        onCpuMs.push_back(full->getValue<double>("cpu_ms"));
        out.calls = full->getValue<long>("calls");
        out.onNone = full->getValue<long>("none");
        const auto stats = full->getObject("stats");
        out.batches = stats->getValue<long>("batches");
        out.queries = stats->getValue<long>("queries");
        out.singleCalls = stats->getValue<long>("single_calls");
        out.rssAfterKiB = askJson(py, "rss")->getValue<long>("rss_kib");
        // The sampled calls, answered by the prefetched values of that same audit.
        const auto fromPrefetch = askJson(py, sampled);

        askJson(py, "helper " + off);
        const auto plain = askJson(py, sampled);
        offMs.push_back(plain->getValue<double>("wall_ms"));
        offCpuMs.push_back(plain->getValue<double>("cpu_ms"));
        out.sampledCalls = plain->getValue<long>("calls");
        const auto offValues = plain->getArray("values");
        const auto onValues = fromPrefetch->getArray("values");
        if (offValues->size() != onValues->size())
            throw std::runtime_error("scale: the sampled audits made different calls");
        for (size_t k = 0; k < offValues->size(); ++k) {
            if (offValues->isNull(k) || onValues->isNull(k))
                throw std::runtime_error("scale: a sampled audit call without a value");
            if (!agree(onValues->getElement<double>(k), offValues->getElement<double>(k),
                       out.compared, out.differing, out.maxRelativeDiff))
                throw std::runtime_error(
                    "scale: the drop-in's call " + std::to_string(k) +
                    " of the sample answers another value without prefetch than with");
        }
        if (plain->getValue<long>("none") != 0 || out.onNone != 0)
            throw std::runtime_error("scale: audit calls without a value");
    }
    // HTTP requests, through the recording proxy in untimed audits of their own (the requests
    // of each helper's create() dropped).
    askJson(py,
            "helper " + writeDropInConf(dir + "/on-proxy.conf", pluginPath, proxy.port(), true));
    proxy.takeAll();
    askJson(py, "audit");
    out.onRequests = static_cast<long>(proxy.takeAll().size());
    askJson(py,
            "helper " + writeDropInConf(dir + "/off-proxy.conf", pluginPath, proxy.port(), false));
    proxy.takeAll();
    askJson(py, sampled);
    out.offRequests = static_cast<long>(proxy.takeAll().size());
    out.createMs = median(createMs);
    out.onMs = median(onMs);
    out.onCpuMs = median(onCpuMs);
    out.offSampledMs = median(offMs);
    out.offSampledCpuMs = median(offCpuMs);
    out.ran = true;
    return out;
}

}  // namespace

int scaleChild(const std::string& pluginPath, int port, int reps) {
    const auto rss = [](const char* field) {
        std::ifstream in("/proc/self/status");
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(field, 0) == 0)
                return std::stol(line.substr(std::strlen(field)));
        }
        return 0L;
    };
    Poco::JSON::Object out;
    out.set("rss_before_kib", rss("VmRSS:"));
    const wds_plugin_v1& plugin = loadPlugin(pluginPath);
    Poco::JSON::Array create, logLines;
    std::vector<wds::Source> alive;  // the first one stays alive for the RSS
    // Sized up front: a live source may still log into its vector.
    std::vector<std::vector<std::string>> logs(static_cast<size_t>(reps));
    for (int k = 0; k < reps; ++k) {
        std::vector<std::string>& logged = logs[static_cast<size_t>(k)];
        wds::Outcome outcome;
        const long heapBefore = static_cast<long>(mallinfo2().uordblks / 1024);
        const auto start = Clock::now();
        wds::Source source = wds::Source::create(
            plugin,
            {{"prometheus_client.host", "127.0.0.1"},
             {"prometheus_client.port", std::to_string(port)},
             {"prometheus_client.fqdn_label", "fqdn"}},
            [&logged](wds_log_level, const std::string& message) { logged.push_back(message); },
            outcome);
        create.add(usSince(start) / 1000);
        if (!source)
            throw std::runtime_error("create failed: " + outcome.message);
        if (k == 0) {
            out.set("rss_after_create_kib", rss("VmRSS:"));
            out.set("peak_rss_kib", rss("VmHWM:"));
            out.set("heap_held_kib", static_cast<long>(mallinfo2().uordblks / 1024) - heapBefore);
            for (const std::string& line : logged)
                logLines.add(line);
            alive.push_back(std::move(source));
        }
    }
    out.set("create_ms", create);
    out.set("log", logLines);
    std::cout << "RESULT ";
    out.stringify(std::cout);
    std::cout << std::endl;
    return 0;
}

ScaleSection measureScale(const wds_plugin_v1& plugin, const std::string& pluginPath,
                          const ScaleOptions& options) {
    if (options.reps < 1 || options.samples < 1 || options.createReps < 2)
        throw std::runtime_error("scale: --scale-reps, --scale-samples >= 1, create reps >= 2");
    ScaleSection section;
    ScaleData data;
    data.hosts = options.hosts;
    data.instances = options.instances;
    data.endS = time(nullptr) / kStepS * kStepS - kStepS;
    section.hosts = data.hosts;
    section.instances = data.instances;
    section.reps = options.reps;
    section.periodS = kPeriodS;
    section.dataset = data.describe();

    wds::testing::TempDir dir("wds-bench-scale-");
    wds::testing::VictoriaMetricsOptions vmOptions;
    vmOptions.readyTimeout = std::chrono::seconds(60);
    vmOptions.waitForTargets = false;
    wds::testing::VictoriaMetricsServer vm(vmOptions);
    progress("scale: importing into VictoriaMetrics: " + section.dataset);
    const auto started = Clock::now();
    vm.start();
    section.server = vmVersion();
    section.importBytes = data.import(vm, dir.path());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
    const auto searchable = [&](const char* selector, size_t want) {
        if (!wds::testing::pollUntil(deadline,
                                     [&] { return vm.seriesCount(selector, data.endS) == want; }))
            throw std::runtime_error(std::string("scale: VictoriaMetrics never showed the ") +
                                     std::to_string(want) + " series of " + selector);
    };
    searchable("{__name__=~\"node_.+\"}", data.nodeSeries());
    searchable("{__name__=~\"ceilometer_.+\"}", data.instanceSeries());
    section.setupS = usSince(started) / 1e6;
    progress("scale: imported " + std::to_string(section.importBytes / 1000000) + " MB in " +
             std::to_string(static_cast<int>(section.setupS)) + " s");

    // Create in fresh processes: this one's RSS carries every phase before it.
    {
        progress("scale: create, in a fresh process");
        wds::testing::ChildProcess child;
        const std::string log = dir.file("create.log");
        child.start({options.self, "scale-child", "--plugin", pluginPath, "--port",
                     std::to_string(vm.port()), "--reps", std::to_string(options.createReps)},
                    log);
        if (!child.wait(std::chrono::seconds(600)) || child.exitStatus() != 0)
            throw std::runtime_error("scale child failed:\n" + child.logTail());
        std::ifstream in(log);
        const std::string text{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
        const size_t at = text.find("RESULT ");
        if (at == std::string::npos)
            throw std::runtime_error("scale child printed no result:\n" + text);
        const auto result = Poco::JSON::Parser().parse(text.substr(at + 7)).extract<Object::Ptr>();
        std::vector<double> create;
        for (const auto& ms : *result->getArray("create_ms"))
            create.push_back(ms.convert<double>());
        section.firstCreateMs = create.front();
        create.erase(create.begin());
        section.createMs = median(create);
        section.createReps = static_cast<int>(create.size());
        section.rssBeforeKiB = result->getValue<long>("rss_before_kib");
        section.rssAfterCreateKiB = result->getValue<long>("rss_after_create_kib");
        section.peakKiB = result->getValue<long>("peak_rss_kib");
        section.heapHeldKiB = result->getValue<long>("heap_held_kib");
        for (const auto& line : *result->getArray("log")) {
            const std::string message = line.convert<std::string>();
            if (message.find("host names:") != std::string::npos)
                section.hostLog = message;
        }
        if (section.hostLog.empty())
            throw std::runtime_error("scale: create logged no 'host names:' line");
    }

    wds::Source source = connect(plugin, vm.port());
    CaptureServer proxy({}, true, vm.port());
    wds::Source counted = connect(plugin, proxy.port());
    for (const bool hosts : {false, true}) {
        progress(std::string("scale: ") +
                 (hosts ? "host_cpu_usage of every host" : "instance_cpu_usage of every instance"));
        section.rows.push_back(compareSides(source, data, hosts, options, counted, proxy));
    }
    if (options.python)
        section.python = throughPython(data, pluginPath, options, vm, proxy, dir.path());
    vm.stop();
    section.ran = true;
    return section;
}

}  // namespace wdsbench
