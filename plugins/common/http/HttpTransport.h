#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace wds {

struct HttpRequest {
    std::string target;  // path and query, already percent-encoded, e.g. "/api/v1/query?query=up"
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout{30000};
};

struct HttpResponse {
    int status = 0;
    std::string body;
};

/**
 * Sends HTTP GETs to one endpoint. The seam between the Prometheus API logic and the network:
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
    virtual HttpResponse get(const HttpRequest& request) = 0;

    /** "scheme://host:port/root" for messages; never contains credentials. */
    virtual std::string baseUrl() const = 0;
};

}  // namespace wds
