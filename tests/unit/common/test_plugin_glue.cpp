// The C glue seen from a host: every wds_status is reachable and nothing throws across.
#include <cstddef>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "MockTransport.h"
#include "abi/PluginGlue.h"
#include "errors/DatasourceError.h"
#include "watcher_ds/datasource.hpp"

namespace wds {
namespace {

using namespace std::chrono_literals;
using testing::_;
using testing::Return;
using testing::Throw;
using testing::Truly;

std::shared_ptr<testing::NiceMock<test::MockTransport>> g_transport;

std::unique_ptr<Datasource> createForTest(const ConfigMap& config, const Logger& log) {
    if (config.getBool("test.fail_create", false)) {
        throw DatasourceError(WDS_E_CONFIG, "test.fail_create is set");
    }
    if (config.getBool("test.throw_std", false))
        throw std::logic_error("boom");
    Datasource::Settings settings;
    settings.id = "test";
    auto client =
        std::make_unique<PromApiClient>(g_transport, "", RetryPolicy(1, 0ms), 1000ms, log);
    auto ds = std::make_unique<Datasource>(settings, std::move(client), log);
    ds->start();
    return ds;
}

const wds_config_key kKeys[] = {{sizeof(wds_config_key), 0, "test.fail_create", "false", "x"}};
const abi::PluginDefinition kDefinition{"test", "Test", kKeys, 1, createForTest};

bool isTargets(const HttpRequest& r) {
    return r.target.find("/targets") != std::string::npos;
}
bool isQuery(const HttpRequest& r) {
    return r.target.find("/query?") != std::string::npos;
}

class PluginGlueTest : public testing::Test {
  protected:
    void SetUp() override {
        g_transport = std::make_shared<testing::NiceMock<test::MockTransport>>();
        ON_CALL(*g_transport, send(Truly(isTargets)))
            .WillByDefault(Return(test::ok(test::targetsBody({"compute-1.example.org"}))));
        plugin = abi::entry(nullptr, kDefinition);
        ASSERT_NE(plugin, nullptr);
        Outcome outcome;
        source = Source::create(*plugin, {}, {}, outcome);
        ASSERT_TRUE(outcome.ok()) << outcome.message;
    }
    void TearDown() override {
        source.reset();
        g_transport.reset();
    }

    void answer(HttpResponse response) {
        EXPECT_CALL(*g_transport, send(Truly(isQuery))).WillOnce(Return(response));
    }
    void fail(wds_status status) {
        EXPECT_CALL(*g_transport, send(Truly(isQuery)))
            .WillOnce(Throw(DatasourceError(status, "transport says no")));
    }
    ValueResult hostCpu(const std::string& host = "compute-1") {
        return source.hostCpuUsage(host, 300, WDS_AGGREGATE_MEAN);
    }

