// check_availability's probe (PromApiClient::checkAvailability): runtimeinfo where the server has
// it, the query `1` where it answers 400/404 (VictoriaMetrics 1.79, Aetos-like proxies), and no
// fallback for anything that says the server is down or refuses us.
#include <gtest/gtest.h>

#include "MockTransport.h"
#include "errors/DatasourceError.h"
#include "prometheus_api/PromApiClient.h"

namespace wds {
namespace {

using namespace std::chrono_literals;
using testing::_;
using testing::Field;
using testing::HasSubstr;
using testing::Return;
using testing::Throw;

constexpr const char* kRuntimeInfo = "/api/v1/status/runtimeinfo";
constexpr const char* kQueryOne = "/api/v1/query?query=1";
// What VictoriaMetrics 1.79 answers on /api/v1/status/runtimeinfo (HTTP 400, plain text).
constexpr const char* kVmUnsupported =
    "remoteAddr: \"127.0.0.1:35346\"; requestURI: /api/v1/status/runtimeinfo; unsupported path "
    "requested: \"/api/v1/status/runtimeinfo\"\n";
// Prometheus answers the query `1` with a scalar, VictoriaMetrics with a one-sample vector.
constexpr const char* kScalarOne =
    R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}})";
constexpr const char* kVectorOne =
    R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}})";

class AvailabilityProbeTest : public testing::Test {
  protected:
    PromApiClient client(int attempts = 3) {
        Logger log(
            [](void* ctx, wds_log_level level, const char* m) {
                static_cast<std::vector<std::string>*>(ctx)->push_back(std::to_string(level) + " " +
                                                                       m);
            },
            &logs);
        return PromApiClient(transport, "", RetryPolicy(attempts, 10ms, [this](auto) { ++sleeps; }),
                             5000ms, log);
    }

    void runtimeInfoAnswers(HttpResponse response) {
        EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kRuntimeInfo)))
            .WillOnce(Return(std::move(response)));
    }
    void noQuery() {
        EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kQueryOne))).Times(0);
    }

    /** The status and message of a probe that must fail. */
    DatasourceError failure(int attempts = 3) {
        try {
            client(attempts).checkAvailability();
        } catch (const DatasourceError& e) {
            return e;
        }
        ADD_FAILURE() << "checkAvailability() succeeded";
        return DatasourceError(WDS_OK, "");
    }

    std::shared_ptr<testing::NiceMock<test::MockTransport>> transport =
        std::make_shared<testing::NiceMock<test::MockTransport>>();
    std::vector<std::string> logs;
    int sleeps = 0;
};

TEST_F(AvailabilityProbeTest, RuntimeInfoIsTheProbeWhereTheServerHasIt) {
    runtimeInfoAnswers(test::ok(R"({"status":"success","data":{"storageRetention":"15d"}})"));
    noQuery();
    EXPECT_EQ(client().checkAvailability(), kRuntimeInfo);
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0],
              std::to_string(WDS_LOG_INFO) +
                  " available at http://prom.test:9090: /api/v1/status/runtimeinfo answered");
}

TEST_F(AvailabilityProbeTest, VictoriaMetrics400FallsBackToTheQueryOneAndSaysSo) {
    runtimeInfoAnswers({400, kVmUnsupported});
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kQueryOne)))
        .WillOnce(Return(test::ok(kVectorOne)));
    EXPECT_EQ(client().checkAvailability(), kQueryOne);
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0], std::to_string(WDS_LOG_INFO) +
                           " available at http://prom.test:9090: /api/v1/query?query=1 answered "
                           "(HTTP 400 from /api/v1/status/runtimeinfo)");
    EXPECT_EQ(sleeps, 0);  // a missing page is not retried
}

