#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "MockTransport.h"
#include "TokenAuthTransport.h"
#include "keystone/TokenCache.h"

namespace wds::aetos {
namespace {

using namespace std::chrono_literals;
using testing::_;
using testing::Return;
using Clock = std::chrono::system_clock;

struct FakeKeystone {
    std::atomic<int> issued{0};
    Clock::time_point now = Clock::time_point(std::chrono::hours(500000));
    std::chrono::seconds life{3600};

    KeystoneToken issue() {
        KeystoneToken t;
        t.value = "token-" + std::to_string(++issued);
        t.issuedAt = now;
        t.expiresAt = now + life;
        return t;
    }
    std::shared_ptr<TokenCache> cache() {
        auto c = std::make_shared<TokenCache>([this] { return issue(); }, Logger(),
                                              [this] { return now; });
        c->prime(issue());
        return c;
    }
};

TEST(TokenCacheTest, ReusesTheTokenUntilShortlyBeforeItExpires) {
    FakeKeystone ks;
    auto cache = ks.cache();
    EXPECT_EQ(cache->token(), "token-1");
    ks.now += 3600s - 2min - 1s;  // margin: min(life/4, 2 min)
    EXPECT_EQ(cache->token(), "token-1");
    ks.now += 2s;
    EXPECT_EQ(cache->token(), "token-2");
    EXPECT_EQ(ks.issued, 2);
}

TEST(TokenCacheTest, ShortLivedTokensRenewAtThreeQuartersOfTheirLife) {
    FakeKeystone ks;
    ks.life = 20s;
    auto cache = ks.cache();
    ks.now += 14s;
    EXPECT_EQ(cache->token(), "token-1");
    ks.now += 2s;
    EXPECT_EQ(cache->token(), "token-2");
}

TEST(TokenCacheTest, ConcurrentRejectionsOfOneTokenRenewOnce) {
    FakeKeystone ks;
    auto cache = ks.cache();
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] { EXPECT_EQ(cache->renewAfterRejection("token-1"), "token-2"); });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(ks.issued, 2);
}

TEST(TokenAuthTransportTest, SendsTheTokenAndRetriesOnceAfterA401) {
    FakeKeystone ks;
    auto inner = std::make_shared<test::MockTransport>();
    TokenAuthTransport transport(inner, ks.cache());
    std::vector<std::string> seen;
    EXPECT_CALL(*inner, send(_))
        .WillOnce([&](const HttpRequest& r) {
            seen.push_back(r.headers.back().second);
            return HttpResponse(401, "{}");
        })
        .WillOnce([&](const HttpRequest& r) {
            seen.push_back(r.headers.back().second);
            return HttpResponse(200, "ok");
        });
    HttpRequest request;
    request.target = "/api/v1/query?query=up";
    EXPECT_EQ(transport.send(request).status, 200);
    EXPECT_EQ(seen, (std::vector<std::string>{"token-1", "token-2"}));
    EXPECT_TRUE(request.headers.empty());  // the caller's request is not modified
}

TEST(TokenAuthTransportTest, ASecond401GoesBackToTheCaller) {
    FakeKeystone ks;
    auto inner = std::make_shared<test::MockTransport>();
    TokenAuthTransport transport(inner, ks.cache());
    EXPECT_CALL(*inner, send(_)).Times(2).WillRepeatedly(Return(HttpResponse(401, "{}")));
    EXPECT_EQ(transport.send(HttpRequest()).status, 401);
    EXPECT_EQ(ks.issued, 2);  // one re-authentication, not a loop
}

}  // namespace
}  // namespace wds::aetos
