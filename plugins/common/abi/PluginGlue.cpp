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

/** A host string (NULL reads as ""), refused unless it is short enough and valid UTF-8. */
std::string checkedString(const char* text, const char* what) {
    if (text == nullptr)
        return "";
    const size_t length = strnlen(text, kMaxStringBytes + 1);
    if (length > kMaxStringBytes) {
        throw DatasourceError(
            WDS_E_INVALID_ARGUMENT,
            std::string(what) + " is longer than " + std::to_string(kMaxStringBytes) + " bytes");
    }
    const std::string_view view(text, length);
    if (!promql::isValidUtf8(view))
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string(what) + " is not valid UTF-8");
    return std::string(view);
}

/** A flavor size the host says it knows: a NaN or negative one would come back as the value. */
double checkedSize(double value, const char* what) {
    if (!std::isfinite(value) || value < 0) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT,
                              std::string(what) + " must be a finite number >= 0");
    }
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

AggregationArgs toRequest(const wds_aggregation_query* query) {
    requireStruct(query, WDS_AGGREGATION_QUERY_V1_0_SIZE, "query");
    requireStruct(query->resource, WDS_RESOURCE_V1_0_SIZE, "query.resource");
    if (query->meter_name == nullptr) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "query.meter_name is NULL");
    }
    const wds_resource& resource = *query->resource;
    AggregationArgs request;
    request.resourceType = query->resource_type;
    request.meterName = checkedString(query->meter_name, "query.meter_name");
    request.uuid = checkedString(resource.uuid, "query.resource.uuid");
    request.hostname = checkedString(resource.hostname, "query.resource.hostname");
    if (resource.known & WDS_RESOURCE_KNOWN_VCPUS)
        request.vcpus = resource.vcpus;
    if (resource.known & WDS_RESOURCE_KNOWN_MEMORY)
        request.memoryMb = checkedSize(resource.memory_mb, "query.resource.memory_mb");
    if (resource.known & WDS_RESOURCE_KNOWN_DISK)
        request.diskGb = checkedSize(resource.disk_gb, "query.resource.disk_gb");
    request.aggregate = query->aggregate;
    request.periodS = query->period_s;
    request.granularityS = query->granularity_s;
    request.evalTimeMs = query->eval_time_ms;
    if (query->timeout_ms < 0) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, "query.timeout_ms must not be negative");
    }
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

wds_status listMetrics(wds_source* source, wds_string_list** out, wds_error* err) {
    return guarded(err, [&] {
        if (out == nullptr)
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, "out is NULL");
        *out = nullptr;
        auto list = std::make_unique<OwnedStringList>();
        list->strings = checkedSource(source).listMetrics();
        list->pointers.reserve(list->strings.size());
        for (const std::string& s : list->strings)
            list->pointers.push_back(s.c_str());
        list->struct_size = sizeof(wds_string_list);
        list->reserved0 = 0;
        list->count = list->pointers.size();
        list->items = list->pointers.data();
        *out = list.release();
        return WDS_OK;
    });
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

const void* getExtension(const wds_source* /*source*/, const char* /*extensionId*/) {
    return nullptr;  // ABI 1.0 defines no extensions yet
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
    if (err == nullptr)
        return;
    const size_t size = std::min<size_t>(err->struct_size, sizeof(wds_error));
    if (size >= offsetof(wds_error, status) + sizeof err->status)
        err->status = status;
    if (size >= offsetof(wds_error, http_status) + sizeof err->http_status) {
        err->http_status = httpStatus;
    }
    if (size <= offsetof(wds_error, message))
        return;
    const size_t capacity = size - offsetof(wds_error, message);
    size_t length = std::min(message.size(), capacity - 1);
    // Truncation never splits a UTF-8 sequence: back off to the start of the cut character.
    while (length < message.size() && length > 0 &&
           (static_cast<unsigned char>(message[length]) & 0xC0) == 0x80) {
        --length;
    }
    std::memcpy(err->message, message.data(), length);
    err->message[length] = '\0';
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
