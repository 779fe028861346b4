// Header-only C++17 wrapper for hosts of watcher-ds plugins.
//
// It wraps a wds_plugin_v1 descriptor (however the host obtained it: dlopen, a static link, a
// test) into RAII types with std::string and std::optional. Nothing here crosses the ABI: the
// wrapper lives entirely in the host. Failures are returned as values (Outcome / ValueResult),
// never thrown, so the wrapper is usable in exception-free hosts too.
#ifndef WATCHER_DS_DATASOURCE_HPP
#define WATCHER_DS_DATASOURCE_HPP

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "watcher_ds/datasource.h"
#include "watcher_ds/extensions.h"

namespace wds {

/** Watcher's aggregate names, as accepted by the datasources. */
inline std::optional<wds_aggregate> parseAggregate(const std::string& name) {
    if (name == "mean")
        return WDS_AGGREGATE_MEAN;
    if (name == "min")
        return WDS_AGGREGATE_MIN;
    if (name == "max")
        return WDS_AGGREGATE_MAX;
    if (name == "count")
        return WDS_AGGREGATE_COUNT;
    return std::nullopt;
}

inline const char* aggregateName(wds_aggregate aggregate) {
    switch (aggregate) {
        case WDS_AGGREGATE_MEAN:
            return "mean";
        case WDS_AGGREGATE_MIN:
            return "min";
        case WDS_AGGREGATE_MAX:
            return "max";
        case WDS_AGGREGATE_COUNT:
            return "count";
        default:
            return "unknown";
    }
}

/** Watcher's resource type names. */
inline std::optional<wds_resource_type> parseResourceType(const std::string& name) {
    if (name == "compute_node")
        return WDS_RESOURCE_COMPUTE_NODE;
    if (name == "instance")
        return WDS_RESOURCE_INSTANCE;
    if (name == "bare_metal")
        return WDS_RESOURCE_BARE_METAL;
    if (name == "storage")
        return WDS_RESOURCE_STORAGE;
    return std::nullopt;
}

inline const char* resourceTypeName(wds_resource_type type) {
    switch (type) {
        case WDS_RESOURCE_COMPUTE_NODE:
            return "compute_node";
        case WDS_RESOURCE_INSTANCE:
            return "instance";
        case WDS_RESOURCE_BARE_METAL:
            return "bare_metal";
        case WDS_RESOURCE_STORAGE:
            return "storage";
        default:
            return "unknown";
    }
}

/**
 * Watcher's host getters ask the backend for the opposite extreme (max <-> min), because the
 * PromQL for host metrics is "100 - idle" / "total - available". Kept for parity; used only by
 * the host convenience getters, never by statisticAggregation().
 */
inline wds_aggregate invertHostAggregate(wds_aggregate aggregate) {
    if (aggregate == WDS_AGGREGATE_MAX)
        return WDS_AGGREGATE_MIN;
    if (aggregate == WDS_AGGREGATE_MIN)
        return WDS_AGGREGATE_MAX;
    return aggregate;
}

/** The result of a call without a value. */
struct Outcome {
    wds_status status = WDS_OK;
    int httpStatus = 0;
    std::string message;

    bool ok() const { return status == WDS_OK; }
};

/** The result of a value call: a value, "no data", or a failure. */
struct ValueResult : Outcome {
    std::optional<double> value;  // set exactly when status == WDS_OK
};

/** Watcher's ComputeNode / Instance, as far as datasources look at it. */
struct Resource {
    std::string uuid;
    std::string hostname;
    std::optional<int64_t> vcpus;
    std::optional<double> memoryMb;
    std::optional<double> diskGb;

