// Smoke test of the real-server fixtures: Prometheus with the backfilled data set, a live node
// exporter, stop/restart. Checks use raw HTTP + Poco::JSON only (no plugin code).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "servers/ChildProcess.h"
#include "servers/Dataset.h"
#include "servers/NodeExporter.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"

namespace {

using wds::testing::Dataset;
using wds::testing::PrometheusServer;

const char* const kLiveFqdn = "live-node.test";

// Instant query; returns the sample values of the result vector (empty = no data).
std::vector<double> query(const PrometheusServer& prom, const std::string& promql,
                          std::optional<int64_t> evalS = std::nullopt) {
    Poco::URI uri("/api/v1/query");
    uri.addQueryParameter("query", promql);
    if (evalS) {
        uri.addQueryParameter("time", std::to_string(*evalS));
    }
    const auto resp = prom.get(uri.getPathAndQuery());
    if (resp.status != 200) {
        ADD_FAILURE() << promql << " -> HTTP " << resp.status << ": " << resp.body;
        return {};
    }
    Poco::JSON::Parser parser;
    const auto root = parser.parse(resp.body).extract<Poco::JSON::Object::Ptr>();
    const auto data = root->getObject("data");
    EXPECT_EQ(data->getValue<std::string>("resultType"), "vector") << promql;
    std::vector<double> out;
    const auto result = data->getArray("result");
    for (std::size_t i = 0; i < result->size(); ++i) {
        const auto value = result->getObject(i)->getArray("value");
        out.push_back(std::stod(value->getElement<std::string>(1)));
    }
    return out;
}

// Relative 1e-6; an expected 0.0 must come back exactly.
void expectClose(double actual, double expected, const std::string& what) {
    EXPECT_NEAR(actual, expected, 1e-6 * std::fabs(expected)) << what;
}

class ServersTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<wds::testing::TempDir>("wds-test-servers-");
        node_ = std::make_unique<wds::testing::NodeExporter>();
        node_->start();
        auto options = Dataset::prometheusOptions(dir_->file("dataset.om"));
        options.targets.push_back({node_->address(), "node-live", {{"fqdn", kLiveFqdn}}, 1});
        prom_ = std::make_unique<PrometheusServer>(options);
        prom_->start();
    }
    static void TearDownTestSuite() {
        prom_.reset();
        node_.reset();
        dir_.reset();
    }

    static std::unique_ptr<wds::testing::TempDir> dir_;
    static std::unique_ptr<wds::testing::NodeExporter> node_;
    static std::unique_ptr<PrometheusServer> prom_;
};

std::unique_ptr<wds::testing::TempDir> ServersTest::dir_;
std::unique_ptr<wds::testing::NodeExporter> ServersTest::node_;
std::unique_ptr<PrometheusServer> ServersTest::prom_;

const std::vector<std::string> kAggregates = {"mean", "min", "max"};
// (period, eval) pairs: the whole 4 h range, windows at both ends and in the middle.
const std::vector<std::pair<int64_t, int64_t>> kWindows = {
    {15, Dataset::kEnd},          {300, Dataset::kEnd},      {600, Dataset::kEnd - 3600},
    {900, Dataset::kStart + 900}, {4 * 3600, Dataset::kEnd},
};

TEST_F(ServersTest, ActiveTargetsListEveryFqdn) {
    const auto resp = prom_->get("/api/v1/targets?state=active");
    ASSERT_EQ(resp.status, 200) << resp.body;
    Poco::JSON::Parser parser;
    const auto root = parser.parse(resp.body).extract<Poco::JSON::Object::Ptr>();
    const auto active = root->getObject("data")->getArray("activeTargets");
    std::set<std::string> fqdns;
    for (std::size_t i = 0; i < active->size(); ++i) {
        fqdns.insert(active->getObject(i)->getObject("labels")->getValue<std::string>("fqdn"));
    }
    for (const auto& host : Dataset::hostNames()) {
        EXPECT_TRUE(fqdns.count(host)) << host << " missing in " << resp.body;
    }
    EXPECT_TRUE(fqdns.count(kLiveFqdn));
}

