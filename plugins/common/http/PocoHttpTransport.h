#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>

#include "http/Endpoint.h"
#include "http/HttpTransport.h"

namespace wds {

/**
 * HttpTransport with Poco for what is hard (connecting, TLS, certificate checks) and a lean
 * HTTP/1.1 client of its own for the exchange: the request is formatted into a reused buffer and
 * sent at once, the response parsed by HttpResponseParser as it arrives. Connections are kept
 * alive in a small pool guarded by a per-transport mutex (each concurrent caller borrows its
 * own). TLS goes through an explicit per-transport Context (never Poco's global SSLManager
 * defaults). The request timeout is one deadline over connect, send and receive (a receive may
 * outlast it by 2 ms, which spares a syscall per request).
 */
class PocoHttpTransport : public HttpTransport {
  public:
    struct BasicAuth {
        std::string username;
        std::string password;
    };

    /** Bodies above this are refused unless the constructor is given another limit. */
    static constexpr size_t kDefaultMaxBodyBytes = size_t{64} << 20;

    /** Throws DatasourceError(WDS_E_CONFIG or WDS_E_TLS) if the TLS files cannot be loaded. */
    PocoHttpTransport(Endpoint endpoint, const TlsSettings& tls,
                      const std::optional<BasicAuth>& auth,
                      size_t maxBodyBytes = kDefaultMaxBodyBytes);
    ~PocoHttpTransport() override;

    HttpResponse send(const HttpRequest& request) override;
    std::string baseUrl() const override { return baseUrl_; }

  private:
    struct Connection;
    using ConnectionPtr = std::unique_ptr<Connection>;
    using Clock = std::chrono::steady_clock;

    ConnectionPtr acquire(Clock::time_point now, Clock::time_point deadline, bool probe,
                          bool& reused);
    ConnectionPtr connect(Clock::time_point deadline) const;
    void release(ConnectionPtr connection);
    void formatRequest(const HttpRequest& request, std::string& out) const;
    HttpResponse exchange(Connection& connection, const HttpRequest& request,
                          Clock::time_point deadline, bool& reusable) const;

    Endpoint endpoint_;
    std::string baseUrl_;              // for messages; never contains credentials
    Poco::Net::Context::Ptr context_;  // null for plain http
    std::string fixedHeaders_;  // Host, User-Agent, Accept, Authorization lines, formatted once
    size_t maxBodyBytes_;

    std::mutex mutex_;
    std::vector<ConnectionPtr> idle_;
};

}  // namespace wds
