// Loads a datasource plugin through the installed loader library (WatcherDS::loader) from the
// loader's default plugin directory, and prints what the plugin describes.
//   consumer_cmake DATASOURCE
// Exits 1 when the plugin does not load or the loader's default plugin directory differs from
// the one the CMake package names.
#include <cstring>
#include <iostream>
#include <string>

#include "watcher_ds/host/DefaultPluginDir.h"
#include "watcher_ds/host/PluginLibrary.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: consumer_cmake DATASOURCE\n";
        return 2;
    }
    const std::string datasource = argv[1];
    if (std::strcmp(wds::host::defaultPluginDir(), PACKAGE_PLUGIN_DIR) != 0) {
        std::cerr << "the loader's default plugin directory " << wds::host::defaultPluginDir()
                  << " is not WatcherDS_PLUGIN_DIR " << PACKAGE_PLUGIN_DIR << "\n";
        return 1;
    }
    const std::string path =
        std::string(wds::host::defaultPluginDir()) + "/" + wds::host::pluginFileName(datasource);
    std::string error;
    const auto plugin = wds::host::PluginLibrary::open(path, datasource, error);
    if (!plugin) {
        std::cerr << error << "\n";
        return 1;
    }
    std::cout << "package " << PACKAGE_VERSION << "\n"
              << "path " << plugin->path() << "\n"
              << "id " << plugin->id() << "\n"
              << "version " << plugin->descriptor().version << "\n"
              << "abi " << plugin->abiVersion() << "\n";
    for (const auto& metric : plugin->metrics())
        std::cout << "metric " << metric << "\n";
    return 0;
}
