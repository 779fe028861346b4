#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expectations/DatasetChecks.h"
#include "expectations/PluginHarness.h"
#include "servers/ChildProcess.h"
#include "servers/Dataset.h"
#include "servers/Http.h"
#include "servers/NodeExporter.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "watcher_ds/datasource.hpp"

namespace {

using testing::HasSubstr;
using wds::testing::Dataset;
using Config = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kLiveFqdn = "live-node.test";
using wds::testing::aggregate;
using wds::testing::expectValue;

// Label values that would end or change a PromQL string literal if pasted in unescaped, each
// with a near miss: what a wrong escaping or a regex matcher would select instead. Both are
// loaded as series with their own values, so a query must match exactly the intended one.
using HostilePair = std::pair<std::string, std::string>;
const std::vector<HostilePair> kHostileUuids = {
    {"x'} or vector(1) or {a='", "x"},
    {"a\\'b\"c\nd}e=~f", "a'b\"c\nd}e=~f"},  // the backslash must survive
    {"a\\nb", "a\nb"},                       // a backslash and n, not a newline
    {"tab\there\r", "tab here"},
    {"ends-with\\", "ends-with"},
    {"h\xc3\xa9t\xc3\xa9rog\xc3\xa8ne \xe2\x9c\x93", "heterogene \xe2\x9c\x93"},
    {"inst-.*", "inst-42"}};  // =~ would match both
// Host names reach the query through the targets' fqdn labels (YAML: no control characters).
const std::vector<HostilePair> kHostileHosts = {{"q'uote\"d}=~.*", "q'uote\"d}"},
                                                {"back\\slash", "backslash"},
                                                {"h\xc3\xb4te-\xe2\x9c\x93", "hote-\xe2\x9c\x93"},
                                                {"node-.*", "node-42"}};
constexpr double kHostileUuidMB = 1000;
constexpr double kNearMissMB = 2000;

double hostileHostKiB(size_t index, bool nearMiss) {
    return static_cast<double>((nearMiss ? 11 : 1) + index) * 1024;  // MemTotal MiB, none free
}

/** An OpenMetrics label value: backslash, double quote and newline escaped. */
std::string openMetricsQuote(const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '\\' || c == '"')
            out += '\\';
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out + "\"";
}

/**
 * Adds the hostile series (constant over the last minute of the data set) to the data set's
 * OpenMetrics file, and one down target per hostile host so the fqdn label map knows them.
 */
void addHostileSeries(const std::string& path, std::vector<wds::testing::ScrapeTarget>& targets) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string eof = "# EOF\n";
    ASSERT_EQ(text.substr(text.size() - eof.size()), eof);
    text.resize(text.size() - eof.size());
    std::ostringstream out;
    out.precision(17);
    auto series = [&](const std::string& metric, const std::string& labels, double value) {
        for (int64_t t = Dataset::kEnd - 60; t <= Dataset::kEnd; t += Dataset::kStep)
            out << metric << "{" << labels << "} " << value << " " << t << "\n";
    };
    for (size_t i = 0; i < kHostileUuids.size(); ++i) {
        series("ceilometer_memory_usage",
               "resource=" + openMetricsQuote(kHostileUuids[i].first) + ",project=\"p1\"",
               kHostileUuidMB + i);
        series("ceilometer_memory_usage",
               "resource=" + openMetricsQuote(kHostileUuids[i].second) + ",project=\"p1\"",
               kNearMissMB + i);
    }
    for (size_t i = 0; i < kHostileHosts.size(); ++i) {
        for (bool nearMiss : {false, true}) {
            const std::string& host = nearMiss ? kHostileHosts[i].second : kHostileHosts[i].first;
            const std::string labels = "fqdn=" + openMetricsQuote(host);
            series("node_memory_MemTotal_bytes", labels, hostileHostKiB(i, nearMiss) * 1024);
            series("node_memory_MemAvailable_bytes", labels, 0);
            targets.push_back({"127.0.0.1:" + std::to_string(wds::testing::freeLoopbackPort()),
                               "hostile",
                               {{"fqdn", host}},
                               15});
        }
    }
    std::ofstream(path) << text << out.str() << eof;
}

class PrometheusPluginTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new wds::testing::TempDir("wds-it-prom-");
        node_ = new wds::testing::NodeExporter();
        node_->start();
        auto options = Dataset::prometheusOptions(dir_->file("dataset.om"));
        options.targets.push_back({node_->address(), "node-live", {{"fqdn", kLiveFqdn}}, 1});
        addHostileSeries(dir_->file("dataset.om"), options.targets);
        prom_ = new wds::testing::PrometheusServer(options);
        prom_->start();

        plugin_ = wds::testing::loadPlugin(WDS_PROMETHEUS_PLUGIN);
    }
    static void TearDownTestSuite() {
        delete prom_;
        delete node_;
        delete dir_;
    }

    static Config baseConfig() {
        return {{"prometheus_client.host", prom_->host()},
                {"prometheus_client.port", std::to_string(prom_->port())},
                {"watcher_datasources.query_max_retries", "2"},
                {"watcher_datasources.query_interval", "0.05"},
                {"prometheus_client.timeout", "5"}};
    }

    wds::Source create(const Config& config, wds::Outcome* outcome = nullptr) {
        return wds::testing::createSource(*plugin_, config, logs_, outcome);
    }

    static wds::Resource instance(const std::string& uuid, int vcpus) {
        wds::Resource r = wds::Resource::instance(uuid);
        r.vcpus = vcpus;
        return r;
    }

    static inline wds::testing::TempDir* dir_ = nullptr;
    static inline wds::testing::NodeExporter* node_ = nullptr;
    static inline wds::testing::PrometheusServer* prom_ = nullptr;
    static inline const wds_plugin_v1* plugin_ = nullptr;
    wds::testing::LogLines logs_;
};

TEST_F(PrometheusPluginTest, DescriptorAndAvailability) {
    EXPECT_STREQ(plugin_->id, "prometheus");
    EXPECT_EQ(plugin_->abi_major, WDS_ABI_MAJOR);
    wds::testing::expectAvailableWithDatasetMetrics(create(baseConfig()));
}

TEST_F(PrometheusPluginTest, HostMetricsMatchTheClosedFormForEveryAggregate) {
    wds::testing::expectHostMetricsMatchDataset(create(baseConfig()), wds::testing::gridWindows());
}

TEST_F(PrometheusPluginTest, HostGettersInvertMinAndMaxAsWatcherDoes) {
    auto source = create(baseConfig());
    const std::string host = "compute-1.cloud.example";
    const int64_t at = Dataset::kEnd * 1000;
    expectValue(source.hostCpuUsage(host, 300, WDS_AGGREGATE_MAX, 300, at),
                Dataset::hostCpuUsage(host, "min", 300, Dataset::kEnd), "cpu max->min");
    expectValue(source.hostCpuUsage(host, 300, WDS_AGGREGATE_MIN, 300, at),
                Dataset::hostCpuUsage(host, "max", 300, Dataset::kEnd), "cpu min->max");
    expectValue(source.hostRamUsage(host, 600, WDS_AGGREGATE_MAX, 300, at),
                Dataset::hostRamUsageKiB(host, "min", 600, Dataset::kEnd), "ram max->min");
    expectValue(source.hostCpuUsage(host, 300, WDS_AGGREGATE_COUNT, 300, at),
                Dataset::hostCpuUsage(host, "mean", 300, Dataset::kEnd), "count = mean");
}

TEST_F(PrometheusPluginTest, InstanceMetricsMatchTheClosedFormForEveryAggregate) {
    wds::testing::expectInstanceMetricsMatchDataset(create(baseConfig()),
                                                    wds::testing::gridWindows());
}

TEST_F(PrometheusPluginTest, FlavorMetricsNeedNoQuery) {
    auto source = create(baseConfig());
    wds::Resource r = wds::Resource::instance(Dataset::kNoDataInstance);
    r.memoryMb = 2048;
    r.diskGb = 0;
    expectValue(source.instanceRamAllocated(r), 2048, "ram allocated");
    expectValue(source.instanceRootDiskSize(r), 0.0, "root disk 0 is a value");
}

