#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errors/Subject.h"
#include "http/HttpTransport.h"
#include "json/PromResponse.h"
#include "logging/Logger.h"
#include "promql/QueryTemplate.h"
#include "retry/RetryPolicy.h"

namespace wds {

/**
 * The Prometheus HTTP API (/api/v1/...) over an HttpTransport, with the retry policy applied to
 * every request and HTTP statuses turned into wds statuses: 401/403 -> WDS_E_AUTH, 429/5xx ->
 * WDS_E_UNAVAILABLE (retried), other non-200 -> WDS_E_PROTOCOL, each with the server's error text.
 */
class PromApiClient {
  public:
    /** Query parameters, percent-encoded into the target; an empty value leaves one out. */
    using Params = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    PromApiClient(std::shared_ptr<HttpTransport> transport, std::string rootPath, RetryPolicy retry,
                  std::chrono::milliseconds defaultTimeout, Logger log);

    /** How a query travels: in the URL, or as a form body that no URL length limits. */
    enum class Via { Get, Post };

    /**
     * GET (or POST) /api/v1/query; evalTimeMs 0 = the server's now; timeout 0 = the default.
     * Labels::Skip when the caller needs only the values.
     */
    std::vector<promjson::Sample> instantQuery(const promql::Query& query, int64_t evalTimeMs,
                                               std::chrono::milliseconds timeout,
                                               promjson::Labels labels = promjson::Labels::Keep,
                                               Via via = Via::Get) const;
    /** GET /api/v1/query of an expression whose result is a range vector (a subquery). */
    std::vector<promjson::Series> instantMatrixQuery(const promql::Query& query, int64_t evalTimeMs,
                                                     std::chrono::milliseconds timeout) const;
    /** GET /api/v1/query_range from startMs to endMs every stepS seconds. */
    std::vector<promjson::Series> rangeQuery(const promql::Query& query, int64_t startMs,
                                             int64_t endMs, int64_t stepS,
                                             std::chrono::milliseconds timeout) const;
    /** GET /api/v1/targets?state=active: values of `label` over the active targets. */
    std::vector<std::string> activeTargetLabelValues(const std::string& label) const;
    /** GET /api/v1/label/<name>/values */
    std::vector<std::string> labelValues(const std::string& label) const;
    /**
     * GET /api/v1/label/<name>/values?match[]=<series>&start=<s>&end=<s>: the values of `label`
     * on the series `series` selects with samples in [startMs, endMs] (as far as the backend's
     * index resolves time); timeout 0 = the default. In the backend's order, unchecked.
     */
    std::vector<std::string> labelValues(const std::string& label, const std::string& series,
                                         int64_t startMs, int64_t endMs,
                                         std::chrono::milliseconds timeout) const;
    /**
     * check_availability's probe: GET /api/v1/status/runtimeinfo, as Watcher does. A server that
     * has no such page (VictoriaMetrics 1.79 answers 400, other Prometheus-API backends 404) is
     * probed with the query `1` instead, which every such backend answers. Connection failures,
     * timeouts, 5xx and 401/403 never fall back: they are the answer. Throws unless the probe
     * succeeds; logs (info) which probe answered and returns its path and query.
     */
    std::string checkAvailability() const;

    const std::string& baseUrl() const { return baseUrl_; }

    /** Appended to HTTP 403 errors, e.g. which role the backend requires. */
    void setForbiddenHint(std::string hint) { forbiddenHint_ = std::move(hint); }
    const Logger& logger() const { return log_; }

    /** "1700000000.500" for 1700000000500 ms (>= 0): Prometheus' float-seconds time format. */
    static std::string formatTime(int64_t unixMs);

  private:
    /**
     * GETs /api/v1/<queryPath>?query=...&<params>&timeout=... (or POSTs the same parameters as
     * a form); returns the body.
     */
    std::string query(const char* queryPath, const promql::Query& query, const Params& params,
                      std::chrono::milliseconds timeout, const Subject& what,
                      Via via = Via::Get) const;

    /** GETs apiPath (relative to /api/v1/) and returns the body of a 200 answer. */
    std::string get(const std::string& apiPath, const Params& params, const Subject& what,
                    std::chrono::milliseconds timeout) const;
    /** Sends `request` with the retry policy; the body of a 200 answer. */
    std::string send(const HttpRequest& request, const Subject& what) const;

    std::shared_ptr<HttpTransport> transport_;
    std::string baseUrl_;  // for messages; built once, not on every query
    std::string apiPrefix_;
    RetryPolicy retry_;
    std::chrono::milliseconds defaultTimeout_;
    Logger log_;
    std::string forbiddenHint_;
};

}  // namespace wds
