// Soak: libprometheus_ds.so through the C ABI for WDS_SOAK_SECONDS (default 60) of mixed
// concurrent calls (4 threads on one handle, one more creating and destroying handles) against a
// real Prometheus with the deterministic data set, which is stopped (SIGKILL or SIGTERM, by PID)
// and started again on the same port a few times meanwhile. Every answer must be the data set's
// value (or its "no data"/"not found"), or unavailable/timeout; afterwards the same handle works
// again, and file descriptors and threads are back where they started. The numbers are printed.

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "expectations/DatasetChecks.h"
#include "expectations/ExtensionChecks.h"
#include "expectations/PluginHarness.h"
#include "servers/Dataset.h"
#include "servers/PrometheusServer.h"
#include "servers/TempDir.h"
#include "watcher_ds/datasource.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using wds::testing::Dataset;
using wds::testing::DatasetMetric;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;  // its quarantine keeps freed memory resident
#else
constexpr bool kAddressSanitizer = false;
#endif

constexpr int kWorkers = 4;
const std::array<const char*, 3> kAggregates = {"mean", "min", "max"};

int soakSeconds() {
    const char* text = std::getenv("WDS_SOAK_SECONDS");
    const int seconds = text != nullptr ? std::atoi(text) : 0;
    return seconds > 0 ? seconds : 60;
}

size_t countEntries(const char* dir) {
    DIR* d = opendir(dir);
    if (d == nullptr)
        return 0;
    size_t n = 0;
    while (const dirent* entry = readdir(d)) {
        if (entry->d_name[0] != '.')
            ++n;
    }
    closedir(d);
    return n - (std::string(dir) == "/proc/self/fd" ? 1 : 0);  // opendir's own descriptor
}

size_t openFds() {
    return countEntries("/proc/self/fd");
}
size_t threadCount() {
    return countEntries("/proc/self/task");
}
long rssKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::atol(line.c_str() + 6);
    }
    return -1;
}

bool near(double actual, double expected) {
    return expected == 0.0 ? actual == 0.0
                           : std::fabs(actual - expected) <= 1e-6 * std::fabs(expected);
}

/** What every call did, counted across threads; the wrong answers are kept to be reported. */
class Tally {
  public:
    // A call that failed or answered: `why` non-empty means the answer was wrong.
    void count(wds_status status, bool serverUp, const std::string& why = "") {
        ++calls_;
        if (!why.empty()) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (wrong_.size() < 20)
                wrong_.push_back(why);
            ++wrongCount_;
            return;
        }
        if (status == WDS_OK || status == WDS_NO_DATA || status == WDS_E_RESOURCE_NOT_FOUND) {
            ++answered_;
            return;
        }
        ++(serverUp ? errorsWhileUp_ : errorsDuringOutages_)[std::min<int>(status, kStatuses - 1)];
    }

    /** An error is fine only as unavailable or timeout. */
    static bool allowedError(wds_status status) {
        return status == WDS_E_UNAVAILABLE || status == WDS_E_TIMEOUT;
    }

    uint64_t calls() const { return calls_; }
    uint64_t answered() const { return answered_; }
    uint64_t wrongCount() const { return wrongCount_; }
    std::vector<std::string> wrong() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return wrong_;
    }
    uint64_t errors(bool whileUp, wds_status status) const {
        return (whileUp ? errorsWhileUp_ : errorsDuringOutages_)[status].load();
    }
    std::string describeErrors(bool whileUp) const {
        std::string text;
        for (int s = 0; s < kStatuses; ++s) {
            if (const uint64_t n = errors(whileUp, s))
                text += std::string(text.empty() ? "" : ", ") + wds_status_name(s) + " " +
                        std::to_string(n);
        }
        return text.empty() ? "none" : text;
    }

  private:
    static constexpr int kStatuses = 16;
    std::atomic<uint64_t> calls_{0}, answered_{0}, wrongCount_{0};
    std::array<std::atomic<uint64_t>, kStatuses> errorsWhileUp_{}, errorsDuringOutages_{};
    mutable std::mutex mutex_;
    std::vector<std::string> wrong_;
};

