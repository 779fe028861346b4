#pragma once

#include <memory>

#include "config/ConfigMap.h"
#include "datasource/Datasource.h"
#include "logging/Logger.h"
#include "watcher_ds/datasource.h"

namespace wds::abi {

/** What a plugin adds to the shared glue: its identity, its config keys and its factory. */
struct PluginDefinition {
    const char* id;
    const char* name;
    const wds_config_key* configKeys;
    size_t configKeyCount;
    /** Builds a started Datasource from validated config; throws DatasourceError. */
    std::unique_ptr<Datasource> (*create)(const ConfigMap& config, const Logger& log);
};

/**
 * The body of a plugin's wds_plugin_entry_v1: checks the host's ABI version and returns the
 * descriptor whose C functions wrap `definition` (which must outlive the library).
 */
const wds_plugin_v1* entry(const wds_host_v1* host, const PluginDefinition& definition);

/** Copies a status and message into a caller's wds_error, within its struct_size. */
void reportError(wds_error* err, wds_status status, const std::string& message, int httpStatus);

}  // namespace wds::abi
