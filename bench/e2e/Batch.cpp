#include "Batch.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "CaptureServer.h"
#include "FloorClient.h"
#include "Harness.h"
#include "ServerStats.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"

namespace wdsbench {
namespace {

std::string describe(const wds::ValueResult& result) {
    if (result.ok()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", *result.value);
        return buf;
    }
    return std::string(wds_status_name(result.status)) + " (" + result.message + ")";
}

/**
 * The correctness check inside the benchmark: every resource has a value both ways, and the
 * two are the same double, bit for bit (not merely close).
 */
void requireIdentical(const BatchRow& row, const wds::BatchRequest& request,
                      const wds::BatchResult& batch, const std::vector<wds::ValueResult>& perCall) {
    const std::string what = row.metric + " for " + std::to_string(row.resources) + " resources";
    if (!batch.ok())
        throw std::runtime_error("batch " + what + " failed: " + batch.message);
    if (!batch.viaExtension)
        throw std::runtime_error("the plugin does not offer " WDS_EXT_BATCH_V1);
    if (batch.items.size() != request.resources.size()) {
        throw std::runtime_error("batch " + what + " answered " +
                                 std::to_string(batch.items.size()) + " items");
    }
    for (size_t i = 0; i < request.resources.size(); ++i) {
        const wds::ValueResult& one = batch.items[i];
        const wds::ValueResult& single = perCall[i];
        const bool same = one.ok() && single.ok() &&
                          std::memcmp(&*one.value, &*single.value, sizeof(double)) == 0;
        if (!same) {
            const wds::Resource& resource = request.resources[i];
            throw std::runtime_error(
                "batch and per-call answers differ for " + row.metric + " of " +
                (resource.hostname.empty() ? resource.uuid : resource.hostname) + " (batch of " +
                std::to_string(row.resources) + "): batch " + describe(one) + ", per call " +
                describe(single));
        }
    }
}

class Bench {
  public:
    Bench(const wds_plugin_v1& plugin, const BenchData& data, const BatchOptions& options,
          const wds::testing::PrometheusServer& prom, int stubPort)
        : data_(data),
          options_(options),
          source_(connect(plugin, prom.port())),
          stubSource_(connect(plugin, stubPort)),
          floor_(prom.port()),
          prom_(prom) {}

    BatchRow row(bool hosts, int count, CaptureServer& stub) {
        BatchRow row;
        row.metric = hosts ? "host_cpu_usage" : "instance_cpu_usage";
        row.resources = count;
        row.reps = options_.reps;
        const wds::BatchRequest request = batchRequest(hosts, count);
        std::vector<wds::AggregationRequest> singles;
        for (const wds::Resource& resource : request.resources) {
            wds::AggregationRequest& one = singles.emplace_back();
            one.resourceType = request.resourceType;
            one.resource = resource;
            one.meterName = request.meterName;
            one.periodS = request.periodS;
            one.evalTimeMs = request.evalTimeMs;
        }

        // The batch's exact requests, from the stub: their form and the floor's replay of them.
        stub.takeAll();
        const wds::BatchResult captured = stubSource_.statisticBatch(request);
        if (!captured.ok())
            throw std::runtime_error("batch against the capture stub failed: " + captured.message);
        std::vector<std::string> heads = stub.takeAll();  // whole requests: POSTs carry a body
        for (std::string& head : heads) {
            head = retarget(head, prom_.port());
            const std::string requestLine = head.substr(0, head.find("\r\n"));
            row.urlBytes = std::max(row.urlBytes, requestLine.size());
            row.regex =
                head.find("%3D~") != std::string::npos || head.find("=~") != std::string::npos;
        }

        std::vector<wds::ValueResult> perCall(singles.size());
        std::vector<double> batchUs, batchCpuUs, callsUs, floorUs;
        const auto viaBatch = [&] {
            const double cpuStart = threadCpuUs();
            const auto start = Clock::now();
            wds::BatchResult batch = source_.statisticBatch(request);
            batchUs.push_back(usSince(start));
            batchCpuUs.push_back(threadCpuUs() - cpuStart);
            row.batchQueries = batch.queryCount;
            return batch;
        };
        const auto viaCalls = [&](size_t limit) {
            const auto start = Clock::now();
            for (size_t i = 0; i < std::min(limit, singles.size()); ++i)
                perCall[i] = source_.statisticAggregation(singles[i]);
            return usSince(start);
        };
        const auto viaFloor = [&] {
            std::vector<FloorClient::Reply> replies;
            const auto start = Clock::now();
            for (const std::string& head : heads)
                replies.push_back(floor_.get(head));
            const double us = usSince(start);
            row.bodyBytes = 0;
            for (const FloorClient::Reply& reply : replies) {
                check(reply);
                row.bodyBytes += reply.bodyBytes;
            }
            return us;
        };
        viaFloor();  // warm-up
        viaBatch();
        viaCalls(100);
        batchUs.clear();
        batchCpuUs.clear();

        for (int rep = 0; rep < options_.reps; ++rep) {
            // Batch and floor swap places every round and never run back to back: the second
            // of two equal queries in a row would pay for the first one's garbage in the server.
            const bool batchFirst = rep % 2 == 0;
            wds::BatchResult batch;
            if (batchFirst)
                batch = viaBatch();
            else
                floorUs.push_back(viaFloor());
            callsUs.push_back(viaCalls(singles.size()));
            if (batchFirst)
                floorUs.push_back(viaFloor());
            else
                batch = viaBatch();
            requireIdentical(row, request, batch, perCall);
            row.compared += perCall.size();
        }
        row.perCallQueries = static_cast<unsigned>(singles.size());
        row.batchMs = median(batchUs) / 1000;
        row.batchCpuMs = median(batchCpuUs) / 1000;
        row.perCallMs = median(callsUs) / 1000;
        row.floorMs = median(floorUs) / 1000;
        for (const std::string& head : heads) {
            std::vector<double> evalMs;  // the median of three: one GC would double a single one
            for (int rep = 0; rep < 3; ++rep) {
                const QueryStats stats = queryStats(prom_, head);
                evalMs.push_back(stats.innerEvalMs);
                if (rep == 0)
                    row.serverSamples += stats.queryableSamples;
            }
            row.serverEvalMs += median(evalMs);
        }
        return row;
    }

