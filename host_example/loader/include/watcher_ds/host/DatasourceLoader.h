// Watcher's DataSourceManager for plugins: which datasource to use, from watcher.conf.
#ifndef WATCHER_DS_HOST_DATASOURCE_LOADER_H
#define WATCHER_DS_HOST_DATASOURCE_LOADER_H

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Util/AbstractConfiguration.h>

#include "watcher_ds/datasource.hpp"
#include "watcher_ds/host/DefaultPluginDir.h"
#include "watcher_ds/host/Export.h"
#include "watcher_ds/host/PluginLibrary.h"
#include "watcher_ds/host/WatcherConf.h"

namespace wds::host {

/** Letters, digits, '_' and '-': a datasource name becomes part of a file path, so it must not
 *  be able to leave the plugin directory. */
WDS_LOADER_EXPORT bool isValidDatasourceName(const std::string& name);

/** Watcher's default for [watcher_datasources] datasources. */
WDS_LOADER_EXPORT std::vector<std::string> defaultDatasources();

/** The datasource list in effect and where it came from. */
struct DatasourceList {
    std::vector<std::string> names;
    /** "[watcher_strategies.<name>] datasources", "[watcher_datasources] datasources", or
     *  "[watcher_datasources] datasources (default)". */
    std::string origin;
    bool fromStrategy = false;
    bool isDefault = false;
    /** Non-fatal findings, e.g. a name listed twice. */
    std::vector<std::string> warnings;
};

/** The plugin directory in effect and where it came from. */
struct PluginDirectory {
    std::string path;
    /** "--plugin-dir", "[watcher_datasources] plugin_dir" or "default". */
    std::string origin;
};

/** What became of one configured datasource. */
enum class AttemptOutcome {
    Chosen,
    NoPlugin,       ///< no lib<name>_ds.so in the plugin directory (gnocchi, grafana, ...)
    LoadFailed,     ///< dlopen, entry symbol, ABI, descriptor or id check failed
    MissingMetric,  ///< the plugin does not provide a requested metric
    CreateFailed    ///< the plugin refused the configuration or could not reach its backend
};

/** "chosen", "no plugin", "load failed", "missing metric", "create failed". */
WDS_LOADER_EXPORT const char* outcomeName(AttemptOutcome outcome);

struct Attempt {
    std::string datasource;
    std::string pluginPath;
    AttemptOutcome outcome = AttemptOutcome::NoPlugin;
    /** The failure class: WDS_OK when chosen, WDS_E_CONFIG for a missing plugin, WDS_E_INTERNAL
     *  for a load failure, WDS_E_METRIC_NOT_AVAILABLE, or what create() returned. */
    wds_status status = WDS_OK;
    /** One line, without the datasource name: why it was chosen or skipped. */
    std::string reason;
    /** Set whenever the plugin loaded (also when it was skipped later). */
    std::shared_ptr<const PluginLibrary> library;
};

/** One entry of the configuration a plugin receives, for display. */
struct WDS_LOADER_EXPORT ConfigEntry {
    enum class Origin { Configured, Default, Unset };

    std::string key;    ///< "section.option"
    std::string value;  ///< raw value: never print it without shown()
    Origin origin = Origin::Unset;
    bool known = false;  ///< listed in the plugin's config_keys (others are ignored by it)
    bool secret = false;
    std::string description;

    /** The value as it may be printed: "***" for a non-empty secret. */
    std::string shown() const;
};

/** Inputs of a choice besides the configuration. */
struct LoaderOptions {
    /** When set, [watcher_strategies.<strategy>] datasources overrides the global list. */
    std::string strategy;
    /** --plugin-dir: wins over [watcher_datasources] plugin_dir and the default. */
    std::optional<std::string> pluginDir;
    std::string defaultPluginDir = WDS_DEFAULT_PLUGIN_DIR;
    /** Every metric the caller will ask for; a plugin lacking one is skipped. */
    std::vector<std::string> requiredMetrics;
    /** Receives the loader's warnings (skipped datasources) and the plugins' log lines. It is
     *  kept by the chosen source, so it must stay callable for the source's lifetime. */
    LogFunction log;
};

/** The result of DatasourceLoader::choose(). Move-only (it owns the live source). */
struct WDS_LOADER_EXPORT Choice {
    DatasourceList datasources;
    PluginDirectory pluginDirectory;
    std::vector<std::string> requiredMetrics;
    std::vector<Attempt> attempts;  ///< in list order, up to and including the chosen one
    Source source;                  ///< live when a datasource was chosen

