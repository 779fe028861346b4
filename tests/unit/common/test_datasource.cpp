#include "DatasourceFixture.h"

namespace wds {
namespace {

using test::isQuery;
using test::isTargets;
using testing::HasSubstr;
using testing::Truly;

TEST_F(DatasourceTest, HostCpuResolvesTheShortNameAndReturnsTheValue) {
    answerQuery(test::vectorBody({"12.5"}));
    auto result = datasource->statisticAggregation(host("compute-1"));
    EXPECT_EQ(result.value, 12.5);
    EXPECT_THAT(lastQuery, HasSubstr("fqdn='compute-1.example.org'"));
    EXPECT_THAT(lastQuery, HasSubstr("avg by (fqdn)"));
}

TEST_F(DatasourceTest, ZeroIsAValueAndEmptyIsNoData) {
    answerQuery(test::vectorBody({"0"}));
    EXPECT_EQ(datasource->statisticAggregation(host("controller")).value, 0.0);
    answerQuery(test::vectorBody({}));
    auto result = datasource->statisticAggregation(host("controller", "host_ram_usage"));
    EXPECT_FALSE(result.value);
    EXPECT_THAT(result.noDataReason, HasSubstr("node_memory_MemTotal_bytes"));
}

TEST_F(DatasourceTest, NonFiniteValuesAreNoDataWithAWarningNamingTheQuery) {
    for (const char* v : {"NaN", "+Inf", "-Inf"}) {
        answerQuery(test::vectorBody({v}));
        EXPECT_FALSE(datasource->statisticAggregation(instance("instance_ram_usage")).value);
    }
    ASSERT_EQ(warnings.size(), 3u);
    EXPECT_THAT(warnings[0], HasSubstr("ceilometer_memory_usage"));
}

TEST_F(DatasourceTest, SeveralSeriesAreAProtocolError) {
    answerQuery(test::vectorBody({"1", "2"}));
    EXPECT_EQ(statusOf(instance("instance_ram_usage")), WDS_E_PROTOCOL);
}

TEST_F(DatasourceTest, UnknownAndUnmappedMetricsAreNotAvailable) {
    std::string message;
    for (const char* meter : {"host_outlet_temp", "host_power", "instance_l3_cache_usage", "cpu"}) {
        EXPECT_EQ(statusOf(host("compute-1", meter), &message), WDS_E_METRIC_NOT_AVAILABLE);
        EXPECT_THAT(message, HasSubstr(meter));
    }
}

TEST_F(DatasourceTest, ResourceTypesAreChecked) {
    auto r = host("compute-1");
    r.resourceType = WDS_RESOURCE_BARE_METAL;
    EXPECT_EQ(statusOf(r), WDS_E_UNSUPPORTED);
    r.resourceType = WDS_RESOURCE_INSTANCE;
    EXPECT_EQ(statusOf(r), WDS_E_INVALID_ARGUMENT);
    r.resourceType = 99;
    EXPECT_EQ(statusOf(r), WDS_E_UNSUPPORTED);
}

TEST_F(DatasourceTest, ArgumentsAreValidated) {
    auto r = host("compute-1");
    r.periodS = 0;
    EXPECT_EQ(statusOf(r), WDS_E_INVALID_ARGUMENT);
    r.periodS = 300;
    r.aggregate = 7;
    EXPECT_EQ(statusOf(r), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf(host("")), WDS_E_INVALID_ARGUMENT);
    auto i = instance("instance_cpu_usage");
    i.uuid.clear();
    EXPECT_EQ(statusOf(i), WDS_E_INVALID_ARGUMENT);
    i.uuid = "bad\xff";
    EXPECT_EQ(statusOf(i), WDS_E_INVALID_ARGUMENT);
}

TEST_F(DatasourceTest, FlavorMetricsComeFromTheResourceWithoutAQuery) {
    EXPECT_CALL(*transport, send(Truly(isQuery))).Times(0);
    auto r = instance("instance_ram_allocated");
    r.memoryMb = 0.0;
    EXPECT_EQ(datasource->statisticAggregation(r).value, 0.0);
    r.meterName = "instance_root_disk_size";
    r.diskGb = 20;
    EXPECT_EQ(datasource->statisticAggregation(r).value, 20.0);
    r.diskGb.reset();
    EXPECT_EQ(statusOf(r), WDS_E_INVALID_ARGUMENT);
}

TEST_F(DatasourceTest, CountIsMeanWithAWarning) {
    answerQuery(test::vectorBody({"1"}));
    auto r = instance("instance_cpu_usage");
    r.aggregate = WDS_AGGREGATE_COUNT;
    datasource->statisticAggregation(r);
    EXPECT_THAT(lastQuery, HasSubstr("avg by (resource)"));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("count"));
}

TEST_F(DatasourceTest, MissingVcpusCountAsOneWithAWarning) {
    answerQuery(test::vectorBody({"1"}));
    auto r = instance("instance_cpu_usage");
    r.vcpus = 0;
    datasource->statisticAggregation(r);
    EXPECT_THAT(lastQuery, HasSubstr("*(100/1), 100)"));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("uuid-0"));
}

