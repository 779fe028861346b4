// Smoke test of the Keystone fixture and the Aetos-like proxy: a real Keystone (python3-keystone),
// a real Prometheus with the deterministic data set, and three AetosProxy instances registered
// as the metric-storage endpoints. Raw HTTP + Poco::JSON only (no plugin code).
#include <gtest/gtest.h>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "aetos_proxy/AetosProxy.h"
#include "servers/Dataset.h"
#include "servers/HttpClient.h"
#include "servers/KeystoneServer.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"

namespace {

using Poco::JSON::Object;
using wds::testing::AetosProxy;
using wds::testing::AetosProxyOptions;
using wds::testing::Dataset;
using wds::testing::HttpReply;
using wds::testing::KeystoneServer;
using wds::testing::KeystoneToken;
using wds::testing::PrometheusServer;

const char* const kHost = "compute-0.cloud.example";

Object::Ptr parse(const std::string& body) {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Object::Ptr>();
}

// GET (or another method) <proxy prefix><pathAndQuery> with an optional X-Auth-Token.
HttpReply call(const AetosProxy& proxy, const std::string& pathAndQuery, const std::string& token,
               const std::string& method = "GET") {
    wds::testing::HttpHeaders headers = {{"Accept", "application/json"}};
    if (!token.empty()) {
        headers.emplace_back("X-Auth-Token", token);
    }
    return wds::testing::httpRequest("127.0.0.1", proxy.port(), method,
                                     proxy.options().pathPrefix + pathAndQuery, headers);
}

std::string queryPath(const std::string& promql, int64_t evalS = Dataset::kEnd) {
    Poco::URI uri("/api/v1/query");
    uri.addQueryParameter("query", promql);
    uri.addQueryParameter("time", std::to_string(evalS));
    return uri.getPathAndQuery();
}

// Sample values of a vector answer.
std::vector<double> values(const HttpReply& r) {
    const auto data = parse(r.body)->getObject("data");
    EXPECT_EQ(data->getValue<std::string>("resultType"), "vector") << r.body;
    std::vector<double> out;
    const auto result = data->getArray("result");
    for (std::size_t i = 0; i < result->size(); ++i) {
        out.push_back(
            std::stod(result->getObject(i)->getArray("value")->getElement<std::string>(1)));
    }
    return out;
}

// error_message.faultstring of an Aetos (WSME) error body.
std::string faultstring(const HttpReply& r) {
    const auto fault = parse(r.body)->getObject("error_message");
    return fault ? fault->getValue<std::string>("faultstring") : "<no error_message object>";
}

class KeystoneAetosTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<wds::testing::TempDir>("wds-test-keystone-");
        auto promOptions = Dataset::prometheusOptions(dir_->file("dataset.om"));
        promOptions.routePrefix = "/prom";  // exercises the proxy's prometheusPathPrefix
        prom_ = std::make_unique<PrometheusServer>(promOptions);
        prom_->start();

        keystone_ = std::make_unique<KeystoneServer>();
        keystone_->start();
        std::cout << "[ keystone ] first start (setup + provisioning) took "
                  << keystone_->startupTime().count() << " ms (" << keystone_->startupReport()
                  << ")" << std::endl;

