#include "datasource/Datasource.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_map>

#include "errors/DatasourceError.h"
#include "http/PercentEncoding.h"
#include "watcher_ds/extensions.h"

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

// A day: longer steps make no sense for Watcher and keep step * 1000 far from overflow.
constexpr int64_t kMaxStepS = 86400;
// Longest percent-encoded label matcher one batch query carries: with the rest of the query the
// request line stays well under the 4 KiB that web servers in front of Aetos may allow.
constexpr size_t kMaxBatchMatcherBytes = 2048;
// More regex queries than this and one query over every resource is cheaper for the server.
constexpr size_t kMaxBatchQueries = 32;

void checkWindow(int64_t periodS, int64_t evalTimeMs) {
    if (periodS <= 0) {
        invalidArgument("period must be a whole number of seconds > 0, got " +
                        std::to_string(periodS));
    }
    if (evalTimeMs < 0)
        invalidArgument("evaluation time must not be negative");
}

/**
 * Drops the instance label values no query can carry (empty, not UTF-8, too long): a call of
 * each would only answer an invalid argument. Warns once, naming the first reason.
 */
class UncarriableInstances {
  public:
    bool drop(const std::string& value) {
        try {
            if (value.empty())
                invalidArgument("an empty instance uuid");
            promql::checkLabelValue(value, "instance uuid");
            return false;
        } catch (const DatasourceError& e) {
            if (count_++ == 0)
                firstReason_ = e.what();
            return true;
        }
    }

    void warn(const Logger& log, const std::string& where) const {
        if (count_ > 0) {
            log.warning(where + ": left out " + std::to_string(count_) +
                        " values that no query can carry (first: " + firstReason_ + ")");
        }
    }

  private:
    size_t count_ = 0;
    std::string firstReason_;
};

}  // namespace

Datasource::Datasource(Settings settings, std::unique_ptr<PromApiClient> client, Logger log)
    : settings_(std::move(settings)),
      client_(std::move(client)),
      log_(std::move(log)),
      queries_(settings_.fqdnLabel, settings_.instanceUuidLabel),
      hostSources_(*client_, queries_, log_),
      hostLabels_(
          settings_.fqdnLabel, [this] { return hostSources_.fetch(); },
          settings_.labelRefreshInterval, log_) {}

void Datasource::start() {
    hostLabels_.load();
}

std::string Datasource::resolveHost(const std::string& hostname) {
    if (hostname.empty())
        invalidArgument("a compute_node query needs the resource's hostname");
    if (auto label = hostLabels_.resolve(hostname)) {
        // Not found, as far as an answer goes: there is no one series set to answer from.
        if (auto why = hostLabels_.conflict(*label))
            throw DatasourceError(WDS_E_RESOURCE_NOT_FOUND, *why);
        return *label;
    }
    if (hostLabels_.empty()) {
        // No host at all is not an answer about this host: the server may be starting up.
        throw DatasourceError(WDS_E_UNAVAILABLE,
                              "cannot resolve host '" + hostname + "': neither an active target " +
                                  "nor a node series at " + client_->baseUrl() + " carries a '" +
                                  settings_.fqdnLabel +
                                  "' label (yet; a Prometheus that has just started lists its "
                                  "targets a few seconds later)");
    }
    throw DatasourceError(WDS_E_RESOURCE_NOT_FOUND,
                          "host '" + hostname + "' matches no '" + settings_.fqdnLabel +
                              "' label value of the active targets or node series at " +
                              client_->baseUrl() + " (" + std::to_string(hostLabels_.size()) +
                              " known, short names included)");
}

const MetricInfo& Datasource::knownMetric(const std::string& meterName) const {
    const MetricInfo* metric = MetricCatalog::find(meterName);
    if (metric == nullptr) {
        throw DatasourceError(WDS_E_METRIC_NOT_AVAILABLE,
                              "metric '" + meterName + "' is not available from the " +
                                  settings_.id + " datasource (available: " + supportedList() +
                                  ")");
    }
    return *metric;
}

const MetricInfo& Datasource::checkedMetric(const QueryArgs& request) const {
    // The order of checks follows Watcher: the metric first, then the resource type.
    const MetricInfo* metric = &knownMetric(request.meterName);
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
    return *metric;
}

