#include "ServerStats.h"

#include <cstdlib>
#include <stdexcept>

#include "servers/PrometheusServer.h"

namespace wdsbench {
namespace {

/** The number after `"key":` (JSON) or `key ` (exposition format) in `text`. */
double numberAfter(const std::string& text, const std::string& key, const std::string& what) {
    const size_t at = text.find(key);
    if (at == std::string::npos)
        throw std::runtime_error(what + ": no " + key + " in the server's answer");
    return std::strtod(text.c_str() + at + key.size(), nullptr);
}

}  // namespace

long serverGcCount(const wds::testing::PrometheusServer& prom) {
    const std::string body = prom.get("/metrics").body;
    return static_cast<long>(numberAfter(body, "\ngo_gc_duration_seconds_count ", "/metrics"));
}

std::map<std::string, long> serverRequests(const wds::testing::PrometheusServer& prom) {
    const std::string body = prom.get("/metrics").body;
    std::map<std::string, long> counts;
    const std::string family = "\nprometheus_http_requests_total{";
    for (size_t at = body.find(family); at != std::string::npos; at = body.find(family, at + 1)) {
        const size_t end = body.find('\n', at + 1);
        const std::string line = body.substr(at + 1, end - at - 1);
        const size_t handler = line.find("handler=\"");
        const size_t close = line.find('}');
        if (handler == std::string::npos || close == std::string::npos)
            continue;
        const size_t nameStart = handler + 9;
        const std::string name = line.substr(nameStart, line.find('"', nameStart) - nameStart);
        if (name != "/metrics")
            counts[name] += static_cast<long>(std::strtod(line.c_str() + close + 1, nullptr));
    }
    return counts;
}

std::map<std::string, long> requestsBetween(const std::map<std::string, long>& before,
                                            const std::map<std::string, long>& after) {
    std::map<std::string, long> changed;
    for (const auto& [handler, count] : after) {
        const auto was = before.find(handler);
        const long delta = count - (was == before.end() ? 0 : was->second);
        if (delta != 0)
            changed[handler] = delta;
    }
    return changed;
}

QueryStats queryStats(const wds::testing::PrometheusServer& prom, const std::string& requestHead) {
    // "GET <path-and-query> HTTP/1.1\r\n...": the same query, with the server's statistics. A
    // POST's parameters are its form body; Go's server takes them in a URL as long as that.
    const size_t pathStart = requestHead.find(' ') + 1;
    const size_t pathEnd = requestHead.find(' ', pathStart);
    if (pathStart == 0 || pathEnd == std::string::npos)
        throw std::runtime_error("not a request head: " + requestHead.substr(0, 80));
    const size_t bodyStart = requestHead.find("\r\n\r\n");
    const std::string form =
        bodyStart == std::string::npos ? std::string() : requestHead.substr(bodyStart + 4);
    const std::string path = requestHead.substr(pathStart, pathEnd - pathStart) +
                             (form.empty() ? "" : "?" + form) + "&stats=all";
    const std::string body = prom.get(path).body;
    QueryStats stats;
    stats.innerEvalMs = 1000 * numberAfter(body, "\"innerEvalTime\":", path);
    stats.queryableSamples =
        static_cast<long>(numberAfter(body, "\"totalQueryableSamples\":", path));
    return stats;
}

}  // namespace wdsbench
