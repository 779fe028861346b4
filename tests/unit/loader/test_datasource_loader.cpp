// The loader's choice rules and plugin checks, against the fake plugins.
#include <sys/stat.h>

#include <functional>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "watcher_ds/host/DatasourceLoader.h"

namespace wds::host {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

// A configuration layer from INI text, as the CLI builds it.
Poco::AutoPtr<Poco::Util::MapConfiguration> config(const std::string& text) {
    return WatcherConf::parseString(text, "test.conf").toConfiguration();
}

// Collects what the loader and the plugins log.
struct LogRecorder {
    std::vector<std::pair<wds_log_level, std::string>> lines;
    LogFunction sink() {
        return [this](wds_log_level level, const std::string& message) {
            lines.emplace_back(level, message);
        };
    }
    std::vector<std::string> warnings() const {
        std::vector<std::string> out;
        for (const auto& [level, message] : lines) {
            if (level >= WDS_LOG_WARNING)
                out.push_back(message);
        }
        return out;
    }
};

LoaderOptions optionsFor(const std::string& pluginDir, std::vector<std::string> metrics = {}) {
    LoaderOptions options;
    options.pluginDir = pluginDir;
    options.requiredMetrics = std::move(metrics);
    return options;
}

std::string configError(const std::function<void()>& action) {
    try {
        action();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// --- datasource list ----------------------------------------------------------------------

TEST(DatasourceList, ReadsTheGlobalListInOrder) {
    const auto conf = config("[watcher_datasources]\ndatasources = aetos, gnocchi ,grafana\n");
    const auto list = DatasourceLoader(*conf).datasources("");
    EXPECT_THAT(list.names, ElementsAre("aetos", "gnocchi", "grafana"));
    EXPECT_EQ(list.origin, "[watcher_datasources] datasources");
    EXPECT_FALSE(list.fromStrategy);
    EXPECT_FALSE(list.isDefault);
}

TEST(DatasourceList, DefaultsToWatchersDefault) {
    const auto conf = config("[DEFAULT]\ndebug = true\n");
    const auto list = DatasourceLoader(*conf).datasources("");
    EXPECT_THAT(list.names, ElementsAre("gnocchi", "grafana", "aetos"));
    EXPECT_TRUE(list.isDefault);
    EXPECT_THAT(list.origin, HasSubstr("(default)"));
}

TEST(DatasourceList, StrategySectionOverridesTheGlobalList) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = aetos\n"
        "[watcher_strategies.basic]\ndatasources = prometheus, gnocchi\n");
    const DatasourceLoader loader(*conf);
    const auto list = loader.datasources("basic");
    EXPECT_THAT(list.names, ElementsAre("prometheus", "gnocchi"));
    EXPECT_TRUE(list.fromStrategy);
    EXPECT_EQ(list.origin, "[watcher_strategies.basic] datasources");

    // A strategy without its own option falls back to the global list.
    const auto other = loader.datasources("workload_stabilization");
    EXPECT_THAT(other.names, ElementsAre("aetos"));
    EXPECT_FALSE(other.fromStrategy);
}

TEST(DatasourceList, ContinuationLinesFormOneList) {
    const auto conf = config("[watcher_datasources]\ndatasources = gnocchi,\n    aetos\n");
    EXPECT_THAT(DatasourceLoader(*conf).datasources("").names, ElementsAre("gnocchi", "aetos"));
}

TEST(DatasourceList, PrometheusWithAetosIsAConfigConflictNamingBoth) {
    const auto conf = config("[watcher_datasources]\ndatasources = prometheus, aetos\n");
    const std::string error = configError([&] { DatasourceLoader(*conf).datasources(""); });
    EXPECT_THAT(error,
                AllOf(HasSubstr("[watcher_datasources] datasources"), HasSubstr("config conflict"),
                      HasSubstr("prometheus"), HasSubstr("aetos")));
}

TEST(DatasourceList, ConflictInTheStrategySectionNamesThatSection) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = aetos\n"
        "[watcher_strategies.basic]\ndatasources = aetos,prometheus\n");
    const std::string error = configError([&] { DatasourceLoader(*conf).datasources("basic"); });
    EXPECT_THAT(error, HasSubstr("[watcher_strategies.basic] datasources: config conflict"));
}