wds_aggregate Datasource::queryAggregate(wds_aggregate aggregate) const {
    if (aggregate != WDS_AGGREGATE_COUNT)
        return aggregate;
    log_.warning(settings_.id +
                 " datasource does not support the count aggregate; proceeding with mean");
    return WDS_AGGREGATE_MEAN;
}

bool Datasource::fromFlavor(const MetricInfo& metric) {
    return metric.kind == MetricKind::InstanceRamAllocated ||
           metric.kind == MetricKind::InstanceRootDiskSize;
}

std::optional<double> Datasource::flavorValue(const MetricInfo& metric,
                                              const ResourceArgs& resource) {
    // Flavor values come from the resource itself, without a query (as in Watcher).
    if (metric.kind == MetricKind::InstanceRamAllocated) {
        if (!resource.memoryMb)
            invalidArgument("instance_ram_allocated needs the instance memory");
        return resource.memoryMb;
    }
    if (metric.kind == MetricKind::InstanceRootDiskSize) {
        if (!resource.diskGb)
            invalidArgument("instance_root_disk_size needs the instance disk");
        return resource.diskGb;
    }
    return std::nullopt;
}

std::string Datasource::metricQuery(MetricKind kind, wds_aggregate aggregate,
                                    const promql::Selector& selector, int64_t periodS,
                                    int64_t vcpus) const {
    switch (kind) {
        case MetricKind::HostCpuUsage:
            return queries_.hostCpuUsage(aggregate, selector, periodS);
        case MetricKind::HostRamUsage:
            return queries_.hostRamUsage(aggregate, selector, periodS);
        case MetricKind::InstanceCpuUsage:
            return vcpus > 0 ? queries_.instanceCpuUsage(aggregate, selector, periodS, vcpus)
                             : queries_.instanceCpuCores(aggregate, selector, periodS);
        case MetricKind::InstanceRamUsage:
            return queries_.instanceRamUsage(aggregate, selector, periodS);
        default:
            throw DatasourceError(WDS_E_INTERNAL, "no query for a flavor metric");
    }
}

promql::Query Datasource::resourceQuery(const MetricInfo& metric, wds_aggregate aggregate,
                                        const ResourceArgs& resource, int64_t periodS) {
    const bool host = metric.resourceType == WDS_RESOURCE_COMPUTE_NODE;
    std::string resolved;  // a host's fqdn label value
    std::string_view value = resource.uuid;
    int64_t vcpus = 0;
    if (host) {
        resolved = resolveHost(resource.hostname);
        value = resolved;
    } else {
        if (resource.uuid.empty())
            invalidArgument("an instance query needs the resource's uuid");
        if (metric.kind == MetricKind::InstanceCpuUsage) {
            vcpus = resource.vcpus.value_or(0);
            if (vcpus <= 0) {
                log_.warning("instance vcpu count not set for instance " + resource.uuid +
                             ", assuming 1");
                vcpus = 1;
            }
        }
    }
    // The query's text around the value is the same for every resource: built once.
    const auto build = [&] {
        return metricQuery(metric.kind, aggregate,
                           host ? queries_.hostHole() : queries_.instanceHole(), periodS, vcpus);
    };
    if (const auto* shape = templates_.find({metric.kind, aggregate, periodS, vcpus}, build))
        return {*shape, promql::quote(value, host ? "host label value" : "instance uuid")};
    // The template cache is full (callers asked for many periods): the query in full.
    return metricQuery(metric.kind, aggregate,
                       host ? queries_.host(value) : queries_.instance(value), periodS, vcpus);
}

