#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "labels/HostLabelMap.h"

namespace wds {
namespace {

using namespace std::chrono_literals;

struct FakeTargets {
    std::vector<std::string> values;
    std::map<std::string, std::string> conflicts{};
    std::atomic<int> fetches{0};
    std::chrono::steady_clock::time_point now{};

    HostLabelMap make(std::chrono::milliseconds interval = 60s) {
        return HostLabelMap(
            "fqdn",
            [this] {
                ++fetches;
                return HostLabelValues{values, conflicts};
            },
            interval, Logger(), [this] { return now; });
    }
};

TEST(HostLabelMapTest, ExactThenShortName) {
    FakeTargets targets{{"compute-1.example.org", "controller", "10.1.2.3"}};
    HostLabelMap map = targets.make();
    map.load();
    EXPECT_EQ(map.resolve("compute-1.example.org"), "compute-1.example.org");
    EXPECT_EQ(map.resolve("compute-1"), "compute-1.example.org");
    EXPECT_EQ(map.resolve("controller"), "controller");
    EXPECT_EQ(map.resolve("10.1.2.3"), "10.1.2.3");
    // An IP address has no short name, and matching is case-sensitive as in Watcher.
    EXPECT_EQ(map.resolve("10"), std::nullopt);
    EXPECT_EQ(map.resolve("Compute-1"), std::nullopt);
}

TEST(HostLabelMapTest, AmbiguousShortNamesResolveDeterministically) {
    FakeTargets targets{{"node.b.example", "node.a.example"}};
    HostLabelMap map = targets.make();
    map.load();
    EXPECT_EQ(map.resolve("node"), "node.a.example");
}

TEST(HostLabelMapTest, ConflictsAreKeptPerValueAndReplacedByARefresh) {
    FakeTargets targets{{"a.example", "b.example"}, {{"b.example", "two sources"}}};
    HostLabelMap map = targets.make(60s);
    map.load();
    EXPECT_EQ(map.resolve("b"), "b.example");  // it resolves; the caller asks conflict()
    EXPECT_EQ(map.conflict("b.example"), "two sources");
    EXPECT_EQ(map.conflict("a.example"), std::nullopt);
    EXPECT_EQ(map.conflict("b"), std::nullopt);  // keyed by label value, not host name

    targets.conflicts.clear();  // the shards were fixed
    targets.now += 61s;
    EXPECT_EQ(map.resolve("missing"), std::nullopt);
    EXPECT_EQ(map.conflict("b.example"), std::nullopt);
}

TEST(HostLabelMapTest, MissRefreshesAtMostOncePerInterval) {
    FakeTargets targets{{"a.example"}};
    HostLabelMap map = targets.make(60s);
    map.load();
    EXPECT_EQ(targets.fetches, 1);

    targets.now += 61s;
    targets.values.push_back("new.example");
    EXPECT_EQ(map.resolve("new"), "new.example");  // refreshed once
    EXPECT_EQ(targets.fetches, 2);

    EXPECT_EQ(map.resolve("missing"), std::nullopt);  // within the interval: no fetch
    EXPECT_EQ(map.resolve("missing"), std::nullopt);
    EXPECT_EQ(targets.fetches, 2);

    targets.now += 61s;
    EXPECT_EQ(map.resolve("missing"), std::nullopt);
    EXPECT_EQ(targets.fetches, 3);
    EXPECT_EQ(map.labelValues(), (std::vector<std::string>{"a.example", "new.example"}));
}

TEST(HostLabelMapTest, AnEmptyTargetListNeverReplacesKnownHosts) {
    FakeTargets targets{{"a.example", "b.example"}};
    HostLabelMap map = targets.make(60s);
    map.load();
    targets.values.clear();  // a restarting server that has not listed its targets yet
    targets.now += 61s;
    EXPECT_EQ(map.resolve("missing"), std::nullopt);
    EXPECT_EQ(targets.fetches, 2);
    EXPECT_FALSE(map.empty());
    EXPECT_EQ(map.resolve("a"), "a.example");  // still known
}

TEST(HostLabelMapTest, AnEmptyMapRefetchesOnMissesEverySecond) {
    FakeTargets targets{{}};
    HostLabelMap map = targets.make(60s);
    map.load();  // created while the server lists no targets
    EXPECT_TRUE(map.empty());
    EXPECT_EQ(map.resolve("a"), std::nullopt);  // within a second of the load: no fetch
    EXPECT_EQ(targets.fetches, 1);
    targets.values = {"a.example"};
    targets.now += 1s;
    EXPECT_EQ(map.resolve("a"), "a.example");  // not 60 s later
    EXPECT_EQ(targets.fetches, 2);
    EXPECT_FALSE(map.empty());
}

TEST(HostLabelMapTest, ConcurrentMissesShareOneRefresh) {
    FakeTargets targets{{"a.example"}};
    std::atomic<int> fetches{0};
    HostLabelMap map(
        "fqdn",
        [&] {
            ++fetches;
            std::this_thread::sleep_for(50ms);
            return HostLabelValues{{"a.example", "late.example"}, {}};
        },
        0ms, Logger());
    map.load();
    fetches = 0;
    std::vector<std::thread> threads;
    std::atomic<int> found{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            if (map.resolve("late"))
                ++found;
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(found, 8);
    // Threads that queued behind the first refresh reuse its result instead of fetching again.
    EXPECT_LT(fetches, 8);
}

TEST(HostLabelMapTest, FetchErrorsPropagate) {
    HostLabelMap map(
        "fqdn", []() -> HostLabelValues { throw std::runtime_error("down"); }, 0ms, Logger());
    EXPECT_THROW(map.load(), std::runtime_error);
}

}  // namespace
}  // namespace wds
