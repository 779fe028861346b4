/*
 * A plain C99 host: loads a plugin with dlopen/dlsym using only the C header and runs one
 * statistic_aggregation. Proves the ABI is usable from C, and (run under valgrind with
 * WDS_REPEAT=N) that a whole dlopen -> create -> query -> destroy -> dlclose cycle leaks
 * nothing: after the last cycle the process has as many open files and threads as before the
 * first, or the program exits with 70.
 *
 * usage: c_host PLUGIN.so KEY=VALUE... -- RESOURCE_TYPE METER NAME PERIOD_S EVAL_TIME_S [VCPUS]
 * prints "ok <value>", "no data", or "<status name>: <message>" per cycle; exits with the last
 * wds_status.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watcher_ds/datasource.h"

enum { MAX_KV = 64, LEAK_EXIT = 70 };

struct request {
    const char* plugin_path;
    wds_kv config[MAX_KV];
    size_t config_count;
    const char* resource_type;
    const char* meter;
    const char* name;
    long long period_s;
    long long eval_time_s;
    long long vcpus; /* 0: not given */
};

static void log_line(void* ctx, wds_log_level level, const char* message) {
    (void)ctx;
    fprintf(stderr, "log[%d]: %s\n", (int)level, message);
}

static int count_open_files(void) {
    int count = 0;
    DIR* dir = opendir("/proc/self/fd");
    struct dirent* entry;
    if (dir == NULL)
        return -1;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    closedir(dir);
    return count;
}

static int count_threads(void) {
    char line[256];
    int threads = -1;
    FILE* status = fopen("/proc/self/status", "r");
    if (status == NULL)
        return -1;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "Threads: %d", &threads) == 1)
            break;
    }
    fclose(status);
    return threads;
}

/* One whole cycle; returns the wds_status of the query (or of what failed first). */
static int run_once(const struct request* r) {
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

    library = dlopen(r->plugin_path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return WDS_E_INTERNAL;
    }
    /* POSIX guarantees object/function pointer conversion through dlsym's result. */
    *(void**)(&entry) = dlsym(library, WDS_PLUGIN_ENTRY_V1_SYMBOL);

    memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.abi_major = WDS_ABI_MAJOR;
    host.abi_minor = WDS_ABI_MINOR;
    host.log = log_line;
    plugin = entry != NULL ? entry(&host) : NULL;
    if (plugin == NULL || plugin->abi_major != WDS_ABI_MAJOR ||
        plugin->struct_size < WDS_PLUGIN_V1_0_SIZE) {
        fprintf(stderr, "incompatible plugin\n");
        dlclose(library);
        return WDS_E_INTERNAL;
    }

    memset(&err, 0, sizeof err);
    err.struct_size = sizeof err;
    status = plugin->create(&host, r->config, r->config_count, &source, &err);
    if (status == WDS_OK) {
        memset(&resource, 0, sizeof resource);
        resource.struct_size = sizeof resource;
        memset(&query, 0, sizeof query);
        query.struct_size = sizeof query;
        query.resource_type = strcmp(r->resource_type, "instance") == 0 ? WDS_RESOURCE_INSTANCE
                                                                        : WDS_RESOURCE_COMPUTE_NODE;
        if (query.resource_type == WDS_RESOURCE_INSTANCE) {
            resource.uuid = r->name;
        } else {
            resource.hostname = r->name;
        }
        if (r->vcpus > 0) {
            resource.known |= WDS_RESOURCE_KNOWN_VCPUS;
            resource.vcpus = r->vcpus;
        }
        query.meter_name = r->meter;
        query.resource = &resource;
        query.aggregate = WDS_AGGREGATE_MEAN;
        query.period_s = r->period_s;
        query.granularity_s = 300;
        query.eval_time_ms = r->eval_time_s * 1000;
        status = plugin->statistic_aggregation(source, &query, &value, &err);
        plugin->destroy(source);
    }

    if (status == WDS_OK) {
        printf("ok %.17g\n", value);
    } else if (status == WDS_NO_DATA) {
        printf("no data\n");
    } else {
        printf("%s: %s\n", wds_status_name(status), err.message);
    }
    dlclose(library);
    return (int)status;
}

int main(int argc, char** argv) {
    struct request r;
    int i = 2;
    int cycle;
    int repeat = getenv("WDS_REPEAT") != NULL ? atoi(getenv("WDS_REPEAT")) : 1;
    int files_before, threads_before, status = 0;

    memset(&r, 0, sizeof r);
    if (argc < 3) {
        fprintf(stderr, "usage: %s PLUGIN.so KEY=VALUE... -- TYPE METER NAME PERIOD EVAL [VCPUS]\n",
                argv[0]);
        return 2;
    }
    r.plugin_path = argv[1];
    for (; i < argc && strcmp(argv[i], "--") != 0 && r.config_count < MAX_KV; ++i) {
        char* eq = strchr(argv[i], '=');
        if (eq == NULL)
            return 2;
        *eq = '\0';
        r.config[r.config_count].key = argv[i];
        r.config[r.config_count].value = eq + 1;
        ++r.config_count;
    }
    if (argc - i - 1 < 5)
        return 2;
    r.resource_type = argv[i + 1];
    r.meter = argv[i + 2];
    r.name = argv[i + 3];
    r.period_s = strtoll(argv[i + 4], NULL, 10);
    r.eval_time_s = strtoll(argv[i + 5], NULL, 10);
    r.vcpus = i + 6 < argc ? strtoll(argv[i + 6], NULL, 10) : 0;

    files_before = count_open_files();
    threads_before = count_threads();
    for (cycle = 0; cycle < (repeat > 0 ? repeat : 1); ++cycle)
        status = run_once(&r);
    if (count_open_files() != files_before || count_threads() != threads_before) {
        fprintf(stderr, "leak: open files %d -> %d, threads %d -> %d\n", files_before,
                count_open_files(), threads_before, count_threads());
        return LEAK_EXIT;
    }
    return status;
}
