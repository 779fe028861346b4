#include "watcher_ds/host/PluginLibrary.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

namespace wds::host {
namespace {

std::string versionString(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

std::string lastDlError() {
    const char* text = dlerror();
    return text != nullptr ? text : "unknown dynamic loader error";
}

// Collects what the plugin logs from inside its entry function (e.g. why it returned NULL).
void collectEntryLog(void* ctx, wds_log_level level, const char* message) {
    if (level >= WDS_LOG_WARNING && message != nullptr) {
        static_cast<std::vector<std::string>*>(ctx)->push_back(message);
    }
}

std::string joinMessages(const std::vector<std::string>& messages) {
    std::string joined;
    for (const auto& message : messages) {
        if (!joined.empty())
            joined += "; ";
        joined += message;
    }
    return joined;
}

}  // namespace

std::string pluginFileName(const std::string& datasource) {
    return "lib" + datasource + "_ds.so";
}

std::string hostAbiVersion() {
    return versionString(WDS_ABI_MAJOR, WDS_ABI_MINOR);
}

std::shared_ptr<const PluginLibrary> PluginLibrary::open(const std::string& path,
                                                         const std::string& expectedId,
                                                         std::string& error) {
    error.clear();
    struct stat info;
    if (::stat(path.c_str(), &info) == 0 && (info.st_mode & S_IWOTH) != 0) {
        error = path + ": refusing to load a world-writable plugin file";
        return nullptr;
    }

    dlerror();  // clear any stale error
    // Deliberately never dlclose'd (see the class comment).
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        error = path + ": cannot load plugin: " + lastDlError();
        return nullptr;
    }

    dlerror();
    void* symbol = dlsym(handle, WDS_PLUGIN_ENTRY_V1_SYMBOL);
    if (symbol == nullptr) {
        error = path +
                ": not a watcher-ds plugin: no entry symbol " WDS_PLUGIN_ENTRY_V1_SYMBOL " (" +
                lastDlError() + ")";
        return nullptr;
    }
    const auto entry = reinterpret_cast<wds_plugin_entry_v1_fn>(symbol);

    std::vector<std::string> entryLog;
    wds_host_v1 host;
    std::memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_major = WDS_ABI_MAJOR;
    host.abi_minor = WDS_ABI_MINOR;
    host.host_ctx = &entryLog;
    host.log = &collectEntryLog;
    const wds_plugin_v1* descriptor = entry(&host);

    const std::string hostAbi = hostAbiVersion();
    if (descriptor == nullptr) {
        error = path + ": " WDS_PLUGIN_ENTRY_V1_SYMBOL " returned no descriptor for host ABI " +
                hostAbi;
        if (!entryLog.empty())
            error += ": " + joinMessages(entryLog);
        return nullptr;
    }
    const std::string pluginAbi = versionString(descriptor->abi_major, descriptor->abi_minor);
    if (descriptor->abi_major != WDS_ABI_MAJOR) {
        error = path + ": plugin ABI " + pluginAbi + " is incompatible with host ABI " + hostAbi +
                " (major versions differ)";
        return nullptr;
    }
    const std::string versions = " (plugin ABI " + pluginAbi + ", host ABI " + hostAbi + ")";
    if (descriptor->struct_size < WDS_PLUGIN_V1_0_SIZE) {
        error = path + ": plugin descriptor is truncated: struct_size " +
                std::to_string(descriptor->struct_size) + " is below the v1.0 size " +
                std::to_string(WDS_PLUGIN_V1_0_SIZE) + versions;
        return nullptr;
    }

    std::vector<std::string> missing;
    if (descriptor->create == nullptr)
        missing.push_back("create");
    if (descriptor->destroy == nullptr)
        missing.push_back("destroy");
    if (descriptor->check_availability == nullptr)
        missing.push_back("check_availability");
    if (descriptor->list_metrics == nullptr)
        missing.push_back("list_metrics");
    if (descriptor->string_list_release == nullptr)
        missing.push_back("string_list_release");
    if (descriptor->statistic_aggregation == nullptr)
        missing.push_back("statistic_aggregation");
    if (!missing.empty()) {
        std::string names;
        for (const auto& name : missing)
            names += (names.empty() ? "" : ", ") + name;
        error = path + ": plugin descriptor lacks required function(s) " + names + versions;
        return nullptr;
    }

    if (descriptor->metric_count > 0 && descriptor->metrics == nullptr) {
        error = path + ": plugin descriptor lists " + std::to_string(descriptor->metric_count) +
                " metrics but no metric array" + versions;
        return nullptr;
    }
    std::vector<std::string> metrics;
    for (size_t i = 0; i < descriptor->metric_count; ++i) {
        if (descriptor->metrics[i] == nullptr) {
            error = path + ": plugin descriptor has a NULL metric name at index " +
                    std::to_string(i) + versions;
            return nullptr;
        }
        metrics.emplace_back(descriptor->metrics[i]);
    }

    if (descriptor->config_key_count > 0 && descriptor->config_keys == nullptr) {
        error = path + ": plugin descriptor lists " + std::to_string(descriptor->config_key_count) +
                " config keys but no config key array" + versions;
        return nullptr;
    }
    // wds_config_key is an array element, so its size is frozen at the v1.0 size.
    for (size_t i = 0; i < descriptor->config_key_count; ++i) {
        const wds_config_key& key = descriptor->config_keys[i];
        if (key.struct_size != WDS_CONFIG_KEY_V1_0_SIZE || key.key == nullptr) {
            error = path + ": plugin config key " + std::to_string(i) +
                    " is malformed (struct_size is not " +
                    std::to_string(WDS_CONFIG_KEY_V1_0_SIZE) + " or the key is NULL)" + versions;
            return nullptr;
        }
    }

    if (descriptor->id == nullptr || (!expectedId.empty() && expectedId != descriptor->id)) {
        error = path + ": plugin id is " +
                (descriptor->id == nullptr ? std::string("missing")
                                           : "'" + std::string(descriptor->id) + "'") +
                ", expected '" + expectedId + "' (a plugin file must be named lib<id>_ds.so)";
        return nullptr;
    }

    std::shared_ptr<PluginLibrary> library(new PluginLibrary);
    library->path_ = path;
    library->id_ = descriptor->id;
    library->descriptor_ = descriptor;
    library->metrics_ = std::move(metrics);
    return library;
}

std::string PluginLibrary::abiVersion() const {
    return versionString(descriptor_->abi_major, descriptor_->abi_minor);
}

bool PluginLibrary::providesMetric(const std::string& metric) const {
    return std::find(metrics_.begin(), metrics_.end(), metric) != metrics_.end();
}

const wds_config_key& PluginLibrary::configKey(size_t index) const {
    return descriptor_->config_keys[index];
}

const wds_config_key* PluginLibrary::findConfigKey(const std::string& key) const {
    for (size_t i = 0; i < configKeyCount(); ++i) {
        const wds_config_key& candidate = configKey(i);
        if (key == candidate.key)
            return &candidate;
    }
    return nullptr;
}

}  // namespace wds::host
