// A careless or hostile host, seen from both real plugins (dlopen, C structs only): NULL handles
// and out-pointers, structs smaller or larger than v1.0, unknown enum values, a host of another
// ABI major, bad strings and numbers. Each call must return the status datasource.h defines,
// with a message, and never crash. Live sources talk to an in-process FaultyServer that plays
// Prometheus (and, for Aetos, Keystone's token endpoint and the catalog's Aetos endpoint).
#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "faulty_server/FaultyServer.h"
#include "promql/PromQL.h"
#include "watcher_ds/datasource.h"

namespace {

using testing::HasSubstr;
using wds::testing::FaultyAnswer;
using wds::testing::FaultyServer;
using Config = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kUuid = "11111111-1111-4111-8111-111111111111";
constexpr double kValue = 42.5;

struct PluginUnderTest {
    const char* id;
    const char* path;
};

std::string nameOf(const testing::TestParamInfo<PluginUnderTest>& info) {
    return info.param.id;
}
void PrintTo(const PluginUnderTest& plugin, std::ostream* out) {
    *out << plugin.id;
}

wds_error freshError() {
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    return err;
}

wds_host_v1 freshHost() {
    wds_host_v1 host;
    std::memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_major = WDS_ABI_MAJOR;
    host.abi_minor = WDS_ABI_MINOR;
    return host;
}

class AbiMisuseTest : public testing::TestWithParam<PluginUnderTest> {
  protected:
    void SetUp() override {
        library_ = dlopen(GetParam().path, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << dlerror();
        entry_ =
            reinterpret_cast<wds_plugin_entry_v1_fn>(dlsym(library_, WDS_PLUGIN_ENTRY_V1_SYMBOL));
        ASSERT_NE(entry_, nullptr);
        plugin_ = entry_(nullptr);
        ASSERT_NE(plugin_, nullptr);
        ASSERT_STREQ(plugin_->id, GetParam().id);

        const std::string root = aetos() ? "/aetos" : "";
        server_.script(root + "/api/v1/query",
                       {FaultyAnswer::json(FaultyServer::vectorBody({std::to_string(kValue)}))});
        if (aetos())
            scriptKeystone();
        liveConfig_ = liveConfig();
        source_ = createFrom(liveConfig_, nullptr, nullptr);
        ASSERT_NE(source_, nullptr);
    }
    void TearDown() override {
        if (plugin_ != nullptr)
            plugin_->destroy(source_);
        // The library stays loaded: unloading is exercised by dedicated tests only.
    }

    bool aetos() const { return std::string(GetParam().id) == "aetos"; }
    std::string serverUrl() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

    /** Keystone's POST /v3/auth/tokens: a token whose catalog points back at this server. */
    void scriptKeystone() {
        FaultyAnswer token = FaultyAnswer::json(
            R"({"token":{"expires_at":"2099-01-01T00:00:00.000000Z","catalog":[{"type":)"
            R"("metric-storage","endpoints":[{"interface":"public","region_id":"RegionOne",)"
            R"("url":")" +
                serverUrl() + R"(/aetos"}]}]}})",
            201);
        token.headers = {{"X-Subject-Token", "gAAAAA-test-token"}};
        server_.script("/identity/v3/auth/tokens", {token});
    }

    Config liveConfig() const {
        if (aetos()) {
            return {{"watcher_clients_auth.auth_type", "password"},
                    {"watcher_clients_auth.auth_url", serverUrl() + "/identity/v3"},
                    {"watcher_clients_auth.username", "watcher"},
                    {"watcher_clients_auth.password", "pw"},
                    {"watcher_clients_auth.user_domain_name", "Default"},
                    {"watcher_clients_auth.project_name", "service"},
                    {"watcher_clients_auth.project_domain_name", "Default"},
                    {"watcher_datasources.query_max_retries", "1"}};
        }
        return {{"prometheus_client.host", "127.0.0.1"},
                {"prometheus_client.port", std::to_string(server_.port())},
                {"watcher_datasources.query_max_retries", "1"}};
    }

    /** create() with `config`; returns the source or NULL, `status` receives the result. */
    wds_source* createFrom(const Config& config, const wds_host_v1* host, wds_error* err,
                           wds_status* status = nullptr) {
        std::vector<wds_kv> kv;
        for (const auto& [key, value] : config)
            kv.push_back({key.c_str(), value.c_str()});
        wds_source* source = nullptr;
        const wds_status s = plugin_->create(host, kv.data(), kv.size(), &source, err);
        if (status)
            *status = s;
        EXPECT_EQ(s == WDS_OK, source != nullptr);
        return source;
    }

    /** A valid host_ram_usage query of the fixture's node (or instance_ram_usage of kUuid). */
    void validQuery(bool instance = false) {
        std::memset(&resource_, 0, sizeof resource_);
        resource_.struct_size = sizeof resource_;
        std::memset(&query_, 0, sizeof query_);
        query_.struct_size = sizeof query_;
        query_.resource = &resource_;
        query_.aggregate = WDS_AGGREGATE_MEAN;
        query_.period_s = 300;
        if (instance) {
            resource_.uuid = kUuid;
            query_.resource_type = WDS_RESOURCE_INSTANCE;
            query_.meter_name = "instance_ram_usage";
        } else {
            resource_.hostname = FaultyServer::kFqdn;
            query_.resource_type = WDS_RESOURCE_COMPUTE_NODE;
            query_.meter_name = "host_ram_usage";
        }
    }

    /** Runs query_ and checks the error report agrees with the status; returns the status. */
    wds_status run(const wds_aggregation_query* query = nullptr) {
        wds_error err = freshError();
        double value = -1;
        const wds_status status =
            plugin_->statistic_aggregation(source_, query ? query : &query_, &value, &err);
        lastMessage_ = status == WDS_OK ? "" : err.message;
        if (status == WDS_OK) {
            EXPECT_EQ(value, kValue);
        } else {
            EXPECT_EQ(err.status, status);
            EXPECT_NE(err.message[0], '\0');
            EXPECT_TRUE(wds::promql::isValidUtf8(err.message)) << err.message;
        }
        return status;
    }

    FaultyServer server_;
    void* library_ = nullptr;
    wds_plugin_entry_v1_fn entry_ = nullptr;
    const wds_plugin_v1* plugin_ = nullptr;
    Config liveConfig_;
    wds_source* source_ = nullptr;
    wds_resource resource_;
    wds_aggregation_query query_;
    std::string lastMessage_;
};

