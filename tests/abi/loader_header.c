/* The loader's C API header compiles as plain, pedantic C99 (the C hosts and the Python package
 * that use it are not C++), and its request struct has the layout loader.h documents (LP64). */
#include <stddef.h>

#include "watcher_ds/loader.h"

typedef char wds_request_size_is_64[WDS_LOADER_REQUEST_V1_0_SIZE == 64 ? 1 : -1];
typedef char wds_request_log_at_48[offsetof(wds_loader_request, log) == 48 ? 1 : -1];
typedef char wds_request_ctx_at_56[offsetof(wds_loader_request, host_ctx) == 56 ? 1 : -1];
/* v1.1 appends, never moves: several config files and config directories. */
typedef char wds_request_v11_size_is_96[WDS_LOADER_REQUEST_V1_1_SIZE == 96 ? 1 : -1];
typedef char wds_request_files_at_64[offsetof(wds_loader_request, config_files) == 64 ? 1 : -1];
typedef char wds_request_dirs_at_80[offsetof(wds_loader_request, config_dirs) == 80 ? 1 : -1];
typedef char wds_request_v12_size_is_112[WDS_LOADER_REQUEST_V1_2_SIZE == 112 ? 1 : -1];
typedef char wds_request_defaults_at_96[offsetof(wds_loader_request, defaults) == 96 ? 1 : -1];
