#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "watcher_ds/metric_cache.hpp"

namespace wds {
namespace {

MetricCacheKey key(const std::string& resource, const std::string& meter = "instance_cpu_usage",
                   int64_t evalTimeMs = 0) {
    MetricCacheKey k;
    k.resourceId = resource;
    k.meterName = meter;
    k.evalTimeMs = evalTimeMs;
    return k;
}

TEST(MetricCacheTest, EveryKeyPartSeparatesEntries) {
    MetricCache cache;
    cache.put(key("u1"), 1.0);
    EXPECT_EQ(cache.get(key("u1")), 1.0);
    EXPECT_EQ(cache.get(key("u2")), std::nullopt);
    EXPECT_EQ(cache.get(key("u1", "instance_ram_usage")), std::nullopt);
    MetricCacheKey other = key("u1");
    other.aggregate = WDS_AGGREGATE_MAX;
    EXPECT_EQ(cache.get(other), std::nullopt);
    other = key("u1");
    other.periodS = 600;
    EXPECT_EQ(cache.get(other), std::nullopt);
    other = key("u1");
    other.granularityS = 60;
    EXPECT_EQ(cache.get(other), std::nullopt);
}

TEST(MetricCacheTest, NeverServesAnAnswerForAnotherEvaluationTime) {
    MetricCache cache;
    cache.put(key("u1", "instance_cpu_usage", 1700000000000), 5.0);
    EXPECT_EQ(cache.get(key("u1", "instance_cpu_usage", 1700000000000)), 5.0);
    EXPECT_EQ(cache.get(key("u1", "instance_cpu_usage", 1700000300000)), std::nullopt);
    EXPECT_EQ(cache.get(key("u1", "instance_cpu_usage", 0)), std::nullopt);
}

TEST(MetricCacheTest, ZeroIsCachedLikeAnyValue) {
    MetricCache cache;
    cache.put(key("idle-host", "host_cpu_usage"), 0.0);
    EXPECT_EQ(cache.get(key("idle-host", "host_cpu_usage")), 0.0);
}

TEST(MetricCacheTest, SimulatedValuesAndTheirFlag) {
    MetricCache cache;
    cache.inject(key("u1"), 42.0);
    EXPECT_TRUE(cache.isSimulated(key("u1")));
    EXPECT_EQ(cache.get(key("u1")), 42.0);
    cache.put(key("u1"), 7.0);  // a real value clears the flag (Watcher keeps it: a bug)
    EXPECT_FALSE(cache.isSimulated(key("u1")));
    EXPECT_FALSE(cache.isSimulated(key("absent")));

    cache.inject(key("u2"), 1.0);
    cache.clearSimulated();
    EXPECT_EQ(cache.get(key("u2")), std::nullopt);
    EXPECT_EQ(cache.get(key("u1")), 7.0);
}

TEST(MetricCacheTest, RemoveByResourceWorksForIdsWithColons) {
    MetricCache cache;
    cache.put(key("node:a:b"), 1.0);
    cache.put(key("node:a:b", "host_ram_usage"), 2.0);
    cache.put(key("node:a"), 3.0);
    cache.remove("node:a:b", std::string("host_ram_usage"));
    EXPECT_EQ(cache.size(), 2u);
    cache.remove("node:a:b");
    EXPECT_EQ(cache.get(key("node:a:b")), std::nullopt);
    EXPECT_EQ(cache.get(key("node:a")), 3.0);  // a prefix is not a match
    cache.clear();
    EXPECT_EQ(cache.size(), 0u);
}

TEST(MetricCacheTest, SafeFromManyThreads) {
    MetricCache cache;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 1000; ++i) {
                cache.put(key("r" + std::to_string(i % 50)), t);
                cache.get(key("r" + std::to_string(i % 37)));
                if (i % 100 == 0)
                    cache.remove("r" + std::to_string(i % 50));
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_LE(cache.size(), 50u);
}

}  // namespace
}  // namespace wds
