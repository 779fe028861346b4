#pragma once

#include "watcher_ds/datasource.h"

// Entries of a plugin's wds_config_key table. The shared options are spelled once here, so both
// plugins describe them identically; `section` is a string literal such as "aetos_client".
#define WDS_CONFIG_KEY(flags, key, default_value, description) \
    { sizeof(wds_config_key), flags, key, default_value, description }

#define WDS_LABEL_CONFIG_KEYS(section)                                   \
    WDS_CONFIG_KEY(0, section ".fqdn_label", "fqdn",                     \
                   "target label holding the compute node's host name"), \
        WDS_CONFIG_KEY(0, section ".instance_uuid_label", "resource",    \
                       "label holding the instance UUID"),               \
        WDS_CONFIG_KEY(0, section ".label_refresh_interval", "60",       \
                       "minimum seconds between target re-fetches for unknown hosts")

#define WDS_TLS_CONFIG_KEYS(section, cafile_description)                                 \
    WDS_CONFIG_KEY(0, section ".cafile", "", cafile_description),                        \
        WDS_CONFIG_KEY(0, section ".certfile", "", "client certificate for mutual TLS"), \
        WDS_CONFIG_KEY(0, section ".keyfile", "", "client key for mutual TLS"),          \
        WDS_CONFIG_KEY(0, section ".insecure", "false",                                  \
                       "skip TLS certificate verification (never in production)")

#define WDS_RETRY_CONFIG_KEYS                                                \
    WDS_CONFIG_KEY(0, "watcher_datasources.query_max_retries", "10",         \
                   "attempts per request on transport errors, 429 and 5xx"), \
        WDS_CONFIG_KEY(0, "watcher_datasources.query_interval", "1", "seconds between attempts")