TEST_P(AbiMisuseTest, TheControlQueryWorks) {
    validQuery();
    EXPECT_EQ(run(), WDS_OK) << lastMessage_;
    validQuery(true);
    EXPECT_EQ(run(), WDS_OK) << lastMessage_;
}

TEST_P(AbiMisuseTest, TheEntryRefusesAnotherMajorAndAcceptsNullOrOlderHosts) {
    std::string logged;
    wds_host_v1 host = freshHost();
    host.abi_major = WDS_ABI_MAJOR + 1;
    host.host_ctx = &logged;
    host.log = [](void* ctx, wds_log_level, const char* m) { *static_cast<std::string*>(ctx) = m; };
    EXPECT_EQ(entry_(&host), nullptr);
    EXPECT_THAT(logged, HasSubstr("host speaks 2.x"));
    host.abi_major = 0;
    EXPECT_EQ(entry_(&host), nullptr);

    EXPECT_EQ(entry_(nullptr), plugin_);
    host = freshHost();
    EXPECT_EQ(entry_(&host), plugin_);
    host.struct_size = 4;  // too small to hold abi_major: nothing past it is read
    host.abi_major = 99;
    EXPECT_EQ(entry_(&host), plugin_);
}

TEST_P(AbiMisuseTest, CreateRefusesBadHostsAndNullPointers) {
    wds_error err = freshError();
    std::vector<wds_kv> kv;
    for (const auto& [key, value] : liveConfig_)
        kv.push_back({key.c_str(), value.c_str()});

    EXPECT_EQ(plugin_->create(nullptr, kv.data(), kv.size(), nullptr, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("out is NULL"));
    EXPECT_EQ(plugin_->create(nullptr, kv.data(), kv.size(), nullptr, nullptr),
              WDS_E_INVALID_ARGUMENT);

    wds_source* source = reinterpret_cast<wds_source*>(&err);  // must be reset to NULL
    EXPECT_EQ(plugin_->create(nullptr, nullptr, 2, &source, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(source, nullptr);
    EXPECT_THAT(err.message, HasSubstr("config is NULL"));

    wds_host_v1 host = freshHost();
    host.struct_size = WDS_HOST_V1_0_SIZE - 1;
    wds_status status;
    createFrom(liveConfig_, &host, &err, &status);
    EXPECT_EQ(status, WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("host.struct_size"));

    host = freshHost();
    host.abi_major = 2;
    createFrom(liveConfig_, &host, &err, &status);
    EXPECT_EQ(status, WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("host ABI major 2"));

    // A newer host: a bigger struct whose unknown tail is garbage. The known part is used.
    struct {
        wds_host_v1 v1;
        unsigned char tail[64];
    } newer;
    std::memset(&newer, 0xA5, sizeof newer);
    newer.v1 = freshHost();
    newer.v1.struct_size = sizeof newer;
    std::memset(newer.tail, 0xA5, sizeof newer.tail);
    newer.v1.log = nullptr;
    plugin_->destroy(createFrom(liveConfig_, &newer.v1, &err, &status));
    EXPECT_EQ(status, WDS_OK) << err.message;
}

TEST_P(AbiMisuseTest, BadConfigEntriesAreConfigErrorsThatDoNotEchoTheValue) {
    wds_error err = freshError();
    wds_source* source = nullptr;
    const wds_kv nullKey[] = {{nullptr, "x"}};
    EXPECT_EQ(plugin_->create(nullptr, nullKey, 1, &source, &err), WDS_E_CONFIG);
    EXPECT_THAT(err.message, HasSubstr("NULL key"));

    Config config = liveConfig_;
    config.push_back({aetos() ? "watcher_clients_auth.password" : "prometheus_client.password",
                      "s3cret\xff\xfe"});
    wds_status status;
    createFrom(config, nullptr, &err, &status);
    EXPECT_EQ(status, WDS_E_CONFIG);
    EXPECT_THAT(err.message, HasSubstr("password is not valid UTF-8"));
    EXPECT_THAT(err.message, testing::Not(HasSubstr("s3cret")));

    config = liveConfig_;
    config.push_back({"bad\xc3key", "1"});
    createFrom(config, nullptr, &err, &status);
    EXPECT_EQ(status, WDS_E_CONFIG);
    EXPECT_THAT(err.message, HasSubstr("key that is not valid UTF-8"));

    // A NULL value reads as unset: the required key is then missing.
    std::vector<wds_kv> kv;
    for (const auto& [key, value] : liveConfig_)
        kv.push_back({key.c_str(), value.c_str()});
    kv[0].value = nullptr;
    EXPECT_EQ(plugin_->create(nullptr, kv.data(), kv.size(), &source, nullptr), WDS_E_CONFIG);
    EXPECT_EQ(source, nullptr);
}

TEST_P(AbiMisuseTest, ErrorReportsStayInsideTheCallersStruct) {
    validQuery();
    query_.period_s = 0;
    double value = 0;
    // struct_size 0: nothing may be written at all.
    unsigned char buffer[sizeof(wds_error) + 64];
    std::memset(buffer, 0x5A, sizeof buffer);
    auto* err = reinterpret_cast<wds_error*>(buffer);
    err->struct_size = 0;
    EXPECT_EQ(plugin_->statistic_aggregation(source_, &query_, &value, err),
              WDS_E_INVALID_ARGUMENT);
    for (size_t i = sizeof err->struct_size; i < sizeof buffer; ++i)
        ASSERT_EQ(buffer[i], 0x5A) << i;

    // An older, smaller wds_error: status and HTTP status only.
    err->struct_size = 12;
    EXPECT_EQ(plugin_->statistic_aggregation(source_, &query_, &value, err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(err->status, WDS_E_INVALID_ARGUMENT);
    for (size_t i = 12; i < sizeof buffer; ++i)
        ASSERT_EQ(buffer[i], 0x5A) << i;

    // A newer, bigger one: the plugin writes its v1.0 part and leaves the tail alone.
    err->struct_size = sizeof buffer;
    EXPECT_EQ(plugin_->statistic_aggregation(source_, &query_, &value, err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err->message, HasSubstr("period"));
    for (size_t i = sizeof(wds_error); i < sizeof buffer; ++i)
        ASSERT_EQ(buffer[i], 0x5A) << i;

    // No error struct at all: the status alone.
    EXPECT_EQ(plugin_->statistic_aggregation(source_, &query_, &value, nullptr),
              WDS_E_INVALID_ARGUMENT);
}

TEST_P(AbiMisuseTest, NullHandlesAndOutPointersAreInvalidArguments) {
    wds_error err = freshError();
    double value = 0;
    validQuery();
    EXPECT_EQ(plugin_->check_availability(nullptr, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("source is NULL"));
    EXPECT_EQ(plugin_->check_availability(nullptr, nullptr), WDS_E_INVALID_ARGUMENT);

    wds_string_list* list = reinterpret_cast<wds_string_list*>(&err);  // must be reset to NULL
    EXPECT_EQ(plugin_->list_metrics(nullptr, &list, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(list, nullptr);
    EXPECT_EQ(plugin_->list_metrics(source_, nullptr, &err), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("out is NULL"));

    EXPECT_EQ(plugin_->statistic_aggregation(nullptr, &query_, &value, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_EQ(plugin_->statistic_aggregation(source_, nullptr, &value, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("query is NULL"));
    EXPECT_EQ(plugin_->statistic_aggregation(source_, &query_, nullptr, &err),
              WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(err.message, HasSubstr("out_value is NULL"));
    query_.resource = nullptr;
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.resource is NULL"));

    EXPECT_EQ(plugin_->get_extension(nullptr, nullptr), nullptr);
    EXPECT_EQ(plugin_->get_extension(source_, nullptr), nullptr);
    EXPECT_EQ(plugin_->get_extension(source_, "org.openstack.watcher-ds.nope/1"), nullptr);
    plugin_->destroy(nullptr);
    plugin_->string_list_release(nullptr);
}

TEST_P(AbiMisuseTest, StructsSmallerThanV1AreRefusedAndBiggerOnesAccepted) {
    for (uint32_t size : {0u, 4u, WDS_AGGREGATION_QUERY_V1_0_SIZE - 1}) {
        validQuery();
        query_.struct_size = size;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT) << size;
        EXPECT_THAT(lastMessage_, HasSubstr("query.struct_size " + std::to_string(size)));
    }
    validQuery();
    resource_.struct_size = WDS_RESOURCE_V1_0_SIZE - 8;
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.resource.struct_size"));

    // Newer hosts: fields past v1.0 hold garbage the plugin must not read.
    struct {
        wds_aggregation_query v1;
        unsigned char tail[32];
    } query;
    struct {
        wds_resource v1;
        unsigned char tail[32];
    } resource;
    std::memset(&query, 0xEE, sizeof query);
    std::memset(&resource, 0xEE, sizeof resource);
    validQuery();
    query.v1 = query_;
    query.v1.struct_size = sizeof query;
    resource.v1 = resource_;
    resource.v1.struct_size = sizeof resource;
    query.v1.resource = &resource.v1;
    EXPECT_EQ(run(&query.v1), WDS_OK) << lastMessage_;
}

TEST_P(AbiMisuseTest, UnknownEnumValuesAreRefused) {
    for (wds_resource_type type : {0, 5, 99, -1, std::numeric_limits<int32_t>::max(),
                                   static_cast<int32_t>(WDS_RESOURCE_BARE_METAL),
                                   static_cast<int32_t>(WDS_RESOURCE_STORAGE)}) {
        validQuery();
        query_.resource_type = type;
        EXPECT_EQ(run(), WDS_E_UNSUPPORTED) << type;
        EXPECT_THAT(lastMessage_, HasSubstr("resource type " + std::to_string(type)));
    }
    for (wds_aggregate aggregate : {0, 5, -1, std::numeric_limits<int32_t>::min()}) {
        validQuery();
        query_.aggregate = aggregate;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT) << aggregate;
        EXPECT_THAT(lastMessage_, HasSubstr("unknown aggregate " + std::to_string(aggregate)));
    }
}

TEST_P(AbiMisuseTest, BadStringsAreRefusedAndNeverEchoedAsInvalidUtf8) {
    const std::string overlong(wds::promql::kMaxLabelValueBytes + 1, 'a');
    const std::string invalid = "host\xc3\x28name";  // a lead byte without its continuation

    validQuery();
    query_.meter_name = nullptr;
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.meter_name is NULL"));
    query_.meter_name = "";
    EXPECT_EQ(run(), WDS_E_METRIC_NOT_AVAILABLE);
    query_.meter_name = invalid.c_str();
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.meter_name is not valid UTF-8"));
    query_.meter_name = overlong.c_str();
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.meter_name is longer than"));

    for (const char* hostname : {static_cast<const char*>(nullptr), ""}) {
        validQuery();
        resource_.hostname = hostname;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
        EXPECT_THAT(lastMessage_, HasSubstr("needs the resource's hostname"));
    }
    validQuery();
    resource_.hostname = invalid.c_str();
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.resource.hostname is not valid UTF-8"));
    resource_.hostname = overlong.c_str();
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.resource.hostname is longer than 1024 bytes"));

    for (const char* uuid : {static_cast<const char*>(nullptr), ""}) {
        validQuery(true);
        resource_.uuid = uuid;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
        EXPECT_THAT(lastMessage_, HasSubstr("needs the resource's uuid"));
    }
    validQuery(true);
    resource_.uuid = "\xed\xa0\x80";  // an encoded UTF-16 surrogate
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.resource.uuid is not valid UTF-8"));
    resource_.uuid = overlong.c_str();
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("query.resource.uuid is longer than"));
}

TEST_P(AbiMisuseTest, OutOfRangeNumbersAreRefused) {
    for (int64_t period : {int64_t{0}, int64_t{-1}, std::numeric_limits<int64_t>::min()}) {
        validQuery();
        query_.period_s = period;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT) << period;
        EXPECT_THAT(lastMessage_, HasSubstr("period must be"));
    }
    validQuery();
    query_.timeout_ms = -1;
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("timeout_ms"));
    validQuery();
    query_.eval_time_ms = -1;
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("evaluation time"));

    // A flavor size the host claims to know must be a real size: it is returned as the value.
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0}) {
        validQuery(true);
        query_.meter_name = "instance_ram_allocated";
        resource_.known = WDS_RESOURCE_KNOWN_MEMORY;
        resource_.memory_mb = bad;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT) << bad;
        EXPECT_THAT(lastMessage_, HasSubstr("query.resource.memory_mb must be a finite number"));
        query_.meter_name = "instance_root_disk_size";
        resource_.known = WDS_RESOURCE_KNOWN_DISK;
        resource_.disk_gb = bad;
        EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT) << bad;
        EXPECT_THAT(lastMessage_, HasSubstr("query.resource.disk_gb must be a finite number"));
    }
    // Without its `known` bit a field is not read at all, whatever it holds.
    validQuery(true);
    query_.meter_name = "instance_ram_allocated";
    resource_.memory_mb = std::nan("");
    EXPECT_EQ(run(), WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(lastMessage_, HasSubstr("needs the instance memory"));
}

INSTANTIATE_TEST_SUITE_P(BothPlugins, AbiMisuseTest,
                         testing::Values(PluginUnderTest{"prometheus", WDS_PROMETHEUS_PLUGIN},
                                         PluginUnderTest{"aetos", WDS_AETOS_PLUGIN}),
                         nameOf);

}  // namespace