    const wds_plugin_v1* plugin = nullptr;
    Source source;
};

TEST_F(PluginGlueTest, DescriptorIsComplete) {
    EXPECT_EQ(plugin->struct_size, WDS_PLUGIN_V1_0_SIZE);
    EXPECT_EQ(plugin->abi_major, 1u);
    EXPECT_STREQ(plugin->id, "test");
    EXPECT_STREQ(plugin->version, WDS_VERSION);
    EXPECT_EQ(plugin->metric_count, 6u);
    EXPECT_STREQ(plugin->metrics[0], "host_cpu_usage");
    EXPECT_EQ(plugin->get_extension(nullptr, "org.openstack.watcher-ds.none/1"), nullptr);
}

TEST_F(PluginGlueTest, EveryStatusIsReachable) {
    answer(test::ok(test::vectorBody({"12.5"})));
    auto r = hostCpu();
    EXPECT_EQ(r.status, WDS_OK);
    EXPECT_EQ(r.value, 12.5);

    answer(test::ok(test::vectorBody({})));
    r = hostCpu();
    EXPECT_EQ(r.status, WDS_NO_DATA);
    EXPECT_FALSE(r.value);
    EXPECT_NE(r.message.find("no data for query"), std::string::npos);

    EXPECT_EQ(source.hostCpuUsage("compute-1", 0).status, WDS_E_INVALID_ARGUMENT);
    AggregationRequest request;
    request.meterName = "host_airflow";
    EXPECT_EQ(source.statisticAggregation(request).status, WDS_E_METRIC_NOT_AVAILABLE);
    EXPECT_EQ(hostCpu("unknown-host").status, WDS_E_RESOURCE_NOT_FOUND);

    answer({503, "busy"});
    r = hostCpu();
    EXPECT_EQ(r.status, WDS_E_UNAVAILABLE);
    EXPECT_EQ(r.httpStatus, 503);
    answer({401, "{}"});
    EXPECT_EQ(hostCpu().status, WDS_E_AUTH);
    fail(WDS_E_TIMEOUT);
    EXPECT_EQ(hostCpu().status, WDS_E_TIMEOUT);
    answer({400, R"({"status":"error","error":"bad"})"});
    EXPECT_EQ(hostCpu().status, WDS_E_PROTOCOL);
    request.meterName = "host_cpu_usage";
    request.resourceType = WDS_RESOURCE_STORAGE;
    EXPECT_EQ(source.statisticAggregation(request).status, WDS_E_UNSUPPORTED);
    fail(WDS_E_TLS);
    EXPECT_EQ(hostCpu().status, WDS_E_TLS);
    EXPECT_CALL(*g_transport, send(Truly(isQuery))).WillOnce(Throw(std::runtime_error("oops")));
    r = hostCpu();
    EXPECT_EQ(r.status, WDS_E_INTERNAL);
    EXPECT_NE(r.message.find("oops"), std::string::npos);

    Outcome outcome;
    Source failed = Source::create(*plugin, {{"test.fail_create", "true"}}, {}, outcome);
    EXPECT_FALSE(failed);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_EQ(outcome.message, "test.fail_create is set");
    Source::create(*plugin, {{"test.throw_std", "true"}}, {}, outcome);
    EXPECT_EQ(outcome.status, WDS_E_INTERNAL);
}

TEST_F(PluginGlueTest, HostGettersInvertMinAndMaxButStatisticAggregationDoesNot) {
    std::vector<std::string> queries;
    EXPECT_CALL(*g_transport, send(Truly(isQuery)))
        .Times(3)
        .WillRepeatedly([&](const HttpRequest& r) {
            queries.push_back(r.target);
            return test::ok(test::vectorBody({"1"}));
        });
    source.hostCpuUsage("compute-1", 300, WDS_AGGREGATE_MAX);
    source.hostRamUsage("compute-1", 300, WDS_AGGREGATE_MIN);
    AggregationRequest request;
    request.resource = Resource::computeNode("compute-1");
    request.meterName = "host_cpu_usage";
    request.aggregate = WDS_AGGREGATE_MAX;
    source.statisticAggregation(request);
    EXPECT_NE(queries[0].find("min%20by"), std::string::npos);
    EXPECT_NE(queries[1].find("max%20by"), std::string::npos);
    EXPECT_NE(queries[2].find("max%20by"), std::string::npos);
}

TEST_F(PluginGlueTest, NullAndUndersizedArgumentsAreRefused) {
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    double value = 0;
    EXPECT_EQ(plugin->statistic_aggregation(nullptr, nullptr, &value, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(plugin->check_availability(nullptr, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(plugin->list_metrics(nullptr, nullptr, nullptr), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(plugin->create(nullptr, nullptr, 0, nullptr, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(plugin->create(nullptr, nullptr, 3, nullptr, nullptr), WDS_E_INVALID_ARGUMENT);

    wds_resource resource;
    std::memset(&resource, 0, sizeof resource);
    resource.struct_size = sizeof resource;
    wds_aggregation_query query;
    std::memset(&query, 0, sizeof query);
    query.struct_size = 8;  // a host claiming an older, smaller struct than v1.0
    query.resource = &resource;
    wds_source* handle = nullptr;
    ASSERT_EQ(plugin->create(nullptr, nullptr, 0, &handle, &err), WDS_OK);
    EXPECT_EQ(plugin->statistic_aggregation(handle, &query, &value, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("struct_size"), std::string::npos);
    query.struct_size = sizeof query;
    query.meter_name = "host_cpu_usage";
    EXPECT_EQ(plugin->statistic_aggregation(handle, &query, nullptr, &err), WDS_E_INVALID_ARGUMENT);
    plugin->destroy(handle);
    plugin->destroy(nullptr);
    plugin->string_list_release(nullptr);
}

TEST_F(PluginGlueTest, ErrorReportsStayInsideTheCallersStruct) {
    // A caller with a smaller (hypothetical older) wds_error: nothing is written past it.
    unsigned char buffer[64];
    std::memset(buffer, 0xAB, sizeof buffer);
    auto* err = reinterpret_cast<wds_error*>(buffer);
    err->struct_size = 20;
    abi::reportError(err, WDS_E_PROTOCOL, std::string(500, 'x'), 400);
    EXPECT_EQ(err->status, WDS_E_PROTOCOL);
    EXPECT_EQ(err->http_status, 400);
    EXPECT_EQ(std::string(err->message), "xxxxxxx");  // 8 bytes of room: 7 chars + NUL
    for (size_t i = 20; i < sizeof buffer; ++i)
        EXPECT_EQ(buffer[i], 0xAB) << i;
}

TEST_F(PluginGlueTest, TruncatedMessagesNeverSplitAUtf8Character) {
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = offsetof(wds_error, message) + 5;         // 4 bytes of text + NUL
    abi::reportError(&err, WDS_E_PROTOCOL, "abc\xc3\xa9z", 0);  // "abcéz": 'é' would be cut
    EXPECT_EQ(std::string(err.message), "abc");
    abi::reportError(&err, WDS_E_PROTOCOL, "ab\xc3\xa9z", 0);
    EXPECT_EQ(std::string(err.message), "ab\xc3\xa9");
}

TEST_F(PluginGlueTest, HostStringsAndFlavorSizesAreCheckedBeforeUse) {
    AggregationRequest request;
    request.meterName = "host_cpu_\xff";
    request.resource = Resource::computeNode("compute-1");
    auto r = source.statisticAggregation(request);
    EXPECT_EQ(r.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(r.message, "query.meter_name is not valid UTF-8");

    request.meterName = "host_cpu_usage";
    request.resource.hostname = std::string(2000, 'h');
    r = source.statisticAggregation(request);
    EXPECT_EQ(r.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(r.message, "query.resource.hostname is longer than 1024 bytes");

    request.resourceType = WDS_RESOURCE_INSTANCE;
    request.meterName = "instance_ram_allocated";
    request.resource = Resource::instance("i-1");
    request.resource.memoryMb = std::numeric_limits<double>::quiet_NaN();
    r = source.statisticAggregation(request);
    EXPECT_EQ(r.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_FALSE(r.value);
    EXPECT_EQ(r.message, "query.resource.memory_mb must be a finite number >= 0");

    Outcome outcome;
    Source::create(*plugin, {{"test.password", "x\xc3"}}, {}, outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_EQ(outcome.message, "the value of config key test.password is not valid UTF-8");
}

TEST_F(PluginGlueTest, ListMetricsIsPluginOwned) {
    EXPECT_CALL(*g_transport, send(Truly([](const HttpRequest& r) {
        return r.target.find("__name__") != std::string::npos;
    }))).WillOnce(Return(test::ok(R"({"status":"success","data":["up","node_load1"]})")));
    std::vector<std::string> names;
    ASSERT_TRUE(source.listMetrics(names).ok());
    EXPECT_EQ(names, (std::vector<std::string>{"up", "node_load1"}));
}

TEST_F(PluginGlueTest, InventoryListsInstancesThroughTheCAbi) {
    const auto* ext =
        static_cast<const wds_inventory_ext_v1*>(source.extension(WDS_EXT_INVENTORY_V1));
    ASSERT_NE(ext, nullptr);
    EXPECT_EQ(ext->struct_size, WDS_INVENTORY_EXT_V1_0_SIZE);
    EXPECT_EQ(source.extension("org.openstack.watcher-ds.inventory/2"), nullptr);

    EXPECT_CALL(*g_transport, send(Truly([](const HttpRequest& r) {
        return r.target.rfind("/api/v1/label/resource/values?match%5B%5D=", 0) == 0;
    }))).WillOnce(Return(test::ok(R"({"status":"success","data":["i-2","i-1","i-2"]})")));
    InventoryRequest request;
    request.meterName = "instance_cpu_usage";
    request.evalTimeMs = 1700000000000;
    std::vector<std::string> uuids{"left over"};
    const Outcome outcome = source.listInstances(request, uuids);
    ASSERT_TRUE(outcome.ok()) << outcome.message;
    EXPECT_EQ(uuids, (std::vector<std::string>{"i-1", "i-2"}));

    // The datasource's refusals arrive as statuses with their messages.
    request.meterName = "instance_root_disk_size";
    Outcome refused;
    EXPECT_TRUE(source.listInstances("instance_root_disk_size", 300, 0, refused).empty());
    EXPECT_EQ(refused.status, WDS_E_UNSUPPORTED);
    EXPECT_NE(refused.message.find("flavor"), std::string::npos);
    EXPECT_EQ(source.listInstances(request, uuids).status, WDS_E_UNSUPPORTED);
    EXPECT_TRUE(uuids.empty());
    source.listInstances("host_airflow", 300, 0, refused);
    EXPECT_EQ(refused.status, WDS_E_METRIC_NOT_AVAILABLE);
    source.listInstances("host_ram_usage", 300, 0, refused);
    EXPECT_EQ(refused.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_NE(refused.message.find("host_ram_usage"), std::string::npos);

    // Arguments the glue checks itself.
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    wds_string_list* list = nullptr;
    EXPECT_EQ(ext->list_instances(source.handle(), nullptr, &list, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "query is NULL");
    wds_inventory_query query;
    std::memset(&query, 0, sizeof query);
    query.struct_size = 16;  // older and smaller than v1.0
    query.resource_type = WDS_RESOURCE_INSTANCE;
    query.meter_name = "instance_cpu_usage";
    query.period_s = 300;
    EXPECT_EQ(ext->list_instances(source.handle(), &query, &list, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("struct_size 16"), std::string::npos);
    query.struct_size = sizeof query;
    EXPECT_EQ(ext->list_instances(source.handle(), &query, nullptr, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(ext->list_instances(nullptr, &query, &list, &err), WDS_E_INVALID_ARGUMENT);
    query.timeout_ms = -1;
    EXPECT_EQ(ext->list_instances(source.handle(), &query, &list, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("timeout_ms"), std::string::npos);
    query.timeout_ms = 0;
    query.meter_name = nullptr;
    EXPECT_EQ(ext->list_instances(source.handle(), &query, &list, &err), WDS_E_INVALID_ARGUMENT);
    query.meter_name = "instance_cpu_\xff";
    EXPECT_EQ(ext->list_instances(source.handle(), &query, &list, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "query.meter_name is not valid UTF-8");
    EXPECT_EQ(list, nullptr);
}

TEST_F(PluginGlueTest, SnapshotTakesEveryResourcesValueThroughTheCAbi) {
    const auto* ext = static_cast<const wds_snapshot_ext_v1*>(
        plugin->get_extension(source.handle(), WDS_EXT_SNAPSHOT_V1));
    ASSERT_NE(ext, nullptr);
    EXPECT_EQ(ext->struct_size, WDS_SNAPSHOT_EXT_V1_0_SIZE);
    EXPECT_EQ(ext->reserved0, 0u);
    ASSERT_NE(ext->statistic_snapshot, nullptr);
    ASSERT_NE(ext->snapshot_release, nullptr);
    EXPECT_EQ(source.extension(WDS_EXT_SNAPSHOT_V1), ext);
    EXPECT_EQ(plugin->get_extension(nullptr, WDS_EXT_SNAPSHOT_V1), ext);  // the same for all
    EXPECT_EQ(source.extension("org.openstack.watcher-ds.snapshot/2"), nullptr);
    EXPECT_EQ(source.extension("org.openstack.watcher-ds.snapshot"), nullptr);

    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    wds_snapshot_query query;
    std::memset(&query, 0, sizeof query);
    query.struct_size = sizeof query;
    query.resource_type = WDS_RESOURCE_INSTANCE;
    query.meter_name = "instance_cpu_usage";
    query.aggregate = WDS_AGGREGATE_MEAN;
    query.period_s = 300;
    query.eval_time_ms = 1700000000000;
    query.timeout_ms = 2500;

    // Instances: the cores, sorted, a NaN left out, scaled by the caller.
    HttpRequest asked;
    EXPECT_CALL(*g_transport, send(Truly(isQuery))).WillOnce([&](const HttpRequest& r) {
        asked = r;
        return test::ok(test::labelledVectorBody(
            "resource", {{"i-2", "0.5"}, {"i-3", "NaN"}, {"i-1", "2.25"}}));
    });
    wds_snapshot* snapshot = nullptr;
    ASSERT_EQ(ext->statistic_snapshot(source.handle(), &query, &snapshot, &err), WDS_OK)
        << err.message;
    ASSERT_NE(snapshot, nullptr);
    EXPECT_EQ(snapshot->struct_size, WDS_SNAPSHOT_V1_0_SIZE);
    EXPECT_EQ(snapshot->scale, static_cast<uint32_t>(WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS));
    EXPECT_EQ(snapshot->query_count, 1u);
    EXPECT_EQ(snapshot->reserved1, 0u);
    ASSERT_EQ(snapshot->count, 2u);
    EXPECT_STREQ(snapshot->names[0], "i-1");
    EXPECT_STREQ(snapshot->names[1], "i-2");
    EXPECT_EQ(snapshot->values[0], 2.25);
    EXPECT_EQ(snapshot->values[1], 0.5);
    EXPECT_NE(asked.target.find("query=avg%20by%20%28resource%29"), std::string::npos)
        << asked.target;
    EXPECT_NE(asked.target.find("&time=1700000000.000"), std::string::npos) << asked.target;
    EXPECT_NE(asked.target.find("&timeout=2500ms"), std::string::npos) << asked.target;
    EXPECT_EQ(asked.timeout, 2500ms);
    ext->snapshot_release(snapshot);

    // Hosts: the fqdn values the targets carry; no scale. An empty answer is count 0.
    query.resource_type = WDS_RESOURCE_COMPUTE_NODE;
    query.meter_name = "host_ram_usage";
    answer(test::ok(test::labelledVectorBody(
        "fqdn", {{"compute-1.example.org", "1048576"}, {"compute-9.example.org", "1"}})));
    snapshot = nullptr;
    ASSERT_EQ(ext->statistic_snapshot(source.handle(), &query, &snapshot, &err), WDS_OK)
        << err.message;
    ASSERT_NE(snapshot, nullptr);
    EXPECT_EQ(snapshot->scale, static_cast<uint32_t>(WDS_SNAPSHOT_SCALE_NONE));
    ASSERT_EQ(snapshot->count, 1u);
    EXPECT_STREQ(snapshot->names[0], "compute-1.example.org");
    EXPECT_EQ(snapshot->values[0], 1048576.0);
    ext->snapshot_release(snapshot);
    answer(test::ok(test::labelledVectorBody("fqdn", {})));
    snapshot = nullptr;
    ASSERT_EQ(ext->statistic_snapshot(source.handle(), &query, &snapshot, &err), WDS_OK)
        << err.message;
    ASSERT_NE(snapshot, nullptr);
    EXPECT_EQ(snapshot->count, 0u);
    EXPECT_EQ(snapshot->query_count, 1u);
    ext->snapshot_release(snapshot);

    // The datasource's refusals and the backend's failures arrive as statuses with messages.
    const auto refused = [&](wds_snapshot_query q, wds_status expected, const char* text) {
        wds_snapshot* out = nullptr;
        EXPECT_EQ(ext->statistic_snapshot(source.handle(), &q, &out, &err), expected) << text;
        EXPECT_EQ(err.status, expected) << text;
        EXPECT_NE(std::string(err.message).find(text), std::string::npos) << err.message;
        EXPECT_EQ(out, nullptr) << text;
    };
    wds_snapshot_query flavor = query;
    flavor.resource_type = WDS_RESOURCE_INSTANCE;
    flavor.meter_name = "instance_root_disk_size";
    refused(flavor, WDS_E_UNSUPPORTED, "instance_root_disk_size comes from each instance's flavor");
    flavor.meter_name = "instance_ram_allocated";
    refused(flavor, WDS_E_UNSUPPORTED, "flavor");
    wds_snapshot_query unknown = query;
    unknown.meter_name = "host_airflow";
    refused(unknown, WDS_E_METRIC_NOT_AVAILABLE, "host_airflow");
    wds_snapshot_query wrongType = query;
    wrongType.resource_type = WDS_RESOURCE_INSTANCE;
    refused(wrongType, WDS_E_INVALID_ARGUMENT, "'host_ram_usage' is about compute_node");
    wds_snapshot_query badPeriod = query;
    badPeriod.period_s = 0;
    refused(badPeriod, WDS_E_INVALID_ARGUMENT, "period");
    answer({503, "busy"});
    refused(query, WDS_E_UNAVAILABLE, "503");
    EXPECT_EQ(err.http_status, 503);

    // Arguments the glue checks itself.
    snapshot = nullptr;
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), nullptr, &snapshot, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "query is NULL");
    EXPECT_EQ(snapshot, nullptr);
    wds_snapshot_query small = query;
    small.struct_size = 16;  // older and smaller than v1.0
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), &small, &snapshot, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("query.struct_size 16 is below the v1.0 size"),
              std::string::npos)
        << err.message;
    small.struct_size = WDS_SNAPSHOT_QUERY_V1_0_SIZE - 1;
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), &small, &snapshot, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(snapshot, nullptr);
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), &query, nullptr, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "out is NULL");
    EXPECT_EQ(ext->statistic_snapshot(nullptr, &query, &snapshot, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "source is NULL");
    wds_snapshot_query badField = query;
    badField.timeout_ms = -1;
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), &badField, &snapshot, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_NE(std::string(err.message).find("timeout_ms"), std::string::npos);
    badField = query;
    badField.meter_name = nullptr;
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), &badField, &snapshot, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "query.meter_name is NULL");
    badField.meter_name = "host_ram_\xff";
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), &badField, &snapshot, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(err.message), "query.meter_name is not valid UTF-8");
    EXPECT_EQ(snapshot, nullptr);
    // A NULL error report is allowed: the status alone.
    EXPECT_EQ(ext->statistic_snapshot(source.handle(), nullptr, &snapshot, nullptr),
              WDS_E_INVALID_ARGUMENT);

    ext->snapshot_release(nullptr);  // a no-op
}

TEST_F(PluginGlueTest, HostOfAnotherMajorIsRefusedWithALogLine) {
    std::string logged;
    wds_host_v1 host;
    std::memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_major = 2;
    host.host_ctx = &logged;
    host.log = [](void* ctx, wds_log_level, const char* m) { *static_cast<std::string*>(ctx) = m; };
    EXPECT_EQ(abi::entry(&host, kDefinition), nullptr);
    EXPECT_NE(logged.find("host speaks 2.x"), std::string::npos);
}

}  // namespace
}  // namespace wds
