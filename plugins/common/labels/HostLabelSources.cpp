#include "labels/HostLabelSources.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "errors/DatasourceError.h"

namespace wds {
namespace {

// Hosts whose sources one query names; past this many (a whole shard duplicated, say) the rest
// get the conflict without the differing labels, so the query's regex stays short.
constexpr size_t kMaxNamedConflicts = 50;
// Conflicts logged one by one at each fetch; the rest are counted.
constexpr size_t kMaxLoggedConflicts = 10;

int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/** `{a="1", b="2"}` of the labels of `labels` named in `names`. */
std::string labelSet(const std::map<std::string, std::string>& labels,
                     const std::set<std::string>& names) {
    std::string out = "{";
    for (const std::string& name : names) {
        auto it = labels.find(name);
        out += (out.size() > 1 ? ", " : "") + name + "=\"" +
               (it != labels.end() ? it->second : std::string()) + "\"";
    }
    return out + "}";
}

}  // namespace

HostLabelSources::HostLabelSources(const PromApiClient& client, const promql::QueryBuilder& queries,
                                   Logger log)
    : client_(client), queries_(queries), log_(std::move(log)) {}

HostLabelValues HostLabelSources::fetch() const {
    const std::string& label = queries_.fqdnLabel();
    std::optional<DatasourceError> targetsError;
    std::vector<std::string> fromTargets;
    try {
        fromTargets = client_.activeTargetLabelValues(label);
    } catch (const DatasourceError& e) {
        // Only a backend without the page (Mimir, say) leaves the hosts to the series; auth,
        // transport and server errors are the answer, as they would be without this fallback.
        if (e.httpStatus() != 400 && e.httpStatus() != 404)
            throw;
        targetsError = e;
    }

    const std::string series = queries_.hostCpuSeries(promql::QueryBuilder::all());
    const int64_t endMs = nowMs();
    const int64_t lookbackMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(kSeriesLookback).count();
    std::vector<std::string> fromSeries;
    try {
        fromSeries = client_.labelValues(label, series, endMs - lookbackMs, endMs,
                                         std::chrono::milliseconds(0));
    } catch (const DatasourceError& e) {
        if (targetsError)
            throw *targetsError;
        log_.warning("host names from the active targets only: " + std::string(e.what()));
    }
    if (targetsError)
        log_.warning("host names from the node series only: " + std::string(targetsError->what()));

    std::set<std::string> values(fromTargets.begin(), fromTargets.end());
    const size_t targetCount = values.size();
    std::vector<std::string> seriesOnly;
    for (std::string& value : fromSeries) {
        if (!value.empty() && values.insert(value).second)
            seriesOnly.push_back(std::move(value));
    }
    log_.info("host names: " + std::to_string(values.size()) + " '" + label + "' label values, " +
              std::to_string(targetCount) + " from the active targets at " + client_.baseUrl() +
              " and " + std::to_string(seriesOnly.size()) + " more from the " + series +
              " series of the last " + std::to_string(kSeriesLookback.count()) + " h");

    HostLabelValues found;
    found.values.assign(values.begin(), values.end());
    // A host on a target is scraped by the server we ask; only series-only hosts (federated or
    // remote-written) can arrive twice through different shards.
    if (!seriesOnly.empty())
        found.conflicts = conflicts(seriesOnly);
    return found;
}

std::map<std::string, std::string> HostLabelSources::conflicts(
    const std::vector<std::string>& seriesOnly) const {
    const std::string& label = queries_.fqdnLabel();
    const std::set<std::string> candidates(seriesOnly.begin(), seriesOnly.end());
    std::set<std::string> doubled;
    try {
        for (const promjson::Sample& sample : client_.instantQuery(
                 queries_.hostSourceConflicts(), 0, std::chrono::milliseconds(0))) {
            auto it = sample.labels.find(label);
            if (it != sample.labels.end() && candidates.count(it->second) != 0)
                doubled.insert(it->second);
        }
    } catch (const DatasourceError& e) {
        log_.warning("could not check the hosts for series from several sources: " +
                     std::string(e.what()));
        return {};
    }
    if (doubled.empty())
        return {};

    std::map<std::string, std::string> result;
    const std::string series = queries_.hostSourceSeries(promql::QueryBuilder::all());
    for (const std::string& value : doubled) {
        result[value] = "host '" + value + "' has more than one " + series +
                        " series per instance: several sources (shards or servers) send it";
    }

    // The series themselves, for the labels that tell the sources apart.
    std::vector<std::string> named(doubled.begin(), doubled.end());
    if (named.size() > kMaxNamedConflicts)
        named.resize(kMaxNamedConflicts);
    std::map<std::pair<std::string, std::string>, std::vector<std::map<std::string, std::string>>>
        bySource;
    try {
        for (promjson::Sample& sample :
             client_.instantQuery(queries_.hostSourceSeries(queries_.hosts(named)), 0,
                                  std::chrono::milliseconds(0))) {
            const std::string fqdn = sample.labels[label];
            const std::string instance = sample.labels["instance"];
            bySource[{fqdn, instance}].push_back(std::move(sample.labels));
        }
    } catch (const DatasourceError& e) {
        log_.warning("could not name the sources of " + std::to_string(named.size()) +
                     " hosts: " + std::string(e.what()));
    }
    for (const auto& [key, labelSets] : bySource) {
        if (labelSets.size() < 2 || result.count(key.first) == 0)
            continue;
        std::set<std::string> names;
        for (const auto& labels : labelSets) {
            for (const auto& entry : labels)
                names.insert(entry.first);
        }
        std::set<std::string> differing;
        for (const std::string& name : names) {
            const auto valueIn = [&](const std::map<std::string, std::string>& labels) {
                auto it = labels.find(name);
                return it != labels.end() ? std::optional<std::string>(it->second) : std::nullopt;
            };
            for (const auto& labels : labelSets) {
                if (valueIn(labels) != valueIn(labelSets.front()))
                    differing.insert(name);
            }
        }
        std::string sources;
        for (size_t i = 0; i < labelSets.size(); ++i)
            sources += (i == 0                      ? ""
                        : i + 1 == labelSets.size() ? " and "
                                                    : ", ") +
                       labelSet(labelSets[i], differing);
        result[key.first] = "host '" + key.first + "' (instance \"" + key.second + "\") has " +
                            std::to_string(labelSets.size()) + " " + series +
                            " series from different sources: " + sources +
                            "; an answer would average them, so there is none: scrape the host "
                            "on one shard only";
    }

    size_t logged = 0;
    for (const auto& [value, why] : result) {
        if (logged++ < kMaxLoggedConflicts)
            log_.error(why);
    }
    if (result.size() > kMaxLoggedConflicts) {
        log_.error(std::to_string(result.size() - kMaxLoggedConflicts) +
                   " more hosts have series from several sources");
    }
    return result;
}

}  // namespace wds
