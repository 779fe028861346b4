// CachedSource over a scripted in-test plugin: what is asked of the plugin, and when.
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "watcher_ds/metric_cache.hpp"

namespace wds {
namespace {

// The scripted plugin: value = 10 * call number for "compute-*" hosts, no data otherwise; the
// batch extension answers the same and records what it was asked.
struct Script {
    int calls = 0;
    std::vector<int64_t> evalTimes;
    std::vector<size_t> batchSizes;
    bool withBatch = true;
} g_script;

wds_status create(const wds_host_v1*, const wds_kv*, size_t, wds_source** out, wds_error*) {
    *out = reinterpret_cast<wds_source*>(&g_script);
    return WDS_OK;
}
void destroy(wds_source*) {}
void releaseList(wds_string_list*) {}

wds_status valueFor(const wds_resource& resource, int64_t evalTimeMs, double* out) {
    g_script.evalTimes.push_back(evalTimeMs);
    if (std::strncmp(resource.hostname, "compute-", 8) != 0)
        return WDS_NO_DATA;
    *out = 10.0 * ++g_script.calls;
    return WDS_OK;
}

wds_status aggregation(wds_source*, const wds_aggregation_query* query, double* out, wds_error*) {
    return valueFor(*query->resource, query->eval_time_ms, out);
}

struct OwnedBatch : wds_batch_result {
    std::vector<wds_batch_item> storage;
};

wds_status batch(wds_source*, const wds_batch_query* query, wds_batch_result** out, wds_error*) {
    g_script.batchSizes.push_back(query->resource_count);
    auto* result = new OwnedBatch();
    for (size_t i = 0; i < query->resource_count; ++i) {
        wds_batch_item item{};
        item.status = valueFor(*query->resources[i], query->eval_time_ms, &item.value);
        item.message = item.status == WDS_OK ? nullptr : "no data";
        result->storage.push_back(item);
    }
    result->struct_size = sizeof(wds_batch_result);
    result->count = result->storage.size();
    result->items = result->storage.data();
    result->query_count = 1;
    *out = result;
    return WDS_OK;
}
void releaseBatch(wds_batch_result* result) {
    delete static_cast<OwnedBatch*>(result);
}

const wds_batch_ext_v1 kBatch{sizeof(wds_batch_ext_v1), 0, batch, releaseBatch, nullptr};

const void* extension(const wds_source*, const char* id) {
    return g_script.withBatch && std::strcmp(id, WDS_EXT_BATCH_V1) == 0 ? &kBatch : nullptr;
}

wds_plugin_v1 scriptedPlugin() {
    wds_plugin_v1 p;
    std::memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.abi_major = WDS_ABI_MAJOR;
    p.id = "scripted";
    p.create = create;
    p.destroy = destroy;
    p.string_list_release = releaseList;
    p.statistic_aggregation = aggregation;
    p.get_extension = extension;
    return p;
}

class CachedSourceTest : public testing::Test {
  protected:
    void SetUp() override {
        g_script = Script();
        Outcome outcome;
        source = Source::create(plugin, {}, {}, outcome);
        ASSERT_TRUE(outcome.ok());
    }
    static AggregationRequest hostCpu(const std::string& host, int64_t evalTimeMs = 0) {
        AggregationRequest r;
        r.resource = Resource::computeNode(host);
        r.meterName = "host_cpu_usage";
        r.evalTimeMs = evalTimeMs;
        return r;
    }
    static BatchRequest hostsCpu(const std::vector<std::string>& hosts) {
        BatchRequest r;
        r.meterName = "host_cpu_usage";
        for (const auto& h : hosts)
            r.resources.push_back(Resource::computeNode(h));
        return r;
    }

