#include <dlfcn.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "AetosPluginTest.h"
#include "SecretScan.h"
#include "expectations/ExtensionChecks.h"
#include "servers/ChildProcess.h"

namespace aetos_it {
namespace {

TEST_F(AetosPluginTest, PasswordAuthThroughThePublicEndpointWithAPathPrefix) {
    publicOne_->resetCounters();
    auto source = createOk(watcherConfig());
    EXPECT_TRUE(source.checkAvailability().ok());
    expectValue(hostCpu(source), expectedHostCpu(), "host cpu");
    wds::Resource instance = wds::Resource::instance(Dataset::kMultiSeriesInstance);
    instance.vcpus = 1;
    expectValue(
        source.instanceCpuUsage(instance, 600, WDS_AGGREGATE_MAX, 300, Dataset::kEnd * 1000),
        Dataset::instanceCpuUsage(Dataset::kMultiSeriesInstance, "max", 600, Dataset::kEnd, 1),
        "instance cpu");
    std::vector<std::string> metrics;
    EXPECT_TRUE(source.listMetrics(metrics).ok());
    EXPECT_THAT(metrics, testing::Contains("ceilometer_memory_usage"));
    EXPECT_GE(publicOne_->forwardedCount(), 4u);
    EXPECT_FALSE(publicOne_->lastAuthToken().empty());
}

TEST_F(AetosPluginTest, ApplicationCredentialAuth) {
    const auto& credential = keystone_->applicationCredential();
    auto source =
        createOk({{"watcher_clients_auth.auth_type", "v3applicationcredential"},
                  {"watcher_clients_auth.auth_url", keystone_->authUrl()},
                  {"watcher_clients_auth.application_credential_id", credential.id},
                  {"watcher_clients_auth.application_credential_secret", credential.secret}});
    expectValue(hostCpu(source), expectedHostCpu(), "host cpu");
}

TEST_F(AetosPluginTest, InterfaceAndRegionPickTheEndpoint) {
    internalOne_->resetCounters();
    publicTwo_->resetCounters();
    auto internal = createOk(with(watcherConfig(), {{"aetos_client.interface", "internalURL"},
                                                    {"aetos_client.region_name", "RegionOne"}}));
    expectValue(hostCpu(internal), expectedHostCpu(), "internal");
    EXPECT_GE(internalOne_->forwardedCount(), 2u);
    EXPECT_EQ(publicTwo_->forwardedCount(), 0u);

    auto regionTwo = createOk(with(watcherConfig(), {{"aetos_client.region_name", "RegionTwo"}}));
    expectValue(hostCpu(regionTwo), expectedHostCpu(), "RegionTwo");
    EXPECT_GE(publicTwo_->forwardedCount(), 2u);
}

TEST_F(AetosPluginTest, AWrongInterfaceOrRegionFailsLoudly) {
    wds::Outcome outcome;
    create(with(watcherConfig(), {{"aetos_client.interface", "admin"}}), outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_THAT(outcome.message, HasSubstr("metric-storage"));
    EXPECT_THAT(outcome.message, HasSubstr("'admin'"));

    create(with(watcherConfig(), {{"aetos_client.interface", "internal"},
                                  {"aetos_client.region_name", "RegionTwo"}}),
           outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_THAT(outcome.message, HasSubstr("'RegionTwo'"));

    create(with(watcherConfig(), {{"aetos_client.interface", "private"}}), outcome);
    EXPECT_EQ(outcome.status, WDS_E_CONFIG);
    EXPECT_THAT(outcome.message, HasSubstr("aetos_client.interface"));
}

TEST_F(AetosPluginTest, ARevokedTokenIsRenewedOnceAndTheCallRetried) {
    auto source = createOk(with(watcherConfig(), {{"aetos_client.interface", "internal"}}));
    expectValue(hostCpu(source), expectedHostCpu(), "before");
    const std::string first = internalOne_->lastAuthToken();
    keystone_->revokeToken(first);
    internalOne_->resetCounters();

    expectValue(hostCpu(source), expectedHostCpu(), "after revocation");
    EXPECT_EQ(internalOne_->unauthorizedCount(), 1u);  // one 401, then success
    EXPECT_NE(internalOne_->lastAuthToken(), first);
}

TEST_F(AetosPluginTest, WrongPasswordIsAnAuthFailureThatNamesTheUserButNotThePassword) {
    wds::Outcome outcome;
    create(with(watcherConfig(), {{"watcher_clients_auth.password", "Wr0ng-Passw0rd"}}), outcome);
    EXPECT_EQ(outcome.status, WDS_E_AUTH);
    EXPECT_THAT(outcome.message, HasSubstr(keystone_->watcher().user));
    EXPECT_THAT(outcome.message, Not(HasSubstr("Wr0ng-Passw0rd")));
}

TEST_F(AetosPluginTest, AReaderOnlyUserIsToldWhichRoleAetosNeeds) {
    wds::Outcome outcome;
    create(passwordConfig(keystone_->reader()), outcome);
    EXPECT_EQ(outcome.status, WDS_E_AUTH);
    EXPECT_EQ(outcome.httpStatus, 403);
    EXPECT_THAT(outcome.message, HasSubstr("admin or service role"));
}

TEST_F(AetosPluginTest, KeystoneDownAndAetosDownAreUnavailable) {
    wds::Outcome outcome;
    create(with(watcherConfig(), {{"watcher_clients_auth.auth_url", "http://127.0.0.1:1/v3"}}),
           outcome);
    EXPECT_EQ(outcome.status, WDS_E_UNAVAILABLE);
    EXPECT_THAT(outcome.message, HasSubstr("127.0.0.1:1"));

    publicTwo_->stop();
    create(with(watcherConfig(), {{"aetos_client.region_name", "RegionTwo"}}), outcome);
    publicTwo_->start();
    EXPECT_EQ(outcome.status, WDS_E_UNAVAILABLE);
    EXPECT_THAT(outcome.message, HasSubstr("/aetos"));
}

TEST_F(AetosPluginTest, SecretsAndTokensNeverReachLogsOrErrors) {
    auto source = createOk(watcherConfig());
    hostCpu(source);
    source.hostCpuUsage("no-such-host");
    const std::string token = publicOne_->lastAuthToken();
    wds::Outcome failed;
    create(with(watcherConfig(), {{"watcher_clients_auth.password", "Wr0ng-Passw0rd"}}), failed);
    std::lock_guard<std::mutex> lock(logMutex_);
    ASSERT_FALSE(token.empty());
    for (const std::string& line : logs_) {
        EXPECT_THAT(line, Not(HasSubstr(keystone_->watcher().password)));
        EXPECT_THAT(line, Not(HasSubstr(token)));
        EXPECT_THAT(line, Not(HasSubstr("Wr0ng-Passw0rd")));
    }
    EXPECT_THAT(failed.message, Not(HasSubstr("Wr0ng-Passw0rd")));
}

TEST_F(AetosPluginTest, TokensAreRenewedBeforeTheyExpire) {
    keystone_->setTokenExpiration(6);  // restarts Keystone; tokens live 5-6 s
    auto source = createOk(watcherConfig());
    expectValue(hostCpu(source), expectedHostCpu(), "fresh token");
    const std::string first = publicOne_->lastAuthToken();
    publicOne_->resetCounters();
    std::this_thread::sleep_for(std::chrono::milliseconds(4800));  // past 3/4 of its life
    expectValue(hostCpu(source), expectedHostCpu(), "renewed token");
    keystone_->setTokenExpiration(3600);
    EXPECT_NE(publicOne_->lastAuthToken(), first);
    EXPECT_EQ(publicOne_->unauthorizedCount(), 0u);  // renewed ahead of time, not after a 401
}

TEST_F(AetosPluginTest, AMissingServiceOrEndpointIsAConfigError) {
    keystone_->setMetricStorageEndpoints({});
    wds::Outcome noEndpoints;
    create(watcherConfig(), noEndpoints);
    keystone_->removeMetricStorageService();
    wds::Outcome noService;
    create(watcherConfig(), noService);
    useStandardCatalog();

    EXPECT_EQ(noEndpoints.status, WDS_E_CONFIG);
    EXPECT_THAT(noEndpoints.message, HasSubstr("metric-storage endpoint with interface 'public'"));
    EXPECT_EQ(noService.status, WDS_E_CONFIG);
    EXPECT_THAT(noService.message, HasSubstr("no metric-storage service at all"));
    expectValue(hostCpu(createOk(watcherConfig())), expectedHostCpu(), "restored");
}

TEST_F(AetosPluginTest, TheCommandWorksEndToEndWithDatasourcesAetos) {
    const std::string conf = dir_->file("watcher.conf");
    std::ofstream(conf) << "[watcher_datasources]\ndatasources = gnocchi, aetos\n"
                        << "[aetos_client]\ninterface = public\nregion_name = RegionOne\n"
                        << "[watcher_clients_auth]\nauth_type = password\nauth_url = "
                        << keystone_->authUrl() << "\nusername = " << keystone_->watcher().user
                        << "\npassword = " << keystone_->watcher().password
                        << "\nuser_domain_name = Default\nproject_name = "
                        << keystone_->watcher().project << "\nproject_domain_name = Default\n";
    const std::string command = std::string(WDS_CLI) + " --config " + conf + " --plugin-dir " +
                                WDS_PLUGIN_DIR_BUILD + " host-cpu-usage " + kHost + " --at " +
                                std::to_string(Dataset::kEnd) + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    char line[128] = {};
    ASSERT_NE(fgets(line, sizeof line, pipe), nullptr);
    EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 0);
    EXPECT_NEAR(std::stod(line), expectedHostCpu(), 1e-6 * expectedHostCpu());

    // `config` shows the effective configuration with the password masked.
    const std::string config = std::string(WDS_CLI) + " --config " + conf + " --plugin-dir " +
                               WDS_PLUGIN_DIR_BUILD + " config 2>&1";
    const auto [exitStatus, output] = wds::testing::runCommand(config);
    EXPECT_EQ(exitStatus, 0) << output;
    EXPECT_THAT(output, HasSubstr("watcher_clients_auth.password = ***"));
    EXPECT_THAT(output, HasSubstr("datasource aetos: chosen"));
    EXPECT_THAT(output, Not(HasSubstr(keystone_->watcher().password)));
}

TEST_F(AetosPluginTest, SeriesComeFromASubqueryBecauseAetosHasNoQueryRange) {
    auto source = createOk(watcherConfig());
    publicOne_->resetCounters();
    // The same checks as against Prometheus directly: every metric, resource and aggregate.
    wds::testing::expectSeriesMatchDataset(source, Dataset::kEnd - 1800, Dataset::kEnd, 60);
    EXPECT_THAT(publicOne_->lastRequest(), HasSubstr("/api/v1/query?"));
    EXPECT_EQ(publicOne_->unauthorizedCount(), 0u);
}

TEST_F(AetosPluginTest, BatchesStayUnderTheRequestLineLimitAndMatchSingleCalls) {
    auto source = createOk(watcherConfig());
    publicOne_->resetCounters();
    // 200 more UUIDs: as one regex they would need a ~9 KiB request line; the proxy allows
    // 4 KiB, so each instance batch takes 5 regex queries of under 2 KiB of matcher each.
    std::vector<std::string> extra;
    for (int i = 0; i < 200; ++i) {
        char uuid[37];
        std::snprintf(uuid, sizeof uuid, "%08d-0000-4000-8000-000000000000", i);
        extra.push_back(uuid);
    }
    const wds::testing::Windows windows{{{300, Dataset::kEnd}, {600, Dataset::kEnd - 3600}},
                                        {{300, Dataset::kEnd}, {600, Dataset::kEnd - 3600}}};
    // 2 metrics x 3 aggregates x 2 windows: 1 query for the hosts, 5 for the instances.
    EXPECT_EQ(wds::testing::expectBatchMatchesSingleCalls(source, windows, extra), 12u * (1 + 5));
    EXPECT_EQ(publicOne_->uriTooLongCount(), 0u);
}

TEST_F(AetosPluginTest, InventoryListsTheInstancesWithDataThroughTheProxy) {
    auto source = createOk(watcherConfig());
    // The same checks as against Prometheus directly, through Aetos' label values route.
    const auto listed = wds::testing::expectInventoryMatchesDataset(source);
    EXPECT_EQ(listed.size(), 4u);
    publicOne_->resetCounters();
    wds::Outcome outcome;
    EXPECT_EQ(source.listInstances("instance_cpu_usage", 300, Dataset::kEnd * 1000, outcome),
              listed);
    EXPECT_TRUE(outcome.ok()) << outcome.message;
    EXPECT_EQ(publicOne_->forwardedCount(), 1u);
    EXPECT_THAT(publicOne_->lastRequest(),
                HasSubstr("GET /metric-storage/api/v1/label/resource/values?match%5B%5D="));
    EXPECT_EQ(publicOne_->unauthorizedCount(), 0u);
}

// The whole secret scan: every log line (all levels), every error and every `watcher-ds` output
// of full runs of both plugins, right and wrong credentials, must be free of the Keystone
// password, the application-credential secret, the Prometheus basic-auth password (and its
// Authorization header), the wrong passwords tried, and every Keystone token the proxy saw.
TEST_F(AetosPluginTest, NoSecretAppearsInAnyLogErrorOrCommandOutput) {
    wds::testing::SecretScan scan;
    const auto& watcher = keystone_->watcher();
    const auto& credential = keystone_->applicationCredential();
    // bcrypt (cost 4) of kBasicPassword, as in integration_prometheus_transport.
    const std::string kBasicUser = "watcher-basic";
    const std::string kBasicPassword = "t3st-basic-pw";
    const std::string kBasicHash = "$2b$04$HwhUuLtZGju3sPlE4Jd56eBZtGQ0RbohHW4agK4hpVClawONay/Ri";
    const std::string kWrong = "Wr0ng-Passw0rd-7";
    scan.addSecret("the Keystone password", watcher.password);
    scan.addSecret("the application credential secret", credential.secret);
    scan.addSecret("the basic-auth password", kBasicPassword);
    scan.addSecret("the basic-auth header", "d2F0Y2hlci1iYXNpYzp0M3N0LWJhc2ljLXB3");
    scan.addSecret("the wrong password", kWrong);
    auto noteToken = [&] { scan.addSecret("a Keystone token", publicOne_->lastAuthToken()); };

    // Aetos through the C ABI: password and application credential, success and failures.
    auto run = [&](const std::string& flow, const Config& config) {
        wds::Outcome outcome;
        wds::Source source = wds::Source::create(*plugin_, config, scan.logger(flow), outcome);
        scan.record(flow + " create", outcome);
        if (!source)
            return outcome;
        scan.record(flow + " check", source.checkAvailability());
        std::vector<std::string> names;
        scan.record(flow + " metrics", source.listMetrics(names));
        scan.record(flow + " host", hostCpu(source));
        scan.record(flow + " unknown host", source.hostCpuUsage("no-such-host"));
        scan.record(flow + " count", source.hostCpuUsage(kHost, 300, WDS_AGGREGATE_COUNT));
        noteToken();
        keystone_->revokeToken(publicOne_->lastAuthToken());
        publicOne_->clearTokenCache();
        scan.record(flow + " after revocation", hostCpu(source));
        noteToken();
        return outcome;
    };
    EXPECT_TRUE(run("aetos password", watcherConfig()).ok());
    const Config appCredential = {
        {"watcher_clients_auth.auth_type", "v3applicationcredential"},
        {"watcher_clients_auth.auth_url", keystone_->authUrl()},
        {"watcher_clients_auth.application_credential_id", credential.id},
        {"watcher_clients_auth.application_credential_secret", credential.secret}};
    EXPECT_TRUE(run("aetos application credential", appCredential).ok());
    EXPECT_EQ(run("aetos wrong password",
                  with(watcherConfig(), {{"watcher_clients_auth.password", kWrong}}))
                  .status,
              WDS_E_AUTH);
    EXPECT_EQ(
        run("aetos wrong secret",
            with(appCredential, {{"watcher_clients_auth.application_credential_secret", kWrong}}))
            .status,
        WDS_E_AUTH);
    run("aetos keystone down",
        with(watcherConfig(), {{"watcher_clients_auth.auth_url", "http://127.0.0.1:1/v3"}}));

    // Prometheus with basic auth through the C ABI.
    wds::testing::TempDir authDir("wds-it-secrets-");
    wds::testing::BasicAuthPrometheus authProm(authDir.path(), kBasicUser, kBasicHash);
    void* library = dlopen(WDS_PROMETHEUS_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library, nullptr) << dlerror();
    const wds_plugin_v1* prometheus = reinterpret_cast<wds_plugin_entry_v1_fn>(
        dlsym(library, WDS_PLUGIN_ENTRY_V1_SYMBOL))(nullptr);
    ASSERT_NE(prometheus, nullptr);
    const Config basic = {{"prometheus_client.host", "127.0.0.1"},
                          {"prometheus_client.port", std::to_string(authProm.port())},
                          {"prometheus_client.username", kBasicUser},
                          {"prometheus_client.password", kBasicPassword},
                          {"watcher_datasources.query_max_retries", "1"}};
    for (const auto& [flow, password] :
         {std::pair<std::string, std::string>{"prometheus", kBasicPassword},
          {"prometheus wrong password", kWrong}}) {
        wds::Outcome outcome;
        wds::Source source = wds::Source::create(
            *prometheus, with(basic, {{"prometheus_client.password", password}}), scan.logger(flow),
            outcome);
        scan.record(flow + " create", outcome);
        EXPECT_EQ(outcome.status, password == kWrong ? WDS_E_AUTH : WDS_OK) << outcome.message;
        if (!source)
            continue;
        scan.record(flow + " check", source.checkAvailability());
        scan.record(flow + " unknown host", source.hostCpuUsage("no-such-host"));
        scan.record(flow + " instance", source.instanceRamUsage(wds::Resource::instance("i-1")));
    }

    // The command, with every output and --verbose, for each configuration.
    auto writeConf = [&](const std::string& name, const std::string& text) {
        const std::string path = dir_->file(name);
        std::ofstream(path) << text;
        return path;
    };
    auto aetosConf = [&](const std::string& auth) {
        return "[watcher_datasources]\ndatasources = aetos\nquery_max_retries = 1\n"
               "[watcher_clients_auth]\nauth_url = " +
               keystone_->authUrl() + "\n" + auth;
    };
    const std::string passwordAuth =
        "auth_type = password\nusername = " + watcher.user +
        "\nuser_domain_name = Default\nproject_name = " + watcher.project +
        "\nproject_domain_name = Default\n";
    const std::vector<std::pair<std::string, int>> confs = {
        {writeConf("s-password.conf", aetosConf(passwordAuth + "password = " + watcher.password)),
         0},
        {writeConf("s-appcred.conf",
                   aetosConf("auth_type = v3applicationcredential\napplication_credential_id = " +
                             credential.id +
                             "\napplication_credential_secret = " + credential.secret + "\n")),
         0},
        {writeConf("s-wrong.conf", aetosConf(passwordAuth + "password = " + kWrong)), 3},
        {writeConf("s-basic.conf",
                   "[watcher_datasources]\ndatasources = prometheus\n[prometheus_client]\nhost = "
                   "127.0.0.1\nport = " +
                       std::to_string(authProm.port()) + "\nusername = " + kBasicUser +
                       "\npassword = " + kBasicPassword + "\n"),
         0},
        {writeConf("s-basic-wrong.conf",
                   "[watcher_datasources]\ndatasources = prometheus\n[prometheus_client]\nhost = "
                   "127.0.0.1\nport = " +
                       std::to_string(authProm.port()) + "\nusername = " + kBasicUser +
                       "\npassword = " + kWrong + "\n"),
         3}};
    const std::string at = std::to_string(Dataset::kEnd);
    for (const auto& [conf, checkExit] : confs) {
        const std::string cli = std::string(WDS_CLI) + " --config " + conf + " --plugin-dir " +
                                WDS_PLUGIN_DIR_BUILD + " ";
        for (const std::string& args : std::vector<std::string>{
                 "--verbose config", "check", "--verbose --format json metrics",
                 "--verbose host-cpu-usage " + std::string(kHost) + " --at " + at,
                 "--verbose --format json host-ram-usage no-such-host"}) {
            const auto result = wds::testing::runCommand(cli + args + " 2>&1");
            scan.record("watcher-ds " + args + " with " + conf + " (exit " +
                            std::to_string(result.exitStatus) + ")",
                        result.output);
            if (args == "check") {
                EXPECT_EQ(result.exitStatus, checkExit) << conf << ": " << result.output;
            }
            noteToken();
        }
    }

    // The scan saw the flows it was meant to see, so a clean result means something.
    EXPECT_GT(scan.recordCount(), 50u);
    EXPECT_TRUE(scan.saw("using the metric-storage endpoint"));  // an INFO line, --verbose
    EXPECT_TRUE(scan.saw("watcher_clients_auth.password = ***"));
    EXPECT_TRUE(scan.saw("watcher_clients_auth.application_credential_secret = ***"));
    EXPECT_TRUE(scan.saw("prometheus_client.password = ***"));
    EXPECT_TRUE(scan.saw("HTTP 401"));
    scan.expectClean();
}

}  // namespace
}  // namespace aetos_it