    static Resource computeNode(std::string hostname) {
        Resource r;
        r.hostname = std::move(hostname);
        return r;
    }
    static Resource instance(std::string uuid) {
        Resource r;
        r.uuid = std::move(uuid);
        return r;
    }
};

/** statistic_aggregation() arguments with Watcher's defaults. */
struct AggregationRequest {
    wds_resource_type resourceType = WDS_RESOURCE_COMPUTE_NODE;
    Resource resource;
    std::string meterName;
    wds_aggregate aggregate = WDS_AGGREGATE_MEAN;
    int64_t periodS = 300;
    int64_t granularityS = 300;
    int64_t evalTimeMs = 0;  // 0 = now
    int64_t timeoutMs = 0;   // 0 = the source's default
};

/** The series extension's arguments: a point every granularityS in [startMs, endMs]. */
struct SeriesRequest {
    wds_resource_type resourceType = WDS_RESOURCE_COMPUTE_NODE;
    Resource resource;
    std::string meterName;
    wds_aggregate aggregate = WDS_AGGREGATE_MEAN;
    int64_t startMs = 0;
    int64_t endMs = 0;
    int64_t granularityS = 300;
    int64_t timeoutMs = 0;
};

/** A series: (Unix ms, value) points in ascending time, or why there are none. */
struct SeriesResult : Outcome {
    std::vector<std::pair<int64_t, double>> points;
};

/** One metric for many resources of one type (the batch extension's arguments). */
struct BatchRequest {
    wds_resource_type resourceType = WDS_RESOURCE_COMPUTE_NODE;
    std::vector<Resource> resources;
    std::string meterName;
    wds_aggregate aggregate = WDS_AGGREGATE_MEAN;
    int64_t periodS = 300;
    int64_t granularityS = 300;
    int64_t evalTimeMs = 0;
    int64_t timeoutMs = 0;

    /** The statistic_aggregation() request that asks the same of one resource. */
    AggregationRequest forResource(const Resource& resource) const {
        AggregationRequest one;
        one.resourceType = resourceType;
        one.resource = resource;
        one.meterName = meterName;
        one.aggregate = aggregate;
        one.periodS = periodS;
        one.granularityS = granularityS;
        one.evalTimeMs = evalTimeMs;
        one.timeoutMs = timeoutMs;
        return one;
    }
};

/**
 * A batch answer: the whole call's outcome, and when it is ok one ValueResult per resource in
 * request order (each ok, no data, or that resource's own error).
 */
struct BatchResult : Outcome {
    std::vector<ValueResult> items;
    unsigned queryCount = 0;    // backend queries the batch took
    bool viaExtension = false;  // false: the plugin lacks batch/1, one call per resource was made
};

/** The inventory extension's arguments: the instances with a series of the metric's meter. */
struct InventoryRequest {
    wds_resource_type resourceType = WDS_RESOURCE_INSTANCE;
    std::string meterName;   // an instance metric with series, e.g. "instance_cpu_usage"
    int64_t periodS = 300;   // the window [eval - period, eval]
    int64_t evalTimeMs = 0;  // 0 = now
    int64_t timeoutMs = 0;   // 0 = the source's default
};

/** Host-side log sink; may be empty. */
using LogFunction = std::function<void(wds_log_level, const std::string&)>;

/**
 * Fills a caller's wds_error as the ABI requires of whoever reports a failure (plugins, the
 * loader's C API): no byte past the caller's struct_size, the message always NUL-terminated and
 * cut, if it must be, at the start of a UTF-8 character. NULL is a no-op.
 */
inline void fillError(wds_error* err, wds_status status, int httpStatus,
                      const std::string& message) {
    if (err == nullptr)
        return;
    const size_t size = std::min<size_t>(err->struct_size, sizeof(wds_error));
    if (size >= offsetof(wds_error, status) + sizeof err->status)
        err->status = status;
    if (size >= offsetof(wds_error, http_status) + sizeof err->http_status)
        err->http_status = httpStatus;
    if (size <= offsetof(wds_error, message))
        return;
    const size_t capacity = size - offsetof(wds_error, message);
    size_t length = std::min(message.size(), capacity - 1);
    while (length < message.size() && length > 0 &&
           (static_cast<unsigned char>(message[length]) & 0xC0) == 0x80) {
        --length;
    }
    std::memcpy(err->message, message.data(), length);
    err->message[length] = '\0';
}

namespace detail {
inline wds_error makeError() {
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    return err;
}
/** A C view of `resource`; its strings stay owned by `resource`. */
inline wds_resource toC(const Resource& resource) {
    wds_resource c;
    std::memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.uuid = resource.uuid.c_str();
    c.hostname = resource.hostname.c_str();
    if (resource.vcpus) {
        c.known |= WDS_RESOURCE_KNOWN_VCPUS;
        c.vcpus = *resource.vcpus;
    }
    if (resource.memoryMb) {
        c.known |= WDS_RESOURCE_KNOWN_MEMORY;
        c.memory_mb = *resource.memoryMb;
    }
    if (resource.diskGb) {
        c.known |= WDS_RESOURCE_KNOWN_DISK;
        c.disk_gb = *resource.diskGb;
    }
    return c;
}
/** A zeroed C query of one resource with the fields every request has. */
template <class Query, class Request>
Query queryFor(const Request& request, const wds_resource* resource) {
    Query query;
    std::memset(&query, 0, sizeof query);
    query.struct_size = sizeof query;
    query.resource_type = request.resourceType;
    query.resource = resource;
    query.meter_name = request.meterName.c_str();
    query.aggregate = request.aggregate;
    query.timeout_ms = request.timeoutMs;
    return query;
}
inline void fill(Outcome& outcome, wds_status status, const wds_error& err) {
    outcome.status = status;
    if (status != WDS_OK) {
        outcome.httpStatus = err.http_status;
        outcome.message = err.message[0] != '\0' ? err.message : wds_status_name(status);
    }
}
}  // namespace detail

/**
 * One live datasource instance. Movable, not copyable; destroys the plugin's source when it goes.
 * Query methods may be called from several threads at once (the ABI's [any-thread] calls).
 */
class Source {
  public:
    Source() = default;
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    Source(Source&& other) noexcept { *this = std::move(other); }
    Source& operator=(Source&& other) noexcept {
        if (this != &other) {
            reset();
            plugin_ = std::exchange(other.plugin_, nullptr);
            handle_ = std::exchange(other.handle_, nullptr);
            logContext_ = std::move(other.logContext_);
        }
        return *this;
    }
    ~Source() { reset(); }

