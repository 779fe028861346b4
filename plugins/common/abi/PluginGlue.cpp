#include "abi/PluginGlue.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "datasource/MetricCatalog.h"
#include "errors/DatasourceError.h"
#include "promql/PromQL.h"
#include "watcher_ds/datasource.hpp"
#include "watcher_ds/extensions.h"

#ifndef WDS_VERSION
#error "WDS_VERSION must be defined by the build"
#endif

// The opaque handle of the C ABI. The magic catches a stale or foreign pointer where it can.
struct wds_source {
    static constexpr uint64_t kAlive = 0x7764735f616c6976ULL;  // "wds_aliv"
    uint64_t magic = kAlive;
    std::unique_ptr<wds::Datasource> datasource;
};

namespace wds::abi {
namespace {

const PluginDefinition* g_definition = nullptr;

/** A list that owns its strings; the C view is its base. */
struct OwnedStringList : wds_string_list {
    std::vector<std::string> strings;
    std::vector<const char*> pointers;
};

/** Runs `body`, turning every exception into a status and an error report. */
template <class Body>
wds_status guarded(wds_error* err, Body&& body) noexcept {
    try {
        return body();
    } catch (const DatasourceError& e) {
        reportError(err, e.status(), e.what(), e.httpStatus());
        return e.status();
    } catch (const std::bad_alloc&) {
        reportError(err, WDS_E_INTERNAL, "out of memory", 0);
    } catch (const std::exception& e) {
        reportError(err, WDS_E_INTERNAL, std::string("internal error: ") + e.what(), 0);
    } catch (...) {
        reportError(err, WDS_E_INTERNAL, "internal error: unknown exception", 0);
    }
    return WDS_E_INTERNAL;
}

Datasource& checkedSource(const wds_source* source) {
    if (source == nullptr)
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "source is NULL");
    if (source->magic != wds_source::kAlive || !source->datasource) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "source is not a live source");
    }
    return *source->datasource;
}

template <class T>
void requireStruct(const T* value, uint32_t minimumSize, const char* what) {
    if (value == nullptr) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string(what) + " is NULL");
    }
    if (value->struct_size < minimumSize) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string(what) + ".struct_size " +
                                                          std::to_string(value->struct_size) +
                                                          " is below the v1.0 size " +
                                                          std::to_string(minimumSize));
    }
}

// Host strings are read no further than this, so an unterminated or enormous one is refused
// instead of being copied; host names, UUIDs and metric names are far shorter.
constexpr size_t kMaxStringBytes = promql::kMaxLabelValueBytes;

/** "<owner>.<field>": the argument's name in messages, built only when one is needed. */
[[noreturn]] void badField(std::string_view owner, const char* field, const std::string& why) {
    throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string(owner) + "." + field + " " + why);
}

/** A host string (NULL reads as ""), refused unless it is short enough and valid UTF-8. */
std::string checkedString(const char* text, std::string_view owner, const char* field) {
    if (text == nullptr)
        return "";
    const size_t length = strnlen(text, kMaxStringBytes + 1);
    if (length > kMaxStringBytes)
        badField(owner, field, "is longer than " + std::to_string(kMaxStringBytes) + " bytes");
    const std::string_view view(text, length);
    if (!promql::isValidUtf8(view))
        badField(owner, field, "is not valid UTF-8");
    return std::string(view);
}

/** A flavor size the host says it knows: a NaN or negative one would come back as the value. */
double checkedSize(double value, std::string_view owner, const char* field) {
    if (!std::isfinite(value) || value < 0)
        badField(owner, field, "must be a finite number >= 0");
    return value;
}