    wds_plugin_v1 plugin = scriptedPlugin();
    Source source;
    MetricCache cache;
};

constexpr int64_t kAudit = 1700000000000;

TEST_F(CachedSourceTest, NowIsPinnedToTheAuditTimeAndAnsweredOnce) {
    CachedSource cached(source, cache, kAudit);
    EXPECT_EQ(cached.statisticAggregation(hostCpu("compute-1")).value, 10.0);
    EXPECT_EQ(cached.statisticAggregation(hostCpu("compute-1")).value, 10.0);  // from the cache
    EXPECT_EQ(g_script.calls, 1);
    EXPECT_EQ(g_script.evalTimes, std::vector<int64_t>{kAudit});  // never "now" (0)
    // Asking explicitly for the audit time is the same question.
    EXPECT_EQ(cached.statisticAggregation(hostCpu("compute-1", kAudit)).value, 10.0);
    EXPECT_EQ(g_script.calls, 1);
}

TEST_F(CachedSourceTest, AnotherEvaluationTimeOrAuditIsAskedAgain) {
    CachedSource first(source, cache, kAudit);
    first.statisticAggregation(hostCpu("compute-1"));
    EXPECT_EQ(first.statisticAggregation(hostCpu("compute-1", kAudit - 300000)).value, 20.0);
    CachedSource next(source, cache, kAudit + 300000);  // the next audit, same cache
    EXPECT_EQ(next.statisticAggregation(hostCpu("compute-1")).value, 30.0);
    EXPECT_EQ(g_script.calls, 3);
}

TEST_F(CachedSourceTest, NoDataIsNotCachedAndSimulatedValuesWin) {
    CachedSource cached(source, cache, kAudit);
    EXPECT_EQ(cached.statisticAggregation(hostCpu("controller")).status, WDS_NO_DATA);
    EXPECT_EQ(cached.statisticAggregation(hostCpu("controller")).status, WDS_NO_DATA);
    EXPECT_EQ(g_script.evalTimes.size(), 2u);  // asked twice, as Watcher does

    MetricCacheKey key;
    key.resourceId = "compute-9";
    key.meterName = "host_cpu_usage";
    key.evalTimeMs = kAudit;
    cache.inject(key, 99.0);
    EXPECT_EQ(cached.statisticAggregation(hostCpu("compute-9")).value, 99.0);
    EXPECT_EQ(g_script.calls, 0);
}

TEST_F(CachedSourceTest, BatchAsksOnlyForWhatTheCacheLacksInOneCall) {
    CachedSource cached(source, cache, kAudit);
    cached.statisticAggregation(hostCpu("compute-2"));  // 10, cached
    const BatchResult result =
        cached.statisticBatch(hostsCpu({"compute-1", "compute-2", "controller", "compute-3"}));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(g_script.batchSizes, std::vector<size_t>{3});
    ASSERT_EQ(result.items.size(), 4u);
    EXPECT_EQ(result.items[0].value, 20.0);
    EXPECT_EQ(result.items[1].value, 10.0);
    EXPECT_EQ(result.items[2].status, WDS_NO_DATA);
    EXPECT_EQ(result.items[3].value, 30.0);
    // Everything with a value is now cached.
    const BatchResult again = cached.statisticBatch(hostsCpu({"compute-1", "compute-3"}));
    EXPECT_EQ(g_script.batchSizes.size(), 1u);
    EXPECT_EQ(again.items[1].value, 30.0);
}

TEST_F(CachedSourceTest, WithoutTheBatchExtensionTheWrapperCallsPerResource) {
    g_script.withBatch = false;
    const BatchResult result = source.statisticBatch(hostsCpu({"compute-1", "controller"}));
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result.viaExtension);
    EXPECT_EQ(result.queryCount, 2u);
    EXPECT_EQ(result.items[0].value, 10.0);
    EXPECT_EQ(result.items[1].status, WDS_NO_DATA);
    std::vector<std::string> hosts;
    EXPECT_EQ(source.listHosts(hosts).status, WDS_E_UNSUPPORTED);
    InventoryRequest inventory;
    inventory.meterName = "instance_cpu_usage";
    std::vector<std::string> uuids{"left over"};
    const Outcome listed = source.listInstances(inventory, uuids);
    EXPECT_EQ(listed.status, WDS_E_UNSUPPORTED);
    EXPECT_EQ(listed.message, "the scripted plugin cannot list instances");
    EXPECT_TRUE(uuids.empty());
    SeriesRequest series;
    series.meterName = "host_cpu_usage";
    EXPECT_EQ(source.statisticSeries(series).status, WDS_E_UNSUPPORTED);
}

}  // namespace
}  // namespace wds
