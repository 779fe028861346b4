#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aetos_proxy/AetosProxy.h"
#include "expectations/ExtensionChecks.h"
#include "expectations/PluginHarness.h"
#include "servers/Dataset.h"
#include "servers/KeystoneServer.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "servers/VictoriaMetricsServer.h"
#include "watcher_ds/datasource.hpp"

namespace {

using testing::HasSubstr;
using wds::testing::Dataset;

// --- snapshot/1 against a real backend: the checks every backend runs -------------------------

/** A statistic_snapshot() answer, copied out of the plugin's struct (then released). */
struct SnapshotCopy {
    wds_status status = WDS_E_INTERNAL;
    std::string message;
    uint32_t structSize = 0;
    uint32_t scale = 0;
    uint32_t queryCount = 0;
    std::vector<std::string> names;
    std::vector<double> values;
};

/** statistic_snapshot() through the C ABI of the plugin behind `source`, at evalS (Unix s). */
SnapshotCopy takeSnapshot(const wds::Source& source, wds_resource_type type,
                          const std::string& meter, wds_aggregate aggregate, int64_t periodS,
                          int64_t evalS) {
    SnapshotCopy copy;
    const auto* ext =
        static_cast<const wds_snapshot_ext_v1*>(source.extension(WDS_EXT_SNAPSHOT_V1));
    if (ext == nullptr) {
        ADD_FAILURE() << "the plugin offers no " << WDS_EXT_SNAPSHOT_V1;
        return copy;
    }
    wds_snapshot_query query;
    std::memset(&query, 0, sizeof query);
    query.struct_size = sizeof query;
    query.resource_type = type;
    query.meter_name = meter.c_str();
    query.aggregate = aggregate;
    query.period_s = periodS;
    query.granularity_s = 300;  // accepted, and no change to a Prometheus query
    query.eval_time_ms = evalS * 1000;
    query.timeout_ms = 10000;
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    wds_snapshot* snapshot = nullptr;
    copy.status = ext->statistic_snapshot(source.handle(), &query, &snapshot, &err);
    if (copy.status != WDS_OK) {
        copy.message = err.message;
        EXPECT_EQ(snapshot, nullptr) << meter;
        return copy;
    }
    if (snapshot == nullptr) {
        ADD_FAILURE() << meter << ": WDS_OK without a snapshot";
        return copy;
    }
    copy.structSize = snapshot->struct_size;
    copy.scale = snapshot->scale;
    copy.queryCount = snapshot->query_count;
    for (size_t i = 0; i < snapshot->count; ++i) {
        copy.names.emplace_back(snapshot->names[i]);
        copy.values.push_back(snapshot->values[i]);
    }
    ext->snapshot_release(snapshot);
    return copy;
}

/** extensions.h's WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS, as a caller applies it. */
double percentOfVcpus(double cores, int64_t vcpus) {
    const double scaled = cores * (100.0 / static_cast<double>(vcpus));
    return scaled > 100.0 ? 100.0 : scaled;
}

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

const wds_aggregate kSnapshotAggregates[] = {WDS_AGGREGATE_MEAN, WDS_AGGREGATE_MIN,
                                             WDS_AGGREGATE_MAX};
const char* aggregateName(wds_aggregate aggregate) {
    return aggregate == WDS_AGGREGATE_MIN ? "min" : aggregate == WDS_AGGREGATE_MAX ? "max" : "mean";
}

/**
 * For every metric of the data set x mean/min/max x window (rate windows for the CPU metrics,
 * X_over_time windows for RAM): one snapshot, one query; its names are sorted and exactly the
 * data set's hosts / instances whose own statistic_aggregation() at the same pinned time has a
 * value (every host, every instance but the one without data; an unknown host is not found and
 * not listed), and each listed value is bit-identical to that call's (instance_cpu_usage
 * scaled by 1, 2, 3, 4 and 8 vCPUs in turn, each with its own call) and close to the data
 * set's closed form. Returns the number of snapshots taken.
 */
unsigned expectSnapshotsMatchSingleCalls(const wds::Source& source,
                                         const wds::testing::Windows& windows) {
    unsigned snapshots = 0;
    const int64_t vcpuCounts[] = {1, 2, 3, 4, 8};
    const std::vector<std::string> hostNames = Dataset::hostNames();
    for (const wds::testing::DatasetMetric& metric : wds::testing::datasetMetrics()) {
        const bool hosts = metric.type == WDS_RESOURCE_COMPUTE_NODE;
        const bool cpu = metric.meter == "instance_cpu_usage";
        const bool rate = cpu || metric.meter == "host_cpu_usage";
        for (const wds::testing::Window& window : rate ? windows.rate : windows.overTime) {
            for (const wds_aggregate aggregate : kSnapshotAggregates) {
                const std::string what = metric.meter + " " + aggregateName(aggregate) +
                                         " P=" + std::to_string(window.periodS) +
                                         " t=" + std::to_string(window.evalS);
                const SnapshotCopy snapshot = takeSnapshot(source, metric.type, metric.meter,
                                                           aggregate, window.periodS, window.evalS);
                ++snapshots;
                EXPECT_EQ(snapshot.status, WDS_OK) << what << ": " << snapshot.message;
                if (snapshot.status != WDS_OK)
                    continue;
                EXPECT_EQ(snapshot.structSize, WDS_SNAPSHOT_V1_0_SIZE) << what;
                EXPECT_EQ(snapshot.queryCount, 1u) << what;
                EXPECT_EQ(snapshot.scale,
                          static_cast<uint32_t>(cpu ? WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS
                                                    : WDS_SNAPSHOT_SCALE_NONE))
                    << what;
                EXPECT_TRUE(std::adjacent_find(snapshot.names.begin(), snapshot.names.end(),
                                               std::greater_equal<std::string>()) ==
                            snapshot.names.end())
                    << what << ": names not sorted and unique";

                // Each resource's own call, and the names of those that answered a value.
                std::vector<std::string> withValue;
                std::vector<std::string> withData;  // what the data set says
                for (const wds::Resource& base : wds::testing::datasetResources(metric.type)) {
                    const std::string name = hosts ? base.hostname : base.uuid;
                    const bool known =
                        hosts ? std::count(hostNames.begin(), hostNames.end(), name) > 0
                              : Dataset::hasData(name);
                    if (known)
                        withData.push_back(name);
                    const auto listed =
                        std::find(snapshot.names.begin(), snapshot.names.end(), name);
                    bool answered = false;
                    for (const int64_t vcpus : vcpuCounts) {
                        wds::Resource resource = base;
                        resource.vcpus = vcpus;
                        const std::string one =
                            what + " of " + name + " (" + std::to_string(vcpus) + " vCPUs)";
                        const wds::ValueResult single = wds::testing::aggregate(
                            source, metric.type, metric.meter, resource, aggregateName(aggregate),
                            window.periodS, window.evalS);
                        answered = single.ok();
                        if (!single.ok()) {
                            EXPECT_TRUE(listed == snapshot.names.end())
                                << one << ": listed, but its own call is " << single.status << ": "
                                << single.message;
                        } else if (listed == snapshot.names.end()) {
                            ADD_FAILURE()
                                << one << ": not listed, but its own call is " << *single.value;
                        } else {
                            const double raw =
                                snapshot
                                    .values[static_cast<size_t>(listed - snapshot.names.begin())];
                            const double value = cpu ? percentOfVcpus(raw, vcpus) : raw;
                            EXPECT_TRUE(sameBits(value, *single.value))
                                << one << ": snapshot " << raw << " -> " << value
                                << ", its own call " << *single.value;
                            if (known) {
                                wds::testing::expectClose(
                                    value,
                                    *wds::testing::expectedValue(metric, resource,
                                                                 aggregateName(aggregate),
                                                                 window.periodS, window.evalS),
                                    one);
                            }
                        }
                        if (!cpu)
                            break;  // vCPUs change nothing else
                    }
                    if (answered)
                        withValue.push_back(name);
                }
                std::sort(withValue.begin(), withValue.end());
                std::sort(withData.begin(), withData.end());
                EXPECT_EQ(snapshot.names, withValue) << what;
                EXPECT_EQ(withValue, withData) << what;
            }
        }
    }
    return snapshots;
}

/**
 * Snapshots days before and after the data list nothing (WDS_OK, count 0); the flavor metrics
 * are WDS_E_UNSUPPORTED, an unknown metric WDS_E_METRIC_NOT_AVAILABLE, a metric of the other
 * resource type and a period of 0 WDS_E_INVALID_ARGUMENT, as their single calls.
 */
void expectSnapshotEdgesAndRefusals(const wds::Source& source) {
    for (const wds::testing::DatasetMetric& metric : wds::testing::datasetMetrics()) {
        for (const int64_t evalS : {Dataset::kStart - 3 * 86400, Dataset::kEnd + 3 * 86400}) {
            const SnapshotCopy away =
                takeSnapshot(source, metric.type, metric.meter, WDS_AGGREGATE_MEAN, 300, evalS);
            EXPECT_EQ(away.status, WDS_OK)
                << metric.meter << " at " << evalS << ": " << away.message;
            EXPECT_TRUE(away.names.empty()) << metric.meter << " at " << evalS;
        }
    }
    const struct {
        wds_resource_type type;
        const char* meter;
        int64_t periodS;
        wds_status expected;
        const char* says;
    } refusals[] = {
        {WDS_RESOURCE_INSTANCE, "instance_ram_allocated", 300, WDS_E_UNSUPPORTED,
         "instance_ram_allocated comes from each instance's flavor"},
        {WDS_RESOURCE_INSTANCE, "instance_root_disk_size", 300, WDS_E_UNSUPPORTED,
         "instance_root_disk_size comes from each instance's flavor"},
        {WDS_RESOURCE_COMPUTE_NODE, "host_outlet_temp", 300, WDS_E_METRIC_NOT_AVAILABLE,
         "host_outlet_temp"},
        {WDS_RESOURCE_INSTANCE, "host_cpu_usage", 300, WDS_E_INVALID_ARGUMENT,
         "'host_cpu_usage' is about compute_node"},
        {WDS_RESOURCE_COMPUTE_NODE, "instance_ram_usage", 300, WDS_E_INVALID_ARGUMENT,
         "'instance_ram_usage' is about instance"},
        {WDS_RESOURCE_COMPUTE_NODE, "host_ram_usage", 0, WDS_E_INVALID_ARGUMENT, "period"},
    };
    for (const auto& refusal : refusals) {
        const SnapshotCopy refused =
            takeSnapshot(source, refusal.type, refusal.meter, WDS_AGGREGATE_MEAN, refusal.periodS,
                         Dataset::kEnd);
        EXPECT_EQ(refused.status, refusal.expected) << refusal.meter << ": " << refused.message;
        EXPECT_THAT(refused.message, HasSubstr(refusal.says));
        if (refusal.expected == WDS_E_UNSUPPORTED)
            continue;  // a single call of a flavor metric answers the flavor's value
        // A single call with the same arguments, of a resource of that type the data set has.
        const wds::Resource resource =
            refusal.type == WDS_RESOURCE_COMPUTE_NODE
                ? wds::Resource::computeNode(Dataset::hostNames().front())
                : wds::Resource::instance(Dataset::instanceUuids().front());
        const wds::ValueResult single = wds::testing::aggregate(
            source, refusal.type, refusal.meter, resource, "mean", refusal.periodS, Dataset::kEnd);
        EXPECT_EQ(single.status, refused.status) << refusal.meter << ": " << single.message;
        EXPECT_EQ(single.message, refused.message) << refusal.meter;
    }
}

class ExtensionsTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new wds::testing::TempDir("wds-it-ext-");
        prom_ = new wds::testing::PrometheusServer(
            Dataset::prometheusOptions(dir_->file("dataset.om")));
        prom_->start();
        library_ = dlopen(WDS_PROMETHEUS_PLUGIN, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << dlerror();
        plugin_ = reinterpret_cast<wds_plugin_entry_v1_fn>(
            dlsym(library_, WDS_PLUGIN_ENTRY_V1_SYMBOL))(nullptr);
        ASSERT_NE(plugin_, nullptr);
        wds::Outcome outcome;
        source_ = new wds::Source(
            wds::Source::create(*plugin_,
                                {{"prometheus_client.host", prom_->host()},
                                 {"prometheus_client.port", std::to_string(prom_->port())},
                                 {"prometheus_client.timeout", "10"}},
                                {}, outcome));
        ASSERT_TRUE(outcome.ok()) << outcome.message;
    }
    static void TearDownTestSuite() {
        delete source_;
        delete prom_;
        delete dir_;
    }

