#include "Audit.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "BenchData.h"
#include "CaptureServer.h"
#include "FloorClient.h"
#include "Harness.h"
#include "PythonHost.h"
#include "ServerStats.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"

namespace wdsbench {
namespace {

using Poco::JSON::Object;

/** The audit's Python process, with the cluster model of `data` built in it. */
std::unique_ptr<PythonHost> auditHost(const BenchData& data, AuditSection* section) {
    auto py = std::make_unique<PythonHost>(
        WDS_BENCH_AUDIT_HOST, std::vector<std::string>{std::to_string(BenchData::kEnd)});
    std::vector<std::string> names;
    for (int h = 0; h < data.hosts; ++h)
        names.push_back(data.hostName(h));
    for (int i = 0; i < data.instances; ++i)
        names.push_back(data.uuid(i));
    const auto cluster = askJson(
        *py, "cluster " + std::to_string(data.hosts) + " " + std::to_string(data.instances), names);
    if (section != nullptr) {
        std::ostringstream mix;
        const auto vcpus = cluster->getObject("vcpus");
        for (const std::string& n : vcpus->getNames()) {
            mix << (mix.tellp() > 0 ? ", " : "") << vcpus->getValue<long>(n) << " × " << n
                << " vCPU" << (n == "1" ? "" : "s");
        }
        section->vcpuMix = mix.str();
        const auto p = cluster->getObject("parameters");
        const auto periods = p->getObject("periods");
        const auto aggregates = p->getObject("aggregation_method");
        const auto instanceMetrics = p->getObject("instance_metrics");
        std::ostringstream text;
        text << "metrics";
        for (const auto& metric : *p->getArray("metrics")) {
            const std::string name = metric.convert<std::string>();
            text << " " << name << " (hosts: " << instanceMetrics->getValue<std::string>(name)
                 << ")";
        }
        text << "; compute_node: period " << periods->getValue<int>("compute_node") << " s, "
             << aggregates->getValue<std::string>("compute_node") << "; instance: period "
             << periods->getValue<int>("instance") << " s, "
             << aggregates->getValue<std::string>("instance") << "; granularity "
             << p->getValue<int>("granularity") << " s";
        section->parameters = text.str();
    }
    return py;
}

struct AuditRun {
    Object::Ptr answer;
    std::string digest;
};

/**
 * A fresh helper from `conf`, then one audit, with the server's count of requests around it;
 * the requests of the helper's create() are dropped from `proxy`.
 */
AuditRun audit(PythonHost& py, const std::string& conf, const wds::testing::PrometheusServer& prom,
               AuditSide* side, CaptureServer* proxy = nullptr) {
    const auto helper = askJson(py, "helper " + conf);
    if (proxy != nullptr)
        proxy->takeAll();
    const auto before = serverRequests(prom);
    AuditRun run{askJson(py, "audit"), {}};
    const auto after = serverRequests(prom);
    run.digest = run.answer->getValue<std::string>("digest");
    if (side != nullptr) {
        side->createMs += helper->getValue<double>("create_ms");
        side->wallMs.push_back(run.answer->getValue<double>("wall_ms"));
        side->cpuMs.push_back(run.answer->getValue<double>("cpu_ms"));
        side->medianCallUs = run.answer->getValue<double>("median_call_us");
        side->serverRequests = requestsBetween(before, after);
    }
    return run;
}

/** The prefetch's own GETs, one after the other on a kept-alive connection. */
struct Replay {
    double ms = 0;               // all of them
    std::vector<double> eachMs;  // each one
    std::vector<FloorClient::Reply> replies;
};

Replay replay(const std::vector<std::string>& heads, int port) {
    FloorClient floor(port);
    Replay out;
    out.replies.reserve(heads.size());
    out.eachMs.reserve(heads.size());
    const auto start = Clock::now();
    for (const std::string& head : heads) {
        const auto one = Clock::now();
        out.replies.push_back(floor.get(head));
        out.eachMs.push_back(usSince(one) / 1000);
    }
    out.ms = usSince(start) / 1000;
    for (const FloorClient::Reply& reply : out.replies)
        check(reply);
    return out;
}

std::string percentDecoded(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i] == '+' ? ' ' : text[i];
        }
    }
    return out;
}

