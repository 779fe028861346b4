#include "datasource/Datasource.h"

#include <cmath>

#include "datasource/MetricCatalog.h"
#include "errors/DatasourceError.h"

namespace wds {
namespace {

std::string supportedList() {
    std::string list;
    for (size_t i = 0; i < MetricCatalog::count(); ++i) {
        list += (i == 0 ? "" : ", ");
        list += MetricCatalog::names()[i];
    }
    return list;
}

[[noreturn]] void invalidArgument(const std::string& message) {
    throw DatasourceError(WDS_E_INVALID_ARGUMENT, message);
}

}  // namespace

Datasource::Datasource(Settings settings, std::unique_ptr<PromApiClient> client, Logger log)
    : settings_(std::move(settings)),
      client_(std::move(client)),
      log_(std::move(log)),
      queries_(settings_.fqdnLabel, settings_.instanceUuidLabel),
      hostLabels_(
          settings_.fqdnLabel,
          [this] { return client_->activeTargetLabelValues(settings_.fqdnLabel); },
          settings_.labelRefreshInterval, log_) {}

void Datasource::start() {
    hostLabels_.load();
}

std::string Datasource::resolveHost(const std::string& hostname) {
    if (hostname.empty())
        invalidArgument("a compute_node query needs the resource's hostname");
    if (auto label = hostLabels_.resolve(hostname))
        return *label;
    throw DatasourceError(WDS_E_RESOURCE_NOT_FOUND,
                          "host '" + hostname + "' matches no '" + settings_.fqdnLabel +
                              "' label value of the active targets at " + client_->baseUrl() +
                              " (" + std::to_string(hostLabels_.labelValues().size()) +
                              " known, short names included)");
}

AggregationResult Datasource::statisticAggregation(const AggregationArgs& request) {
    // The order of checks follows Watcher: the metric first, then the resource type.
    const MetricInfo* metric = MetricCatalog::find(request.meterName);
    if (metric == nullptr) {
        throw DatasourceError(WDS_E_METRIC_NOT_AVAILABLE,
                              "metric '" + request.meterName + "' is not available from the " +
                                  settings_.id + " datasource (available: " + supportedList() +
                                  ")");
    }
    if (request.resourceType != WDS_RESOURCE_COMPUTE_NODE &&
        request.resourceType != WDS_RESOURCE_INSTANCE) {
        throw DatasourceError(WDS_E_UNSUPPORTED,
                              "resource type " + std::to_string(request.resourceType) +
                                  " is not supported by the " + settings_.id +
                                  " datasource (only compute_node and instance)");
    }
    if (request.resourceType != metric->resourceType) {
        invalidArgument(
            std::string("metric '") + metric->name + "' is about " +
            (metric->resourceType == WDS_RESOURCE_COMPUTE_NODE ? "compute_node" : "instance") +
            " resources");
    }
    if (request.aggregate < WDS_AGGREGATE_MEAN || request.aggregate > WDS_AGGREGATE_COUNT) {
        invalidArgument("unknown aggregate " + std::to_string(request.aggregate) +
                        " (mean, min, max or count)");
    }
    if (request.periodS <= 0) {
        invalidArgument("period must be a whole number of seconds > 0, got " +
                        std::to_string(request.periodS));
    }
    if (request.evalTimeMs < 0)
        invalidArgument("evaluation time must not be negative");

    // Flavor values come from the resource itself, without a query (as in Watcher).
    if (metric->kind == MetricKind::InstanceRamAllocated) {
        if (!request.memoryMb)
            invalidArgument("instance_ram_allocated needs the instance memory");
        return {request.memoryMb, {}};
    }
    if (metric->kind == MetricKind::InstanceRootDiskSize) {
        if (!request.diskGb)
            invalidArgument("instance_root_disk_size needs the instance disk");
        return {request.diskGb, {}};
    }

    wds_aggregate aggregate = request.aggregate;
    if (aggregate == WDS_AGGREGATE_COUNT) {
        log_.warning(settings_.id +
                     " datasource does not support the count aggregate; proceeding with mean");
        aggregate = WDS_AGGREGATE_MEAN;
    }

    std::string query;
    if (metric->resourceType == WDS_RESOURCE_COMPUTE_NODE) {
        const std::string label = resolveHost(request.hostname);
        query = metric->kind == MetricKind::HostCpuUsage
                    ? queries_.hostCpuUsage(aggregate, label, request.periodS)
                    : queries_.hostRamUsage(aggregate, label, request.periodS);
    } else {
        if (request.uuid.empty())
            invalidArgument("an instance query needs the resource's uuid");
        if (metric->kind == MetricKind::InstanceCpuUsage) {
            int64_t vcpus = request.vcpus.value_or(0);
            if (vcpus <= 0) {
                log_.warning("instance vcpu count not set for instance " + request.uuid +
                             ", assuming 1");
                vcpus = 1;
            }
            query = queries_.instanceCpuUsage(aggregate, request.uuid, request.periodS, vcpus);
        } else {
            query = queries_.instanceRamUsage(aggregate, request.uuid, request.periodS);
        }
    }

    const auto samples = client_->instantQuery(query, request.evalTimeMs, request.timeout);
    if (samples.empty())
        return {std::nullopt, "no data for query `" + query + "`"};
    if (samples.size() > 1) {
        // Cannot happen with the `by (label)` queries unless the server ignores the grouping.
        throw DatasourceError(WDS_E_PROTOCOL, "query `" + query + "` returned " +
                                                  std::to_string(samples.size()) +
                                                  " series where one was expected");
    }
    const double value = samples.front().value;
    if (!std::isfinite(value)) {
        log_.warning("query `" + query + "` returned " + (std::isnan(value) ? "NaN" : "Inf") +
                     "; reporting no data");
        return {std::nullopt, "non-finite value for query `" + query + "`"};
    }
    return {value, {}};
}

void Datasource::checkAvailability() {
    client_->checkAvailability();
}

std::vector<std::string> Datasource::listMetrics() {
    return client_->labelValues("__name__");
}

}  // namespace wds
