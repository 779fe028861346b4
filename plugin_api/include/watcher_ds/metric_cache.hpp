// Header-only host-side metric cache, equivalent to Watcher's MetricDataCache, for hosts that
// use the C++ wrapper. It lives in the host, never in a plugin: one cache can front any source.
//
// Differences from Watcher (DECISIONS.md #17): keys are structured, so resource ids containing
// ':' are handled; a real value stored over a simulated one clears the simulated flag; the
// evaluation time is part of the key, so an answer is never served for a different time.
#ifndef WATCHER_DS_METRIC_CACHE_HPP
#define WATCHER_DS_METRIC_CACHE_HPP

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "watcher_ds/datasource.h"

namespace wds {

/** What identifies one cached answer. */
struct MetricCacheKey {
    std::string resourceId;  // instance uuid or compute node host name
    std::string meterName;
    wds_aggregate aggregate = WDS_AGGREGATE_MEAN;
    int64_t periodS = 300;
    int64_t granularityS = 300;
    int64_t evalTimeMs = 0;  // 0 = "now": cached only for callers that also ask for "now"

    bool operator<(const MetricCacheKey& o) const {
        return std::tie(resourceId, meterName, aggregate, periodS, granularityS, evalTimeMs) <
               std::tie(o.resourceId, o.meterName, o.aggregate, o.periodS, o.granularityS,
                        o.evalTimeMs);
    }
};

/**
 * Thread-safe map from MetricCacheKey to a value. "No data" is not cached (Watcher stores None
 * but never serves it), so a missing metric is asked again, as Watcher does.
 */
class MetricCache {
  public:
    std::optional<double> get(const MetricCacheKey& key) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(key);
        if (it == entries_.end())
            return std::nullopt;
        return it->second.value;
    }

    /** Stores a value; a real (not simulated) value clears an earlier simulated flag. */
    void put(const MetricCacheKey& key, double value, bool simulated = false) {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_[key] = Entry{value, simulated};
    }

    /** Watcher's inject_metric: a simulated value the strategies see instead of real data. */
    void inject(const MetricCacheKey& key, double value) { put(key, value, true); }

    bool isSimulated(const MetricCacheKey& key) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = entries_.find(key);
        return it != entries_.end() && it->second.simulated;
    }

    /** Drops every entry of `resourceId` (of one meter only when `meterName` is given). */
    void remove(const std::string& resourceId, const std::optional<std::string>& meterName = {}) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            const bool match = it->first.resourceId == resourceId &&
                               (!meterName || it->first.meterName == *meterName);
            it = match ? entries_.erase(it) : std::next(it);
        }
    }

    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.clear();
    }

    /** Drops only the simulated values, keeping the real ones. */
    void clearSimulated() {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            it = it->second.simulated ? entries_.erase(it) : std::next(it);
        }
    }

    size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_.size();
    }

  private:
    struct Entry {
        double value;
        bool simulated;
    };

    mutable std::mutex mutex_;
    std::map<MetricCacheKey, Entry> entries_;
};

}  // namespace wds

#endif  // WATCHER_DS_METRIC_CACHE_HPP
