#include "watcher_ds/host/DefaultPluginDir.h"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace wds::host {
namespace {

// Any object of this library: dladdr() maps its address to the library's file.
const char kAnchor = 0;

std::string computeDefaultPluginDir() {
    Dl_info info{};
    if (dladdr(&kAnchor, &info) == 0 || info.dli_fname == nullptr)
        return WDS_INSTALLED_PLUGIN_DIR;  // not expected: the address is in this library
    std::string libraryDir = info.dli_fname;
    const auto slash = libraryDir.rfind('/');
    libraryDir = slash == std::string::npos ? "." : libraryDir.substr(0, slash);
    // Resolved so that /lib/x86_64-linux-gnu (a symlink on merged-/usr systems) reads as the
    // /usr/lib/... path the packages and the documentation use.
    const std::unique_ptr<char, decltype(&std::free)> resolved(
        realpath(libraryDir.c_str(), nullptr), &std::free);
    if (resolved)
        libraryDir = resolved.get();
    return libraryDir + "/" WDS_PLUGIN_DIR_FROM_LIBDIR;
}

}  // namespace

const char* defaultPluginDir() {
    static const std::string dir = computeDefaultPluginDir();
    return dir.c_str();
}

}  // namespace wds::host
