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
#include <vector>

#include "watcher_ds/datasource.hpp"

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

/**
 * A Source seen through a MetricCache, as Watcher's strategies see their datasource during one
 * audit. Requests for "now" (evalTimeMs 0) are pinned to the audit's evaluation time, so every
 * answer is for a definite time and a cached one is never served for another.
 */
class CachedSource {
  public:
    /** `source` and `cache` are borrowed; `auditTimeMs` (> 0) is the audit's "now". */
    CachedSource(const Source& source, MetricCache& cache, int64_t auditTimeMs)
        : source_(source), cache_(cache), auditTimeMs_(auditTimeMs) {}

    ValueResult statisticAggregation(AggregationRequest request) const {
        pin(request.evalTimeMs);
        const MetricCacheKey key = keyFor(request.resourceType, request.resource, request);
        ValueResult result;
        if (auto cached = cache_.get(key)) {
            result.value = cached;
            return result;
        }
        result = source_.statisticAggregation(request);
        if (result.ok())
            cache_.put(key, *result.value);
        return result;
    }

    /** Serves what the cache holds and asks the source for the rest in one batch. */
    BatchResult statisticBatch(BatchRequest request) const {
        pin(request.evalTimeMs);
        BatchResult result;
        result.items.resize(request.resources.size());
        BatchRequest missing = request;
        missing.resources.clear();
        std::vector<size_t> missingIndex;
        for (size_t i = 0; i < request.resources.size(); ++i) {
            const Resource& resource = request.resources[i];
            if (auto cached = cache_.get(keyFor(request.resourceType, resource, request))) {
                result.items[i].value = cached;
            } else {
                missing.resources.push_back(resource);
                missingIndex.push_back(i);
            }
        }
        if (missing.resources.empty())
            return result;
        BatchResult fetched = source_.statisticBatch(missing);
        if (!fetched.ok())
            return fetched;
        result.queryCount = fetched.queryCount;
        result.viaExtension = fetched.viaExtension;
        for (size_t k = 0; k < missingIndex.size(); ++k) {
            ValueResult& item = fetched.items[k];
            if (item.ok()) {
                cache_.put(keyFor(request.resourceType, missing.resources[k], request),
                           *item.value);
            }
            result.items[missingIndex[k]] = std::move(item);
        }
        return result;
    }

    int64_t auditTimeMs() const { return auditTimeMs_; }

  private:
    void pin(int64_t& evalTimeMs) const {
        if (evalTimeMs == 0)
            evalTimeMs = auditTimeMs_;
    }

    template <class Request>
    static MetricCacheKey keyFor(wds_resource_type type, const Resource& resource,
                                 const Request& request) {
        MetricCacheKey key;
        key.resourceId = type == WDS_RESOURCE_INSTANCE ? resource.uuid : resource.hostname;
        key.meterName = request.meterName;
        key.aggregate = request.aggregate;
        key.periodS = request.periodS;
        key.granularityS = request.granularityS;
        key.evalTimeMs = request.evalTimeMs;
        return key;
    }

    const Source& source_;
    MetricCache& cache_;
    int64_t auditTimeMs_;
};

}  // namespace wds

#endif  // WATCHER_DS_METRIC_CACHE_HPP
