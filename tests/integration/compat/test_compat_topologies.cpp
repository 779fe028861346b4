// The topology fixtures (tests/fixtures/servers/Topology.h) on real servers: each one, fed by a
// LiveDatasetExporter, answers raw PromQL with the data set's closed forms at shifted times,
// stores exactly one sample per 15 s grid point, and has the shape its issue-16 item describes.
// The four topologies start once, in parallel, for the whole executable. Raw HTTP + Poco::JSON
// only (no plugin code).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "expectations/DatasetChecks.h"
#include "expectations/ExtensionChecks.h"
#include "expectations/PluginHarness.h"
#include "servers/Dataset.h"
#include "servers/LiveDatasetExporter.h"
#include "servers/Topology.h"

namespace {

using wds::testing::Dataset;
using wds::testing::FederationTopology;
using wds::testing::HttpResponse;
using wds::testing::PairTopology;
using wds::testing::Topology;

// The latest data set time the checks use: 90 s of live data, enough for the 30 s and 90 s
// windows below (and for 90 s windows the closed forms need their first sample at kStart).
constexpr int64_t kLastS = Dataset::kStart + 90;

struct Topologies : ::testing::Environment {
    void SetUp() override {
        all["federation"] = std::make_unique<FederationTopology>();
        all["disagreeing"] =
            std::make_unique<FederationTopology>(wds::testing::FederationOptions{true});
        all["pair"] = std::make_unique<PairTopology>();
        all["agent"] = std::make_unique<wds::testing::AgentTopology>();
        std::vector<std::future<void>> started;
        for (auto& [name, topology] : all) {
            Topology* t = topology.get();
            started.push_back(std::async(std::launch::async, [t] { t->start(); }));
        }
        for (auto& f : started) {
            f.get();
        }
    }
    void TearDown() override { all.clear(); }

