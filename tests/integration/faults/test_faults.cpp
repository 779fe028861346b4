// Fault injection: libprometheus_ds.so, through the C ABI, against a server that fails in every
// way a network, a proxy or a broken Prometheus can. Each case gets its own root path on the
// one FaultyServer, so its script and request counter are its own.
#include <dlfcn.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "faulty_server/FaultyServer.h"
#include "servers/Dataset.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "watcher_ds/datasource.hpp"

namespace {

using namespace std::chrono_literals;
using testing::AnyOf;
using testing::HasSubstr;
using testing::MatchesRegex;
using wds::testing::FaultyAnswer;
using wds::testing::FaultyServer;
using Clock = std::chrono::steady_clock;
using Config = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kCapBytes = 64u << 20;  // the plugin's response size limit

// Not a speed assertion: a bound far above timeout x attempts that proves a call did not hang.
constexpr auto kHangMargin = 5s;

/** Peak resident memory of this process in KiB (VmHWM), or -1. */
long peakRssKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    }
    return -1;
}

long long ms(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/** Resets VmHWM to the current RSS (Linux >= 4.0); false where that is not possible. */
bool resetPeakRss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

class FaultsTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        server_ = new FaultyServer();
        library_ = dlopen(WDS_PROMETHEUS_PLUGIN, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << dlerror();
        auto entry =
            reinterpret_cast<wds_plugin_entry_v1_fn>(dlsym(library_, WDS_PLUGIN_ENTRY_V1_SYMBOL));
        ASSERT_NE(entry, nullptr);
        plugin_ = entry(nullptr);
        ASSERT_NE(plugin_, nullptr);
    }
    static void TearDownTestSuite() { delete server_; }

    /** Config for the faulty server under `rootPath`, `attempts` tries, `timeoutS` each. */
    static Config config(const std::string& rootPath, int attempts, const std::string& timeoutS) {
        return {{"prometheus_client.host", server_->host()},
                {"prometheus_client.port", std::to_string(server_->port())},
                {"prometheus_client.root_path", rootPath},
                {"prometheus_client.timeout", timeoutS},
                {"watcher_datasources.query_max_retries", std::to_string(attempts)},
                {"watcher_datasources.query_interval", "0.01"}};
    }

    wds::Source create(const Config& c, wds::Outcome& outcome) {
        return wds::Source::create(
            *plugin_, c,
            [this](wds_log_level level, const std::string& line) {
                std::lock_guard<std::mutex> lock(logMutex_);
                logs_.push_back(std::to_string(level) + " " + line);
            },
            outcome);
    }

    /** A source on `rootPath` whose queries get `answers`, created successfully. */
    wds::Source scripted(const std::string& rootPath, std::vector<FaultyAnswer> answers,
                         int attempts = 1, const std::string& timeoutS = "5") {
        server_->script(queryPath(rootPath), std::move(answers));
        wds::Outcome outcome;
        wds::Source source = create(config(rootPath, attempts, timeoutS), outcome);
        EXPECT_TRUE(outcome.ok()) << rootPath << ": " << outcome.message;
        return source;
    }

    static std::string queryPath(const std::string& rootPath) { return rootPath + "/api/v1/query"; }
    static size_t queries(const std::string& rootPath) {
        return server_->requestCount(queryPath(rootPath));
    }
    static std::string url() { return "http://127.0.0.1:" + std::to_string(server_->port()); }

    /** host_cpu_usage of the fixture's node; `elapsed` receives the wall time of the call. */
    static wds::ValueResult hostCpu(const wds::Source& source, Clock::duration* elapsed = nullptr) {
        const auto started = Clock::now();
        wds::ValueResult result = source.hostCpuUsage(FaultyServer::kFqdn, 300);
        if (elapsed)
            *elapsed = Clock::now() - started;
        return result;
    }

    /** The 200 answer of a query whose one sample has the value `text`. */
    static FaultyAnswer sample(const std::string& text) {
        return FaultyAnswer::json(FaultyServer::vectorBody({text}));
    }

    bool logged(const std::string& text) {
        std::lock_guard<std::mutex> lock(logMutex_);
        for (const auto& line : logs_) {
            if (line.find(text) != std::string::npos)
                return true;
        }
        return false;
    }

    static inline FaultyServer* server_ = nullptr;
    static inline void* library_ = nullptr;
    static inline const wds_plugin_v1* plugin_ = nullptr;
    std::mutex logMutex_;
    std::vector<std::string> logs_;
};

