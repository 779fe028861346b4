#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "logging/Logger.h"

namespace wds {

/** What one fetch of the host label values found (see HostLabelSources). */
struct HostLabelValues {
    std::vector<std::string> values;
    // value -> why no answer about it can be trusted (its series come from several sources)
    std::map<std::string, std::string> conflicts;
};

/**
 * Maps Watcher's compute-node host names to the values of the fqdn label (HostLabelSources says
 * where they come from): an exact match first, then the short name ("compute-1" for
 * "compute-1.example.org"). On a miss the values are fetched again, but at most once per
 * refresh interval (once a second while the map is empty), and concurrent misses share one
 * fetch. A refresh that finds no values keeps the known ones. Safe to use from many threads.
 */
class HostLabelMap {
  public:
    using Fetch = std::function<HostLabelValues()>;
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    HostLabelMap(std::string labelName, Fetch fetch, std::chrono::milliseconds refreshInterval,
                 Logger log, Clock clock = {});

    /** Fetches the values now (at create). Fetch errors propagate. */
    void load();

    /** The label value for `hostname`, or nullopt when no source has it. */
    std::optional<std::string> resolve(const std::string& hostname);

    /** Why answers about the label value `value` cannot be trusted, or nullopt. */
    std::optional<std::string> conflict(const std::string& value) const;

    /** How many label values are known; 0 while no source has the label. */
    size_t size() const;
    bool empty() const { return size() == 0; }

    /** All known label values, sorted. */
    std::vector<std::string> labelValues() const;
    const std::string& labelName() const { return labelName_; }

  private:
    struct Snapshot {
        std::set<std::string> values;
        std::map<std::string, std::string> shortNames;  // first dotted component -> value
        std::map<std::string, std::string> conflicts;
    };

    std::shared_ptr<const Snapshot> build(HostLabelValues found) const;
    std::shared_ptr<const Snapshot> current(uint64_t* generation = nullptr) const;
    static std::optional<std::string> lookup(const Snapshot& snapshot, const std::string& host);

    std::string labelName_;
    Fetch fetch_;
    std::chrono::milliseconds refreshInterval_;
    Logger log_;
    Clock clock_;

    // Guards snapshot_ and generation_. Shared: every call resolves a host, refreshes are rare.
    mutable std::shared_mutex snapshotMutex_;
    std::shared_ptr<const Snapshot> snapshot_;
    uint64_t generation_ = 0;

    std::mutex refreshMutex_;  // one fetch at a time; guards lastRefresh_
    std::chrono::steady_clock::time_point lastRefresh_{};
};

}  // namespace wds
