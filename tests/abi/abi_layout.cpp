// Freezes the v1.0 layout of every struct that crosses the ABI (LP64): frozen_layout.def lists
// them, and a failing assert here means a change broke binary compatibility. The v1.0 size
// macros of the headers are checked too, since hosts compare struct_size against them.
#include <cstddef>

#include "watcher_ds/datasource.h"
#include "watcher_ds/extensions.h"

static_assert(sizeof(void*) == 8, "the frozen offsets are for LP64");

#define WDS_FROZEN_STRUCT(type, size) static_assert(sizeof(type) == (size), #type);
#define WDS_FROZEN_FIELD(type, field, offset) \
    static_assert(offsetof(type, field) == (offset), #type "." #field);
#include "frozen_layout.def"
#undef WDS_FROZEN_STRUCT
#undef WDS_FROZEN_FIELD

static_assert(WDS_ERROR_V1_0_SIZE == sizeof(wds_error), "wds_error");
static_assert(WDS_HOST_V1_0_SIZE == sizeof(wds_host_v1), "wds_host_v1");
static_assert(WDS_RESOURCE_V1_0_SIZE == sizeof(wds_resource), "wds_resource");
static_assert(WDS_AGGREGATION_QUERY_V1_0_SIZE == sizeof(wds_aggregation_query), "query");
static_assert(WDS_STRING_LIST_V1_0_SIZE == sizeof(wds_string_list), "wds_string_list");
static_assert(WDS_CONFIG_KEY_V1_0_SIZE == sizeof(wds_config_key), "wds_config_key");
static_assert(WDS_PLUGIN_V1_0_SIZE == sizeof(wds_plugin_v1), "wds_plugin_v1");
static_assert(WDS_SERIES_QUERY_V1_0_SIZE == sizeof(wds_series_query), "wds_series_query");
static_assert(WDS_SERIES_V1_0_SIZE == sizeof(wds_series), "wds_series");
static_assert(WDS_SERIES_EXT_V1_0_SIZE == sizeof(wds_series_ext_v1), "wds_series_ext_v1");
static_assert(WDS_BATCH_QUERY_V1_0_SIZE == sizeof(wds_batch_query), "wds_batch_query");
static_assert(WDS_BATCH_RESULT_V1_0_SIZE == sizeof(wds_batch_result), "wds_batch_result");
static_assert(WDS_BATCH_EXT_V1_0_SIZE == sizeof(wds_batch_ext_v1), "wds_batch_ext_v1");
static_assert(WDS_INVENTORY_QUERY_V1_0_SIZE == sizeof(wds_inventory_query), "wds_inventory_query");
static_assert(WDS_INVENTORY_EXT_V1_0_SIZE == sizeof(wds_inventory_ext_v1), "wds_inventory_ext_v1");
static_assert(WDS_SNAPSHOT_QUERY_V1_0_SIZE == sizeof(wds_snapshot_query), "wds_snapshot_query");
static_assert(WDS_SNAPSHOT_V1_0_SIZE == sizeof(wds_snapshot), "wds_snapshot");
static_assert(WDS_SNAPSHOT_EXT_V1_0_SIZE == sizeof(wds_snapshot_ext_v1), "wds_snapshot_ext_v1");