TEST(DatasourceList, StrategyWithoutConflictOverridesAConflictingGlobalList) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = prometheus, aetos\n"
        "[watcher_strategies.basic]\ndatasources = aetos\n");
    EXPECT_THAT(DatasourceLoader(*conf).datasources("basic").names, ElementsAre("aetos"));
}

TEST(DatasourceList, EmptyListIsAConfigError) {
    const auto conf =
        config("[watcher_datasources]\ndatasources =\n[watcher_strategies.s]\ndatasources = ,\n");
    EXPECT_THAT(configError([&] { DatasourceLoader(*conf).datasources(""); }),
                HasSubstr("[watcher_datasources] datasources is empty"));
    EXPECT_THAT(configError([&] { DatasourceLoader(*conf).datasources("s"); }),
                HasSubstr("[watcher_strategies.s] datasources is empty"));
}

TEST(DatasourceList, MalformedNamesAreConfigErrors) {
    for (const char* value : {"../evil", "a,,b", "prometheus # comment", "a/b"}) {
        const auto conf = config(std::string("[watcher_datasources]\ndatasources = ") + value);
        EXPECT_THAT(configError([&] { DatasourceLoader(*conf).datasources(""); }),
                    HasSubstr("[watcher_datasources] datasources: invalid datasource name"))
            << value;
    }
}

TEST(DatasourceList, DuplicatesAreDroppedWithAWarning) {
    const auto conf = config("[watcher_datasources]\ndatasources = fake, fake2, fake\n");
    const auto list = DatasourceLoader(*conf).datasources("");
    EXPECT_THAT(list.names, ElementsAre("fake", "fake2"));
    ASSERT_THAT(list.warnings, SizeIs(1));
    EXPECT_THAT(list.warnings[0], HasSubstr("fake is listed more than once"));
}

// --- plugin directory ---------------------------------------------------------------------

TEST(PluginDirectory, CommandLineWinsOverConfigWinsOverDefault) {
    const auto withKey = config("[watcher_datasources]\nplugin_dir = /from/config\n");
    const auto withoutKey = config("[watcher_datasources]\ndatasources = fake\n");

    const auto cli = DatasourceLoader(*withKey).pluginDirectory("/from/cli", "/default");
    EXPECT_EQ(cli.path, "/from/cli");
    EXPECT_EQ(cli.origin, "--plugin-dir");

    const auto fromConfig = DatasourceLoader(*withKey).pluginDirectory(std::nullopt, "/default");
    EXPECT_EQ(fromConfig.path, "/from/config");
    EXPECT_EQ(fromConfig.origin, "[watcher_datasources] plugin_dir");

    const auto byDefault = DatasourceLoader(*withoutKey).pluginDirectory(std::nullopt, "/default");
    EXPECT_EQ(byDefault.path, "/default");
    EXPECT_EQ(byDefault.origin, "default");
}

TEST(PluginDirectory, InstalledDefaultIsTheLoaderDefault) {
    EXPECT_EQ(LoaderOptions().defaultPluginDir, WDS_DEFAULT_PLUGIN_DIR);
    EXPECT_THAT(std::string(WDS_DEFAULT_PLUGIN_DIR), HasSubstr("watcher-ds"));
}

TEST(PluginDirectory, EmptyValuesAreConfigErrors) {
    const auto conf = config("[watcher_datasources]\nplugin_dir =\n");
    EXPECT_THAT(configError([&] { DatasourceLoader(*conf).pluginDirectory(std::nullopt, "/d"); }),
                HasSubstr("[watcher_datasources] plugin_dir is empty"));
    EXPECT_THAT(configError([&] { DatasourceLoader(*conf).pluginDirectory("", "/d"); }),
                HasSubstr("--plugin-dir is empty"));
}

