#include <cmath>

#include <gtest/gtest.h>

#include "MockTransport.h"
#include "errors/DatasourceError.h"
#include "json/PromResponse.h"

namespace wds::promjson {
namespace {

wds_status statusOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const DatasourceError& e) {
        return e.status();
    }
    return WDS_OK;
}

TEST(PromResponseTest, DecodesAVector) {
    auto samples =
        decodeInstantVector(test::vectorBody({"1.5", "0", "NaN", "+Inf", "-Inf"}), "q", Logger());
    ASSERT_EQ(samples.size(), 5u);
    EXPECT_DOUBLE_EQ(samples[0].value, 1.5);
    EXPECT_DOUBLE_EQ(samples[0].timestampS, 1700000000.5);
    EXPECT_EQ(samples[0].labels.at("resource"), "0");
    EXPECT_EQ(samples[1].value, 0.0);
    EXPECT_TRUE(std::isnan(samples[2].value));
    EXPECT_TRUE(std::isinf(samples[3].value) && samples[3].value > 0);
    EXPECT_TRUE(std::isinf(samples[4].value) && samples[4].value < 0);
}

TEST(PromResponseTest, IntegralTimestampsAndEmptyVectors) {
    const std::string body =
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"2"]}]}})";
    EXPECT_DOUBLE_EQ(decodeInstantVector(body, "q", Logger())[0].timestampS, 1700000000.0);
    EXPECT_TRUE(decodeInstantVector(test::vectorBody({}), "q", Logger()).empty());
}

TEST(PromResponseTest, DecodesAMatrix) {
    auto series = decodeMatrix(test::matrixBody({{{1700000000, "1.5"}, {1700000060, "NaN"}}, {}}),
                               "q", Logger());
    ASSERT_EQ(series.size(), 2u);
    ASSERT_EQ(series[0].points.size(), 2u);
    EXPECT_DOUBLE_EQ(series[0].points[0].timestampS, 1700000000.0);
    EXPECT_EQ(series[0].points[0].value, 1.5);
    EXPECT_TRUE(std::isnan(series[0].points[1].value));
    EXPECT_TRUE(series[1].points.empty());
    // A vector where a matrix was expected, and the other way round.
    EXPECT_EQ(statusOf([] { decodeMatrix(test::vectorBody({"1"}), "q", Logger()); }),
              WDS_E_PROTOCOL);
    EXPECT_EQ(
        statusOf([] {
            decodeMatrix(
                R"({"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}})",
                "q", Logger());
        }),
        WDS_E_PROTOCOL);
}

TEST(PromResponseTest, WrongShapesAreProtocolErrors) {
    const char* bodies[] = {
        "<html>Bad gateway</html>",
        "",
        R"([1,2])",
        R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})",
        R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
        R"({"status":"success","data":{"resultType":"scalar","result":[1,"2"]}})",
        R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"abc"]}]}})",
        R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}})",
        R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1]}]}})",
        R"({"status":"success","data":{"resultType":"vector"}})",
        R"({"status":"success"})",
    };
    for (const char* body : bodies) {
        EXPECT_EQ(statusOf([&] { decodeInstantVector(body, "q", Logger()); }), WDS_E_PROTOCOL)
            << body;
    }
}

TEST(PromResponseTest, ErrorMessagesCarryTheServerText) {
    try {
        decodeInstantVector(R"({"status":"error","error":"parse error at char 3"})", "query `x`",
                            Logger());
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_NE(std::string(e.what()).find("parse error at char 3"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("query `x`"), std::string::npos);
    }
    EXPECT_EQ(errorText(R"({"error_message":"RBAC Authorization Failed"})"),
              "RBAC Authorization Failed");
    EXPECT_EQ(
        errorText(
            R"({"error_message":{"faultcode":"Client","faultstring":"RBAC Authorization Failed","debuginfo":null}})"),
        "RBAC Authorization Failed");
    EXPECT_EQ(
        errorText(
            R"({"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}})"),
        "The request you have made requires authentication.");
    EXPECT_EQ(errorText("<h1>502</h1>\n"), "<h1>502</h1> ");
    EXPECT_EQ(errorText(""), "empty body");
    EXPECT_LE(errorText(std::string(10000, 'x')).size(), 210u);
}

TEST(PromResponseTest, WarningsAreLogged) {
    std::vector<std::string> lines;
    Logger log([](void* ctx, wds_log_level,
                  const char* m) { static_cast<std::vector<std::string>*>(ctx)->push_back(m); },
               &lines);
    decodeInstantVector(
        R"({"status":"success","warnings":["partial response"],"data":{"resultType":"vector","result":[]}})",
        "q", log);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("partial response"), std::string::npos);
}

TEST(PromResponseTest, TargetsAndLabelValues) {
    auto values =
        decodeTargetLabelValues(test::targetsBody({"a.example", "b"}), "fqdn", "t", Logger());
    EXPECT_EQ(values, (std::vector<std::string>{"a.example", "b"}));
    EXPECT_TRUE(decodeTargetLabelValues(test::targetsBody({"a"}), "host", "t", Logger()).empty());
    EXPECT_EQ(decodeStringList(R"({"status":"success","data":["up","node_load1"]})", "l", Logger()),
              (std::vector<std::string>{"up", "node_load1"}));
}

TEST(PromResponseTest, SampleValuesAreLocaleIndependent) {
    double v = 0;
    EXPECT_TRUE(parseSampleValue("1e-3", v));
    EXPECT_DOUBLE_EQ(v, 0.001);
    EXPECT_FALSE(parseSampleValue("1,5", v));
    EXPECT_FALSE(parseSampleValue("", v));
    EXPECT_FALSE(parseSampleValue("1.5x", v));
}

}  // namespace
}  // namespace wds::promjson