/** Config reaches messages and requests, so it must be UTF-8 like every other string. */
void checkConfigEncoding(const wds_kv* config, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        if (config[i].key != nullptr && !promql::isValidUtf8(config[i].key)) {
            throw DatasourceError(WDS_E_CONFIG, "config entry " + std::to_string(i) +
                                                    " has a key that is not valid UTF-8");
        }
        // The value is not quoted back: it may be a password.
        if (config[i].key != nullptr && config[i].value != nullptr &&
            !promql::isValidUtf8(config[i].value)) {
            throw DatasourceError(WDS_E_CONFIG, std::string("the value of config key ") +
                                                    config[i].key + " is not valid UTF-8");
        }
    }
}

ResourceArgs toResource(const wds_resource* resource, const char* what) {
    requireStruct(resource, WDS_RESOURCE_V1_0_SIZE, what);
    ResourceArgs args;
    args.uuid = checkedString(resource->uuid, what, "uuid");
    args.hostname = checkedString(resource->hostname, what, "hostname");
    if (resource->known & WDS_RESOURCE_KNOWN_VCPUS)
        args.vcpus = resource->vcpus;
    if (resource->known & WDS_RESOURCE_KNOWN_MEMORY)
        args.memoryMb = checkedSize(resource->memory_mb, what, "memory_mb");
    if (resource->known & WDS_RESOURCE_KNOWN_DISK)
        args.diskGb = checkedSize(resource->disk_gb, what, "disk_gb");
    return args;
}

/** The fields every query struct has, copied and checked. */
template <class Query>
void copyQueryArgs(const Query& query, QueryArgs& args) {
    if (query.meter_name == nullptr)
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "query.meter_name is NULL");
    if (query.timeout_ms < 0)
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "query.timeout_ms must not be negative");
    args.resourceType = query.resource_type;
    args.meterName = checkedString(query.meter_name, "query", "meter_name");
    args.aggregate = query.aggregate;
    args.timeout = std::chrono::milliseconds(query.timeout_ms);
}

AggregationArgs toRequest(const wds_aggregation_query* query) {
    requireStruct(query, WDS_AGGREGATION_QUERY_V1_0_SIZE, "query");
    AggregationArgs request;
    static_cast<ResourceArgs&>(request) = toResource(query->resource, "query.resource");
    copyQueryArgs(*query, request);
    request.periodS = query->period_s;
    request.granularityS = query->granularity_s;
    request.evalTimeMs = query->eval_time_ms;
    return request;
}

SeriesArgs toRequest(const wds_series_query* query) {
    requireStruct(query, WDS_SERIES_QUERY_V1_0_SIZE, "query");
    SeriesArgs request;
    static_cast<ResourceArgs&>(request) = toResource(query->resource, "query.resource");
    copyQueryArgs(*query, request);
    request.startMs = query->start_ms;
    request.endMs = query->end_ms;
    request.granularityS = query->granularity_s;
    return request;
}

BatchArgs toRequest(const wds_batch_query* query) {
    requireStruct(query, WDS_BATCH_QUERY_V1_0_SIZE, "query");
    if (query->resources == nullptr && query->resource_count > 0) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT,
                              "query.resources is NULL but resource_count > 0");
    }
    BatchArgs request;
    copyQueryArgs(*query, request);
    request.periodS = query->period_s;
    request.granularityS = query->granularity_s;
    request.evalTimeMs = query->eval_time_ms;
    request.resources.reserve(query->resource_count);
    for (size_t i = 0; i < query->resource_count; ++i) {
        const std::string what = "query.resources[" + std::to_string(i) + "]";
        request.resources.push_back(toResource(query->resources[i], what.c_str()));
    }
    return request;
}

SnapshotArgs toRequest(const wds_snapshot_query* query) {
    requireStruct(query, WDS_SNAPSHOT_QUERY_V1_0_SIZE, "query");
    SnapshotArgs request;
    copyQueryArgs(*query, request);
    request.periodS = query->period_s;
    request.granularityS = query->granularity_s;
    request.evalTimeMs = query->eval_time_ms;
    return request;
}

