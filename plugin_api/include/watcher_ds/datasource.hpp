// Header-only C++17 wrapper for hosts of watcher-ds plugins.
//
// It wraps a wds_plugin_v1 descriptor (however the host obtained it: dlopen, a static link, a
// test) into RAII types with std::string and std::optional. Nothing here crosses the ABI: the
// wrapper lives entirely in the host. Failures are returned as values (Outcome / ValueResult),
// never thrown, so the wrapper is usable in exception-free hosts too.
#ifndef WATCHER_DS_DATASOURCE_HPP
#define WATCHER_DS_DATASOURCE_HPP

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "watcher_ds/datasource.h"

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

/** Host-side log sink; may be empty. */
using LogFunction = std::function<void(wds_log_level, const std::string&)>;

namespace detail {
inline wds_error makeError() {
    wds_error err;
    std::memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    return err;
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
    const wds_plugin_v1* plugin() const { return plugin_; }

    Outcome checkAvailability() const {
        Outcome outcome;
        wds_error err = detail::makeError();
        detail::fill(outcome, plugin_->check_availability(handle_, &err), err);
        return outcome;
    }

    Outcome listMetrics(std::vector<std::string>& names) const {
        Outcome outcome;
        wds_error err = detail::makeError();
        wds_string_list* list = nullptr;
        detail::fill(outcome, plugin_->list_metrics(handle_, &list, &err), err);
        names.clear();
        if (outcome.ok() && list != nullptr) {
            names.assign(list->items, list->items + list->count);
        }
        plugin_->string_list_release(list);
        return outcome;
    }

    /** Watcher's statistic_aggregation(): no aggregate inversion. */
    ValueResult statisticAggregation(const AggregationRequest& request) const {
        wds_resource resource;
        std::memset(&resource, 0, sizeof resource);
        resource.struct_size = sizeof resource;
        resource.uuid = request.resource.uuid.c_str();
        resource.hostname = request.resource.hostname.c_str();
        if (request.resource.vcpus) {
            resource.known |= WDS_RESOURCE_KNOWN_VCPUS;
            resource.vcpus = *request.resource.vcpus;
        }
        if (request.resource.memoryMb) {
            resource.known |= WDS_RESOURCE_KNOWN_MEMORY;
            resource.memory_mb = *request.resource.memoryMb;
        }
        if (request.resource.diskGb) {
            resource.known |= WDS_RESOURCE_KNOWN_DISK;
            resource.disk_gb = *request.resource.diskGb;
        }

        wds_aggregation_query query;
        std::memset(&query, 0, sizeof query);
        query.struct_size = sizeof query;
        query.resource_type = request.resourceType;
        query.resource = &resource;
        query.meter_name = request.meterName.c_str();
        query.aggregate = request.aggregate;
        query.period_s = request.periodS;
        query.granularity_s = request.granularityS;
        query.eval_time_ms = request.evalTimeMs;
        query.timeout_ms = request.timeoutMs;

        ValueResult result;
        wds_error err = detail::makeError();
        double value = 0.0;
        detail::fill(result, plugin_->statistic_aggregation(handle_, &query, &value, &err), err);
        if (result.ok())
            result.value = value;
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