TEST_F(PrometheusPluginTest, ShortNamesResolveAndUnknownHostsAreNotFound) {
    auto source = create(baseConfig());
    expectValue(
        source.hostCpuUsage("compute-0", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000),
        Dataset::hostCpuUsage("compute-0.cloud.example", "mean", 300, Dataset::kEnd), "short name");
    auto missing =
        source.hostCpuUsage("compute-99", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000);
    EXPECT_EQ(missing.status, WDS_E_RESOURCE_NOT_FOUND);
    EXPECT_THAT(missing.message, HasSubstr("compute-99"));
    EXPECT_THAT(missing.message, HasSubstr("'fqdn'"));
}

TEST_F(PrometheusPluginTest, NoDataAfterTheDataEndsAndUnknownMetricsAreNotAvailable) {
    wds::testing::expectNoDataOutsideTheDataset(create(baseConfig()));
}

TEST_F(PrometheusPluginTest, HostileUuidsMatchExactlyTheirOwnSeries) {
    auto source = create(baseConfig());
    for (size_t i = 0; i < kHostileUuids.size(); ++i) {
        const auto& [value, nearMiss] = kHostileUuids[i];
        auto ram = [&](const std::string& uuid) {
            return aggregate(source, WDS_RESOURCE_INSTANCE, "instance_ram_usage", instance(uuid, 1),
                             "mean", 300, Dataset::kEnd);
        };
        // Two matches would be a protocol error, the near miss its own value: exactly one fits.
        expectValue(ram(value), kHostileUuidMB + i, "uuid " + value);
        expectValue(ram(nearMiss), kNearMissMB + i, "near miss " + nearMiss);
        EXPECT_EQ(ram(value + "~").status, WDS_NO_DATA) << value;
    }
    for (const std::string& bad :
         {std::string("bad\xff"), std::string("\xc3("), std::string(2000, 'u')}) {
        auto r = aggregate(source, WDS_RESOURCE_INSTANCE, "instance_ram_usage", instance(bad, 1),
                           "mean", 300, Dataset::kEnd);
        EXPECT_EQ(r.status, WDS_E_INVALID_ARGUMENT);
        EXPECT_THAT(r.message, HasSubstr("query.resource.uuid is"));
    }
}

