#pragma once

#include <map>
#include <string>

namespace wds::testing {
class PrometheusServer;
}

// What Prometheus says about its own work: where a ratio against the floor cannot tell whether
// the client or the server is slow, these numbers from the server's side can.
namespace wdsbench {

/** Garbage collections the Prometheus process has run so far (go_gc_duration_seconds_count). */
long serverGcCount(const wds::testing::PrometheusServer& prom);

/**
 * HTTP requests Prometheus has answered so far, per handler ("/api/v1/query", ...; every status
 * code summed), from its prometheus_http_requests_total counter, less the /metrics requests
 * (these reads). A handler's count grows before its answer is complete on the client's side.
 */
std::map<std::string, long> serverRequests(const wds::testing::PrometheusServer& prom);

/** The change of every handler from `before` to `after`, without the handlers that kept still. */
std::map<std::string, long> requestsBetween(const std::map<std::string, long>& before,
                                            const std::map<std::string, long>& after);

/** Prometheus's own account of one query (the `stats=all` parameter of the query API). */
struct QueryStats {
    double innerEvalMs = 0;     // evaluating the expression: selecting series, reading samples
    long queryableSamples = 0;  // samples the query read
};

/**
 * Asks the query in `requestHead` (a captured GET /api/v1/query request) again with
 * `stats=all` and returns the server's timings. Throws std::runtime_error when the answer has
 * none.
 */
QueryStats queryStats(const wds::testing::PrometheusServer& prom, const std::string& requestHead);

}  // namespace wdsbench