    /**
     * Creates a source from `config` ("section.option" -> value). On failure `outcome` explains
     * and the returned Source is empty.
     */
    static Source create(const wds_plugin_v1& plugin,
                         const std::vector<std::pair<std::string, std::string>>& config,
                         LogFunction log, Outcome& outcome) {
        Source source;
        source.plugin_ = &plugin;
        source.logContext_ = std::make_unique<LogFunction>(std::move(log));

        wds_host_v1 host;
        std::memset(&host, 0, sizeof host);
        host.struct_size = sizeof host;
        host.abi_major = WDS_ABI_MAJOR;
        host.abi_minor = WDS_ABI_MINOR;
        host.host_ctx = source.logContext_.get();
        host.log = *source.logContext_ ? &Source::forwardLog : nullptr;

        std::vector<wds_kv> kv;
        kv.reserve(config.size());
        for (const auto& [key, value] : config)
            kv.push_back({key.c_str(), value.c_str()});

        wds_error err = detail::makeError();
        wds_status status = plugin.create(&host, kv.data(), kv.size(), &source.handle_, &err);
        detail::fill(outcome, status, err);
        if (status != WDS_OK) {
            source.handle_ = nullptr;
            source.plugin_ = nullptr;
        }
        return source;
    }

    explicit operator bool() const { return handle_ != nullptr; }

    /** The plugin's handle, for hosts that call the C ABI themselves (the loader's C API hands
     *  it out); nullptr when empty. The Source still owns it. */
    wds_source* handle() const { return handle_; }
    const wds_plugin_v1* plugin() const { return plugin_; }

    Outcome checkAvailability() const {
        Outcome outcome;
        wds_error err = detail::makeError();
        detail::fill(outcome, plugin_->check_availability(handle_, &err), err);
        return outcome;
    }