TEST_F(FaultsTest, ConnectionRefusedIsUnavailableAndNamesTheUrl) {
    Config c = config("", 2, "5");
    const std::string port = std::to_string(FaultyServer::closedPort());
    c[1].second = port;
    wds::Outcome outcome;
    const auto started = Clock::now();
    create(c, outcome);
    EXPECT_LT(ms(Clock::now() - started), ms(kHangMargin));
    EXPECT_EQ(outcome.status, WDS_E_UNAVAILABLE);
    EXPECT_THAT(outcome.message, HasSubstr("http://127.0.0.1:" + port));
    EXPECT_THAT(outcome.message, HasSubstr("refused"));
    EXPECT_THAT(outcome.message, HasSubstr("after 2 attempts"));
}

TEST_F(FaultsTest, ASilentServerTimesOutOncePerAttempt) {
    auto source = scripted("/silent", {FaultyAnswer::silent()}, 2, "0.3");
    Clock::duration elapsed;
    auto r = hostCpu(source, &elapsed);
    EXPECT_EQ(r.status, WDS_E_TIMEOUT) << r.message;
    EXPECT_FALSE(r.value);
    EXPECT_THAT(r.message, HasSubstr("within 300 ms"));
    EXPECT_THAT(r.message, HasSubstr("after 2 attempts"));
    EXPECT_THAT(r.message, HasSubstr(url()));
    EXPECT_EQ(queries("/silent"), 2u);
    EXPECT_LT(ms(elapsed), ms(2 * 300ms + kHangMargin));
}

TEST_F(FaultsTest, AnAnswerDrippedOneByteAtATimeStillArrivesWithinTheTimeout) {
    auto source = scripted("/drip", {FaultyAnswer::drip(FaultyServer::vectorBody({"42.5"}), 1ms)});
    auto r = hostCpu(source);
    ASSERT_EQ(r.status, WDS_OK) << r.message;
    EXPECT_EQ(*r.value, 42.5);
    EXPECT_EQ(queries("/drip"), 1u);
}

TEST_F(FaultsTest, ADripSlowerThanTheTimeoutIsCutOffAtTheDeadline) {
    // About 300 bytes at 50 ms each = 15 s of dripping; every byte comes well within the
    // per-read timeout, so only a deadline on the whole exchange stops it.
    auto source = scripted(
        "/drip-slow", {FaultyAnswer::drip(FaultyServer::vectorBody({"42.5"}), 50ms)}, 1, "0.5");
    Clock::duration elapsed;
    auto r = hostCpu(source, &elapsed);
    EXPECT_EQ(r.status, WDS_E_TIMEOUT) << r.message;
    EXPECT_THAT(r.message, HasSubstr("500 ms"));
    EXPECT_LT(ms(elapsed), ms(500ms + kHangMargin));
}

TEST_F(FaultsTest, AConnectionClosedMidBodyIsATruncatedAnswerNotAParseError) {
    const std::string body = FaultyServer::vectorBody({"42.5"});
    auto source = scripted("/mid-body", {FaultyAnswer::closeMidBody(body.substr(0, 60), 1000)});
    auto r = hostCpu(source);
    EXPECT_THAT(r.status, AnyOf(WDS_E_PROTOCOL, WDS_E_UNAVAILABLE)) << r.message;
    EXPECT_FALSE(r.value);
    EXPECT_THAT(r.message, MatchesRegex(".*(truncated|closed|incomplete|ended).*"));
    EXPECT_THAT(r.message, HasSubstr(url()));
}

std::vector<FaultyAnswer> threeServerErrorsThenSuccess() {
    return {FaultyAnswer::json("oops", 500), FaultyAnswer::json("bad gw", 502),
            FaultyAnswer::json("busy", 503),
            FaultyAnswer::json(FaultyServer::vectorBody({"12.25"}))};
}

