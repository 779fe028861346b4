// Range series and batch aggregation (the series/1 and batch/1 extensions) over a mock backend.
#include <set>

#include "DatasourceFixture.h"

namespace wds {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing::Truly;

bool isRangeQuery(const HttpRequest& r) {
    return r.target.find("/query_range?") != std::string::npos;
}

class DatasourceSeriesTest : public DatasourceTest {
  protected:
    static SeriesArgs hostSeries(int64_t startMs, int64_t endMs, int64_t stepS) {
        SeriesArgs r;
        r.resourceType = WDS_RESOURCE_COMPUTE_NODE;
        r.hostname = "compute-1";
        r.meterName = "host_cpu_usage";
        r.startMs = startMs;
        r.endMs = endMs;
        r.granularityS = stepS;
        return r;
    }
    wds_status statusOf(const SeriesArgs& r, std::string* message = nullptr) {
        try {
            datasource->statisticSeries(r);
        } catch (const DatasourceError& e) {
            if (message)
                *message = e.what();
            return e.status();
        }
        return WDS_OK;
    }
    HttpRequest lastRequest;
};

TEST_F(DatasourceSeriesTest, UsesQueryRangeOnStepMultiplesWithTheAggregationsPromQL) {
    EXPECT_CALL(*transport, send(Truly(isRangeQuery))).WillOnce([this](const HttpRequest& r) {
        lastRequest = r;
        return test::ok(
            test::matrixBody({{{1700000040, "10"}, {1700000100, "NaN"}, {1700000160, "0"}}}));
    });
    // 1700000010 s is not a multiple of 60: the first point is at the next one.
    auto result = datasource->statisticSeries(hostSeries(1700000010000, 1700000230000, 60));
    EXPECT_EQ(test::paramOf(lastRequest, "start"), "1700000040.000");
    EXPECT_EQ(test::paramOf(lastRequest, "end"), "1700000220.000");
    EXPECT_EQ(test::paramOf(lastRequest, "step"), "60");
    EXPECT_EQ(test::promqlOf(lastRequest),
              promql::QueryBuilder("fqdn", "resource")
                  .hostCpuUsage(WDS_AGGREGATE_MEAN, "compute-1.example.org", 60));
    using Points = std::vector<std::pair<int64_t, double>>;
    EXPECT_EQ(result.points, (Points{{1700000040000, 10.0}, {1700000160000, 0.0}}));
    ASSERT_EQ(warnings.size(), 1u);  // the NaN point is left out, and said so
    EXPECT_THAT(warnings[0], HasSubstr("non-finite"));
}

TEST_F(DatasourceSeriesTest, AetosGetsAnInstantSubqueryThatYieldsTheSamePoints) {
    makeDatasource(true);
    EXPECT_CALL(*transport, send(Truly(isRangeQuery))).Times(0);
    EXPECT_CALL(*transport, send(Truly(test::isQuery))).WillOnce([this](const HttpRequest& r) {
        lastRequest = r;
        return test::ok(test::matrixBody({{{1700000040, "1"}, {1700000220, "2"}}}));
    });
    auto result = datasource->statisticSeries(hostSeries(1700000010000, 1700000230000, 60));
    const std::string expr = promql::QueryBuilder("fqdn", "resource")
                                 .hostCpuUsage(WDS_AGGREGATE_MEAN, "compute-1.example.org", 60);
    // 180 s of range plus half a step, so the first multiple of 60 s in it is 1700000040.
    EXPECT_EQ(test::promqlOf(lastRequest), "(" + expr + ")[210000ms:60s]");
    EXPECT_EQ(test::paramOf(lastRequest, "time"), "1700000220.000");
    EXPECT_EQ(result.points.size(), 2u);
}

TEST_F(DatasourceSeriesTest, RangesOverThePointLimitAreRefusedBeforeAnyQuery) {
    EXPECT_CALL(*transport, send(Truly(isRangeQuery))).Times(0);
    std::string message;
    // 11,001 points of 1 s.
    EXPECT_EQ(statusOf(hostSeries(1700000000000, 1700011000000, 1), &message),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(message, HasSubstr("11001"));
    EXPECT_THAT(message, HasSubstr("11000"));
}

TEST_F(DatasourceSeriesTest, ExactlyThePointLimitIsAllowed) {
    EXPECT_CALL(*transport, send(Truly(isRangeQuery)))
        .WillOnce(testing::Return(test::ok(test::matrixBody({{{1700000000, "1"}}}))));
    EXPECT_EQ(statusOf(hostSeries(1700000000000, 1700010999000, 1)), WDS_OK);
}

TEST_F(DatasourceSeriesTest, ArgumentsAreValidated) {
    EXPECT_CALL(*transport, send(Truly(isRangeQuery))).Times(0);
    std::string message;
    EXPECT_EQ(statusOf(hostSeries(1700000000000, 1700000600000, 0)), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf(hostSeries(1700000600000, 1700000000000, 60)), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf(hostSeries(0, 1700000000000, 60)), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(statusOf(hostSeries(1700000010000, 1700000030000, 60), &message),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(message, HasSubstr("no multiple"));
    auto flavor = hostSeries(1700000000000, 1700000600000, 60);
    flavor.resourceType = WDS_RESOURCE_INSTANCE;
    flavor.uuid = "u";
    flavor.meterName = "instance_ram_allocated";
    EXPECT_EQ(statusOf(flavor, &message), WDS_E_UNSUPPORTED);
    EXPECT_THAT(message, HasSubstr("flavor"));
    auto unknownHost = hostSeries(1700000000000, 1700000600000, 60);
    unknownHost.hostname = "compute-9";
    EXPECT_EQ(statusOf(unknownHost), WDS_E_RESOURCE_NOT_FOUND);
}

TEST_F(DatasourceSeriesTest, NoPointsIsNoDataNotAnEmptySuccess) {
    EXPECT_CALL(*transport, send(Truly(isRangeQuery)))
        .WillOnce(testing::Return(test::ok(test::matrixBody({}))));
    auto result = datasource->statisticSeries(hostSeries(1700000000000, 1700000600000, 60));
    EXPECT_TRUE(result.points.empty());
    EXPECT_THAT(result.noDataReason, HasSubstr("node_cpu_seconds_total"));
}

TEST_F(DatasourceSeriesTest, TwoSeriesForOneResourceAreAProtocolError) {
    EXPECT_CALL(*transport, send(Truly(isRangeQuery)))
        .WillOnce(testing::Return(
            test::ok(test::matrixBody({{{1700000040, "1"}}, {{1700000040, "2"}}}))));
    EXPECT_EQ(statusOf(hostSeries(1700000000000, 1700000600000, 60)), WDS_E_PROTOCOL);
}

class DatasourceBatchTest : public DatasourceTest {
  protected:
    static BatchArgs batch(wds_resource_type type, const char* meter) {
        BatchArgs r;
        r.resourceType = type;
        r.meterName = meter;
        return r;
    }
    static ResourceArgs hostNamed(const std::string& name) {
        ResourceArgs r;
        r.hostname = name;
        return r;
    }
    static ResourceArgs instanceWith(const std::string& uuid, std::optional<int64_t> vcpus) {
        ResourceArgs r;
        r.uuid = uuid;
        r.vcpus = vcpus;
        return r;
    }
    /** The error that fails the whole batch; a batch that answers fails the test. */
    DatasourceError failureOf(const BatchArgs& request) {
        try {
            datasource->statisticBatch(request);
        } catch (const DatasourceError& e) {
            return e;
        }
        ADD_FAILURE() << "the batch answered";
        return DatasourceError(WDS_OK, "");
    }
    /** Expects one query, answers it with `body`, and records the request. */
    void answerBatch(const std::string& body) {
        EXPECT_CALL(*transport, send(Truly(test::isQuery)))
            .WillOnce([this, body](const HttpRequest& r) {
                lastRequest = r;
                return test::ok(body);
            });
    }
    HttpRequest lastRequest;
};

TEST_F(DatasourceBatchTest, MostOfTheKnownHostsAreOneQueryOverEveryHost) {
    answerBatch(test::labelledVectorBody(
        "fqdn", {{"compute-1.example.org", "12.5"}, {"controller", "0"}, {"other", "99"}}));
    auto request = batch(WDS_RESOURCE_COMPUTE_NODE, "host_cpu_usage");
    request.resources = {hostNamed("compute-1"), hostNamed("nowhere"), hostNamed("controller"),
                         hostNamed("compute-1.example.org")};
    const BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(result.queryCount, 1u);
    EXPECT_THAT(test::promqlOf(lastRequest), Not(HasSubstr("fqdn=")));  // both known hosts
    ASSERT_EQ(result.items.size(), 4u);
    EXPECT_EQ(result.items[0].value, 12.5);
    EXPECT_EQ(result.items[1].status, WDS_E_RESOURCE_NOT_FOUND);
    EXPECT_THAT(result.items[1].message, HasSubstr("nowhere"));
    EXPECT_EQ(result.items[2].status, WDS_OK);
    EXPECT_EQ(result.items[2].value, 0.0);  // a real zero
    EXPECT_EQ(result.items[3].value, 12.5);
}

TEST_F(DatasourceBatchTest, AFewHostsGetARegexOfExactlyThem) {
    answerBatch(test::labelledVectorBody("fqdn", {{"compute-1.example.org", "12.5"}}));
    auto request = batch(WDS_RESOURCE_COMPUTE_NODE, "host_ram_usage");
    request.resources = {hostNamed("compute-1"), hostNamed("nowhere")};
    const BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(result.queryCount, 1u);
    EXPECT_THAT(test::promqlOf(lastRequest), HasSubstr(R"({fqdn=~'compute-1\\.example\\.org'})"));
    EXPECT_EQ(result.items[0].value, 12.5);
    EXPECT_EQ(result.items[1].status, WDS_E_RESOURCE_NOT_FOUND);
}

TEST_F(DatasourceBatchTest, LongSetsAreSplitIntoQueriesUnderTheUrlLimit) {
    std::vector<std::string> uuids;
    for (int i = 0; i < 200; ++i)
        uuids.push_back("uuid-" + std::to_string(i) + "-0000-4000-8000-000000000000");
    std::set<std::string> asked;
    size_t queries = 0;
    EXPECT_CALL(*transport, send(Truly(test::isQuery))).WillRepeatedly([&](const HttpRequest& r) {
        ++queries;
        EXPECT_LT(r.target.size(), 3000u);  // a 4 KiB request line with room to spare
        const std::string promql = test::promqlOf(r);
        std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
        bool first = true;
        for (const auto& uuid : uuids) {
            if (promql.find("'" + uuid + "|") == std::string::npos &&
                promql.find("|" + uuid + "|") == std::string::npos &&
                promql.find("|" + uuid + "'") == std::string::npos &&
                promql.find("'" + uuid + "'") == std::string::npos)
                continue;
            EXPECT_TRUE(asked.insert(uuid).second) << uuid << " asked twice";
            body += (first ? "" : ",") + std::string(R"({"metric":{"resource":")") + uuid +
                    R"("},"value":[1700000000,"1024"]})";
            first = false;
        }
        return test::ok(body + "]}}");
    });
    auto request = batch(WDS_RESOURCE_INSTANCE, "instance_ram_usage");
    for (const auto& uuid : uuids)
        request.resources.push_back(instanceWith(uuid, 1));
    const BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(result.queryCount, queries);
    EXPECT_GE(queries, 3u);
    EXPECT_LE(queries, 5u);
    EXPECT_EQ(asked.size(), uuids.size());  // every one in exactly one query
    for (const auto& item : result.items)
        EXPECT_EQ(item.value, 1024.0);
}

TEST_F(DatasourceBatchTest, WhereTheBackendTakesPostTheSetsGoInOneRequest) {
    // One request: a balancer in front of two replicas then picks one for the whole batch.
    postQueries = true;
    makeDatasource(false);
    std::vector<std::string> uuids;
    for (int i = 0; i < 200; ++i)
        uuids.push_back("uuid-" + std::to_string(i) + "-0000-4000-8000-000000000000");
    EXPECT_CALL(*transport, send(Truly(test::isQuery))).Times(0);
    EXPECT_CALL(*transport, send(Truly(test::isPostedQuery))).WillOnce([&](const HttpRequest& r) {
        lastRequest = r;
        std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
        for (size_t i = 0; i < uuids.size(); ++i) {
            body += (i ? "," : "") + std::string(R"({"metric":{"resource":")") + uuids[i] +
                    R"("},"value":[1700000000,"1024"]})";
        }
        return test::ok(body + "]}}");
    });
    auto request = batch(WDS_RESOURCE_INSTANCE, "instance_ram_usage");
    request.evalTimeMs = 1700000000000;
    for (const auto& uuid : uuids)
        request.resources.push_back(instanceWith(uuid, 1));
    const BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(result.queryCount, 1u);
    for (const auto& item : result.items)
        EXPECT_EQ(item.value, 1024.0);

    EXPECT_EQ(lastRequest.contentType, "application/x-www-form-urlencoded");
    EXPECT_TRUE(lastRequest.idempotent);
    EXPECT_EQ(test::paramOf(lastRequest, "time"), "1700000000.000");
    // The same regex sets as over GET (each under the URL limit), joined by `or`.
    const std::string promql = test::promqlOf(lastRequest);
    size_t sets = 1;
    for (size_t at = promql.find(" or "); at != std::string::npos; at = promql.find(" or ", at + 1))
        ++sets;
    EXPECT_GE(sets, 3u);
    EXPECT_LE(sets, 5u);
    for (const auto& uuid : uuids)
        EXPECT_NE(promql.find(uuid), std::string::npos) << uuid;
}