        auto proxyOptions = [](const std::string& prefix, int ttlS) {
            AetosProxyOptions o;
            o.keystoneUrl = keystone_->url();
            o.username = keystone_->aetos().user;
            o.password = keystone_->aetos().password;
            o.projectName = keystone_->aetos().project;
            o.prometheusPort = prom_->port();
            o.prometheusPathPrefix = "/prom";
            o.pathPrefix = prefix;
            o.tokenCacheTtl = std::chrono::seconds(ttlS);
            return o;
        };
        public_ = std::make_unique<AetosProxy>(proxyOptions("/metric-storage", 300));
        internal_ = std::make_unique<AetosProxy>(proxyOptions("", 300));
        noCache_ = std::make_unique<AetosProxy>(proxyOptions("/metric-storage", 0));
        for (auto* p : {public_.get(), internal_.get(), noCache_.get()}) {
            p->start();
        }
        keystone_->setMetricStorageEndpoints(
            keystone_->standardEndpoints(public_->url(), internal_->url(), noCache_->url()));
    }

    static void TearDownTestSuite() {
        noCache_.reset();
        internal_.reset();
        public_.reset();
        keystone_.reset();
        prom_.reset();
        dir_.reset();
    }

    static std::unique_ptr<wds::testing::TempDir> dir_;
    static std::unique_ptr<PrometheusServer> prom_;
    static std::unique_ptr<KeystoneServer> keystone_;
    static std::unique_ptr<AetosProxy> public_;    // RegionOne public, prefix, TTL 300 s
    static std::unique_ptr<AetosProxy> internal_;  // RegionOne internal, no prefix, TTL 300 s
    static std::unique_ptr<AetosProxy> noCache_;   // RegionTwo public, prefix, TTL 0
};

std::unique_ptr<wds::testing::TempDir> KeystoneAetosTest::dir_;
std::unique_ptr<PrometheusServer> KeystoneAetosTest::prom_;
std::unique_ptr<KeystoneServer> KeystoneAetosTest::keystone_;
std::unique_ptr<AetosProxy> KeystoneAetosTest::public_;
std::unique_ptr<AetosProxy> KeystoneAetosTest::internal_;
std::unique_ptr<AetosProxy> KeystoneAetosTest::noCache_;

TEST_F(KeystoneAetosTest, AccountsGetTheirRoles) {
    const KeystoneToken watcher = keystone_->issueToken(keystone_->watcher());
    EXPECT_EQ(watcher.roles, std::vector<std::string>{"service"});
    EXPECT_EQ(watcher.projectId, keystone_->watcher().projectId);
    EXPECT_EQ(watcher.userId, keystone_->watcher().userId);
    EXPECT_FALSE(watcher.expiresAt.empty());

    const auto& ac = keystone_->applicationCredential();
    const KeystoneToken viaAppCred = keystone_->issueApplicationCredentialToken(ac.id, ac.secret);
    EXPECT_EQ(viaAppCred.roles, std::vector<std::string>{"service"});
    EXPECT_EQ(viaAppCred.projectId, keystone_->watcher().projectId);
    EXPECT_EQ(viaAppCred.userId, keystone_->watcher().userId);

    const KeystoneToken admin = keystone_->issueToken(keystone_->watcherAdmin());
    for (const char* role : {"admin", "member", "reader"}) {  // implied roles are expanded
        EXPECT_NE(std::find(admin.roles.begin(), admin.roles.end(), role), admin.roles.end())
            << role;
    }
    const KeystoneToken reader = keystone_->issueToken(keystone_->reader());
    EXPECT_EQ(reader.roles, std::vector<std::string>{"reader"});
    EXPECT_EQ(reader.projectId, keystone_->reader().projectId);

    EXPECT_THROW(keystone_->issueToken(keystone_->watcher().user, "wrong", "service"),
                 std::runtime_error);
    const HttpReply wrong = keystone_->request(
        "POST", "/v3/auth/tokens", "",
        R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"watcher",)"
        R"("domain":{"id":"default"},"password":"wrong"}}}}})");
    EXPECT_EQ(wrong.status, 401) << wrong.body;
}