TEST(PluginDirectory, WorldWritableDirectoryIsRefused) {
    test::TempDir dir;
    ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
    const auto conf = config("[watcher_datasources]\ndatasources = fake\n");
    EXPECT_THAT(configError([&] { DatasourceLoader(*conf).pluginDirectory(dir.path(), "/d"); }),
                AllOf(HasSubstr(dir.path()), HasSubstr("world-writable")));
}

// --- choice -------------------------------------------------------------------------------

TEST(Choose, SkipsNamesWithoutAPluginWithAWarning) {
    const auto conf = config("[watcher_datasources]\ndatasources = gnocchi, grafana, fake\n");
    LogRecorder log;
    auto options = optionsFor(test::kPluginDir, {"host_cpu_usage"});
    options.log = log.sink();
    const Choice choice = DatasourceLoader(*conf).choose(options);

    ASSERT_TRUE(choice.ok());
    EXPECT_EQ(choice.datasource(), "fake");
    ASSERT_THAT(choice.attempts, SizeIs(3));
    EXPECT_EQ(choice.attempts[0].outcome, AttemptOutcome::NoPlugin);
    EXPECT_THAT(choice.attempts[0].reason,
                HasSubstr("no plugin: " + test::kPluginDir + "/libgnocchi_ds.so does not exist"));
    EXPECT_EQ(choice.attempts[1].outcome, AttemptOutcome::NoPlugin);
    EXPECT_EQ(choice.attempts[2].outcome, AttemptOutcome::Chosen);
    EXPECT_EQ(choice.attempts[2].pluginPath, test::kPluginDir + "/libfake_ds.so");
    EXPECT_THAT(log.warnings(), ElementsAre(HasSubstr("skipping datasource gnocchi: no plugin"),
                                            HasSubstr("skipping datasource grafana: no plugin")));
}

TEST(Choose, TakesTheFirstUsableDatasourceInListOrder) {
    const auto first = config("[watcher_datasources]\ndatasources = fake2, fake\n");
    EXPECT_EQ(DatasourceLoader(*first).choose(optionsFor(test::kPluginDir)).datasource(), "fake2");
    const auto second = config("[watcher_datasources]\ndatasources = fake, fake2\n");
    const Choice choice = DatasourceLoader(*second).choose(optionsFor(test::kPluginDir));
    EXPECT_EQ(choice.datasource(), "fake");
    EXPECT_THAT(choice.attempts, SizeIs(1));  // fake2 is never loaded
}

TEST(Choose, FallsBackWhenCreateFailsAndReportsTheRealCause) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = fake2, fake\n"
        "[fake2_client]\nfail_create = unavailable\nhttp_status = 503\n");
    LogRecorder log;
    auto options = optionsFor(test::kPluginDir);
    options.log = log.sink();
    const Choice choice = DatasourceLoader(*conf).choose(options);
    ASSERT_TRUE(choice.ok());
    EXPECT_EQ(choice.datasource(), "fake");
    EXPECT_EQ(choice.attempts[0].outcome, AttemptOutcome::CreateFailed);
    EXPECT_EQ(choice.attempts[0].status, WDS_E_UNAVAILABLE);
    EXPECT_THAT(choice.attempts[0].reason, AllOf(HasSubstr("create failed: unavailable (HTTP 503)"),
                                                 HasSubstr("connection refused")));
    EXPECT_THAT(log.warnings(), ElementsAre(HasSubstr("skipping datasource fake2: create failed")));
}