AggregationResult Datasource::statisticAggregation(const AggregationArgs& request) {
    const MetricInfo& metric = checkedMetric(request);
    checkWindow(request.periodS, request.evalTimeMs);
    if (auto value = flavorValue(metric, request))
        return {value, {}};

    const promql::Query query =
        resourceQuery(metric, queryAggregate(request.aggregate), request, request.periodS);
    const auto samples =
        client_->instantQuery(query, request.evalTimeMs, request.timeout, promjson::Labels::Skip);
    if (samples.empty())
        return {std::nullopt, "no data for query `" + query.text() + "`"};
    if (samples.size() > 1) {
        // Cannot happen with the `by (label)` queries unless the server ignores the grouping.
        throw DatasourceError(WDS_E_PROTOCOL, "query `" + query.text() + "` returned " +
                                                  std::to_string(samples.size()) +
                                                  " series where one was expected");
    }
    const double value = samples.front().value;
    if (!std::isfinite(value)) {
        log_.warning("query `" + query.text() + "` returned " +
                     (std::isnan(value) ? "NaN" : "Inf") + "; reporting no data");
        return {std::nullopt, "non-finite value for query `" + query.text() + "`"};
    }
    return {value, {}};
}

SeriesAnswer Datasource::statisticSeries(const SeriesArgs& request) {
    const MetricInfo& metric = checkedMetric(request);
    if (fromFlavor(metric)) {
        throw DatasourceError(WDS_E_UNSUPPORTED,
                              std::string(metric.name) +
                                  " comes from the instance's flavor, not from the " +
                                  settings_.id + " datasource: it has no series");
    }
    const int64_t stepS = request.granularityS;
    if (stepS <= 0 || stepS > kMaxStepS) {
        invalidArgument("granularity must be a whole number of seconds in [1, " +
                        std::to_string(kMaxStepS) + "], got " + std::to_string(stepS));
    }
    if (request.startMs <= 0 || request.endMs < request.startMs)
        invalidArgument("a series needs 0 < start <= end");
    // Points sit on multiples of the step, so query_range and a subquery (which aligns its
    // points that way) give the same timestamps on every backend.
    const int64_t stepMs = stepS * 1000;
    const int64_t firstMs = (request.startMs + stepMs - 1) / stepMs * stepMs;
    const int64_t lastMs = request.endMs / stepMs * stepMs;
    if (firstMs > lastMs) {
        invalidArgument("no multiple of the " + std::to_string(stepS) +
                        " s granularity lies between start and end");
    }
    const int64_t pointCount = (lastMs - firstMs) / stepMs + 1;
    if (pointCount > WDS_SERIES_MAX_POINTS) {
        invalidArgument("the range holds " + std::to_string(pointCount) + " steps of " +
                        std::to_string(stepS) + " s, more than the " +
                        std::to_string(WDS_SERIES_MAX_POINTS) +
                        " points a series may have: use a larger granularity or a shorter range");
    }

    const promql::Query query =
        resourceQuery(metric, queryAggregate(request.aggregate), request, stepS);
    std::vector<promjson::Series> series;
    std::string shownQuery;
    if (settings_.seriesViaSubquery) {
        // The subquery's first point is the first multiple of the step after end - range; half
        // a step of slack keeps firstMs in whether the server's window is open or closed.
        shownQuery = "(" + query.text() + ")[" + std::to_string(lastMs - firstMs + stepMs / 2) +
                     "ms:" + std::to_string(stepS) + "s]";
        series = client_->instantMatrixQuery(shownQuery, lastMs, request.timeout);
    } else {
        shownQuery = query.text();
        series = client_->rangeQuery(query, firstMs, lastMs, stepS, request.timeout);
    }
    if (series.size() > 1) {
        throw DatasourceError(WDS_E_PROTOCOL, "query `" + shownQuery + "` returned " +
                                                  std::to_string(series.size()) +
                                                  " series where one was expected");
    }
    SeriesAnswer result;
    size_t nonFinite = 0;
    for (const promjson::Series& one : series) {
        for (const promjson::Point& point : one.points) {
            const auto timeMs = static_cast<int64_t>(std::llround(point.timestampS * 1000));
            if (timeMs < firstMs || timeMs > lastMs)
                continue;  // a server that does not align its subquery like Prometheus
            if (!std::isfinite(point.value)) {
                ++nonFinite;
                continue;
            }
            result.points.emplace_back(timeMs, point.value);
        }
    }
    if (nonFinite > 0) {
        log_.warning("query `" + shownQuery + "` returned " + std::to_string(nonFinite) +
                     " non-finite points; they are left out");
    }
    if (result.points.empty())
        result.noDataReason = "no data for query `" + shownQuery + "`";
    return result;
}