TEST_F(ServersTest, HostQueriesMatchClosedForm) {
    for (const auto& host : Dataset::hostNames()) {
        for (const auto& agg : kAggregates) {
            for (const auto& [period, eval] : kWindows) {
                const std::string where = host + " " + agg + " P=" + std::to_string(period) +
                                          " t=" + std::to_string(eval);
                auto cpu = query(*prom_, Dataset::hostCpuQuery(host, agg, period), eval);
                ASSERT_EQ(cpu.size(), 1u) << "cpu " << where;
                expectClose(cpu[0], Dataset::hostCpuUsage(host, agg, period, eval), "cpu " + where);

                // compute-2 has two exporters, so two identical RAM series.
                auto ram = query(*prom_, Dataset::hostRamQuery(host, agg, period), eval);
                ASSERT_EQ(ram.size(), host == Dataset::kDuplicateHost ? 2u : 1u) << "ram " << where;
                for (double v : ram) {
                    expectClose(v, Dataset::hostRamUsageKiB(host, agg, period, eval),
                                "ram " + where);
                }
            }
        }
    }
    // Exact zeros.
    EXPECT_EQ(query(*prom_, Dataset::hostCpuQuery("controller", "mean", 300), Dataset::kEnd),
              std::vector<double>{0.0});
    EXPECT_EQ(query(*prom_, Dataset::hostRamQuery("controller", "mean", 300), Dataset::kEnd),
              std::vector<double>{0.0});
    // Exact match only: the short name of a dotted host has no data.
    EXPECT_TRUE(
        query(*prom_, Dataset::hostCpuQuery("compute-0", "mean", 300), Dataset::kEnd).empty());
}

TEST_F(ServersTest, InstanceQueriesMatchClosedForm) {
    for (const auto& uuid : Dataset::instanceUuids()) {
        for (const auto& agg : kAggregates) {
            for (const auto& [period, eval] : kWindows) {
                const std::string where = uuid + " " + agg + " P=" + std::to_string(period) +
                                          " t=" + std::to_string(eval);
                if (!Dataset::hasData(uuid)) {
                    EXPECT_TRUE(query(*prom_, Dataset::instanceCpuQuery(uuid, agg, period, 1), eval)
                                    .empty())
                        << where;
                    EXPECT_TRUE(
                        query(*prom_, Dataset::instanceRamQuery(uuid, agg, period), eval).empty())
                        << where;
                    continue;
                }
                for (int vcpus : {1, 2, 4}) {
                    auto cpu =
                        query(*prom_, Dataset::instanceCpuQuery(uuid, agg, period, vcpus), eval);
                    ASSERT_EQ(cpu.size(), 1u) << "cpu " << where;
                    expectClose(cpu[0], Dataset::instanceCpuUsage(uuid, agg, period, eval, vcpus),
                                "cpu vcpus=" + std::to_string(vcpus) + " " + where);
                }
                // One value per series (no `by`): compare as sets, then the aggregate.
                auto ram = query(*prom_, Dataset::instanceRamQuery(uuid, agg, period), eval);
                auto expected = Dataset::instanceRamUsageSeriesMB(uuid, agg, period, eval);
                ASSERT_EQ(ram.size(), expected.size()) << "ram " << where;
                std::sort(ram.begin(), ram.end());
                std::sort(expected.begin(), expected.end());
                for (std::size_t i = 0; i < ram.size(); ++i) {
                    expectClose(ram[i], expected[i], "ram " + where);
                }
                const double aggregated = agg == "min" ? ram.front()
                                          : agg == "max"
                                              ? ram.back()
                                              : std::accumulate(ram.begin(), ram.end(), 0.0) /
                                                    static_cast<double>(ram.size());
                expectClose(aggregated, Dataset::instanceRamUsageMB(uuid, agg, period, eval),
                            "ram aggregate " + where);
            }
        }
    }
    const std::string i4 = "44444444-4444-4444-8444-444444444444";
    EXPECT_EQ(query(*prom_, Dataset::instanceCpuQuery(i4, "mean", 300, 2), Dataset::kEnd),
              std::vector<double>{0.0});
    EXPECT_EQ(query(*prom_, Dataset::instanceRamQuery(i4, "mean", 300), Dataset::kEnd),
              std::vector<double>{0.0});
}