TEST_F(DatasourceBatchTest, ManyResourcesUseOneQueryOfFixedLength) {
    answerBatch(test::labelledVectorBody("resource", {{"uuid-7", "2048"}}));
    auto request = batch(WDS_RESOURCE_INSTANCE, "instance_ram_usage");
    for (int i = 0; i < 2000; ++i)
        request.resources.push_back(
            instanceWith("uuid-" + std::to_string(i) + "-0000-4000-8000-000000000000", 1));
    request.resources.push_back(instanceWith("uuid-7", 1));
    const BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(result.queryCount, 1u);
    EXPECT_THAT(test::promqlOf(lastRequest), Not(HasSubstr("resource=")));
    EXPECT_LT(lastRequest.target.size(), 1024u);  // far under a 4 KiB request-line limit
    EXPECT_EQ(result.items.back().value, 2048.0);
    EXPECT_EQ(result.items.front().status, WDS_NO_DATA);
    EXPECT_THAT(result.items.front().message, HasSubstr("uuid-0-0000"));
}

TEST_F(DatasourceBatchTest, InstanceCpuIsScaledByEachFlavorClientSide) {
    answerBatch(test::labelledVectorBody(
        "resource", {{"u1", "0.5"}, {"u2", "3"}, {"u3", "0.25"}, {"u4", "NaN"}}));
    auto request = batch(WDS_RESOURCE_INSTANCE, "instance_cpu_usage");
    request.resources = {instanceWith("u1", 2), instanceWith("u2", 2), instanceWith("u3", {}),
                         instanceWith("u4", 1)};
    const BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(test::promqlOf(lastRequest),
              "avg by (resource)(rate(ceilometer_cpu{resource=~'u1|u2|u3|u4'}[300s]))/10e+8");
    EXPECT_EQ(result.items[0].value, 25.0);
    EXPECT_EQ(result.items[1].value, 100.0);  // clamped, as clamp_max does
    EXPECT_EQ(result.items[2].value, 25.0);   // no vcpus: 1, with a warning
    EXPECT_EQ(result.items[3].status, WDS_NO_DATA);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("1 instances have no vcpu count"));
}

