#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "MockTransport.h"
#include "errors/DatasourceError.h"
#include "keystone/KeystoneClient.h"

namespace wds::aetos {
namespace {

using namespace std::chrono_literals;
using testing::_;
using testing::HasSubstr;
using testing::Not;
using testing::Return;

ConfigMap passwordConfig() {
    ConfigMap c;
    c.set("auth.auth_type", "password");
    c.set("auth.username", "watcher");
    c.set("auth.password", "Pw-s3cret");
    c.set("auth.user_domain_name", "Default");
    c.set("auth.project_name", "service");
    c.set("auth.project_domain_id", "default");
    return c;
}

Poco::JSON::Object::Ptr parse(const std::string& json) {
    Poco::JSON::Parser parser;
    return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

std::string configError(const ConfigMap& c) {
    try {
        KeystoneCredentials::fromConfig(c, "auth");
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_CONFIG);
        return e.what();
    }
    ADD_FAILURE() << "accepted";
    return {};
}

TEST(KeystoneCredentialsTest, PasswordBodyIsProjectScoped) {
    auto creds = KeystoneCredentials::fromConfig(passwordConfig(), "auth");
    auto auth = parse(creds.tokenRequestBody())->getObject("auth");
    auto identity = auth->getObject("identity");
    EXPECT_EQ(identity->getArray("methods")->getElement<std::string>(0), "password");
    auto user = identity->getObject("password")->getObject("user");
    EXPECT_EQ(user->getValue<std::string>("name"), "watcher");
    EXPECT_EQ(user->getValue<std::string>("password"), "Pw-s3cret");
    EXPECT_EQ(user->getObject("domain")->getValue<std::string>("name"), "Default");
    auto project = auth->getObject("scope")->getObject("project");
    EXPECT_EQ(project->getValue<std::string>("name"), "service");
    EXPECT_EQ(project->getObject("domain")->getValue<std::string>("id"), "default");
    EXPECT_THAT(creds.describe(), Not(HasSubstr("Pw-s3cret")));
    EXPECT_THAT(creds.describe(), HasSubstr("watcher"));
}

TEST(KeystoneCredentialsTest, ApplicationCredentialByIdOrByNameAndUser) {
    ConfigMap c;
    c.set("auth.auth_type", "v3applicationcredential");
    c.set("auth.application_credential_id", "ac-1");
    c.set("auth.application_credential_secret", "Ac-s3cret");
    auto creds = KeystoneCredentials::fromConfig(c, "auth");
    auto identity = parse(creds.tokenRequestBody())->getObject("auth")->getObject("identity");
    EXPECT_EQ(identity->getArray("methods")->getElement<std::string>(0), "application_credential");
    EXPECT_EQ(identity->getObject("application_credential")->getValue<std::string>("id"), "ac-1");
    EXPECT_FALSE(parse(creds.tokenRequestBody())->getObject("auth")->has("scope"));
    EXPECT_THAT(creds.describe(), Not(HasSubstr("Ac-s3cret")));

    c.set("auth.application_credential_id", "");
    c.set("auth.application_credential_name", "watcher-ac");
    EXPECT_THAT(configError(c), HasSubstr("auth.username or auth.user_id"));
    c.set("auth.user_id", "u-1");
    auto byName = parse(KeystoneCredentials::fromConfig(c, "auth").tokenRequestBody());
    auto credential =
        byName->getObject("auth")->getObject("identity")->getObject("application_credential");
    EXPECT_EQ(credential->getValue<std::string>("name"), "watcher-ac");
    EXPECT_EQ(credential->getObject("user")->getValue<std::string>("id"), "u-1");
}

TEST(KeystoneCredentialsTest, MissingOrInvalidOptionsNameTheKey) {
    ConfigMap c = passwordConfig();
    c.set("auth.auth_type", "token");
    EXPECT_THAT(configError(c), HasSubstr("auth.auth_type"));
    c = passwordConfig();
    c.set("auth.password", "");
    EXPECT_THAT(configError(c), HasSubstr("auth.password"));
    c = passwordConfig();
    c.set("auth.project_name", "");
    EXPECT_THAT(configError(c), HasSubstr("auth.project_name"));
    EXPECT_THAT(configError(ConfigMap()), HasSubstr("auth.auth_type must be set"));
}

const char* kTokenBody = R"({"token":{"expires_at":"2026-11-24T21:32:21.000000Z","catalog":[
  {"type":"identity","endpoints":[{"interface":"public","region_id":"RegionOne","url":"http://ks"}]},
  {"type":"metric-storage","endpoints":[
    {"interface":"public","region_id":"RegionOne","region":"RegionOne","url":"http://aetos1/metric-storage"},
    {"interface":"internal","region_id":"RegionOne","url":"http://aetos1-int:8080"},
    {"interface":"public","region":"RegionTwo","url":"https://[::1]:8443/"}]}]}})";

