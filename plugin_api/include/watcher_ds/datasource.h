/*
 * watcher-ds plugin ABI, version 1.0
 *
 * The contract between a host (a decision engine, the `watcher-ds` command, or anything with a C
 * FFI) and a metrics datasource plugin (libprometheus_ds.so, libaetos_ds.so). C99, depends on
 * <stddef.h> and <stdint.h> only, compiles as C and as C++.
 *
 * VERSIONING
 *   - Each plugin exports exactly one symbol, wds_plugin_entry_v1(). It returns a const
 *     descriptor (wds_plugin_v1). A host MUST refuse a descriptor whose abi_major differs from
 *     its own WDS_ABI_MAJOR. A breaking change ships a new entry symbol (wds_plugin_entry_v2)
 *     beside this one; v1 never changes meaning.
 *   - Every struct that crosses the boundary starts with `uint32_t struct_size`, set by whoever
 *     fills the struct to its compiled sizeof. Structs only ever grow at the end (append-only:
 *     nothing is reordered, resized or retyped). A reader treats fields past the writer's
 *     struct_size as zero, and zero always means "the old behaviour". A struct_size smaller than
 *     the frozen v1.0 size (the WDS_*_V1_0_SIZE macros) is rejected with WDS_E_INVALID_ARGUMENT.
 *   - Enumerations are int32_t with fixed values that are never renumbered; new values are
 *     appended. A host treats an unknown wds_status as a generic failure.
 *   - Optional capabilities are found with get_extension() by string id of the form
 *     "org.openstack.watcher-ds.<name>/<revision>". A published extension struct is frozen; a
 *     change is a new revision id. Old hosts never ask for new ids, so they keep working.
 *
 * OWNERSHIP
 *   - Everything the host passes in (config, queries, strings) is borrowed for the duration of
 *     the call only; the plugin copies what it keeps.
 *   - Everything the plugin returns through an out-pointer (wds_string_list) is owned by the
 *     plugin and MUST be released with the matching *_release function of the same descriptor.
 *     free() and C++ containers never cross the boundary.
 *   - The descriptor and every string in it stay valid as long as the library stays loaded.
 *     A const struct returned by get_extension() stays valid until the source is destroyed.
 *
 * THREADING (each function below carries one of these tags)
 *   [any-thread] may be called from any thread, concurrently with other [any-thread] calls on the
 *                same source.
 *   [lifecycle]  must not run concurrently with any other call on the same source.
 *   The host's log callback may be invoked from any thread the host calls in from, concurrently.
 *
 * ERRORS
 *   - Every fallible function returns a wds_status. WDS_OK is success; WDS_NO_DATA is not an
 *     error but the answer "the backend has no sample for this", distinct from a value of 0.0.
 *   - Every fallible function takes an optional `wds_error *err` (may be NULL). On any status
 *     other than WDS_OK the plugin fills it with the status, the HTTP status when one was
 *     involved, and a one-line human-readable message naming what was wrong (the config key, the
 *     metric, the host, the URL, the server's own error text). Messages never contain secrets
 *     (passwords, tokens, basic-auth credentials).
 *   - No C++ exception ever crosses the boundary.
 *
 * TIME
 *   Points in time are int64_t Unix milliseconds; durations are int64_t and carry their unit in
 *   their name (_s seconds, _ms milliseconds).
 *
 * STRINGS
 *   UTF-8, NUL-terminated. Invalid UTF-8 is refused with WDS_E_INVALID_ARGUMENT.
 */
#ifndef WATCHER_DS_DATASOURCE_H
#define WATCHER_DS_DATASOURCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WDS_EXPORT __attribute__((visibility("default")))
#else
#define WDS_EXPORT
#endif

#define WDS_ABI_MAJOR 1
#define WDS_ABI_MINOR 0

/** The name of the one symbol every v1 plugin exports (for dlsym). */
#define WDS_PLUGIN_ENTRY_V1_SYMBOL "wds_plugin_entry_v1"

/* ---------------------------------------------------------------------------------------------
 * Enumerations
 * ------------------------------------------------------------------------------------------- */

