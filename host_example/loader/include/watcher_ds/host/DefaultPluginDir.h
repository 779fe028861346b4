// The loader's default plugin directory.
#ifndef WATCHER_DS_HOST_DEFAULT_PLUGIN_DIR_H
#define WATCHER_DS_HOST_DEFAULT_PLUGIN_DIR_H

#include "watcher_ds/host/Export.h"

namespace wds::host {

/**
 * Where the packages install the plugins: the loader's plugin_dir when nothing else is set.
 *
 * The packages put the plugins in ${libdir}/watcher-ds, next to this library, and libdir differs
 * between the .deb (/usr/lib/x86_64-linux-gnu) and the .rpm (/usr/lib64) made from the same
 * build. So the build fixes the plugin directory relative to the library's own directory, and
 * this resolves it against where the dynamic linker found the library (symlinks resolved):
 * /usr/lib/x86_64-linux-gnu/watcher-ds from the .deb, /usr/lib64/watcher-ds from the .rpm,
 * <prefix>/lib/watcher-ds from `cmake --install`. Computed once; never empty.
 */
WDS_LOADER_EXPORT const char* defaultPluginDir();

}  // namespace wds::host

/** The default plugin directory as a C string (kept a macro for existing callers). */
#define WDS_DEFAULT_PLUGIN_DIR (::wds::host::defaultPluginDir())

#endif  // WATCHER_DS_HOST_DEFAULT_PLUGIN_DIR_H
