// What `watcher-ds config` reports about a choice, as one JSON object that the command and the
// C API (wds_loader_choice_report) share.
#ifndef WATCHER_DS_HOST_CHOICE_REPORT_H
#define WATCHER_DS_HOST_CHOICE_REPORT_H

#include <string>

#include <Poco/JSON/Object.h>

#include "watcher_ds/host/DatasourceLoader.h"
#include "watcher_ds/host/Export.h"
#include "watcher_ds/host/Secrets.h"
#include "watcher_ds/host/WatcherConf.h"

namespace wds::host {

/** Flattens `text` to one line: control characters (newlines from server texts) become spaces,
 *  trailing spaces go. */
WDS_LOADER_EXPORT std::string oneLine(const std::string& text);

/**
 * The explanation of `choice`, keys in this order: config_file, strategy (null for none),
 * datasources, datasources_from, from_strategy, plugin_dir, plugin_dir_from, attempts (one per
 * listed datasource: datasource, outcome, plugin, reason; "not tried" after the chosen one),
 * chosen (null for none) and effective_config (null when no plugin loaded; else the datasource
 * whose configuration it is and its entries: key, value, from, secret, known). Every reason and
 * value is masked with `masker`; values are one line.
 */
WDS_LOADER_EXPORT Poco::JSON::Object::Ptr choiceReport(const Choice& choice,
                                                       const DatasourceLoader& loader,
                                                       const std::string& configFile,
                                                       const std::string& strategy,
                                                       const SecretMasker& masker);

/**
 * The same report for the files `conf` was loaded from: config_file is the first of them, and
 * config_files lists them all in reading order; every entry set by a file also has "file" and
 * "line" (where its effective value came from); watcher_conf (last) holds every value set in
 * the sections the plugins read (pluginSections()), substituted, as
 * {section: {option: {value, secret, file, line}}}, secrets masked.
 */
WDS_LOADER_EXPORT Poco::JSON::Object::Ptr choiceReport(const Choice& choice,
                                                       const DatasourceLoader& loader,
                                                       const WatcherConf& conf,
                                                       const std::string& strategy,
                                                       const SecretMasker& masker);

}  // namespace wds::host

#endif  // WATCHER_DS_HOST_CHOICE_REPORT_H
