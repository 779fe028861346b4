/*
 * watcher-ds loader, C API (libwatcher_ds_loader.so.2; the C API exists since loader 1.1.0)
 *
 * The loader's rules for hosts that are not written in C++ (the Python package `watcher_ds`
 * binds this with ctypes): where plugins live, how one is loaded and checked against the ABI,
 * and which datasource watcher.conf chooses, by exactly the rules `watcher-ds` follows. Nothing
 * here is written twice: these functions call the loader's C++ classes.
 *
 * Conventions are those of datasource.h: C99; fallible functions return a wds_status and take an
 * optional `wds_error *err` that is filled on failure with a message naming the file, the key or
 * the datasource; what the library returns is released with its own *_release function (NULL
 * is a no-op); strings are UTF-8 and NUL-terminated. Every function may be called from any
 * thread; one object must not be released while another thread still uses it.
 */
#ifndef WATCHER_DS_LOADER_H
#define WATCHER_DS_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "watcher_ds/datasource.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Version of this C API; new functions and request fields raise it (check it before using
 * them): 2 added wds_loader_request's v1.1 fields (config_files, config_dirs), which a
 * version 1 library would silently ignore; 3 added the v1.2 fields (defaults), which a
 * version 2 library would silently ignore.
 */
#define WDS_LOADER_C_API_VERSION 3

WDS_EXPORT uint32_t wds_loader_c_api_version(void);

/** The plugin directory used when nothing else is set: ${libdir}/watcher-ds next to this
 *  library (DefaultPluginDir.h). Static storage; never NULL or empty. */
WDS_EXPORT const char* wds_loader_default_plugin_dir(void);

/* ---------------------------------------------------------------------------------------------
 * One plugin
 * ------------------------------------------------------------------------------------------- */

/** A loaded and checked plugin library. The library itself stays loaded for the life of the
 *  process (plugins are never dlclose'd), so the descriptor outlives this object. */
typedef struct wds_loader_plugin wds_loader_plugin;

/**
 * Loads the plugin file at `path` and checks it as the loader does: not world-writable, loads
 * with RTLD_NOW, exports the v1 entry symbol, has the host's ABI major, a complete descriptor,
 * and (when `expected_id` is neither NULL nor "") that id.
 * @return WDS_OK with *out set; WDS_E_INVALID_ARGUMENT (NULL path or out); WDS_E_CONFIG (the
 *         file does not exist); WDS_E_INTERNAL (it is not a usable plugin: the message names
 *         the file and the cause, with both ABI versions where they matter).
 */
WDS_EXPORT wds_status wds_loader_open_plugin(const char* path, const char* expected_id,
                                             wds_loader_plugin** out, wds_error* err);

/**
 * Finds the plugin of datasource `datasource` ("prometheus" -> libprometheus_ds.so) in
 * `plugin_dir`, or in the default directory when it is NULL, and opens it with that id. The
 * name and the directory are checked as watcher.conf's are (a name that could leave the
 * directory, a world-writable directory).
 */
WDS_EXPORT wds_status wds_loader_find_plugin(const char* datasource, const char* plugin_dir,
                                             wds_loader_plugin** out, wds_error* err);

WDS_EXPORT const wds_plugin_v1* wds_loader_plugin_descriptor(const wds_loader_plugin* plugin);
/** The file it was loaded from, as given or found. */
WDS_EXPORT const char* wds_loader_plugin_path(const wds_loader_plugin* plugin);
WDS_EXPORT void wds_loader_plugin_release(wds_loader_plugin* plugin);

/* ---------------------------------------------------------------------------------------------
 * The datasource watcher.conf chooses
 * ------------------------------------------------------------------------------------------- */

