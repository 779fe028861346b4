#include "prometheus_api/PromApiClient.h"

#include <charconv>
#include <cstdint>

#include "errors/DatasourceError.h"
#include "http/PercentEncoding.h"

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
    char text[32];
    char* end = std::to_chars(text, text + 24, unixMs / 1000).ptr;
    const auto millis = static_cast<int>(unixMs % 1000);
    *end++ = '.';
    *end++ = static_cast<char>('0' + millis / 100);
    *end++ = static_cast<char>('0' + millis / 10 % 10);
    *end++ = static_cast<char>('0' + millis % 10);
    return std::string(text, end);
}

namespace {

/** "name=value" for each parameter with a value, `separator` ('?' or '&') before the first. */
void appendParams(std::string& target, const PromApiClient::Params& params, char separator) {
    for (const auto& [name, value] : params) {
        if (value.empty())
            continue;
        target += separator;
        separator = '&';
        appendPercentEncoded(target, name);
        target += '=';
        appendPercentEncoded(target, value);
    }
}

size_t paramsSizeBound(const PromApiClient::Params& params) {
    size_t bound = 0;
    for (const auto& [name, value] : params)
        bound += 2 + 3 * (name.size() + value.size());
    return bound;
}

/** "<ms>ms": the server-side timeout parameter, formatted without allocating. */
std::string_view millisText(std::chrono::milliseconds timeout, char (&buffer)[32]) {
    char* end = std::to_chars(buffer, buffer + 24, timeout.count()).ptr;
    *end++ = 'm';
    *end++ = 's';
    return std::string_view(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace

std::string PromApiClient::send(const HttpRequest& request, const Subject& what) const {
    return retry_.run(what, log_, [&] {
        HttpResponse response = transport_->send(request);
        if (response.status == 200)
            return std::move(response.body);
        throw DatasourceError(statusForHttp(response.status),
                              "HTTP " + std::to_string(response.status) + " for " + what.str() +
                                  ": " + promjson::errorText(response.body) +
                                  (response.status == 403 ? forbiddenHint_ : ""),
                              response.status);
    });
}

std::string PromApiClient::get(const std::string& apiPath, const Params& params,
                               const Subject& what, std::chrono::milliseconds timeout) const {
    HttpRequest request;
    request.target.reserve(apiPrefix_.size() + apiPath.size() + paramsSizeBound(params));
    request.target.append(apiPrefix_).append(apiPath);
    appendParams(request.target, params, '?');
    request.timeout = timeout.count() > 0 ? timeout : defaultTimeout_;
    return send(request, what);
}

std::string PromApiClient::query(const char* queryPath, const promql::Query& query,
                                 const Params& params, std::chrono::milliseconds timeout,
                                 const Subject& what, Via via) const {
    HttpRequest request;
    request.timeout = timeout.count() > 0 ? timeout : defaultTimeout_;
    // Let the server give up (with its own clear error) no later than we would.
    char serverTimeout[32];
    const std::string_view timeoutText = millisText(request.timeout, serverTimeout);
    request.target.append(apiPrefix_).append(queryPath);
    // The parameters are the same either way: after '?' in the URL, or as the form body.
    std::string& form = via == Via::Get ? request.target : request.body;
    form.reserve(form.size() + 32 + query.encodedSizeBound() + paramsSizeBound(params) +
                 timeoutText.size());
    form.append(via == Via::Get ? "?query=" : "query=");
    query.appendPercentEncoded(form);
    appendParams(form, params, '&');
    form.append("&timeout=").append(timeoutText);  // digits and "ms": nothing to encode
    if (via == Via::Post) {
        request.method = "POST";
        request.contentType = "application/x-www-form-urlencoded";
        request.idempotent = true;  // a query only reads
    }
    return send(request, what);
}

std::vector<promjson::Sample> PromApiClient::instantQuery(const promql::Query& query,
                                                          int64_t evalTimeMs,
                                                          std::chrono::milliseconds timeout,
                                                          promjson::Labels labels, Via via) const {
    const auto what = [&] { return "query `" + query.text() + "` at " + baseUrl(); };
    const std::string time = evalTimeMs != 0 ? formatTime(evalTimeMs) : std::string();
    return promjson::decodeInstantVector(
        this->query("query", query, {{"time", time}}, timeout, what, via), what, log_, labels);
}

std::vector<promjson::Series> PromApiClient::instantMatrixQuery(
    const promql::Query& query, int64_t evalTimeMs, std::chrono::milliseconds timeout) const {
    const auto what = [&] { return "query `" + query.text() + "` at " + baseUrl(); };
    const std::string time = evalTimeMs != 0 ? formatTime(evalTimeMs) : std::string();
    return promjson::decodeMatrix(this->query("query", query, {{"time", time}}, timeout, what),
                                  what, log_);
}

std::vector<promjson::Series> PromApiClient::rangeQuery(const promql::Query& query, int64_t startMs,
                                                        int64_t endMs, int64_t stepS,
                                                        std::chrono::milliseconds timeout) const {
    const auto what = [&] { return "range query `" + query.text() + "` at " + baseUrl(); };
    const std::string start = formatTime(startMs);
    const std::string end = formatTime(endMs);
    const std::string step = std::to_string(stepS);
    return promjson::decodeMatrix(
        this->query("query_range", query, {{"start", start}, {"end", end}, {"step", step}}, timeout,
                    what),
        what, log_);
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

std::vector<std::string> PromApiClient::labelValues(const std::string& label,
                                                    const std::string& series, int64_t startMs,
                                                    int64_t endMs,
                                                    std::chrono::milliseconds timeout) const {
    const std::string what = "values of label " + label + " on `" + series + "` at " + baseUrl();
    const std::string start = formatTime(startMs);
    const std::string end = formatTime(endMs);
    // No server-side timeout parameter: the label API has none (Aetos' controller takes only
    // what it forwards); the request's own timeout bounds the call.
    return promjson::decodeStringList(
        get("label/" + percentEncode(label) + "/values",
            {{"match[]", series}, {"start", start}, {"end", end}}, what, timeout),
        what, log_);
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