/** Checks one answer against the data set; returns why it is wrong, or "" when it is right. */
std::string judge(const wds::ValueResult& result, const std::optional<double>& expected,
                  bool unknownHost, const std::string& what) {
    if (result.status == WDS_OK) {
        if (!expected)
            return what + ": a value " + std::to_string(*result.value) + " where none exists";
        if (!near(*result.value, *expected))
            return what + ": " + std::to_string(*result.value) + " instead of " +
                   std::to_string(*expected);
        return "";
    }
    if (result.status == WDS_NO_DATA || result.status == WDS_E_RESOURCE_NOT_FOUND) {
        const wds_status right = unknownHost ? WDS_E_RESOURCE_NOT_FOUND : WDS_NO_DATA;
        if (expected || result.status != right)
            return what + ": " + wds_status_name(result.status) + " (" + result.message + ")";
        return "";
    }
    if (!Tally::allowedError(result.status))
        return what + ": " + wds_status_name(result.status) + ": " + result.message;
    return "";
}

bool isUnknownHost(const DatasetMetric& metric, const wds::Resource& resource) {
    static const std::vector<std::string> hosts = Dataset::hostNames();
    return metric.type == WDS_RESOURCE_COMPUTE_NODE &&
           std::find(hosts.begin(), hosts.end(), resource.hostname) == hosts.end();
}

/** The calls of the run: every kind the ABI has, each checked against the data set. */
class Calls {
  public:
    explicit Calls(std::vector<std::string> metricNames) : metricNames_(std::move(metricNames)) {
        for (const DatasetMetric& metric : wds::testing::datasetMetrics())
            resources_.push_back(wds::testing::datasetResources(metric.type));
    }

    static constexpr int kKinds = 5;

    // Call number `n` of its kind (n picks the metric, resource, aggregate and window); returns
    // the status, and in `wrong` why the answer is wrong ("" when it is not).
    wds_status run(const wds::Source& source, int kind, uint64_t n, std::string& wrong) const {
        const auto& metrics = wds::testing::datasetMetrics();
        const size_t m = n % metrics.size();
        const DatasetMetric& metric = metrics[m];
        const std::vector<wds::Resource>& resources = resources_[m];
        const wds::Resource& resource = resources[(n / metrics.size()) % resources.size()];
        const std::string aggregate = kAggregates[n % kAggregates.size()];
        const auto windows = wds::testing::gridWindows().rate;  // on the grid: exact in both kinds
        const wds::testing::Window window = windows[(n / 7) % windows.size()];
        const std::string what =
            metric.meter + " " + aggregate + " of " + resource.hostname + resource.uuid;
        switch (kind) {
            case 0: {
                const auto result =
                    wds::testing::aggregate(source, metric.type, metric.meter, resource, aggregate,
                                            window.periodS, window.evalS);
                wrong = judge(result,
                              wds::testing::expectedValue(metric, resource, aggregate,
                                                          window.periodS, window.evalS),
                              isUnknownHost(metric, resource), what);
                return result.status;
            }
            case 1: {
                const wds::Outcome outcome = source.checkAvailability();
                if (!outcome.ok() && !Tally::allowedError(outcome.status))
                    wrong = "check_availability: " + outcome.message;
                return outcome.status;
            }
            case 2: {
                std::vector<std::string> names;
                const wds::Outcome outcome = source.listMetrics(names);
                if (outcome.ok() && !sameMetrics(names))
                    wrong = "list_metrics: " + std::to_string(names.size()) + " names";
                else if (!outcome.ok() && !Tally::allowedError(outcome.status))
                    wrong = "list_metrics: " + outcome.message;
                return outcome.status;
            }
            case 3:
                return series(source, metric, resource, aggregate, what, wrong);
            default:
                return batch(source, metric, resources, aggregate, window, wrong);
        }
    }

