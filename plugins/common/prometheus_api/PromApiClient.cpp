#include "prometheus_api/PromApiClient.h"

#include "errors/DatasourceError.h"

namespace wds {
namespace {

wds_status statusForHttp(int http) {
    if (http == 401 || http == 403)
        return WDS_E_AUTH;
    if (http == 429 || (http >= 500 && http <= 599))
        return WDS_E_UNAVAILABLE;
    return WDS_E_PROTOCOL;
}

}  // namespace

PromApiClient::PromApiClient(std::shared_ptr<HttpTransport> transport, std::string rootPath,
                             RetryPolicy retry, std::chrono::milliseconds defaultTimeout,
                             Logger log)
    : transport_(std::move(transport)),
      baseUrl_(transport_->baseUrl()),
      apiPrefix_(std::move(rootPath) + "/api/v1/"),
      retry_(std::move(retry)),
      defaultTimeout_(defaultTimeout),
      log_(std::move(log)) {}

std::string PromApiClient::formatTime(int64_t unixMs) {
    std::string millis = std::to_string(unixMs % 1000);
    return std::to_string(unixMs / 1000) + "." + std::string(3 - millis.size(), '0') + millis;
}

std::string PromApiClient::percentEncode(const std::string& text) {
    static const char* const kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3 / 2);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::string PromApiClient::get(const std::string& apiPath, const Params& params,
                               const std::string& what, std::chrono::milliseconds timeout) const {
    HttpRequest request;
    request.target = apiPrefix_ + apiPath;
    for (size_t i = 0; i < params.size(); ++i) {
        request.target += (i == 0 ? '?' : '&');
        request.target += percentEncode(params[i].first) + "=" + percentEncode(params[i].second);
    }
    request.timeout = timeout.count() > 0 ? timeout : defaultTimeout_;

    return retry_.run(what, log_, [&] {
        HttpResponse response = transport_->send(request);
        if (response.status == 200)
            return std::move(response.body);
        throw DatasourceError(statusForHttp(response.status),
                              "HTTP " + std::to_string(response.status) + " for " + what + ": " +
                                  promjson::errorText(response.body) +
                                  (response.status == 403 ? forbiddenHint_ : ""),
                              response.status);
    });
}

std::string PromApiClient::query(const std::string& promql, int64_t evalTimeMs,
                                 std::chrono::milliseconds timeout, const std::string& what) const {
    Params params{{"query", promql}};
    if (evalTimeMs != 0)
        params.emplace_back("time", formatTime(evalTimeMs));
    const auto effective = timeout.count() > 0 ? timeout : defaultTimeout_;
    // Let the server give up (with its own clear error) no later than we would.
    params.emplace_back("timeout", std::to_string(effective.count()) + "ms");
    return get("query", params, what, effective);
}

std::vector<promjson::Sample> PromApiClient::instantQuery(const std::string& promql,
                                                          int64_t evalTimeMs,
                                                          std::chrono::milliseconds timeout) const {
    const std::string what = "query `" + promql + "` at " + baseUrl();
    return promjson::decodeInstantVector(query(promql, evalTimeMs, timeout, what), what, log_);
}

std::vector<promjson::Series> PromApiClient::instantMatrixQuery(
    const std::string& promql, int64_t evalTimeMs, std::chrono::milliseconds timeout) const {
    const std::string what = "query `" + promql + "` at " + baseUrl();
    return promjson::decodeMatrix(query(promql, evalTimeMs, timeout, what), what, log_);
}

std::vector<promjson::Series> PromApiClient::rangeQuery(const std::string& promql, int64_t startMs,
                                                        int64_t endMs, int64_t stepS,
                                                        std::chrono::milliseconds timeout) const {
    const auto effective = timeout.count() > 0 ? timeout : defaultTimeout_;
    const Params params{{"query", promql},
                        {"start", formatTime(startMs)},
                        {"end", formatTime(endMs)},
                        {"step", std::to_string(stepS)},
                        {"timeout", std::to_string(effective.count()) + "ms"}};
    const std::string what = "range query `" + promql + "` at " + baseUrl();
    return promjson::decodeMatrix(get("query_range", params, what, effective), what, log_);
}

std::vector<std::string> PromApiClient::activeTargetLabelValues(const std::string& label) const {
    const std::string what = "active targets at " + baseUrl();
    return promjson::decodeTargetLabelValues(
        get("targets", {{"state", "active"}}, what, defaultTimeout_), label, what, log_);
}

std::vector<std::string> PromApiClient::labelValues(const std::string& label) const {
    const std::string what = "values of label " + label + " at " + baseUrl();
    return promjson::decodeStringList(
        get("label/" + percentEncode(label) + "/values", {}, what, defaultTimeout_), what, log_);
}

std::string PromApiClient::checkAvailability() const {
    const std::string runtimeInfo = "/api/v1/status/runtimeinfo";
    try {
        const std::string what = "runtime info at " + baseUrl();
        promjson::decodeSuccess(get("status/runtimeinfo", {}, what, defaultTimeout_), what, log_);
        log_.info("available at " + baseUrl() + ": " + runtimeInfo + " answered");
        return runtimeInfo;
    } catch (const DatasourceError& e) {
        // 400/404 mean "no such page"; anything else (auth, unavailable, timeout) is the answer.
        if (e.httpStatus() != 400 && e.httpStatus() != 404)
            throw;
        const std::string query = "/api/v1/query?query=1";
        const std::string missing =
            "HTTP " + std::to_string(e.httpStatus()) + " from " + runtimeInfo;
        const std::string what =
            "availability query `1` at " + baseUrl() + " (after " + missing + ")";
        promjson::decodeSuccess(get("query", {{"query", "1"}}, what, defaultTimeout_), what, log_);
        log_.info("available at " + baseUrl() + ": " + query + " answered (" + missing + ")");
        return query;
    }
}

}  // namespace wds
