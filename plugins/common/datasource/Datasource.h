#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "labels/HostLabelMap.h"
#include "logging/Logger.h"
#include "prometheus_api/PromApiClient.h"
#include "promql/PromQL.h"

namespace wds {

/** statistic_aggregation() arguments, validated and copied out of the C structs. */
struct AggregationArgs {
    wds_resource_type resourceType = WDS_RESOURCE_COMPUTE_NODE;
    std::string meterName;
    std::string uuid;
    std::string hostname;
    std::optional<int64_t> vcpus;
    std::optional<double> memoryMb;
    std::optional<double> diskGb;
    wds_aggregate aggregate = WDS_AGGREGATE_MEAN;
    int64_t periodS = 300;
    int64_t granularityS = 0;
    int64_t evalTimeMs = 0;
    std::chrono::milliseconds timeout{0};
};

/** A value, or the reason there is none (WDS_NO_DATA is an answer, not an error). */
struct AggregationResult {
    std::optional<double> value;
    std::string noDataReason;
};

/**
 * Watcher's Prometheus datasource behaviour on top of a Prometheus-API client: the metric map,
 * the PromQL, host-name resolution through the fqdn label map, units and the edge cases
 * (DECISIONS.md). Shared by the Prometheus and Aetos plugins, which differ only in how they
 * reach the API. Safe to call from several threads at once.
 */
class Datasource {
  public:
    struct Settings {
        std::string id;  // "prometheus" / "aetos", for messages
        std::string fqdnLabel = "fqdn";
        std::string instanceUuidLabel = "resource";
        std::chrono::milliseconds labelRefreshInterval{60000};
    };

    Datasource(Settings settings, std::unique_ptr<PromApiClient> client, Logger log);

    /** Loads the host-name label map from the active targets (network). */
    void start();

    AggregationResult statisticAggregation(const AggregationArgs& request);
    void checkAvailability();
    std::vector<std::string> listMetrics();

    const HostLabelMap& hostLabels() const { return hostLabels_; }

  private:
    std::string resolveHost(const std::string& hostname);

    Settings settings_;
    std::unique_ptr<PromApiClient> client_;
    Logger log_;
    promql::QueryBuilder queries_;
    HostLabelMap hostLabels_;
};

}  // namespace wds
