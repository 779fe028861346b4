#include "datasource/MetricCatalog.h"

#include <iterator>

namespace wds {
namespace {

const MetricInfo kMetrics[] = {
    {"host_cpu_usage", MetricKind::HostCpuUsage, WDS_RESOURCE_COMPUTE_NODE, "%"},
    {"host_ram_usage", MetricKind::HostRamUsage, WDS_RESOURCE_COMPUTE_NODE, "KiB"},
    {"instance_cpu_usage", MetricKind::InstanceCpuUsage, WDS_RESOURCE_INSTANCE, "%"},
    {"instance_ram_usage", MetricKind::InstanceRamUsage, WDS_RESOURCE_INSTANCE, "MB"},
    {"instance_ram_allocated", MetricKind::InstanceRamAllocated, WDS_RESOURCE_INSTANCE, "MB"},
    {"instance_root_disk_size", MetricKind::InstanceRootDiskSize, WDS_RESOURCE_INSTANCE, "GB"},
};

const char* const kNames[] = {"host_cpu_usage",         "host_ram_usage",
                              "instance_cpu_usage",     "instance_ram_usage",
                              "instance_ram_allocated", "instance_root_disk_size"};
static_assert(std::size(kNames) == std::size(kMetrics));

}  // namespace

const MetricInfo* MetricCatalog::find(std::string_view name) {
    for (const MetricInfo& metric : kMetrics) {
        if (name == metric.name)
            return &metric;
    }
    return nullptr;
}

const char* const* MetricCatalog::names() {
    return kNames;
}

size_t MetricCatalog::count() {
    return std::size(kNames);
}

}  // namespace wds
