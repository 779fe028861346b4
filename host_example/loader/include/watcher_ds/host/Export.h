// Symbol visibility of the loader library (libwatcher_ds_loader.so). It is compiled with
// -fvisibility=hidden, so only what these headers mark WDS_LOADER_EXPORT is part of its ABI
// (docs/PACKAGING.md: the SONAME changes when that ABI breaks).
#ifndef WATCHER_DS_HOST_EXPORT_H
#define WATCHER_DS_HOST_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define WDS_LOADER_EXPORT __attribute__((visibility("default")))
#else
#define WDS_LOADER_EXPORT
#endif

#endif  // WATCHER_DS_HOST_EXPORT_H