std::vector<std::string> Datasource::batchQueries(const MetricInfo& metric, wds_aggregate aggregate,
                                                  std::vector<std::string> labelValues,
                                                  int64_t periodS) {
    std::sort(labelValues.begin(), labelValues.end());
    labelValues.erase(std::unique(labelValues.begin(), labelValues.end()), labelValues.end());
    const bool hosts = metric.resourceType == WDS_RESOURCE_COMPUTE_NODE;
    const auto queryOf = [&](const promql::Selector& selector) {
        return metricQuery(metric.kind, aggregate, selector, periodS, 0);
    };
    // Most of the known hosts: one query over every host costs the server no more.
    if (hosts && labelValues.size() * 2 > hostLabels_.size())
        return {queryOf(promql::QueryBuilder::all())};
    // The same for most of the instances the metric's last inventory found (a host that listed
    // them and now asks for all of them): the server reads those series either way.
    if (!hosts) {
        const size_t listed =
            inventorySizes_[static_cast<size_t>(metric.kind)].load(std::memory_order_relaxed);
        if (listed > 0 && labelValues.size() * 2 > listed)
            return {queryOf(promql::QueryBuilder::all())};
    }

    // Regex sets of at most kMaxBatchMatcherBytes each (URLs web servers accept), cut where
    // the next value would pass the limit.
    std::vector<std::vector<std::string>> chunks(1);
    size_t chunkBytes = 0;
    for (const std::string& value : labelValues) {
        // The value's share of the encoded matcher: its quoted regex without the quotes, plus '|'.
        const size_t bytes =
            percentEncode(promql::quote(promql::regexLiteral(value), "label value")).size();
        if (!chunks.back().empty() && chunkBytes + bytes > kMaxBatchMatcherBytes) {
            chunks.emplace_back();
            chunkBytes = 0;
        }
        chunks.back().push_back(value);
        chunkBytes += bytes;
    }
    if (chunks.size() > kMaxBatchQueries)
        return {queryOf(promql::QueryBuilder::all())};
    std::vector<std::string> result;
    for (const auto& chunk : chunks)
        result.push_back(queryOf(hosts ? queries_.hosts(chunk) : queries_.instances(chunk)));
    return result;
}