  private:
    wds::BatchRequest batchRequest(bool hosts, int count) const {
        wds::BatchRequest request;
        request.resourceType = hosts ? WDS_RESOURCE_COMPUTE_NODE : WDS_RESOURCE_INSTANCE;
        request.meterName = hosts ? "host_cpu_usage" : "instance_cpu_usage";
        request.periodS = options_.periodS;
        request.evalTimeMs = BenchData::kEnd * 1000;
        for (int i = 0; i < count; ++i) {
            if (hosts) {
                request.resources.push_back(wds::Resource::computeNode(data_.hostName(i)));
            } else {
                wds::Resource& instance =
                    request.resources.emplace_back(wds::Resource::instance(data_.uuid(i)));
                instance.vcpus = 1 + i % 4;  // flavors differ, so must the per-resource scaling
            }
        }
        return request;
    }

    const BenchData& data_;
    const BatchOptions& options_;
    wds::Source source_, stubSource_;
    FloorClient floor_;
    const wds::testing::PrometheusServer& prom_;
};

}  // namespace

BatchSection measureBatch(const wds_plugin_v1& plugin, const BenchData& data,
                          const BatchOptions& options) {
    BatchSection section;
    section.dataset = data.describe();
    wds::testing::TempDir dir("wds-bench-batch-");
    const auto started = Clock::now();
    const auto prom = data.serve(dir.path());
    section.setupS = usSince(started) / 1e6;
    progress("batch: data set written, backfilled and served in " +
             std::to_string(static_cast<int>(section.setupS)) + " s");

    std::vector<std::string> hostNames;
    for (int h = 0; h < data.hosts; ++h)
        hostNames.push_back(data.hostName(h));
    CaptureServer stub(hostNames);
    Bench bench(plugin, data, options, *prom, stub.port());
    for (const bool hosts : {true, false}) {
        for (const int n : options.hostCounts) {
            const int count = hosts ? n : 10 * n;
            if (count > (hosts ? data.hosts : data.instances))
                throw std::runtime_error("the batch data set is smaller than the batch");
            progress(std::string("batch: ") + (hosts ? "host_cpu_usage" : "instance_cpu_usage") +
                     " x " + std::to_string(count));
            section.rows.push_back(bench.row(hosts, count, stub));
        }
    }
    prom->stop();
    return section;
}

}  // namespace wdsbench