    bool ok() const { return static_cast<bool>(source); }
    /** The chosen attempt, or nullptr. */
    const Attempt* chosen() const;
    /** The chosen datasource's name, or "". */
    std::string datasource() const;
    /** When nothing was chosen: the status of the first datasource that had a plugin file
     *  (the most specific cause), or WDS_E_CONFIG when none had one. */
    wds_status failureStatus() const;
    /** When nothing was chosen: one line naming every datasource and its real cause. */
    std::string failureMessage() const;
};

/**
 * Reads the datasource choice from a Poco::Util configuration holding watcher.conf under
 * "section.option" keys (see WatcherConf::toConfiguration()). Values are read raw.
 */
class WDS_LOADER_EXPORT DatasourceLoader {
  public:
    explicit DatasourceLoader(const Poco::Util::AbstractConfiguration& config) : config_(config) {}

    /**
     * The datasource list: [watcher_strategies.<strategy>] datasources when `strategy` is set
     * and that option exists, else [watcher_datasources] datasources, else Watcher's default.
     * Throws ConfigError for an empty list, a malformed name, or prometheus together with aetos.
     */
    DatasourceList datasources(const std::string& strategy) const;

    /**
     * The plugin directory: `override` (--plugin-dir) > [watcher_datasources] plugin_dir >
     * `defaultDir`. Throws ConfigError for an empty or world-writable directory.
     */
    PluginDirectory pluginDirectory(const std::optional<std::string>& override,
                                    const std::string& defaultDir) const;

    /** The sections a plugin receives: those its config keys name ("a.b.opt" -> "a.b"). */
    std::vector<std::string> pluginSections(const PluginLibrary& plugin) const;

    /** Every option of pluginSections(), as "section.option" -> raw value. */
    std::vector<std::pair<std::string, std::string>> pluginConfig(
        const PluginLibrary& plugin) const;

    /** The plugin's config keys with their configured or default values, then the other
     *  options of its sections (passed too, ignored by the plugin). */
    std::vector<ConfigEntry> effectiveConfig(const PluginLibrary& plugin) const;

    /**
     * Watcher's get_backend(): walks the datasource list in order and returns the first plugin
     * that loads, passes the ABI checks, provides every requested metric and creates a source.
     * Skipped datasources are reported through options.log (WARNING) and in Choice::attempts.
     * Throws ConfigError when the configuration itself is invalid.
     */
    Choice choose(const LoaderOptions& options) const;

  private:
    const Poco::Util::AbstractConfiguration& config_;
};

/**
 * watcher.conf for a choice, read and merged as WatcherConf::read() does and substituted as
 * oslo.config substitutes it for Watcher: a reference to an option no file sets resolves to its
 * default in `defaults` (the caller's: Watcher's registered defaults, such as
 * DEFAULT.state_path), else to the default the plugin of a listed datasource declares for it in
 * its config_keys ("" for a key declared without one, as oslo gives an option without a
 * default). Those plugins are the ones choose() would try for `options` (the datasource list
 * and plugin directory in effect, read with `defaults` alone; a plugin that does not load adds
 * nothing). Throws ConfigError as WatcherConf::load() does; an unresolvable reference names
 * the key, its file:line, the missing name and how to supply it.
 */
WDS_LOADER_EXPORT WatcherConf loadWatcherConf(const std::vector<WatcherConf::Source>& sources,
                                              const WatcherConf::Defaults& defaults,
                                              const LoaderOptions& options);

/** "section.option" -> value pairs as WatcherConf::Defaults (a later pair wins); throws
 *  ConfigError naming a key that is not "section.option". */
WDS_LOADER_EXPORT WatcherConf::Defaults makeDefaults(
    const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace wds::host

#endif  // WATCHER_DS_HOST_DATASOURCE_LOADER_H
