#pragma once

// The shared fixture of integration_aetos: one real Keystone, Prometheus with the data set and
// Aetos proxies for every test of the suite (test_aetos_plugin.cpp, test_aetos_tls.cpp), since
// Keystone takes seconds to start. Named namespace: both files must see the same class.

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aetos_proxy/AetosProxy.h"
#include "servers/Dataset.h"
#include "servers/KeystoneServer.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "watcher_ds/datasource.hpp"

namespace aetos_it {

struct TlsSetup;  // test_aetos_tls.cpp: certificates and TLS fronts

using testing::HasSubstr;
using testing::Not;
using wds::testing::Dataset;
using Config = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kHost = "compute-1.cloud.example";

inline void expectValue(const wds::ValueResult& result, double expected, const std::string& what) {
    ASSERT_EQ(result.status, WDS_OK) << what << ": " << result.message;
    EXPECT_NEAR(*result.value, expected, 1e-6 * std::max(1.0, std::fabs(expected))) << what;
}

class AetosPluginTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new wds::testing::TempDir("wds-it-aetos-");
        prom_ = new wds::testing::PrometheusServer(
            Dataset::prometheusOptions(dir_->file("dataset.om")));
        prom_->start();
        keystone_ = new wds::testing::KeystoneServer();
        keystone_->start();

        // Three Aetos proxies, so tests can see which catalog endpoint the plugin picked.
        publicOne_ = startProxy("/metric-storage", std::chrono::seconds(300));
        internalOne_ = startProxy("", std::chrono::seconds(0));  // no token cache: revocation bites
        publicTwo_ = startProxy("/aetos", std::chrono::seconds(300));
        useStandardCatalog();
        startTls();

        library_ = dlopen(WDS_AETOS_PLUGIN, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << dlerror();
        plugin_ = reinterpret_cast<wds_plugin_entry_v1_fn>(
            dlsym(library_, WDS_PLUGIN_ENTRY_V1_SYMBOL))(nullptr);
        ASSERT_NE(plugin_, nullptr);
    }
    static void TearDownTestSuite() {
        stopTls();
        delete publicOne_;
        delete internalOne_;
        delete publicTwo_;
        delete keystone_;
        delete prom_;
        delete dir_;
    }

    /** The catalog most tests expect: public and internal in RegionOne, public in RegionTwo. */
    static void useStandardCatalog() {
        keystone_->setMetricStorageEndpoints(keystone_->standardEndpoints(
            publicOne_->url(), internalOne_->url(), publicTwo_->url()));
    }

    /** Other metric-storage endpoints for one test; the standard ones are back after it. */
    class CatalogForTest {
      public:
        CatalogForTest(const std::string& publicRegionOne, const std::string& internalRegionOne,
                       const std::string& publicRegionTwo) {
            keystone_->setMetricStorageEndpoints(
                keystone_->standardEndpoints(publicRegionOne, internalRegionOne, publicRegionTwo));
        }
        ~CatalogForTest() { useStandardCatalog(); }
        CatalogForTest(const CatalogForTest&) = delete;
        CatalogForTest& operator=(const CatalogForTest&) = delete;
    };

    // Defined in test_aetos_tls.cpp: certificates, and TLS fronts for Keystone and Aetos.
    static void startTls();
    static void stopTls();

    static wds::testing::AetosProxy* startProxy(const std::string& prefix,
                                                std::chrono::seconds tokenCacheTtl) {
        wds::testing::AetosProxyOptions options;
        options.keystoneUrl = keystone_->url();
        options.username = keystone_->aetos().user;
        options.password = keystone_->aetos().password;
        options.projectName = keystone_->aetos().project;
        options.prometheusPort = prom_->port();
        options.pathPrefix = prefix;
        options.tokenCacheTtl = tokenCacheTtl;
        auto* proxy = new wds::testing::AetosProxy(options);
        proxy->start();
        return proxy;
    }

    /** [watcher_clients_auth] for a password user, plus fast retries. */
    static Config passwordConfig(const wds::testing::KeystoneAccount& account) {
        return {{"watcher_clients_auth.auth_type", "password"},
                {"watcher_clients_auth.auth_url", keystone_->authUrl()},
                {"watcher_clients_auth.username", account.user},
                {"watcher_clients_auth.password", account.password},
                {"watcher_clients_auth.user_domain_name", "Default"},
                {"watcher_clients_auth.project_name", account.project},
                {"watcher_clients_auth.project_domain_name", "Default"},
                {"watcher_clients_auth.timeout", "10"},
                {"watcher_datasources.query_max_retries", "2"},
                {"watcher_datasources.query_interval", "0"}};
    }
    static Config watcherConfig() { return passwordConfig(keystone_->watcher()); }

    static Config with(Config config, const Config& extra) {
        for (const auto& [key, value] : extra) {
            bool replaced = false;
            for (auto& entry : config) {
                if (entry.first == key)
                    entry.second = value, replaced = true;
            }
            if (!replaced)
                config.emplace_back(key, value);
        }
        return config;
    }

    wds::Source create(const Config& config, wds::Outcome& outcome) {
        return wds::Source::create(
            *plugin_, config,
            [this](wds_log_level, const std::string& line) {
                std::lock_guard<std::mutex> lock(logMutex_);
                logs_.push_back(line);
            },
            outcome);
    }
    wds::Source createOk(const Config& config) {
        wds::Outcome outcome;
        wds::Source source = create(config, outcome);
        EXPECT_TRUE(outcome.ok()) << outcome.message;
        return source;
    }

    static wds::ValueResult hostCpu(const wds::Source& source) {
        return source.hostCpuUsage(kHost, 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000);
    }
    static double expectedHostCpu() {
        return Dataset::hostCpuUsage(kHost, "mean", 300, Dataset::kEnd);
    }

    static inline wds::testing::TempDir* dir_ = nullptr;
    static inline wds::testing::PrometheusServer* prom_ = nullptr;
    static inline wds::testing::KeystoneServer* keystone_ = nullptr;
    static inline wds::testing::AetosProxy *publicOne_ = nullptr, *internalOne_ = nullptr,
                                           *publicTwo_ = nullptr;
    static inline TlsSetup* tls_ = nullptr;
    static inline void* library_ = nullptr;
    static inline const wds_plugin_v1* plugin_ = nullptr;
    std::mutex logMutex_;
    std::vector<std::string> logs_;
};

}  // namespace aetos_it
