// The Prometheus plugin against the two other shapes large deployments put behind Aetos: a real
// VictoriaMetrics 1.79 (single node, data set loaded through its import API) and a Prometheus
// served under a path prefix. Every backend passes the data set checks of the Prometheus suite
// (expectations/DatasetChecks.h) at the windows where both engines are exact; the tests that
// pin where the engines differ are at the end (docs/COMPATIBILITY.md).
//
// To cover a new capability on every backend, add a TEST_P(CompatTest, ...) that uses
// createSource() (or backend().pluginConfig() for its own config).
#include <map>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expectations/DatasetChecks.h"
#include "expectations/ExtensionChecks.h"
#include "expectations/PluginHarness.h"
#include "servers/Dataset.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "servers/VictoriaMetricsServer.h"
#include "watcher_ds/datasource.hpp"

namespace {

using testing::HasSubstr;
using wds::testing::Dataset;
using Config = wds::testing::PluginConfig;

enum class Engine { Prometheus, VictoriaMetrics };

// A server loaded with the data set, and how the prometheus plugin reaches it.
class Backend {
  public:
    virtual ~Backend() = default;
    virtual Engine engine() const = 0;
    virtual std::string baseUrl() const = 0;
    // prometheus_client.* keys; the suite adds the retry and timeout settings.
    virtual Config pluginConfig() const = 0;
    // The check_availability probe the plugin must report using.
    virtual std::string availabilityProbe() const = 0;
    virtual void stop() = 0;
    virtual void start() = 0;
};

class VictoriaMetricsBackend : public Backend {
  public:
    explicit VictoriaMetricsBackend(const wds::testing::TempDir& dir)
        : server_(Dataset::victoriaMetricsOptions(dir.file("dataset.prom"))) {
        server_.start();
    }
    Engine engine() const override { return Engine::VictoriaMetrics; }
    std::string baseUrl() const override { return server_.baseUrl(); }
    Config pluginConfig() const override {
        return {{"prometheus_client.host", server_.host()},
                {"prometheus_client.port", std::to_string(server_.port())}};
    }
    // VictoriaMetrics 1.79 answers 400 "unsupported path" on /api/v1/status/runtimeinfo.
    std::string availabilityProbe() const override { return "/api/v1/query?query=1"; }
    void stop() override { server_.stop(); }
    void start() override { server_.start(); }

  private:
    wds::testing::VictoriaMetricsServer server_;
};

class PrefixedPrometheusBackend : public Backend {
  public:
    explicit PrefixedPrometheusBackend(const wds::testing::TempDir& dir)
        : server_(options(dir.file("dataset.om"))) {
        server_.start();
    }
    Engine engine() const override { return Engine::Prometheus; }
    std::string baseUrl() const override { return server_.baseUrl(); }
    Config pluginConfig() const override {
        return {{"prometheus_client.host", server_.host()},
                {"prometheus_client.port", std::to_string(server_.port())},
                {"prometheus_client.root_path", server_.routePrefix()}};
    }
    std::string availabilityProbe() const override { return "/api/v1/status/runtimeinfo"; }
    void stop() override { server_.stop(); }
    void start() override { server_.start(); }

  private:
    static wds::testing::PrometheusOptions options(const std::string& openMetricsPath) {
        auto o = Dataset::prometheusOptions(openMetricsPath);
        o.routePrefix = "/prom";  // --web.route-prefix=/prom, --web.external-url=.../prom
        return o;
    }
    wds::testing::PrometheusServer server_;
};

const std::vector<std::string> kBackends = {"victoria_metrics", "prometheus_under_prefix"};

class CompatTest : public testing::TestWithParam<std::string> {
  protected:
    // Every backend starts once for the whole executable (one CTest entry).
    static void SetUpTestSuite() {
        dir_ = new wds::testing::TempDir("wds-it-compat-");
        backends_ = new std::map<std::string, std::unique_ptr<Backend>>();
        (*backends_)["victoria_metrics"] = std::make_unique<VictoriaMetricsBackend>(*dir_);
        (*backends_)["prometheus_under_prefix"] =
            std::make_unique<PrefixedPrometheusBackend>(*dir_);

        plugin_ = wds::testing::loadPlugin(WDS_PROMETHEUS_PLUGIN);
    }
    static void TearDownTestSuite() {
        delete backends_;  // stops the servers by PID
        delete dir_;
    }