InventoryArgs toRequest(const wds_inventory_query* query) {
    requireStruct(query, WDS_INVENTORY_QUERY_V1_0_SIZE, "query");
    if (query->meter_name == nullptr)
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "query.meter_name is NULL");
    if (query->timeout_ms < 0)
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "query.timeout_ms must not be negative");
    InventoryArgs request;
    request.resourceType = query->resource_type;
    request.meterName = checkedString(query->meter_name, "query", "meter_name");
    request.periodS = query->period_s;
    request.evalTimeMs = query->eval_time_ms;
    request.timeout = std::chrono::milliseconds(query->timeout_ms);
    return request;
}

Logger loggerFor(const wds_host_v1* host) {
    if (host == nullptr)
        return Logger();
    return Logger(host->log, host->host_ctx);
}

void logUnknownKeys(const ConfigMap& config, const Logger& log) {
    std::set<std::string> known;
    for (size_t i = 0; i < g_definition->configKeyCount; ++i) {
        known.insert(g_definition->configKeys[i].key);
    }
    for (const auto& entry : config.entries()) {
        if (known.count(entry.first) == 0) {
            log.debug("ignoring unknown config key " + entry.first);
        }
    }
}

// ---- the C functions of the descriptor -------------------------------------------------------

wds_status createSource(const wds_host_v1* host, const wds_kv* config, size_t configCount,
                        wds_source** out, wds_error* err) {
    return guarded(err, [&] {
        if (out == nullptr)
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        if (host != nullptr) {
            requireStruct(host, WDS_HOST_V1_0_SIZE, "host");
            if (host->abi_major != WDS_ABI_MAJOR) {
                throw DatasourceError(WDS_E_INVALID_ARGUMENT, "host ABI major " +
                                                                  std::to_string(host->abi_major) +
                                                                  " differs from the plugin's " +
                                                                  std::to_string(WDS_ABI_MAJOR));
            }
        }
        if (config == nullptr && configCount > 0) {
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "config is NULL but config_count > 0");
        }
        checkConfigEncoding(config, configCount);
        const Logger log = loggerFor(host);
        const ConfigMap map(config, configCount);
        logUnknownKeys(map, log);
        auto source = std::make_unique<wds_source>();
        source->datasource = g_definition->create(map, log);
        *out = source.release();
        return WDS_OK;
    });
}

void destroySource(wds_source* source) {
    if (source == nullptr || source->magic != wds_source::kAlive)
        return;
    source->magic = 0;
    delete source;
}

wds_status checkAvailability(wds_source* source, wds_error* err) {
    return guarded(err, [&] {
        checkedSource(source).checkAvailability();
        return WDS_OK;
    });
}

void releaseStringList(wds_string_list* list) {
    delete static_cast<OwnedStringList*>(list);
}

/** Hands `strings` to the host as a plugin-owned list. */
wds_status returnStringList(std::vector<std::string> strings, wds_string_list** out) {
    auto list = std::make_unique<OwnedStringList>();
    list->strings = std::move(strings);
    list->pointers.reserve(list->strings.size());
    for (const std::string& s : list->strings)
        list->pointers.push_back(s.c_str());
    list->struct_size = sizeof(wds_string_list);
    list->reserved0 = 0;
    list->count = list->pointers.size();
    list->items = list->pointers.data();
    *out = list.release();
    return WDS_OK;
}

/** Checks `out`, then lists what `list` returns for the live source. */
template <class List>
wds_status listStrings(wds_source* source, wds_string_list** out, wds_error* err, List&& list) {
    return guarded(err, [&] {
        if (out == nullptr)
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        return returnStringList(list(checkedSource(source)), out);
    });
}

wds_status listMetrics(wds_source* source, wds_string_list** out, wds_error* err) {
    return listStrings(source, out, err, [](Datasource& d) { return d.listMetrics(); });
}

wds_status listHosts(wds_source* source, wds_string_list** out, wds_error* err) {
    return listStrings(source, out, err,
                       [](Datasource& d) { return d.hostLabels().labelValues(); });
}