    Outcome listMetrics(std::vector<std::string>& names) const {
        return listStrings(plugin_->list_metrics, names);
    }

    /** The compute node names the source knows (batch/1); WDS_E_UNSUPPORTED without it. */
    Outcome listHosts(std::vector<std::string>& names) const {
        const auto* ext = static_cast<const wds_batch_ext_v1*>(extension(WDS_EXT_BATCH_V1));
        if (ext == nullptr || ext->struct_size < WDS_BATCH_EXT_V1_0_SIZE) {
            names.clear();
            Outcome outcome;
            outcome.status = WDS_E_UNSUPPORTED;
            outcome.message = std::string("the ") + plugin_->id + " plugin cannot list hosts";
            return outcome;
        }
        return listStrings(ext->list_hosts, names);
    }

    /**
     * The instances the backend has a series of the metric for in the window, sorted and
     * unique (inventory/1); WDS_E_UNSUPPORTED when the plugin lacks it.
     */
    Outcome listInstances(const InventoryRequest& request, std::vector<std::string>& uuids) const {
        uuids.clear();
        const auto* ext = static_cast<const wds_inventory_ext_v1*>(extension(WDS_EXT_INVENTORY_V1));
        if (ext == nullptr || ext->struct_size < WDS_INVENTORY_EXT_V1_0_SIZE) {
            Outcome outcome;
            outcome.status = WDS_E_UNSUPPORTED;
            outcome.message = std::string("the ") + plugin_->id + " plugin cannot list instances";
            return outcome;
        }
        wds_inventory_query query;
        std::memset(&query, 0, sizeof query);
        query.struct_size = sizeof query;
        query.resource_type = request.resourceType;
        query.meter_name = request.meterName.c_str();
        query.period_s = request.periodS;
        query.eval_time_ms = request.evalTimeMs;
        query.timeout_ms = request.timeoutMs;
        return listStrings(
            [&](wds_source* handle, wds_string_list** out, wds_error* err) {
                return ext->list_instances(handle, &query, out, err);
            },
            uuids);
    }
    /** listInstances() of `meterName` over the last `periodS` before `evalTimeMs` (0 = now). */
    std::vector<std::string> listInstances(const std::string& meterName, int64_t periodS,
                                           int64_t evalTimeMs, Outcome& outcome) const {
        InventoryRequest request;
        request.meterName = meterName;
        request.periodS = periodS;
        request.evalTimeMs = evalTimeMs;
        std::vector<std::string> uuids;
        outcome = listInstances(request, uuids);
        return uuids;
    }

    /** Watcher's statistic_aggregation(): no aggregate inversion. */
    ValueResult statisticAggregation(const AggregationRequest& request) const {
        const wds_resource resource = detail::toC(request.resource);
        auto query = detail::queryFor<wds_aggregation_query>(request, &resource);
        query.period_s = request.periodS;
        query.granularity_s = request.granularityS;
        query.eval_time_ms = request.evalTimeMs;

        ValueResult result;
        wds_error err = detail::makeError();
        double value = 0.0;
        detail::fill(result, plugin_->statistic_aggregation(handle_, &query, &value, &err), err);
        if (result.ok())
            result.value = value;
        return result;
    }

    /** Watcher's statistic_series(); WDS_E_UNSUPPORTED when the plugin lacks series/1. */
    SeriesResult statisticSeries(const SeriesRequest& request) const {
        SeriesResult result;
        const auto* ext = static_cast<const wds_series_ext_v1*>(extension(WDS_EXT_SERIES_V1));
        if (ext == nullptr || ext->struct_size < WDS_SERIES_EXT_V1_0_SIZE) {
            result.status = WDS_E_UNSUPPORTED;
            result.message = std::string("the ") + plugin_->id + " plugin has no range series";
            return result;
        }
        const wds_resource resource = detail::toC(request.resource);
        auto query = detail::queryFor<wds_series_query>(request, &resource);
        query.start_ms = request.startMs;
        query.end_ms = request.endMs;
        query.granularity_s = request.granularityS;

        wds_error err = detail::makeError();
        wds_series* series = nullptr;
        detail::fill(result, ext->statistic_series(handle_, &query, &series, &err), err);
        if (result.ok() && series != nullptr) {
            for (size_t i = 0; i < series->count; ++i)
                result.points.emplace_back(series->points[i].time_ms, series->points[i].value);
        }
        ext->series_release(series);
        return result;
    }