TEST(Choose, NoUsableDatasourceNamesEverySkippedOneAndItsCause) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = gnocchi, fake\n"
        "[fake_client]\nfail_create = auth\nerror_text = 401 Unauthorized\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir));
    ASSERT_FALSE(choice.ok());
    EXPECT_EQ(choice.datasource(), "");
    EXPECT_EQ(choice.chosen(), nullptr);
    EXPECT_EQ(choice.failureStatus(), WDS_E_AUTH);
    EXPECT_THAT(choice.failureMessage(),
                AllOf(HasSubstr("no usable datasource in [watcher_datasources] datasources "
                                "(gnocchi, fake)"),
                      HasSubstr("gnocchi: no plugin"),
                      HasSubstr("fake: create failed: authentication failure"),
                      HasSubstr("401 Unauthorized")));
}

TEST(Choose, OnlyMissingPluginsIsAConfigFailure) {
    const auto conf = config("[watcher_datasources]\ndatasources = gnocchi, grafana\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir));
    EXPECT_FALSE(choice.ok());
    EXPECT_EQ(choice.failureStatus(), WDS_E_CONFIG);
}

TEST(Choose, MissingPluginDirectoryIsNamed) {
    const auto conf = config("[watcher_datasources]\ndatasources = fake\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor("/nonexistent/plugins"));
    EXPECT_FALSE(choice.ok());
    EXPECT_THAT(choice.failureMessage(),
                HasSubstr("fake: no plugin: plugin directory /nonexistent/plugins "
                          "(--plugin-dir) does not exist"));
}

TEST(Choose, UsesThePluginDirFromConfigThenTheDefault) {
    const auto withKey = config(
        "[watcher_datasources]\ndatasources = fake\nplugin_dir = " + test::kPluginDir + "\n");
    LoaderOptions options;
    options.defaultPluginDir = "/nonexistent/default";
    const Choice fromConfig = DatasourceLoader(*withKey).choose(options);
    EXPECT_TRUE(fromConfig.ok());
    EXPECT_EQ(fromConfig.pluginDirectory.origin, "[watcher_datasources] plugin_dir");

    // --plugin-dir beats the config key.
    test::TempDir empty;
    options.pluginDir = empty.path();
    const Choice fromCli = DatasourceLoader(*withKey).choose(options);
    EXPECT_FALSE(fromCli.ok());
    EXPECT_THAT(fromCli.failureMessage(), HasSubstr(empty.path() + "/libfake_ds.so"));

    const auto withoutKey = config("[watcher_datasources]\ndatasources = fake\n");
    LoaderOptions defaults;
    defaults.defaultPluginDir = test::kPluginDir;
    const Choice byDefault = DatasourceLoader(*withoutKey).choose(defaults);
    EXPECT_TRUE(byDefault.ok());
    EXPECT_EQ(byDefault.pluginDirectory.origin, "default");
}

TEST(Choose, StrategySectionOverridesTheGlobalList) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = fake\n"
        "[watcher_strategies.basic]\ndatasources = fake2\n");
    auto options = optionsFor(test::kPluginDir);
    options.strategy = "basic";
    const Choice choice = DatasourceLoader(*conf).choose(options);
    EXPECT_EQ(choice.datasource(), "fake2");
    EXPECT_TRUE(choice.datasources.fromStrategy);
}

TEST(Choose, ConflictIsReportedBeforeAnythingLoads) {
    const auto conf = config("[watcher_datasources]\ndatasources = aetos, prometheus\n");
    LogRecorder log;
    auto options = optionsFor(test::kNamedPluginDir);
    options.log = log.sink();
    EXPECT_THAT(configError([&] { DatasourceLoader(*conf).choose(options); }),
                AllOf(HasSubstr("prometheus"), HasSubstr("aetos")));
    EXPECT_THAT(log.lines, IsEmpty());
}

TEST(Choose, SkipsAPluginWithoutTheRequestedMetric) {
    const auto conf = config("[watcher_datasources]\ndatasources = nometrics, fake\n");
    const Choice choice =
        DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir, {"host_cpu_usage"}));
    EXPECT_EQ(choice.datasource(), "fake");
    EXPECT_EQ(choice.attempts[0].outcome, AttemptOutcome::MissingMetric);
    EXPECT_EQ(choice.attempts[0].reason, "does not provide metric host_cpu_usage");
    EXPECT_TRUE(choice.attempts[0].library);  // it did load
}