wds_status listInstances(wds_source* source, const wds_inventory_query* query,
                         wds_string_list** out, wds_error* err) {
    return listStrings(source, out, err,
                       [&](Datasource& d) { return d.listInstances(toRequest(query)); });
}

wds_status statisticAggregation(wds_source* source, const wds_aggregation_query* query,
                                double* outValue, wds_error* err) {
    return guarded(err, [&] {
        Datasource& datasource = checkedSource(source);
        if (outValue == nullptr) {
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out_value is NULL");
        }
        AggregationResult result = datasource.statisticAggregation(toRequest(query));
        if (!result.value) {
            reportError(err, WDS_NO_DATA, result.noDataReason, 0);
            return WDS_NO_DATA;
        }
        *outValue = *result.value;
        return WDS_OK;
    });
}

/** A series that owns its points; the C view is its base. */
struct OwnedSeries : wds_series {
    std::vector<wds_point> storage;
};

wds_status statisticSeries(wds_source* source, const wds_series_query* query, wds_series** out,
                           wds_error* err) {
    return guarded(err, [&] {
        Datasource& datasource = checkedSource(source);
        if (out == nullptr)
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        SeriesAnswer result = datasource.statisticSeries(toRequest(query));
        if (result.points.empty()) {
            reportError(err, WDS_NO_DATA, result.noDataReason, 0);
            return WDS_NO_DATA;
        }
        auto series = std::make_unique<OwnedSeries>();
        series->storage.reserve(result.points.size());
        for (const auto& [timeMs, value] : result.points)
            series->storage.push_back(wds_point{timeMs, value});
        series->struct_size = sizeof(wds_series);
        series->reserved0 = 0;
        series->count = series->storage.size();
        series->points = series->storage.data();
        *out = series.release();
        return WDS_OK;
    });
}

void releaseSeries(wds_series* series) {
    delete static_cast<OwnedSeries*>(series);
}

/** A batch answer that owns its items and messages; the C view is its base. */
struct OwnedBatch : wds_batch_result {
    std::vector<wds_batch_item> storage;
    std::vector<std::string> messages;
};

wds_status statisticBatch(wds_source* source, const wds_batch_query* query, wds_batch_result** out,
                          wds_error* err) {
    return guarded(err, [&] {
        Datasource& datasource = checkedSource(source);
        if (out == nullptr)
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        BatchAnswer result = datasource.statisticBatch(toRequest(query));
        auto batch = std::make_unique<OwnedBatch>();
        batch->messages.reserve(result.items.size());  // stable c_str() pointers below
        batch->storage.reserve(result.items.size());
        for (BatchAnswerItem& item : result.items) {
            wds_batch_item c{};
            c.status = item.status;
            c.value = item.value.value_or(0.0);
            if (item.status != WDS_OK) {
                batch->messages.push_back(std::move(item.message));
                c.message = batch->messages.back().c_str();
            }
            batch->storage.push_back(c);
        }
        batch->struct_size = sizeof(wds_batch_result);
        batch->reserved0 = 0;
        batch->count = batch->storage.size();
        batch->items = batch->storage.data();
        batch->query_count = result.queryCount;
        batch->reserved1 = 0;
        *out = batch.release();
        return WDS_OK;
    });
}

void releaseBatch(wds_batch_result* result) {
    delete static_cast<OwnedBatch*>(result);
}

/** A snapshot that owns its names and values; the C view is its base. */
struct OwnedSnapshot : wds_snapshot {
    std::vector<std::string> nameStorage;
    std::vector<const char*> namePointers;
    std::vector<double> valueStorage;
};