    /**
     * One metric for many resources: one batch call when the plugin has batch/1, otherwise one
     * statistic_aggregation() per resource (same answers, more round trips).
     */
    BatchResult statisticBatch(const BatchRequest& request) const {
        const auto* ext = static_cast<const wds_batch_ext_v1*>(extension(WDS_EXT_BATCH_V1));
        if (ext == nullptr || ext->struct_size < WDS_BATCH_EXT_V1_0_SIZE)
            return batchByCalls(request);

        std::vector<wds_resource> resources;
        resources.reserve(request.resources.size());
        for (const Resource& resource : request.resources)
            resources.push_back(detail::toC(resource));
        std::vector<const wds_resource*> pointers;
        pointers.reserve(resources.size());
        for (const wds_resource& resource : resources)
            pointers.push_back(&resource);

        wds_batch_query query;
        std::memset(&query, 0, sizeof query);
        query.struct_size = sizeof query;
        query.resource_type = request.resourceType;
        query.resources = pointers.data();
        query.resource_count = pointers.size();
        query.meter_name = request.meterName.c_str();
        query.aggregate = request.aggregate;
        query.period_s = request.periodS;
        query.granularity_s = request.granularityS;
        query.eval_time_ms = request.evalTimeMs;
        query.timeout_ms = request.timeoutMs;

        BatchResult result;
        result.viaExtension = true;
        wds_error err = detail::makeError();
        wds_batch_result* batch = nullptr;
        detail::fill(result, ext->statistic_batch(handle_, &query, &batch, &err), err);
        if (result.ok() && batch != nullptr) {
            result.queryCount = batch->query_count;
            for (size_t i = 0; i < batch->count; ++i) {
                const wds_batch_item& item = batch->items[i];
                ValueResult one;
                one.status = item.status;
                if (item.status == WDS_OK)
                    one.value = item.value;
                else
                    one.message =
                        item.message != nullptr ? item.message : wds_status_name(item.status);
                result.items.push_back(std::move(one));
            }
        }
        ext->batch_release(batch);
        return result;
    }

    // Watcher's get_* conveniences: thin calls of statistic_aggregation. The two host getters
    // invert max <-> min exactly as Watcher does; the instance getters do not.
    ValueResult hostCpuUsage(const std::string& hostname, int64_t periodS = 300,
                             wds_aggregate aggregate = WDS_AGGREGATE_MEAN,
                             int64_t granularityS = 300, int64_t evalTimeMs = 0) const {
        return hostMetric("host_cpu_usage", hostname, periodS, aggregate, granularityS, evalTimeMs);
    }
    ValueResult hostRamUsage(const std::string& hostname, int64_t periodS = 300,
                             wds_aggregate aggregate = WDS_AGGREGATE_MEAN,
                             int64_t granularityS = 300, int64_t evalTimeMs = 0) const {
        return hostMetric("host_ram_usage", hostname, periodS, aggregate, granularityS, evalTimeMs);
    }
    ValueResult instanceCpuUsage(const Resource& instance, int64_t periodS = 300,
                                 wds_aggregate aggregate = WDS_AGGREGATE_MEAN,
                                 int64_t granularityS = 300, int64_t evalTimeMs = 0) const {
        return instanceMetric("instance_cpu_usage", instance, periodS, aggregate, granularityS,
                              evalTimeMs);
    }
    ValueResult instanceRamUsage(const Resource& instance, int64_t periodS = 300,
                                 wds_aggregate aggregate = WDS_AGGREGATE_MEAN,
                                 int64_t granularityS = 300, int64_t evalTimeMs = 0) const {
        return instanceMetric("instance_ram_usage", instance, periodS, aggregate, granularityS,
                              evalTimeMs);
    }
    ValueResult instanceRamAllocated(const Resource& instance, int64_t periodS = 300,
                                     wds_aggregate aggregate = WDS_AGGREGATE_MEAN,
                                     int64_t granularityS = 300) const {
        return instanceMetric("instance_ram_allocated", instance, periodS, aggregate, granularityS,
                              0);
    }
    ValueResult instanceRootDiskSize(const Resource& instance, int64_t periodS = 300,
                                     wds_aggregate aggregate = WDS_AGGREGATE_MEAN,
                                     int64_t granularityS = 300) const {
        return instanceMetric("instance_root_disk_size", instance, periodS, aggregate, granularityS,
                              0);
    }