TEST(KeystoneClientTest, DecodesExpiryAndCatalog) {
    auto token = KeystoneClient::decodeToken(kTokenBody, "tok", "ks");
    EXPECT_EQ(std::chrono::system_clock::to_time_t(token.expiresAt), 1795555941);
    ASSERT_EQ(token.catalog.size(), 4u);
    EXPECT_EQ(token.catalog[3].region, "RegionTwo");  // "region" when there is no region_id
    EXPECT_THROW(KeystoneClient::decodeToken(R"({"token":{"expires_at":"soon"}})", "t", "ks"),
                 DatasourceError);
    EXPECT_THROW(KeystoneClient::decodeToken("<html>", "t", "ks"), DatasourceError);
}

TEST(KeystoneClientTest, CatalogSelectionByInterfaceAndRegion) {
    auto catalog = KeystoneClient::decodeToken(kTokenBody, "t", "ks").catalog;
    EXPECT_EQ(findEndpoint(catalog, "metric-storage", "public", ""),
              "http://aetos1/metric-storage");
    EXPECT_EQ(findEndpoint(catalog, "metric-storage", "publicURL", "RegionTwo"),
              "https://[::1]:8443/");
    EXPECT_EQ(findEndpoint(catalog, "metric-storage", "internalURL", "RegionOne"),
              "http://aetos1-int:8080");
    try {
        findEndpoint(catalog, "metric-storage", "internal", "RegionTwo");
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_CONFIG);
        EXPECT_THAT(e.what(), HasSubstr("metric-storage"));
        EXPECT_THAT(e.what(), HasSubstr("'internal'"));
        EXPECT_THAT(e.what(), HasSubstr("'RegionTwo'"));
        EXPECT_THAT(e.what(), HasSubstr("public in RegionTwo"));
    }
    try {
        findEndpoint(catalog, "metric-storage", "admin", "");
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_THAT(e.what(), HasSubstr("'admin'"));
    }
    EXPECT_THROW(findEndpoint({}, "metric-storage", "public", ""), DatasourceError);
}

class KeystoneClientRequestTest : public testing::Test {
  protected:
    std::shared_ptr<test::MockTransport> transport = std::make_shared<test::MockTransport>();
    KeystoneClient client() {
        return KeystoneClient(transport, "/identity",
                              KeystoneCredentials::fromConfig(passwordConfig(), "auth"),
                              RetryPolicy(3, 0ms, [](auto) {}), 5000ms, Logger());
    }
};

TEST_F(KeystoneClientRequestTest, PostsCredentialsAndReadsTheSubjectToken) {
    EXPECT_CALL(*transport, send(_)).WillOnce([](const HttpRequest& r) {
        EXPECT_EQ(r.method, "POST");
        EXPECT_EQ(r.target, "/identity/v3/auth/tokens");
        EXPECT_THAT(r.body, HasSubstr("Pw-s3cret"));
        EXPECT_EQ(r.responseHeaders, std::vector<std::string>{"X-Subject-Token"});
        HttpResponse response(201, kTokenBody);
        response.headers.emplace_back("X-Subject-Token", "gAAAA-token");
        return response;
    });
    EXPECT_EQ(client().issueToken().value, "gAAAA-token");
}

TEST_F(KeystoneClientRequestTest, RefusedCredentialsAreAnAuthErrorWithoutTheSecret) {
    EXPECT_CALL(*transport, send(_))
        .WillOnce(Return(HttpResponse(
            401,
            R"({"error":{"code":401,"message":"The request you have made requires authentication."}})")));
    try {
        client().issueToken();
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_AUTH);
        EXPECT_THAT(e.what(), HasSubstr("user 'watcher' in project 'service'"));
        EXPECT_THAT(e.what(), Not(HasSubstr("Pw-s3cret")));
    }
}

TEST_F(KeystoneClientRequestTest, KeystoneOutagesAreRetried) {
    HttpResponse ok(201, kTokenBody);
    ok.headers.emplace_back("X-Subject-Token", "t2");
    EXPECT_CALL(*transport, send(_)).WillOnce(Return(HttpResponse(503, ""))).WillOnce(Return(ok));
    EXPECT_EQ(client().issueToken().value, "t2");
}

TEST_F(KeystoneClientRequestTest, AMissingSubjectTokenIsAProtocolError) {
    EXPECT_CALL(*transport, send(_)).WillOnce(Return(HttpResponse(201, kTokenBody)));
    EXPECT_THROW(client().issueToken(), DatasourceError);
}

}  // namespace
}  // namespace wds::aetos