TEST_F(AvailabilityProbeTest, A404AlsoFallsBackAndAScalarAnswerCounts) {
    runtimeInfoAnswers({404, R"({"error_message":"page not found"})"});
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kQueryOne)))
        .WillOnce(Return(test::ok(kScalarOne)));
    EXPECT_EQ(client().checkAvailability(), kQueryOne);
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_THAT(logs[0], HasSubstr("(HTTP 404 from /api/v1/status/runtimeinfo)"));
}

TEST_F(AvailabilityProbeTest, WhenTheFallbackFailsToo_ItsErrorNamesBothProbes) {
    // E.g. a wrong root_path: every API path is missing.
    runtimeInfoAnswers({404, "404 page not found"});
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kQueryOne)))
        .WillOnce(Return(HttpResponse{404, "404 page not found"}));
    const DatasourceError e = failure();
    EXPECT_EQ(e.status(), WDS_E_PROTOCOL);
    EXPECT_THAT(e.what(), HasSubstr("HTTP 404 for availability query `1` at http://prom.test:9090 "
                                    "(after HTTP 404 from /api/v1/status/runtimeinfo)"));
    EXPECT_TRUE(logs.empty());
}

TEST_F(AvailabilityProbeTest, AnErrorEnvelopeFromTheFallbackIsNotAvailability) {
    runtimeInfoAnswers({400, kVmUnsupported});
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kQueryOne)))
        .WillOnce(Return(test::ok(R"({"status":"error","errorType":"internal","error":"boom"})")));
    EXPECT_NE(failure().status(), WDS_OK);
    EXPECT_TRUE(logs.empty());
}

TEST_F(AvailabilityProbeTest, AuthFailuresStayAuthFailuresWithoutFallback) {
    for (int status : {401, 403}) {
        runtimeInfoAnswers({status, R"({"error_message":"RBAC Authorization Failed"})"});
        noQuery();
        const DatasourceError e = failure();
        EXPECT_EQ(e.status(), WDS_E_AUTH) << status;
        EXPECT_EQ(e.httpStatus(), status);
        EXPECT_THAT(e.what(), HasSubstr("RBAC Authorization Failed"));
        testing::Mock::VerifyAndClearExpectations(transport.get());
    }
}

TEST_F(AvailabilityProbeTest, AnUnreachableServerIsUnavailableWithoutFallback) {
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kRuntimeInfo)))
        .Times(3)
        .WillRepeatedly(Throw(DatasourceError(WDS_E_UNAVAILABLE, "connection refused")));
    noQuery();
    const DatasourceError e = failure();
    EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
    EXPECT_THAT(e.what(), HasSubstr("connection refused"));
    EXPECT_THAT(e.what(), HasSubstr("after 3 attempts"));
}

TEST_F(AvailabilityProbeTest, ServerErrorsAreUnavailableWithoutFallback) {
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kRuntimeInfo)))
        .Times(2)
        .WillRepeatedly(Return(HttpResponse{503, "overloaded"}));
    noQuery();
    const DatasourceError e = failure(2);
    EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
    EXPECT_EQ(e.httpStatus(), 503);
}

TEST_F(AvailabilityProbeTest, TimeoutsAreTheAnswerWithoutFallback) {
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kRuntimeInfo)))
        .WillOnce(Throw(DatasourceError(WDS_E_TIMEOUT, "no answer within 5000 ms")));
    noQuery();
    EXPECT_EQ(failure(1).status(), WDS_E_TIMEOUT);
}

TEST_F(AvailabilityProbeTest, AServerThatLacksRuntimeInfoAndCannotQueryIsUnavailable) {
    runtimeInfoAnswers({400, kVmUnsupported});
    EXPECT_CALL(*transport, send(Field(&HttpRequest::target, kQueryOne)))
        .Times(3)
        .WillRepeatedly(Return(HttpResponse{503, "storage not ready"}));
    const DatasourceError e = failure();
    EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
    EXPECT_THAT(e.what(), HasSubstr("after HTTP 400 from /api/v1/status/runtimeinfo"));
    EXPECT_THAT(e.what(), HasSubstr("after 3 attempts"));
}

}  // namespace
}  // namespace wds