typedef int32_t wds_status;
enum {
    WDS_OK = 0,                     /**< success; any out-value is set */
    WDS_NO_DATA = 1,                /**< the query ran, the backend has no (finite) sample */
    WDS_E_INVALID_ARGUMENT = 2,     /**< a parameter is missing, malformed or out of range */
    WDS_E_METRIC_NOT_AVAILABLE = 3, /**< this datasource cannot answer that metric */
    WDS_E_RESOURCE_NOT_FOUND = 4,   /**< the host name does not resolve to any label value */
    WDS_E_UNAVAILABLE = 5,          /**< connection refused/reset, 5xx after retries, ... */
    WDS_E_AUTH = 6,                 /**< 401/403, or credentials refused */
    WDS_E_CONFIG = 7,               /**< a config value is invalid (create only) */
    WDS_E_TIMEOUT = 8,              /**< no answer within the timeout */
    WDS_E_PROTOCOL = 9,             /**< malformed answer, non-success status, unexpected 4xx */
    WDS_E_UNSUPPORTED = 10,         /**< the operation or resource type is not supported */
    WDS_E_INTERNAL = 11,            /**< a bug or resource exhaustion inside the plugin */
    WDS_E_TLS = 12                  /**< TLS handshake or certificate verification failed */
};

typedef int32_t wds_log_level;
enum { WDS_LOG_DEBUG = 0, WDS_LOG_INFO = 1, WDS_LOG_WARNING = 2, WDS_LOG_ERROR = 3 };

/** Watcher's resource types. Only compute nodes and instances have metrics in v1. */
typedef int32_t wds_resource_type;
enum {
    WDS_RESOURCE_COMPUTE_NODE = 1,
    WDS_RESOURCE_INSTANCE = 2,
    WDS_RESOURCE_BARE_METAL = 3,
    WDS_RESOURCE_STORAGE = 4
};

/** Watcher's aggregates. COUNT is answered as MEAN with a warning, as Watcher does. */
typedef int32_t wds_aggregate;
enum {
    WDS_AGGREGATE_MEAN = 1,
    WDS_AGGREGATE_MIN = 2,
    WDS_AGGREGATE_MAX = 3,
    WDS_AGGREGATE_COUNT = 4
};

/* ---------------------------------------------------------------------------------------------
 * Plain data
 * ------------------------------------------------------------------------------------------- */

#define WDS_ERROR_MESSAGE_CAPACITY 1024

/**
 * Caller-owned error report. The caller sets struct_size; the plugin writes no byte past it.
 * The message is always NUL-terminated and truncated to fit.
 */
typedef struct wds_error {
    uint32_t struct_size;
    wds_status status;   /**< same as the function's return value */
    int32_t http_status; /**< the last HTTP status involved, 0 if none */
    char message[WDS_ERROR_MESSAGE_CAPACITY];
} wds_error;
#define WDS_ERROR_V1_0_SIZE ((uint32_t)sizeof(wds_error))

/**
 * One configuration entry. Keys are "<section>.<option>" as in watcher.conf, for example
 * "prometheus_client.host" or "watcher_datasources.query_max_retries". Unknown keys are ignored
 * (logged at DEBUG); an invalid value makes create() fail with WDS_E_CONFIG naming the key.
 * A host passes a plugin the options of every section that its config_keys name (the part of
 * the key before the last '.'), and no other section, so secrets of other services stay out.
 */
typedef struct wds_kv {
    const char* key;
    const char* value;
} wds_kv;

/** Receives one log line. `message` is borrowed for the call. Never receives secrets. */
typedef void (*wds_log_fn)(void* host_ctx, wds_log_level level, const char* message);

/** Services the host offers the plugin. */
typedef struct wds_host_v1 {
    uint32_t struct_size;
    uint32_t abi_major; /**< the host's WDS_ABI_MAJOR */
    uint32_t abi_minor; /**< the host's WDS_ABI_MINOR */
    void* host_ctx;     /**< passed back to log() untouched */
    wds_log_fn log;     /**< may be NULL: then the plugin logs nothing */
} wds_host_v1;
#define WDS_HOST_V1_0_SIZE ((uint32_t)sizeof(wds_host_v1))

/** Bits of wds_resource.known: which numeric fields hold a value. */
#define WDS_RESOURCE_KNOWN_VCPUS 0x1u
#define WDS_RESOURCE_KNOWN_MEMORY 0x2u
#define WDS_RESOURCE_KNOWN_DISK 0x4u

