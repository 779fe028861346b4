// The snapshot/1 extension (Datasource::statisticSnapshot) over a mock backend: one query over
// every resource, the names it lists, and that each listed value is what that resource's own
// statistic_aggregation() answers.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "DatasourceFixture.h"

namespace wds {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::Not;
using testing::Truly;

constexpr int64_t kEvalMs = 1700000000000;

using Samples = std::vector<std::pair<std::string, std::string>>;

/** An instant vector with one sample per (label value, sample value); "" is no label at all. */
std::string seriesBody(const std::string& label, const Samples& samples) {
    std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
    bool first = true;
    for (const auto& [labelValue, value] : samples) {
        body += first ? "" : ",";
        first = false;
        const std::string labels =
            labelValue.empty() ? R"("job":"x")" : "\"" + label + "\":\"" + labelValue + "\"";
        body += R"({"metric":{)" + labels + R"(},"value":[1700000000,")" + value + R"("]})";
    }
    return body + "]}}";
}

/** `query` without every `label='value'` matcher (alone in its braces or after another one). */
std::string withoutMatcher(std::string query, const std::string& label, const std::string& value) {
    const std::string matcher = label + "='" + value + "'";
    for (const std::string& form : {"," + matcher, "{" + matcher + "}"}) {
        for (size_t at = query.find(form); at != std::string::npos; at = query.find(form))
            query.erase(at, form.size());
    }
    return query;
}

class DatasourceSnapshotTest : public DatasourceTest {
  protected:
    static SnapshotArgs snapshot(const char* meter, int64_t periodS = 300,
                                 int64_t evalTimeMs = kEvalMs) {
        SnapshotArgs r;
        r.resourceType = MetricCatalog::find(meter) != nullptr
                             ? MetricCatalog::find(meter)->resourceType
                             : WDS_RESOURCE_COMPUTE_NODE;
        r.meterName = meter;
        r.periodS = periodS;
        r.evalTimeMs = evalTimeMs;
        return r;
    }
    /** Expects one query, answers it with `body`, and records the request. */
    void answerSnapshot(const std::string& body) {
        EXPECT_CALL(*transport, send(Truly(test::isQuery)))
            .WillOnce([this, body](const HttpRequest& r) {
                lastRequest = r;
                return test::ok(body);
            });
    }
    /** The error of a statisticSnapshot() that must fail without a query. */
    DatasourceError refusal(const SnapshotArgs& request) {
        EXPECT_CALL(*transport, send(Truly(test::isQuery))).Times(0);
        try {
            datasource->statisticSnapshot(request);
        } catch (const DatasourceError& e) {
            testing::Mock::VerifyAndClearExpectations(transport.get());
            return e;
        }
        ADD_FAILURE() << "statisticSnapshot answered";
        return DatasourceError(WDS_OK, "");
    }
    /** The status of a statisticSnapshot() that may query (answered with an empty vector). */
    wds_status snapshotStatus(const SnapshotArgs& request) {
        ON_CALL(*transport, send(Truly(test::isQuery)))
            .WillByDefault(testing::Return(test::ok(seriesBody("fqdn", {}))));
        try {
            datasource->statisticSnapshot(request);
        } catch (const DatasourceError& e) {
            return e.status();
        }
        return WDS_OK;
    }
    HttpRequest lastRequest;
};

// --- The one query ----------------------------------------------------------------------------

TEST_F(DatasourceSnapshotTest, OneQueryOverEveryResourceOfTheMetric) {
    const std::pair<const char*, const char*> expected[] = {
        {"host_cpu_usage",
         "clamp_min(100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle'}[300s])) * 100),"
         " 0)"},
        {"host_ram_usage",
         "avg by (fqdn)(node_memory_MemTotal_bytes - "
         "avg_over_time(node_memory_MemAvailable_bytes[300s])) / 1024"},
        // vcpus 0: the cores, no clamp_max and no flavor in the query.
        {"instance_cpu_usage", "avg by (resource)(rate(ceilometer_cpu[300s]))/10e+8"},
        {"instance_ram_usage", "avg by (resource)(avg_over_time(ceilometer_memory_usage[300s]))"},
    };
    for (const auto& [meter, query] : expected) {
        answerSnapshot(seriesBody("fqdn", {}));
        const SnapshotAnswer answer = datasource->statisticSnapshot(snapshot(meter));
        EXPECT_EQ(test::promqlOf(lastRequest), query) << meter;
        EXPECT_EQ(answer.queryCount, 1u) << meter;
        EXPECT_TRUE(answer.names.empty()) << meter;
        EXPECT_TRUE(answer.values.empty()) << meter;
    }

    // The aggregate and the period go where a single call puts them.
    auto request = snapshot("instance_cpu_usage", 600);
    request.aggregate = WDS_AGGREGATE_MAX;
    answerSnapshot(seriesBody("resource", {}));
    datasource->statisticSnapshot(request);
    EXPECT_EQ(test::promqlOf(lastRequest), "max by (resource)(rate(ceilometer_cpu[600s]))/10e+8");
    request = snapshot("host_ram_usage", 900);
    request.aggregate = WDS_AGGREGATE_MIN;
    answerSnapshot(seriesBody("fqdn", {}));
    datasource->statisticSnapshot(request);
    EXPECT_EQ(test::promqlOf(lastRequest),
              "min by (fqdn)(node_memory_MemTotal_bytes - "
              "min_over_time(node_memory_MemAvailable_bytes[900s])) / 1024");
}

TEST_F(DatasourceSnapshotTest, TheConfiguredInstanceLabelNamesTheInstances) {
    makeDatasource(false, {"compute-1.example.org"}, "instance_id");
    answerSnapshot(seriesBody("instance_id", {{"u-1", "1024"}}));
    const SnapshotAnswer answer = datasource->statisticSnapshot(snapshot("instance_ram_usage"));
    EXPECT_EQ(test::promqlOf(lastRequest),
              "avg by (instance_id)(avg_over_time(ceilometer_memory_usage[300s]))");
    EXPECT_EQ(answer.names, (std::vector<std::string>{"u-1"}));
    EXPECT_EQ(answer.values, (std::vector<double>{1024.0}));
}

TEST_F(DatasourceSnapshotTest, EvalTimeAndTimeoutArePassedThrough) {
    auto request = snapshot("host_cpu_usage", 300, 1700000000250);
    request.timeout = 2500ms;
    answerSnapshot(seriesBody("fqdn", {}));
    datasource->statisticSnapshot(request);
    EXPECT_EQ(test::paramOf(lastRequest, "time"), "1700000000.250");
    EXPECT_EQ(lastRequest.timeout, 2500ms);
    EXPECT_EQ(test::paramOf(lastRequest, "timeout"), "2500ms");

    // 0: the server's now, and the source's default timeout.
    answerSnapshot(seriesBody("resource", {}));
    datasource->statisticSnapshot(snapshot("instance_ram_usage", 300, 0));
    EXPECT_EQ(lastRequest.target.find("time="), std::string::npos) << lastRequest.target;
    EXPECT_EQ(lastRequest.timeout, 1000ms);
    EXPECT_EQ(test::paramOf(lastRequest, "timeout"), "1000ms");
}

TEST_F(DatasourceSnapshotTest, CountIsMeanWithWatchersWarning) {
    auto request = snapshot("instance_cpu_usage");
    request.aggregate = WDS_AGGREGATE_COUNT;
    answerSnapshot(seriesBody("resource", {{"u-1", "0.5"}}));
    const SnapshotAnswer answer = datasource->statisticSnapshot(request);
    EXPECT_EQ(test::promqlOf(lastRequest), "avg by (resource)(rate(ceilometer_cpu[300s]))/10e+8");
    EXPECT_EQ(answer.values, (std::vector<double>{0.5}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0],
              "prometheus datasource does not support the count aggregate; proceeding with mean");
}

// --- The names and values ---------------------------------------------------------------------

TEST_F(DatasourceSnapshotTest, HostsAreTheFqdnValuesTheLabelMapKnows) {
    makeDatasource(false, {"compute-1.example.org", "controller", "compute-2.example.org"});
    // compute-2 has no series; other.example.org is no target's: no host resolves to it.
    answerSnapshot(seriesBody(
        "fqdn",
        {{"other.example.org", "99"}, {"controller", "0"}, {"compute-1.example.org", "12.5"}}));
    const SnapshotAnswer answer = datasource->statisticSnapshot(snapshot("host_cpu_usage"));
    EXPECT_EQ(answer.names, (std::vector<std::string>{"compute-1.example.org", "controller"}));
    EXPECT_EQ(answer.values, (std::vector<double>{12.5, 0.0}));  // a real zero is a value
    EXPECT_EQ(answer.scale, WDS_SNAPSHOT_SCALE_NONE);
    EXPECT_EQ(answer.queryCount, 1u);
}

TEST_F(DatasourceSnapshotTest, InstancesAreSortedAndUnique) {
    answerSnapshot(
        seriesBody("resource", {{"u-b", "2"}, {"U-c", "3"}, {"u-a", "1"}, {"u-a2", "4"}}));
    const SnapshotAnswer answer = datasource->statisticSnapshot(snapshot("instance_ram_usage"));
    EXPECT_EQ(answer.names, (std::vector<std::string>{"U-c", "u-a", "u-a2", "u-b"}));  // bytewise
    EXPECT_EQ(answer.values, (std::vector<double>{3, 1, 4, 2}));
    EXPECT_EQ(answer.scale, WDS_SNAPSHOT_SCALE_NONE);
}

TEST_F(DatasourceSnapshotTest, NonFiniteValuesAreLeftOut) {
    answerSnapshot(
        seriesBody("resource", {{"u-1", "NaN"}, {"u-2", "1.5"}, {"u-3", "+Inf"}, {"u-4", "-Inf"}}));
    SnapshotAnswer answer = datasource->statisticSnapshot(snapshot("instance_cpu_usage"));
    EXPECT_EQ(answer.names, (std::vector<std::string>{"u-2"}));
    EXPECT_EQ(answer.values, (std::vector<double>{1.5}));

    answerSnapshot(seriesBody("fqdn", {{"compute-1.example.org", "NaN"}, {"controller", "-Inf"}}));
    answer = datasource->statisticSnapshot(snapshot("host_ram_usage"));
    EXPECT_TRUE(answer.names.empty());
    EXPECT_TRUE(answer.values.empty());
}

TEST_F(DatasourceSnapshotTest, ASeriesWithoutTheLabelIsSkipped) {
    // "" = a series with another label only (an instance label set elsewhere, say).
    answerSnapshot(seriesBody("resource", {{"", "7"}, {"u-1", "1"}, {"", "8"}}));
    SnapshotAnswer answer = datasource->statisticSnapshot(snapshot("instance_ram_usage"));
    EXPECT_EQ(answer.names, (std::vector<std::string>{"u-1"}));
    EXPECT_EQ(answer.values, (std::vector<double>{1.0}));

    // A host metric's series are read by fqdn, not by the instance label.
    answerSnapshot(seriesBody("resource", {{"controller", "1"}}));
    answer = datasource->statisticSnapshot(snapshot("host_cpu_usage"));
    EXPECT_TRUE(answer.names.empty());
}

TEST_F(DatasourceSnapshotTest, TwoSeriesForOneLabelValueAreAProtocolError) {
    answerSnapshot(seriesBody("resource", {{"u-1", "1"}, {"u-2", "2"}, {"u-1", "3"}}));
    try {
        datasource->statisticSnapshot(snapshot("instance_ram_usage"));
        ADD_FAILURE() << "statisticSnapshot answered";
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_PROTOCOL);
        EXPECT_THAT(e.what(), HasSubstr("two series for resource=u-1"));
        EXPECT_THAT(e.what(), HasSubstr("ceilometer_memory_usage[300s]"));
    }
    answerSnapshot(seriesBody("fqdn", {{"controller", "1"}, {"controller", "1"}}));
    try {
        datasource->statisticSnapshot(snapshot("host_cpu_usage"));
        ADD_FAILURE() << "statisticSnapshot answered";
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_PROTOCOL);
        EXPECT_THAT(e.what(), HasSubstr("two series for fqdn=controller"));
    }
}