BatchAnswer Datasource::statisticBatch(const BatchArgs& request) {
    const MetricInfo& metric = checkedMetric(request);
    checkWindow(request.periodS, request.evalTimeMs);
    BatchAnswer result;
    result.items.resize(request.resources.size());

    // Each resource's label value, or the reason it has none (as its own call would fail).
    const bool hosts = metric.resourceType == WDS_RESOURCE_COMPUTE_NODE;
    std::vector<std::optional<std::string>> labelOf(request.resources.size());
    std::vector<std::string> wanted;
    size_t withoutVcpus = 0;
    for (size_t i = 0; i < request.resources.size(); ++i) {
        const ResourceArgs& resource = request.resources[i];
        BatchAnswerItem& item = result.items[i];
        try {
            if (auto value = flavorValue(metric, resource)) {
                item.status = WDS_OK;
                item.value = value;
                continue;
            }
            if (hosts) {
                labelOf[i] = resolveHost(resource.hostname);
            } else {
                if (resource.uuid.empty())
                    invalidArgument("an instance query needs the resource's uuid");
                promql::checkLabelValue(resource.uuid, "instance uuid");
                labelOf[i] = resource.uuid;
                if (metric.kind == MetricKind::InstanceCpuUsage && resource.vcpus.value_or(0) <= 0)
                    ++withoutVcpus;
            }
            wanted.push_back(*labelOf[i]);
        } catch (const DatasourceError& e) {
            // Only answers about this resource stay with it; anything else fails the batch.
            if (e.status() != WDS_E_RESOURCE_NOT_FOUND && e.status() != WDS_E_INVALID_ARGUMENT)
                throw;
            item.status = e.status();
            item.message = e.what();
        }
    }
    if (wanted.empty())
        return result;
    if (withoutVcpus > 0) {
        log_.warning(std::to_string(withoutVcpus) +
                     " instances have no vcpu count set; assuming 1 for each");
    }

    const std::vector<std::string> queries =
        batchQueries(metric, queryAggregate(request.aggregate), wanted, request.periodS);
    const std::string& label = hosts ? queries_.fqdnLabel() : queries_.instanceUuidLabel();
    std::unordered_map<std::string, double> valueOf;
    if (settings_.postQueries && queries.size() > 1) {
        // The sets select disjoint resources, so `or` is their union.
        std::string joined = queries.front();
        for (size_t i = 1; i < queries.size(); ++i)
            joined.append(" or ").append(queries[i]);
        valueOf = valuesByLabel({joined}, label, request, PromApiClient::Via::Post);
        result.queryCount = 1;
    } else {
        valueOf = valuesByLabel(queries, label, request);
        result.queryCount = static_cast<uint32_t>(queries.size());
    }
    const std::string shownQuery =
        queries.front() + (queries.size() > 1 ? " (and " + std::to_string(queries.size() - 1) +
                                                    " more for the other resources)"
                                              : "");

    for (size_t i = 0; i < request.resources.size(); ++i) {
        if (!labelOf[i])
            continue;
        BatchAnswerItem& item = result.items[i];
        auto it = valueOf.find(*labelOf[i]);
        double value = it != valueOf.end() ? it->second : std::nan("");
        if (it != valueOf.end() && metric.kind == MetricKind::InstanceCpuUsage) {
            const int64_t vcpus = request.resources[i].vcpus.value_or(0);
            value = promql::instanceCpuPercent(value, vcpus > 0 ? vcpus : 1);
        }
        if (it == valueOf.end()) {
            item.message =
                "no data for " + label + "=" + *labelOf[i] + " in query `" + shownQuery + "`";
        } else if (!std::isfinite(value)) {
            item.message = "non-finite value for " + label + "=" + *labelOf[i] + " in query `" +
                           shownQuery + "`";
        } else {
            item.status = WDS_OK;
            item.value = value;
        }
    }
    return result;
}

std::unordered_map<std::string, double> Datasource::valuesByLabel(
    const std::vector<std::string>& queries, const std::string& label, const SnapshotArgs& request,
    PromApiClient::Via via) {
    // Hashed, and the label values moved out of the answer: a batch can hold 10^5 resources.
    std::unordered_map<std::string, double> valueOf;
    for (const std::string& query : queries) {
        std::vector<promjson::Sample> samples = client_->instantQuery(
            query, request.evalTimeMs, request.timeout, promjson::Labels::Keep, via);
        valueOf.reserve(valueOf.size() + samples.size());
        for (promjson::Sample& sample : samples) {
            auto it = sample.labels.find(label);
            if (it == sample.labels.end())
                continue;
            const auto [at, added] = valueOf.emplace(std::move(it->second), sample.value);
            if (!added) {
                throw DatasourceError(
                    WDS_E_PROTOCOL,
                    "query `" + query + "` returned two series for " + label + "=" + at->first);
            }
        }
    }
    return valueOf;
}

