#include <gtest/gtest.h>

#include "retry/RetryPolicy.h"

namespace wds {
namespace {

using namespace std::chrono_literals;

struct Recorder {
    std::vector<std::chrono::milliseconds> sleeps;
    RetryPolicy policy(int attempts, std::chrono::milliseconds interval) {
        return RetryPolicy(attempts, interval, [this](auto d) { sleeps.push_back(d); });
    }
};

TEST(RetryPolicyTest, RetriesRetryableFailuresWithoutSleepingAfterTheLast) {
    Recorder r;
    int calls = 0;
    try {
        r.policy(3, 250ms).run("x", Logger(), [&]() -> int {
            ++calls;
            throw DatasourceError(WDS_E_UNAVAILABLE, "connection refused");
        });
        FAIL();
    } catch (const DatasourceError& e) {
        EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
        EXPECT_STREQ(e.what(), "connection refused (after 3 attempts)");
    }
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(r.sleeps, (std::vector<std::chrono::milliseconds>{250ms, 250ms}));
}

TEST(RetryPolicyTest, SucceedsAfterTransientFailures) {
    Recorder r;
    int calls = 0;
    int value = r.policy(5, 0ms).run("x", Logger(), [&] {
        if (++calls < 3)
            throw DatasourceError(WDS_E_TIMEOUT, "slow", 0);
        return 42;
    });
    EXPECT_EQ(value, 42);
    EXPECT_EQ(calls, 3);
}

TEST(RetryPolicyTest, NonRetryableFailuresFailAtOnce) {
    for (wds_status status : {WDS_E_PROTOCOL, WDS_E_AUTH, WDS_E_TLS, WDS_E_INVALID_ARGUMENT}) {
        Recorder r;
        int calls = 0;
        try {
            r.policy(10, 1000ms).run("x", Logger(), [&]() -> int {
                ++calls;
                throw DatasourceError(status, "no", 400);
            });
        } catch (const DatasourceError& e) {
            EXPECT_EQ(e.status(), status);
            EXPECT_EQ(e.httpStatus(), 400);
            EXPECT_STREQ(e.what(), "no");
        }
        EXPECT_EQ(calls, 1);
        EXPECT_TRUE(r.sleeps.empty());
    }
}

TEST(RetryPolicyTest, AtLeastOneAttempt) {
    Recorder r;
    EXPECT_EQ(r.policy(0, 0ms).maxAttempts(), 1);
    EXPECT_EQ(r.policy(-3, -5ms).interval(), 0ms);
}

}  // namespace
}  // namespace wds