/** "GET /api/v1/query?query=Q&time=T HTTP/1.1..." -> "/api/v1/query: Q" */
std::string describeRequest(const std::string& head) {
    const size_t pathStart = head.find(' ') + 1;
    const std::string target = head.substr(pathStart, head.find(' ', pathStart) - pathStart);
    const size_t question = target.find('?');
    std::string what = target.substr(0, question);
    for (size_t at = question; at != std::string::npos && at < target.size();) {
        const size_t end = std::min(target.find('&', at + 1), target.size());
        const std::string pair = target.substr(at + 1, end - at - 1);
        for (const char* key : {"query=", "match%5B%5D=", "match[]="}) {
            if (pair.rfind(key, 0) == 0)
                what += ": " + percentDecoded(pair.substr(std::strlen(key)));
        }
        at = end;
    }
    return what;
}

/** RSS of a fresh Python process: the model, a prefetching helper, one audit. */
AuditMemory memoryOf(const BenchData& data, const std::string& conf) {
    AuditMemory memory;
    memory.hosts = data.hosts;
    memory.instances = data.instances;
    memory.dataset = data.describe();
    auto py = auditHost(data, nullptr);
    memory.modelKiB = askJson(*py, "rss")->getValue<long>("rss_kib");
    askJson(*py, "helper " + conf);
    memory.createdKiB = askJson(*py, "rss")->getValue<long>("rss_kib");
    const auto run = askJson(*py, "audit");
    memory.auditMs = run->getValue<double>("wall_ms");
    const auto after = askJson(*py, "rss");
    memory.auditKiB = after->getValue<long>("rss_kib");
    memory.peakKiB = after->getValue<long>("hwm_kib");
    memory.trimmedKiB = askJson(*py, "rss trim")->getValue<long>("rss_kib");
    if (run->getValue<long>("none") != 0) {
        throw std::runtime_error("audit: " + std::to_string(run->getValue<long>("none")) +
                                 " calls without a value on " + memory.dataset);
    }
    return memory;
}

/** Every family the audit asks for; samples over more than the strategy's longest period. */
BenchData auditData(int hosts, int instances) {
    BenchData data;
    data.hosts = hosts;
    data.instances = instances;
    data.stepS = 30;
    data.windowS = 1800;
    return data;
}

/**
 * The larger memory size, thinned so that promtool backfills it in its two minutes: one series
 * per instance and metric, a sample a minute over 15 minutes (still more than 720 s). What the
 * prefetch holds depends on the resources, not on the samples.
 */
BenchData memoryData(int hosts, int instances) {
    BenchData data = auditData(hosts, instances);
    data.seriesPerInstance = 1;
    data.stepS = 60;
    data.windowS = 900;
    return data;
}

}  // namespace

