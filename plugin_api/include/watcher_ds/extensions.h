/*
 * watcher-ds ABI v1 extensions: optional capabilities found with wds_plugin_v1.get_extension().
 *
 * Each extension is a const struct of function pointers, identified by a string id. Its struct
 * and every struct it passes are frozen once published; a change is a new revision id ("/2").
 * A host asks for the id it was built with and falls back to the core descriptor when the
 * plugin answers NULL, so hosts and plugins of any v1 minor version keep working together.
 * The versioning, ownership, threading and error rules of datasource.h apply unchanged.
 */
#ifndef WATCHER_DS_EXTENSIONS_H
#define WATCHER_DS_EXTENSIONS_H

#include "watcher_ds/datasource.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Range series: Watcher's statistic_series()
 * ------------------------------------------------------------------------------------------- */

#define WDS_EXT_SERIES_V1 "org.openstack.watcher-ds.series/1"

/** Prometheus' own limit of points per series in a range query; larger ranges are refused. */
#define WDS_SERIES_MAX_POINTS 11000

/** One point of a series. This struct is an array element: its size is FROZEN. */
typedef struct wds_point {
    int64_t time_ms; /**< the evaluation time of the point (Unix ms) */
    double value;
} wds_point;

/**
 * A series request. The value at each point is the same expression statistic_aggregation()
 * evaluates (same PromQL, units, clamping and host-name resolution) with a window of one step
 * (period = granularity_s), evaluated at every multiple of the step (counted from the Unix
 * epoch) in [start_ms, end_ms]. Aligning to the epoch makes every backend, and every form of
 * the query (range query or subquery), return the same timestamps.
 */
typedef struct wds_series_query {
    uint32_t struct_size;
    wds_resource_type resource_type;
    const wds_resource* resource;
    const char* meter_name;
    wds_aggregate aggregate; /**< combines the series of one resource (CPUs, duplicates) */
    int32_t reserved0;       /**< MUST be 0 */
    int64_t start_ms;        /**< > 0 */
    int64_t end_ms;          /**< >= start_ms */
    int64_t granularity_s;   /**< the step and the window of each point, > 0 */
    int64_t timeout_ms;      /**< per-request timeout; 0 = the source's default */
} wds_series_query;
#define WDS_SERIES_QUERY_V1_0_SIZE ((uint32_t)sizeof(wds_series_query))

/** A plugin-owned series, points in ascending time; release with series_release. */
typedef struct wds_series {
    uint32_t struct_size;
    uint32_t reserved0;
    size_t count;
    const wds_point* points; /**< steps without a finite value are left out */
} wds_series;
#define WDS_SERIES_V1_0_SIZE ((uint32_t)sizeof(wds_series))

typedef struct wds_series_ext_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /**
     * [any-thread] The series of one resource and metric.
     * @param[out] out  receives a plugin-owned series on WDS_OK (at least one point). Required.
     * @return WDS_OK, WDS_NO_DATA (no point in the range), WDS_E_INVALID_ARGUMENT (including a
     *         range of more than WDS_SERIES_MAX_POINTS steps), WDS_E_UNSUPPORTED (metrics that
     *         come from the flavor, not the backend), or the statuses of statistic_aggregation().
     */
    wds_status (*statistic_series)(wds_source* source, const wds_series_query* query,
                                   wds_series** out, wds_error* err);
    /** [any-thread] Releases a series returned by this plugin; NULL is a no-op. */
    void (*series_release)(wds_series* series);
} wds_series_ext_v1;
#define WDS_SERIES_EXT_V1_0_SIZE ((uint32_t)sizeof(wds_series_ext_v1))

/* ---------------------------------------------------------------------------------------------
 * Batch aggregation: one metric for many resources in as few requests as PromQL allows
 * ------------------------------------------------------------------------------------------- */

#define WDS_EXT_BATCH_V1 "org.openstack.watcher-ds.batch/1"

/**
 * statistic_aggregation() for many resources of one type at once. Every field means what it
 * means in wds_aggregation_query; the answer for each resource is identical to the one
 * statistic_aggregation() gives for it alone at the same eval_time_ms.
 */
typedef struct wds_batch_query {
    uint32_t struct_size;
    wds_resource_type resource_type;
    const wds_resource* const* resources; /**< resource_count pointers, none NULL */
    size_t resource_count;
    const char* meter_name;
    wds_aggregate aggregate;
    int32_t reserved0; /**< MUST be 0 */
    int64_t period_s;
    int64_t granularity_s;
    int64_t eval_time_ms;
    int64_t timeout_ms;
} wds_batch_query;
#define WDS_BATCH_QUERY_V1_0_SIZE ((uint32_t)sizeof(wds_batch_query))