/**
 * The resource a metric is asked about: Watcher's ComputeNode (hostname) or Instance (uuid,
 * vcpus, memory, disk). Numeric fields count only when their bit is set in `known`, so a
 * zero-initialised struct never passes a silent 0 for memory or disk.
 */
typedef struct wds_resource {
    uint32_t struct_size;
    uint32_t known;   /**< WDS_RESOURCE_KNOWN_* bits */
    const char* uuid; /**< instance UUID; may be NULL for compute nodes */
    const char*
        hostname;     /**< compute node host name (Nova service host); may be NULL for instances */
    int64_t vcpus;    /**< flavor vCPUs; unknown or <= 0 counts as 1, with a warning */
    double memory_mb; /**< flavor RAM in MB (instance_ram_allocated) */
    double disk_gb;   /**< flavor root disk in GB (instance_root_disk_size) */
} wds_resource;
#define WDS_RESOURCE_V1_0_SIZE ((uint32_t)sizeof(wds_resource))

/** Watcher's statistic_aggregation() arguments. */
typedef struct wds_aggregation_query {
    uint32_t struct_size;
    wds_resource_type resource_type;
    const wds_resource* resource;
    const char* meter_name; /**< a Watcher metric name, e.g. "host_cpu_usage" */
    wds_aggregate aggregate;
    int32_t reserved0;     /**< MUST be 0 (explicit padding) */
    int64_t period_s;      /**< look-back window in whole seconds, > 0 */
    int64_t granularity_s; /**< Watcher's granularity; accepted and ignored by PromQL backends */
    int64_t eval_time_ms;  /**< evaluation time; 0 = the server's now */
    int64_t timeout_ms;    /**< per-request timeout for this call; 0 = the source's default */
} wds_aggregation_query;
#define WDS_AGGREGATION_QUERY_V1_0_SIZE ((uint32_t)sizeof(wds_aggregation_query))

/** A plugin-owned list of strings; release it with the descriptor's string_list_release. */
typedef struct wds_string_list {
    uint32_t struct_size;
    uint32_t reserved0;
    size_t count;
    const char* const* items;
} wds_string_list;
#define WDS_STRING_LIST_V1_0_SIZE ((uint32_t)sizeof(wds_string_list))

/** Bits of wds_config_key.flags. */
#define WDS_CONFIG_SECRET 0x1u /**< the value must be masked wherever it is shown */

/**
 * One configuration key a plugin understands, for `watcher-ds config` and documentation.
 * This struct is an array element (wds_plugin_v1.config_keys), so its size is FROZEN at
 * WDS_CONFIG_KEY_V1_0_SIZE: hosts step through the array with that stride. More per-key data
 * would come as a new array in a new descriptor field.
 */
typedef struct wds_config_key {
    uint32_t struct_size;
    uint32_t flags;            /**< WDS_CONFIG_* bits */
    const char* key;           /**< "<section>.<option>" */
    const char* default_value; /**< "" when there is no default */
    const char* description;   /**< one line */
} wds_config_key;
#define WDS_CONFIG_KEY_V1_0_SIZE ((uint32_t)sizeof(wds_config_key))

/** An opaque datasource instance: one configured connection to one backend. */
typedef struct wds_source wds_source;

/* ---------------------------------------------------------------------------------------------
 * The plugin descriptor
 * ------------------------------------------------------------------------------------------- */

