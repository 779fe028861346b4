#include <cstdio>

#include <gtest/gtest.h>

#include "MockTransport.h"
#include "errors/DatasourceError.h"
#include "http/PercentEncoding.h"
#include "prometheus_api/PromApiClient.h"

namespace wds {
namespace {

using namespace std::chrono_literals;
using testing::_;
using testing::Field;
using testing::Return;
using testing::Throw;

class PromApiClientTest : public testing::Test {
  protected:
    std::shared_ptr<test::MockTransport> transport = std::make_shared<test::MockTransport>();
    std::vector<std::chrono::milliseconds> sleeps;

    PromApiClient client(int attempts = 3, std::string root = "") {
        return PromApiClient(transport, root,
                             RetryPolicy(attempts, 10ms, [this](auto d) { sleeps.push_back(d); }),
                             5000ms, Logger());
    }
};

TEST_F(PromApiClientTest, QueryIsPercentEncodedWithTimeAndTimeout) {
    EXPECT_CALL(*transport,
                send(Field(&HttpRequest::target,
                           "/prom/api/v1/query?query=up%7Bfqdn%3D%27a%20b%27%7D%20%2B%201"
                           "&time=1700000000.050&timeout=2000ms")))
        .WillOnce(Return(test::ok(test::vectorBody({"3"}))));
    auto samples = client(3, "/prom").instantQuery("up{fqdn='a b'} + 1", 1700000000050, 2000ms);
    ASSERT_EQ(samples.size(), 1u);
    EXPECT_EQ(samples[0].value, 3.0);
}

TEST_F(PromApiClientTest, NoTimeParameterMeansServerNowAndDefaultTimeoutApplies) {
    EXPECT_CALL(
        *transport,
        send(testing::AllOf(Field(&HttpRequest::target, "/api/v1/query?query=up&timeout=5000ms"),
                            Field(&HttpRequest::timeout, 5000ms))))
        .WillOnce(Return(test::ok(test::vectorBody({}))));
    EXPECT_TRUE(client().instantQuery("up", 0, 0ms).empty());
}

TEST_F(PromApiClientTest, ServerErrorsAreRetriedThenSucceed) {
    EXPECT_CALL(*transport, send(_))
        .WillOnce(Return(HttpResponse{503, "overloaded"}))
        .WillOnce(Throw(DatasourceError(WDS_E_UNAVAILABLE, "connection reset")))
        .WillOnce(Return(test::ok(test::vectorBody({"1"}))));
    EXPECT_EQ(client().instantQuery("up", 0, 0ms).size(), 1u);
    EXPECT_EQ(sleeps.size(), 2u);
}

TEST_F(PromApiClientTest, TooManyRequestsIsRetriedAndReportedAsUnavailable) {
    EXPECT_CALL(*transport, send(_)).Times(3).WillRepeatedly(Return(HttpResponse{429, ""}));
    try {
        client().instantQuery("up", 0, 0ms);
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
        EXPECT_EQ(e.httpStatus(), 429);
        EXPECT_NE(std::string(e.what()).find("after 3 attempts"), std::string::npos);
    }
}

TEST_F(PromApiClientTest, BadQueriesAreNotRetriedAndCarryTheServerText) {
    EXPECT_CALL(*transport, send(_))
        .WillOnce(Return(HttpResponse{
            400, R"({"status":"error","errorType":"bad_data","error":"1:5: parse error"})"}));
    try {
        client().instantQuery("up{", 0, 0ms);
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_PROTOCOL);
        EXPECT_EQ(e.httpStatus(), 400);
        EXPECT_NE(std::string(e.what()).find("HTTP 400"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("1:5: parse error"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("up{"), std::string::npos);
    }
    EXPECT_TRUE(sleeps.empty());
}

TEST_F(PromApiClientTest, AuthFailuresAreNotRetried) {
    EXPECT_CALL(*transport, send(_))
        .WillOnce(Return(HttpResponse{403, R"({"error_message":"RBAC"})"}));
    try {
        client().checkAvailability();
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_AUTH);
        EXPECT_NE(std::string(e.what()).find("RBAC"), std::string::npos);
    }
}

TEST_F(PromApiClientTest, OtherEndpoints) {
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, "/api/v1/targets?state=active")))
        .WillOnce(Return(test::ok(test::targetsBody({"a.b"}))));
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, "/api/v1/label/__name__/values")))
        .WillOnce(Return(test::ok(R"({"status":"success","data":["up"]})")));
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, "/api/v1/status/runtimeinfo")))
        .WillOnce(Return(test::ok(R"({"status":"success","data":{}})")));
    auto c = client();
    EXPECT_EQ(c.activeTargetLabelValues("fqdn"), std::vector<std::string>{"a.b"});
    EXPECT_EQ(c.labelValues("__name__"), std::vector<std::string>{"up"});
    EXPECT_EQ(c.checkAvailability(), "/api/v1/status/runtimeinfo");
}