TEST_F(KeystoneAetosTest, CatalogHasMetricStorageInTwoRegions) {
    for (const KeystoneToken& t :
         {keystone_->issueToken(keystone_->watcher()),
          keystone_->issueApplicationCredentialToken(keystone_->applicationCredential().id,
                                                     keystone_->applicationCredential().secret)}) {
        const auto catalog = parse(t.body)->getObject("token")->getArray("catalog");
        ASSERT_TRUE(catalog);
        std::set<std::tuple<std::string, std::string, std::string>> seen;
        bool identity = false;
        for (std::size_t i = 0; i < catalog->size(); ++i) {
            const auto svc = catalog->getObject(i);
            const auto type = svc->getValue<std::string>("type");
            identity = identity || type == "identity";
            if (type != KeystoneServer::kServiceType) {
                continue;
            }
            const auto eps = svc->getArray("endpoints");
            for (std::size_t j = 0; j < eps->size(); ++j) {
                const auto ep = eps->getObject(j);
                seen.emplace(ep->getValue<std::string>("interface"),
                             ep->getValue<std::string>("region_id"),
                             ep->getValue<std::string>("url"));
            }
        }
        EXPECT_TRUE(identity);
        const std::set<std::tuple<std::string, std::string, std::string>> expected = {
            {"public", "RegionOne", public_->url()},
            {"internal", "RegionOne", internal_->url()},
            {"public", "RegionTwo", noCache_->url()},
        };
        EXPECT_EQ(seen, expected) << t.body;
    }
}

TEST_F(KeystoneAetosTest, PrivilegedTokensQueryThroughEveryProxy) {
    const double expected = Dataset::hostCpuUsage(kHost, "mean", 300, Dataset::kEnd);
    const auto& ac = keystone_->applicationCredential();
    const std::vector<std::string> tokens = {
        keystone_->issueToken(keystone_->watcher()).id,
        keystone_->issueApplicationCredentialToken(ac.id, ac.secret).id,
        keystone_->issueToken(keystone_->watcherAdmin()).id,
    };
    for (const auto& token : tokens) {
        for (const AetosProxy* proxy : {public_.get(), internal_.get(), noCache_.get()}) {
            const HttpReply r =
                call(*proxy, queryPath(Dataset::hostCpuQuery(kHost, "mean", 300)), token);
            ASSERT_EQ(r.status, 200) << proxy->url() << ": " << r.body;
            const auto v = values(r);
            ASSERT_EQ(v.size(), 1u) << r.body;
            EXPECT_NEAR(v[0], expected, 1e-6 * std::fabs(expected));
            EXPECT_EQ(proxy->lastAuthToken(), token);
        }
        const HttpReply targets = call(*public_, "/api/v1/targets?state=active", token);
        ASSERT_EQ(targets.status, 200) << targets.body;
        EXPECT_EQ(parse(targets.body)->getObject("data")->getArray("activeTargets")->size(),
                  Dataset::hostNames().size());
        const HttpReply status = call(*public_, "/api/v1/status/runtimeinfo", token);
        EXPECT_EQ(status.status, 200) << status.body;
    }
}

TEST_F(KeystoneAetosTest, ReaderIsLimitedToItsProject) {
    const KeystoneToken reader = keystone_->issueToken(keystone_->reader());
    for (const char* path : {"/api/v1/targets?state=active", "/api/v1/status/runtimeinfo"}) {
        const HttpReply r = call(*public_, path, reader.id);
        EXPECT_EQ(r.status, 403) << path << ": " << r.body;
        EXPECT_EQ(faultstring(r), "RBAC Authorization Failed") << path;
        EXPECT_TRUE(parse(r.body)->getObject("error_message")->isNull("debuginfo")) << r.body;
    }
    const auto forwarded = public_->forwardedCount();
    const HttpReply node =
        call(*public_, queryPath(Dataset::hostCpuQuery(kHost, "mean", 300)), reader.id);
    ASSERT_EQ(node.status, 200) << node.body;
    EXPECT_TRUE(values(node).empty()) << node.body;
    EXPECT_EQ(public_->forwardedCount(), forwarded);  // answered without Prometheus

    // A query restricted to the reader's own project reaches Prometheus (and finds nothing:
    // the data set's instances belong to project "p1").
    const HttpReply own =
        call(*public_, queryPath("ceilometer_memory_usage{project=\"" + reader.projectId + "\"}"),
             reader.id);
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_TRUE(values(own).empty());
    EXPECT_EQ(public_->forwardedCount(), forwarded + 1);
}

