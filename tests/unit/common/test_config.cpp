#include <gtest/gtest.h>

#include "config/CommonOptions.h"
#include "config/ConfigMap.h"
#include "errors/DatasourceError.h"

namespace wds {
namespace {

std::string configError(const std::function<void()>& f) {
    try {
        f();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_CONFIG);
        return e.what();
    }
    ADD_FAILURE() << "no config error";
    return {};
}

TEST(ConfigMapTest, TypedValuesAndDefaults) {
    const wds_kv kv[] = {{"s.int", "42"},
                         {"s.secs", "0.25"},
                         {"s.bool", "Yes"},
                         {"s.empty", ""},
                         {"s.null", nullptr}};
    ConfigMap c(kv, 5);
    EXPECT_EQ(c.getInt("s.int", 1, 0, 100), 42);
    EXPECT_EQ(c.getInt("s.missing", 7, 0, 100), 7);
    EXPECT_EQ(c.getSeconds("s.secs", 1), 0.25);
    EXPECT_TRUE(c.getBool("s.bool", false));
    EXPECT_EQ(c.getString("s.empty", "dflt"), "dflt");  // empty = unset, as in oslo
    EXPECT_EQ(c.getString("s.null", "dflt"), "dflt");
}

TEST(ConfigMapTest, InvalidValuesNameTheKey) {
    ConfigMap c;
    c.set("prometheus_client.port", "99999");
    c.set("watcher_datasources.query_interval", "-1");
    c.set("prometheus_client.insecure", "maybe");
    c.set("prometheus_client.fqdn_label", "host-name");
    c.set("prometheus_client.timeout", "0");
    EXPECT_NE(configError([&] {
                  c.getInt("prometheus_client.port", 9090, 1, 65535);
              }).find("prometheus_client.port"),
              std::string::npos);
    EXPECT_NE(configError([&] {
                  c.getSeconds("watcher_datasources.query_interval", 1, true);
              }).find("query_interval"),
              std::string::npos);
    EXPECT_NE(configError([&] { c.getBool("prometheus_client.insecure", false); }).find("insecure"),
              std::string::npos);
    EXPECT_NE(configError([&] {
                  c.getLabelName("prometheus_client.fqdn_label", "fqdn");
              }).find("label name"),
              std::string::npos);
    EXPECT_NE(configError([&] { c.getSeconds("prometheus_client.timeout", 30); }).find("> 0"),
              std::string::npos);
}

TEST(ConfigMapTest, NullKeyIsAConfigError) {
    const wds_kv kv[] = {{nullptr, "x"}};
    EXPECT_THROW(ConfigMap(kv, 1), DatasourceError);
}

TEST(CommonOptionsTest, WatcherDefaultsAndOverrides) {
    ConfigMap c;
    RetryPolicy defaults = readRetryPolicy(c);
    EXPECT_EQ(defaults.maxAttempts(), 10);
    EXPECT_EQ(defaults.interval(), std::chrono::milliseconds(1000));
    c.set("watcher_datasources.query_max_retries", "0");
    configError([&] { readRetryPolicy(c); });  // min 1, as oslo enforces
    c.set("watcher_datasources.query_max_retries", "2");
    c.set("watcher_datasources.query_interval", "0");
    EXPECT_EQ(readRetryPolicy(c).interval(), std::chrono::milliseconds(0));

    auto settings = readDatasourceSettings(c, "aetos_client", "aetos");
    EXPECT_EQ(settings.fqdnLabel, "fqdn");
    EXPECT_EQ(settings.instanceUuidLabel, "resource");
    c.set("aetos_client.fqdn_label", "hostname");
    EXPECT_EQ(readDatasourceSettings(c, "aetos_client", "aetos").fqdnLabel, "hostname");
}

TEST(CommonOptionsTest, UnreadableFilesAreNamed) {
    ConfigMap c;
    c.set("prometheus_client.cafile", "/nonexistent/ca.pem");
    const std::string message = configError([&] { readFilePath(c, "prometheus_client.cafile"); });
    EXPECT_NE(message.find("prometheus_client.cafile"), std::string::npos);
    EXPECT_NE(message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace wds