TEST(Choose, MissingMetricEverywhereIsMetricNotAvailable) {
    const auto conf = config("[watcher_datasources]\ndatasources = gnocchi, nometrics, fake\n");
    const Choice choice =
        DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir, {"host_power"}));
    EXPECT_FALSE(choice.ok());
    EXPECT_EQ(choice.failureStatus(), WDS_E_METRIC_NOT_AVAILABLE);
    EXPECT_THAT(choice.failureMessage(),
                AllOf(HasSubstr("no usable datasource for metric host_power"),
                      HasSubstr("nometrics: does not provide metric host_power"),
                      HasSubstr("fake: does not provide metric host_power")));
}

TEST(Choose, WithoutRequiredMetricsAnyLoadablePluginWillDo) {
    const auto conf = config("[watcher_datasources]\ndatasources = nometrics\n");
    EXPECT_EQ(DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir)).datasource(),
              "nometrics");
}

// --- load failures: one message each, naming the path and the cause -------------------------

struct LoadFailureCase {
    const char* datasource;
    std::vector<std::string> expected;
};

class LoadFailure : public ::testing::TestWithParam<LoadFailureCase> {};

TEST_P(LoadFailure, IsSkippedWithAMessageNamingPathAndCause) {
    const LoadFailureCase& param = GetParam();
    const auto conf = config(std::string("[watcher_datasources]\ndatasources = ") +
                             param.datasource + ", fake\n");
    LogRecorder log;
    auto options = optionsFor(test::kPluginDir, {"host_cpu_usage"});
    options.log = log.sink();
    const Choice choice = DatasourceLoader(*conf).choose(options);

    ASSERT_TRUE(choice.ok());
    EXPECT_EQ(choice.datasource(), "fake");
    const Attempt& failed = choice.attempts.at(0);
    EXPECT_EQ(failed.outcome, AttemptOutcome::LoadFailed);
    EXPECT_EQ(failed.status, WDS_E_INTERNAL);
    EXPECT_FALSE(failed.library);
    const std::string path = test::kPluginDir + "/lib" + param.datasource + "_ds.so";
    EXPECT_THAT(failed.reason, HasSubstr(path + ": "));
    for (const auto& part : param.expected)
        EXPECT_THAT(failed.reason, HasSubstr(part));
    EXPECT_THAT(failed.reason, Not(HasSubstr("\n")));
    EXPECT_THAT(log.warnings(),
                ElementsAre(HasSubstr("skipping datasource " + std::string(param.datasource))));
}

INSTANTIATE_TEST_SUITE_P(
    EveryCheck, LoadFailure,
    ::testing::Values(
        LoadFailureCase{
            "noentry",
            {"not a watcher-ds plugin: no entry symbol wds_plugin_entry_v1", "undefined symbol"}},
        LoadFailureCase{"nulldesc",
                        {"wds_plugin_entry_v1 returned no descriptor for host ABI 1.0",
                         "this build refuses to give a descriptor"}},
        LoadFailureCase{
            "fakev2",
            {"plugin ABI 2.0 is incompatible with host ABI 1.0", "major versions differ"}},
        LoadFailureCase{
            "truncated",
            {"struct_size 16 is below the v1.0 size", "(plugin ABI 1.0, host ABI 1.0)"}},
        LoadFailureCase{
            "noslot",
            {"lacks required function(s) statistic_aggregation", "(plugin ABI 1.0, host ABI 1.0)"}},
        LoadFailureCase{"wrongid", {"plugin id is 'something_else', expected 'wrongid'"}},
        LoadFailureCase{"undefined",
                        {"cannot load plugin", "wds_fake_symbol_that_nothing_defines"}}),
    [](const ::testing::TestParamInfo<LoadFailureCase>& info) {
        return std::string(info.param.datasource);
    });

