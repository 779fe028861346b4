/*
 * A plain C99 host: loads a plugin with dlopen/dlsym using only the C header and runs one
 * statistic_aggregation. Proves the ABI is usable from C.
 *
 * usage: c_host PLUGIN.so KEY=VALUE... -- RESOURCE_TYPE METER NAME PERIOD_S EVAL_TIME_S [VCPUS]
 * prints "ok <value>", "no data", or "<status name>: <message>"; exits with the wds_status.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watcher_ds/datasource.h"

static void log_line(void* ctx, wds_log_level level, const char* message) {
    (void)ctx;
    fprintf(stderr, "log[%d]: %s\n", (int)level, message);
}

int main(int argc, char** argv) {
    enum { MAX_KV = 64 };
    wds_kv config[MAX_KV];
    size_t config_count = 0;
    int i = 2;
    void* library;
    wds_plugin_entry_v1_fn entry;
    const wds_plugin_v1* plugin;
    wds_host_v1 host;
    wds_error err;
    wds_source* source = NULL;
    wds_resource resource;
    wds_aggregation_query query;
    wds_status status;
    double value = 0.0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s PLUGIN.so KEY=VALUE... -- TYPE METER NAME PERIOD EVAL [VCPUS]\n",
                argv[0]);
        return 2;
    }
    for (; i < argc && strcmp(argv[i], "--") != 0 && config_count < MAX_KV; ++i) {
        char* eq = strchr(argv[i], '=');
        if (eq == NULL)
            return 2;
        *eq = '\0';
        config[config_count].key = argv[i];
        config[config_count].value = eq + 1;
        ++config_count;
    }
    if (argc - i - 1 < 5)
        return 2;

    library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    /* POSIX guarantees object/function pointer conversion through dlsym's result. */
    *(void**)(&entry) = dlsym(library, WDS_PLUGIN_ENTRY_V1_SYMBOL);
    if (entry == NULL)
        return 2;

    memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_major = WDS_ABI_MAJOR;
    host.abi_minor = WDS_ABI_MINOR;
    host.log = log_line;
    plugin = entry(&host);
    if (plugin == NULL || plugin->abi_major != WDS_ABI_MAJOR ||
        plugin->struct_size < WDS_PLUGIN_V1_0_SIZE) {
        fprintf(stderr, "incompatible plugin\n");
        return 2;
    }

    memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    status = plugin->create(&host, config, config_count, &source, &err);
    if (status != WDS_OK) {
        printf("%s: %s\n", wds_status_name(status), err.message);
        return (int)status;
    }

    memset(&resource, 0, sizeof resource);
    resource.struct_size = sizeof resource;
    memset(&query, 0, sizeof query);
    query.struct_size = sizeof query;
    query.resource_type =
        strcmp(argv[i + 1], "instance") == 0 ? WDS_RESOURCE_INSTANCE : WDS_RESOURCE_COMPUTE_NODE;
    query.meter_name = argv[i + 2];
    if (query.resource_type == WDS_RESOURCE_INSTANCE) {
        resource.uuid = argv[i + 3];
    } else {
        resource.hostname = argv[i + 3];
    }
    query.resource = &resource;
    query.aggregate = WDS_AGGREGATE_MEAN;
    query.period_s = strtoll(argv[i + 4], NULL, 10);
    query.granularity_s = 300;
    query.eval_time_ms = strtoll(argv[i + 5], NULL, 10) * 1000;
    if (i + 6 < argc) {
        resource.known |= WDS_RESOURCE_KNOWN_VCPUS;
        resource.vcpus = strtoll(argv[i + 6], NULL, 10);
    }

    status = plugin->statistic_aggregation(source, &query, &value, &err);
    if (status == WDS_OK) {
        printf("ok %.17g\n", value);
    } else if (status == WDS_NO_DATA) {
        printf("no data\n");
    } else {
        printf("%s: %s\n", wds_status_name(status), err.message);
    }
    plugin->destroy(source);
    dlclose(library);
    return (int)status;
}
