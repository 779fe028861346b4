#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "http/HttpTransport.h"
#include "keystone/KeystoneCredentials.h"
#include "logging/Logger.h"
#include "retry/RetryPolicy.h"

namespace wds::aetos {

/** One endpoint of the token's service catalog. */
struct CatalogEndpoint {
    std::string serviceType;
    std::string interface;  // public, internal, admin
    std::string region;
    std::string url;
};

/** A project-scoped Keystone token with what came with it. */
struct KeystoneToken {
    std::string value;  // a secret: never logged
    std::chrono::system_clock::time_point issuedAt;
    std::chrono::system_clock::time_point expiresAt;
    std::vector<CatalogEndpoint> catalog;
};

/** POST /v3/auth/tokens against one Keystone, with the shared retry policy. */
class KeystoneClient {
  public:
    /** `rootPath` is the auth_url's path without a trailing "/v3" ("" or "/identity"). */
    KeystoneClient(std::shared_ptr<HttpTransport> transport, std::string rootPath,
                   KeystoneCredentials credentials, RetryPolicy retry,
                   std::chrono::milliseconds timeout, Logger log);

    /**
     * Issues a new token. 401 -> WDS_E_AUTH naming who was refused (never the secret); transport
     * failures and 5xx are retried, then WDS_E_UNAVAILABLE; a malformed answer WDS_E_PROTOCOL.
     */
    KeystoneToken issueToken() const;

    /** "http://keystone:5000/identity", for messages. */
    std::string url() const { return transport_->baseUrl(); }

    /** Decodes a token answer body (exposed for tests). */
    static KeystoneToken decodeToken(const std::string& body, std::string value,
                                     const std::string& where);

  private:
    std::shared_ptr<HttpTransport> transport_;
    std::string tokensPath_;
    KeystoneCredentials credentials_;
    RetryPolicy retry_;
    std::chrono::milliseconds timeout_;
    Logger log_;
};

/**
 * The URL of `serviceType` at `interface` (public, internal, admin, or keystoneauth's
 * publicURL/internalURL/adminURL spellings) in `region` (empty: any region, as keystoneauth).
 * No match is WDS_E_CONFIG naming service type, interface and region and listing what exists.
 */
std::string findEndpoint(const std::vector<CatalogEndpoint>& catalog,
                         const std::string& serviceType, const std::string& interface,
                         const std::string& region);

/** "publicURL" -> "public"; the valid interface names; anything else is returned unchanged. */
std::string normalizeInterface(const std::string& interface);

}  // namespace wds::aetos
