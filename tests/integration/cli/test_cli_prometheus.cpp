#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expectations/DatasetChecks.h"
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
        const auto [exitStatus, output] = wds::testing::runCommand(command);
        result.exit = exitStatus;
        result.out = output;
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

/** Length of a line's bar in eighths of a cell (U+2588 = 8, U+258F..U+2589 = 1..7). */
int barEighths(const std::string& line) {
    int eighths = 0;
    for (size_t i = 0; i + 2 < line.size(); ++i) {
        if (static_cast<unsigned char>(line[i]) != 0xE2 ||
            static_cast<unsigned char>(line[i + 1]) != 0x96)
            continue;
        const auto c = static_cast<unsigned char>(line[i + 2]);
        if (c == 0x88)
            eighths += 8;
        else if (c >= 0x89 && c <= 0x8F)
            eighths += 0x8F - c + 1;
    }
    return eighths;
}

TEST_F(CliTest, EveryMetricAndAggregateThroughTheCommand) {
    const std::string at = std::to_string(Dataset::kEnd);
    for (const char* agg : {"mean", "min", "max"}) {
        for (int64_t period : {300, 900}) {
            const std::string common = " --period " + std::to_string(period) + " --at " + at;
            for (const auto& host : Dataset::hostNames()) {
                const std::string what = host + " " + agg + " " + std::to_string(period);
                // aggregate = statistic_aggregation: no inversion.
                const std::pair<std::string, double> expected[] = {
                    {"host_cpu_usage", Dataset::hostCpuUsage(host, agg, period, Dataset::kEnd)},
                    {"host_ram_usage", Dataset::hostRamUsageKiB(host, agg, period, Dataset::kEnd)}};
                for (const auto& [meter, value] : expected) {
                    wds::testing::expectClose(
                        jsonValue("aggregate --meter " + meter +
                                      " --resource-type compute_node --hostname " + host +
                                      " --aggregate " + agg + common,
                                  what),
                        value, meter + " " + what);
                }
            }
            for (const auto& uuid : Dataset::instanceUuids()) {
                if (!Dataset::hasData(uuid))
                    continue;
                const std::string what = uuid + " " + agg + " " + std::to_string(period);
                wds::testing::expectClose(
                    jsonValue(
                        "instance-cpu-usage " + uuid + " --vcpus 2 --aggregate " + agg + common,
                        what),
                    Dataset::instanceCpuUsage(uuid, agg, period, Dataset::kEnd, 2), "cpu " + what);
                wds::testing::expectClose(
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
    wds::testing::expectClose(std::stod(r.out),
                              Dataset::hostCpuUsage(host, "min", 300, Dataset::kEnd), "cpu max");
    r = run("host-ram-usage compute-1 --aggregate min" + common);
    ASSERT_EQ(r.exit, 0) << r.err;
    wds::testing::expectClose(std::stod(r.out),
                              Dataset::hostRamUsageKiB(host, "max", 300, Dataset::kEnd), "ram min");
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

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

TEST_F(CliTest, BatchTableIsSortedByValueWithProportionalBars) {
    const CliRun r = run("batch --meter host_cpu_usage --resource-type compute_node --all --at " +
                         std::to_string(Dataset::kEnd));
    ASSERT_EQ(r.exit, 0) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    ASSERT_EQ(lines.size(), 3 + Dataset::hostNames().size()) << r.out;
    EXPECT_THAT(lines[0], HasSubstr("4 resources, 1 query"));
    // The summary above the table: 60, 50, 20 and 0 %.
    EXPECT_EQ(lines[1],
              "4 resources: 4 with a value, min 0.00, median 35.00, max 60.00; 0 without a value");
    EXPECT_THAT(lines[2], testing::StartsWith("RESOURCE"));
    // compute-2 (60 %) > compute-1 (50 %) > compute-0 (20 %) > controller (0 %, no bar).
    EXPECT_THAT(lines[3], testing::StartsWith("compute-2.cloud.example  60.00  "));
    EXPECT_THAT(lines[4], testing::StartsWith("compute-1.cloud.example  50.00  "));
    EXPECT_THAT(lines[5], testing::StartsWith("compute-0.cloud.example  20.00  "));
    EXPECT_EQ(lines[6], "controller                0.00");
    // Bars are proportional: 40 full cells for the largest, 40 * 20 / 60 = 13 1/3 for 20 %.
    const auto cells = [](const std::string& line) { return barEighths(line); };
    EXPECT_EQ(cells(lines[3]), 40 * 8);
    EXPECT_EQ(cells(lines[5]), 107);  // 13.33 cells in eighths, rounded
}

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

TEST_F(CliTest, BatchTopPrintsTheLargestRowsUnderASummaryOfAll) {
    const CliRun r =
        run("batch --meter host_cpu_usage --resource-type compute_node --all --top 2 "
            "--at " +
            std::to_string(Dataset::kEnd));
    ASSERT_EQ(r.exit, 0) << r.err;
    const auto lines = linesOf(r.out);
    ASSERT_EQ(lines.size(), 6u) << r.out;
    EXPECT_THAT(lines[1], testing::StartsWith("4 resources: 4 with a value, min 0.00"));
    EXPECT_THAT(lines[3], testing::StartsWith("compute-2.cloud.example  60.00  "));
    EXPECT_THAT(lines[4], testing::StartsWith("compute-1.cloud.example  50.00  "));
    EXPECT_EQ(lines[5], "... 2 more (--top 2)");
}

// Per-instance vCPUs from a --from list (a file, or stdin), de-duplicated, against the values
// the data set defines.
TEST_F(CliTest, BatchFromAListGivesEachInstanceItsOwnVcpus) {
    const std::string at = std::to_string(Dataset::kEnd);
    const auto uuids = Dataset::instanceUuids();
    const auto vcpusOf = [&](size_t i) { return int64_t{1} << (i % 4); };
    std::ostringstream list;
    list << "# UUID VCPUS, as `openstack server list` could give them\n\n";
    for (size_t i = 0; i < uuids.size(); ++i)
        list << uuids[i] << "\t" << vcpusOf(i) << "   # instance " << i << "\n";
    list << uuids[0] << "\n";  // a repeat: asked once
    const std::string path = dir_->file("instances.txt");
    std::ofstream(path) << list.str();

    for (const std::string& from : {"--from " + path, "--from - <" + path}) {
        const CliRun r =
            run("--format json batch --meter instance_cpu_usage --resource-type instance " + from +
                " --vcpus 3 --at " + at);
        ASSERT_EQ(r.exit, 0) << from << ": " << r.err;
        const auto object = parseJson(r.out);
        const auto results = object->getArray("results");
        ASSERT_EQ(results->size(), uuids.size()) << from;
        size_t withData = 0;
        for (size_t i = 0; i < uuids.size(); ++i) {
            const auto row = results->getObject(static_cast<unsigned>(i));
            EXPECT_EQ(row->getValue<std::string>("resource"), uuids[i]);
            if (!Dataset::hasData(uuids[i])) {
                EXPECT_TRUE(row->isNull("value")) << uuids[i];
                continue;
            }
            ++withData;
            wds::testing::expectClose(
                row->getValue<double>("value"),
                Dataset::instanceCpuUsage(uuids[i], "mean", 300, Dataset::kEnd, vcpusOf(i)),
                uuids[i]);
        }
        const auto summary = object->getObject("summary");
        EXPECT_EQ(summary->getValue<size_t>("count"), uuids.size());
        EXPECT_EQ(summary->getValue<size_t>("with_value"), withData);
        EXPECT_EQ(summary->getValue<size_t>("without_value"), uuids.size() - withData);
    }

    // --all with --from: every instance with data, the list's vCPUs where it has them (the
    // first two lines only here), --vcpus for the others.
    std::ofstream(path) << uuids[0] << " 4\n" << uuids[1] << " 8\n";
    const CliRun all =
        run("--format json batch --meter instance_cpu_usage --resource-type instance --all "
            "--vcpus 2 --from " +
            path + " --at " + at);
    ASSERT_EQ(all.exit, 0) << all.err;
    const auto results = parseJson(all.out)->getArray("results");
    size_t checked = 0;
    for (size_t i = 0; i < results->size(); ++i) {
        const auto row = results->getObject(static_cast<unsigned>(i));
        const std::string uuid = row->getValue<std::string>("resource");
        if (row->isNull("value"))
            continue;
        const int64_t vcpus = uuid == uuids[0] ? 4 : uuid == uuids[1] ? 8 : 2;
        wds::testing::expectClose(
            row->getValue<double>("value"),
            Dataset::instanceCpuUsage(uuid, "mean", 300, Dataset::kEnd, vcpus), uuid);
        ++checked;
    }
    EXPECT_GE(checked, 3u);
}

// The results array is written by hand: names that need escaping still make valid JSON.
TEST_F(CliTest, BatchJsonEscapesResourceNames) {
    const std::string odd = "we\"ird\\name \xc3\xbc\t";
    const std::string path = dir_->file("odd.txt");
    std::ofstream(path) << Dataset::instanceUuids()[0] << " 2\n";
    const CliRun r =
        run("--format json batch --meter instance_ram_usage --resource-type instance "
            "--from " +
            path + " --uuid 'we\"ird\\name \xc3\xbc\t' --at " + std::to_string(Dataset::kEnd));
    ASSERT_EQ(r.exit, 0) << r.err;
    const auto results = parseJson(r.out)->getArray("results");
    ASSERT_EQ(results->size(), 2u) << r.out;
    EXPECT_EQ(results->getObject(0)->getValue<std::string>("resource"), odd);
    EXPECT_TRUE(results->getObject(0)->isNull("value"));
    EXPECT_FALSE(results->getObject(0)->getValue<std::string>("error").empty());
    EXPECT_EQ(results->getObject(1)->getValue<std::string>("resource"),
              Dataset::instanceUuids()[0]);
    EXPECT_EQ(results->getObject(1)->getValue<std::string>("status"), "ok");
}

TEST_F(CliTest, BatchFromABadListIsAUsageErrorNamingTheLine) {
    const std::string path = dir_->file("bad-instances.txt");
    std::ofstream(path) << "# header\n" << Dataset::instanceUuids()[0] << " 2\n\nabc four\n";
    const CliRun r =
        run("batch --meter instance_cpu_usage --resource-type instance --from " + path);
    EXPECT_EQ(r.exit, 2) << r.err;
    EXPECT_THAT(r.err,
                HasSubstr("--from " + path + ": line 4: VCPUS 'four' is not a whole number"));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    const CliRun missing = run("batch --meter instance_cpu_usage --resource-type instance --from " +
                               dir_->file("no-such-list.txt"));
    EXPECT_EQ(missing.exit, 2) << missing.err;
    EXPECT_THAT(missing.err, HasSubstr("cannot open"));
    // Host lists: one name per line; the data set's hosts read from stdin.
    const std::string hosts = dir_->file("hosts.txt");
    std::ofstream(hosts) << "compute-0.cloud.example\ncompute-1.cloud.example  # rack 2\n";
    const CliRun ok = run("batch --meter host_cpu_usage --resource-type compute_node --at " +
                          std::to_string(Dataset::kEnd) + " --from - <" + hosts);
    EXPECT_EQ(ok.exit, 0) << ok.err;
    EXPECT_THAT(ok.out, HasSubstr("2 resources: 2 with a value, min 20.00, median 35.00"));
}

TEST_F(CliTest, BatchJsonGivesEveryResourceItsValueOrReason) {
    const std::string at = std::to_string(Dataset::kEnd);
    std::string args =
        "--format json batch --meter instance_ram_usage --resource-type instance "
        "--period 600 --at " +
        at;
    for (const auto& uuid : Dataset::instanceUuids())
        args += " --uuid " + uuid;
    const CliRun r = run(args);
    ASSERT_EQ(r.exit, 0) << r.err;
    const auto object = parseJson(r.out);
    EXPECT_EQ(object->getValue<int>("queries"), 1);
    const auto results = object->getArray("results");
    ASSERT_EQ(results->size(), Dataset::instanceUuids().size());
    for (size_t i = 0; i < results->size(); ++i) {
        const auto row = results->getObject(static_cast<unsigned>(i));
        const std::string uuid = Dataset::instanceUuids()[i];
        EXPECT_EQ(row->getValue<std::string>("resource"), uuid);
        if (!Dataset::hasData(uuid)) {
            EXPECT_TRUE(row->isNull("value"));
            EXPECT_EQ(row->getValue<std::string>("status"), "no data");
            continue;
        }
        wds::testing::expectClose(row->getValue<double>("value"),
                                  Dataset::instanceRamUsageMB(uuid, "mean", 600, Dataset::kEnd),
                                  uuid);
    }
}

TEST_F(CliTest, BatchOfAllInstancesTakesTheInstancesWithDataInTheWindow) {
    const std::string at = std::to_string(Dataset::kEnd);
    const CliRun r =
        run("--format json batch --meter instance_cpu_usage --resource-type "
            "instance --all --vcpus 2 --at " +
            at);
    ASSERT_EQ(r.exit, 0) << r.err;
    const auto object = parseJson(r.out);
    EXPECT_EQ(object->getValue<int>("queries"), 1);
    const auto results = object->getArray("results");
    std::vector<std::string> expected;
    for (const auto& uuid : Dataset::instanceUuids()) {
        if (Dataset::hasData(uuid))
            expected.push_back(uuid);
    }
    ASSERT_EQ(results->size(), expected.size());  // the no-data instance is not listed
    for (size_t i = 0; i < results->size(); ++i) {
        const auto row = results->getObject(static_cast<unsigned>(i));
        EXPECT_EQ(row->getValue<std::string>("resource"), expected[i]);
        wds::testing::expectClose(
            row->getValue<double>("value"),
            Dataset::instanceCpuUsage(expected[i], "mean", 300, Dataset::kEnd, 2), expected[i]);
    }
    // Days after the data there is no instance, and so nothing to print.
    const CliRun later =
        run("batch --meter instance_ram_usage --resource-type instance --all --at " +
            std::to_string(Dataset::kEnd + 3 * 86400));
    EXPECT_EQ(later.exit, 0) << later.err;
    EXPECT_THAT(later.out, HasSubstr("0 resources"));
}

TEST_F(CliTest, BatchUsageErrors) {
    for (const char* args :
         {"batch --meter host_cpu_usage --resource-type compute_node",
          "batch --meter host_cpu_usage --resource-type compute_node --all --hostname h",
          "batch --meter instance_cpu_usage --resource-type instance --all --uuid u",
          "batch --meter instance_ram_allocated --resource-type instance --all --memory 2048",
          "aggregate --meter host_cpu_usage --resource-type compute_node --hostname a "
          "--hostname b"}) {
        const CliRun r = run(args);
        EXPECT_EQ(r.exit, 2) << args << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST_F(CliTest, SeriesPrintsASparklineAndEveryPoint) {
    const CliRun r =
        run("series --meter host_ram_usage --resource-type compute_node --hostname "
            "compute-0 --granularity 300 --start " +
            std::to_string(Dataset::kEnd - 3000) + " --end " + std::to_string(Dataset::kEnd));
    ASSERT_EQ(r.exit, 0) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    ASSERT_EQ(lines.size(), 2u + 11u) << r.out;
    // MemAvailable falls steadily on compute-0, so usage rises: the sparkline climbs.
    EXPECT_THAT(lines[1], testing::StartsWith("\u2581"));
    EXPECT_THAT(lines[1], HasSubstr("\u2588  min "));
    EXPECT_THAT(lines[1], HasSubstr("11 points"));
    EXPECT_THAT(lines[2], testing::StartsWith("2023-11-14T21:40:00Z  "));
    EXPECT_THAT(lines.back(), testing::StartsWith("2023-11-14T22:30:00Z  "));
}

TEST_F(CliTest, SeriesJsonPointsMatchTheDataSet) {
    const CliRun r =
        run("--format json series --meter instance_cpu_usage --resource-type "
            "instance --uuid 11111111-1111-4111-8111-111111111111 --vcpus 2 "
            "--aggregate max --granularity 60 --start " +
            std::to_string(Dataset::kEnd - 600) + " --end " + std::to_string(Dataset::kEnd));
    ASSERT_EQ(r.exit, 0) << r.err;
    const auto points = parseJson(r.out)->getArray("points");
    ASSERT_EQ(points->size(), 11u);
    for (size_t i = 0; i < points->size(); ++i) {
        const auto point = points->getArray(static_cast<unsigned>(i));
        const auto t = static_cast<int64_t>(point->getElement<double>(0));
        EXPECT_EQ(t, Dataset::kEnd - 600 + 60 * static_cast<int64_t>(i));
        wds::testing::expectClose(
            point->getElement<double>(1),
            Dataset::instanceCpuUsage("11111111-1111-4111-8111-111111111111", "max", 60, t, 2),
            "t=" + std::to_string(t));
    }
    const CliRun none =
        run("series --meter instance_ram_usage --resource-type instance --uuid " +
            std::string(Dataset::kNoDataInstance) + " --start " +
            std::to_string(Dataset::kEnd - 600) + " --end " + std::to_string(Dataset::kEnd));
    EXPECT_EQ(none.exit, 1);
    EXPECT_THAT(none.err, HasSubstr("no data"));
}

}  // namespace
