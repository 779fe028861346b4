#include "keystone/TokenCache.h"

#include <algorithm>

namespace wds::aetos {

TokenCache::TokenCache(Issue issue, Logger log, Clock clock)
    : issue_(std::move(issue)),
      log_(std::move(log)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

std::chrono::system_clock::duration TokenCache::renewalMargin(const KeystoneToken& token) {
    const auto life =
        std::max(token.expiresAt - token.issuedAt, std::chrono::system_clock::duration::zero());
    return std::min<std::chrono::system_clock::duration>(life / 4, std::chrono::minutes(2));
}

void TokenCache::prime(KeystoneToken token) {
    std::lock_guard<std::mutex> lock(mutex_);
    renewAt_ = token.expiresAt - renewalMargin(token);
    current_ = std::move(token);
}

void TokenCache::renewLocked(const char* why) {
    log_.info(std::string("renewing the Keystone token: ") + why);
    KeystoneToken token = issue_();
    renewAt_ = token.expiresAt - renewalMargin(token);
    current_ = std::move(token);
}

std::string TokenCache::token() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_.value.empty() || clock_() >= renewAt_)
        renewLocked("it expires soon");
    return current_.value;
}

std::string TokenCache::renewAfterRejection(const std::string& rejected) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_.value == rejected)
        renewLocked("the server rejected it (401)");
    return current_.value;
}

}  // namespace wds::aetos
