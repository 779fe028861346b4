#include <dlfcn.h>

#include <algorithm>
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expectations/ExtensionChecks.h"
#include "servers/Dataset.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "watcher_ds/datasource.hpp"

namespace {

using testing::HasSubstr;
using wds::testing::Dataset;

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

TEST_F(ExtensionsTest, ThePluginOffersItsThreeExtensionsAndNothingElse) {
    EXPECT_NE(source_->extension(WDS_EXT_SERIES_V1), nullptr);
    EXPECT_NE(source_->extension(WDS_EXT_BATCH_V1), nullptr);
    EXPECT_NE(source_->extension(WDS_EXT_INVENTORY_V1), nullptr);
    EXPECT_EQ(source_->extension("org.openstack.watcher-ds.series/2"), nullptr);
    EXPECT_EQ(source_->extension("org.openstack.watcher-ds.inventory/2"), nullptr);
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

TEST_F(ExtensionsTest, ALongSetOfInstancesIsSplitIntoShortQueriesAndStillMatches) {
    // 60 more UUIDs make the regex longer than one batch query may carry (2 KiB encoded).
    std::vector<std::string> extra;
    for (int i = 0; i < 60; ++i) {
        char uuid[37];
        std::snprintf(uuid, sizeof uuid, "%08d-0000-4000-8000-000000000000", i);
        extra.push_back(uuid);
    }
    const wds::testing::Windows windows{{{300, Dataset::kEnd}}, {{300, Dataset::kEnd}}};
    // Per aggregate: host metrics 1 query (all 4 known hosts: every host), instance metrics 2.
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(*source_, windows, extra), 3u * 6);
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
    // The 60 UUIDs that split a batch into two regex queries before (the test above): with
    // the inventory, every batch is one query over every instance, with the same answers.
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

}  // namespace