  private:
    /** The data set's names, plus at most the series Prometheus' own scrapes add over time. */
    bool sameMetrics(const std::vector<std::string>& names) const {
        const auto own = [](const std::string& name) {
            return name == "up" || name.rfind("scrape_", 0) == 0;
        };
        std::vector<std::string> got, expected;
        std::copy_if(names.begin(), names.end(), std::back_inserter(got),
                     [&](const std::string& n) { return !own(n); });
        std::copy_if(metricNames_.begin(), metricNames_.end(), std::back_inserter(expected),
                     [&](const std::string& n) { return !own(n); });
        return got == expected;
    }

    static wds_status series(const wds::Source& source, const DatasetMetric& metric,
                             const wds::Resource& resource, const std::string& aggregate,
                             const std::string& what, std::string& wrong) {
        constexpr int64_t kStep = 60, kStart = Dataset::kEnd - 1800;
        wds::SeriesRequest request;
        request.resourceType = metric.type;
        request.resource = resource;
        request.meterName = metric.meter;
        request.aggregate = *wds::parseAggregate(aggregate);
        request.startMs = kStart * 1000;
        request.endMs = Dataset::kEnd * 1000;
        request.granularityS = kStep;
        const wds::SeriesResult result = source.statisticSeries(request);
        const auto expectedAt = [&](int64_t t) {
            return wds::testing::expectedValue(metric, resource, aggregate, kStep, t);
        };
        wds::ValueResult overall;  // the series' status, judged like one value
        overall.status = result.status;
        overall.message = result.message;
        if (result.ok())
            overall.value = 0.0;
        wrong = judge(overall, result.ok() ? std::optional<double>(0.0) : expectedAt(Dataset::kEnd),
                      isUnknownHost(metric, resource), what + " series");
        if (!result.ok() || !wrong.empty())
            return result.status;
        if (!expectedAt(Dataset::kEnd)) {
            wrong = what + " series: points where there is no data";
            return result.status;
        }
        if (result.points.size() != static_cast<size_t>((Dataset::kEnd - kStart) / kStep + 1)) {
            wrong = what + " series: " + std::to_string(result.points.size()) + " points";
            return result.status;
        }
        for (size_t i = 0; i < result.points.size(); ++i) {
            const int64_t t = kStart + static_cast<int64_t>(i) * kStep;
            if (result.points[i].first != t * 1000 ||
                !near(result.points[i].second, *expectedAt(t))) {
                wrong = what + " series: point " + std::to_string(i) + " is " +
                        std::to_string(result.points[i].second);
                break;
            }
        }
        return result.status;
    }

    static wds_status batch(const wds::Source& source, const DatasetMetric& metric,
                            const std::vector<wds::Resource>& resources,
                            const std::string& aggregate, const wds::testing::Window& window,
                            std::string& wrong) {
        wds::BatchRequest request;
        request.resourceType = metric.type;
        request.resources = resources;
        request.meterName = metric.meter;
        request.aggregate = *wds::parseAggregate(aggregate);
        request.periodS = window.periodS;
        request.evalTimeMs = window.evalS * 1000;
        const wds::BatchResult result = source.statisticBatch(request);
        if (!result.ok()) {
            if (!Tally::allowedError(result.status))
                wrong = metric.meter + " batch: " + result.message;
            return result.status;
        }
        if (result.items.size() != resources.size()) {
            wrong = metric.meter + " batch: " + std::to_string(result.items.size()) + " items";
            return result.status;
        }
        for (size_t i = 0; i < resources.size() && wrong.empty(); ++i) {
            wrong = judge(result.items[i],
                          wds::testing::expectedValue(metric, resources[i], aggregate,
                                                      window.periodS, window.evalS),
                          isUnknownHost(metric, resources[i]),
                          metric.meter + " batch item " + std::to_string(i));
        }
        return result.status;
    }

