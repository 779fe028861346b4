#include "labels/HostLabelMap.h"

#include <algorithm>

namespace wds {
namespace {

// An empty map resolves nothing, so a miss on it may fetch again this soon: a Prometheus that has
// just started lists its targets a few seconds after it answers queries.
constexpr std::chrono::milliseconds kEmptyMapRefresh{1000};

bool looksLikeIpv4(const std::string& value) {
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

HostLabelMap::HostLabelMap(std::string labelName, Fetch fetch,
                           std::chrono::milliseconds refreshInterval, Logger log, Clock clock)
    : labelName_(std::move(labelName)),
      fetch_(std::move(fetch)),
      refreshInterval_(refreshInterval),
      log_(std::move(log)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      snapshot_(std::make_shared<Snapshot>()) {}

std::shared_ptr<const HostLabelMap::Snapshot> HostLabelMap::build(HostLabelValues found) const {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->values.insert(found.values.begin(), found.values.end());
    snapshot->conflicts = std::move(found.conflicts);
    if (snapshot->values.empty()) {
        log_.error("neither an active target nor a node series has a '" + labelName_ +
                   "' label: no compute node can be resolved");
    }
    for (const std::string& value : snapshot->values) {
        const size_t dot = value.find('.');
        // IP addresses have no short name ("10.1.2.3" is not host "10").
        if (dot == std::string::npos || dot == 0 || looksLikeIpv4(value))
            continue;
        auto [it, inserted] = snapshot->shortNames.emplace(value.substr(0, dot), value);
        if (!inserted) {
            // Values iterate sorted, so the smallest one wins: deterministic, unlike Watcher.
            log_.warning("short host name '" + it->first + "' is ambiguous ('" + it->second +
                         "' and '" + value + "'); using '" + it->second + "'");
        }
    }
    return snapshot;
}

std::shared_ptr<const HostLabelMap::Snapshot> HostLabelMap::current(uint64_t* generation) const {
    std::shared_lock<std::shared_mutex> lock(snapshotMutex_);
    if (generation != nullptr)
        *generation = generation_;
    return snapshot_;
}

std::optional<std::string> HostLabelMap::lookup(const Snapshot& snapshot, const std::string& host) {
    if (snapshot.values.count(host) != 0)
        return host;
    auto it = snapshot.shortNames.find(host);
    if (it != snapshot.shortNames.end())
        return it->second;
    return std::nullopt;
}

void HostLabelMap::load() {
    std::lock_guard<std::mutex> refreshLock(refreshMutex_);
    auto snapshot = build(fetch_());
    lastRefresh_ = clock_();
    std::lock_guard<std::shared_mutex> lock(snapshotMutex_);
    snapshot_ = std::move(snapshot);
    ++generation_;
}

std::optional<std::string> HostLabelMap::resolve(const std::string& hostname) {
    uint64_t seen = 0;
    {
        // The hit path: a shared lock and no copy of the snapshot pointer, so threads resolving
        // at once do not take turns or bounce its reference count between cores.
        std::shared_lock<std::shared_mutex> lock(snapshotMutex_);
        if (auto found = lookup(*snapshot_, hostname))
            return found;
        seen = generation_;
    }

    std::lock_guard<std::mutex> refreshLock(refreshMutex_);
    uint64_t now = 0;
    auto snapshot = current(&now);
    const auto interval =
        snapshot->values.empty() ? std::min(refreshInterval_, kEmptyMapRefresh) : refreshInterval_;
    // Someone refreshed while we waited for the lock: their result is as fresh as ours would be.
    if (now == seen && clock_() - lastRefresh_ >= interval) {
        log_.info("host '" + hostname + "' not among the " +
                  std::to_string(snapshot->values.size()) + " '" + labelName_ +
                  "' label values; fetching them again");
        HostLabelValues found = fetch_();
        lastRefresh_ = clock_();
        if (found.values.empty() && !snapshot->values.empty()) {
            // A restarting server lists no targets for a while; forgetting every host then would
            // turn each of them into "not found" until the next refresh.
            log_.warning("no source has a '" + labelName_ + "' label value any more; keeping the " +
                         std::to_string(snapshot->values.size()) + " known values");
        } else {
            snapshot = build(std::move(found));
            std::lock_guard<std::shared_mutex> lock(snapshotMutex_);
            snapshot_ = snapshot;
            ++generation_;
        }
    }
    return lookup(*snapshot, hostname);
}

std::optional<std::string> HostLabelMap::conflict(const std::string& value) const {
    // On every resolved call: no copy of the snapshot pointer, as in resolve().
    std::shared_lock<std::shared_mutex> lock(snapshotMutex_);
    auto it = snapshot_->conflicts.find(value);
    if (it == snapshot_->conflicts.end())
        return std::nullopt;
    return it->second;
}

size_t HostLabelMap::size() const {
    return current()->values.size();
}

std::vector<std::string> HostLabelMap::labelValues() const {
    auto snapshot = current();
    return {snapshot->values.begin(), snapshot->values.end()};
}

}  // namespace wds
