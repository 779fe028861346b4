// The loader's C API (watcher_ds/loader.h): thin wrappers over the C++ classes, which keep all
// the rules. No C++ exception leaves these functions.
#include "watcher_ds/loader.h"

#include <sys/stat.h>

#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/Path.h>
#include <Poco/Util/MapConfiguration.h>

#include "watcher_ds/host/ChoiceReport.h"
#include "watcher_ds/host/DatasourceLoader.h"
#include "watcher_ds/host/DefaultPluginDir.h"
#include "watcher_ds/host/PluginLibrary.h"
#include "watcher_ds/host/Secrets.h"
#include "watcher_ds/host/WatcherConf.h"

struct wds_loader_plugin {
    std::shared_ptr<const wds::host::PluginLibrary> library;
};

struct wds_loader_choice {
    Poco::AutoPtr<Poco::Util::MapConfiguration> config;  // watcher.conf, read by the loader
    wds::host::SecretMasker masker;  // set before the source is handed out, then only read
    wds::host::Choice choice;        // owns the live source
    std::string report;
};

namespace {

wds_status report(wds_error* err, wds_status status, const std::string& message) {
    wds::fillError(err, status, 0, message);
    return status;
}

template <typename Body>
wds_status guarded(wds_error* err, Body&& body) {
    try {
        return body();
    } catch (const wds::host::ConfigError& e) {
        return report(err, WDS_E_CONFIG, e.what());
    } catch (const std::bad_alloc&) {
        return report(err, WDS_E_INTERNAL, "out of memory");
    } catch (const std::exception& e) {
        return report(err, WDS_E_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return report(err, WDS_E_INTERNAL, "internal error");
    }
}

wds_status openPlugin(const std::string& path, const std::string& expectedId,
                      wds_loader_plugin** out, wds_error* err) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0)
        return report(err, WDS_E_CONFIG, path + ": no such plugin file");
    std::string error;
    auto library = wds::host::PluginLibrary::open(path, expectedId, error);
    if (!library)
        return report(err, WDS_E_INTERNAL, error);
    *out = new wds_loader_plugin{std::move(library)};
    return static_cast<wds_status>(WDS_OK);
}

}  // namespace