    std::map<std::string, std::unique_ptr<Topology>> all;
};

Topologies* env = static_cast<Topologies*>(::testing::AddGlobalTestEnvironment(new Topologies));

Poco::JSON::Object::Ptr parse(const HttpResponse& r) {
    Poco::JSON::Parser parser;
    return parser.parse(r.body).extract<Poco::JSON::Object::Ptr>();
}

// Instant query at wall time wallS through the topology's query endpoint: (labels, value) per
// result series.
std::vector<std::pair<Poco::JSON::Object::Ptr, double>> query(const Topology& t,
                                                              const std::string& promql,
                                                              int64_t wallS) {
    Poco::URI uri("/api/v1/query");
    uri.addQueryParameter("query", promql);
    uri.addQueryParameter("time", std::to_string(wallS));
    const HttpResponse r = t.query(uri.getPathAndQuery());
    std::vector<std::pair<Poco::JSON::Object::Ptr, double>> out;
    if (r.status != 200) {
        ADD_FAILURE() << t.name() << ": " << promql << " -> HTTP " << r.status << ": " << r.body;
        return out;
    }
    const auto result = parse(r)->getObject("data")->getArray("result");
    for (std::size_t i = 0; i < result->size(); ++i) {
        const auto series = result->getObject(i);
        out.emplace_back(series->getObject("metric"),
                         std::stod(series->getArray("value")->getElement<std::string>(1)));
    }
    return out;
}

std::vector<double> values(const Topology& t, const std::string& promql, int64_t dataSetS) {
    std::vector<double> out;
    for (const auto& [labels, v] : query(t, promql, dataSetS + t.shiftS())) {
        out.push_back(v);
    }
    return out;
}

// Relative 1e-6; an expected 0.0 must come back exactly.
void expectClose(double actual, double expected, const std::string& what) {
    EXPECT_NEAR(actual, expected, 1e-6 * std::fabs(expected)) << what;
}

class EachTopology : public ::testing::TestWithParam<std::string> {
  protected:
    Topology& topology() { return *env->all.at(GetParam()); }
};

// CPU (rate) on the grid, RAM (X_over_time) 7 s off it: no sample on a window's left edge, where
// VictoriaMetrics (agent) and Prometheus would differ (docs/COMPATIBILITY.md).
TEST_P(EachTopology, PromqlMatchesTheClosedFormsAtShiftedTimes) {
    Topology& t = topology();
    t.waitForData(kLastS, std::chrono::seconds(150));
    const std::size_t perHost = GetParam() == "disagreeing" ? 2 : 1;  // compute-1 on both shards
    for (int64_t period : {30, 90}) {
        for (const auto& host : Dataset::hostNames()) {
            for (const std::string agg : {"mean", "max"}) {
                const std::string where =
                    t.name() + " " + host + " " + agg + " P=" + std::to_string(period);
                const auto cpu = values(t, Dataset::hostCpuQuery(host, agg, period), kLastS);
                ASSERT_EQ(cpu.size(), 1u) << "cpu " << where;
                expectClose(cpu[0], Dataset::hostCpuUsage(host, agg, period, kLastS),
                            "cpu " + where);
                const auto ram = values(t, Dataset::hostRamQuery(host, agg, period), kLastS - 7);
                const std::size_t copies = host == Dataset::kDuplicateHost     ? 2
                                           : host == "compute-1.cloud.example" ? perHost
                                                                               : 1;
                ASSERT_EQ(ram.size(), copies) << "ram " << where;
                for (double v : ram) {
                    expectClose(v, Dataset::hostRamUsageKiB(host, agg, period, kLastS - 7),
                                "ram " + where);
                }
            }
        }
        for (const auto& uuid : Dataset::instanceUuids()) {
            const std::string where = t.name() + " " + uuid + " P=" + std::to_string(period);
            const auto cpu = values(t, Dataset::instanceCpuQuery(uuid, "mean", period, 2), kLastS);
            const auto ram = values(t, Dataset::instanceRamQuery(uuid, "min", period), kLastS - 7);
            if (!Dataset::hasData(uuid)) {
                EXPECT_TRUE(cpu.empty()) << where;
                EXPECT_TRUE(ram.empty()) << where;
                continue;
            }
            ASSERT_EQ(cpu.size(), 1u) << where;
            expectClose(cpu[0], Dataset::instanceCpuUsage(uuid, "mean", period, kLastS, 2),
                        "cpu " + where);
            auto expected = Dataset::instanceRamUsageSeriesMB(uuid, "min", period, kLastS - 7);
            auto got = ram;
            ASSERT_EQ(got.size(), expected.size()) << where;
            std::sort(got.begin(), got.end());
            std::sort(expected.begin(), expected.end());
            for (std::size_t i = 0; i < got.size(); ++i) {
                expectClose(got[i], expected[i], "ram " + where);
            }
        }
    }
    // The exact zeros of the data set stay exact.
    EXPECT_EQ(values(t, Dataset::hostCpuQuery("controller", "mean", 30), kLastS),
              std::vector<double>{0.0});
    EXPECT_EQ(values(t, Dataset::hostRamQuery("controller", "mean", 30), kLastS - 7),
              std::vector<double>{0.0});
}

// One sample per series per 15 s grid point: Prometheus drops a re-scraped grid sample as an
// exact duplicate, VictoriaMetrics deduplicates it. A 90 s window ending 1 s after a grid time
// holds 6 grid times on either engine.
TEST_P(EachTopology, ExactlyOneSamplePerGridPoint) {
    Topology& t = topology();
    t.waitForData(kLastS, std::chrono::seconds(150));
    std::size_t series = 0;
    for (const auto& metric : Dataset::metricNames()) {  // per name: count_over_time drops it
        const auto counts =
            query(t, "count_over_time(" + metric + "[90s])", kLastS - 14 + t.shiftS());
        series += counts.size();
        for (const auto& [labels, n] : counts) {
            std::ostringstream name;
            labels->stringify(name);
            EXPECT_EQ(n, 6.0) << t.name() << " " << metric << name.str();
        }
    }
    EXPECT_EQ(series, t.expectedSeries());
}

INSTANTIATE_TEST_SUITE_P(Topologies, EachTopology,
                         ::testing::Values("federation", "disagreeing", "pair", "agent"),
                         [](const auto& info) { return info.param; });

TEST(LiveDatasetExporter, ServesTheDatasetsValuesOnTheGridWithExplicitTimestamps) {
    wds::testing::LiveDatasetExporter exporter;
    EXPECT_EQ(exporter.answer("/metrics?host=controller&instance=controller:9100",
                              static_cast<int64_t>(std::time(nullptr))),
              std::make_pair(200, std::string()))
        << "served before begin()";
    exporter.begin();
    EXPECT_EQ(exporter.originS() % Dataset::kStep, 0);
    EXPECT_EQ(exporter.shiftS(), exporter.originS() - Dataset::kStart);
    const std::string controller = "/metrics?host=controller&instance=controller:9100";
    // Before the origin: nothing. 22 s after it: the samples of the grid time 15 s after it.
    EXPECT_EQ(exporter.answer(controller, exporter.originS() - 1),
              std::make_pair(200, std::string()));
    const auto [status, body] = exporter.answer(controller, exporter.originS() + 22);
    EXPECT_EQ(status, 200);
    std::string expected;
    const std::string ts = std::to_string((exporter.originS() + 15) * 1000);
    for (const auto& s : Dataset::series()) {
        if (s.host == "controller") {
            expected += s.name + "{" + s.labels + "} " +
                        Dataset::formatValue(s.valueAt(Dataset::kStart + 15)) + " " + ts + "\n";
        }
    }
    EXPECT_EQ(body, expected);
    EXPECT_EQ(wds::testing::LiveDatasetExporter::hostSeries("compute-2.cloud.example",
                                                            "compute-2.cloud.example:9101")
                  .size(),
              4u);  // 1 CPU (idle, user), MemTotal, MemAvailable
    const auto instances = exporter.answer(
        "/metrics?instances=22222222-2222-4222-8222-222222222222", exporter.originS());
    EXPECT_NE(instances.second.find("ceilometer_memory_usage{orig_timestamp=\"2\",project=\"p1\","
                                    "resource=\"22222222-2222-4222-8222-222222222222\"} 3072 " +
                                    std::to_string(exporter.originS() * 1000) + "\n"),
              std::string::npos)
        << instances.second;
    EXPECT_EQ(exporter.answer("/metrics", exporter.originS()).first, 404);
    EXPECT_EQ(exporter.answer("/other?host=controller", exporter.originS()).first, 404);
}

std::vector<Poco::JSON::Object::Ptr> activeTargets(const HttpResponse& r) {
    std::vector<Poco::JSON::Object::Ptr> out;
    if (r.status != 200) {
        ADD_FAILURE() << "targets: HTTP " << r.status << ": " << r.body;
        return out;
    }
    const auto active = parse(r)->getObject("data")->getArray("activeTargets");
    for (std::size_t i = 0; i < active->size(); ++i) {
        out.push_back(active->getObject(i)->getObject("labels"));
    }
    return out;
}

TEST(FederationTopology, GlobalSeriesCarryShardLabelsAndItsTargetsAreTheShards) {
    auto& t = static_cast<FederationTopology&>(*env->all.at("federation"));
    t.waitForData(Dataset::kStart, std::chrono::seconds(60));
    const auto globalTargets = activeTargets(t.global().get("/api/v1/targets?state=active"));
    EXPECT_EQ(globalTargets.size(), 2u);
    for (const auto& labels : globalTargets) {
        EXPECT_FALSE(labels->has(Dataset::kFqdnLabel));
        EXPECT_EQ(labels->getValue<std::string>("job"), "federate");
    }
    // The shards' host targets carry the fqdn label (plus one ceilometer target each).
    EXPECT_EQ(activeTargets(t.shardA().get("/api/v1/targets?state=active")).size(), 2u + 1u);
    EXPECT_EQ(activeTargets(t.shardB().get("/api/v1/targets?state=active")).size(), 3u + 1u);

    const int64_t at = Dataset::kStart + t.shiftS();
    std::map<std::string, double> perShard;
    for (const auto& [labels, n] : query(t, "count by (shard)(node_memory_MemTotal_bytes)", at)) {
        perShard[labels->getValue<std::string>("shard")] = n;
    }
    // a: compute-0, compute-1; b: compute-2 (two exporters) and controller.
    EXPECT_EQ(perShard, (std::map<std::string, double>{{"a", 2}, {"b", 3}}));
    EXPECT_TRUE(query(t, "{__name__=~\"node_.+|ceilometer_.+\",shard=\"\"}", at).empty());
    // The ceilometer series have exactly the data set's labels plus the shard.
    const auto ceilometer = query(t, "ceilometer_memory_usage{resource=~\"1111.*\"}", at);
    ASSERT_EQ(ceilometer.size(), 1u);
    std::vector<std::string> names;
    ceilometer[0].first->getNames(names);
    EXPECT_EQ(names, (std::vector<std::string>{"__name__", "project", "resource", "shard"}));
}

TEST(FederationTopology, DisagreeingShardsBothHoldTheSameHost) {
    auto& t = *env->all.at("disagreeing");
    t.waitForData(Dataset::kStart, std::chrono::seconds(60));
    const auto r = query(t, "node_memory_MemTotal_bytes{fqdn=\"compute-1.cloud.example\"}",
                         Dataset::kStart + t.shiftS());
    std::vector<std::string> shards;
    for (const auto& [labels, v] : r) {
        shards.push_back(labels->getValue<std::string>("shard"));
    }
    std::sort(shards.begin(), shards.end());
    EXPECT_EQ(shards, (std::vector<std::string>{"a", "b"}));
}

TEST(AgentTopology, VictoriaMetricsHasNoTargetsAndTheAgentNoQueryApi) {
    auto& t = static_cast<wds::testing::AgentTopology&>(*env->all.at("agent"));
    t.waitForData(Dataset::kStart, std::chrono::seconds(60));
    EXPECT_TRUE(activeTargets(t.victoriaMetrics().get("/api/v1/targets")).empty());
    EXPECT_NE(t.agent().get("/api/v1/query?query=up").status, 200);
    // The node series keep exactly the data set's labels (no job/instance of the scrape).
    const auto r =
        query(t, "node_memory_MemTotal_bytes{fqdn=\"controller\"}", Dataset::kStart + t.shiftS());
    ASSERT_EQ(r.size(), 1u);
    std::vector<std::string> names;
    r[0].first->getNames(names);
    EXPECT_EQ(names, (std::vector<std::string>{"__name__", "fqdn", "instance", "job"}));
    EXPECT_EQ(r[0].first->getValue<std::string>("instance"), "controller:9100");
}

// --- The prometheus plugin on each topology: every data set check, at shifted times ---

const wds_plugin_v1* prometheusPlugin() {
    static const wds_plugin_v1* plugin = wds::testing::loadPlugin(WDS_PROMETHEUS_PLUGIN);
    return plugin;
}

// A source pointed at the topology's query endpoint; its log lines land in `logs`.
wds::Source pluginOn(const Topology& t, wds::testing::LogLines& logs,
                     wds::Outcome* outcome = nullptr) {
    wds::testing::PluginConfig config = {{"prometheus_client.host", t.queryHost()},
                                         {"prometheus_client.port", std::to_string(t.queryPort())},
                                         {"watcher_datasources.query_max_retries", "3"},
                                         {"watcher_datasources.query_interval", "0.2"},
                                         {"prometheus_client.timeout", "5"}};
    if (!t.rootPath().empty())
        config.emplace_back("prometheus_client.root_path", t.rootPath());
    return wds::testing::createSource(*prometheusPlugin(), config, logs, outcome);
}

class PluginOnTopology : public EachTopology {};

TEST_P(PluginOnTopology, PassesEveryDatasetCheckAtShiftedTimes) {
    Topology& t = topology();
    t.waitForData(kLastS, std::chrono::seconds(150));
    wds::testing::LogLines logs;
    const wds::Source source = pluginOn(t, logs);
    const auto windows = wds::testing::liveWindows(kLastS, t.shiftS());
    wds::testing::expectAvailableWithDatasetMetrics(source);
    wds::testing::expectHostMetricsMatchDataset(source, windows);
    wds::testing::expectInstanceMetricsMatchDataset(source, windows);
    wds::testing::expectNoDataOutsideTheDataset(source);
    // One batch query per metric, aggregate and window, each resource its own call's answer.
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(source, windows),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
    // Series points sit on multiples of the step in wall time; VictoriaMetrics' windows are
    // left-open (docs/COMPATIBILITY.md, Series and batches).
    const int64_t stepS = 30;
    const int64_t firstS =
        Dataset::kStart + 30 + (stepS - (Dataset::kStart + 30 + t.shiftS()) % stepS) % stepS;
    wds::testing::expectSeriesMatchDataset(source, firstS, firstS + 30, stepS,
                                           GetParam() == "agent"
                                               ? wds::testing::WindowEdge::LeftOpen
                                               : wds::testing::WindowEdge::Closed,
                                           t.shiftS());
}

TEST_P(PluginOnTopology, HostNamesComeFromWhereTheBackendHasThem) {
    // A global Prometheus's targets are the shards and the agent's VictoriaMetrics has none:
    // there the hosts come from the node series; the replicas scrape the hosts themselves.
    Topology& t = topology();
    t.waitForData(Dataset::kStart, std::chrono::seconds(60));
    wds::testing::LogLines logs;
    const wds::Source source = pluginOn(t, logs);
    const std::string fromTargets = GetParam() == "pair" ? "4" : "0";
    const std::string fromSeries = GetParam() == "pair" ? "0" : "4";
    EXPECT_THAT(logs.lines(),
                testing::Contains(testing::HasSubstr(
                    "host names: 4 'fqdn' label values, " + fromTargets +
                    " from the active targets at " + t.queryBaseUrl() + " and " + fromSeries +
                    " more from the node_cpu_seconds_total{mode='idle'} series")));
    const auto cpu = source.hostCpuUsage("compute-0", 30, WDS_AGGREGATE_MEAN, 30,
                                         (Dataset::kStart + 30 + t.shiftS()) * 1000);
    wds::testing::expectValue(
        cpu, Dataset::hostCpuUsage("compute-0.cloud.example", "mean", 30, Dataset::kStart + 30),
        "short name");
}

INSTANTIATE_TEST_SUITE_P(Topologies, PluginOnTopology,
                         ::testing::Values("federation", "pair", "agent"),
                         [](const auto& info) { return info.param; });

TEST(DisagreeingShards, TheHostOnBothShardsIsRefusedNamingBothAndTheOthersAnswer) {
    Topology& t = *env->all.at("disagreeing");
    t.waitForData(kLastS, std::chrono::seconds(150));
    wds::testing::LogLines logs;
    const wds::Source source = pluginOn(t, logs);
    const int64_t atMs = (kLastS + t.shiftS()) * 1000;
    const auto doubled =
        source.hostCpuUsage("compute-1.cloud.example", 60, WDS_AGGREGATE_MEAN, 60, atMs);
    EXPECT_EQ(doubled.status, WDS_E_RESOURCE_NOT_FOUND) << doubled.message;
    EXPECT_THAT(doubled.message, testing::HasSubstr("host 'compute-1.cloud.example'"));
    EXPECT_THAT(doubled.message, testing::HasSubstr("{shard=\"a\"} and {shard=\"b\"}"));
    EXPECT_THAT(logs.lines(), testing::Contains(testing::HasSubstr(doubled.message)));
    for (const std::string host : {"compute-0.cloud.example", "compute-2.cloud.example"}) {
        wds::testing::expectValue(source.hostCpuUsage(host, 60, WDS_AGGREGATE_MEAN, 60, atMs),
                                  Dataset::hostCpuUsage(host, "mean", 60, kLastS), host);
    }
}

// Runs last: googletest runs parameterized suites after the plain TESTs, in the order they are
// defined, and the replica this stops may miss a grid sample, which the closed-form checks
// above must not see.
class PairFailover : public ::testing::TestWithParam<std::string> {};

TEST_P(PairFailover, AnswersThroughTheBalancerWithOneReplicaDownAndPicksTheOtherUpAgain) {
    auto& t = static_cast<PairTopology&>(*env->all.at(GetParam()));
    const int64_t atS = Dataset::kStart + 15;  // what the plugin is asked below
    t.waitForData(atS, std::chrono::seconds(60));
    const auto countThroughBalancer = [&] {
        const auto r =
            query(t, "count(node_memory_MemTotal_bytes)", t.exporter().dataEndS() + t.shiftS());
        return r.size() == 1 ? r[0].second : -1.0;
    };
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(countThroughBalancer(), 5.0);
    }
    // The plugin's handle lives through the whole failover, never re-created.
    wds::testing::LogLines logs;
    const wds::Source source = pluginOn(t, logs);
    const auto expectPluginAnswers = [&](const std::string& when) {
        for (const auto& host : Dataset::hostNames()) {
            wds::testing::expectValue(
                source.hostCpuUsage(host, 15, WDS_AGGREGATE_MEAN, 15, (atS + t.shiftS()) * 1000),
                Dataset::hostCpuUsage(host, "mean", 15, atS), host + " " + when);
        }
    };
    expectPluginAnswers("with both replicas");
    t.stopReplica(0);
    EXPECT_FALSE(t.replica(0).running());
    const int64_t gapS = t.exporter().dataEndS();  // a misses the grid times after this one
    for (int i = 0; i < 10; ++i) {  // round robin would send half of these to the stopped one
        EXPECT_EQ(countThroughBalancer(), 5.0) << "request " << i << " with replica a down";
    }
    expectPluginAnswers("with replica a down");
    // Down for three grid times: afterwards the replicas disagree about [gap + 15, gap + 30].
    ASSERT_TRUE(t.exporter().waitUntilServed(gapS + 45, std::chrono::seconds(60)));
    t.restartReplica(0);
    // The restarted replica scrapes again and answers by itself...
    const int64_t next = t.exporter().dataEndS() + Dataset::kStep;
    t.waitForData(next, std::chrono::seconds(60));
    EXPECT_EQ(wds::testing::liveSeriesAt(t.replica(0).port(), "", next + t.shiftS()),
              t.expectedSeries());
    // ...and through the balancer again, to the same plugin handle.
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(countThroughBalancer(), 5.0);
    }
    expectPluginAnswers("after replica a came back");

    // One batch never mixes the replicas: a rate over [gap + 15, gap + 30] has two samples on b
    // and none on a, and 60 padding UUIDs that sort among the data set's instances split them
    // over two regex sets, which the plugin POSTs as one query: all values (b) or no data (a).
    const int64_t gapWallS = gapS + 30 + t.shiftS();
    const auto countOn = [&](int replica) {
        Poco::URI uri("/api/v1/query");
        uri.addQueryParameter("query", "count(count by (resource) (rate(ceilometer_cpu[15s])))");
        uri.addQueryParameter("time", std::to_string(gapWallS));
        const HttpResponse r =
            wds::testing::httpGet("127.0.0.1", t.replica(replica).port(), uri.getPathAndQuery());
        return r.status == 200 && r.body.find("\"4\"") != std::string::npos;
    };
    ASSERT_FALSE(countOn(0)) << "replica a has samples in its gap";
    ASSERT_TRUE(countOn(1)) << "replica b lacks the gap's samples";
    wds::BatchRequest batch;
    batch.resourceType = WDS_RESOURCE_INSTANCE;
    batch.meterName = "instance_cpu_usage";
    batch.periodS = 15;
    batch.granularityS = 15;
    batch.evalTimeMs = gapWallS * 1000;
    for (const auto& uuid : Dataset::instanceUuids()) {
        if (Dataset::hasData(uuid))
            batch.resources.push_back(wds::Resource::instance(uuid));
    }
    for (int i = 0; i < 60; ++i) {
        char uuid[37];
        std::snprintf(uuid, sizeof uuid, "25%06d-0000-4000-8000-000000000000", i);
        batch.resources.push_back(wds::Resource::instance(uuid));
    }
    for (auto& resource : batch.resources)
        resource.vcpus = 2;
    int fromB = 0, fromA = 0;
    for (int round = 0; round < 8; ++round) {
        const wds::BatchResult answer = source.statisticBatch(batch);
        ASSERT_TRUE(answer.ok()) << answer.message;
        EXPECT_EQ(answer.queryCount, 1u);
        int values = 0;
        for (size_t i = 0; i < 4; ++i)
            values += answer.items[i].ok() ? 1 : 0;
        EXPECT_TRUE(values == 0 || values == 4)
            << "round " << round << ": " << values << " of the 4 instances have a value";
        (values == 4 ? fromB : fromA) += 1;
    }
    // Round robin sends the batches to both replicas, so both kinds of whole answer show.
    EXPECT_GT(fromA, 0);
    EXPECT_GT(fromB, 0);
}

INSTANTIATE_TEST_SUITE_P(Topologies, PairFailover, ::testing::Values("pair"),
                         [](const auto& info) { return info.param; });

}  // namespace