TEST(LoadFailure, NotASharedObject) {
    test::TempDir dir;
    dir.write("libgarbage_ds.so", std::string(256, 'x'));
    const auto conf = config("[watcher_datasources]\ndatasources = garbage\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(dir.path()));
    ASSERT_FALSE(choice.ok());
    EXPECT_EQ(choice.failureStatus(), WDS_E_INTERNAL);
    EXPECT_THAT(choice.failureMessage(),
                AllOf(HasSubstr(dir.path() + "/libgarbage_ds.so: cannot load plugin: "),
                      HasSubstr("invalid ELF header")));
}

TEST(LoadFailure, WorldWritablePluginFileIsRefused) {
    test::TempDir dir;
    const std::string path = dir.copy(test::kPluginDir + "/libfake_ds.so", "libfake_ds.so");
    ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
    const auto conf = config("[watcher_datasources]\ndatasources = fake\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(dir.path()));
    ASSERT_FALSE(choice.ok());
    EXPECT_THAT(choice.failureMessage(), HasSubstr(path + ": refusing to load a world-writable"));
}

// --- what a plugin receives -----------------------------------------------------------------

const char* const kManySections =
    "[DEFAULT]\ndebug = true\n"
    "[watcher_datasources]\ndatasources = fake\nquery_max_retries = 3\n"
    "[fake_client]\nlist = config\npassword = pa${HOME}ss\nextra = unknown to the plugin\n"
    "multi = a,\n  b\n"
    "[fake2_client]\nvalue = 1\n"
    "[prometheus_client]\npassword = other-service-secret\n"
    "[watcher_clients_auth]\npassword = keystone-secret\n";

TEST(PluginConfig, PassesEveryOptionOfThePluginsSectionsAndNothingElse) {
    const auto conf = config(kManySections);
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir));
    ASSERT_TRUE(choice.ok());
    std::vector<std::string> received;
    ASSERT_TRUE(choice.source.listMetrics(received).ok());
    EXPECT_THAT(received, UnorderedElementsAre("fake_client.extra=unknown to the plugin",
                                               "fake_client.list=config", "fake_client.multi=a,\nb",
                                               "fake_client.password=pa${HOME}ss",
                                               "watcher_datasources.datasources=fake",
                                               "watcher_datasources.query_max_retries=3"));
}

TEST(PluginConfig, SectionsComeFromThePluginsConfigKeys) {
    const auto conf = config(kManySections);
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir));
    ASSERT_TRUE(choice.ok());
    const DatasourceLoader loader(*conf);
    EXPECT_THAT(loader.pluginSections(*choice.chosen()->library),
                ElementsAre("fake_client", "watcher_datasources"));
}

TEST(PluginConfig, AetosNeverSeesThePrometheusSection) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = aetos\n"
        "[aetos_client]\nlist = config\nregion_name = RegionOne\n"
        "[prometheus_client]\npassword = prom-secret\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kNamedPluginDir));
    ASSERT_TRUE(choice.ok());
    std::vector<std::string> received;
    ASSERT_TRUE(choice.source.listMetrics(received).ok());
    EXPECT_THAT(received, UnorderedElementsAre("aetos_client.list=config",
                                               "aetos_client.region_name=RegionOne",
                                               "watcher_datasources.datasources=aetos"));
}

