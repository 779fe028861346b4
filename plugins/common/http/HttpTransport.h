#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace wds {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string target;  // path and query, already percent-encoded, e.g. "/api/v1/query?query=up"
    HttpHeaders headers;
    std::string body;  // sent with Content-Type `contentType` when not empty
    std::string contentType = "application/json";
    // GET always is; a POST that only reads (a PromQL query) may say so, and is then sent on a
    // kept-alive connection and re-sent once when that connection turns out closed.
    bool idempotent = false;
    std::chrono::milliseconds timeout{30000};
    /** Response headers the caller needs (e.g. "X-Subject-Token"); others are not copied. */
    std::vector<std::string> responseHeaders;
};

struct HttpResponse {
    HttpResponse() = default;
    HttpResponse(int statusCode, std::string bodyText)
        : status(statusCode), body(std::move(bodyText)) {}

    int status = 0;
    std::string body;
    HttpHeaders headers;  // only those named in HttpRequest::responseHeaders, when present

    /** The value of a collected response header, or "" (names compare case-insensitively). */
    std::string header(const std::string& name) const;
};

/**
 * Sends HTTP requests to one endpoint. The seam between the Prometheus API logic and the network:
 * unit tests mock it, integration tests run the real implementation against real servers.
 * Implementations are safe to call from several threads at once.
 */
class HttpTransport {
  public:
    virtual ~HttpTransport() = default;

    /**
     * Any HTTP status is returned as a response. Transport failures throw DatasourceError:
     * WDS_E_UNAVAILABLE (refused, reset, DNS), WDS_E_TIMEOUT, WDS_E_TLS, WDS_E_PROTOCOL
     * (malformed HTTP, body over the size cap).
     */
    virtual HttpResponse send(const HttpRequest& request) = 0;

    /** "scheme://host:port/root" for messages; never contains credentials. */
    virtual std::string baseUrl() const = 0;
};

}  // namespace wds
