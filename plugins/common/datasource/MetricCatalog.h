#pragma once

#include <string_view>

#include "watcher_ds/datasource.h"

namespace wds {

/** How a Watcher metric is answered by a Prometheus-API datasource. */
enum class MetricKind {
    HostCpuUsage,          // PromQL over node_cpu_seconds_total, % busy
    HostRamUsage,          // PromQL over node_memory_*, KiB used
    InstanceCpuUsage,      // PromQL over ceilometer_cpu, % of the flavor's vCPUs
    InstanceRamUsage,      // PromQL over ceilometer_memory_usage, MB
    InstanceRamAllocated,  // the instance's flavor memory (MB), no query
    InstanceRootDiskSize,  // the instance's flavor root disk (GB), no query
};

struct MetricInfo {
    const char* name;  // Watcher metric name
    MetricKind kind;
    wds_resource_type resourceType;
    const char* unit;
};

/**
 * Watcher's metric map for the Prometheus and Aetos datasources. Metrics Watcher maps to None
 * (host_outlet_temp, host_inlet_temp, host_airflow, host_power, instance_l3_cache_usage) are
 * absent: asking for them is "metric not available".
 */
class MetricCatalog {
  public:
    static const MetricInfo* find(std::string_view name);
    /** The supported Watcher metric names, for the plugin descriptor. */
    static const char* const* names();
    static size_t count();
};

}  // namespace wds