TEST_F(DatasourceSnapshotTest, OnlyInstanceCpuIsScaledByTheFlavor) {
    for (const char* meter :
         {"host_cpu_usage", "host_ram_usage", "instance_cpu_usage", "instance_ram_usage"}) {
        answerSnapshot(seriesBody(
            "fqdn", {{"compute-1.example.org", "2.5"}}));  // the fqdn label on every series
        const bool cpu = std::string(meter) == "instance_cpu_usage";
        EXPECT_EQ(datasource->statisticSnapshot(snapshot(meter)).scale,
                  cpu ? WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS : WDS_SNAPSHOT_SCALE_NONE)
            << meter;
    }
    // The value stays the cores, whatever the scale would make of it (2.5 cores: over 100%
    // for 1 or 2 vCPUs).
    answerSnapshot(seriesBody("resource", {{"u-1", "2.5"}}));
    EXPECT_EQ(datasource->statisticSnapshot(snapshot("instance_cpu_usage")).values,
              (std::vector<double>{2.5}));
}

// --- Refusals ---------------------------------------------------------------------------------

TEST_F(DatasourceSnapshotTest, FlavorMetricsAreUnsupportedWithoutAQuery) {
    for (const char* flavor : {"instance_ram_allocated", "instance_root_disk_size"}) {
        const DatasourceError error = refusal(snapshot(flavor));
        EXPECT_EQ(error.status(), WDS_E_UNSUPPORTED) << flavor;
        EXPECT_THAT(error.what(), HasSubstr(std::string(flavor) + " comes from each instance's "
                                                                  "flavor"));
        EXPECT_THAT(error.what(), HasSubstr("prometheus datasource"));
    }
}