extern "C" {

uint32_t wds_loader_c_api_version(void) {
    return WDS_LOADER_C_API_VERSION;
}

const char* wds_loader_default_plugin_dir(void) {
    return wds::host::defaultPluginDir();
}

wds_status wds_loader_open_plugin(const char* path, const char* expected_id,
                                  wds_loader_plugin** out, wds_error* err) {
    if (out != nullptr)
        *out = nullptr;
    if (path == nullptr || out == nullptr)
        return report(err, WDS_E_INVALID_ARGUMENT,
                      "wds_loader_open_plugin: path and out are required");
    return guarded(
        err, [&] { return openPlugin(path, expected_id != nullptr ? expected_id : "", out, err); });
}

wds_status wds_loader_find_plugin(const char* datasource, const char* plugin_dir,
                                  wds_loader_plugin** out, wds_error* err) {
    if (out != nullptr)
        *out = nullptr;
    if (datasource == nullptr || out == nullptr) {
        return report(err, WDS_E_INVALID_ARGUMENT,
                      "wds_loader_find_plugin: datasource and out are required");
    }
    return guarded(err, [&] {
        const std::string name = datasource;
        if (!wds::host::isValidDatasourceName(name)) {
            return report(err, WDS_E_INVALID_ARGUMENT,
                          "invalid datasource name '" + name +
                              "' (expected a name such as prometheus or aetos)");
        }
        // The directory rules of watcher.conf's plugin_dir, with no file behind them.
        Poco::AutoPtr<Poco::Util::MapConfiguration> empty(new Poco::Util::MapConfiguration);
        const wds::host::DatasourceLoader loader(*empty);
        std::optional<std::string> override;
        if (plugin_dir != nullptr)
            override = std::string(plugin_dir);
        const wds::host::PluginDirectory dir =
            loader.pluginDirectory(override, wds::host::defaultPluginDir());
        const std::string path =
            Poco::Path(dir.path).append(wds::host::pluginFileName(name)).toString();
        return openPlugin(path, name, out, err);
    });
}

const wds_plugin_v1* wds_loader_plugin_descriptor(const wds_loader_plugin* plugin) {
    return plugin != nullptr ? &plugin->library->descriptor() : nullptr;
}

const char* wds_loader_plugin_path(const wds_loader_plugin* plugin) {
    return plugin != nullptr ? plugin->library->path().c_str() : nullptr;
}

void wds_loader_plugin_release(wds_loader_plugin* plugin) {
    delete plugin;
}

wds_status wds_loader_choose(const wds_loader_request* request, wds_loader_choice** out,
                             wds_error* err) {
    if (out != nullptr)
        *out = nullptr;
    const bool v11 = request != nullptr && request->struct_size >= WDS_LOADER_REQUEST_V1_1_SIZE;
    const size_t fileCount = v11 ? request->config_file_count : 0;
    const size_t dirCount = v11 ? request->config_dir_count : 0;
    const bool v12 = request != nullptr && request->struct_size >= WDS_LOADER_REQUEST_V1_2_SIZE;
    const size_t defaultCount = v12 ? request->default_count : 0;
    if (request == nullptr || out == nullptr ||
        request->struct_size < WDS_LOADER_REQUEST_V1_0_SIZE ||
        (request->config_file == nullptr && fileCount == 0 && dirCount == 0) ||
        (fileCount > 0 && request->config_files == nullptr) ||
        (dirCount > 0 && request->config_dirs == nullptr) ||
        (defaultCount > 0 && request->defaults == nullptr) ||
        (request->required_metric_count > 0 && request->required_metrics == nullptr)) {
        return report(err, WDS_E_INVALID_ARGUMENT,
                      "wds_loader_choose: request (struct_size >= " +
                          std::to_string(WDS_LOADER_REQUEST_V1_0_SIZE) +
                          ", config_file or v1.1 config_files/config_dirs) and out are required");
    }
    std::vector<std::string> files;
    std::vector<std::string> dirs;
    if (request->config_file != nullptr)
        files.emplace_back(request->config_file);
    for (size_t i = 0; i < fileCount; ++i) {
        if (request->config_files[i] == nullptr)
            return report(err, WDS_E_INVALID_ARGUMENT, "config_files has a NULL entry");
        files.emplace_back(request->config_files[i]);
    }
    for (size_t i = 0; i < dirCount; ++i) {
        if (request->config_dirs[i] == nullptr)
            return report(err, WDS_E_INVALID_ARGUMENT, "config_dirs has a NULL entry");
        dirs.emplace_back(request->config_dirs[i]);
    }
    std::vector<std::pair<std::string, std::string>> defaults;
    for (size_t i = 0; i < defaultCount; ++i) {
        if (request->defaults[i].key == nullptr || request->defaults[i].value == nullptr)
            return report(err, WDS_E_INVALID_ARGUMENT, "defaults has a NULL key or value");
        defaults.emplace_back(request->defaults[i].key, request->defaults[i].value);
    }
    return guarded(err, [&] {
        auto state = std::make_unique<wds_loader_choice>();
        wds::host::LoaderOptions options;
        options.strategy = request->strategy != nullptr ? request->strategy : "";
        if (request->plugin_dir != nullptr)
            options.pluginDir = std::string(request->plugin_dir);
        for (size_t i = 0; i < request->required_metric_count; ++i) {
            if (request->required_metrics[i] == nullptr)
                return report(err, WDS_E_INVALID_ARGUMENT, "required_metrics has a NULL entry");
            options.requiredMetrics.emplace_back(request->required_metrics[i]);
        }
        std::vector<wds::host::WatcherConf::Source> sources;
        for (const auto& file : files)
            sources.push_back(wds::host::WatcherConf::Source{file, false});
        for (const auto& dir : dirs)
            sources.push_back(wds::host::WatcherConf::Source{dir, true});
        const wds::host::WatcherConf conf =
            wds::host::loadWatcherConf(sources, wds::host::makeDefaults(defaults), options);
        state->config = conf.toConfiguration();
        state->masker.addFromConfiguration(*state->config);
        if (request->log != nullptr) {
            const wds_log_fn log = request->log;
            void* const ctx = request->host_ctx;
            const wds::host::SecretMasker* masker = &state->masker;
            options.log = [log, ctx, masker](wds_log_level level, const std::string& message) {
                log(ctx, level, masker->mask(message).c_str());
            };
            for (const auto& warning : conf.warnings())
                options.log(WDS_LOG_WARNING, warning);
        }

        const wds::host::DatasourceLoader loader(*state->config);
        state->choice = loader.choose(options);
        // Secrets that only the plugins' WDS_CONFIG_SECRET flags identify.
        for (const auto& attempt : state->choice.attempts) {
            if (attempt.library)
                state->masker.addPluginSecrets(*state->config, *attempt.library);
        }
        std::ostringstream json;
        wds::host::choiceReport(state->choice, loader, conf, options.strategy, state->masker)
            ->stringify(json);
        state->report = json.str();
        *out = state.release();
        return static_cast<wds_status>(WDS_OK);
    });
}

wds_status wds_loader_choice_status(const wds_loader_choice* choice, wds_error* err) {
    if (choice == nullptr)
        return report(err, WDS_E_INVALID_ARGUMENT, "wds_loader_choice_status: choice is NULL");
    if (choice->choice.ok())
        return WDS_OK;
    return report(err, choice->choice.failureStatus(),
                  choice->masker.mask(choice->choice.failureMessage()));
}

const char* wds_loader_choice_report(const wds_loader_choice* choice) {
    return choice != nullptr ? choice->report.c_str() : nullptr;
}

const wds_plugin_v1* wds_loader_choice_descriptor(const wds_loader_choice* choice) {
    const wds::host::Attempt* chosen = choice != nullptr ? choice->choice.chosen() : nullptr;
    return chosen != nullptr ? &chosen->library->descriptor() : nullptr;
}

wds_source* wds_loader_choice_source(const wds_loader_choice* choice) {
    return choice != nullptr && choice->choice.ok() ? choice->choice.source.handle() : nullptr;
}

void wds_loader_choice_release(wds_loader_choice* choice) {
    delete choice;
}

}  // extern "C"
