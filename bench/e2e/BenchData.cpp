#include "BenchData.h"

#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>

#include "servers/Http.h"

namespace wdsbench {

std::string BenchData::hostName(int i) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "compute-%04d.bench.example", i);
    return buf;
}

std::string BenchData::uuid(int i) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", 0x10000000u + i, i * 7919u);
    return buf;
}

size_t BenchData::seriesCount() const {
    const size_t perHost = kCpus * 4 + (memorySeries ? 2 : 0);
    const size_t perInstance = static_cast<size_t>(seriesPerInstance) * (memorySeries ? 2 : 1);
    return static_cast<size_t>(hosts) * perHost + static_cast<size_t>(instances) * perInstance;
}

std::string BenchData::describe() const {
    const std::string memory = memorySeries ? " + 2 memory series" : "";
    return std::to_string(hosts) + " hosts (" + std::to_string(kCpus) + " CPUs x 4 modes" + memory +
           " each, 2 scrape targets each), " + std::to_string(instances) + " instances (" +
           std::to_string(seriesPerInstance) + " series per metric" +
           (memorySeries ? "" : ", CPU only") + ", distinct orig_timestamp); " +
           std::to_string(seriesCount()) + " series x " + std::to_string(windowS / stepS + 1) +
           " samples (" + std::to_string(windowS / 60) + " min every " + std::to_string(stepS) +
           " s)";
}

void BenchData::writeOpenMetrics(const std::string& path) const {
    // Plain stdio: the file has ~10^5-10^6 lines and iostreams would dominate the set-up time.
    std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(path.c_str(), "w"), &std::fclose);
    if (!out)
        throw std::runtime_error("cannot write " + path);
    FILE* f = out.get();
    const int64_t start = kEnd - windowS;
    // One series: a linear function of time, ascending samples (promtool needs that order).
    const auto series = [&](const char* name, const std::string& labels, double v0, double slope) {
        for (int64_t t = start; t <= kEnd; t += stepS)
            std::fprintf(f, "%s{%s} %.17g %lld\n", name, labels.c_str(),
                         v0 + slope * static_cast<double>(t - start), static_cast<long long>(t));
    };
    std::fputs("# TYPE node_cpu_seconds counter\n", f);
    const char* const modes[] = {"idle", "user", "system", "iowait"};
    const double shares[] = {0.6, 0.3, 0.07, 0.03};
    for (int h = 0; h < hosts; ++h) {
        const std::string host = hostName(h);
        for (int c = 0; c < kCpus; ++c) {
            const double busy = 0.05 * ((h + c) % 19);  // varies by host and CPU
            for (int m = 0; m < 4; ++m) {
                const double rate = m == 0 ? 1.0 - busy : busy * shares[m] / 0.4;
                series("node_cpu_seconds_total",
                       "cpu=\"" + std::to_string(c) + "\",fqdn=\"" + host + "\",instance=\"" +
                           host + ":9100\",job=\"node\",mode=\"" + modes[m] + "\"",
                       1e6, rate);
            }
        }
    }
    for (const char* family : {"node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes"}) {
        if (!memorySeries)
            break;
        const bool total = std::string(family) == "node_memory_MemTotal_bytes";
        std::fprintf(f, "# TYPE %s gauge\n", family);
        for (int h = 0; h < hosts; ++h) {
            const std::string host = hostName(h);
            const double gib = 1024.0 * 1024.0 * 1024.0;
            series(family, "fqdn=\"" + host + "\",instance=\"" + host + ":9100\",job=\"node\"",
                   total ? 64 * gib : (8 + h % 40) * gib, total ? 0.0 : -1024.0 * (h % 7));
        }
    }
    for (const char* family : {"ceilometer_cpu", "ceilometer_memory_usage"}) {
        const bool cpu = std::string(family) == "ceilometer_cpu";
        if (!cpu && !memorySeries)
            break;
        std::fprintf(f, "# TYPE %s %s\n", family, cpu ? "unknown" : "gauge");
        for (int i = 0; i < instances; ++i) {
            for (int s = 1; s <= seriesPerInstance; ++s) {
                series(family,
                       "orig_timestamp=\"" + std::to_string(s) + "\",project=\"p" +
                           std::to_string(i % 10) + "\",resource=\"" + uuid(i) + "\"",
                       cpu ? 1e12 : 1024.0 * (1 + i % 8), cpu ? 1e8 * (1 + (i + s) % 9) : 0.01 * s);
            }
        }
    }
    std::fputs("# EOF\n", f);
    if (std::ferror(f))
        throw std::runtime_error("error writing " + path);
}

std::vector<wds::testing::ScrapeTarget> BenchData::targets() const {
    // A few closed ports serve all targets: the fqdn label keeps the targets distinct.
    std::vector<int> ports;
    for (std::set<int> seen; ports.size() < 8;) {
        const int port = wds::testing::freeLoopbackPort();
        if (seen.insert(port).second)
            ports.push_back(port);
    }
    std::vector<wds::testing::ScrapeTarget> out;
    for (int h = 0; h < hosts; ++h) {
        for (const char* job : {"node", "libvirt"}) {
            const std::string address =
                "127.0.0.1:" + std::to_string(ports[(h * 2 + (job[0] == 'l')) % ports.size()]);
            out.push_back({address, job, {{"fqdn", hostName(h)}}, 86400});
        }
    }
    return out;
}

std::unique_ptr<wds::testing::PrometheusServer> BenchData::serve(const std::string& workDir) const {
    const std::string file = workDir + "/data.om";
    writeOpenMetrics(file);
    wds::testing::PrometheusOptions options;
    options.openMetricsFile = file;
    options.targets = targets();
    options.readyTimeout = std::chrono::seconds(240);
    auto prom = std::make_unique<wds::testing::PrometheusServer>(options);
    prom->start();
    std::remove(file.c_str());
    return prom;
}

}  // namespace wdsbench
