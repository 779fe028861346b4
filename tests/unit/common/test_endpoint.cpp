#include <gtest/gtest.h>

#include "errors/DatasourceError.h"
#include "http/Endpoint.h"

namespace wds {
namespace {

Endpoint parse(const std::string& url) {
    return Endpoint::parse(url, "test.url", WDS_E_CONFIG);
}

TEST(EndpointTest, ParsesWhatKeystoneCatalogsContain) {
    Endpoint e = parse("http://localhost:1234/prometheus");
    EXPECT_EQ(e.scheme, "http");
    EXPECT_EQ(e.host, "localhost");
    EXPECT_EQ(e.port, 1234);
    EXPECT_EQ(e.rootPath, "/prometheus");
    EXPECT_EQ(e.url(), "http://localhost:1234/prometheus");

    e = parse("https://aetos.example.org/");
    EXPECT_TRUE(e.https());
    EXPECT_EQ(e.port, 443);
    EXPECT_EQ(e.rootPath, "");

    e = parse("http://[2607:5300:201:2000::654]:80/prometheus");
    EXPECT_EQ(e.host, "2607:5300:201:2000::654");
    EXPECT_EQ(e.port, 80);
    EXPECT_EQ(e.url(), "http://[2607:5300:201:2000::654]:80/prometheus");

    EXPECT_EQ(parse("http://[::1]/a/b/").rootPath, "/a/b");
    EXPECT_EQ(parse("http://10.0.0.1").port, 80);
}

TEST(EndpointTest, RefusesWhatItCannotHonour) {
    for (const char* bad :
         {"localhost:9090", "ftp://x", "http://", "http://:80", "http://h:0", "http://h:99999",
          "http://h:12ab", "http://user:pw@h/", "http://h/?q=1", "http://[::1", "http://[::1]x"}) {
        try {
            parse(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const DatasourceError& e) {
            EXPECT_EQ(e.status(), WDS_E_CONFIG);
            EXPECT_NE(std::string(e.what()).find("test.url"), std::string::npos) << e.what();
        }
    }
}

TEST(EndpointTest, RootPathNormalisation) {
    EXPECT_EQ(Endpoint::normalizeRootPath("prometheus/"), "/prometheus");
    EXPECT_EQ(Endpoint::normalizeRootPath("//a//"), "/a");
    EXPECT_EQ(Endpoint::normalizeRootPath("/"), "");
}

}  // namespace
}  // namespace wds