    static wds::SeriesRequest hostCpuSeries(int64_t startS, int64_t endS, int64_t stepS) {
        wds::SeriesRequest request;
        request.resource = wds::Resource::computeNode("compute-1.cloud.example");
        request.meterName = "host_cpu_usage";
        request.startMs = startS * 1000;
        request.endMs = endS * 1000;
        request.granularityS = stepS;
        return request;
    }

    static inline wds::testing::TempDir* dir_ = nullptr;
    static inline wds::testing::PrometheusServer* prom_ = nullptr;
    static inline void* library_ = nullptr;
    static inline const wds_plugin_v1* plugin_ = nullptr;
    static inline wds::Source* source_ = nullptr;
};

TEST_F(ExtensionsTest, ThePluginOffersItsFourExtensionsAndNothingElse) {
    EXPECT_NE(source_->extension(WDS_EXT_SERIES_V1), nullptr);
    EXPECT_NE(source_->extension(WDS_EXT_BATCH_V1), nullptr);
    EXPECT_NE(source_->extension(WDS_EXT_INVENTORY_V1), nullptr);
    EXPECT_NE(source_->extension(WDS_EXT_SNAPSHOT_V1), nullptr);
    EXPECT_EQ(source_->extension("org.openstack.watcher-ds.series/2"), nullptr);
    EXPECT_EQ(source_->extension("org.openstack.watcher-ds.inventory/2"), nullptr);
    EXPECT_EQ(source_->extension("org.openstack.watcher-ds.snapshot/2"), nullptr);
    EXPECT_EQ(source_->extension(""), nullptr);
    EXPECT_EQ(source_->extension(nullptr), nullptr);
}

