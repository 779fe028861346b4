// Freezes the v1.0 layout of every struct that crosses the ABI (LP64). A failing assert here
// means a change broke binary compatibility: append new fields instead, and never move these.
#include <cstddef>

#include "watcher_ds/datasource.h"

#define WDS_AT(type, field, offset) \
    static_assert(offsetof(type, field) == (offset), #type "." #field)

static_assert(sizeof(void*) == 8, "the frozen offsets below are for LP64");

WDS_AT(wds_error, struct_size, 0);
WDS_AT(wds_error, status, 4);
WDS_AT(wds_error, http_status, 8);
WDS_AT(wds_error, message, 12);
static_assert(WDS_ERROR_V1_0_SIZE == 1036, "wds_error");

WDS_AT(wds_host_v1, struct_size, 0);
WDS_AT(wds_host_v1, abi_major, 4);
WDS_AT(wds_host_v1, abi_minor, 8);
WDS_AT(wds_host_v1, host_ctx, 16);
WDS_AT(wds_host_v1, log, 24);
static_assert(WDS_HOST_V1_0_SIZE == 32, "wds_host_v1");

WDS_AT(wds_resource, known, 4);
WDS_AT(wds_resource, uuid, 8);
WDS_AT(wds_resource, hostname, 16);
WDS_AT(wds_resource, vcpus, 24);
WDS_AT(wds_resource, memory_mb, 32);
WDS_AT(wds_resource, disk_gb, 40);
static_assert(WDS_RESOURCE_V1_0_SIZE == 48, "wds_resource");

WDS_AT(wds_aggregation_query, resource_type, 4);
WDS_AT(wds_aggregation_query, resource, 8);
WDS_AT(wds_aggregation_query, meter_name, 16);
WDS_AT(wds_aggregation_query, aggregate, 24);
WDS_AT(wds_aggregation_query, period_s, 32);
WDS_AT(wds_aggregation_query, granularity_s, 40);
WDS_AT(wds_aggregation_query, eval_time_ms, 48);
WDS_AT(wds_aggregation_query, timeout_ms, 56);
static_assert(WDS_AGGREGATION_QUERY_V1_0_SIZE == 64, "wds_aggregation_query");

WDS_AT(wds_string_list, count, 8);
WDS_AT(wds_string_list, items, 16);

WDS_AT(wds_config_key, key, 8);
WDS_AT(wds_config_key, default_value, 16);
WDS_AT(wds_config_key, description, 24);
static_assert(WDS_CONFIG_KEY_V1_0_SIZE == 32, "wds_config_key is an array element: frozen");
static_assert(WDS_STRING_LIST_V1_0_SIZE == 24, "wds_string_list");

WDS_AT(wds_plugin_v1, id, 16);
WDS_AT(wds_plugin_v1, metrics, 40);
WDS_AT(wds_plugin_v1, metric_count, 48);
WDS_AT(wds_plugin_v1, config_keys, 56);
WDS_AT(wds_plugin_v1, config_key_count, 64);
WDS_AT(wds_plugin_v1, create, 72);
WDS_AT(wds_plugin_v1, destroy, 80);
WDS_AT(wds_plugin_v1, check_availability, 88);
WDS_AT(wds_plugin_v1, list_metrics, 96);
WDS_AT(wds_plugin_v1, string_list_release, 104);
WDS_AT(wds_plugin_v1, statistic_aggregation, 112);
WDS_AT(wds_plugin_v1, get_extension, 120);
static_assert(WDS_PLUGIN_V1_0_SIZE == 128, "wds_plugin_v1");