TEST_F(FaultsTest, ServerErrorsAreRetriedUntilSuccess) {
    auto source = scripted("/5xx", threeServerErrorsThenSuccess(), 4);
    auto r = hostCpu(source);
    ASSERT_EQ(r.status, WDS_OK) << r.message;
    EXPECT_EQ(*r.value, 12.25);
    EXPECT_EQ(queries("/5xx"), 4u);
}

TEST_F(FaultsTest, ServerErrorsBeyondTheAttemptsAreUnavailable) {
    auto source = scripted("/5xx-short", threeServerErrorsThenSuccess(), 3);
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_UNAVAILABLE);
    EXPECT_EQ(r.httpStatus, 503);
    EXPECT_THAT(r.message, HasSubstr("HTTP 503"));
    EXPECT_THAT(r.message, HasSubstr("busy"));
    EXPECT_THAT(r.message, HasSubstr("after 3 attempts"));
    EXPECT_EQ(queries("/5xx-short"), 3u);
}

TEST_F(FaultsTest, BadDataIsAProtocolErrorWithTheServersTextAndIsNotRetried) {
    auto source = scripted(
        "/400",
        {FaultyAnswer::json(R"({"status":"error","errorType":"bad_data","error":"invalid )"
                            R"(parameter \"query\": 1:12: parse error: unexpected \"}\""})",
                            400)},
        3);
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_EQ(r.httpStatus, 400);
    EXPECT_THAT(r.message, HasSubstr("HTTP 400"));
    EXPECT_THAT(r.message, HasSubstr(R"(1:12: parse error: unexpected "}")"));
    EXPECT_THAT(r.message, HasSubstr(url()));
    EXPECT_EQ(queries("/400"), 1u);
}