    void SetUp() override { ASSERT_NE(plugin_, nullptr) << "the suite's set-up failed"; }

    Backend& backend() const { return *backends_->at(GetParam()); }

    // A source on this test's backend; its log lines land in logs_.
    wds::Source createSource(wds::Outcome* outcome = nullptr) {
        Config config = backend().pluginConfig();
        config.insert(config.end(), {{"watcher_datasources.query_max_retries", "2"},
                                     {"watcher_datasources.query_interval", "0.05"},
                                     {"prometheus_client.timeout", "5"}});
        return wds::testing::createSource(*plugin_, config, logs_, outcome);
    }

    static inline wds::testing::TempDir* dir_ = nullptr;
    static inline std::map<std::string, std::unique_ptr<Backend>>* backends_ = nullptr;
    static inline const wds_plugin_v1* plugin_ = nullptr;
    wds::testing::LogLines logs_;
};

INSTANTIATE_TEST_SUITE_P(Backends, CompatTest, testing::ValuesIn(kBackends),
                         [](const testing::TestParamInfo<std::string>& info) {
                             return info.param;
                         });

// --- The data set checks of the Prometheus suite, at windows exact on both engines ---

TEST_P(CompatTest, AvailableAndListsTheDatasetMetrics) {
    wds::testing::expectAvailableWithDatasetMetrics(createSource());
}

TEST_P(CompatTest, HostMetricsMatchTheClosedFormForEveryAggregate) {
    wds::testing::expectHostMetricsMatchDataset(createSource(), wds::testing::portableWindows());
}

TEST_P(CompatTest, InstanceMetricsMatchTheClosedFormForEveryAggregate) {
    wds::testing::expectInstanceMetricsMatchDataset(createSource(),
                                                    wds::testing::portableWindows());
}

TEST_P(CompatTest, NoDataOutsideTheDatasetAndUnknownMetricsAreNotAvailable) {
    wds::testing::expectNoDataOutsideTheDataset(createSource());
}

TEST_P(CompatTest, HostNamesResolveThroughTheBackendsTargets) {
    // The fqdn label map comes from /api/v1/targets: Prometheus' and VictoriaMetrics' own
    // scrape targets (down, but listed with their fqdn labels).
    auto source = createSource();
    wds::testing::expectValue(
        source.hostCpuUsage("compute-0", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000),
        Dataset::hostCpuUsage("compute-0.cloud.example", "mean", 300, Dataset::kEnd), "short name");
    const auto missing =
        source.hostCpuUsage("compute-99", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000);
    EXPECT_EQ(missing.status, WDS_E_RESOURCE_NOT_FOUND) << missing.message;
    EXPECT_THAT(missing.message, HasSubstr("'fqdn'"));
}

// --- The series/1, batch/1 and inventory/1 extensions ---

TEST_P(CompatTest, SeriesMatchTheClosedFormAtEveryStep) {
    // query_range on both engines; points sit on the sample grid, so VictoriaMetrics' left-open
    // windows see one sample fewer in X_over_time (the checks account for that).
    const auto edge = backend().engine() == Engine::Prometheus ? wds::testing::WindowEdge::Closed
                                                               : wds::testing::WindowEdge::LeftOpen;
    auto source = createSource();
    wds::testing::expectSeriesMatchDataset(source, Dataset::kEnd - 1800, Dataset::kEnd, 60, edge);
    wds::testing::expectSeriesMatchDataset(source, Dataset::kStart + 300, Dataset::kEnd, 300, edge);
}

TEST_P(CompatTest, BatchGivesEveryResourceExactlyItsOwnAnswerInOneQuery) {
    const auto windows = wds::testing::portableWindows();
    std::vector<std::string> extra;  // enough to split the instances into two regex sets
    for (int i = 0; i < 60; ++i)
        extra.push_back("extra-" + std::to_string(i) + "-0000-4000-8000-000000000000");
    auto source = createSource();
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(source, windows),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
    // Both engines take the two sets as one POSTed `or` query: still one request per batch.
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(source, windows, extra),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
}

TEST_P(CompatTest, InventoryListsExactlyTheInstancesWithData) {
    // VictoriaMetrics answers label values from its per-day index: days away from the data it
    // lists nothing, as Prometheus does for any window outside its blocks.
    EXPECT_EQ(wds::testing::expectInventoryMatchesDataset(createSource()).size(), 4u);
}

// --- check_availability: the probe, and a stopped backend ---

TEST_P(CompatTest, CheckAvailabilitySaysWhichProbeAnswered) {
    auto source = createSource();
    ASSERT_TRUE(source.checkAvailability().ok());
    const std::string expected = std::to_string(WDS_LOG_INFO) + " available at " +
                                 backend().baseUrl() + ": " + backend().availabilityProbe() +
                                 " answered";
    EXPECT_THAT(logs_.lines(), testing::Contains(testing::StartsWith(expected)));
}

TEST_P(CompatTest, AStoppedBackendIsUnavailableAndTheHandleRecovers) {
    auto source = createSource();
    backend().stop();
    const wds::Outcome down = source.checkAvailability();
    backend().start();
    EXPECT_EQ(down.status, WDS_E_UNAVAILABLE) << down.message;
    EXPECT_THAT(down.message, HasSubstr("connection refused by " + backend().baseUrl()));
    EXPECT_THAT(down.message, testing::Not(HasSubstr("query `1`")));  // no fallback probe
    EXPECT_TRUE(source.checkAvailability().ok());
    wds::testing::expectValue(
        source.hostCpuUsage("controller", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000), 0.0,
        "after the restart");
}

// --- Where the engines differ (docs/COMPATIBILITY.md): pinned, so the doc stays true ---

TEST_P(CompatTest, TheLeftEdgeOfARangeWindowCountsOnlyOnPrometheus) {
    // On the grid, [kEnd - 300, kEnd] holds a sample on its left edge: Prometheus includes it
    // (21 samples), VictoriaMetrics does not (20, the same as Prometheus' 285 s window).
    const std::string uuid = Dataset::instanceUuids().front();  // memory grows 1 MB/min
    const auto min =
        wds::testing::aggregate(createSource(), WDS_RESOURCE_INSTANCE, "instance_ram_usage",
                                wds::Resource::instance(uuid), "min", 300, Dataset::kEnd);
    const int64_t seen = backend().engine() == Engine::Prometheus ? 300 : 285;
    wds::testing::expectValue(min, Dataset::instanceRamUsageMB(uuid, "min", seen, Dataset::kEnd),
                              "min over 300 s at kEnd");
    EXPECT_NE(Dataset::instanceRamUsageMB(uuid, "min", 300, Dataset::kEnd),
              Dataset::instanceRamUsageMB(uuid, "min", 285, Dataset::kEnd));
}

TEST_P(CompatTest, ARateWindowWithOneSampleHasDataOnlyOnVictoriaMetrics) {
    // 15 s ending 7 s after a sample holds that one sample: Prometheus needs two for rate();
    // VictoriaMetrics also uses the sample before the window and does not extrapolate.
    const auto cpu = createSource().hostCpuUsage("compute-1.cloud.example", 15, WDS_AGGREGATE_MEAN,
                                                 15, (Dataset::kEnd - 8) * 1000);
    if (backend().engine() == Engine::Prometheus) {
        EXPECT_EQ(cpu.status, WDS_NO_DATA) << cpu.message;
    } else {
        wds::testing::expectValue(
            cpu, Dataset::hostCpuUsage("compute-1.cloud.example", "mean", 15, Dataset::kEnd),
            "rate over 15 s with one sample");
    }
}

}  // namespace
