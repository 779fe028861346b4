#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "servers/PrometheusServer.h"

namespace wdsbench {

/**
 * The benchmark's deterministic data set, sized on the command line: `hosts` compute nodes with
 * node-exporter-like series (node_cpu_seconds_total per CPU and mode, MemTotal/MemAvailable) and
 * `instances` VMs with ceilometer_cpu / ceilometer_memory_usage, each repeated `seriesPerInstance`
 * times with a distinct orig_timestamp label as Watcher's CI pushes them. Samples every `stepS`
 * over `windowS`, ending at the fixed past instant kEnd (queries pass time=kEnd).
 */
struct BenchData {
    static constexpr int64_t kEnd = 1700001000;
    static constexpr int kCpus = 4;

    int hosts = 50;
    int instances = 500;
    int seriesPerInstance = 2;
    int64_t windowS = 1800;
    int64_t stepS = 15;
    bool memorySeries =
        true;  // false: only the CPU families (node_cpu_seconds_total, ceilometer_cpu)

    std::string hostName(int i) const;  // "compute-0007.bench.example"
    std::string uuid(int i) const;      // deterministic UUIDv4-shaped
    size_t seriesCount() const;
    /** One line for the report: resources, series per resource, samples. */
    std::string describe() const;

    /** Writes the OpenMetrics file promtool backfills. */
    void writeOpenMetrics(const std::string& path) const;

    /**
     * Two down scrape targets per host (node and libvirt exporters share one fqdn in real
     * clouds) on closed loopback ports, with a one-day interval so Prometheus barely scrapes.
     */
    std::vector<wds::testing::ScrapeTarget> targets() const;

    /**
     * A running Prometheus backfilled with this data set and scraping targets(); the
     * OpenMetrics file is written in `workDir` and removed once backfilled.
     */
    std::unique_ptr<wds::testing::PrometheusServer> serve(const std::string& workDir) const;
};

}  // namespace wdsbench