    /** Returns the plugin's extension struct for `id`, or nullptr. */
    const void* extension(const char* id) const {
        return plugin_->get_extension != nullptr ? plugin_->get_extension(handle_, id) : nullptr;
    }

    void reset() {
        if (handle_ != nullptr)
            plugin_->destroy(handle_);
        handle_ = nullptr;
        plugin_ = nullptr;
    }

  private:
    static void forwardLog(void* ctx, wds_log_level level, const char* message) {
        const auto& log = *static_cast<const LogFunction*>(ctx);
        if (log)
            log(level, message != nullptr ? message : "");
    }

    template <class ListFunction>
    Outcome listStrings(ListFunction list, std::vector<std::string>& names) const {
        Outcome outcome;
        wds_error err = detail::makeError();
        wds_string_list* strings = nullptr;
        detail::fill(outcome, list(handle_, &strings, &err), err);
        names.clear();
        if (outcome.ok() && strings != nullptr)
            names.assign(strings->items, strings->items + strings->count);
        plugin_->string_list_release(strings);
        return outcome;
    }

    BatchResult batchByCalls(const BatchRequest& request) const {
        BatchResult result;
        for (const Resource& resource : request.resources) {
            ValueResult item = statisticAggregation(request.forResource(resource));
            ++result.queryCount;
            // Per-resource answers stay per resource; anything else fails the whole batch.
            const bool perResource = item.ok() || item.status == WDS_NO_DATA ||
                                     item.status == WDS_E_RESOURCE_NOT_FOUND ||
                                     item.status == WDS_E_INVALID_ARGUMENT;
            if (!perResource) {
                static_cast<Outcome&>(result) = item;
                result.items.clear();
                return result;
            }
            result.items.push_back(std::move(item));
        }
        return result;
    }

    ValueResult hostMetric(const char* meter, const std::string& hostname, int64_t periodS,
                           wds_aggregate aggregate, int64_t granularityS,
                           int64_t evalTimeMs) const {
        AggregationRequest request;
        request.resourceType = WDS_RESOURCE_COMPUTE_NODE;
        request.resource = Resource::computeNode(hostname);
        request.meterName = meter;
        request.aggregate = invertHostAggregate(aggregate);
        request.periodS = periodS;
        request.granularityS = granularityS;
        request.evalTimeMs = evalTimeMs;
        return statisticAggregation(request);
    }

    ValueResult instanceMetric(const char* meter, const Resource& instance, int64_t periodS,
                               wds_aggregate aggregate, int64_t granularityS,
                               int64_t evalTimeMs) const {
        AggregationRequest request;
        request.resourceType = WDS_RESOURCE_INSTANCE;
        request.resource = instance;
        request.meterName = meter;
        request.aggregate = aggregate;
        request.periodS = periodS;
        request.granularityS = granularityS;
        request.evalTimeMs = evalTimeMs;
        return statisticAggregation(request);
    }

    const wds_plugin_v1* plugin_ = nullptr;
    wds_source* handle_ = nullptr;
    // Heap-held so its address (the plugin's host_ctx) survives moves of the Source.
    std::unique_ptr<LogFunction> logContext_;
};

}  // namespace wds

#endif  // WATCHER_DS_DATASOURCE_HPP
