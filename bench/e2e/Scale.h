#pragma once

#include <string>

#include "Report.h"
#include "watcher_ds/datasource.hpp"

namespace wdsbench {

struct ScaleOptions {
    int hosts = 1000, instances = 10000;
    int samples = 1000;  // single calls per metric, spread evenly over the resources
    int reps = 3;        // rounds of batch and singles; medians are reported
    int createReps = 7;  // fresh sources in the create child (the first one reported apart)
    bool python = true;  // the drop-in's prefetch (bench/python/bench_audit.py) too
    std::string self;    // this executable, for the create child
};

/**
 * The plugin at scale on a VictoriaMetrics of its own (no scrape targets: the hosts come from
 * the fqdn values of the node series), loaded through /api/v1/import/prometheus: create time and
 * RSS in a fresh process, one batch of every instance's instance_cpu_usage (every host's
 * host_cpu_usage) against options.samples single calls, and the drop-in's prefetched audit
 * against a sampled audit without prefetch. Throws -- failing the run -- unless every sampled
 * single value equals the batch's (the prefetch's) bit for bit or, where VictoriaMetrics summed
 * several series in its unfixed order, within kScaleTolerance (those are counted apart).
 */
ScaleSection measureScale(const wds_plugin_v1& plugin, const std::string& pluginPath,
                          const ScaleOptions& options);

/** `wds_bench_e2e scale-child --plugin P --port N --reps K`: create times and RSS, as JSON. */
int scaleChild(const std::string& pluginPath, int port, int reps);

}  // namespace wdsbench