/** The answer for one resource. This struct is an array element: its size is FROZEN. */
typedef struct wds_batch_item {
    wds_status status; /**< WDS_OK, WDS_NO_DATA, WDS_E_RESOURCE_NOT_FOUND, WDS_E_INVALID_ARGUMENT */
    int32_t reserved0;
    double value;        /**< set when status is WDS_OK */
    const char* message; /**< why there is no value; NULL when status is WDS_OK */
} wds_batch_item;

/** A plugin-owned batch answer; release with batch_release. */
typedef struct wds_batch_result {
    uint32_t struct_size;
    uint32_t reserved0;
    size_t count;                /**< == resource_count */
    const wds_batch_item* items; /**< in the order of wds_batch_query.resources */
    uint32_t query_count;        /**< PromQL queries the batch took (for diagnostics) */
    uint32_t reserved1;
} wds_batch_result;
#define WDS_BATCH_RESULT_V1_0_SIZE ((uint32_t)sizeof(wds_batch_result))

typedef struct wds_batch_ext_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /**
     * [any-thread] One value (or the reason there is none) per resource.
     * @param[out] out  receives a plugin-owned result on WDS_OK. Required.
     * @return WDS_OK when the batch ran (each item then carries its own status), or a failure
     *         of the whole batch: WDS_E_METRIC_NOT_AVAILABLE, WDS_E_INVALID_ARGUMENT,
     *         WDS_E_UNSUPPORTED or a transport/backend failure.
     */
    wds_status (*statistic_batch)(wds_source* source, const wds_batch_query* query,
                                  wds_batch_result** out, wds_error* err);
    /** [any-thread] Releases a result returned by this plugin; NULL is a no-op. */
    void (*batch_release)(wds_batch_result* result);
    /**
     * [any-thread] The compute node names the source knows: the values of the fqdn label on
     * the backend's active targets (what host names resolve to), sorted. For "every host".
     * @param[out] out  receives a plugin-owned list on WDS_OK; release with the descriptor's
     *                  string_list_release.
     */
    wds_status (*list_hosts)(wds_source* source, wds_string_list** out, wds_error* err);
} wds_batch_ext_v1;
#define WDS_BATCH_EXT_V1_0_SIZE ((uint32_t)sizeof(wds_batch_ext_v1))

/* ---------------------------------------------------------------------------------------------
 * Inventory: every instance the backend has a series for
 * ------------------------------------------------------------------------------------------- */

#define WDS_EXT_INVENTORY_V1 "org.openstack.watcher-ds.inventory/1"

/**
 * Which resources to list: those with a series of the metric's meter in a window. Every field
 * means what it means in wds_aggregation_query.
 */
typedef struct wds_inventory_query {
    uint32_t struct_size;
    wds_resource_type resource_type; /**< WDS_RESOURCE_INSTANCE; anything else is refused */
    const char* meter_name; /**< a Watcher metric of instances, e.g. "instance_cpu_usage" */
    int64_t period_s;     /**< the window [eval - period, eval], as statistic_aggregation(); > 0 */
    int64_t eval_time_ms; /**< the window's end; 0 = now (by the plugin's clock) */
    int64_t timeout_ms;   /**< per-request timeout for this call; 0 = the source's default */
} wds_inventory_query;
#define WDS_INVENTORY_QUERY_V1_0_SIZE ((uint32_t)sizeof(wds_inventory_query))

typedef struct wds_inventory_ext_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /**
     * [any-thread] The instances the backend has a series for: the values of the configured
     * instance label (instance_uuid_label, default "resource") on the series the metric's
     * statistic_aggregation() reads (the same selector, e.g. ceilometer_cpu for
     * instance_cpu_usage) in the window, sorted (bytewise) and unique. So every listed name is
     * one that statistic_aggregation() and statistic_batch() of the metric can be asked about.
     * For "every instance" (a whole-audit prefetch); a statistic_batch() of the metric that asks
     * for most of the listed instances then takes one query over every instance.
     *
     * The backend answers from its index (Prometheus: GET /api/v1/label/<label>/values with
     * match[] and start/end; Aetos proxies it), whose time resolution is coarser than samples:
     * an instance whose series stopped a little before the window may be listed too (its
     * calls answer WDS_NO_DATA), but one with a sample in the window is never missing. Label
     * values that no query can carry (not valid UTF-8, longer than 1024 bytes, empty) are left
     * out with a warning in the log; every other value is returned as the backend spells it.
     *
     * @param[out] out  receives a plugin-owned list on WDS_OK (empty when the backend has no
     *                  such series in the window); release with the descriptor's
     *                  string_list_release. Required.
     * @return WDS_OK, WDS_E_METRIC_NOT_AVAILABLE (unknown metric, as statistic_aggregation()),
     *         WDS_E_UNSUPPORTED (a resource_type other than WDS_RESOURCE_INSTANCE: compute nodes
     *         come from batch/1's list_hosts; and metrics answered from the flavor,
     *         instance_ram_allocated and instance_root_disk_size, which have no series),
     *         WDS_E_INVALID_ARGUMENT (a metric of compute nodes, period_s <= 0, negative
     *         eval_time_ms or timeout_ms, NULL or undersized query, NULL out), or a
     *         transport/backend failure (retried and mapped as for every other call).
     */
    wds_status (*list_instances)(wds_source* source, const wds_inventory_query* query,
                                 wds_string_list** out, wds_error* err);
} wds_inventory_ext_v1;
#define WDS_INVENTORY_EXT_V1_0_SIZE ((uint32_t)sizeof(wds_inventory_ext_v1))