TEST_F(KeystoneAetosTest, MissingOrBadTokenIs401) {
    const auto before = public_->unauthorizedCount();
    for (const std::string& token : {std::string(), std::string("garbage-token")}) {
        for (const char* method : {"GET", "POST"}) {  // auth_token runs before routing
            const HttpReply r =
                call(*public_, queryPath(Dataset::hostCpuQuery(kHost, "mean", 300)), token, method);
            EXPECT_EQ(r.status, 401) << method << " token='" << token << "': " << r.body;
            EXPECT_EQ(r.header("WWW-Authenticate"), "Keystone uri=\"" + keystone_->url() + "\"");
            EXPECT_EQ(parse(r.body)->getObject("error")->getValue<int>("code"), 401) << r.body;
        }
    }
    EXPECT_EQ(public_->unauthorizedCount(), before + 4);
    EXPECT_EQ(public_->lastAuthToken(), "garbage-token");
}

TEST_F(KeystoneAetosTest, ApiSurfaceIsAsStrictAsAetos) {
    const std::string token = keystone_->issueToken(keystone_->watcher()).id;
    auto expectError = [&](const std::string& method, const std::string& path, int status) {
        const HttpReply r = call(*public_, path, token, method);
        EXPECT_EQ(r.status, status) << method << " " << path << ": " << r.body;
        const auto root = parse(r.body);
        EXPECT_TRUE(root->has("error_message")) << r.body;
        EXPECT_FALSE(root->has("status")) << "Prometheus' error format leaked: " << r.body;
        return r;
    };
    expectError("POST", queryPath("up"), 405);
    expectError("GET", "/api/v1/query_range?query=up&start=1&end=2&step=1", 404);
    EXPECT_EQ(parse(expectError("GET", "/api/v1/nonexistent", 404).body)
                  ->getValue<std::string>("error_message"),
              "page not found");
    const HttpReply noState = expectError("GET", "/api/v1/targets", 400);
    EXPECT_NE(faultstring(noState).find("state"), std::string::npos);
    const HttpReply noQuery = expectError("GET", "/api/v1/query", 400);
    EXPECT_NE(faultstring(noQuery).find("query"), std::string::npos);
    const HttpReply unknown = expectError("GET", queryPath("up") + "&stats=all", 400);
    EXPECT_NE(faultstring(unknown).find("stats"), std::string::npos);
    expectError("GET", "/api/v1/status/config", 404);
    // Prometheus' own 4xx is passed through with Aetos' body.
    const HttpReply bad = expectError("GET", queryPath("sum(("), 400);
    EXPECT_NE(faultstring(bad).find("parse error"), std::string::npos) << bad.body;

    // Outside the prefix nothing answers.
    const HttpReply outside = wds::testing::httpRequest(
        "127.0.0.1", public_->port(), "GET", "/api/v1/query?query=up", {{"X-Auth-Token", token}});
    EXPECT_EQ(outside.status, 404) << outside.body;
}

TEST_F(KeystoneAetosTest, RevokedTokenWorksUntilTheCacheExpires) {
    const std::string token = keystone_->issueToken(keystone_->watcher()).id;
    const std::string path = queryPath("up");
    ASSERT_EQ(call(*public_, path, token).status, 200);
    ASSERT_EQ(call(*noCache_, path, token).status, 200);
    const auto cachedValidations = public_->tokenValidationCount();
    const auto uncachedValidations = noCache_->tokenValidationCount();

    keystone_->revokeToken(token);
    const HttpReply cached = call(*public_, path, token);
    EXPECT_EQ(cached.status, 200) << "TTL 300 s: the revoked token is still cached";
    EXPECT_EQ(public_->tokenValidationCount(), cachedValidations);
    const HttpReply uncached = call(*noCache_, path, token);
    EXPECT_EQ(uncached.status, 401) << uncached.body;
    EXPECT_EQ(noCache_->tokenValidationCount(), uncachedValidations + 1);

    public_->clearTokenCache();
    EXPECT_EQ(call(*public_, path, token).status, 401);
}

