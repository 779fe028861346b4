#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include "http/Endpoint.h"
#include "http/HttpTransport.h"

namespace wds {

/**
 * HttpTransport over Poco: a small mutex-guarded pool of kept-alive sessions (HTTPClientSession
 * is not thread-safe, so each concurrent caller borrows its own), TLS through an explicit
 * per-transport Context (never Poco's global SSLManager defaults), optional basic auth.
 */
class PocoHttpTransport : public HttpTransport {
  public:
    struct BasicAuth {
        std::string username;
        std::string password;
    };

    /** Throws DatasourceError(WDS_E_CONFIG or WDS_E_TLS) if the TLS files cannot be loaded. */
    PocoHttpTransport(Endpoint endpoint, const TlsSettings& tls,
                      const std::optional<BasicAuth>& auth, size_t maxBodyBytes);
    ~PocoHttpTransport() override;

    HttpResponse send(const HttpRequest& request) override;
    std::string baseUrl() const override { return endpoint_.url(); }

  private:
    using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;

    Session acquire(bool& reused);
    void release(Session session);
    HttpResponse exchange(Poco::Net::HTTPClientSession& session, const HttpRequest& request,
                          bool& reusable);

    Endpoint endpoint_;
    Poco::Net::Context::Ptr context_;  // null for plain http
    std::string authorization_;        // precomputed "Basic ..." header value, or empty
    size_t maxBodyBytes_;

    std::mutex mutex_;
    std::vector<Session> idle_;
};

}  // namespace wds