/* ---------------------------------------------------------------------------------------------
 * Snapshot: one metric's value for every resource the backend has, in one query
 * ------------------------------------------------------------------------------------------- */

#define WDS_EXT_SNAPSHOT_V1 "org.openstack.watcher-ds.snapshot/1"

/**
 * Which metric to take a snapshot of. Every field means what it means in
 * wds_aggregation_query; there is no resource: the snapshot covers all of them.
 */
typedef struct wds_snapshot_query {
    uint32_t struct_size;
    wds_resource_type resource_type;
    const char* meter_name;
    wds_aggregate aggregate;
    int32_t reserved0; /**< MUST be 0 */
    int64_t period_s;
    int64_t granularity_s;
    int64_t eval_time_ms;
    int64_t timeout_ms;
} wds_snapshot_query;
#define WDS_SNAPSHOT_QUERY_V1_0_SIZE ((uint32_t)sizeof(wds_snapshot_query))

/** Values of wds_snapshot.scale: how a snapshot value becomes the metric's value. */
typedef enum wds_snapshot_scale {
    /** The value is the metric's value. */
    WDS_SNAPSHOT_SCALE_NONE = 0,
    /**
     * instance_cpu_usage: the value is the CPU cores the instance used. Its metric value for
     * an instance with v >= 1 vCPUs is, in IEEE-754 double arithmetic, s = value * (100.0 / v),
     * then 100.0 when s > 100.0 (PromQL's clamp_max): bit for bit what
     * statistic_aggregation() returns for it.
     */
    WDS_SNAPSHOT_SCALE_PERCENT_OF_VCPUS = 1
} wds_snapshot_scale;

/** A plugin-owned snapshot; release with snapshot_release. */
typedef struct wds_snapshot {
    uint32_t struct_size;
    uint32_t scale; /**< a wds_snapshot_scale */
    size_t count;
    const char* const* names; /**< count label values, sorted (bytewise) and unique */
    const double* values;     /**< count finite values, values[i] belongs to names[i] */
    uint32_t query_count;     /**< PromQL queries the snapshot took (for diagnostics) */
    uint32_t reserved1;
} wds_snapshot;
#define WDS_SNAPSHOT_V1_0_SIZE ((uint32_t)sizeof(wds_snapshot))

typedef struct wds_snapshot_ext_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    /**
     * [any-thread] The metric's value of every resource that has one, from one query over all
     * of them (no list of resources to send, no per-resource work on either side): what a
     * whole-audit prefetch wants. A name is the label value a resource is known by: for
     * compute nodes a value of the fqdn label that list_hosts of batch/1 returns (a host name
     * resolves to it as in statistic_aggregation(); series of other fqdn values are left out);
     * for instances the instance label's value (instance_uuid_label). For every listed name,
     * statistic_aggregation() of that resource at the same eval_time_ms answers the listed
     * value (after `scale`). A resource without a finite value in the window is not listed: its
     * own call says why (no data, not found). Granularity is accepted and, as in
     * statistic_aggregation(), does not change a Prometheus query.
     *
     * @param[out] out  receives a plugin-owned snapshot on WDS_OK (count 0 when nothing has a
     *                  value). Required.
     * @return WDS_OK, WDS_E_METRIC_NOT_AVAILABLE, WDS_E_INVALID_ARGUMENT (as
     *         statistic_aggregation(), or a NULL or undersized query, NULL out),
     *         WDS_E_UNSUPPORTED (instance_ram_allocated and instance_root_disk_size, which
     *         come from each instance's flavor), or a transport/backend failure (retried and
     *         mapped as for every other call).
     */
    wds_status (*statistic_snapshot)(wds_source* source, const wds_snapshot_query* query,
                                     wds_snapshot** out, wds_error* err);
    /** [any-thread] Releases a snapshot returned by this plugin; NULL is a no-op. */
    void (*snapshot_release)(wds_snapshot* snapshot);
} wds_snapshot_ext_v1;
#define WDS_SNAPSHOT_EXT_V1_0_SIZE ((uint32_t)sizeof(wds_snapshot_ext_v1))

#ifdef __cplusplus
}
#endif

#endif /* WATCHER_DS_EXTENSIONS_H */