SnapshotAnswer Datasource::statisticSnapshot(const SnapshotArgs& request) {
    const MetricInfo& metric = checkedMetric(request);
    checkWindow(request.periodS, request.evalTimeMs);
    if (fromFlavor(metric)) {
        throw DatasourceError(WDS_E_UNSUPPORTED, std::string(metric.name) +
                                                     " comes from each instance's flavor, " +
                                                     "not from the " + settings_.id +
                                                     " datasource: there is no snapshot of it");
    }
    const bool hosts = metric.resourceType == WDS_RESOURCE_COMPUTE_NODE;
    const std::string& label = hosts ? queries_.fqdnLabel() : queries_.instanceUuidLabel();
    // vcpus 0: instance CPU as cores, which the caller scales by each flavor (see the scale).
    const std::string query = metricQuery(metric.kind, queryAggregate(request.aggregate),
                                          promql::QueryBuilder::all(), request.periodS, 0);
    std::unordered_map<std::string, double> valueOf = valuesByLabel({query}, label, request);

    SnapshotAnswer answer;
    answer.queryCount = 1;
    if (metric.kind == MetricKind::InstanceCpuUsage)
        answer.scale = WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS;
    const auto add = [&](std::string name, double value) {
        // Not finite: left out, so that the resource's own call reports it as it would alone.
        if (std::isfinite(value)) {
            answer.names.push_back(std::move(name));
            answer.values.push_back(value);
        }
    };
    if (hosts) {
        // Only the names a host name can resolve to: a series of another fqdn value (no
        // source has it) has no resource that a single call would answer with it, and a host
        // with several sources has no single answer.
        size_t conflicting = 0;
        for (std::string& name : hostLabels_.labelValues()) {
            const auto it = valueOf.find(name);
            if (it == valueOf.end())
                continue;
            if (hostLabels_.conflict(name))
                ++conflicting;
            else
                add(std::move(name), it->second);
        }
        if (conflicting > 0) {
            log_.warning("statistic_snapshot of " + std::string(metric.name) + ": left out " +
                         std::to_string(conflicting) +
                         " hosts whose series come from several sources (logged when found)");
        }
    } else {
        std::vector<std::pair<std::string, double>> entries(
            std::make_move_iterator(valueOf.begin()), std::make_move_iterator(valueOf.end()));
        std::sort(entries.begin(), entries.end());
        answer.names.reserve(entries.size());
        answer.values.reserve(entries.size());
        UncarriableInstances uncarriable;
        for (auto& [name, value] : entries) {
            if (!uncarriable.drop(name))
                add(std::move(name), value);
        }
        uncarriable.warn(log_, "statistic_snapshot of label " + label + " on `" + query + "`");
    }
    return answer;
}

std::vector<std::string> Datasource::listInstances(const InventoryArgs& request) {
    const MetricInfo& metric = knownMetric(request.meterName);
    if (request.resourceType != WDS_RESOURCE_INSTANCE) {
        throw DatasourceError(WDS_E_UNSUPPORTED,
                              "list_instances lists instances only, not resources of type " +
                                  std::to_string(request.resourceType) +
                                  " (compute nodes: list_hosts of the batch extension)");
    }
    if (metric.resourceType != WDS_RESOURCE_INSTANCE) {
        invalidArgument(std::string("metric '") + metric.name +
                        "' is about compute_node resources: list_instances needs a metric of "
                        "instances (compute nodes: list_hosts of the batch extension)");
    }
    if (fromFlavor(metric)) {
        throw DatasourceError(
            WDS_E_UNSUPPORTED,
            std::string(metric.name) + " comes from the instance's flavor, not from the " +
                settings_.id + " datasource: it has no series to list instances from");
    }
    checkWindow(request.periodS, request.evalTimeMs);

    // The window statistic_aggregation() reads, [eval - period, eval]; it starts no earlier
    // than the epoch (and period * 1000 cannot overflow).
    const int64_t endMs = request.evalTimeMs != 0
                              ? request.evalTimeMs
                              : std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    const int64_t startMs = request.periodS >= endMs / 1000 ? 0 : endMs - request.periodS * 1000;
    // The selector of the metric's queries over every instance: what they can be asked about.
    const promql::Selector every = queries_.anyInstance();
    const std::string series = metric.kind == MetricKind::InstanceCpuUsage
                                   ? queries_.instanceCpuSeries(every)
                                   : queries_.instanceRamSeries(every);
    const std::string& label = queries_.instanceUuidLabel();
    std::vector<std::string> values =
        client_->labelValues(label, series, startMs, endMs, request.timeout);

    UncarriableInstances uncarriable;
    values.erase(std::remove_if(values.begin(), values.end(),
                                [&](const std::string& value) { return uncarriable.drop(value); }),
                 values.end());
    uncarriable.warn(log_, "list_instances of label " + label + " on `" + series + "`");
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    inventorySizes_[static_cast<size_t>(metric.kind)].store(values.size(),
                                                            std::memory_order_relaxed);
    return values;
}

void Datasource::checkAvailability() {
    client_->checkAvailability();
}

std::vector<std::string> Datasource::listMetrics() {
    return client_->labelValues("__name__");
}

}  // namespace wds
