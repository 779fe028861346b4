#include "watcher_ds/host/DatasourceLoader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <Poco/Path.h>

#include "watcher_ds/host/Secrets.h"

namespace wds::host {
namespace {

const char* const kGlobalSection = "watcher_datasources";

std::string joinNames(const std::vector<std::string>& names) {
    std::string joined;
    for (const auto& name : names)
        joined += (joined.empty() ? "" : ", ") + name;
    return joined;
}

bool pathExists(const std::string& path, struct stat& info) {
    return ::stat(path.c_str(), &info) == 0;
}

std::string describeStatus(wds_status status, int httpStatus, const std::string& message) {
    std::string text = wds_status_name(status);
    if (httpStatus != 0)
        text += " (HTTP " + std::to_string(httpStatus) + ")";
    if (!message.empty() && message != wds_status_name(status))
        text += ": " + message;
    return text;
}

// The defaults the plugins of the datasources choose() would try declare for their keys.
WatcherConf::Defaults pluginDefaults(const WatcherConf& raw, const WatcherConf::Defaults& defaults,
                                     const LoaderOptions& options) {
    WatcherConf::Defaults found;
    // The list and the directory may themselves use references: read them substituted, but
    // leave any failure to the strict pass and to choose(), which name it.
    WatcherConf lenient = raw;
    lenient.substitute(defaults, false);
    const auto layer = lenient.toConfiguration();
    const DatasourceLoader loader(*layer);
    DatasourceList list;
    PluginDirectory dir;
    try {
        list = loader.datasources(options.strategy);
        dir = loader.pluginDirectory(options.pluginDir, options.defaultPluginDir);
    } catch (const ConfigError&) {
        return found;
    }
    struct stat info;
    for (const auto& name : list.names) {
        const std::string path = Poco::Path(dir.path).append(pluginFileName(name)).toString();
        if (!pathExists(path, info))
            continue;
        std::string error;
        const auto plugin = PluginLibrary::open(path, name, error);
        if (!plugin)
            continue;  // choose() reports why
        for (size_t i = 0; i < plugin->configKeyCount(); ++i) {
            const wds_config_key& key = plugin->configKey(i);
            const auto split = splitConfigKey(key.key);
            if (split) {
                // The first listed plugin's default wins (both plugins share their common keys).
                found[split->first].emplace(split->second,
                                            key.default_value != nullptr ? key.default_value : "");
            }
        }
    }
    return found;
}

}  // namespace

WatcherConf::Defaults makeDefaults(const std::vector<std::pair<std::string, std::string>>& pairs) {
    WatcherConf::Defaults defaults;
    for (const auto& [key, value] : pairs) {
        const auto split = splitConfigKey(key);
        if (!split) {
            throw ConfigError("default '" + key +
                              "': expected a key GROUP.NAME (e.g. DEFAULT.state_path)");
        }
        defaults[normalizeSectionName(split->first)][split->second] = value;
    }
    return defaults;
}

WatcherConf loadWatcherConf(const std::vector<WatcherConf::Source>& sources,
                            const WatcherConf::Defaults& defaults, const LoaderOptions& options) {
    WatcherConf conf = WatcherConf::read(sources);
    WatcherConf::Defaults merged = pluginDefaults(conf, defaults, options);
    for (const auto& [section, values] : defaults) {
        for (const auto& [option, value] : values)
            merged[section][option] = value;  // the caller's win over the plugins'
    }
    conf.substitute(merged);
    return conf;
}

bool isValidDatasourceName(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '_' || c == '-';
    });
}

std::vector<std::string> defaultDatasources() {
    return {"gnocchi", "grafana", "aetos"};
}

const char* outcomeName(AttemptOutcome outcome) {
    switch (outcome) {
        case AttemptOutcome::Chosen:
            return "chosen";
        case AttemptOutcome::NoPlugin:
            return "no plugin";
        case AttemptOutcome::LoadFailed:
            return "load failed";
        case AttemptOutcome::MissingMetric:
            return "missing metric";
        case AttemptOutcome::CreateFailed:
            return "create failed";
    }
    return "unknown";
}

std::string ConfigEntry::shown() const {
    return secret && !value.empty() ? std::string(kMaskedValue) : value;
}

const Attempt* Choice::chosen() const {
    if (!ok())
        return nullptr;
    for (const auto& attempt : attempts) {
        if (attempt.outcome == AttemptOutcome::Chosen)
            return &attempt;
    }
    return nullptr;
}

std::string Choice::datasource() const {
    const Attempt* attempt = chosen();
    return attempt != nullptr ? attempt->datasource : std::string();
}