AuditSection measureAudit(const std::string& pluginPath, const AuditOptions& options) {
    if (options.reps < 1)
        throw std::runtime_error("--audit-reps must be at least 1");
    AuditSection section;
    section.interpreter = WDS_PYTHON;
    section.reps = options.reps;
    const BenchData data = auditData(options.hosts, options.instances);
    section.hosts = data.hosts;
    section.instances = data.instances;
    section.dataset = data.describe();
    wds::testing::TempDir dir("wds-bench-audit-");
    progress("audit: writing the data set: " + section.dataset);
    const auto started = Clock::now();
    const auto prom = data.serve(dir.path());
    section.setupS = usSince(started) / 1e6;

    CaptureServer proxy({}, true, prom->port());
    const std::string on = writeDropInConf(dir.file("on.conf"), pluginPath, prom->port(), true);
    const std::string off = writeDropInConf(dir.file("off.conf"), pluginPath, prom->port(), false);
    const std::string captured =
        writeDropInConf(dir.file("capture.conf"), pluginPath, proxy.port(), true);
    auto py = auditHost(data, &section);

    // The prefetch's own requests, through the capture proxy (create's targets GET left out).
    progress("audit: capturing the prefetch's requests");
    const AuditRun first = audit(*py, captured, *prom, nullptr, &proxy);
    std::vector<std::string> heads = proxy.takeAll();
    for (std::string& head : heads) {
        head = retarget(head, prom->port());
        section.longestRequestLine = std::max(section.longestRequestLine, head.find("\r\n"));
    }
    section.ceilingRequests = heads.size();
    section.calls = first.answer->getValue<long>("calls");
    section.noValues = first.answer->getValue<long>("none");
    const std::string digest = first.digest;
    // The distinct requests (the same GET may be sent more than once), and each send's row.
    std::vector<size_t> rowOf;
    std::map<std::string, size_t> seen;
    for (const std::string& head : heads) {
        const std::string line = head.substr(0, head.find("\r\n"));
        const auto [at, added] = seen.emplace(line, section.requests.size());
        if (added)
            section.requests.push_back({describeRequest(head), 0, 0, 0, 0});
        ++section.requests[at->second].sent;
        rowOf.push_back(at->second);
    }
    std::vector<std::vector<double>> requestMs(section.requests.size());
    {
        const Replay warmUp = replay(heads, prom->port());
        for (size_t i = 0; i < heads.size(); ++i) {
            section.requests[rowOf[i]].bodyBytes = warmUp.replies[i].bodyBytes;
            section.ceilingBodyBytes += warmUp.replies[i].bodyBytes;
        }
    }

    const auto compare = [&](const AuditRun& run, const char* side) {
        if (run.digest != digest) {
            throw std::runtime_error(std::string("audit: the values with ") + side +
                                     " differ from the first audit's (prefetch on, captured): "
                                     "prefetch on and off must answer the same doubles");
        }
        if (run.answer->getValue<long>("none") != section.noValues)
            throw std::runtime_error("audit: a different number of calls without a value");
        section.valuesCompared += static_cast<size_t>(section.calls);
    };
    for (int rep = 0; rep < options.reps; ++rep) {
        progress("audit: round " + std::to_string(rep + 1) + " of " + std::to_string(options.reps));
        // Prefetch and ceiling (the same queries) swap places every round, the audit without
        // prefetch between them (as the batch phase alternates).
        const bool prefetchFirst = rep % 2 == 0;
        const auto prefetched = [&] {
            const AuditRun run = audit(*py, on, *prom, &section.on);
            compare(run, "prefetch on");
            const auto stats = run.answer->getObject("stats");
            section.batches = stats->getValue<long>("batches");
            section.queries = stats->getValue<long>("queries");
            section.lookups = stats->getValue<long>("lookups");
            section.singleCalls = stats->getValue<long>("single_calls");
            section.fetchMs = run.answer->getValue<double>("fetch_ms");
            section.lookupMedianUs = run.answer->getValue<double>("lookup_median_us");
            section.lookupTotalMs = run.answer->getValue<double>("lookup_total_ms");
        };
        const auto ceiling = [&] {
            const Replay run = replay(heads, prom->port());
            section.ceilingMs.push_back(run.ms);
            for (size_t i = 0; i < heads.size(); ++i)
                requestMs[rowOf[i]].push_back(run.eachMs[i]);
        };
        prefetchFirst ? prefetched() : ceiling();
        compare(audit(*py, off, *prom, &section.off), "prefetch off");
        prefetchFirst ? ceiling() : prefetched();
    }
    section.on.createMs /= options.reps;
    section.off.createMs /= options.reps;
    for (size_t i = 0; i < heads.size(); ++i) {
        AuditRequest& request = section.requests[rowOf[i]];
        request.ms = median(requestMs[rowOf[i]]);
        if (heads[i].find(" /api/v1/query?") == std::string::npos)
            continue;
        std::vector<double> evalMs;  // the median of three: one GC would double a single one
        for (int rep = 0; rep < 3; ++rep)
            evalMs.push_back(queryStats(*prom, heads[i]).innerEvalMs);
        request.serverEvalMs = median(evalMs);
        section.serverEvalMs += request.serverEvalMs;
    }

    progress("audit: one prefetched audit under cProfile");
    askJson(*py, "helper " + on);
    const auto profiled = askJson(*py, "profile 15");
    section.profiledMs = profiled->getValue<double>("wall_ms");
    for (const auto& entry : *profiled->getArray("functions")) {
        const auto row = entry.extract<Object::Ptr>();
        section.profile.push_back({row->getValue<std::string>("function"),
                                   row->getValue<long>("calls"), row->getValue<double>("own_ms"),
                                   row->getValue<double>("cumulative_ms")});
    }
    py.reset();

    progress("audit: RSS of a fresh Python process, " + std::to_string(data.hosts) + " hosts / " +
             std::to_string(data.instances) + " instances");
    section.memory.push_back(memoryOf(data, on));
    prom->stop();

    if (options.memoryHosts > 0 && options.memoryInstances > 0) {
        const BenchData big = memoryData(options.memoryHosts, options.memoryInstances);
        wds::testing::TempDir bigDir("wds-bench-audit-memory-");
        progress("audit: writing the memory data set: " + big.describe());
        const auto bigProm = big.serve(bigDir.path());
        section.memory.push_back(memoryOf(
            big, writeDropInConf(bigDir.file("on.conf"), pluginPath, bigProm->port(), true)));
        bigProm->stop();
    }
    section.ran = true;
    return section;
}

}  // namespace wdsbench