wds_status statisticSnapshot(wds_source* source, const wds_snapshot_query* query,
                             wds_snapshot** out, wds_error* err) {
    return guarded(err, [&] {
        Datasource& datasource = checkedSource(source);
        if (out == nullptr)
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        SnapshotAnswer answer = datasource.statisticSnapshot(toRequest(query));
        auto snapshot = std::make_unique<OwnedSnapshot>();
        snapshot->nameStorage = std::move(answer.names);
        snapshot->valueStorage = std::move(answer.values);
        snapshot->namePointers.reserve(snapshot->nameStorage.size());
        for (const std::string& name : snapshot->nameStorage)
            snapshot->namePointers.push_back(name.c_str());
        snapshot->struct_size = sizeof(wds_snapshot);
        snapshot->scale = static_cast<uint32_t>(answer.scale);
        snapshot->count = snapshot->nameStorage.size();
        snapshot->names = snapshot->namePointers.data();
        snapshot->values = snapshot->valueStorage.data();
        snapshot->query_count = answer.queryCount;
        snapshot->reserved1 = 0;
        *out = snapshot.release();
        return WDS_OK;
    });
}

void releaseSnapshot(wds_snapshot* snapshot) {
    delete static_cast<OwnedSnapshot*>(snapshot);
}

const wds_series_ext_v1 kSeriesExtension{sizeof(wds_series_ext_v1), 0, statisticSeries,
                                         releaseSeries};
const wds_batch_ext_v1 kBatchExtension{sizeof(wds_batch_ext_v1), 0, statisticBatch, releaseBatch,
                                       listHosts};

const wds_inventory_ext_v1 kInventoryExtension{sizeof(wds_inventory_ext_v1), 0, listInstances};

const wds_snapshot_ext_v1 kSnapshotExtension{sizeof(wds_snapshot_ext_v1), 0, statisticSnapshot,
                                             releaseSnapshot};

const void* getExtension(const wds_source* /*source*/, const char* extensionId) {
    if (extensionId == nullptr)
        return nullptr;
    if (std::strcmp(extensionId, WDS_EXT_SERIES_V1) == 0)
        return &kSeriesExtension;
    if (std::strcmp(extensionId, WDS_EXT_BATCH_V1) == 0)
        return &kBatchExtension;
    if (std::strcmp(extensionId, WDS_EXT_INVENTORY_V1) == 0)
        return &kInventoryExtension;
    if (std::strcmp(extensionId, WDS_EXT_SNAPSHOT_V1) == 0)
        return &kSnapshotExtension;
    return nullptr;
}

wds_plugin_v1 makeDescriptor(const PluginDefinition& definition) {
    wds_plugin_v1 d;
    std::memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.abi_major = WDS_ABI_MAJOR;
    d.abi_minor = WDS_ABI_MINOR;
    d.id = definition.id;
    d.name = definition.name;
    d.version = WDS_VERSION;
    d.metrics = MetricCatalog::names();
    d.metric_count = MetricCatalog::count();
    d.config_keys = definition.configKeys;
    d.config_key_count = definition.configKeyCount;
    d.create = createSource;
    d.destroy = destroySource;
    d.check_availability = checkAvailability;
    d.list_metrics = listMetrics;
    d.string_list_release = releaseStringList;
    d.statistic_aggregation = statisticAggregation;
    d.get_extension = getExtension;
    return d;
}

}  // namespace

void reportError(wds_error* err, wds_status status, const std::string& message, int httpStatus) {
    wds::fillError(err, status, httpStatus, message);
}

const wds_plugin_v1* entry(const wds_host_v1* host, const PluginDefinition& definition) {
    if (host != nullptr && host->struct_size >= offsetof(wds_host_v1, abi_minor) &&
        host->abi_major != WDS_ABI_MAJOR) {
        if (host->struct_size >= WDS_HOST_V1_0_SIZE && host->log != nullptr) {
            const std::string message = std::string(definition.id) + " plugin speaks ABI " +
                                        std::to_string(WDS_ABI_MAJOR) + ".x, host speaks " +
                                        std::to_string(host->abi_major) + ".x";
            host->log(host->host_ctx, WDS_LOG_ERROR, message.c_str());
        }
        return nullptr;
    }
    g_definition = &definition;
    static const wds_plugin_v1 descriptor = makeDescriptor(definition);
    return &descriptor;
}

}  // namespace wds::abi
