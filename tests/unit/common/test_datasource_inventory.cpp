// The inventory/1 extension (Datasource::listInstances) over a mock backend, and what an
// inventory changes in the batches of its metric.
#include <cstdint>

#include <Poco/URI.h>

#include "DatasourceFixture.h"

namespace wds {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;
using testing::Truly;

constexpr int64_t kEvalMs = 1700000000000;

std::string labelValuesBody(std::initializer_list<std::string> values) {
    std::string body = R"({"status":"success","data":[)";
    bool first = true;
    for (const std::string& value : values) {
        body += (first ? "\"" : ",\"") + value + "\"";
        first = false;
    }
    return body + "]}";
}

class DatasourceInventoryTest : public DatasourceTest {
  protected:
    static InventoryArgs inventory(const char* meter, int64_t periodS = 300,
                                   int64_t evalTimeMs = kEvalMs) {
        InventoryArgs r;
        r.meterName = meter;
        r.periodS = periodS;
        r.evalTimeMs = evalTimeMs;
        return r;
    }
    /** Expects one label-values request, answers it with `body`, and records it. */
    void answerLabelValues(const std::string& body) {
        EXPECT_CALL(*transport, send(Truly(test::isLabelValues)))
            .WillOnce([this, body](const HttpRequest& r) {
                lastRequest = r;
                return test::ok(body);
            });
    }
    /** The error of a listInstances() that must fail without asking the backend. */
    DatasourceError refusal(const InventoryArgs& request) {
        EXPECT_CALL(*transport, send(Truly(test::isLabelValues))).Times(0);
        try {
            datasource->listInstances(request);
        } catch (const DatasourceError& e) {
            return e;
        }
        ADD_FAILURE() << "listInstances answered";
        return DatasourceError(WDS_OK, "");
    }
    static std::string pathOf(const HttpRequest& r) { return Poco::URI(r.target).getPath(); }

