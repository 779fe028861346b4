#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "labels/HostLabelMap.h"
#include "logging/Logger.h"
#include "prometheus_api/PromApiClient.h"
#include "promql/PromQL.h"

namespace wds {

/**
 * Where the host label map's values come from: the fqdn label of the active targets (a
 * Prometheus that scrapes the node exporters itself) united with the fqdn label's values on the
 * node CPU series of the last day (a global Prometheus that federates shards, or a long-term
 * store fed by remote write, whose targets are not the hosts). Hosts known only from the series
 * are checked for several sources: two live CPU series of one (fqdn, instance), told apart only
 * by another label such as a shard's external label, would be averaged into one answer, so such a
 * host is reported as a conflict naming the labels that differ, never silently picked.
 */
class HostLabelSources {
  public:
    /** How far back the node series count: a host that reported in the last day resolves. */
    static constexpr std::chrono::hours kSeriesLookback{24};

    HostLabelSources(const PromApiClient& client, const promql::QueryBuilder& queries, Logger log);

    /**
     * Both look-ups (network). The series may fail alone (logged, the targets answer); the
     * targets only with HTTP 400/404, a backend without that page (logged, the series answer).
     * Any other failure of the targets, or both failing, throws the targets' error.
     */
    HostLabelValues fetch() const;

  private:
    /** value -> what its sources are, for the values whose CPU series come from several. */
    std::map<std::string, std::string> conflicts(const std::vector<std::string>& seriesOnly) const;

    const PromApiClient& client_;
    const promql::QueryBuilder& queries_;
    Logger log_;
};

}  // namespace wds
