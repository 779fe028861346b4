/*
 * Loads a datasource plugin from pkg-config's plugindir with dlopen/dlsym and the installed C
 * header only, and prints what its descriptor says (metrics and config keys).
 *   consumer_pkgconfig DATASOURCE
 * Exits 1 when the plugin does not load or its descriptor does not match this header's ABI.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <watcher_ds/datasource.h>

int main(int argc, char** argv) {
    char path[4096];
    void* library;
    wds_plugin_entry_v1_fn entry;
    const wds_plugin_v1* plugin;
    wds_host_v1 host;
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: consumer_pkgconfig DATASOURCE\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/lib%s_ds.so", PLUGIN_DIR, argv[1]);
    library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    /* POSIX guarantees that a data pointer from dlsym converts to a function pointer. */
    *(void**)&entry = dlsym(library, WDS_PLUGIN_ENTRY_V1_SYMBOL);
    if (entry == NULL) {
        fprintf(stderr, "%s: no %s\n", path, WDS_PLUGIN_ENTRY_V1_SYMBOL);
        return 1;
    }
    memset(&host, 0, sizeof host);
    host.struct_size = WDS_HOST_V1_0_SIZE;
    host.abi_major = WDS_ABI_MAJOR;
    host.abi_minor = WDS_ABI_MINOR;
    plugin = entry(&host);
    if (plugin == NULL || plugin->abi_major != WDS_ABI_MAJOR ||
        plugin->struct_size < WDS_PLUGIN_V1_0_SIZE || strcmp(plugin->id, argv[1]) != 0) {
        fprintf(stderr, "%s: no compatible v%d descriptor with id %s\n", path, WDS_ABI_MAJOR,
                argv[1]);
        return 1;
    }
    printf("path %s\nid %s\nversion %s\nabi %u.%u\n", path, plugin->id, plugin->version,
           (unsigned)plugin->abi_major, (unsigned)plugin->abi_minor);
    for (i = 0; i < plugin->metric_count; ++i)
        printf("metric %s\n", plugin->metrics[i]);
    for (i = 0; i < plugin->config_key_count; ++i)
        printf("key %s\n", plugin->config_keys[i].key);
    return 0; /* the library stays loaded until exit, as the ABI recommends */
}