TEST_F(DatasourceBatchTest, FlavorMetricsAndUnresolvableResourcesNeedNoQuery) {
    EXPECT_CALL(*transport, send(Truly(test::isQuery))).Times(0);
    auto request = batch(WDS_RESOURCE_INSTANCE, "instance_ram_allocated");
    ResourceArgs withMemory = instanceWith("u1", 1);
    withMemory.memoryMb = 4096;
    request.resources = {withMemory, instanceWith("u2", 1)};
    BatchAnswer result = datasource->statisticBatch(request);
    EXPECT_EQ(result.queryCount, 0u);
    EXPECT_EQ(result.items[0].value, 4096.0);
    EXPECT_EQ(result.items[1].status, WDS_E_INVALID_ARGUMENT);

    request = batch(WDS_RESOURCE_INSTANCE, "instance_ram_usage");
    request.resources = {instanceWith("", 1), instanceWith("bad\xff", 1)};
    result = datasource->statisticBatch(request);
    EXPECT_EQ(result.items[0].status, WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(result.items[1].status, WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(result.items[1].message, HasSubstr("UTF-8"));
}

TEST_F(DatasourceBatchTest, WholeBatchErrorsAreThrown) {
    auto request = batch(WDS_RESOURCE_COMPUTE_NODE, "host_power");
    request.resources = {hostNamed("compute-1")};
    EXPECT_THROW(datasource->statisticBatch(request), DatasourceError);
    request = batch(WDS_RESOURCE_INSTANCE, "host_cpu_usage");
    EXPECT_THROW(datasource->statisticBatch(request), DatasourceError);
    request = batch(WDS_RESOURCE_COMPUTE_NODE, "host_cpu_usage");
    request.periodS = 0;
    EXPECT_THROW(datasource->statisticBatch(request), DatasourceError);
}

TEST_F(DatasourceBatchTest, NoKnownHostAtAllFailsTheWholeBatchAsUnavailable) {
    // A server that has just restarted answers before it lists its targets again.
    makeDatasource(false, {});
    auto request = batch(WDS_RESOURCE_COMPUTE_NODE, "host_cpu_usage");
    request.resources = {hostNamed("compute-1")};
    const DatasourceError error = failureOf(request);  // not an answer from an empty label map
    EXPECT_EQ(error.status(), WDS_E_UNAVAILABLE);
    EXPECT_THAT(error.what(), HasSubstr("neither an active target nor a node series"));
}

TEST_F(DatasourceBatchTest, TwoSeriesForOneResourceAreAProtocolError) {
    answerBatch(test::labelledVectorBody("fqdn", {{"controller", "1"}, {"controller", "2"}}));
    auto request = batch(WDS_RESOURCE_COMPUTE_NODE, "host_ram_usage");
    request.resources = {hostNamed("controller")};
    // An answer that cannot be split per resource is the server's fault, not the resource's.
    const DatasourceError error = failureOf(request);
    EXPECT_EQ(error.status(), WDS_E_PROTOCOL);
    EXPECT_THAT(error.what(), HasSubstr("two series for fqdn=controller"));
}

}  // namespace
}  // namespace wds