typedef struct wds_plugin_v1 {
    uint32_t struct_size; /**< sizeof(wds_plugin_v1) of the plugin; >= WDS_PLUGIN_V1_0_SIZE */
    uint32_t abi_major;   /**< WDS_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;   /**< WDS_ABI_MINOR the plugin was built with */
    uint32_t reserved0;
    const char* id;      /**< the datasource name in watcher.conf: "prometheus" or "aetos" */
    const char* name;    /**< human-readable name */
    const char* version; /**< plugin version, "MAJOR.MINOR.PATCH" */

    /** Watcher metric names this plugin can answer (host_cpu_usage, ...). */
    const char* const* metrics;
    size_t metric_count;

    /** Configuration keys this plugin reads, with their defaults. */
    const wds_config_key* config_keys;
    size_t config_key_count;

    /**
     * [lifecycle] Creates a source from key/value configuration. It validates every value,
     * prepares connections and loads what a source needs to answer (Prometheus: the active
     * targets for the host-name label maps).
     * @param[in]  host    services; borrowed, but `host_ctx` and `log` are kept until destroy.
     *                     May be NULL (no logging).
     * @param[in]  config  `config_count` entries; borrowed for the call.
     * @param[out] out     receives the new source on WDS_OK, NULL otherwise. Required.
     * @return WDS_OK, WDS_E_CONFIG (names the key), WDS_E_UNAVAILABLE, WDS_E_AUTH, WDS_E_TLS,
     *         WDS_E_TIMEOUT, WDS_E_PROTOCOL, WDS_E_INVALID_ARGUMENT (NULL out), WDS_E_INTERNAL.
     */
    wds_status (*create)(const wds_host_v1* host, const wds_kv* config, size_t config_count,
                         wds_source** out, wds_error* err);

    /** [lifecycle] Destroys a source; NULL is a no-op. Closes its connections. */
    void (*destroy)(wds_source* source);

    /**
     * [any-thread] Asks the backend whether it is up and answering.
     * @return WDS_OK if available; otherwise the reason (WDS_E_UNAVAILABLE, WDS_E_AUTH, ...).
     */
    wds_status (*check_availability)(wds_source* source, wds_error* err);

    /**
     * [any-thread] Lists the metric (series) names the backend knows.
     * @param[out] out  receives a plugin-owned list on WDS_OK; release with string_list_release.
     */
    wds_status (*list_metrics)(wds_source* source, wds_string_list** out, wds_error* err);

    /** [any-thread] Releases a list returned by this plugin; NULL is a no-op. */
    void (*string_list_release)(wds_string_list* list);

    /**
     * [any-thread] Watcher's statistic_aggregation(): one value for one resource and metric.
     * @param[out] out_value  set on WDS_OK only. Required.
     * @return WDS_OK (value set), WDS_NO_DATA (no finite sample; never 0.0 in disguise),
     *         WDS_E_METRIC_NOT_AVAILABLE, WDS_E_INVALID_ARGUMENT, WDS_E_RESOURCE_NOT_FOUND,
     *         WDS_E_UNSUPPORTED (resource type), or a transport/backend failure.
     */
    wds_status (*statistic_aggregation)(wds_source* source, const wds_aggregation_query* query,
                                        double* out_value, wds_error* err);

    /**
     * [any-thread] Finds an optional capability by id. Returns a plugin-owned const struct that
     * stays valid until the source is destroyed, or NULL when the plugin lacks it.
     */
    const void* (*get_extension)(const wds_source* source, const char* extension_id);
} wds_plugin_v1;
#define WDS_PLUGIN_V1_0_SIZE ((uint32_t)sizeof(wds_plugin_v1))

/**
 * The entry point: the one symbol a plugin exports.
 * @param host  the host's services and ABI version, borrowed for this call only (create()
 *              receives the services again). The plugin returns NULL (after logging the
 *              reason through host->log when it can) if the host's abi_major differs from its
 *              own. May be NULL: the plugin then assumes a v1.0 host without logging.
 * @return a descriptor that lives as long as the library stays loaded, or NULL.
 */
typedef const wds_plugin_v1* (*wds_plugin_entry_v1_fn)(const wds_host_v1* host);
WDS_EXPORT const wds_plugin_v1* wds_plugin_entry_v1(const wds_host_v1* host);

/** A stable, static name for a status ("ok", "no data", "invalid argument", ...). */
static inline const char* wds_status_name(wds_status status) {
    switch (status) {
        case WDS_OK:
            return "ok";
        case WDS_NO_DATA:
            return "no data";
        case WDS_E_INVALID_ARGUMENT:
            return "invalid argument";
        case WDS_E_METRIC_NOT_AVAILABLE:
            return "metric not available";
        case WDS_E_RESOURCE_NOT_FOUND:
            return "resource not found";
        case WDS_E_UNAVAILABLE:
            return "unavailable";
        case WDS_E_AUTH:
            return "authentication failure";
        case WDS_E_CONFIG:
            return "config error";
        case WDS_E_TIMEOUT:
            return "timeout";
        case WDS_E_PROTOCOL:
            return "protocol error";
        case WDS_E_UNSUPPORTED:
            return "unsupported";
        case WDS_E_INTERNAL:
            return "internal error";
        case WDS_E_TLS:
            return "tls error";
        default:
            return "unknown error";
    }
}

#ifdef __cplusplus
}
#endif

#endif /* WATCHER_DS_DATASOURCE_H */