TEST_F(ServersTest, LiveNodeExporterIsScraped) {
    const std::string q =
        "rate(node_cpu_seconds_total{fqdn=\"" + std::string(kLiveFqdn) + "\",mode=\"idle\"}[10s])";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::vector<double> values;
    while ((values = query(*prom_, q)).empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_FALSE(values.empty()) << "no live data; node exporter log:\n" << node_->logTail();
    for (double v : values) {
        EXPECT_GE(v, 0.0);
    }
}

// Closed forms without a server: the hand-computed self-checks and argument validation.
TEST(DatasetTest, SelfChecksAndBadArguments) {
    const int64_t e = Dataset::kEnd;
    const std::string c0 = "compute-0.cloud.example";
    EXPECT_DOUBLE_EQ(Dataset::hostCpuUsage(c0, "mean", 300, e), 20.0);
    EXPECT_DOUBLE_EQ(Dataset::hostCpuUsage(c0, "max", 300, e), 10.0);
    EXPECT_DOUBLE_EQ(Dataset::hostCpuUsage(c0, "min", 300, e), 30.0);
    EXPECT_EQ(Dataset::hostCpuUsage("controller", "mean", 300, e), 0.0);
    EXPECT_EQ(Dataset::hostRamUsageKiB("controller", "max", 300, e), 0.0);
    // compute-0 MemAvailable falls 4096 B/s: mean is taken at eval - P/2.
    EXPECT_DOUBLE_EQ(Dataset::hostRamUsageKiB(c0, "mean", 300, e),
                     (4.0 * 1024 * 1024 * 1024 + 4096.0 * (e - 150 - Dataset::kStart)) / 1024);
    const std::string i1 = "11111111-1111-4111-8111-111111111111";
    const std::string i2 = Dataset::kMultiSeriesInstance;
    EXPECT_DOUBLE_EQ(Dataset::instanceCpuUsage(i1, "mean", 300, e, 2), 40.0);
    EXPECT_DOUBLE_EQ(Dataset::instanceCpuUsage(i2, "mean", 300, e, 1), 80.0);
    EXPECT_DOUBLE_EQ(Dataset::instanceCpuUsage(i2, "max", 300, e, 1), 100.0);
    EXPECT_DOUBLE_EQ(Dataset::instanceCpuUsage(i2, "min", 300, e, 1), 60.0);
    EXPECT_DOUBLE_EQ(
        Dataset::instanceCpuUsage("33333333-3333-4333-8333-333333333333", "mean", 300, e, 2),
        100.0);
    EXPECT_DOUBLE_EQ(Dataset::instanceRamUsageMB(i2, "mean", 300, e), 2560.0);
    // instance 1 memory 1024 + (t - kStart)/60: window ends for min/max.
    EXPECT_DOUBLE_EQ(Dataset::instanceRamUsageMB(i1, "min", 600, e), 1024.0 + 13800.0 / 60);
    EXPECT_DOUBLE_EQ(Dataset::instanceRamUsageMB(i1, "max", 600, e), 1024.0 + 14400.0 / 60);

    EXPECT_THROW(Dataset::hostCpuUsage(c0, "count", 300, e), std::invalid_argument);
    EXPECT_THROW(Dataset::hostCpuUsage(c0, "mean", 301, e), std::invalid_argument);
    EXPECT_THROW(Dataset::hostCpuUsage(c0, "mean", 300, e + 15), std::invalid_argument);
    EXPECT_THROW(Dataset::hostCpuUsage(c0, "mean", 300, Dataset::kStart), std::invalid_argument);
    // Off the 15 s grid the window holds the samples strictly inside it: e-300 .. e-15.
    EXPECT_DOUBLE_EQ(Dataset::hostRamUsageKiB(c0, "mean", 300, e - 7),
                     (4.0 * 1024 * 1024 * 1024 + 4096.0 * (e - 157.5 - Dataset::kStart)) / 1024);
    EXPECT_DOUBLE_EQ(Dataset::instanceRamUsageMB(i1, "max", 600, e - 7), 1024.0 + 14385.0 / 60);
    EXPECT_DOUBLE_EQ(Dataset::instanceRamUsageMB(i1, "min", 900, Dataset::kStart + 893), 1024.0);
    EXPECT_DOUBLE_EQ(Dataset::hostCpuUsage(c0, "mean", 30, e - 7), 20.0);
    EXPECT_DOUBLE_EQ(Dataset::hostRamUsageKiB("controller", "mean", 15, e - 7), 0.0);
    // One sample is enough for X_over_time, not for rate().
    EXPECT_THROW(Dataset::hostCpuUsage(c0, "mean", 15, e - 7), std::invalid_argument);
    // The window may start less than one step before the data, not more.
    EXPECT_THROW(Dataset::hostRamUsageKiB(c0, "mean", 900, Dataset::kStart + 885),
                 std::invalid_argument);
    EXPECT_THROW(Dataset::hostCpuUsage("compute-0", "mean", 300, e), std::invalid_argument);
    EXPECT_THROW(Dataset::instanceCpuUsage(i1, "mean", 300, e, 0), std::invalid_argument);
    EXPECT_THROW(Dataset::instanceRamUsageMB(Dataset::kNoDataInstance, "mean", 300, e),
                 std::invalid_argument);
    EXPECT_FALSE(Dataset::hasData(Dataset::kNoDataInstance));
}

// promtool's own message reaches the exception.
TEST(PrometheusServerTest, BackfillFailureIsLoud) {
    wds::testing::TempDir dir;
    wds::testing::PrometheusOptions options;
    options.openMetricsFile = dir.file("bad.om");
    { std::ofstream(*options.openMetricsFile) << "this is { not openmetrics\n"; }
    PrometheusServer prom(options);
    try {
        prom.start();
        FAIL() << "start() accepted a broken OpenMetrics file";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("promtool"), std::string::npos) << e.what();
    }
    EXPECT_EQ(prom.pid(), -1);
}