wds_status Choice::failureStatus() const {
    if (ok())
        return WDS_OK;
    for (const auto& attempt : attempts) {
        if (attempt.outcome != AttemptOutcome::NoPlugin)
            return attempt.status;
    }
    return WDS_E_CONFIG;
}

std::string Choice::failureMessage() const {
    if (ok())
        return std::string();
    std::string message = "no usable datasource";
    if (!requiredMetrics.empty())
        message += " for metric " + joinNames(requiredMetrics);
    message += " in " + datasources.origin + " (" + joinNames(datasources.names) + ")";
    std::string separator = ": ";
    for (const auto& attempt : attempts) {
        message += separator + attempt.datasource + ": " + attempt.reason;
        separator = "; ";
    }
    return message;
}

DatasourceList DatasourceLoader::datasources(const std::string& strategy) const {
    DatasourceList list;
    std::string raw;
    if (!strategy.empty()) {
        const std::string section = "watcher_strategies." + strategy;
        const std::string key = configKey(section, "datasources");
        if (config_.has(key)) {
            raw = config_.getRawString(key);
            list.origin = "[" + section + "] datasources";
            list.fromStrategy = true;
        }
    }
    if (!list.fromStrategy) {
        const std::string key = configKey(kGlobalSection, "datasources");
        if (config_.has(key)) {
            raw = config_.getRawString(key);
            list.origin = "[watcher_datasources] datasources";
        } else {
            list.names = defaultDatasources();
            list.origin = "[watcher_datasources] datasources (default)";
            list.isDefault = true;
        }
    }

    if (!list.isDefault) {
        std::set<std::string> seen;
        for (const auto& name : splitList(raw)) {
            if (!isValidDatasourceName(name)) {
                throw ConfigError(list.origin + ": invalid datasource name '" + name +
                                  "' (expected a name such as prometheus or aetos, separated "
                                  "by commas)");
            }
            if (!seen.insert(name).second) {
                list.warnings.push_back(list.origin + ": datasource " + name +
                                        " is listed more than once; using the first");
                continue;
            }
            list.names.push_back(name);
        }
    }
    if (list.names.empty()) {
        throw ConfigError(list.origin + " is empty: no datasource to use");
    }
    const auto has = [&](const char* name) {
        return std::find(list.names.begin(), list.names.end(), name) != list.names.end();
    };
    if (has("prometheus") && has("aetos")) {
        // Watcher's DataSourceConfigConflict, raised here instead of at audit time.
        throw ConfigError(list.origin +
                          ": config conflict: datasource prometheus is not supported when "
                          "datasource aetos is also enabled; list only one of them");
    }
    return list;
}

PluginDirectory DatasourceLoader::pluginDirectory(const std::optional<std::string>& override,
                                                  const std::string& defaultDir) const {
    PluginDirectory dir;
    const std::string key = configKey(kGlobalSection, "plugin_dir");
    if (override) {
        dir.path = *override;
        dir.origin = "--plugin-dir";
    } else if (config_.has(key)) {
        dir.path = config_.getRawString(key);
        dir.origin = "[watcher_datasources] plugin_dir";
    } else {
        dir.path = defaultDir;
        dir.origin = "default";
    }
    if (dir.path.empty())
        throw ConfigError(dir.origin + " is empty: no plugin directory");
    struct stat info;
    if (pathExists(dir.path, info) && S_ISDIR(info.st_mode) && (info.st_mode & S_IWOTH) != 0) {
        throw ConfigError(dir.origin + ": plugin directory " + dir.path +
                          " is world-writable; refusing to load plugins from it");
    }
    return dir;
}

std::vector<std::string> DatasourceLoader::pluginSections(const PluginLibrary& plugin) const {
    std::set<std::string> sections;
    for (size_t i = 0; i < plugin.configKeyCount(); ++i) {
        const std::string key = plugin.configKey(i).key;
        const auto dot = key.rfind('.');
        if (dot != std::string::npos && dot > 0)
            sections.insert(key.substr(0, dot));
    }
    return {sections.begin(), sections.end()};
}

std::vector<std::pair<std::string, std::string>> DatasourceLoader::pluginConfig(
    const PluginLibrary& plugin) const {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& section : pluginSections(plugin)) {
        Poco::Util::AbstractConfiguration::Keys options;
        config_.keys(section, options);
        std::sort(options.begin(), options.end());
        for (const auto& option : options) {
            const std::string key = configKey(section, option);
            // A child may only be the prefix of a deeper section ("watcher_strategies.x").
            if (config_.has(key))
                pairs.emplace_back(key, config_.getRawString(key));
        }
    }
    return pairs;
}

