#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "keystone/KeystoneClient.h"
#include "logging/Logger.h"

namespace wds::aetos {

/**
 * The source's Keystone token, shared by all threads: renewed shortly before it expires, and
 * after the server rejects it (401). One renewal at a time; callers that wait for it get its
 * result instead of starting another (no re-authentication stampede).
 */
class TokenCache {
  public:
    using Issue = std::function<KeystoneToken()>;
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    TokenCache(Issue issue, Logger log, Clock clock = {});

    /** Starts with a token already issued (the one create() used for discovery). */
    void prime(KeystoneToken token);

    /** A token that is not about to expire; renews first when it is. */
    std::string token();

    /**
     * Called after the server answered 401 to `rejected`: renews unless another caller already
     * did, and returns the token to retry with.
     */
    std::string renewAfterRejection(const std::string& rejected);

    /** How long before expiry a token is renewed: a quarter of its life, at most 2 minutes. */
    static std::chrono::system_clock::duration renewalMargin(const KeystoneToken& token);

  private:
    void renewLocked(const char* why);

    Issue issue_;
    Logger log_;
    Clock clock_;
    std::mutex mutex_;
    KeystoneToken current_;
    std::chrono::system_clock::time_point renewAt_{};
};

}  // namespace wds::aetos