TEST_F(KeystoneAetosTest, CatalogCanLoseTheService) {
    keystone_->setMetricStorageEndpoints({});
    auto metricStorage = [](const KeystoneToken& t) {
        const auto catalog = parse(t.body)->getObject("token")->getArray("catalog");
        for (std::size_t i = 0; i < catalog->size(); ++i) {
            if (catalog->getObject(i)->getValue<std::string>("type") ==
                KeystoneServer::kServiceType) {
                return static_cast<int>(catalog->getObject(i)->getArray("endpoints")->size());
            }
        }
        return -1;
    };
    EXPECT_EQ(metricStorage(keystone_->issueToken(keystone_->watcher())), 0);
    keystone_->removeMetricStorageService();
    EXPECT_EQ(metricStorage(keystone_->issueToken(keystone_->watcher())), -1);
    keystone_->setMetricStorageEndpoints(
        keystone_->standardEndpoints(public_->url(), internal_->url(), noCache_->url()));
    EXPECT_EQ(metricStorage(keystone_->issueToken(keystone_->watcher())), 3);
}

TEST_F(KeystoneAetosTest, AetosDownAndBack) {
    const std::string token = keystone_->issueToken(keystone_->watcher()).id;
    const int port = internal_->port();
    internal_->stop();
    EXPECT_THROW(call(*internal_, queryPath("up"), token), Poco::Exception);
    internal_->start();
    EXPECT_EQ(internal_->port(), port);
    EXPECT_EQ(call(*internal_, queryPath("up"), token).status, 200);
}

TEST_F(KeystoneAetosTest, KeystoneDownAndBack) {
    const std::string cachedToken = keystone_->issueToken(keystone_->watcher()).id;
    ASSERT_EQ(call(*public_, queryPath("up"), cachedToken).status, 200);
    const std::string freshToken = keystone_->issueToken(keystone_->watcher()).id;
    const int port = keystone_->port();

    keystone_->stop();
    EXPECT_THROW(keystone_->issueToken(keystone_->watcher()), Poco::Exception);
    const HttpReply down = call(*public_, queryPath("up"), freshToken);
    EXPECT_EQ(down.status, 503) << down.body;
    EXPECT_EQ(call(*public_, queryPath("up"), cachedToken).status, 200) << "served from cache";

    keystone_->start();
    std::cout << "[ keystone ] restart took " << keystone_->startupTime().count() << " ms"
              << std::endl;
    EXPECT_EQ(keystone_->port(), port);
    // Same database and fernet keys: tokens from before the restart are still valid.
    EXPECT_EQ(call(*public_, queryPath("up"), freshToken).status, 200);
}

// Last: restarts Keystone twice.
TEST_F(KeystoneAetosTest, ExpiredTokenIsRejectedEvenFromTheCache) {
    keystone_->setTokenExpiration(3);
    const KeystoneToken t = keystone_->issueToken(keystone_->watcher());
    const auto expires = KeystoneServer::parseTime(t.expiresAt);
    EXPECT_LE(expires - std::chrono::system_clock::now(), std::chrono::seconds(3));
    ASSERT_EQ(call(*public_, queryPath("up"), t.id).status, 200);
    const auto validations = public_->tokenValidationCount();

    std::this_thread::sleep_until(expires + std::chrono::milliseconds(200));
    EXPECT_EQ(call(*public_, queryPath("up"), t.id).status, 401);
    EXPECT_EQ(public_->tokenValidationCount(), validations) << "rejected from the cache";
    EXPECT_EQ(call(*noCache_, queryPath("up"), t.id).status, 401);
    const HttpReply validate = keystone_->request("GET", "/v3/auth/tokens", keystone_->adminToken(),
                                                  "", {{"X-Subject-Token", t.id}});
    EXPECT_EQ(validate.status, 404) << validate.body;

    keystone_->setTokenExpiration(3600);
    const KeystoneToken longLived = keystone_->issueToken(keystone_->watcher());
    EXPECT_GT(KeystoneServer::parseTime(longLived.expiresAt) - std::chrono::system_clock::now(),
              std::chrono::seconds(3000));
}

}  // namespace
