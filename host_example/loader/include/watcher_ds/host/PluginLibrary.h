// One plugin shared object, loaded and checked against the v1 ABI.
#ifndef WATCHER_DS_HOST_PLUGIN_LIBRARY_H
#define WATCHER_DS_HOST_PLUGIN_LIBRARY_H

#include <memory>
#include <string>
#include <vector>

#include "watcher_ds/datasource.h"
#include "watcher_ds/host/Export.h"

namespace wds::host {

/** The file a datasource's plugin lives in: "lib<name>_ds.so". */
WDS_LOADER_EXPORT std::string pluginFileName(const std::string& datasource);

/**
 * A loaded plugin library with a validated descriptor.
 *
 * The library is opened with dlopen(RTLD_NOW | RTLD_LOCAL): NOW so an unresolved symbol fails
 * here with a message instead of aborting the process at the first call (Poco::SharedLibrary
 * always uses RTLD_LAZY), LOCAL so two plugins' private symbols cannot interpose. It is never
 * dlclose'd: sources, the descriptor and its strings must stay valid for the process lifetime,
 * and unloading C++ libraries with thread-local or static state is unsafe anyway.
 */
class WDS_LOADER_EXPORT PluginLibrary {
  public:
    /**
     * Loads `path` and checks, in this order: the file loads, it exports
     * WDS_PLUGIN_ENTRY_V1_SYMBOL, the entry returns a descriptor, abi_major equals the host's,
     * struct_size is at least the v1.0 size, every required function is set, the metric and
     * config-key arrays are well-formed, and the descriptor has an id equal to `expectedId`
     * (any id when `expectedId` is empty: a plugin loaded by path rather than by name).
     * @return the library, or nullptr with `error` set to one line naming the path, the
     *         dlerror() text or the mismatch, and both ABI versions where relevant.
     */
    static std::shared_ptr<const PluginLibrary> open(const std::string& path,
                                                     const std::string& expectedId,
                                                     std::string& error);

    const std::string& path() const { return path_; }
    const wds_plugin_v1& descriptor() const { return *descriptor_; }
    const std::string& id() const { return id_; }

    /** "MAJOR.MINOR" of the plugin's ABI. */
    std::string abiVersion() const;

    /** The Watcher metrics the plugin says it can answer. */
    const std::vector<std::string>& metrics() const { return metrics_; }
    bool providesMetric(const std::string& metric) const;

    /**
     * The plugin's config keys. Accessed with the plugin's own element size, so a plugin built
     * against a later minor version (with a longer wds_config_key) is read correctly.
     */
    size_t configKeyCount() const { return descriptor_->config_key_count; }
    const wds_config_key& configKey(size_t index) const;

    /** Whether `key` ("section.option") is one of the plugin's config keys. */
    const wds_config_key* findConfigKey(const std::string& key) const;

  private:
    PluginLibrary() = default;

    std::string path_;
    std::string id_;
    const wds_plugin_v1* descriptor_ = nullptr;
    std::vector<std::string> metrics_;
};

/** "MAJOR.MINOR" of the host's ABI (this build). */
WDS_LOADER_EXPORT std::string hostAbiVersion();

}  // namespace wds::host

#endif  // WATCHER_DS_HOST_PLUGIN_LIBRARY_H
