#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "servers/ChildProcess.h"
#include "servers/Dataset.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"

namespace {

using testing::HasSubstr;
using wds::testing::Dataset;

struct CliRun {
    int exit = -1;
    std::string out;
    std::string err;
};

class CliTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new wds::testing::TempDir("wds-it-cli-");
        prom_ = new wds::testing::PrometheusServer(
            Dataset::prometheusOptions(dir_->file("dataset.om")));
        prom_->start();
        conf_ = writeConf("watcher.conf", "datasources = gnocchi, prometheus", "");
    }
    static void TearDownTestSuite() {
        delete prom_;
        delete dir_;
    }

    static std::string writeConf(const std::string& name, const std::string& datasources,
                                 const std::string& extra) {
        const std::string path = dir_->file(name);
        std::ofstream(path) << "# test config\n[DEFAULT]\ndebug = true\n\n"
                            << "[watcher_datasources]\n"
                            << datasources << "\n"
                            << "query_max_retries = 2\nquery_interval = 0\n\n"
                            << "[prometheus_client]\nhost = 127.0.0.1\nport = " << prom_->port()
                            << "\n; a comment\ntimeout = 5\n"
                            << extra << "\n";
        return path;
    }

    /** Runs watcher-ds with `args`; stdout and stderr captured separately. */
    static CliRun run(const std::string& args, const std::string& conf = conf_) {
        const std::string err = dir_->file("stderr.txt");
        const std::string command = std::string(WDS_CLI) + " --config " + conf + " --plugin-dir " +
                                    WDS_PLUGIN_DIR_BUILD + " " + args + " 2>" + err;
        CliRun result;
        FILE* pipe = popen(command.c_str(), "r");
        char buffer[4096];
        size_t n;
        while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
            result.out.append(buffer, n);
        const int status = pclose(pipe);
        result.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::ifstream in(err);
        result.err.assign(std::istreambuf_iterator<char>(in), {});
        return result;
    }

    /** Runs a value command with --format json and returns its "value" (NaN for null). */
    static double jsonValue(const std::string& args, const std::string& what) {
        CliRun r = run("--format json " + args);
        EXPECT_EQ(r.exit, 0) << what << ": " << r.err << r.out;
        Poco::JSON::Parser parser;
        auto object = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
        EXPECT_EQ(object->getValue<std::string>("datasource"), "prometheus") << what;
        EXPECT_EQ(object->getValue<std::string>("status"), "ok") << what;
        return object->isNull("value") ? NAN : object->getValue<double>("value");
    }

    static inline wds::testing::TempDir* dir_ = nullptr;
    static inline wds::testing::PrometheusServer* prom_ = nullptr;
    static inline std::string conf_;
};

void expectNear(double actual, double expected, const std::string& what) {
    if (expected == 0.0) {
        EXPECT_EQ(actual, 0.0) << what;
    } else {
        EXPECT_NEAR(actual, expected, 1e-6 * std::fabs(expected)) << what;
    }
}

TEST_F(CliTest, EveryMetricAndAggregateThroughTheCommand) {
    const std::string at = std::to_string(Dataset::kEnd);
    for (const char* agg : {"mean", "min", "max"}) {
        for (int64_t period : {300, 900}) {
            const std::string common = " --period " + std::to_string(period) + " --at " + at;
            for (const auto& host : Dataset::hostNames()) {
                const std::string what = host + " " + agg + " " + std::to_string(period);
                // aggregate = statistic_aggregation: no inversion.
                expectNear(jsonValue("aggregate --meter host_cpu_usage --resource-type "
                                     "compute_node --hostname " +
                                         host + " --aggregate " + agg + common,
                                     what),
                           Dataset::hostCpuUsage(host, agg, period, Dataset::kEnd), "cpu " + what);
                expectNear(jsonValue("aggregate --meter host_ram_usage --resource-type "
                                     "compute_node --hostname " +
                                         host + " --aggregate " + agg + common,
                                     what),
                           Dataset::hostRamUsageKiB(host, agg, period, Dataset::kEnd),
                           "ram " + what);
            }
            for (const auto& uuid : Dataset::instanceUuids()) {
                if (!Dataset::hasData(uuid))
                    continue;
                const std::string what = uuid + " " + agg + " " + std::to_string(period);
                expectNear(jsonValue("instance-cpu-usage " + uuid + " --vcpus 2 --aggregate " +
                                         agg + common,
                                     what),
                           Dataset::instanceCpuUsage(uuid, agg, period, Dataset::kEnd, 2),
                           "cpu " + what);
                expectNear(
                    jsonValue("instance-ram-usage " + uuid + " --aggregate " + agg + common, what),
                    Dataset::instanceRamUsageMB(uuid, agg, period, Dataset::kEnd), "ram " + what);
            }
        }
    }
}

