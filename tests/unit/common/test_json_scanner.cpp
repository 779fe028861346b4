#include <gtest/gtest.h>

#include "MockTransport.h"
#include "errors/DatasourceError.h"
#include "json/JsonScanner.h"
#include "json/PromResponse.h"

namespace wds {
namespace {

TEST(JsonScannerTest, StringsWithEveryEscape) {
    JsonScanner json(R"("a\"b\\c\/d\n\t\u00e9\u20ac\ud83d\ude00")");
    EXPECT_EQ(json.readString(), "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    json.expectEnd();
}

TEST(JsonScannerTest, MalformedInputThrows) {
    for (const char* bad : {R"("abc)", R"("\x")", R"("\ud83d")", R"("\ude00")", R"("\u12")", "tru",
                            "{\"a\" 1}", "[1,]x", "{\"a\":1} trailing"}) {
        JsonScanner json(bad);
        EXPECT_THROW(
            {
                json.skipValue();
                json.expectEnd();
            },
            JsonScanner::Error)
            << bad;
    }
}

TEST(JsonScannerTest, NestingIsBounded) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    JsonScanner json(deep);
    EXPECT_THROW(json.skipValue(), JsonScanner::Error);  // no stack overflow
}

TEST(PromResponseScannerTest, KeyOrderDoesNotMatter) {
    const std::string body =
        R"({"data":{"result":[{"value":[1700000000.5,"2.5"],"metric":{"fqdn":"h"}}],)"
        R"("resultType":"vector"},"warnings":["w"],"status":"success"})";
    auto samples = promjson::decodeInstantVector(body, "q", Logger());
    ASSERT_EQ(samples.size(), 1u);
    EXPECT_EQ(samples[0].value, 2.5);
    EXPECT_EQ(samples[0].labels.at("fqdn"), "h");
}

TEST(PromResponseScannerTest, ManyTargetsWithDroppedOnesSkipped) {
    std::string body = R"({"status":"success","data":{"activeTargets":[)";
    for (int i = 0; i < 10000; ++i) {
        if (i)
            body += ",";
        body +=
            R"({"discoveredLabels":{"__address__":"10.0.0.1:9100","fqdn":"x"},"labels":{"instance":"i",)"
            R"("fqdn":"host-)" +
            std::to_string(i) +
            R"(.example","job":"node"},"health":"down",)"
            R"("lastError":"dial tcp: connection refused","lastScrape":"2026-11-24T20:00:00Z"})";
    }
    body += R"(],"droppedTargets":[{"discoveredLabels":{"fqdn":"dropped"}}]}})";
    auto values = promjson::decodeTargetLabelValues(body, "fqdn", "t", Logger());
    ASSERT_EQ(values.size(), 10000u);
    EXPECT_EQ(values.front(), "host-0.example");
    EXPECT_EQ(values.back(), "host-9999.example");
}

}  // namespace
}  // namespace wds