TEST_F(DatasourceTest, UnknownHostRefetchesTargetsThenIsNotFound) {
    EXPECT_CALL(*transport, send(Truly(isQuery))).Times(0);
    EXPECT_CALL(*transport, send(Truly(isTargets))).Times(1);  // the refresh (start() was before)
    std::string message;
    EXPECT_EQ(statusOf(host("compute-9"), &message), WDS_E_RESOURCE_NOT_FOUND);
    EXPECT_THAT(message, HasSubstr("compute-9"));
    EXPECT_THAT(message, HasSubstr("'fqdn'"));
}

TEST_F(DatasourceTest, HostileNamesCannotChangeTheQuery) {
    answerQuery(test::vectorBody({}));
    auto r = instance("instance_ram_usage");
    r.uuid = "x'} or vector(1) or {a='";
    datasource->statisticAggregation(r);
    EXPECT_THAT(lastQuery, HasSubstr(R"({resource='x\'} or vector(1) or {a=\''})"));
}

TEST_F(DatasourceTest, QueriesStayRightPastTheTemplateCacheBound) {
    // Each period is a template of its own; past the bound queries are built in full.
    const int periods = static_cast<int>(QueryTemplateCache::kMaxTemplates) + 20;
    EXPECT_CALL(*transport, send(testing::Truly(test::isQuery)))
        .Times(2 * periods)
        .WillRepeatedly([this](const HttpRequest& r) {
            lastQuery = test::promqlOf(r);
            return test::ok(test::vectorBody({"1"}));
        });
    for (int period = 1; period <= periods; ++period) {
        auto request = host("compute-1", "host_ram_usage");
        request.periodS = period;
        EXPECT_EQ(datasource->statisticAggregation(request).value, 1.0);
        const std::string window = "[" + std::to_string(period) + "s]";
        EXPECT_EQ(lastQuery,
                  "avg by (fqdn)(node_memory_MemTotal_bytes{fqdn='compute-1.example.org'}"
                  " - avg_over_time(node_memory_MemAvailable_bytes{fqdn='compute-1."
                  "example.org'}" +
                      window + ")) / 1024");
        auto cpu = instance("instance_cpu_usage");
        cpu.vcpus = period;
        cpu.uuid = "uuid-" + std::to_string(period);
        datasource->statisticAggregation(cpu);
        EXPECT_THAT(lastQuery, HasSubstr("{resource='uuid-" + std::to_string(period) + "'}"));
        EXPECT_THAT(lastQuery, HasSubstr("*(100/" + std::to_string(period) + ")"));
    }
}

}  // namespace
}  // namespace wds