typedef struct wds_loader_request {
    uint32_t struct_size;
    uint32_t reserved0;
    const char* config_file; /**< watcher.conf to read. Required, unless v1.1 fields name some */
    const char* strategy;    /**< NULL or "": none; else [watcher_strategies.<strategy>] first */
    const char* plugin_dir;  /**< NULL: [watcher_datasources] plugin_dir, else the default */
    const char* const* required_metrics; /**< a datasource lacking one is skipped */
    size_t required_metric_count;
    /** Receives the loader's warnings (skipped datasources, duplicate keys) and the chosen
     *  plugin's log lines, with every secret of the file masked; may be NULL. Kept, with
     *  host_ctx, until the choice is released, and called from any thread using the source. */
    wds_log_fn log;
    void* host_ctx;
    /* v1.1 (read when struct_size >= WDS_LOADER_REQUEST_V1_1_SIZE): several files and config
     * directories, as oslo.config's --config-file and --config-dir. Files are read in order
     * (config_file, if not NULL, first), then each directory's *.conf files in sorted order;
     * a later value wins. */
    const char* const* config_files;
    size_t config_file_count;
    const char* const* config_dirs;
    size_t config_dir_count;
    /* v1.2 (read when struct_size >= WDS_LOADER_REQUEST_V1_2_SIZE; C API 3): registered
     * defaults, as oslo.config has them for the options its caller registered. A `$name` or
     * `${group.name}` reference to an option no file sets resolves to its entry here (key
     * "group.option", e.g. "DEFAULT.state_path" -> "$pybasedir"; the value is raw and is
     * substituted too), else to the default the plugin of a listed datasource declares for
     * that key; with neither, the choice fails with WDS_E_CONFIG naming the key, its
     * file:line and the missing name. A later entry wins over an earlier one of the same key.
     * Defaults only answer references: they never reach a plugin as configuration. A caller
     * with the v1.1 struct (struct_size == WDS_LOADER_REQUEST_V1_1_SIZE) gets the plugins'
     * defaults alone. */
    const wds_kv* defaults;
    size_t default_count;
} wds_loader_request;
#define WDS_LOADER_REQUEST_V1_0_SIZE ((uint32_t)offsetof(wds_loader_request, config_files))
#define WDS_LOADER_REQUEST_V1_1_SIZE ((uint32_t)offsetof(wds_loader_request, defaults))
#define WDS_LOADER_REQUEST_V1_2_SIZE ((uint32_t)sizeof(wds_loader_request))

/** The outcome of a choice: the live source (if any) and the explanation. */
typedef struct wds_loader_choice wds_loader_choice;

/**
 * Reads the config files (and directories) and walks the datasource list as Watcher's
 * DataSourceManager does.
 * @return WDS_OK with *out set whenever the file is readable and its datasource settings are
 *         valid, also when no datasource is usable (then wds_loader_choice_status() says why);
 *         WDS_E_CONFIG for an unreadable or malformed file, an empty or malformed list, or
 *         prometheus together with aetos; WDS_E_INVALID_ARGUMENT for a bad request.
 */
WDS_EXPORT wds_status wds_loader_choose(const wds_loader_request* request, wds_loader_choice** out,
                                        wds_error* err);

/** WDS_OK when a datasource was chosen; else the most specific cause, with one message naming
 *  every datasource and why it was skipped (what `watcher-ds` prints). */
WDS_EXPORT wds_status wds_loader_choice_status(const wds_loader_choice* choice, wds_error* err);

/** The explanation as the JSON object `watcher-ds config --format json` prints (secrets
 *  masked). Valid until the choice is released. */
WDS_EXPORT const char* wds_loader_choice_report(const wds_loader_choice* choice);

/** The chosen plugin's descriptor and its live source, or NULL when none was chosen. The
 *  source belongs to the choice: use it through the descriptor, and never destroy it. */
WDS_EXPORT const wds_plugin_v1* wds_loader_choice_descriptor(const wds_loader_choice* choice);
WDS_EXPORT wds_source* wds_loader_choice_source(const wds_loader_choice* choice);

/** Destroys the source (a [lifecycle] call: no other call on it may be running) and the rest. */
WDS_EXPORT void wds_loader_choice_release(wds_loader_choice* choice);

#ifdef __cplusplus
}
#endif

#endif /* WATCHER_DS_LOADER_H */