TEST_F(ExtensionsTest, SeriesOfEveryMetricMatchTheClosedFormAtEveryStep) {
    wds::testing::expectSeriesMatchDataset(*source_, Dataset::kEnd - 1800, Dataset::kEnd, 60);
    wds::testing::expectSeriesMatchDataset(*source_, Dataset::kStart + 300, Dataset::kEnd, 300);
}

TEST_F(ExtensionsTest, SeriesPointsSitOnMultiplesOfTheStepInsideTheRange) {
    // Neither end on a multiple of 60 s: the first point is the next multiple, the last the one
    // before the end, exactly as an aligned request would give.
    const auto result =
        source_->statisticSeries(hostCpuSeries(Dataset::kEnd - 590, Dataset::kEnd - 10, 60));
    ASSERT_TRUE(result.ok()) << result.message;
    ASSERT_EQ(result.points.size(), 9u);
    EXPECT_EQ(result.points.front().first, (Dataset::kEnd - 540) * 1000);
    EXPECT_EQ(result.points.back().first, (Dataset::kEnd - 60) * 1000);
}

TEST_F(ExtensionsTest, SeriesBeyondTheDataAreNoDataAndTooManyPointsAreRefused) {
    auto before =
        source_->statisticSeries(hostCpuSeries(Dataset::kStart - 7200, Dataset::kStart - 3600, 60));
    EXPECT_EQ(before.status, WDS_NO_DATA) << before.message;

    // 11,001 points: Prometheus would refuse it with its own error; we refuse it first.
    auto tooMany = source_->statisticSeries(hostCpuSeries(Dataset::kEnd - 11000, Dataset::kEnd, 1));
    EXPECT_EQ(tooMany.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(tooMany.message, HasSubstr("11000"));
    auto atTheLimit =
        source_->statisticSeries(hostCpuSeries(Dataset::kEnd - 10999 * 15, Dataset::kEnd, 15));
    EXPECT_TRUE(atTheLimit.ok()) << atTheLimit.message;
}

TEST_F(ExtensionsTest, BatchGivesEveryResourceExactlyItsOwnAnswerInOneQuery) {
    const auto windows = wds::testing::gridWindows();
    // Every metric x aggregate x window takes exactly one query.
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(*source_, windows),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
}

TEST_F(ExtensionsTest, ALongSetOfInstancesIsSplitIntoShortSetsInOnePostAndStillMatches) {
    // 60 more UUIDs make the regex longer than one GET query may carry (2 KiB encoded): the
    // Prometheus plugin POSTs the two regex sets as one `or` query, one request per batch.
    std::vector<std::string> extra;
    for (int i = 0; i < 60; ++i) {
        char uuid[37];
        std::snprintf(uuid, sizeof uuid, "%08d-0000-4000-8000-000000000000", i);
        extra.push_back(uuid);
    }
    const wds::testing::Windows windows{{{300, Dataset::kEnd}}, {{300, Dataset::kEnd}}};
    // Per metric and aggregate: one request (hosts: all 4 known, so every host).
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(*source_, windows, extra), 3u * 4);
}

