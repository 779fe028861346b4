#pragma once

#include <string>
#include <vector>

#include "BenchData.h"
#include "Report.h"
#include "watcher_ds/datasource.hpp"

namespace wdsbench {

struct BatchOptions {
    std::vector<int> hostCounts{10, 100, 1000};  // N; the instance counts are M = 10 x N
    int reps = 5;                                // the median of these is reported
    int64_t periodS = 300;
};

/**
 * Batch vs per-call on a Prometheus of its own, loaded with `data` (at least max(N) hosts and
 * 10 x max(N) instances): host_cpu_usage of the first N hosts and instance_cpu_usage (vcpus set)
 * of the first M instances, each as one statistic_batch call and as N (M) sequential
 * statistic_aggregation calls, plus the floor GET of the batch's own request. Throws -- failing
 * the run -- unless every value the batch gives is bitwise identical to the per-call value.
 */
BatchSection measureBatch(const wds_plugin_v1& plugin, const BenchData& data,
                          const BatchOptions& options);

}  // namespace wdsbench