TEST_F(DatasourceSnapshotTest, AnUnknownMetricIsNotAvailable) {
    for (const char* meter : {"host_power", "instance_l3_cache_usage", "cpu", ""}) {
        auto request = snapshot(meter);
        request.resourceType = WDS_RESOURCE_COMPUTE_NODE;
        const DatasourceError error = refusal(request);
        EXPECT_EQ(error.status(), WDS_E_METRIC_NOT_AVAILABLE) << meter;
        EXPECT_THAT(error.what(), HasSubstr("'" + std::string(meter) + "'"));
        EXPECT_THAT(error.what(), HasSubstr("host_cpu_usage"));  // the list of those there are
    }
}

TEST_F(DatasourceSnapshotTest, WrongResourceTypesAndBadWindowsAreRefusedAsStatisticAggregation) {
    struct Case {
        const char* meter;
        wds_resource_type type;
        int64_t periodS;
        int64_t evalTimeMs;
        wds_aggregate aggregate;
        wds_status expected;
    };
    const Case cases[] = {
        {"host_cpu_usage", WDS_RESOURCE_INSTANCE, 300, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        {"instance_ram_usage", WDS_RESOURCE_COMPUTE_NODE, 300, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        {"host_ram_usage", WDS_RESOURCE_STORAGE, 300, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_UNSUPPORTED},
        {"instance_cpu_usage", WDS_RESOURCE_BARE_METAL, 300, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_UNSUPPORTED},
        {"instance_cpu_usage", 99, 300, kEvalMs, WDS_AGGREGATE_MEAN, WDS_E_UNSUPPORTED},
        {"host_cpu_usage", WDS_RESOURCE_COMPUTE_NODE, 0, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        {"instance_cpu_usage", WDS_RESOURCE_INSTANCE, -300, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        {"instance_ram_usage", WDS_RESOURCE_INSTANCE, 300, -1, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        {"host_ram_usage", WDS_RESOURCE_COMPUTE_NODE, 300, kEvalMs, 7, WDS_E_INVALID_ARGUMENT},
        // Checked before the flavor: as statistic_aggregation(), which checks them first too.
        {"instance_ram_allocated", WDS_RESOURCE_INSTANCE, 0, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        {"instance_root_disk_size", WDS_RESOURCE_COMPUTE_NODE, 300, kEvalMs, WDS_AGGREGATE_MEAN,
         WDS_E_INVALID_ARGUMENT},
        // A metric the catalog lacks, whatever else is wrong.
        {"host_power", 99, 0, -1, 7, WDS_E_METRIC_NOT_AVAILABLE},
    };
    for (const Case& c : cases) {
        const std::string what = std::string(c.meter) + " type " + std::to_string(c.type) +
                                 " P=" + std::to_string(c.periodS) +
                                 " t=" + std::to_string(c.evalTimeMs) + " aggregate " +
                                 std::to_string(c.aggregate);
        SnapshotArgs request = snapshot(c.meter, c.periodS, c.evalTimeMs);
        request.resourceType = c.type;
        request.aggregate = c.aggregate;
        const DatasourceError error = refusal(request);
        EXPECT_EQ(error.status(), c.expected) << what << ": " << error.what();

        // The same arguments to statistic_aggregation() of a resource it could answer.
        AggregationArgs single;
        static_cast<QueryArgs&>(single) = request;
        single.periodS = c.periodS;
        single.evalTimeMs = c.evalTimeMs;
        single.hostname = "compute-1";
        single.uuid = "u-1";
        single.vcpus = 2;
        single.memoryMb = 2048;
        single.diskGb = 20;
        std::string message;
        EXPECT_EQ(statusOf(single, &message), error.status()) << what;
        EXPECT_EQ(message, error.what()) << what;  // the same words too
    }
}

TEST_F(DatasourceSnapshotTest, BackendFailuresAreThoseOfEveryOtherCall) {
    EXPECT_CALL(*transport, send(Truly(test::isQuery)))
        .WillOnce(testing::Return(HttpResponse{
            400, R"({"status":"error","errorType":"bad_data","error":"invalid parameter"})"}))
        .WillOnce(testing::Return(HttpResponse{503, "busy"}))
        .WillOnce(testing::Return(HttpResponse{401, "{}"}))
        .WillOnce(testing::Return(test::ok(R"({"status":"success","data":{"resultType":"matrix",)"
                                           R"("result":[]}})")))
        .WillOnce(testing::Throw(DatasourceError(WDS_E_TIMEOUT, "timed out")));
    std::vector<wds_status> statuses;
    for (int i = 0; i < 5; ++i)
        statuses.push_back(snapshotStatus(snapshot("instance_ram_usage")));
    EXPECT_EQ(statuses, (std::vector<wds_status>{WDS_E_PROTOCOL, WDS_E_UNAVAILABLE, WDS_E_AUTH,
                                                 WDS_E_PROTOCOL, WDS_E_TIMEOUT}));
}

// Plugin bug, left for its owner: list_instances (inventory/1) leaves out the label values no
// query can carry (not UTF-8, longer than promql::kMaxLabelValueBytes) because a resource of
// that name can only be refused; the snapshot lists them, and their own statistic_aggregation()
// is WDS_E_INVALID_ARGUMENT, not the listed value (extensions.h: "for every listed name,
// statistic_aggregation() of that resource ... answers the listed value"). Enable once fixed.
TEST_F(DatasourceSnapshotTest, NamesNoQueryCanCarryAreLeftOutAsInTheInventory) {
    const std::string tooLong(promql::kMaxLabelValueBytes + 1, 'x');
    const std::string longest(promql::kMaxLabelValueBytes, 'y');
    answerSnapshot(
        seriesBody("resource", {{"plain", "1"}, {"bad\xff", "2"}, {tooLong, "3"}, {longest, "4"}}));
    const SnapshotAnswer answer = datasource->statisticSnapshot(snapshot("instance_ram_usage"));
    EXPECT_EQ(answer.names, (std::vector<std::string>{"plain", longest}));
    for (const std::string& name : answer.names) {
        AggregationArgs single = instance("instance_ram_usage");
        single.uuid = name;
        EXPECT_CALL(*transport, send(Truly(test::isQuery)))
            .WillRepeatedly(testing::Return(test::ok(test::vectorBody({"1"}))));
        std::string message;
        EXPECT_EQ(statusOf(single, &message), WDS_OK) << name.substr(0, 20) << ": " << message;
    }
}

// --- The key property: each listed value is its resource's own answer --------------------------

/** Go's strconv.FormatFloat(v, 'g', -1, 64) is shortest round-trip; 17 digits round-trip too. */
std::string text(double value) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

class SnapshotMatchesSingleCallsTest : public DatasourceSnapshotTest {
  protected:
    /**
     * The snapshot of `meter` from `samples` (the one query's answer), then the resource's own
     * statistic_aggregation() of every listed name, the backend answering that resource's
     * query with the value it has in `samples` (for instance CPU: the server's scaling of
     * it, by the resource's vCPUs in turn of `vcpus`). Each must equal the snapshot's value
     * (after the scale), and each single query must be the snapshot's with the one resource's
     * matcher. Returns the names listed.
     */
    std::vector<std::string> expectSnapshotMatchesSingleCalls(
        const char* meter, const Samples& samples, const std::vector<int64_t>& vcpus = {1}) {
        const SnapshotArgs request = snapshot(meter, 600);
        const bool hosts = request.resourceType == WDS_RESOURCE_COMPUTE_NODE;
        const std::string label = hosts ? "fqdn" : "resource";
        answerSnapshot(seriesBody(label, samples));
        const SnapshotAnswer answer = datasource->statisticSnapshot(request);
        const std::string snapshotQuery = test::promqlOf(lastRequest);
        EXPECT_EQ(answer.names.size(), answer.values.size()) << meter;
        const bool cpu = std::string(meter) == "instance_cpu_usage";

        for (size_t i = 0; i < answer.names.size() && i < answer.values.size(); ++i) {
            const std::string& name = answer.names[i];
            const int64_t v = vcpus[i % vcpus.size()];
            const std::string what =
                std::string(meter) + " of " + name + " (" + std::to_string(v) + " vCPUs)";
            std::string sample;
            for (const auto& [labelValue, value] : samples) {
                if (labelValue == name)
                    sample = value;
            }
            if (sample.empty()) {
                ADD_FAILURE() << what << ": listed without a series";
                continue;
            }

            AggregationArgs single = hosts ? host(name, meter) : instance(meter);
            single.uuid = hosts ? "" : name;
            single.vcpus = v;
            single.periodS = request.periodS;
            single.evalTimeMs = request.evalTimeMs;
            std::string singleQuery;
            EXPECT_CALL(*transport, send(Truly(test::isQuery))).WillOnce([&](const HttpRequest& r) {
                singleQuery = test::promqlOf(r);
                EXPECT_EQ(test::paramOf(r, "time"), test::paramOf(lastRequest, "time"));
                if (!cpu)
                    return test::ok(test::vectorBody({sample.c_str()}));
                // clamp_max((cores) *(100/v), 100), in float64 as the server does.
                const double cores = std::stod(sample);
                const double scaled = cores * (100.0 / static_cast<double>(v));
                const std::string value = text(scaled > 100.0 ? 100.0 : scaled);
                return test::ok(test::vectorBody({value.c_str()}));
            });
            const AggregationResult result = datasource->statisticAggregation(single);
            if (!result.value) {
                ADD_FAILURE() << what << ": " << result.noDataReason;
                continue;
            }
            const double listed =
                cpu ? promql::instanceCpuPercent(answer.values[i], v) : answer.values[i];
            EXPECT_EQ(*result.value, listed) << what;  // identical, not just close

            // The single query is the snapshot's, narrowed to the one resource.
            std::string narrowed = withoutMatcher(singleQuery, label, name);
            if (cpu) {
                const std::string head = "clamp_max((";
                const std::string tail = ") *(100/" + std::to_string(v) + "), 100)";
                const bool wrapped = narrowed.size() >= head.size() + tail.size() &&
                                     narrowed.rfind(head, 0) == 0 &&
                                     narrowed.substr(narrowed.size() - tail.size()) == tail;
                EXPECT_TRUE(wrapped) << what << ": " << narrowed;
                if (wrapped) {
                    narrowed =
                        narrowed.substr(head.size(), narrowed.size() - head.size() - tail.size());
                }
            }
            EXPECT_EQ(narrowed, snapshotQuery) << what << ": " << singleQuery;
        }
        return answer.names;
    }
};

TEST_F(SnapshotMatchesSingleCallsTest, HostCpuUsage) {
    EXPECT_EQ(expectSnapshotMatchesSingleCalls("host_cpu_usage",
                                               {{"compute-1.example.org", "12.345678901234567"},
                                                {"controller", "0"},
                                                {"elsewhere.example.org", "50"}}),
              (std::vector<std::string>{"compute-1.example.org", "controller"}));
}

TEST_F(SnapshotMatchesSingleCallsTest, HostRamUsage) {
    EXPECT_EQ(expectSnapshotMatchesSingleCalls(
                  "host_ram_usage",
                  {{"controller", "4194303.75"}, {"compute-1.example.org", "16777216.000000002"}}),
              (std::vector<std::string>{"compute-1.example.org", "controller"}));
}

TEST_F(SnapshotMatchesSingleCallsTest, InstanceRamUsage) {
    EXPECT_EQ(expectSnapshotMatchesSingleCalls(
                  "instance_ram_usage",
                  {{"u-2", "2048.5"}, {"u-1", "1e-300"}, {"u-3", "NaN"}, {"u-4", "0"}}),
              (std::vector<std::string>{"u-1", "u-2", "u-4"}));
}

TEST_F(SnapshotMatchesSingleCallsTest, InstanceCpuUsageScaledByEachInstancesVcpus) {
    // Cores that the scaling rounds (0.1 * 100/3), clamps (2.5 cores on 1 or 2 vCPUs) or
    // leaves exact; every instance in turn with 1, 2, 3 and 8 vCPUs.
    const Samples samples = {{"u-1", "0.1"},   {"u-2", "2.5"},
                             {"u-3", "0.37"},  {"u-4", "0"},
                             {"u-5", "7.999"}, {"u-6", "1.0000000000000002"},
                             {"u-7", "+Inf"},  {"u-8", "3.3333333333333335"}};
    for (const std::vector<int64_t>& vcpus :
         {std::vector<int64_t>{1, 2, 3, 8}, std::vector<int64_t>{8, 3, 2, 1},
          std::vector<int64_t>{3}}) {
        EXPECT_EQ(expectSnapshotMatchesSingleCalls("instance_cpu_usage", samples, vcpus),
                  (std::vector<std::string>{"u-1", "u-2", "u-3", "u-4", "u-5", "u-6", "u-8"}));
    }
}

}  // namespace
}  // namespace wds