TEST_F(PromApiClientTest, LabelValuesOfASeriesInAWindowAreEncodedAndRetried) {
    const std::string target =
        "/prom/api/v1/label/resource/values?match%5B%5D=ceilometer_cpu%7B"
        "resource%21%3D%27%27%7D&start=1699999700.000&end=1700000000.500";
    EXPECT_CALL(*transport, send(testing::AllOf(Field(&HttpRequest::target, target),
                                                Field(&HttpRequest::timeout, 1500ms))))
        .WillOnce(Return(HttpResponse{503, "overloaded"}))
        .WillOnce(Throw(DatasourceError(WDS_E_UNAVAILABLE, "connection reset")))
        .WillOnce(Return(test::ok(R"({"status":"success","data":["b","a"]})")));
    EXPECT_EQ(client(3, "/prom")
                  .labelValues("resource", "ceilometer_cpu{resource!=''}", 1699999700000,
                               1700000000500, 1500ms),
              (std::vector<std::string>{"b", "a"}));  // as the backend answers
    EXPECT_EQ(sleeps.size(), 2u);

    EXPECT_CALL(*transport, send(Field(&HttpRequest::timeout, 5000ms)))
        .WillOnce(Return(HttpResponse{403, R"({"status":"error","error":"forbidden"})"}));
    try {
        client().labelValues("resource", "up", 0, 1000, 0ms);
        ADD_FAILURE() << "a 403 answered";
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_AUTH);  // not retried: one request
        EXPECT_NE(std::string(e.what()).find("values of label resource on `up`"),
                  std::string::npos);
    }
}

TEST(PromApiClientStatic, Formatting) {
    EXPECT_EQ(PromApiClient::formatTime(1700000000000), "1700000000.000");
    EXPECT_EQ(PromApiClient::formatTime(1700000000007), "1700000000.007");
    EXPECT_EQ(PromApiClient::formatTime(1700000000123), "1700000000.123");
    EXPECT_EQ(percentEncode("a-Z_0.~ +&=/%"), "a-Z_0.~%20%2B%26%3D%2F%25");
    EXPECT_EQ(percentEncode("\xc3\xa9"), "%C3%A9");
}

TEST(PromApiClientStatic, PercentEncodingOfEveryByte) {
    const std::string unreserved =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    std::string out = "prefix=";
    for (int byte = 0; byte < 256; ++byte) {
        const char c = static_cast<char>(byte);
        appendPercentEncoded(out, std::string(1, c));
        if (unreserved.find(c) != std::string::npos) {
            EXPECT_EQ(out.back(), c) << byte;
        } else {
            char expected[4];
            std::snprintf(expected, sizeof expected, "%%%02X", byte);
            EXPECT_EQ(out.substr(out.size() - 3), expected) << byte;
        }
    }
    EXPECT_EQ(out.substr(0, 7), "prefix=") << "appending keeps what was there";
    EXPECT_EQ(out.size(), 7 + unreserved.size() + 3 * (256 - unreserved.size()));
}

}  // namespace
}  // namespace wds