TEST(PluginConfig, EffectiveConfigShowsValuesDefaultsAndUnknownKeysWithSecretsMasked) {
    const auto conf = config(
        "[watcher_datasources]\ndatasources = fake\n"
        "[fake_client]\nvalue = 7\npassword = hunter2\napi_key = flagged\nextra = x\n"
        "auth_token = tok\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir));
    ASSERT_TRUE(choice.ok());
    const auto entries = DatasourceLoader(*conf).effectiveConfig(*choice.chosen()->library);
    std::map<std::string, ConfigEntry> byKey;
    for (const auto& entry : entries)
        byKey[entry.key] = entry;

    EXPECT_EQ(byKey["fake_client.value"].origin, ConfigEntry::Origin::Configured);
    EXPECT_EQ(byKey["fake_client.value"].shown(), "7");
    EXPECT_EQ(byKey["fake_client.status"].origin, ConfigEntry::Origin::Default);
    EXPECT_EQ(byKey["fake_client.status"].shown(), "ok");
    EXPECT_EQ(byKey["fake_client.error_text"].origin, ConfigEntry::Origin::Unset);
    EXPECT_EQ(byKey["watcher_datasources.query_max_retries"].shown(), "10");

    EXPECT_TRUE(byKey["fake_client.password"].secret);  // by name
    EXPECT_EQ(byKey["fake_client.password"].shown(), "***");
    EXPECT_TRUE(byKey["fake_client.api_key"].secret);  // by WDS_CONFIG_SECRET only
    EXPECT_EQ(byKey["fake_client.api_key"].shown(), "***");

    EXPECT_FALSE(byKey["fake_client.extra"].known);
    EXPECT_EQ(byKey["fake_client.extra"].shown(), "x");
    EXPECT_FALSE(byKey["fake_client.auth_token"].known);
    EXPECT_EQ(byKey["fake_client.auth_token"].shown(), "***");

    // The plugin's own keys come first, in its order.
    EXPECT_EQ(entries.front().key, "fake_client.value");
    EXPECT_FALSE(entries.back().known);
}

// --- the chosen source works ------------------------------------------------------------------

TEST(ChosenSource, AnswersQueriesAndHostGettersInvertTheAggregate) {
    const auto conf =
        config("[watcher_datasources]\ndatasources = fake\n[fake_client]\nvalue = aggregate\n");
    const Choice choice = DatasourceLoader(*conf).choose(optionsFor(test::kPluginDir));
    ASSERT_TRUE(choice.ok());
    const auto inverted = choice.source.hostCpuUsage("compute-1", 300, WDS_AGGREGATE_MAX);
    ASSERT_TRUE(inverted.ok());
    EXPECT_EQ(*inverted.value, WDS_AGGREGATE_MIN);

    AggregationRequest request;
    request.resource = Resource::computeNode("compute-1");
    request.meterName = "host_cpu_usage";
    request.aggregate = WDS_AGGREGATE_MAX;
    const auto direct = choice.source.statisticAggregation(request);
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(*direct.value, WDS_AGGREGATE_MAX);
}

TEST(ChosenSource, PluginLogLinesReachTheLogFunction) {
    const auto conf =
        config("[watcher_datasources]\ndatasources = fake\n[fake_client]\nwarn = careful now\n");
    LogRecorder log;
    auto options = optionsFor(test::kPluginDir);
    options.log = log.sink();
    const Choice choice = DatasourceLoader(*conf).choose(options);
    ASSERT_TRUE(choice.ok());
    EXPECT_THAT(log.warnings(), ElementsAre("careful now"));
    EXPECT_THAT(log.lines, SizeIs(3));  // plus DEBUG and INFO
}

TEST(PluginLibrary, OpensAndDescribesAGoodPlugin) {
    std::string error;
    const auto library = PluginLibrary::open(test::kPluginDir + "/libfake_ds.so", "fake", error);
    ASSERT_TRUE(library) << error;
    EXPECT_EQ(error, "");
    EXPECT_EQ(library->id(), "fake");
    EXPECT_EQ(library->abiVersion(), "1.0");
    EXPECT_TRUE(library->providesMetric("instance_root_disk_size"));
    EXPECT_FALSE(library->providesMetric("host_power"));
    ASSERT_NE(library->findConfigKey("fake_client.api_key"), nullptr);
    EXPECT_EQ(library->findConfigKey("fake_client.nope"), nullptr);
    EXPECT_EQ(pluginFileName("prometheus"), "libprometheus_ds.so");
    EXPECT_EQ(hostAbiVersion(), "1.0");
}

TEST(LoadWatcherConf, ReferencesToUnsetPluginOptionsResolveToThePluginsDefaults) {
    test::TempDir dir;
    const std::string path = dir.write(
        "w.conf",
        "[watcher_datasources]\ndatasources = gnocchi, fake\n"
        "[prometheus_client]\nhost = h${fake_client.value}\ncafile = ${state_path}/ca.pem\n");
    const WatcherConf conf =
        loadWatcherConf({{path, false}}, makeDefaults({{"DEFAULT.state_path", "/srv/w"}}),
                        optionsFor(test::kPluginDir));
    EXPECT_EQ(conf.get("prometheus_client", "host"), "h42.5");  // the fake plugin's default
    EXPECT_EQ(conf.get("prometheus_client", "cafile"), "/srv/w/ca.pem");
    EXPECT_EQ(conf.get("fake_client", "value"), std::nullopt);  // not made a configured value
}

TEST(LoadWatcherConf, TheCallersDefaultWinsOverThePluginsAndAFileOverBoth) {
    test::TempDir dir;
    const std::string path =
        dir.write("w.conf",
                  "[watcher_datasources]\ndatasources = fake\n"
                  "[prometheus_client]\nhost = ${fake_client.value}\n"
                  "username = ${fake_client.status}\n[fake_client]\nstatus = x\n");
    const WatcherConf conf = loadWatcherConf(
        {{path, false}}, makeDefaults({{"fake_client.value", "7"}}), optionsFor(test::kPluginDir));
    EXPECT_EQ(conf.get("prometheus_client", "host"), "7");
    EXPECT_EQ(conf.get("prometheus_client", "username"), "x");
}

TEST(LoadWatcherConf, WithoutThePluginTheReferenceIsAnErrorSayingHowToSupplyIt) {
    test::TempDir dir;
    const std::string path = dir.write("w.conf",
                                       "[watcher_datasources]\ndatasources = fake\n"
                                       "[prometheus_client]\nhost = ${fake_client.value}\n");
    const std::string message = configError([&] {
        loadWatcherConf({{path, false}}, {}, optionsFor(dir.file("none")));
    });
    EXPECT_THAT(message, HasSubstr("prometheus_client.host (" + path + ":4)"));
    EXPECT_THAT(message, HasSubstr("$fake_client.value"));
    EXPECT_THAT(message, HasSubstr("--default fake_client.value=VALUE"));
}

TEST(LoadWatcherConf, TheListAndTheDirectoryMayUseTheCallersDefaults) {
    test::TempDir dir;
    const std::string path = dir.write("w.conf",
                                       "[watcher_datasources]\ndatasources = $ds\n"
                                       "plugin_dir = ${plugins}\n"
                                       "[prometheus_client]\nhost = ${fake_client.value}\n");
    const WatcherConf conf = loadWatcherConf(
        {{path, false}},
        makeDefaults({{"DEFAULT.ds", "fake"}, {"DEFAULT.plugins", test::kPluginDir}}),
        LoaderOptions());
    EXPECT_EQ(conf.get("watcher_datasources", "plugin_dir"), test::kPluginDir);
    EXPECT_EQ(conf.get("prometheus_client", "host"), "42.5");
}

TEST(LoadWatcherConf, MakeDefaultsRefusesAKeyWithoutGroup) {
    EXPECT_THAT(configError([] {
                    makeDefaults({{"state_path", "x"}});
                }),
                HasSubstr("expected a key GROUP.NAME"));
    EXPECT_EQ(makeDefaults({{"DEFAULT.a", "1"}, {"DEFAULT.a", "2"}}).at("DEFAULT").at("a"), "2");
}

}  // namespace
}  // namespace wds::host