TEST_F(PrometheusPluginTest, HostileHostNamesMatchExactlyTheirOwnSeries) {
    auto source = create(baseConfig());
    for (size_t i = 0; i < kHostileHosts.size(); ++i) {
        const auto& [value, nearMiss] = kHostileHosts[i];
        const int64_t at = Dataset::kEnd * 1000;
        expectValue(source.hostRamUsage(value, 300, WDS_AGGREGATE_MEAN, 300, at),
                    hostileHostKiB(i, false), "host " + value);
        expectValue(source.hostRamUsage(nearMiss, 300, WDS_AGGREGATE_MEAN, 300, at),
                    hostileHostKiB(i, true), "near miss " + nearMiss);
    }
    auto bad = source.hostRamUsage("node-\xc0\xaf");  // an overlong encoding of '/'
    EXPECT_EQ(bad.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(bad.message, HasSubstr("query.resource.hostname is not valid UTF-8"));
    bad = source.hostRamUsage(std::string(1025, 'h'));
    EXPECT_EQ(bad.status, WDS_E_INVALID_ARGUMENT);
    EXPECT_THAT(bad.message, HasSubstr("query.resource.hostname is longer than 1024 bytes"));
}

TEST_F(PrometheusPluginTest, HostileLabelNamesAreConfigErrors) {
    for (const char* key :
         {"prometheus_client.fqdn_label", "prometheus_client.instance_uuid_label"}) {
        for (const char* name : {"fqdn'}", "a=~b", "fqdn\"", "r\u00e9source", "x\ny"}) {
            Config config = baseConfig();
            config.push_back({key, name});
            wds::Outcome outcome;
            create(config, &outcome);
            EXPECT_EQ(outcome.status, WDS_E_CONFIG) << key << "=" << name;
            EXPECT_THAT(outcome.message, HasSubstr(key));
        }
    }
}

TEST_F(PrometheusPluginTest, LiveNodeExporterThroughTheFqdnLabel) {
    auto source = create(baseConfig());
    wds::ValueResult cpu, ram;
    for (int i = 0; i < 40; ++i) {  // the first scrapes may not be in yet
        cpu = source.hostCpuUsage(kLiveFqdn, 10);
        ram = source.hostRamUsage("live-node", 10);
        if (cpu.ok() && ram.ok())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_TRUE(cpu.ok()) << cpu.message;
    ASSERT_TRUE(ram.ok()) << ram.message;
    EXPECT_GE(*cpu.value, 0.0);
    EXPECT_LE(*cpu.value, 100.0);
    EXPECT_GT(*ram.value, 0.0);  // KiB in use on this machine
}

TEST_F(PrometheusPluginTest, OneHandleServesManyThreads) {
    auto source = create(baseConfig());
    const auto hosts = Dataset::hostNames();
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                const std::string& host = hosts[(t + i) % hosts.size()];
                auto r =
                    source.hostCpuUsage(host, 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000);
                const double want = Dataset::hostCpuUsage(host, "mean", 300, Dataset::kEnd);
                if (!r.ok() || std::fabs(*r.value - want) > 1e-6 * std::max(1.0, want))
                    ++wrong;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(wrong, 0);
}

TEST_F(PrometheusPluginTest, ServedUnderARootPath) {
    auto options = Dataset::prometheusOptions(dir_->file("prefixed.om"));
    options.routePrefix = "/prometheus";
    wds::testing::PrometheusServer prefixed(options);
    prefixed.start();
    Config config = baseConfig();
    config[1].second = std::to_string(prefixed.port());
    config.push_back({"prometheus_client.root_path", "prometheus/"});
    auto source = create(config);
    expectValue(
        source.hostRamUsage("compute-1", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000),
        Dataset::hostRamUsageKiB("compute-1.cloud.example", "mean", 300, Dataset::kEnd),
        "ram under /prometheus");
    config.back().second = "";  // without the prefix: a clear 404, not a wrong number
    wds::Outcome outcome;
    create(config, &outcome);
    EXPECT_EQ(outcome.status, WDS_E_PROTOCOL);
    EXPECT_THAT(outcome.message, HasSubstr("HTTP 404"));
}

TEST_F(PrometheusPluginTest, RecoversOnTheSameHandleAfterARestart) {
    auto options = Dataset::prometheusOptions(dir_->file("restart.om"));
    wds::testing::PrometheusServer server(options);
    server.start();
    Config config = baseConfig();
    config[1].second = std::to_string(server.port());
    auto source = create(config);
    ASSERT_TRUE(source.checkAvailability().ok());

    server.stop();
    auto down =
        source.hostCpuUsage("controller", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000);
    EXPECT_EQ(down.status, WDS_E_UNAVAILABLE);
    EXPECT_THAT(down.message, HasSubstr("after 2 attempts"));
    EXPECT_EQ(source.checkAvailability().status, WDS_E_UNAVAILABLE);

    server.restart();
    expectValue(
        source.hostCpuUsage("controller", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000), 0.0,
        "after restart");
}

/** Prometheus' own count of accepted HTTP connections. */
double acceptedConnections(const wds::testing::PrometheusServer& server) {
    const auto response = wds::testing::httpGet(server.host(), server.port(), "/metrics");
    const std::string key = "net_conntrack_listener_conn_accepted_total{listener_name=\"http\"} ";
    const size_t at = response.body.find(key);
    return at == std::string::npos ? -1 : std::stod(response.body.substr(at + key.size()));
}

TEST_F(PrometheusPluginTest, QueriesReuseOneKeptAliveConnection) {
    auto source = create(baseConfig());
    const double before = acceptedConnections(*prom_);
    ASSERT_GE(before, 0);
    for (int i = 0; i < 30; ++i) {
        ASSERT_TRUE(
            source.hostCpuUsage("controller", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000)
                .ok());
    }
    // Our 30 queries plus the probe's own /metrics connection: one new connection at most.
    EXPECT_LE(acceptedConnections(*prom_) - before, 2);
}

TEST_F(PrometheusPluginTest, AServerThatNeverAnswersTimesOut) {
    // A listening socket that never accepts: connects succeed, answers never come.
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(fd, 16), 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);

    Config config = baseConfig();
    config[1].second = std::to_string(ntohs(address.sin_port));
    config.push_back({"prometheus_client.timeout", "0.3"});
    wds::Outcome outcome;
    const auto started = std::chrono::steady_clock::now();
    create(config, &outcome);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    close(fd);
    EXPECT_EQ(outcome.status, WDS_E_TIMEOUT) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr("within 300 ms"));
    EXPECT_THAT(outcome.message, HasSubstr("after 2 attempts"));
    // Not a timing assertion of speed: a bound that proves the call did not hang.
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(PrometheusPluginTest, CreateFailuresNameTheCause) {
    wds::Outcome outcome;
    create({{"prometheus_client.port", "9090"}}, &outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_THAT(outcome.message, HasSubstr("prometheus_client.host"));

    Config config = baseConfig();
    config.push_back({"prometheus_client.fqdn_label", "bad-label"});
    create(config, &outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_THAT(outcome.message, HasSubstr("prometheus_client.fqdn_label"));

    config = baseConfig();
    config[0].second = "[::1]";
    config[1].second = "1";  // nothing listens on port 1
    create(config, &outcome);
    EXPECT_EQ(outcome.status, WDS_E_UNAVAILABLE);
    EXPECT_THAT(outcome.message, HasSubstr("http://[::1]:1"));

    config = baseConfig();
    config.push_back({"prometheus_client.cafile", "/nonexistent/ca.pem"});
    create(config, &outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_THAT(outcome.message, HasSubstr("prometheus_client.cafile"));
}

TEST_F(PrometheusPluginTest, SecretsNeverReachLogsOrErrors) {
    Config config = baseConfig();
    config.push_back({"prometheus_client.username", "watcher"});
    config.push_back({"prometheus_client.password", "s3cr3t-P4ss"});
    auto source = create(config);  // Prometheus ignores basic auth it does not require
    source.hostCpuUsage("compute-99");
    source.hostCpuUsage("controller", 300, WDS_AGGREGATE_MEAN, 300, Dataset::kEnd * 1000);
    config[1].second = "1";
    wds::Outcome outcome;
    create(config, &outcome);
    for (const auto& line : logs_.lines())
        EXPECT_THAT(line, testing::Not(HasSubstr("s3cr3t")));
    EXPECT_THAT(outcome.message, testing::Not(HasSubstr("s3cr3t")));
}

// valgrind cannot run an AddressSanitizer build: the normal pass runs this test; the ASan
// pass has none, rather than one that skips itself.
#ifndef WDS_SANITIZED
TEST_F(PrometheusPluginTest, RepeatedLoadCreateQueryDestroyUnloadIsCleanUnderValgrind) {
    // The C host checks open files and threads itself (exit 70 on growth); valgrind checks
    // memory errors and leaks (exit 99).
    const std::string command =
        "WDS_REPEAT=3 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,"
        "possible --error-exitcode=99 " +
        std::string(WDS_C_HOST) + " " + WDS_PROMETHEUS_PLUGIN +
        " prometheus_client.host=127.0.0.1 prometheus_client.port=" +
        std::to_string(prom_->port()) + " -- compute_node host_ram_usage compute-0 300 " +
        std::to_string(Dataset::kEnd) + " 2>&1";
    const auto [exitStatus, output] = wds::testing::runCommand(command);
    EXPECT_EQ(exitStatus, 0) << output;
    size_t cycles = 0;
    for (size_t at = output.find("ok "); at != std::string::npos; at = output.find("ok ", at + 1)) {
        ++cycles;
    }
    EXPECT_EQ(cycles, 3u) << output;
}
#endif  // WDS_SANITIZED

TEST_F(PrometheusPluginTest, PlainC99HostGetsTheSameNumbers) {
    const std::string command = std::string(WDS_C_HOST) + " " + WDS_PROMETHEUS_PLUGIN +
                                " prometheus_client.host=127.0.0.1 prometheus_client.port=" +
                                std::to_string(prom_->port()) + " -- instance instance_cpu_usage " +
                                "11111111-1111-4111-8111-111111111111 300 " +
                                std::to_string(Dataset::kEnd) + " 2";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char line[256] = {};
    ASSERT_NE(fgets(line, sizeof line, pipe), nullptr);
    EXPECT_EQ(pclose(pipe), 0);
    double value = 0;
    ASSERT_EQ(std::sscanf(line, "ok %lf", &value), 1) << line;
    EXPECT_NEAR(value,
                Dataset::instanceCpuUsage("11111111-1111-4111-8111-111111111111", "mean", 300,
                                          Dataset::kEnd, 2),
                1e-9);
}

}  // namespace
