// Where the host label map's values come from (HostLabelSources, through the Datasource): the
// active targets united with the fqdn values of the node series, and hosts whose series come
// from several sources (two shards federated into one global server) refused by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "DatasourceFixture.h"

namespace wds {
namespace {

using testing::HasSubstr;
using testing::Truly;

bool isConflictQuery(const HttpRequest& r) {
    return test::isQuery(r) && test::promqlOf(r).rfind("count by (fqdn, instance)", 0) == 0;
}
bool isSourceSeriesQuery(const HttpRequest& r) {
    return test::isQuery(r) && test::promqlOf(r).rfind("node_cpu_seconds_total{", 0) == 0;
}

/** An instant vector of series with the given label sets (value 1). */
std::string seriesBody(std::initializer_list<std::map<std::string, std::string>> series) {
    std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
    bool first = true;
    for (const auto& labels : series) {
        body += first ? R"({"metric":{)" : R"(,{"metric":{)";
        first = false;
        bool firstLabel = true;
        for (const auto& [name, value] : labels) {
            body += (firstLabel ? "\"" : ",\"") + name + "\":\"" + value + "\"";
            firstLabel = false;
        }
        body += R"(},"value":[1700000000,"1"]})";
    }
    return body + "]}}";
}

class HostLabelSourcesTest : public DatasourceTest {
  protected:
    static AggregationArgs cpuOf(const std::string& hostname) {
        AggregationArgs r = host(hostname);
        r.periodS = 300;
        r.granularityS = 300;
        r.aggregate = WDS_AGGREGATE_MEAN;
        return r;
    }
    /** A batch or snapshot request of host_cpu_usage (mean over 300 s). */
    template <class Args>
    static Args hostCpuOfAll() {
        Args r;
        r.resourceType = WDS_RESOURCE_COMPUTE_NODE;
        r.meterName = "host_cpu_usage";
        r.periodS = 300;
        r.granularityS = 300;
        r.aggregate = WDS_AGGREGATE_MEAN;
        return r;
    }
    /** Another datasource over the same mock, started (the fixture's one answers the targets). */
    std::unique_ptr<Datasource> startedSource(const Logger& log) {
        Datasource::Settings settings;
        settings.id = "prometheus";
        auto source = std::make_unique<Datasource>(
            settings,
            std::make_unique<PromApiClient>(transport, "",
                                            RetryPolicy(1, std::chrono::milliseconds(0)),
                                            std::chrono::milliseconds(1000), log),
            log);
        source->start();
        return source;
    }
};

TEST_F(HostLabelSourcesTest, HostsKnownOnlyFromTheNodeSeriesResolve) {
    // A global Prometheus: its targets are the shards, the hosts are on the federated series.
    EXPECT_CALL(*transport, send(Truly(isConflictQuery)))
        .WillOnce(testing::Return(test::ok(seriesBody({}))));
    makeDatasource(false, {}, "resource", {"compute-7.example.org", "controller"});
    EXPECT_EQ(datasource->hostLabels().labelValues(),
              (std::vector<std::string>{"compute-7.example.org", "controller"}));
    answerQuery(test::labelledVectorBody("fqdn", {{"compute-7.example.org", "12.5"}}));
    const auto result = datasource->statisticAggregation(cpuOf("compute-7"));
    ASSERT_TRUE(result.value.has_value());
    EXPECT_DOUBLE_EQ(*result.value, 12.5);
    EXPECT_THAT(lastQuery, HasSubstr("fqdn='compute-7.example.org'"));
    EXPECT_THAT(warnings, testing::IsEmpty());
}

TEST_F(HostLabelSourcesTest, TheSeriesLookUpCoversTheLastDayOfTheCpuSeries) {
    HttpRequest seen;
    EXPECT_CALL(*transport, send(Truly(test::isHostLabelValues)))
        .WillOnce([&](const HttpRequest& r) {
            seen = r;
            return test::ok(test::labelValuesBody({}));
        });
    EXPECT_EQ(statusOf(cpuOf("unknown")), WDS_E_RESOURCE_NOT_FOUND);  // a miss looks again
    EXPECT_EQ(test::paramOf(seen, "match[]"), "node_cpu_seconds_total{mode='idle'}");
    const double start = std::stod(test::paramOf(seen, "start"));
    const double end = std::stod(test::paramOf(seen, "end"));
    EXPECT_NEAR(end - start, 86400.0, 1e-3);
}

TEST_F(HostLabelSourcesTest, HostsOnTheTargetsNeedNoConflictCheck) {
    // The server scrapes them itself: one source by construction, so no extra query.
    EXPECT_CALL(*transport, send(Truly(test::isQuery))).Times(0);
    makeDatasource(false, {"compute-1.example.org", "controller"}, "resource",
                   {"compute-1.example.org"});
    EXPECT_EQ(datasource->hostLabels().size(), 2u);
}

TEST_F(HostLabelSourcesTest, AHostFromTwoShardsIsRefusedNamingTheDifferingLabels) {
    EXPECT_CALL(*transport, send(Truly(isConflictQuery)))
        .WillOnce(testing::Return(test::ok(
            seriesBody({{{"fqdn", "compute-1.example.org"}, {"instance", "compute-1:9100"}}}))));
    EXPECT_CALL(*transport, send(Truly(isSourceSeriesQuery))).WillOnce([](const HttpRequest& r) {
        EXPECT_EQ(test::promqlOf(r),
                  "node_cpu_seconds_total{mode='idle',cpu='0',fqdn=~'compute-1\\\\.example\\\\."
                  "org'}");
        return test::ok(seriesBody({{{"__name__", "node_cpu_seconds_total"},
                                     {"fqdn", "compute-1.example.org"},
                                     {"instance", "compute-1:9100"},
                                     {"job", "node"},
                                     {"shard", "a"}},
                                    {{"__name__", "node_cpu_seconds_total"},
                                     {"fqdn", "compute-1.example.org"},
                                     {"instance", "compute-1:9100"},
                                     {"job", "node"},
                                     {"shard", "b"}}}));
    });
    makeDatasource(false, {}, "resource", {"compute-1.example.org", "controller"});

    // Logged at create, and the answer for that host only.
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("{shard=\"a\"} and {shard=\"b\"}"));
    std::string message;
    EXPECT_EQ(statusOf(cpuOf("compute-1"), &message), WDS_E_RESOURCE_NOT_FOUND);
    EXPECT_THAT(message, HasSubstr("host 'compute-1.example.org'"));
    EXPECT_THAT(message, HasSubstr("{shard=\"a\"} and {shard=\"b\"}"));
    EXPECT_THAT(message, testing::Not(HasSubstr("job")));  // the labels that agree stay out

