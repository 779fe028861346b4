#pragma once

#include <chrono>
#include <string>

#include "config/ConfigMap.h"
#include "datasource/Datasource.h"
#include "http/Endpoint.h"
#include "retry/RetryPolicy.h"

namespace wds {

/** [watcher_datasources] query_max_retries / query_interval, with Watcher's defaults (10, 1 s). */
RetryPolicy readRetryPolicy(const ConfigMap& config);

/** fqdn_label, instance_uuid_label and label_refresh_interval of `section`. */
Datasource::Settings readDatasourceSettings(const ConfigMap& config, const std::string& section,
                                            const std::string& id);

/** cafile, certfile, keyfile (readable, cert and key together) and insecure of `section`. */
TlsSettings readTlsSettings(const ConfigMap& config, const std::string& section);

/** `key` as a file path that must be readable, or "" when unset. */
std::string readFilePath(const ConfigMap& config, const std::string& key);

/** Seconds -> milliseconds, rounded up so a tiny positive timeout never becomes 0. */
std::chrono::milliseconds toMillis(double seconds);

}  // namespace wds