    HttpRequest lastRequest;
};

TEST_F(DatasourceInventoryTest, AsksForTheInstanceLabelOnTheMetricsSeriesInItsWindow) {
    answerLabelValues(labelValuesBody({"uuid-b", "uuid-a", "uuid-c"}));
    auto request = inventory("instance_cpu_usage", 600);
    request.timeout = 2500ms;
    EXPECT_EQ(datasource->listInstances(request),
              (std::vector<std::string>{"uuid-a", "uuid-b", "uuid-c"}));
    EXPECT_EQ(pathOf(lastRequest), "/api/v1/label/resource/values");
    EXPECT_EQ(test::paramOf(lastRequest, "match[]"), "ceilometer_cpu{resource!=''}");
    // [eval - period, eval], the window statistic_aggregation() reads.
    EXPECT_EQ(test::paramOf(lastRequest, "start"), "1699999400.000");
    EXPECT_EQ(test::paramOf(lastRequest, "end"), "1700000000.000");
    // The call's own timeout; the label API takes no server-side one.
    EXPECT_EQ(lastRequest.timeout, 2500ms);
    EXPECT_EQ(test::paramOf(lastRequest, "timeout"), "");

    answerLabelValues(labelValuesBody({"uuid-a"}));
    datasource->listInstances(inventory("instance_ram_usage"));
    EXPECT_EQ(test::paramOf(lastRequest, "match[]"), "ceilometer_memory_usage{resource!=''}");
    EXPECT_EQ(test::paramOf(lastRequest, "start"), "1699999700.000");
    EXPECT_EQ(lastRequest.timeout, 1000ms);  // the source's default
}

TEST_F(DatasourceInventoryTest, TheSelectorIsTheSeriesTheMetricsOwnQueriesRead) {
    for (const char* meter : {"instance_cpu_usage", "instance_ram_usage"}) {
        answerLabelValues(labelValuesBody({"uuid-0"}));
        datasource->listInstances(inventory(meter));
        const std::string selector = test::paramOf(lastRequest, "match[]");
        answerQuery(test::vectorBody({"1"}));
        datasource->statisticAggregation(instance(meter));
        // The query reads the same metric with the one instance's matcher in the braces.
        const std::string metricName = selector.substr(0, selector.find('{'));
        EXPECT_THAT(lastQuery, HasSubstr(metricName + "{resource='uuid-0'}")) << meter;
    }
}

TEST_F(DatasourceInventoryTest, TheConfiguredInstanceLabelIsListed) {
    makeDatasource(false, {"compute-1.example.org"}, "instance_id");
    answerLabelValues(labelValuesBody({"uuid-a"}));
    datasource->listInstances(inventory("instance_cpu_usage"));
    EXPECT_EQ(pathOf(lastRequest), "/api/v1/label/instance_id/values");
    EXPECT_EQ(test::paramOf(lastRequest, "match[]"), "ceilometer_cpu{instance_id!=''}");
}

TEST_F(DatasourceInventoryTest, SortedAndUniqueWhateverOrderTheBackendAnswersIn) {
    answerLabelValues(labelValuesBody({"b", "a", "b", "C", "a", "c"}));
    EXPECT_EQ(datasource->listInstances(inventory("instance_ram_usage")),
              (std::vector<std::string>{"C", "a", "b", "c"}));  // bytewise
    answerLabelValues(labelValuesBody({}));
    EXPECT_TRUE(datasource->listInstances(inventory("instance_ram_usage")).empty());
}

TEST_F(DatasourceInventoryTest, ValuesNoQueryCanCarryAreLeftOutWithOneWarning) {
    const std::string tooLong(promql::kMaxLabelValueBytes + 1, 'x');
    const std::string longest(promql::kMaxLabelValueBytes, 'y');
    // Quotes, backslashes and regex metacharacters are fine: queries escape them.
    answerLabelValues(labelValuesBody(
        {"plain", "", "bad\xff", tooLong, longest, R"(it\u0027s \\ a.b|c*)", "\\u00e9t\\u00e9"}));
    const auto listed = datasource->listInstances(inventory("instance_cpu_usage"));
    EXPECT_EQ(listed,
              (std::vector<std::string>{"it's \\ a.b|c*", "plain", longest, "\xc3\xa9t\xc3\xa9"}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr("of label resource"));
    EXPECT_THAT(warnings[0], HasSubstr("left out 3 values that no query can carry"));
    EXPECT_THAT(warnings[0], HasSubstr("ceilometer_cpu{resource!=''}"));

    // Each listed name is one a batch of the metric takes as it is.
    answerQuery(test::labelledVectorBody("resource", {}));
    BatchArgs batch;
    batch.resourceType = WDS_RESOURCE_INSTANCE;
    batch.meterName = "instance_cpu_usage";
    for (const std::string& uuid : listed) {
        ResourceArgs resource;
        resource.uuid = uuid;
        resource.vcpus = 1;
        batch.resources.push_back(resource);
    }
    for (const BatchAnswerItem& item : datasource->statisticBatch(batch).items)
        EXPECT_EQ(item.status, WDS_NO_DATA) << item.message;
}

TEST_F(DatasourceInventoryTest, MetricResourceTypeAndWindowAreCheckedBeforeAnyRequest) {
    DatasourceError error = refusal(inventory("host_power"));
    EXPECT_EQ(error.status(), WDS_E_METRIC_NOT_AVAILABLE);
    EXPECT_THAT(error.what(), HasSubstr("host_power"));

    error = refusal(inventory("host_cpu_usage"));
    EXPECT_EQ(error.status(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(error.what(), HasSubstr("'host_cpu_usage' is about compute_node"));

    for (const char* flavor : {"instance_ram_allocated", "instance_root_disk_size"}) {
        error = refusal(inventory(flavor));
        EXPECT_EQ(error.status(), WDS_E_UNSUPPORTED) << flavor;
        EXPECT_THAT(error.what(), HasSubstr(std::string(flavor) + " comes from the instance's "
                                                                  "flavor"));
    }

    const wds_resource_type others[] = {WDS_RESOURCE_COMPUTE_NODE, WDS_RESOURCE_STORAGE, 0};
    for (const wds_resource_type type : others) {
        auto request = inventory("instance_cpu_usage");
        request.resourceType = type;
        error = refusal(request);
        EXPECT_EQ(error.status(), WDS_E_UNSUPPORTED) << type;
        EXPECT_THAT(error.what(), HasSubstr("list_hosts"));
    }

    error = refusal(inventory("instance_cpu_usage", 0));
    EXPECT_EQ(error.status(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(error.what(), HasSubstr("period"));
    error = refusal(inventory("instance_cpu_usage", 300, -1));
    EXPECT_EQ(error.status(), WDS_E_INVALID_ARGUMENT);
}

TEST_F(DatasourceInventoryTest, AWindowLongerThanTheEpochStartsAtIt) {
    answerLabelValues(labelValuesBody({}));
    datasource->listInstances(inventory("instance_cpu_usage", INT64_MAX));
    EXPECT_EQ(test::paramOf(lastRequest, "start"), "0.000");
    EXPECT_EQ(test::paramOf(lastRequest, "end"), "1700000000.000");
}

TEST_F(DatasourceInventoryTest, NowIsThisProcesssClock) {
    answerLabelValues(labelValuesBody({}));
    const auto before = std::chrono::system_clock::now();
    datasource->listInstances(inventory("instance_cpu_usage", 300, 0));
    const auto after = std::chrono::system_clock::now();
    const double endS = std::stod(test::paramOf(lastRequest, "end"));
    const double startS = std::stod(test::paramOf(lastRequest, "start"));
    const auto seconds = [](auto t) {
        return std::chrono::duration<double>(t.time_since_epoch()).count();
    };
    EXPECT_GE(endS, seconds(before) - 0.001);
    EXPECT_LE(endS, seconds(after) + 0.001);
    EXPECT_NEAR(endS - startS, 300.0, 1e-6);
}

TEST_F(DatasourceInventoryTest, BackendFailuresAreThoseOfEveryOtherCall) {
    EXPECT_CALL(*transport, send(Truly(test::isLabelValues)))
        .WillOnce(testing::Return(HttpResponse{
            400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter"})"}))
        .WillOnce(testing::Return(HttpResponse{503, "busy"}))
        .WillOnce(testing::Return(HttpResponse{401, "{}"}))
        .WillOnce(testing::Return(test::ok(R"({"status":"success","data":{"a":1}})")))
        .WillOnce(testing::Throw(DatasourceError(WDS_E_TIMEOUT, "timed out")));
    const auto statusOf = [&](std::string* message = nullptr) -> wds_status {
        try {
            datasource->listInstances(inventory("instance_cpu_usage"));
        } catch (const DatasourceError& e) {
            if (message)
                *message = e.what();
            return e.status();
        }
        return WDS_OK;
    };
    std::string message;
    EXPECT_EQ(statusOf(&message), WDS_E_PROTOCOL);
    EXPECT_THAT(message, HasSubstr("invalid parameter"));  // the server's own text
    EXPECT_THAT(message, HasSubstr("values of label resource on `ceilometer_cpu{resource!=''}`"));
    EXPECT_EQ(statusOf(), WDS_E_UNAVAILABLE);
    EXPECT_EQ(statusOf(), WDS_E_AUTH);
    EXPECT_EQ(statusOf(), WDS_E_PROTOCOL);  // data is not a list
    EXPECT_EQ(statusOf(), WDS_E_TIMEOUT);
}

// --- What an inventory changes in the batches of its metric -----------------------------------

class InventoryBatchTest : public DatasourceInventoryTest {
  protected:
    static BatchArgs batchOf(const char* meter, std::initializer_list<const char*> uuids) {
        BatchArgs r;
        r.resourceType = WDS_RESOURCE_INSTANCE;
        r.meterName = meter;
        for (const char* uuid : uuids) {
            ResourceArgs resource;
            resource.uuid = uuid;
            resource.vcpus = 2;
            r.resources.push_back(resource);
        }
        return r;
    }
    /** Answers one batch query with every u<i> the data has, and returns its PromQL. */
    std::string batchQuery(const BatchArgs& request, BatchAnswer& answer) {
        std::string promql;
        EXPECT_CALL(*transport, send(Truly(test::isQuery)))
            .WillOnce([&promql](const HttpRequest& r) {
                promql = test::promqlOf(r);
                return test::ok(test::labelledVectorBody(
                    "resource", {{"u1", "0.5"}, {"u2", "1"}, {"u3", "0.25"}, {"u4", "2"}}));
            });
        answer = datasource->statisticBatch(request);
        return promql;
    }
};

TEST_F(InventoryBatchTest, MostOfTheListedInstancesAreOneQueryOverEveryInstance) {
    answerLabelValues(labelValuesBody({"u1", "u2", "u3", "u4"}));
    datasource->listInstances(inventory("instance_cpu_usage"));

    BatchAnswer answer;
    // Three of the four: the unfiltered query, and each value is still the instance's own.
    EXPECT_EQ(batchQuery(batchOf("instance_cpu_usage", {"u1", "u3", "u4"}), answer),
              "avg by (resource)(rate(ceilometer_cpu[300s]))/10e+8");
    EXPECT_EQ(answer.queryCount, 1u);
    ASSERT_EQ(answer.items.size(), 3u);
    EXPECT_EQ(answer.items[0].value, 25.0);
    EXPECT_EQ(answer.items[1].value, 12.5);
    EXPECT_EQ(answer.items[2].value, 100.0);

    // Two of four is not most of them: a regex of exactly those.
    EXPECT_EQ(batchQuery(batchOf("instance_cpu_usage", {"u1", "u2"}), answer),
              "avg by (resource)(rate(ceilometer_cpu{resource=~'u1|u2'}[300s]))/10e+8");
    EXPECT_EQ(answer.items[1].value, 50.0);

    // Another metric has no inventory yet: the regex, however many of these it asks for.
    EXPECT_THAT(batchQuery(batchOf("instance_ram_usage", {"u1", "u2", "u3", "u4"}), answer),
                HasSubstr("{resource=~'u1|u2|u3|u4'}"));
}

TEST_F(InventoryBatchTest, TheLastInventoryOfTheMetricCounts) {
    answerLabelValues(labelValuesBody({"u1", "u2", "u3"}));
    datasource->listInstances(inventory("instance_ram_usage"));
    BatchAnswer answer;
    EXPECT_THAT(batchQuery(batchOf("instance_ram_usage", {"u1", "u2"}), answer),
                Not(HasSubstr("resource=")));
    // The backend has grown since: two of nine is a regex again.
    answerLabelValues(labelValuesBody({"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"}));
    datasource->listInstances(inventory("instance_ram_usage"));
    EXPECT_THAT(batchQuery(batchOf("instance_ram_usage", {"u1", "u2"}), answer),
                HasSubstr("{resource=~'u1|u2'}"));
}

}  // namespace
}  // namespace wds