TEST_F(FaultsTest, MalformedJsonIsAProtocolError) {
    auto source = scripted(
        "/malformed", {FaultyAnswer::json(R"({"status":"success","data":{"resultType":"vec)")}, 3);
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_THAT(r.message, HasSubstr("invalid JSON"));
    EXPECT_THAT(r.message, HasSubstr(url()));
    EXPECT_EQ(queries("/malformed"), 1u);
}

TEST_F(FaultsTest, AnErrorStatusInA200IsAProtocolErrorWithTheServersText) {
    auto source = scripted(
        "/status-error",
        {FaultyAnswer::json(R"({"status":"error","errorType":"execution",)"
                            R"("error":"query processing would load too many samples"})")});
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_THAT(r.message, HasSubstr("query processing would load too many samples"));
}

TEST_F(FaultsTest, ANonNumericValueIsAProtocolError) {
    auto source = scripted("/not-a-number", {sample("12,5"), sample("")});
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_THAT(r.message, HasSubstr("not a number: 12,5"));
    EXPECT_EQ(hostCpu(source).status, WDS_E_PROTOCOL);
}

// DECISIONS.md 6: Watcher passes NaN and +-Inf on as floats; here they are "no data" with a
// warning naming the query, never a value.
TEST_F(FaultsTest, NaNAndInfinitiesAreNoDataWithAWarningNeverAValue) {
    for (const std::string text : {"NaN", "+Inf", "-Inf"}) {
        auto source = scripted("/nonfinite", {sample(text)});
        auto r = hostCpu(source);
        EXPECT_EQ(r.status, WDS_NO_DATA) << text << ": " << r.message;
        EXPECT_FALSE(r.value) << text;
        EXPECT_THAT(r.message, HasSubstr("non-finite value for query"));
        EXPECT_THAT(r.message, HasSubstr(FaultyServer::kFqdn));
    }
    EXPECT_TRUE(logged("returned NaN; reporting no data"));
    EXPECT_TRUE(logged("returned Inf; reporting no data"));
}

TEST_F(FaultsTest, AMatrixWhereAVectorWasExpectedIsAProtocolError) {
    auto source =
        scripted("/matrix",
                 {FaultyAnswer::json(R"({"status":"success","data":{"resultType":"matrix",)"
                                     R"("result":[{"metric":{},"values":[[1700000000,"1"]]}]}})")});
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_THAT(r.message, HasSubstr("result type 'matrix', not a vector"));
}

TEST_F(FaultsTest, SeveralSeriesWhereOneWasExpectedIsAProtocolError) {
    auto source =
        scripted("/two-series", {FaultyAnswer::json(FaultyServer::vectorBody({"1", "2"}))});
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_THAT(r.message, HasSubstr("2 series where one was expected"));
}

const char* const kProxyPage =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

TEST_F(FaultsTest, AProxysHtmlErrorPageIsUnavailableWithAReadableExcerpt) {
    FaultyAnswer page = FaultyAnswer::json(kProxyPage, 502);
    page.contentType = "text/html";
    auto source = scripted("/proxy-502", {page}, 2);
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_UNAVAILABLE);
    EXPECT_EQ(r.httpStatus, 502);
    EXPECT_THAT(r.message, HasSubstr("502 Bad Gateway"));
    EXPECT_THAT(r.message, testing::Not(HasSubstr("\n")));
    EXPECT_EQ(queries("/proxy-502"), 2u);
}

TEST_F(FaultsTest, AnHtmlPageWithStatus200IsAProtocolError) {
    FaultyAnswer page = FaultyAnswer::json("<html><body>Please log in</body></html>");
    page.contentType = "text/html";
    auto source = scripted("/proxy-200", {page});
    auto r = hostCpu(source);
    EXPECT_EQ(r.status, WDS_E_PROTOCOL);
    EXPECT_THAT(r.message, HasSubstr("not a JSON object"));
    EXPECT_THAT(r.message, HasSubstr("Please log in"));
}

TEST_F(FaultsTest, ABodyOverTheSizeCapIsRefusedWithBoundedMemory) {
    // 256 MiB that would decode fine (an empty vector padded out): only the cap refuses it, and
    // a client without one would need far more memory than the bound below.
    auto source = scripted("/huge", {FaultyAnswer::huge(256u << 20)});
    const bool measurable = resetPeakRss();
    const long before = peakRssKiB();
    auto r = hostCpu(source);
    const long peakGrowthMiB = (peakRssKiB() - before) / 1024;
    EXPECT_EQ(r.status, WDS_E_PROTOCOL) << r.message;
    EXPECT_FALSE(r.value);
    EXPECT_THAT(r.message, AnyOf(HasSubstr(std::to_string(kCapBytes)), HasSubstr("64 MiB")));
    EXPECT_THAT(r.message, HasSubstr(url()));
#ifndef WDS_SANITIZED  // ASan's quarantine keeps freed buffers resident
    if (measurable && before > 0) {
        EXPECT_LT(peakGrowthMiB, 200) << "peak RSS grew by " << peakGrowthMiB << " MiB";
    }
#else
    (void)measurable, (void)peakGrowthMiB;
#endif
}

TEST_F(FaultsTest, AChunkedBodyThatNeverEndsIsCutOff) {
    auto source = scripted("/endless", {FaultyAnswer::endlessChunks()});
    Clock::duration elapsed;
    auto r = hostCpu(source, &elapsed);
    EXPECT_THAT(r.status, AnyOf(WDS_E_PROTOCOL, WDS_E_TIMEOUT)) << r.message;
    EXPECT_FALSE(r.value);
    EXPECT_THAT(r.message, AnyOf(HasSubstr(std::to_string(kCapBytes)), HasSubstr("64 MiB"),
                                 HasSubstr("within 5000 ms")));
    EXPECT_LT(ms(elapsed), ms(5s + kHangMargin));
}

TEST_F(FaultsTest, ValidChunkedTransferEncodingIsDecoded) {
    FaultyAnswer chunked = sample("7.75");
    chunked.chunked = true;
    auto source = scripted("/chunked", {chunked});
    auto r = hostCpu(source);
    ASSERT_EQ(r.status, WDS_OK) << r.message;
    EXPECT_EQ(*r.value, 7.75);
}

TEST_F(FaultsTest, AKeptAliveConnectionClosedByTheServerIsReplacedWithoutAFailedAttempt) {
    FaultyAnswer thenClose = sample("3.5");
    thenClose.closeAfter = true;  // keep-alive promised, then the socket is closed anyway
    auto source = scripted("/close-after", {thenClose}, 1);
    const size_t connectionsBefore = server_->connectionCount();
    for (int i = 0; i < 3; ++i) {
        auto r = hostCpu(source);
        ASSERT_EQ(r.status, WDS_OK) << "call " << i << ": " << r.message;
        EXPECT_EQ(*r.value, 3.5);
    }
    EXPECT_EQ(queries("/close-after"), 3u);
    // The first call reuses create's connection; the server closes each one after answering.
    EXPECT_EQ(server_->connectionCount() - connectionsBefore, 2u);
}

TEST_F(FaultsTest, KeptAliveConnectionsAreReusedByTheFixtureAndThePlugin) {
    // The control for the test above: without the server-side close, one connection serves all.
    auto source = scripted("/keep-alive", {sample("1")});
    const size_t connectionsBefore = server_->connectionCount();
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(hostCpu(source).ok());
    EXPECT_EQ(server_->connectionCount() - connectionsBefore, 0u);  // create's connection
}

// A real Prometheus SIGKILLed while a thread keeps querying through one handle, then started
// again on the same port: every call is the right value or a clear "unavailable", and the same
// handle recovers. (integration_prometheus covers a graceful stop and restart.)
TEST_F(FaultsTest, APrometheusKilledMidRunRecoversOnTheSameHandle) {
    using wds::testing::Dataset;
    wds::testing::TempDir dir("wds-it-faults-");
    // Instance metrics need no target label map, so no scrape targets and no wait for them.
    auto options = Dataset::prometheusOptions(dir.file("dataset.om"));
    options.targets.clear();
    options.waitForTargets = false;
    wds::testing::PrometheusServer prometheus(options);
    prometheus.start();
    wds::Resource instance = wds::Resource::instance("11111111-1111-4111-8111-111111111111");
    const double expected = Dataset::instanceRamUsageMB(instance.uuid, "mean", 300, Dataset::kEnd);
    wds::Outcome outcome;
    auto source = create({{"prometheus_client.host", prometheus.host()},
                          {"prometheus_client.port", std::to_string(prometheus.port())},
                          {"prometheus_client.timeout", "2"},
                          {"watcher_datasources.query_max_retries", "1"}},
                         outcome);
    ASSERT_TRUE(outcome.ok()) << outcome.message;

    std::atomic<bool> stop{false};
    std::atomic<int> right{0}, unavailable{0};
    std::mutex wrongMutex;
    std::vector<std::string> wrong;
    std::thread caller([&] {
        while (!stop) {
            auto r = source.instanceRamUsage(instance, 300, WDS_AGGREGATE_MEAN, 300,
                                             Dataset::kEnd * 1000);
            if (r.ok() && std::abs(*r.value - expected) <= 1e-6 * expected) {
                ++right;
            } else if (r.status == WDS_E_UNAVAILABLE) {
                ++unavailable;
            } else {
                std::lock_guard<std::mutex> lock(wrongMutex);
                wrong.push_back(std::string(wds_status_name(r.status)) + ": " + r.message);
            }
        }
    });
    auto waitFor = [](std::atomic<int>& counter, int atLeast) {
        for (int i = 0; i < 500 && counter < atLeast; ++i)
            std::this_thread::sleep_for(20ms);
        return counter >= atLeast;
    };
    EXPECT_TRUE(waitFor(right, 5));
    ASSERT_EQ(kill(prometheus.pid(), SIGKILL), 0);
    EXPECT_TRUE(waitFor(unavailable, 3));
    const int rightBeforeRestart = right;
    prometheus.restart();
    EXPECT_TRUE(waitFor(right, rightBeforeRestart + 5));
    stop = true;
    caller.join();
    for (const auto& line : wrong)
        ADD_FAILURE() << line;
    EXPECT_TRUE(source.checkAvailability().ok());
}

}  // namespace
