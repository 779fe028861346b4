#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "datasource/MetricCatalog.h"
#include "datasource/QueryTemplateCache.h"
#include "labels/HostLabelMap.h"
#include "labels/HostLabelSources.h"
#include "logging/Logger.h"
#include "prometheus_api/PromApiClient.h"
#include "promql/PromQL.h"
#include "watcher_ds/extensions.h"

namespace wds {

/** The resource a query is about, validated and copied out of a wds_resource. */
struct ResourceArgs {
    std::string uuid;
    std::string hostname;
    std::optional<int64_t> vcpus;
    std::optional<double> memoryMb;
    std::optional<double> diskGb;
};

/** What every metric query names besides the resource. */
struct QueryArgs {
    wds_resource_type resourceType = WDS_RESOURCE_COMPUTE_NODE;
    std::string meterName;
    wds_aggregate aggregate = WDS_AGGREGATE_MEAN;
    std::chrono::milliseconds timeout{0};
};

/** statistic_aggregation() arguments. */
struct AggregationArgs : ResourceArgs, QueryArgs {
    int64_t periodS = 300;
    int64_t granularityS = 0;
    int64_t evalTimeMs = 0;
};

/** A value, or the reason there is none (WDS_NO_DATA is an answer, not an error). */
struct AggregationResult {
    std::optional<double> value;
    std::string noDataReason;
};

/** The series extension's arguments: a point every granularityS in [startMs, endMs]. */
struct SeriesArgs : ResourceArgs, QueryArgs {
    int64_t startMs = 0;
    int64_t endMs = 0;
    int64_t granularityS = 0;
};

struct SeriesAnswer {
    std::vector<std::pair<int64_t, double>> points;  // (Unix ms, value), ascending
    std::string noDataReason;                        // set when points is empty
};

/** The snapshot extension's arguments: one metric for every resource. */
struct SnapshotArgs : QueryArgs {
    int64_t periodS = 300;
    int64_t granularityS = 0;
    int64_t evalTimeMs = 0;
};

/** The batch extension's arguments: one metric for many resources. */
struct BatchArgs : SnapshotArgs {
    std::vector<ResourceArgs> resources;
};

struct BatchAnswerItem {
    wds_status status = WDS_NO_DATA;
    std::optional<double> value;  // set exactly when status == WDS_OK
    std::string message;          // why there is no value
};

struct BatchAnswer {
    std::vector<BatchAnswerItem> items;  // one per resource, in order
    uint32_t queryCount = 0;
};

struct SnapshotAnswer {
    std::vector<std::string> names;  // sorted, unique
    std::vector<double> values;      // finite, values[i] belongs to names[i]
    wds_snapshot_scale scale = WDS_SNAPSHOT_SCALE_NONE;
    uint32_t queryCount = 0;
};

/** The inventory extension's arguments: the instances with a series of a metric's meter. */
struct InventoryArgs {
    wds_resource_type resourceType = WDS_RESOURCE_INSTANCE;
    std::string meterName;
    int64_t periodS = 300;
    int64_t evalTimeMs = 0;  // 0 = now, by this process's clock
    std::chrono::milliseconds timeout{0};
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
        // Aetos answers 404 on query_range: series come from an instant query of a subquery.
        bool seriesViaSubquery = false;
        // The backend takes POST /api/v1/query (Aetos takes GET only): a batch that needs
        // several regex sets sends them as one `or` query in one request, so a balancer in front
        // of replicas picks one replica for the whole batch and no answer mixes two of them.
        bool postQueries = false;
    };

    Datasource(Settings settings, std::unique_ptr<PromApiClient> client, Logger log);

    /** Loads the host-name label map from its sources (network; HostLabelSources). */
    void start();

    AggregationResult statisticAggregation(const AggregationArgs& request);
    SeriesAnswer statisticSeries(const SeriesArgs& request);
    BatchAnswer statisticBatch(const BatchArgs& request);
    /** Every resource's value of the metric from one query over all of them. */
    SnapshotAnswer statisticSnapshot(const SnapshotArgs& request);
    /** The instance label's values on the metric's series in the window: sorted, unique. */
    std::vector<std::string> listInstances(const InventoryArgs& request);
    void checkAvailability();
    std::vector<std::string> listMetrics();

    const HostLabelMap& hostLabels() const { return hostLabels_; }

  private:
    /** The metric, or WDS_E_METRIC_NOT_AVAILABLE naming the ones there are. */
    const MetricInfo& knownMetric(const std::string& meterName) const;
    /** The metric, checked against the resource type (Watcher's order of checks). */
    const MetricInfo& checkedMetric(const QueryArgs& request) const;
    /** The aggregate to query with: COUNT becomes MEAN with a warning, as in Watcher. */
    wds_aggregate queryAggregate(wds_aggregate aggregate) const;
    std::string resolveHost(const std::string& hostname);
    /** The PromQL of a backend metric for one resource over a window of periodS. */
    promql::Query resourceQuery(const MetricInfo& metric, wds_aggregate aggregate,
                                const ResourceArgs& resource, int64_t periodS);
    /**
     * The PromQL of a backend metric over the resources `selector` picks. instance_cpu_usage
     * with vcpus 0 is the CPU cores, which a batch scales by each flavor itself.
     */
    std::string metricQuery(MetricKind kind, wds_aggregate aggregate,
                            const promql::Selector& selector, int64_t periodS, int64_t vcpus) const;
    /** Whether the metric comes from each instance's flavor, without a query. */
    static bool fromFlavor(const MetricInfo& metric);
    /** The resource's flavor value for the metrics that need no query, or nullopt. */
    static std::optional<double> flavorValue(const MetricInfo& metric,
                                             const ResourceArgs& resource);
    /**
     * The value of each series of `queries`' answers by its `label` (series without it are
     * skipped); two series with one label value are a protocol error.
     */
    std::unordered_map<std::string, double> valuesByLabel(
        const std::vector<std::string>& queries, const std::string& label,
        const SnapshotArgs& request, PromApiClient::Via via = PromApiClient::Via::Get);
    /**
     * The batch's queries over `labelValues`: regex sets that keep each URL short, or one query
     * over every resource when that is cheaper (most of the known hosts, most of the instances
     * the last listInstances() of the metric found, or many sets).
     */
    std::vector<std::string> batchQueries(const MetricInfo& metric, wds_aggregate aggregate,
                                          std::vector<std::string> labelValues, int64_t periodS);

    Settings settings_;
    std::unique_ptr<PromApiClient> client_;
    Logger log_;
    promql::QueryBuilder queries_;
    QueryTemplateCache templates_;
    HostLabelSources hostSources_;
    HostLabelMap hostLabels_;
    // Per MetricKind: how many instances the last listInstances() of the metric returned (0:
    // none yet). Only a cost hint for batchQueries(): every form of the query gives each
    // instance the same value.
    std::array<std::atomic<size_t>, static_cast<size_t>(MetricKind::InstanceRootDiskSize) + 1>
        inventorySizes_{};
};

}  // namespace wds
