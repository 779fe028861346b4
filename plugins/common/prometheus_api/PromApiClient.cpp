#include "prometheus_api/PromApiClient.h"

#include <charconv>
#include <cstdint>
#include <cstring>

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

/** Each byte as it appears in a query: itself if RFC 3986 unreserved, else %XX. */
struct EncodingTable {
    struct Entry {
        char text[4];  // 4 bytes so that one fixed-size copy writes any entry
        uint8_t size;
    };
    Entry entries[256] = {};
    constexpr EncodingTable() {
        constexpr char kHex[] = "0123456789ABCDEF";
        for (int c = 0; c < 256; ++c) {
            const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                    c == '~';
            Entry& e = entries[c];
            if (unreserved) {
                e.text[0] = static_cast<char>(c);
                e.size = 1;
            } else {
                e.text[0] = '%';
                e.text[1] = kHex[c >> 4];
                e.text[2] = kHex[c & 0xF];
                e.size = 3;
            }
        }
    }
};
constexpr EncodingTable kEncoding;

}  // namespace

void PromApiClient::appendPercentEncoded(std::string& out, std::string_view text) {
    // Room for the worst case once (+1: every copy writes 4 bytes), branch-free copies from the
    // table, one final trim.
    const size_t start = out.size();
    out.resize(start + text.size() * 3 + 1);
    char* next = out.data() + start;
    for (const char ch : text) {
        const EncodingTable::Entry& e = kEncoding.entries[static_cast<unsigned char>(ch)];
        std::memcpy(next, e.text, sizeof e.text);
        next += e.size;
    }
    out.resize(static_cast<size_t>(next - out.data()));
}

std::string PromApiClient::percentEncode(std::string_view text) {
    std::string out;
    appendPercentEncoded(out, text);
    return out;
}

std::string PromApiClient::get(const std::string& apiPath, const Params& params,
                               const std::string& what, std::chrono::milliseconds timeout) const {
    HttpRequest request;
    size_t worstCase = apiPrefix_.size() + apiPath.size();
    for (const auto& [name, value] : params)
        worstCase += 2 + 3 * (name.size() + value.size());
    request.target.reserve(worstCase);
    request.target.append(apiPrefix_).append(apiPath);
    char separator = '?';
    for (const auto& [name, value] : params) {
        if (value.empty())
            continue;
        request.target += separator;
        separator = '&';
        appendPercentEncoded(request.target, name);
        request.target += '=';
        appendPercentEncoded(request.target, value);
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

namespace {

/** "<ms>ms": the server-side timeout parameter, formatted without allocating. */
std::string_view millisText(std::chrono::milliseconds timeout, char (&buffer)[32]) {
    char* end = std::to_chars(buffer, buffer + 24, timeout.count()).ptr;
    *end++ = 'm';
    *end++ = 's';
    return std::string_view(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace

std::string PromApiClient::query(const std::string& promql, int64_t evalTimeMs,
                                 std::chrono::milliseconds timeout, const std::string& what) const {
    const std::string time = evalTimeMs != 0 ? formatTime(evalTimeMs) : std::string();
    const auto effective = timeout.count() > 0 ? timeout : defaultTimeout_;
    // Let the server give up (with its own clear error) no later than we would.
    char serverTimeout[32];
    return get(
        "query",
        {{"query", promql}, {"time", time}, {"timeout", millisText(effective, serverTimeout)}},
        what, effective);
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
    const std::string start = formatTime(startMs);
    const std::string end = formatTime(endMs);
    const std::string step = std::to_string(stepS);
    char serverTimeout[32];
    const std::string what = "range query `" + promql + "` at " + baseUrl();
    const std::string body = get("query_range",
                                 {{"query", promql},
                                  {"start", start},
                                  {"end", end},
                                  {"step", step},
                                  {"timeout", millisText(effective, serverTimeout)}},
                                 what, effective);
    return promjson::decodeMatrix(body, what, log_);
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