TEST_F(ExtensionsTest, InventoryListsExactlyTheInstancesWithDataInTheWindow) {
    const auto listed = wds::testing::expectInventoryMatchesDataset(*source_);
    EXPECT_EQ(std::count(listed.begin(), listed.end(), Dataset::kNoDataInstance), 0);
    EXPECT_EQ(listed.size(), 4u);
}

TEST_F(ExtensionsTest, AfterAnInventoryABatchOfMostInstancesIsOneQueryAndStillMatches) {
    // A source of its own: the inventory changes how this source's batches are split.
    wds::Outcome outcome;
    const auto source =
        wds::Source::create(*plugin_,
                            {{"prometheus_client.host", prom_->host()},
                             {"prometheus_client.port", std::to_string(prom_->port())}},
                            {}, outcome);
    ASSERT_TRUE(outcome.ok()) << outcome.message;
    for (const char* meter : {"instance_cpu_usage", "instance_ram_usage"}) {
        const auto uuids = source.listInstances(meter, 300, Dataset::kEnd * 1000, outcome);
        ASSERT_TRUE(outcome.ok()) << outcome.message;
        ASSERT_EQ(uuids.size(), 4u) << meter;
    }
    // The 60 UUIDs that split a batch into two regex sets before (the test above): with the
    // inventory, every batch is one query over every instance, with the same answers.
    std::vector<std::string> extra;
    for (int i = 0; i < 60; ++i) {
        char uuid[37];
        std::snprintf(uuid, sizeof uuid, "%08d-0000-4000-8000-000000000000", i);
        extra.push_back(uuid);
    }
    const auto windows = wds::testing::gridWindows();
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(source, windows, extra),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
}

