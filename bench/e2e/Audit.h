#pragma once

#include <string>

#include "Report.h"

namespace wdsbench {

struct AuditOptions {
    int hosts = 1000, instances = 10000;
    int reps = 5;  // audits per side; medians are reported
    // A second, larger memory measurement on a data set of its own (0: only the default size).
    int memoryHosts = 0, memoryInstances = 0;
};

/**
 * One Watcher audit as workload_stabilization makes it, through the drop-in
 * (watcher_ds.watcher.PrometheusHelper on the plugin at `pluginPath`, built from a watcher.conf
 * by oslo.config) against a Prometheus of its own loaded with options.hosts hosts and
 * options.instances instances: prefetch on vs off vs the prefetch's own GETs replayed raw by the
 * floor client, alternated over options.reps rounds; HTTP requests counted by Prometheus and by
 * a capture proxy; RSS of a fresh Python process after a prefetched audit. Throws -- failing the
 * run -- unless every audit with prefetch answers the same doubles, bit for bit, as without.
 */
AuditSection measureAudit(const std::string& pluginPath, const AuditOptions& options);

}  // namespace wdsbench