// A second server: route prefix, backfill survives restart, stop() really kills.
TEST(PrometheusServerTest, PrefixStopAndRestart) {
    wds::testing::TempDir dir;
    wds::testing::PrometheusOptions options;
    options.openMetricsFile = dir.file("dataset.om");
    Dataset::writeOpenMetrics(*options.openMetricsFile);
    options.routePrefix = "/prometheus";
    PrometheusServer prom(options);
    prom.start();
    const int port = prom.port();
    EXPECT_EQ(prom.baseUrl(), "http://127.0.0.1:" + std::to_string(port) + "/prometheus");
    const auto q = Dataset::hostCpuQuery("compute-0.cloud.example", "mean", 300);
    EXPECT_EQ(query(prom, q, Dataset::kEnd).size(), 1u);

    const pid_t pid = prom.pid();
    ASSERT_GT(pid, 0);
    prom.stop();
    EXPECT_EQ(::kill(pid, 0), -1);  // gone and reaped
    EXPECT_EQ(prom.pid(), -1);
    EXPECT_ANY_THROW(wds::testing::httpGet("127.0.0.1", port, "/prometheus/-/ready"));

    prom.restart();
    EXPECT_EQ(prom.port(), port);
    EXPECT_NE(prom.pid(), pid);
    EXPECT_EQ(prom.get("/-/ready").status, 200);
    expectClose(query(prom, q, Dataset::kEnd).at(0),
                Dataset::hostCpuUsage("compute-0.cloud.example", "mean", 300, Dataset::kEnd),
                "after restart");
}

TEST(ChildProcessTest, StopKillsAndReaps) {
    wds::testing::TempDir dir;
    wds::testing::ChildProcess p;
    p.start({"sleep", "60"}, dir.file("sleep.log"));
    const pid_t pid = p.pid();
    EXPECT_TRUE(p.running());
    p.stop();
    EXPECT_FALSE(p.running());
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_TRUE(WIFSIGNALED(p.exitStatus()));
}

TEST(ChildProcessTest, ReportsFailures) {
    wds::testing::TempDir dir;
    wds::testing::ChildProcess p;
    EXPECT_THROW(p.start({"wds-no-such-binary"}, dir.file("x.log")), std::runtime_error);
    p.start({"sh", "-c", "echo hello-from-child; exit 3"}, dir.file("sh.log"));
    ASSERT_TRUE(p.wait(std::chrono::seconds(5)));
    EXPECT_EQ(WEXITSTATUS(p.exitStatus()), 3);
    EXPECT_NE(p.logTail().find("hello-from-child"), std::string::npos);
}

TEST(TempDirTest, RemovedOnDestruction) {
    std::string path;
    {
        wds::testing::TempDir dir;
        path = dir.path();
        std::filesystem::create_directories(path + "/a/b");
        EXPECT_TRUE(std::filesystem::is_directory(path + "/a/b"));
    }
    if (!std::getenv("WDS_KEEP_TMP")) {
        EXPECT_FALSE(std::filesystem::exists(path));
    }
}

}  // namespace