    answerQuery(test::labelledVectorBody("fqdn", {{"controller", "0"}}));
    EXPECT_EQ(statusOf(cpuOf("controller")), WDS_OK);
}

TEST_F(HostLabelSourcesTest, AConflictingHostIsAPerResourceAnswerOfABatchAndLeftOutOfASnapshot) {
    EXPECT_CALL(*transport, send(Truly(isConflictQuery)))
        .WillOnce(testing::Return(
            test::ok(seriesBody({{{"fqdn", "compute-1.example.org"}, {"instance", "i"}}}))));
    EXPECT_CALL(*transport, send(Truly(isSourceSeriesQuery)))
        .WillOnce(testing::Return(test::ok(seriesBody(
            {{{"fqdn", "compute-1.example.org"}, {"instance", "i"}, {"prometheus", "p1"}},
             {{"fqdn", "compute-1.example.org"}, {"instance", "i"}, {"prometheus", "p2"}},
             {{"fqdn", "compute-1.example.org"}, {"instance", "i"}}}))));
    makeDatasource(false, {}, "resource", {"compute-1.example.org", "controller"});

    auto batch = hostCpuOfAll<BatchArgs>();
    ResourceArgs a, b;
    a.hostname = "compute-1";
    b.hostname = "controller";
    batch.resources = {a, b};
    // Both hosts are every known host: one query over all of them, which has both.
    answerQuery(
        test::labelledVectorBody("fqdn", {{"compute-1.example.org", "50"}, {"controller", "1"}}));
    const BatchAnswer answer = datasource->statisticBatch(batch);
    EXPECT_EQ(answer.items[0].status, WDS_E_RESOURCE_NOT_FOUND);
    EXPECT_THAT(answer.items[0].message, HasSubstr("3 node_cpu_seconds_total"));
    EXPECT_THAT(answer.items[0].message,
                HasSubstr("{prometheus=\"p1\"}, {prometheus=\"p2\"} and {prometheus=\"\"}"));
    EXPECT_EQ(answer.items[1].status, WDS_OK);

    const auto snapshot = hostCpuOfAll<SnapshotArgs>();
    answerQuery(
        test::labelledVectorBody("fqdn", {{"compute-1.example.org", "50"}, {"controller", "1"}}));
    const SnapshotAnswer values = datasource->statisticSnapshot(snapshot);
    EXPECT_EQ(values.names, (std::vector<std::string>{"controller"}));
    EXPECT_THAT(warnings.back(), HasSubstr("left out 1 hosts whose series come from several"));
}

TEST_F(HostLabelSourcesTest, ABackendWithoutTargetsLeavesTheHostsToTheSeriesButNotBothDown) {
    // 404: no such page (Mimir, say). Other failures of the targets stay the answer (below).
    ON_CALL(*transport, send(Truly(test::isTargets)))
        .WillByDefault(testing::Return(HttpResponse{404, "page not found"}));
    EXPECT_CALL(*transport, send(Truly(test::isHostLabelValues)))
        .WillOnce(testing::Return(test::ok(test::labelValuesBody({"controller"}))));
    EXPECT_CALL(*transport, send(Truly(isConflictQuery)))
        .WillOnce(testing::Return(test::ok(seriesBody({}))));
    Logger log(
        [](void* ctx, wds_log_level level, const char* m) {
            if (level >= WDS_LOG_WARNING)
                static_cast<std::vector<std::string>*>(ctx)->push_back(m);
        },
        &warnings);
    const auto targetsDown = startedSource(log);
    EXPECT_EQ(targetsDown->hostLabels().labelValues(), (std::vector<std::string>{"controller"}));
    ASSERT_FALSE(warnings.empty());
    EXPECT_THAT(warnings.front(), HasSubstr("host names from the node series only"));

    EXPECT_CALL(*transport, send(Truly(test::isHostLabelValues)))
        .WillOnce(testing::Return(HttpResponse{503, "busy"}));
    try {
        startedSource(log);
        ADD_FAILURE() << "start() succeeded";
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.httpStatus(), 404);  // the targets' error
        EXPECT_THAT(e.what(), HasSubstr("targets"));
    }
}

TEST_F(HostLabelSourcesTest, AuthAndServerFailuresOfTheTargetsFailTheCreate) {
    // A user without the role Aetos needs for targets must hear so, even though the series
    // (restricted to their project) would answer with nothing.
    for (const HttpResponse& failure :
         {HttpResponse{403, "RBAC Authorization Failed"}, HttpResponse{503, "busy"}}) {
        EXPECT_CALL(*transport, send(Truly(test::isTargets))).WillOnce(testing::Return(failure));
        EXPECT_CALL(*transport, send(Truly(test::isHostLabelValues))).Times(0);
        try {
            startedSource(Logger());
            ADD_FAILURE() << "start() succeeded on HTTP " << failure.status;
        } catch (const DatasourceError& e) {
            EXPECT_EQ(e.httpStatus(), failure.status) << e.what();
        }
    }
}

}  // namespace
}  // namespace wds