    std::vector<std::string> metricNames_;
    std::vector<std::vector<wds::Resource>> resources_;
};

constexpr uint64_t kRoundCalls = 60;  // per kind: every metric, resource, aggregate and window

/** Runs a round of every kind of call, each of which must answer right; returns the failures. */
uint64_t expectEveryCallRight(const Calls& calls, const wds::Source& source,
                              const std::string& when) {
    uint64_t failures = 0;
    for (int kind = 0; kind < Calls::kKinds; ++kind) {
        for (uint64_t n = 0; n < kRoundCalls; ++n) {
            std::string wrong;
            const wds_status status = calls.run(source, kind, n, wrong);
            if (wrong.empty() &&
                (status == WDS_OK || status == WDS_NO_DATA || status == WDS_E_RESOURCE_NOT_FOUND))
                continue;
            ++failures;
            ADD_FAILURE() << when << ": call kind " << kind << " #" << n << ": "
                          << wds_status_name(status) << " " << wrong;
        }
    }
    return failures;
}

TEST(Soak, MixedConcurrentCallsWhilePrometheusRestartsNeverLieCrashOrLeak) {
    const int seconds = soakSeconds();
    wds::testing::TempDir dir("wds-it-soak-");
    wds::testing::PrometheusServer prometheus(Dataset::prometheusOptions(dir.file("dataset.om")));
    prometheus.start();
    const wds_plugin_v1* plugin = wds::testing::loadPlugin(WDS_PROMETHEUS_PLUGIN);
    const wds::testing::PluginConfig config = {
        {"prometheus_client.host", prometheus.host()},
        {"prometheus_client.port", std::to_string(prometheus.port())},
        {"prometheus_client.timeout", "5"},
        {"watcher_datasources.query_max_retries", "2"},
        {"watcher_datasources.query_interval", "0.1"}};
    std::atomic<uint64_t> logLines{0};
    const wds::LogFunction countLines = [&logLines](wds_log_level, const std::string&) {
        ++logLines;
    };
    const auto create = [&](wds::Outcome& outcome) {
        return wds::Source::create(*plugin, config, countLines, outcome);
    };

    // Warm-up: one handle made, used and destroyed first, so one-time initialisation of the
    // libraries is not counted as growth. Then the baselines.
    std::vector<std::string> metricNames;
    {
        wds::Outcome outcome;
        wds::Source warmUp = create(outcome);
        ASSERT_TRUE(outcome.ok()) << outcome.message;
        ASSERT_TRUE(warmUp.listMetrics(metricNames).ok());
    }
    const Calls calls(metricNames);
    const size_t fdsBefore = openFds(), threadsBefore = threadCount();
    wds::Outcome outcome;
    wds::Source source = create(outcome);
    ASSERT_TRUE(outcome.ok()) << outcome.message;
    ASSERT_EQ(expectEveryCallRight(calls, source, "before the run"), 0u);
    const long rssBefore = rssKiB();

    Tally tally, churnTally;
    std::atomic<bool> serverUp{true}, stop{false};
    std::atomic<uint64_t> handlesCreated{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWorkers; ++w) {
        threads.emplace_back([&, w] {
            for (uint64_t i = 0; !stop; ++i) {
                const bool upBefore = serverUp;
                std::string wrong;
                const int kind = static_cast<int>((i + static_cast<uint64_t>(w)) % Calls::kKinds);
                const wds_status status = calls.run(source, kind, i * kWorkers + w, wrong);
                tally.count(status, upBefore && serverUp, wrong);
            }
        });
    }
    threads.emplace_back([&] {  // handles come and go beside the busy one
        for (uint64_t i = 0; !stop; ++i) {
            const bool upBefore = serverUp;
            wds::Outcome created;
            wds::Source extra = create(created);
            std::string wrong;
            wds_status status = created.status;
            if (created.ok()) {
                ++handlesCreated;
                status = calls.run(extra, 0, i, wrong);
            } else if (!Tally::allowedError(created.status)) {
                wrong = "create: " + created.message;
            }
            churnTally.count(status, upBefore && serverUp, wrong);
        }
    });

    // Outages: SIGKILL and SIGTERM in turn, by PID; the port stays the same.
    const int outages = std::max(3, seconds / 20);
    const auto start = Clock::now();
    for (int k = 1; k <= outages; ++k) {
        std::this_thread::sleep_until(start + std::chrono::seconds(seconds) * k / (outages + 1));
        serverUp = false;
        if (k % 2 == 1) {
            ASSERT_EQ(kill(prometheus.pid(), SIGKILL), 0);
        }
        prometheus.stop();  // SIGTERM, or only the reaping after SIGKILL
        std::this_thread::sleep_for(std::chrono::seconds(2));
        prometheus.start();
        serverUp = true;
    }
    std::this_thread::sleep_until(start + std::chrono::seconds(seconds));
    stop = true;
    for (std::thread& t : threads)
        t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

    // The same handle answers every kind of call right again.
    EXPECT_EQ(expectEveryCallRight(calls, source, "after the run"), 0u);
    const long rssAfterRun = rssKiB();
    source.reset();
    const size_t fdsAfter = openFds(), threadsAfter = threadCount();
    const long rssAfter = rssKiB();

    std::ostringstream report;
    report << "soak: " << elapsed << " s, " << outages << " Prometheus outages (SIGKILL/SIGTERM"
           << " alternately, 2 s down + start-up)\n"
           << "  calls on the shared handle (" << kWorkers << " threads): " << tally.calls()
           << ", answered right " << tally.answered() << ", wrong " << tally.wrongCount()
           << "\n    errors during outages: " << tally.describeErrors(false)
           << "\n    errors while up: " << tally.describeErrors(true) << "\n"
           << "  handle churn: " << churnTally.calls() << " creates, " << handlesCreated
           << " succeeded and queried, wrong " << churnTally.wrongCount()
           << "\n    errors during outages: " << churnTally.describeErrors(false)
           << "\n    errors while up: " << churnTally.describeErrors(true) << "\n"
           << "  after the run: " << kRoundCalls << " calls on the same handle, all right\n"
           << "  fds " << fdsBefore << " -> " << fdsAfter << ", threads " << threadsBefore << " -> "
           << threadsAfter << ", RSS " << rssBefore << " KiB -> " << rssAfterRun
           << " KiB (handle alive) -> " << rssAfter << " KiB (destroyed)"
           << (kAddressSanitizer ? " [ASan: quarantine inflates RSS]" : "") << "\n"
           << "  log lines: " << logLines << "\n";
    std::printf("%s", report.str().c_str());
    RecordProperty("report", report.str());

    for (const std::string& why : tally.wrong())
        ADD_FAILURE() << "wrong answer: " << why;
    for (const std::string& why : churnTally.wrong())
        ADD_FAILURE() << "wrong answer (churn): " << why;
    EXPECT_EQ(tally.wrongCount() + churnTally.wrongCount(), 0u);
    EXPECT_GT(tally.answered(), 100u);                      // the run did query, not only fail
    EXPECT_GT(tally.errors(false, WDS_E_UNAVAILABLE), 0u);  // and the outages were seen
    EXPECT_GT(handlesCreated, 0u);
    EXPECT_LE(fdsAfter, fdsBefore + 2);
    EXPECT_EQ(threadsAfter, threadsBefore);
    if (!kAddressSanitizer) {
        EXPECT_LT(rssAfterRun - rssBefore, 32 * 1024) << "RSS grew by more than 32 MiB";
    }
}

}  // namespace