TEST_F(CliTest, HostCommandsInvertMinAndMax) {
    const std::string host = "compute-1.cloud.example";
    const std::string common = " --period 300 --at " + std::to_string(Dataset::kEnd);
    CliRun r = run("host-cpu-usage " + host + " --aggregate max" + common);
    ASSERT_EQ(r.exit, 0) << r.err;
    expectNear(std::stod(r.out), Dataset::hostCpuUsage(host, "min", 300, Dataset::kEnd), "cpu max");
    r = run("host-ram-usage compute-1 --aggregate min" + common);
    ASSERT_EQ(r.exit, 0) << r.err;
    expectNear(std::stod(r.out), Dataset::hostRamUsageKiB(host, "max", 300, Dataset::kEnd),
               "ram min");
}

TEST_F(CliTest, FlavorValuesAndZeroes) {
    EXPECT_EQ(
        run("instance-ram-allocated " + std::string(Dataset::kNoDataInstance) + " --memory 4096")
            .out,
        "4096\n");
    EXPECT_EQ(run("instance-root-disk-size x --disk 0").out, "0\n");
    CliRun zero = run("host-cpu-usage controller --at " + std::to_string(Dataset::kEnd));
    EXPECT_EQ(zero.exit, 0);
    EXPECT_EQ(zero.out, "0\n");
}

TEST_F(CliTest, ExitStatusesAndOneLineErrors) {
    const std::string at = " --at " + std::to_string(Dataset::kEnd);
    CliRun noData = run("instance-ram-usage " + std::string(Dataset::kNoDataInstance) + at);
    EXPECT_EQ(noData.exit, 1);
    EXPECT_THAT(noData.err, HasSubstr("no data"));
    CliRun unknownHost = run("host-cpu-usage compute-42" + at);
    EXPECT_EQ(unknownHost.exit, 1);
    EXPECT_THAT(unknownHost.err, HasSubstr("compute-42"));
    for (const char* bad : {"--period 0", "--period 300.5", "--period abc", "--aggregate median"}) {
        CliRun usage = run(std::string("host-cpu-usage controller ") + bad);
        EXPECT_EQ(usage.exit, 2) << bad;
        EXPECT_EQ(std::count(usage.err.begin(), usage.err.end(), '\n'), 1) << usage.err;
    }
    CliRun metric = run("aggregate --meter host_power --resource-type compute_node --hostname x");
    EXPECT_EQ(metric.exit, 2);
    EXPECT_THAT(metric.err, HasSubstr("host_power"));

    const std::string conflict = writeConf("conflict.conf", "datasources = prometheus, aetos", "");
    CliRun both = run("check", conflict);
    EXPECT_EQ(both.exit, 2);
    EXPECT_THAT(both.err, HasSubstr("aetos"));
}

TEST_F(CliTest, CheckMetricsAndConfigWithSecretsMasked) {
    const std::string conf =
        writeConf("secret.conf", "datasources = prometheus", "username = u\npassword = Pa55-w0rd");
    CliRun check = run("check", conf);
    EXPECT_EQ(check.exit, 0) << check.err;
    EXPECT_EQ(check.out, "prometheus: available\n");
    CliRun metrics = run("metrics", conf);
    EXPECT_EQ(metrics.exit, 0);
    EXPECT_THAT(metrics.out, HasSubstr("ceilometer_cpu\n"));
    for (const char* format : {"text", "json"}) {
        CliRun config = run(std::string("--format ") + format + " config", conf);
        EXPECT_EQ(config.exit, 0) << config.err;
        EXPECT_THAT(config.out, HasSubstr("prometheus"));
        EXPECT_THAT(config.out, HasSubstr("***"));
        EXPECT_THAT(config.out + config.err, testing::Not(HasSubstr("Pa55-w0rd")));
    }
}

TEST_F(CliTest, AnUnreachablePrometheusIsExitThree) {
    const std::string path = dir_->file("down.conf");
    std::ofstream(path)
        << "[watcher_datasources]\ndatasources = prometheus\nquery_max_retries = 1\n"
        << "[prometheus_client]\nhost = 127.0.0.1\nport = 1\n";
    CliRun down = run("check", path);
    EXPECT_EQ(down.exit, 3);
    EXPECT_THAT(down.err, HasSubstr("connection refused"));
    EXPECT_EQ(std::count(down.err.begin(), down.err.end(), '\n'), 1) << down.err;
}

}  // namespace