TEST_F(ExtensionsTest, FlavorMetricsBatchWithoutAQuery) {
    wds::BatchRequest request;
    request.resourceType = WDS_RESOURCE_INSTANCE;
    request.meterName = "instance_ram_allocated";
    request.resources = wds::testing::datasetResources(WDS_RESOURCE_INSTANCE);
    request.resources.push_back(wds::Resource::instance("no-memory-known"));
    const auto batch = source_->statisticBatch(request);
    ASSERT_TRUE(batch.ok()) << batch.message;
    EXPECT_EQ(batch.queryCount, 0u);
    EXPECT_EQ(*batch.items.front().value, 2048.0);
    EXPECT_EQ(batch.items.back().status, WDS_E_INVALID_ARGUMENT);
}

TEST_F(ExtensionsTest, SnapshotListsExactlyTheResourcesWithAValueEachBitIdenticalToItsOwnCall) {
    const auto windows = wds::testing::gridWindows();
    EXPECT_EQ(expectSnapshotsMatchSingleCalls(*source_, windows),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
}

TEST_F(ExtensionsTest, SnapshotsAwayFromTheDataAreEmptyAndTheRefusalsAreThoseOfSingleCalls) {
    expectSnapshotEdgesAndRefusals(*source_);
}

// --- snapshot/1 on the other backends the inventory runs on ------------------------------------
// VictoriaMetrics and a Prometheus under a path prefix (as integration_compat), the Aetos plugin
// through the Aetos proxy and a real Keystone (as integration_aetos), each loaded with the data
// set. Every backend starts once for the whole suite.

class SnapshotBackend {
  public:
    virtual ~SnapshotBackend() = default;
    virtual const wds_plugin_v1& plugin() const = 0;
    virtual wds::testing::PluginConfig pluginConfig() const = 0;
    // Exact on the engine (DatasetCases.h).
    virtual wds::testing::Windows windows() const = 0;
};

class VictoriaMetricsSnapshotBackend : public SnapshotBackend {
  public:
    VictoriaMetricsSnapshotBackend(const wds::testing::TempDir& dir, const wds_plugin_v1& plugin)
        : server_(Dataset::victoriaMetricsOptions(dir.file("dataset-vm.prom"))), plugin_(plugin) {
        server_.start();
    }
    const wds_plugin_v1& plugin() const override { return plugin_; }
    wds::testing::PluginConfig pluginConfig() const override {
        return {{"prometheus_client.host", server_.host()},
                {"prometheus_client.port", std::to_string(server_.port())}};
    }
    wds::testing::Windows windows() const override { return wds::testing::portableWindows(); }

  private:
    wds::testing::VictoriaMetricsServer server_;
    const wds_plugin_v1& plugin_;
};

class PrefixedPrometheusSnapshotBackend : public SnapshotBackend {
  public:
    PrefixedPrometheusSnapshotBackend(const wds::testing::TempDir& dir, const wds_plugin_v1& plugin)
        : server_(options(dir.file("dataset-prefixed.om"))), plugin_(plugin) {
        server_.start();
    }
    const wds_plugin_v1& plugin() const override { return plugin_; }
    wds::testing::PluginConfig pluginConfig() const override {
        return {{"prometheus_client.host", server_.host()},
                {"prometheus_client.port", std::to_string(server_.port())},
                {"prometheus_client.root_path", server_.routePrefix()}};
    }
    wds::testing::Windows windows() const override { return wds::testing::gridWindows(); }

  private:
    static wds::testing::PrometheusOptions options(const std::string& openMetricsPath) {
        auto o = Dataset::prometheusOptions(openMetricsPath);
        o.routePrefix = "/prom";
        return o;
    }
    wds::testing::PrometheusServer server_;
    const wds_plugin_v1& plugin_;
};

class AetosSnapshotBackend : public SnapshotBackend {
  public:
    AetosSnapshotBackend(const wds::testing::TempDir& dir, const wds_plugin_v1& plugin)
        : prom_(Dataset::prometheusOptions(dir.file("dataset-aetos.om"))), plugin_(plugin) {
        prom_.start();
        keystone_.start();
        wds::testing::AetosProxyOptions options;
        options.keystoneUrl = keystone_.url();
        options.username = keystone_.aetos().user;
        options.password = keystone_.aetos().password;
        options.projectName = keystone_.aetos().project;
        options.prometheusPort = prom_.port();
        options.pathPrefix = "/metric-storage";
        proxy_ = std::make_unique<wds::testing::AetosProxy>(options);
        proxy_->start();
        keystone_.setMetricStorageEndpoints(
            keystone_.standardEndpoints(proxy_->url(), proxy_->url(), proxy_->url()));
    }
    const wds_plugin_v1& plugin() const override { return plugin_; }
    wds::testing::PluginConfig pluginConfig() const override {
        const wds::testing::KeystoneAccount& watcher = keystone_.watcher();
        return {{"watcher_clients_auth.auth_type", "password"},
                {"watcher_clients_auth.auth_url", keystone_.authUrl()},
                {"watcher_clients_auth.username", watcher.user},
                {"watcher_clients_auth.password", watcher.password},
                {"watcher_clients_auth.user_domain_name", "Default"},
                {"watcher_clients_auth.project_name", watcher.project},
                {"watcher_clients_auth.project_domain_name", "Default"},
                {"watcher_clients_auth.timeout", "10"}};
    }
    wds::testing::Windows windows() const override { return wds::testing::gridWindows(); }

  private:
    wds::testing::PrometheusServer prom_;
    wds::testing::KeystoneServer keystone_;
    std::unique_ptr<wds::testing::AetosProxy> proxy_;
    const wds_plugin_v1& plugin_;
};

const std::vector<std::string> kSnapshotBackends = {"victoria_metrics", "prometheus_under_prefix",
                                                    "aetos_through_keystone"};

class SnapshotBackendsTest : public testing::TestWithParam<std::string> {
  protected:
    static void SetUpTestSuite() {
        prometheusPlugin_ = wds::testing::loadPlugin(WDS_PROMETHEUS_PLUGIN);
        aetosPlugin_ = wds::testing::loadPlugin(WDS_AETOS_PLUGIN);
        ASSERT_NE(prometheusPlugin_, nullptr);
        ASSERT_NE(aetosPlugin_, nullptr);
        dir_ = new wds::testing::TempDir("wds-it-ext-snapshot-");
        backends_ = new std::map<std::string, std::unique_ptr<SnapshotBackend>>();
        (*backends_)["victoria_metrics"] =
            std::make_unique<VictoriaMetricsSnapshotBackend>(*dir_, *prometheusPlugin_);
        (*backends_)["prometheus_under_prefix"] =
            std::make_unique<PrefixedPrometheusSnapshotBackend>(*dir_, *prometheusPlugin_);
        (*backends_)["aetos_through_keystone"] =
            std::make_unique<AetosSnapshotBackend>(*dir_, *aetosPlugin_);
    }
    static void TearDownTestSuite() {
        delete backends_;  // stops the servers
        backends_ = nullptr;
        delete dir_;
        dir_ = nullptr;
    }

    void SetUp() override {
        ASSERT_NE(backends_, nullptr) << "the suite's set-up failed";
        ASSERT_EQ(backends_->count(GetParam()), 1u) << "the suite's set-up failed";
    }

    const SnapshotBackend& backend() const { return *backends_->at(GetParam()); }

    wds::Source createSource() {
        wds::testing::PluginConfig config = backend().pluginConfig();
        config.insert(config.end(), {{"watcher_datasources.query_max_retries", "2"},
                                     {"watcher_datasources.query_interval", "0.05"}});
        wds::Outcome outcome;
        wds::Source source =
            wds::testing::createSource(backend().plugin(), config, logs_, &outcome);
        EXPECT_TRUE(outcome.ok()) << outcome.message;
        return source;
    }

    static inline const wds_plugin_v1* prometheusPlugin_ = nullptr;
    static inline const wds_plugin_v1* aetosPlugin_ = nullptr;
    static inline wds::testing::TempDir* dir_ = nullptr;
    static inline std::map<std::string, std::unique_ptr<SnapshotBackend>>* backends_ = nullptr;
    wds::testing::LogLines logs_;
};

INSTANTIATE_TEST_SUITE_P(Backends, SnapshotBackendsTest, testing::ValuesIn(kSnapshotBackends),
                         [](const testing::TestParamInfo<std::string>& info) {
                             return info.param;
                         });

TEST_P(SnapshotBackendsTest,
       SnapshotListsExactlyTheResourcesWithAValueEachBitIdenticalToItsOwnCall) {
    const auto source = createSource();
    ASSERT_TRUE(source);
    const auto windows = backend().windows();
    EXPECT_EQ(expectSnapshotsMatchSingleCalls(source, windows),
              2 * 3 * (windows.rate.size() + windows.overTime.size()));
}

TEST_P(SnapshotBackendsTest, SnapshotsAwayFromTheDataAreEmptyAndTheRefusalsAreThoseOfSingleCalls) {
    const auto source = createSource();
    ASSERT_TRUE(source);
    expectSnapshotEdgesAndRefusals(source);
}

}  // namespace
