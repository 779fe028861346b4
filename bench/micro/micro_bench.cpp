// Micro-benchmarks of the per-call and start-up steps of the shared plugin code (wds_common),
// without the network: PromQL building and escaping, URL encoding, JSON decoding of instant
// vectors and of a large target list, and the host-label map.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "http/PercentEncoding.h"
#include "json/PromResponse.h"
#include "labels/HostLabelMap.h"
#include "prometheus_api/PromApiClient.h"
#include "promql/PromQL.h"

namespace {

std::string hostName(int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "compute-%04d.bench.example", i);
    return buf;
}

/** An instant vector as Prometheus 2.42 writes it, `n` samples with node-exporter labels. */
std::string vectorBody(int n) {
    std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
    for (int i = 0; i < n; ++i) {
        body += (i ? "," : "") + std::string(R"({"metric":{"fqdn":")") + hostName(i) +
                R"("},"value":[1700001000,")" + std::to_string(12.5 + i * 0.25) + "\"]}";
    }
    return body + "]}}";
}

/** /api/v1/targets?state=active with `n` down targets, two per fqdn, every field Prometheus sets.
 */
std::string targetsBody(int n) {
    std::string body = R"({"status":"success","data":{"activeTargets":[)";
    for (int i = 0; i < n; ++i) {
        const std::string job = i % 2 ? "libvirt" : "node";
        const std::string address = "127.0.0.1:" + std::to_string(40000 + i % 8);
        const std::string fqdn = hostName(i / 2);
        body +=
            (i ? "," : "") + std::string(R"({"discoveredLabels":{"__address__":")") + address +
            R"(","__metrics_path__":"/metrics","__scheme__":"http","__scrape_interval__":"1d",)" +
            R"("__scrape_timeout__":"10s","fqdn":")" + fqdn + R"(","job":")" + job +
            R"("},"labels":{"fqdn":")" + fqdn + R"(","instance":")" + address + R"(","job":")" +
            job + R"("},"scrapePool":")" + job + R"(","scrapeUrl":"http://)" + address +
            R"(/metrics","globalUrl":"http://bench:)" + address.substr(10) +
            R"(/metrics","lastError":"Get \"http://)" + address + R"(/metrics\": dial tcp )" +
            address +
            R"(: connect: connection refused","lastScrape":"2024-01-01T00:00:00.000000000Z",)" +
            R"("lastScrapeDuration":0.000412,"health":"down","scrapeInterval":"1d",)" +
            R"("scrapeTimeout":"10s"})";
    }
    return body + "]}}";
}

const wds::promql::QueryBuilder& builder() {
    static const wds::promql::QueryBuilder b("fqdn", "resource");
    return b;
}

void BM_PromQL_HostCpu(benchmark::State& state) {
    const std::string host = hostName(7);
    for (auto _ : state)
        benchmark::DoNotOptimize(builder().hostCpuUsage(WDS_AGGREGATE_MEAN, host, 300));
}
BENCHMARK(BM_PromQL_HostCpu);

void BM_PromQL_InstanceCpu(benchmark::State& state) {
    const std::string uuid = "10000007-0000-4000-8000-00000000d88d";
    for (auto _ : state)
        benchmark::DoNotOptimize(builder().instanceCpuUsage(WDS_AGGREGATE_MAX, uuid, 300, 2));
}
BENCHMARK(BM_PromQL_InstanceCpu);

// Escaping cost: a plain UUID vs a value full of characters that need it (quotes, backslashes,
// control characters, multi-byte UTF-8 to validate).
void BM_Quote_Plain(benchmark::State& state) {
    const std::string value = "10000007-0000-4000-8000-00000000d88d";
    for (auto _ : state)
        benchmark::DoNotOptimize(wds::promql::quote(value, "instance uuid"));
}
BENCHMARK(BM_Quote_Plain);

void BM_Quote_Escaped(benchmark::State& state) {
    const std::string value = "it's a \\ \"host\"\n\t\x01 with ünïcödé ✓";
    for (auto _ : state)
        benchmark::DoNotOptimize(wds::promql::quote(value, "host label value"));
}
BENCHMARK(BM_Quote_Escaped);

void BM_PercentEncode_Query(benchmark::State& state) {
    const std::string query = builder().hostCpuUsage(WDS_AGGREGATE_MEAN, hostName(7), 300);
    for (auto _ : state)
        benchmark::DoNotOptimize(wds::percentEncode(query));
}
BENCHMARK(BM_PercentEncode_Query);

void BM_DecodeVector(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const std::string body = vectorBody(n);
    const wds::Logger log;
    for (auto _ : state)
        benchmark::DoNotOptimize(wds::promjson::decodeInstantVector(body, "bench", log));
    state.counters["items"] = n;
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeVector)->Arg(1)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_DecodeTargets(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const std::string body = targetsBody(n);
    const wds::Logger log;
    for (auto _ : state)
        benchmark::DoNotOptimize(
            wds::promjson::decodeTargetLabelValues(body, "fqdn", "bench", log));
    state.counters["items"] = n;
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeTargets)->Arg(10000)->Unit(benchmark::kMillisecond);

// What create() does with the answer: decode the targets and build the fqdn/short-name maps.
void BM_LabelMapBuild(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const std::string body = targetsBody(n);
    const wds::Logger log;
    for (auto _ : state) {
        wds::HostLabelMap map(
            "fqdn",
            [&] {
                return wds::HostLabelValues{
                    wds::promjson::decodeTargetLabelValues(body, "fqdn", "b", log), {}};
            },
            std::chrono::seconds(60), log);
        map.load();
        benchmark::DoNotOptimize(map);
    }
    state.counters["items"] = n;
}
BENCHMARK(BM_LabelMapBuild)->Arg(10000)->Unit(benchmark::kMillisecond);

// The map alone, from already-decoded values.
void BM_LabelMapFromValues(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    std::vector<std::string> values;
    for (int i = 0; i < n; ++i)
        values.push_back(hostName(i / 2));
    for (auto _ : state) {
        wds::HostLabelMap map("fqdn",
                              [&] {
                                  return wds::HostLabelValues{values, {}};
                              },
                              std::chrono::seconds(60), {});
        map.load();
        benchmark::DoNotOptimize(map);
    }
    state.counters["items"] = n;
}
BENCHMARK(BM_LabelMapFromValues)->Arg(10000)->Unit(benchmark::kMillisecond);

// The per-call lookup: exact fqdn and short name, in a 5,000-fqdn map.
void BM_LabelMapResolve(benchmark::State& state) {
    std::vector<std::string> values;
    for (int i = 0; i < 5000; ++i)
        values.push_back(hostName(i));
    wds::HostLabelMap map("fqdn",
                          [&] {
                              return wds::HostLabelValues{values, {}};
                          },
                          std::chrono::seconds(60), {});
    map.load();
    const std::string exact = hostName(4321), shortName = "compute-1234";
    for (auto _ : state) {
        benchmark::DoNotOptimize(map.resolve(exact));
        benchmark::DoNotOptimize(map.resolve(shortName));
    }
    state.counters["items"] = 2;
}
BENCHMARK(BM_LabelMapResolve);

}  // namespace

BENCHMARK_MAIN();