std::vector<ConfigEntry> DatasourceLoader::effectiveConfig(const PluginLibrary& plugin) const {
    std::vector<ConfigEntry> entries;
    std::set<std::string> listed;
    for (size_t i = 0; i < plugin.configKeyCount(); ++i) {
        const wds_config_key& key = plugin.configKey(i);
        ConfigEntry entry;
        entry.key = key.key;
        entry.known = true;
        entry.secret = isSecretKey(entry.key, &plugin);
        entry.description = key.description != nullptr ? key.description : "";
        if (config_.has(entry.key)) {
            entry.value = config_.getRawString(entry.key);
            entry.origin = ConfigEntry::Origin::Configured;
        } else if (key.default_value != nullptr && key.default_value[0] != '\0') {
            entry.value = key.default_value;
            entry.origin = ConfigEntry::Origin::Default;
        }
        listed.insert(entry.key);
        entries.push_back(std::move(entry));
    }
    for (auto& [key, value] : pluginConfig(plugin)) {
        if (listed.count(key) != 0)
            continue;
        ConfigEntry entry;
        entry.key = key;
        entry.value = value;
        entry.origin = ConfigEntry::Origin::Configured;
        entry.secret = isSecretKey(key, &plugin);
        entries.push_back(std::move(entry));
    }
    return entries;
}

Choice DatasourceLoader::choose(const LoaderOptions& options) const {
    Choice choice;
    choice.datasources = datasources(options.strategy);
    choice.pluginDirectory = pluginDirectory(options.pluginDir, options.defaultPluginDir);
    choice.requiredMetrics = options.requiredMetrics;

    const auto warn = [&](const std::string& message) {
        if (options.log)
            options.log(WDS_LOG_WARNING, message);
    };
    for (const auto& warning : choice.datasources.warnings)
        warn(warning);

    struct stat info;
    const bool dirExists = pathExists(choice.pluginDirectory.path, info);
    for (const auto& name : choice.datasources.names) {
        Attempt attempt;
        attempt.datasource = name;
        attempt.pluginPath =
            Poco::Path(choice.pluginDirectory.path).append(pluginFileName(name)).toString();

        const auto skip = [&](AttemptOutcome outcome, wds_status status, std::string reason) {
            attempt.outcome = outcome;
            attempt.status = status;
            attempt.reason = std::move(reason);
            warn("skipping datasource " + name + ": " + attempt.reason);
            choice.attempts.push_back(std::move(attempt));
        };

        if (!dirExists) {
            skip(AttemptOutcome::NoPlugin, WDS_E_CONFIG,
                 "no plugin: plugin directory " + choice.pluginDirectory.path + " (" +
                     choice.pluginDirectory.origin + ") does not exist");
            continue;
        }
        if (!pathExists(attempt.pluginPath, info)) {
            skip(AttemptOutcome::NoPlugin, WDS_E_CONFIG,
                 "no plugin: " + attempt.pluginPath + " does not exist");
            continue;
        }

        std::string error;
        attempt.library = PluginLibrary::open(attempt.pluginPath, name, error);
        if (!attempt.library) {
            skip(AttemptOutcome::LoadFailed, WDS_E_INTERNAL, error);
            continue;
        }
        const PluginLibrary& plugin = *attempt.library;

        std::vector<std::string> missing;
        for (const auto& metric : options.requiredMetrics) {
            if (!plugin.providesMetric(metric))
                missing.push_back(metric);
        }
        if (!missing.empty()) {
            skip(AttemptOutcome::MissingMetric, WDS_E_METRIC_NOT_AVAILABLE,
                 "does not provide metric " + joinNames(missing));
            continue;
        }

        Outcome created;
        Source source =
            Source::create(plugin.descriptor(), pluginConfig(plugin), options.log, created);
        if (!created.ok() || !source) {
            const wds_status status = created.ok() ? WDS_E_INTERNAL : created.status;
            const std::string message =
                created.ok() ? "create() reported success but returned no source" : created.message;
            skip(AttemptOutcome::CreateFailed, status,
                 "create failed: " + describeStatus(status, created.httpStatus, message));
            continue;
        }

        const wds_plugin_v1& descriptor = plugin.descriptor();
        attempt.outcome = AttemptOutcome::Chosen;
        attempt.status = WDS_OK;
        attempt.reason = "chosen: first usable datasource in " + choice.datasources.origin;
        if (!options.requiredMetrics.empty()) {
            attempt.reason += " providing " + joinNames(options.requiredMetrics);
        }
        attempt.reason += "; plugin " + attempt.pluginPath + " (" +
                          (descriptor.name != nullptr ? descriptor.name : name) + " " +
                          (descriptor.version != nullptr ? descriptor.version : "?") + ", ABI " +
                          plugin.abiVersion() + ")";
        choice.attempts.push_back(std::move(attempt));
        choice.source = std::move(source);
        break;
    }
    return choice;
}

}  // namespace wds::host
