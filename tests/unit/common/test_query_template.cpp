#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "datasource/QueryTemplateCache.h"
#include "errors/Subject.h"
#include "http/PercentEncoding.h"
#include "promql/PromQL.h"
#include "promql/QueryTemplate.h"

namespace wds::promql {
namespace {

// Values that exercise every way quoting and encoding differ from a plain copy.
const std::vector<std::string> kValues = {"compute-1.example.org",
                                          "11111111-1111-4111-8111-111111111111",
                                          "a'b\\c",
                                          "x'} or vector(1) #",
                                          "line\nbreak\ttab",
                                          "h\xc3\xa9te",
                                          "100% + a&b=c",
                                          "",
                                          std::string("nul\0byte", 8)};

TEST(QueryTemplateTest, FilledTemplatesEqualTheQueryBuiltInFull) {
    const QueryBuilder b("fqdn", "resource");
    for (const wds_aggregate agg : {WDS_AGGREGATE_MEAN, WDS_AGGREGATE_MIN, WDS_AGGREGATE_MAX}) {
        // One template per metric, filled with each value, against the whole query for it.
        const QueryTemplate hostCpu(b.hostCpuUsage(agg, b.hostHole(), 300));
        const QueryTemplate hostRam(b.hostRamUsage(agg, b.hostHole(), 600));  // two holes
        const QueryTemplate instanceCpu(b.instanceCpuUsage(agg, b.instanceHole(), 60, 3));
        const QueryTemplate instanceRam(b.instanceRamUsage(agg, b.instanceHole(), 300));
        for (const std::string& value : kValues) {
            const std::string quoted = quote(value, "v");
            const std::vector<std::pair<const QueryTemplate*, std::string>> cases = {
                {&hostCpu, b.hostCpuUsage(agg, value, 300)},
                {&hostRam, b.hostRamUsage(agg, value, 600)},
                {&instanceCpu, b.instanceCpuUsage(agg, value, 60, 3)},
                {&instanceRam, b.instanceRamUsage(agg, value, 300)}};
            for (const auto& [shape, full] : cases) {
                const Query query(*shape, quoted);
                EXPECT_EQ(query.text(), full);
                std::string encoded = "prefix";
                query.appendPercentEncoded(encoded);
                EXPECT_EQ(encoded, "prefix" + percentEncode(full)) << full;
                EXPECT_GE(query.encodedSizeBound(), encoded.size() - 6) << full;
            }
        }
    }
}

TEST(QueryTemplateTest, APlainQueryIsItsOwnText) {
    const Query query("sum(up{job='a b'})");
    EXPECT_EQ(query.text(), "sum(up{job='a b'})");
    std::string encoded;
    query.appendPercentEncoded(encoded);
    EXPECT_EQ(encoded, "sum%28up%7Bjob%3D%27a%20b%27%7D%29");
    EXPECT_GE(query.encodedSizeBound(), encoded.size());
}

TEST(QueryTemplateTest, NoLabelValueCanOpenAHole) {
    // kHole is a control character: quoting escapes it, so it never reaches a built query.
    EXPECT_EQ(quote(std::string(1, kHole), "v"), "'\\x00'");
}

TEST(QueryTemplateCacheTest, BuildsEachTemplateOnceAndStaysBounded) {
    QueryTemplateCache cache;
    int builds = 0;
    const auto build = [&] {
        ++builds;
        return std::string("up{a=") + kHole + "}";
    };
    const QueryTemplateCache::Key key{MetricKind::HostCpuUsage, WDS_AGGREGATE_MEAN, 300, 0};
    const QueryTemplate* first = cache.find(key, build);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(cache.find(key, build), first);
    EXPECT_EQ(builds, 1);
    EXPECT_EQ(Query(*first, "'x'").text(), "up{a='x'}");

    for (int64_t period = 1; builds < static_cast<int>(QueryTemplateCache::kMaxTemplates); ++period)
        ASSERT_NE(cache.find({MetricKind::HostRamUsage, WDS_AGGREGATE_MAX, period, 0}, build),
                  nullptr);
    EXPECT_EQ(cache.find({MetricKind::InstanceRamUsage, WDS_AGGREGATE_MIN, 1, 0}, build), nullptr);
    EXPECT_EQ(cache.find(key, build), first);  // what is kept stays
    for (int64_t period = 1; period < static_cast<int64_t>(QueryTemplateCache::kMaxTemplates);
         ++period) {  // every one is still found, none built again
        ASSERT_NE(cache.find({MetricKind::HostRamUsage, WDS_AGGREGATE_MAX, period, 0}, build),
                  nullptr);
    }
    EXPECT_EQ(builds, static_cast<int>(QueryTemplateCache::kMaxTemplates));
}

TEST(QueryTemplateCacheTest, ThreadsAskingAtOnceShareOneTemplatePerKey) {
    QueryTemplateCache cache;
    std::atomic<int> builds{0};
    const auto build = [&] {
        ++builds;
        return std::string("up{a=") + kHole + "}";
    };
    std::vector<const QueryTemplate*> seen(4 * 50);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int period = 0; period < 50; ++period) {
                seen[static_cast<size_t>(t * 50 + period)] =
                    cache.find({MetricKind::HostCpuUsage, WDS_AGGREGATE_MEAN, period, 0}, build);
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(builds, 50);
    for (int t = 1; t < 4; ++t) {
        for (int period = 0; period < 50; ++period)
            EXPECT_EQ(seen[static_cast<size_t>(t * 50 + period)],
                      seen[static_cast<size_t>(period)]);
    }
}

TEST(SubjectTest, BuildsItsTextOnlyWhenAsked) {
    int builds = 0;
    const auto build = [&] {
        ++builds;
        return std::string("query `up`");
    };
    const Subject lazy(build);
    EXPECT_EQ(builds, 0);
    EXPECT_EQ(lazy.str(), "query `up`");
    EXPECT_EQ(builds, 1);
    const std::string text = "targets";
    EXPECT_EQ(Subject(text).str(), "targets");
    EXPECT_EQ(Subject("literal").str(), "literal");
}

}  // namespace
}  // namespace wds::promql
