// The watcher-ds command, run as a subprocess against the fake plugins.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "watcher_ds/host/DefaultPluginDir.h"

extern char** environ;

namespace wds::test {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

struct CliResult {
    int exitStatus = -1;
    std::string out;
    std::string err;

    std::vector<std::string> errLines() const {
        std::vector<std::string> lines;
        std::istringstream in(err);
        for (std::string line; std::getline(in, line);)
            lines.push_back(line);
        return lines;
    }
    Poco::JSON::Object::Ptr json() const {
        return Poco::JSON::Parser().parse(out).extract<Poco::JSON::Object::Ptr>();
    }
};

std::ostream& operator<<(std::ostream& os, const CliResult& r) {
    return os << "exit " << r.exitStatus << "\n--- stdout\n" << r.out << "--- stderr\n" << r.err;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class WatcherDsCli : public ::testing::Test {
  protected:
    // Runs watcher-ds with `args` exactly as given.
    CliResult runRaw(const std::vector<std::string>& args, std::string outPath = "") const {
        const bool captureOut = outPath.empty();
        if (captureOut)
            outPath = dir_.path() + "/stdout";
        const std::string errPath = dir_.path() + "/stderr";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        std::vector<std::string> argvStrings = {WDS_CLI_PATH};
        argvStrings.insert(argvStrings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& arg : argvStrings)
            argv.push_back(arg.data());
        argv.push_back(nullptr);

        CliResult result;
        pid_t pid = 0;
        const int spawned =
            posix_spawn(&pid, WDS_CLI_PATH, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (spawned != 0) {
            ADD_FAILURE() << "cannot spawn " << WDS_CLI_PATH;
            return result;
        }
        int status = 0;
        waitpid(pid, &status, 0);
        // A crash shows up as a negative exit status and fails every expectation.
        result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        if (captureOut)
            result.out = readFile(outPath);
        result.err = readFile(errPath);
        return result;
    }

    // Runs watcher-ds with a config file holding `conf` and the fake plugin directory.
    CliResult run(const std::string& conf, const std::vector<std::string>& args) const {
        std::vector<std::string> all = {"--config", config(conf), "--plugin-dir", kPluginDir};
        all.insert(all.end(), args.begin(), args.end());
        return runRaw(all);
    }

    std::string config(const std::string& conf) const { return dir_.write("watcher.conf", conf); }

    static std::string fake(const std::string& settings = "") {
        return "[watcher_datasources]\ndatasources = fake\n[fake_client]\n" + settings;
    }

    // The one-line failure contract: nothing on stdout (text), exactly one line on stderr.
    static void expectOneErrorLine(const CliResult& r, int exitStatus) {
        EXPECT_EQ(r.exitStatus, exitStatus) << r;
        EXPECT_EQ(r.out, "") << r;
        EXPECT_THAT(r.errLines(), SizeIs(1)) << r;
    }

    TempDir dir_;
};

// --- values -----------------------------------------------------------------------------------

TEST_F(WatcherDsCli, PrintsOnlyTheNumber) {
    const auto r = run(fake("value = 12.25\n"), {"host-cpu-usage", "compute-1"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_EQ(r.out, "12.25\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(WatcherDsCli, PrintsFullPrecision) {
    EXPECT_EQ(run(fake("value = 0.1\n"), {"host-ram-usage", "h"}).out, "0.1\n");
    EXPECT_EQ(run(fake("value = 1.0000000000000002\n"), {"host-ram-usage", "h"}).out,
              "1.0000000000000002\n");
    EXPECT_EQ(run(fake("value = 0\n"), {"host-ram-usage", "h"}).out, "0\n");
}

TEST_F(WatcherDsCli, HostCommandsInvertMaxAndMinButAggregateDoesNot) {
    const std::string conf = fake("value = aggregate\n");
    // The fake echoes the aggregate it received: mean 1, min 2, max 3, count 4.
    EXPECT_EQ(run(conf, {"host-cpu-usage", "h", "--aggregate", "max"}).out, "2\n");
    EXPECT_EQ(run(conf, {"host-ram-usage", "h", "--aggregate", "min"}).out, "3\n");
    EXPECT_EQ(run(conf, {"host-cpu-usage", "h"}).out, "1\n");
    EXPECT_EQ(run(conf, {"aggregate", "--meter", "host_cpu_usage", "--resource-type",
                         "compute_node", "--hostname", "h", "--aggregate", "max"})
                  .out,
              "3\n");
    EXPECT_EQ(run(conf, {"instance-ram-usage", "u", "--aggregate=max"}).out, "3\n");
}

TEST_F(WatcherDsCli, CountIsPassedOnAndItsWarningShown) {
    const auto r =
        run(fake("value = aggregate\n"), {"host-cpu-usage", "h", "--aggregate", "count"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_EQ(r.out, "4\n");
    EXPECT_THAT(r.errLines(),
                ElementsAre("watcher-ds: warning: fake: count aggregate answered as mean"));
}

TEST_F(WatcherDsCli, PassesPeriodGranularityAndEvaluationTime) {
    EXPECT_EQ(run(fake("value = period\n"), {"host-cpu-usage", "h"}).out, "300\n");
    EXPECT_EQ(run(fake("value = period\n"), {"host-cpu-usage", "h", "--period", "600"}).out,
              "600\n");
    EXPECT_EQ(run(fake("value = granularity\n"), {"host-cpu-usage", "h"}).out, "300\n");
    EXPECT_EQ(run(fake("value = granularity\n"), {"host-cpu-usage", "h", "--granularity=60"}).out,
              "60\n");
    EXPECT_EQ(run(fake("value = eval_time_ms\n"), {"host-cpu-usage", "h"}).out, "0\n");
    EXPECT_EQ(
        run(fake("value = eval_time_ms\n"), {"host-cpu-usage", "h", "--at", "1700000000.5"}).out,
        "1700000000500\n");
    EXPECT_EQ(
        run(fake("value = eval_time_ms\n"), {"host-cpu-usage", "h", "--at", "1700000000"}).out,
        "1700000000000\n");
}

TEST_F(WatcherDsCli, InstanceCommandsPassTheFlavor) {
    EXPECT_EQ(run(fake("value = vcpus\n"), {"instance-cpu-usage", "uuid-1", "--vcpus", "4"}).out,
              "4\n");
    EXPECT_EQ(run(fake(), {"instance-ram-allocated", "uuid-1", "--memory", "2048"}).out, "2048\n");
    EXPECT_EQ(run(fake(), {"instance-root-disk-size", "uuid-1", "--disk", "20.5"}).out, "20.5\n");
    EXPECT_EQ(run(fake(), {"aggregate", "--meter", "instance_ram_allocated", "--resource-type",
                           "instance", "--uuid", "uuid-1", "--memory", "512"})
                  .out,
              "512\n");
    EXPECT_EQ(run(fake("value = resource_type\n"), {"aggregate", "--meter", "instance_cpu_usage",
                                                    "--resource-type", "instance", "--uuid", "u"})
                  .out,
              "2\n");
}

// --- usage errors: exit 2, one line naming what was wrong ---------------------------------------

TEST_F(WatcherDsCli, RejectsPeriodsThatAreNotWholePositiveSeconds) {
    for (const std::string period : {"300.5", "0", "-1", "abc", "", "1e3", " 300"}) {
        for (const bool attached : {true, false}) {
            std::vector<std::string> args = {"host-cpu-usage", "h"};
            if (attached) {
                args.push_back("--period=" + period);
            } else {
                args.insert(args.end(), {"--period", period});
            }
            const auto r = run(fake(), args);
            expectOneErrorLine(r, 2);
            EXPECT_THAT(r.err, HasSubstr("--period")) << period;
        }
    }
}

struct UsageCase {
    std::vector<std::string> args;
    std::string expected;
};

void PrintTo(const UsageCase& c, std::ostream* os) {
    for (const auto& arg : c.args)
        *os << "'" << arg << "' ";
}

class WatcherDsCliUsage : public WatcherDsCli, public ::testing::WithParamInterface<UsageCase> {};

TEST_P(WatcherDsCliUsage, ExitsTwoWithOneLineNamingTheProblem) {
    const auto r = run(fake(), GetParam().args);
    expectOneErrorLine(r, 2);
    EXPECT_THAT(r.err, HasSubstr("watcher-ds: error: "));
    EXPECT_THAT(r.err, HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    WatcherDsCli, WatcherDsCliUsage,
    ::testing::Values(
        UsageCase{{}, "missing COMMAND"}, UsageCase{{"frobnicate"}, "unknown command 'frobnicate'"},
        UsageCase{{"host-cpu-usage"}, "host-cpu-usage: missing HOST"},
        UsageCase{{"host-cpu-usage", "a", "b"}, "unexpected argument 'b'"},
        UsageCase{{"host-cpu-usage", ""}, "HOST must not be empty"},
        UsageCase{{"check", "extra"}, "unexpected argument 'extra'"},
        UsageCase{{"host-cpu-usage", "h", "--bogus"}, "unknown option --bogus"},
        UsageCase{{"host-cpu-usage", "h", "--vcpus", "2"}, "--vcpus does not apply to"},
        UsageCase{{"check", "--period", "300"}, "--period does not apply to check"},
        UsageCase{{"host-cpu-usage", "h", "--aggregate", "median"}, "--aggregate: unknown"},
        UsageCase{{"host-cpu-usage", "h", "--granularity", "0"}, "--granularity"},
        UsageCase{{"host-cpu-usage", "h", "--at", "yesterday"}, "--at: 'yesterday'"},
        UsageCase{{"host-cpu-usage", "h", "--at", "0"}, "--at"},
        UsageCase{{"host-cpu-usage", "h", "--period"}, "--period requires"},
        UsageCase{{"host-cpu-usage", "h", "--period", "1", "--period", "2"},
                  "--period is given more than once"},
        UsageCase{{"host-cpu-usage", "h", "--format", "xml"}, "--format: unknown format 'xml'"},
        UsageCase{{"instance-cpu-usage", "u"}, "instance-cpu-usage needs --vcpus"},
        UsageCase{{"instance-cpu-usage", "u", "--vcpus", "-2"}, "--vcpus"},
        UsageCase{{"instance-cpu-usage", "u", "--vcpus", "two"}, "--vcpus: 'two'"},
        UsageCase{{"instance-ram-allocated", "u"}, "needs --memory"},
        UsageCase{{"instance-ram-allocated", "u", "--memory", "-5"}, "--memory"},
        UsageCase{{"instance-root-disk-size", "u", "--disk", "nan"}, "--disk: 'nan'"},
        UsageCase{{"aggregate", "--resource-type", "instance", "--uuid", "u"}, "needs --meter"},
        UsageCase{{"aggregate", "--meter", "m", "--hostname", "h"}, "needs --resource-type"},
        UsageCase{{"aggregate", "--meter", "host_cpu_usage", "--resource-type", "rack",
                   "--hostname", "h"},
                  "--resource-type: unknown resource type 'rack'"},
        UsageCase{{"aggregate", "--meter", "host_cpu_usage", "--resource-type", "bare_metal",
                   "--hostname", "h"},
                  "resource type bare_metal is not supported"},
        UsageCase{{"aggregate", "--meter", "host_cpu_usage", "--resource-type", "compute_node"},
                  "needs --hostname"},
        UsageCase{{"aggregate", "--meter", "host_cpu_usage", "--resource-type", "compute_node",
                   "--uuid", "u"},
                  "takes --hostname, not --uuid"},
        UsageCase{{"aggregate", "--meter", "instance_cpu_usage", "--resource-type", "instance",
                   "--hostname", "h"},
                  "takes --uuid, not --hostname"},
        UsageCase{{"aggregate", "--meter", "no_such_metric", "--resource-type", "compute_node",
                   "--hostname", "h"},
                  "fake: does not provide metric no_such_metric"},
        UsageCase{{"check", "--verbose=yes"}, "--verbose takes no value"}));

// --- statuses from the plugin -------------------------------------------------------------------

struct StatusCase {
    const char* status;
    int exitStatus;
    const char* name;
};

void PrintTo(const StatusCase& c, std::ostream* os) {
    *os << c.status;
}

class WatcherDsCliStatus : public WatcherDsCli, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(WatcherDsCliStatus, MapsToItsExitStatusWithOneLineNamingHostAndServerText) {
    const StatusCase& param = GetParam();
    const std::string conf = fake(std::string("status = ") + param.status +
                                  "\nhttp_status = 503\nerror_text = Service Unavailable\n");
    const auto r = run(conf, {"host-cpu-usage", "compute-7"});
    expectOneErrorLine(r, param.exitStatus);
    EXPECT_THAT(r.err, AllOf(HasSubstr("compute-7"), HasSubstr("host_cpu_usage"),
                             HasSubstr(param.name), HasSubstr("Service Unavailable")));
    if (param.exitStatus > 1) {
        EXPECT_THAT(r.err, HasSubstr("HTTP 503"));
    }

    const auto j = run(conf, {"--format", "json", "host-cpu-usage", "compute-7"});
    EXPECT_EQ(j.exitStatus, param.exitStatus);
    const auto json = j.json();
    EXPECT_EQ(json->getValue<std::string>("status"), param.name);
    EXPECT_TRUE(json->isNull("value"));
    EXPECT_THAT(json->getValue<std::string>("error"), HasSubstr("Service Unavailable"));
}

INSTANTIATE_TEST_SUITE_P(
    WatcherDsCli, WatcherDsCliStatus,
    ::testing::Values(StatusCase{"no_data", 1, "no data"},
                      StatusCase{"resource_not_found", 1, "resource not found"},
                      StatusCase{"invalid_argument", 2, "invalid argument"},
                      StatusCase{"config", 2, "config error"},
                      StatusCase{"metric_not_available", 2, "metric not available"},
                      StatusCase{"unsupported", 2, "unsupported"},
                      StatusCase{"unavailable", 3, "unavailable"},
                      StatusCase{"auth", 3, "authentication failure"},
                      StatusCase{"timeout", 3, "timeout"}, StatusCase{"tls", 3, "tls error"},
                      StatusCase{"protocol", 4, "protocol error"},
                      StatusCase{"internal", 4, "internal error"}),
    [](const ::testing::TestParamInfo<StatusCase>& info) {
        return std::string(info.param.status);
    });

TEST_F(WatcherDsCli, NoDataIsExitOneWithAMessageOnStderr) {
    const auto r = run(fake("status = no_data\n"), {"host-ram-usage", "compute-1"});
    expectOneErrorLine(r, 1);
    EXPECT_THAT(r.err, AllOf(HasSubstr("watcher-ds: no data: fake: no data for host_ram_usage of "
                                       "host compute-1 (mean over 300 s)")));
}

TEST_F(WatcherDsCli, MultiLineServerTextStaysOnOneLine) {
    const auto r =
        run(fake("status = protocol\nerror_text = first line\n  second line\n"), {"check"});
    EXPECT_EQ(r.exitStatus, 0) << r;  // check does not query
    const auto q = run(fake("status = protocol\nerror_text = first line\n  second line\n"),
                       {"host-cpu-usage", "h"});
    expectOneErrorLine(q, 4);
    EXPECT_THAT(q.err, HasSubstr("first line second line"));
}

// --- datasource choice through the command ------------------------------------------------------

TEST_F(WatcherDsCli, SkippedDatasourcesWarnOnSuccess) {
    const auto r = run("[watcher_datasources]\ndatasources = gnocchi, fake\n", {"check"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_EQ(r.out, "fake: available\n");
    EXPECT_THAT(r.errLines(),
                ElementsAre(AllOf(HasSubstr("watcher-ds: warning: skipping datasource gnocchi"),
                                  HasSubstr("libgnocchi_ds.so does not exist"))));
}

TEST_F(WatcherDsCli, CreateFailureIsUnavailableWithEveryCauseOnOneLine) {
    const auto r =
        run("[watcher_datasources]\ndatasources = gnocchi, fake\n"
            "[fake_client]\nfail_create = unavailable\nwarn = dropped on failure\n",
            {"host-cpu-usage", "h"});
    expectOneErrorLine(r, 3);
    EXPECT_THAT(
        r.err, AllOf(HasSubstr("no usable datasource for metric host_cpu_usage"),
                     HasSubstr("gnocchi: no plugin"), HasSubstr("fake: create failed: unavailable"),
                     HasSubstr("connection refused")));
}

TEST_F(WatcherDsCli, VerboseKeepsEveryLineAndAddsDebugAndInfo) {
    const auto r = run(fake("warn = heads up\n"), {"-v", "host-cpu-usage", "h"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_THAT(r.errLines(),
                ElementsAre(HasSubstr("watcher-ds: debug: fake: created with"),
                            "watcher-ds: info: fake: fake ready", "watcher-ds: warning: heads up"));
    const auto failing =
        run(fake("warn = heads up\nstatus = unavailable\n"), {"--verbose", "host-cpu-usage", "h"});
    EXPECT_EQ(failing.exitStatus, 3);
    EXPECT_THAT(failing.errLines(), SizeIs(4));
    EXPECT_THAT(failing.errLines().back(), HasSubstr("watcher-ds: error: "));
}

TEST_F(WatcherDsCli, PrometheusWithAetosIsAConfigConflict) {
    const auto r =
        runRaw({"--config", config("[watcher_datasources]\ndatasources = prometheus, aetos\n"),
                "--plugin-dir", kNamedPluginDir, "check"});
    expectOneErrorLine(r, 2);
    EXPECT_THAT(r.err, AllOf(HasSubstr("config conflict"), HasSubstr("prometheus"),
                             HasSubstr("aetos"), HasSubstr("[watcher_datasources] datasources")));
}

TEST_F(WatcherDsCli, StrategyOptionSelectsTheStrategySection) {
    const std::string conf =
        "[watcher_datasources]\ndatasources = fake\n[fake_client]\nvalue = 1\n"
        "[watcher_strategies.basic]\ndatasources = fake2\n[fake2_client]\nvalue = 2\n";
    EXPECT_EQ(run(conf, {"host-cpu-usage", "h"}).out, "1\n");
    EXPECT_EQ(run(conf, {"--strategy", "basic", "host-cpu-usage", "h"}).out, "2\n");
    EXPECT_EQ(run(conf, {"--strategy", "other", "host-cpu-usage", "h"}).out, "1\n");
}

TEST_F(WatcherDsCli, PluginDirFromConfigThenCommandLineThenDefault) {
    const std::string conf =
        "[watcher_datasources]\ndatasources = fake\nplugin_dir = " + kPluginDir +
        "\n[fake_client]\nvalue = 5\n";
    const std::string path = config(conf);
    EXPECT_EQ(runRaw({"--config", path, "host-cpu-usage", "h"}).out, "5\n");

    TempDir empty;
    const auto overridden =
        runRaw({"--config", path, "--plugin-dir", empty.path(), "host-cpu-usage", "h"});
    expectOneErrorLine(overridden, 2);
    EXPECT_THAT(overridden.err, HasSubstr(empty.path() + "/libfake_ds.so does not exist"));

    const auto byDefault =
        runRaw({"--config", config("[watcher_datasources]\ndatasources = fake\n"), "check"});
    EXPECT_EQ(byDefault.exitStatus, 2) << byDefault;
    EXPECT_THAT(byDefault.err, HasSubstr(WDS_DEFAULT_PLUGIN_DIR));
}

TEST_F(WatcherDsCli, LoadFailureIsExitFourNamingBothAbiVersions) {
    const auto r = run("[watcher_datasources]\ndatasources = fakev2\n", {"check"});
    expectOneErrorLine(r, 4);
    EXPECT_THAT(r.err, AllOf(HasSubstr(kPluginDir + "/libfakev2_ds.so"),
                             HasSubstr("plugin ABI 2.0 is incompatible with host ABI 1.0")));
}

TEST_F(WatcherDsCli, ConfigFileProblemsAreConfigErrors) {
    const auto missing = runRaw({"--config", dir_.path() + "/nope.conf", "check"});
    expectOneErrorLine(missing, 2);
    EXPECT_THAT(missing.err, HasSubstr(dir_.path() + "/nope.conf"));

    const auto broken = run("[watcher_datasources]\ndatasources = fake\n[oops\n", {"check"});
    expectOneErrorLine(broken, 2);
    EXPECT_THAT(broken.err, HasSubstr("watcher.conf:3: section header is missing"));

    const auto invalid = run(fake("value = lots\n"), {"check"});
    expectOneErrorLine(invalid, 2);
    EXPECT_THAT(invalid.err, HasSubstr("fake_client.value"));
}

TEST_F(WatcherDsCli, ConfigFilesAndDirsAreReadInOrderLaterWinning) {
    const std::string a = dir_.write("a.conf", fake("value = 1\nstatus = ok\n"));
    const std::string b = dir_.write("b.conf", "[fake_client]\nvalue = 2\n");
    const std::string d = dir_.path() + "/conf.d";
    std::filesystem::create_directory(d);
    dir_.write("conf.d/20.conf", "[DEFAULT]\nv = 4\n[fake_client]\nvalue = ${v}.5\n");
    dir_.write("conf.d/10.conf", "[fake_client]\nvalue = 3\n");
    const std::vector<std::string> plugins = {"--plugin-dir", kPluginDir};
    const auto value = [&](std::vector<std::string> args) {
        args.insert(args.end(), plugins.begin(), plugins.end());
        args.insert(args.end(), {"host-cpu-usage", "h"});
        return runRaw(args);
    };
    EXPECT_EQ(value({"--config-file", a, "--config", b}).out, "2\n");
    EXPECT_EQ(value({"--config", b, "--config-file", a}).out, "1\n");
    EXPECT_EQ(value({"--config-file", a, "--config-dir", d}).out, "4.5\n");
    // Command-line order, as oslo.config: a file after the directory wins over it.
    EXPECT_EQ(value({"--config-dir", d, "--config-file", a}).out, "1\n");
    const auto shown =
        runRaw({"--config-file", a, "--config-dir", d, "--plugin-dir", kPluginDir, "config"});
    EXPECT_THAT(shown.out,
                HasSubstr("config files: " + a + ", " + d + "/10.conf, " + d + "/20.conf\n"));
    EXPECT_THAT(shown.out, HasSubstr("fake_client.value = 4.5 (" + d + "/20.conf:4)\n"));
    expectOneErrorLine(value({"--config-dir", dir_.path() + "/nope"}), 2);
    expectOneErrorLine(value({"--config-file", ""}), 2);
}

TEST_F(WatcherDsCli, AnUnresolvableReferenceIsAConfigErrorBeforeAnyPluginRuns) {
    const auto start = std::chrono::steady_clock::now();
    const auto r =
        run("[DEFAULT]\nstate_path = /s\n"
            "[watcher_datasources]\ndatasources = prometheus\n"
            "[prometheus_client]\nhost = $prom_host\ncafile = ${state_path}/ca.pem\n",
            {"check"});
    expectOneErrorLine(r, 2);
    EXPECT_THAT(r.err, HasSubstr("prometheus_client.host (" + dir_.path() + "/watcher.conf:6)"));
    EXPECT_THAT(r.err, HasSubstr("$prom_host"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(WatcherDsCli, DefaultGivesAnOptionNoFileSetsItsValueForReferences) {
    const std::string conf =
        "[watcher_datasources]\ndatasources = fake\n"
        "[prometheus_client]\ncafile = ${state_path}/ca.pem\n"
        "[fake_client]\nvalue = $v\n";
    const auto missing = run(conf, {"host-cpu-usage", "h"});
    expectOneErrorLine(missing, 2);
    EXPECT_THAT(missing.err, HasSubstr("prometheus_client.cafile (" + dir_.path() +
                                       "/watcher.conf:4): cannot substitute $state_path"));
    EXPECT_THAT(missing.err, HasSubstr("--default DEFAULT.state_path=VALUE"));

    const auto given = run(
        conf, {"--default", "DEFAULT.state_path=$pybasedir", "--default", "DEFAULT.pybasedir=/py",
               "--default", "DEFAULT.v=1", "--default=DEFAULT.v=7.5", "host-cpu-usage", "h"});
    EXPECT_EQ(given.exitStatus, 0) << given;
    EXPECT_EQ(given.out, "7.5\n");  // the later --default wins
    const auto json = run(conf, {"--default", "DEFAULT.state_path=/s", "--default", "DEFAULT.v=1",
                                 "--format", "json", "config"});
    EXPECT_THAT(json.out, HasSubstr("\"/s/ca.pem\""));
    EXPECT_THAT(json.out, Not(HasSubstr("state_path")));  // a default is no configured value

    expectOneErrorLine(run(conf, {"--default", "state_path=/s", "check"}), 2);
    expectOneErrorLine(run(conf, {"--default", "DEFAULT.state_path", "check"}), 2);
}

TEST_F(WatcherDsCli, AReferenceToAnUnsetPluginOptionIsThePluginsDefault) {
    const auto r = run(fake("value = 1${fake_client.http_status}\n"), {"host-cpu-usage", "h"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_EQ(r.out, "10\n");  // the fake plugin declares http_status = 0
}

// --- check, metrics, config ---------------------------------------------------------------------

TEST_F(WatcherDsCli, CheckReportsAvailability) {
    const auto ok = run(fake(), {"check"});
    EXPECT_EQ(ok.exitStatus, 0);
    EXPECT_EQ(ok.out, "fake: available\n");

    const auto down = run(fake("available = unavailable\nhttp_status = 502\n"), {"check"});
    expectOneErrorLine(down, 3);
    EXPECT_THAT(down.err, HasSubstr("fake: not available: unavailable (HTTP 502)"));

    const auto auth = run(fake("available = auth\n"), {"--format=json", "check"});
    EXPECT_EQ(auth.exitStatus, 3);
    EXPECT_FALSE(auth.json()->getValue<bool>("available"));

    const auto json = run(fake(), {"--format", "json", "check"}).json();
    EXPECT_EQ(json->getValue<std::string>("datasource"), "fake");
    EXPECT_TRUE(json->getValue<bool>("available"));
    EXPECT_EQ(json->getValue<std::string>("status"), "ok");
}

TEST_F(WatcherDsCli, MetricsListsOneNamePerLineOrAJsonArray) {
    const auto text = run(fake("list = up,node_cpu_seconds_total\n"), {"metrics"});
    EXPECT_EQ(text.exitStatus, 0);
    EXPECT_EQ(text.out, "up\nnode_cpu_seconds_total\n");

    const auto json =
        run(fake("list = up,node_cpu_seconds_total\n"), {"--format", "json", "metrics"}).json();
    const auto metrics = json->getArray("metrics");
    ASSERT_TRUE(metrics);
    ASSERT_EQ(metrics->size(), 2u);
    EXPECT_EQ(metrics->getElement<std::string>(1), "node_cpu_seconds_total");
    EXPECT_EQ(json->getValue<std::string>("datasource"), "fake");

    const auto down = run(fake("available = timeout\n"), {"metrics"});
    expectOneErrorLine(down, 3);
    EXPECT_THAT(down.err, HasSubstr("fake: cannot list metrics: timeout"));
}

const char* const kSecretConf =
    "[watcher_datasources]\ndatasources = gnocchi, fake\n"
    "[fake_client]\npassword = hunter2-pass\napi_key = flagged-api-key\nextra = shown\n"
    "[prometheus_client]\npassword = other-service-pass\n";

TEST_F(WatcherDsCli, ConfigShowsTheChoiceAndTheEffectiveConfigurationWithSecretsMasked) {
    const auto r = run(kSecretConf, {"--strategy", "basic", "config"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    const std::string conf = dir_.path() + "/watcher.conf";
    EXPECT_THAT(r.out, AllOf(HasSubstr("config file: " + conf), HasSubstr("strategy: basic"),
                             HasSubstr("datasources: gnocchi, fake (from [watcher_datasources] "
                                       "datasources; [watcher_strategies.basic] sets no "
                                       "datasources)"),
                             HasSubstr("plugin dir: " + kPluginDir + " (from --plugin-dir)"),
                             HasSubstr("datasource gnocchi: no plugin"),
                             HasSubstr("datasource fake: chosen"),
                             HasSubstr("effective configuration passed to fake:"),
                             HasSubstr("  fake_client.password = *** (" + conf + ":4)\n"),
                             HasSubstr("  fake_client.api_key = *** (" + conf + ":5)\n"),
                             HasSubstr("  fake_client.status = ok (default)\n"),
                             HasSubstr("  fake_client.error_text = (not set)\n"),
                             HasSubstr("  fake_client.extra = shown (" + conf +
                                       ":6) (not used by the plugin)\n")));
    for (const char* secret : {"hunter2-pass", "flagged-api-key", "other-service-pass"}) {
        EXPECT_THAT(r.out + r.err, Not(HasSubstr(secret)));
    }
    EXPECT_THAT(r.out, Not(HasSubstr("prometheus_client")));
}

TEST_F(WatcherDsCli, ConfigAsJson) {
    const auto r = run(kSecretConf, {"--format", "json", "config"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    for (const char* secret : {"hunter2-pass", "flagged-api-key", "other-service-pass"}) {
        EXPECT_THAT(r.out, Not(HasSubstr(secret)));
    }
    const auto json = r.json();
    EXPECT_EQ(json->getValue<std::string>("chosen"), "fake");
    EXPECT_TRUE(json->isNull("strategy"));
    EXPECT_EQ(json->getValue<std::string>("plugin_dir_from"), "--plugin-dir");
    EXPECT_EQ(json->getArray("datasources")->size(), 2u);
    const auto attempts = json->getArray("attempts");
    ASSERT_EQ(attempts->size(), 2u);
    EXPECT_EQ(attempts->getObject(0)->getValue<std::string>("outcome"), "no plugin");
    EXPECT_EQ(attempts->getObject(1)->getValue<std::string>("outcome"), "chosen");
    const auto entries = json->getObject("effective_config")->getArray("entries");
    std::map<std::string, Poco::JSON::Object::Ptr> byKey;
    for (size_t i = 0; i < entries->size(); ++i) {
        byKey[entries->getObject(i)->getValue<std::string>("key")] = entries->getObject(i);
    }
    EXPECT_EQ(byKey.at("fake_client.api_key")->getValue<std::string>("value"), "***");
    EXPECT_TRUE(byKey.at("fake_client.api_key")->getValue<bool>("secret"));
    EXPECT_EQ(byKey.at("fake_client.status")->getValue<std::string>("from"), "default");
    EXPECT_TRUE(byKey.at("fake_client.error_text")->isNull("value"));
    EXPECT_FALSE(byKey.at("fake_client.extra")->getValue<bool>("known"));
    EXPECT_EQ(json->getValue<std::string>("status"), "ok");
}

TEST_F(WatcherDsCli, ConfigStillReportsWhenNothingIsUsable) {
    const auto r =
        run("[watcher_datasources]\ndatasources = fake, fake2\n"
            "[fake_client]\nfail_create = auth\npassword = hunter2-pass\n"
            "[fake2_client]\nfail_create = unavailable\n",
            {"config"});
    EXPECT_EQ(r.exitStatus, 3) << r;
    EXPECT_THAT(r.out, AllOf(HasSubstr("datasource fake: create failed: authentication failure"),
                             HasSubstr("datasource fake2: create failed: unavailable"),
                             HasSubstr("configuration fake would receive (not chosen):"),
                             HasSubstr("fake_client.password = ***")));
    EXPECT_THAT(r.errLines(), SizeIs(1));
    EXPECT_THAT(r.out + r.err, Not(HasSubstr("hunter2-pass")));
}

TEST_F(WatcherDsCli, SecretsAreMaskedEvenWhenAPluginLogsThem) {
    const std::string conf =
        "[watcher_datasources]\ndatasources = fake\n"
        "[fake_client]\npassword = hunter2-pass\napi_key = flagged-api-key\nleak_in_log = true\n";
    const auto r = run(conf, {"host-cpu-usage", "h"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_THAT(r.err, HasSubstr("leaking password=*** api_key=***"));
    for (const char* secret : {"hunter2-pass", "flagged-api-key"}) {
        EXPECT_THAT(r.out + r.err, Not(HasSubstr(secret)));
    }
    const auto verbose = run(conf, {"-v", "host-cpu-usage", "h"});
    EXPECT_THAT(verbose.err, Not(HasSubstr("flagged-api-key")));
}

// --- JSON ---------------------------------------------------------------------------------------

TEST_F(WatcherDsCli, JsonValueObject) {
    const auto r = run(fake("value = 42.5\n"),
                       {"--format", "json", "host-cpu-usage", "compute-1", "--aggregate", "max",
                        "--period", "600", "--at", "1700000000.5"});
    EXPECT_EQ(r.exitStatus, 0) << r;
    EXPECT_EQ(r.err, "");
    const auto json = r.json();
    EXPECT_EQ(json->getValue<std::string>("datasource"), "fake");
    EXPECT_EQ(json->getValue<std::string>("meter"), "host_cpu_usage");
    EXPECT_EQ(json->getValue<std::string>("resource"), "compute-1");
    EXPECT_EQ(json->getValue<std::string>("resource_type"), "compute_node");
    EXPECT_EQ(json->getValue<std::string>("aggregate"), "max");
    EXPECT_EQ(json->getValue<int>("period"), 600);
    EXPECT_DOUBLE_EQ(json->getValue<double>("at"), 1700000000.5);
    EXPECT_DOUBLE_EQ(json->getValue<double>("value"), 42.5);
    EXPECT_EQ(json->getValue<std::string>("status"), "ok");
    EXPECT_FALSE(json->has("error"));
}

TEST_F(WatcherDsCli, JsonNoDataHasNullValueAndNowIsNull) {
    const auto r = run(fake("status = no_data\n"), {"--format", "json", "instance-ram-usage", "u"});
    EXPECT_EQ(r.exitStatus, 1) << r;
    const auto json = r.json();
    EXPECT_TRUE(json->has("value"));
    EXPECT_TRUE(json->isNull("value"));
    EXPECT_TRUE(json->isNull("at"));
    EXPECT_EQ(json->getValue<std::string>("status"), "no data");
    EXPECT_THAT(r.errLines(), SizeIs(1));
}

TEST_F(WatcherDsCli, JsonUsageErrorsAreObjectsToo) {
    const auto bad = run(fake(), {"--format", "json", "host-cpu-usage", "h", "--period", "0"});
    EXPECT_EQ(bad.exitStatus, 2);
    EXPECT_EQ(bad.json()->getValue<std::string>("status"), "usage error");
    EXPECT_THAT(bad.json()->getValue<std::string>("error"), HasSubstr("--period"));

    const auto unknown = run(fake(), {"--format=json", "check", "--nope"});
    EXPECT_EQ(unknown.exitStatus, 2);
    EXPECT_THAT(unknown.json()->getValue<std::string>("error"), HasSubstr("--nope"));

    const auto conflict = run("[watcher_datasources]\ndatasources = aetos,prometheus\n",
                              {"--format", "json", "check"});
    EXPECT_EQ(conflict.exitStatus, 2);
    EXPECT_EQ(conflict.json()->getValue<std::string>("status"), "config error");
}

TEST_F(WatcherDsCli, AnUnwritableStdoutIsAFailureNotASilentSuccess) {
    const std::vector<std::string> args = {"--config", config(fake()),   "--plugin-dir",
                                           kPluginDir, "host-cpu-usage", "h"};
    const auto r = runRaw(args, "/dev/full");
    EXPECT_EQ(r.exitStatus, 4) << r;
    EXPECT_THAT(r.errLines(), ElementsAre(HasSubstr("cannot write the result")));
}

// --- help ---------------------------------------------------------------------------------------

TEST_F(WatcherDsCli, HelpDocumentsEveryCommandOptionAndExitStatus) {
    for (const char* flag : {"--help", "-h"}) {
        const auto r = runRaw({flag});
        EXPECT_EQ(r.exitStatus, 0) << r;
        EXPECT_EQ(r.err, "");
        for (const char* word : {"check",
                                 "metrics",
                                 "config",
                                 "host-cpu-usage HOST",
                                 "host-ram-usage HOST",
                                 "instance-cpu-usage UUID --vcpus N",
                                 "instance-ram-usage UUID",
                                 "instance-ram-allocated UUID --memory MB",
                                 "instance-root-disk-size UUID --disk GB",
                                 "aggregate --meter NAME --resource-type compute_node|instance",
                                 "series --meter NAME",
                                 "--start UNIX_TIME",
                                 "batch --meter NAME",
                                 "--hostname H ...",
                                 "--all",
                                 "--from FILE",
                                 "--top N",
                                 "--config FILE",
                                 "--strategy NAME",
                                 "--plugin-dir DIR",
                                 "--format text|json",
                                 "--period S",
                                 "--aggregate A",
                                 "--granularity S",
                                 "--at UNIX_TIME",
                                 "--verbose",
                                 "Exit status",
                                 "max <-> min",
                                 "***",
                                 WDS_DEFAULT_PLUGIN_DIR}) {
            EXPECT_THAT(r.out, HasSubstr(word)) << flag;
        }
    }
    // --help wins over anything else on the line.
    EXPECT_EQ(runRaw({"host-cpu-usage", "--help", "--period", "abc"}).exitStatus, 0);
}

}  // namespace
}  // namespace wds::test
