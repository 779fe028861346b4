#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "errors/DatasourceError.h"
#include "errors/Subject.h"
#include "logging/Logger.h"

namespace wds {

/**
 * One retry policy for every request of both plugins ([watcher_datasources] query_max_retries
 * and query_interval): retryable failures (transport errors, timeouts, 429, 5xx) are tried up to
 * maxAttempts times with `interval` between attempts and no wait after the last one; other
 * failures (4xx, bad answers) fail at once.
 */
class RetryPolicy {
  public:
    using Sleep = std::function<void(std::chrono::milliseconds)>;

    RetryPolicy(int maxAttempts, std::chrono::milliseconds interval, Sleep sleep = {});

    int maxAttempts() const { return maxAttempts_; }
    std::chrono::milliseconds interval() const { return interval_; }

    template <class Attempt>
    auto run(const Subject& what, const Logger& log, Attempt&& attempt) const
        -> decltype(attempt()) {
        for (int i = 1;; ++i) {
            try {
                return attempt();
            } catch (const DatasourceError& e) {
                if (!e.retryable() || i >= maxAttempts_) {
                    if (i == 1)
                        throw;
                    throw DatasourceError(
                        e.status(),
                        std::string(e.what()) + " (after " + std::to_string(i) + " attempts)",
                        e.httpStatus());
                }
                log.warning("attempt " + std::to_string(i) + " of " + std::to_string(maxAttempts_) +
                            " for " + what.str() + " failed: " + e.what() + "; retrying in " +
                            std::to_string(interval_.count()) + " ms");
                sleep_(interval_);
            }
        }
    }

  private:
    int maxAttempts_;
    std::chrono::milliseconds interval_;
    Sleep sleep_;
};

}  // namespace wds
