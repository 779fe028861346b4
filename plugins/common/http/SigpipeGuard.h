#pragma once

#include <signal.h>

namespace wds {

/**
 * Keeps a write to a socket the peer has reset from raising SIGPIPE, which would kill the host
 * process: Poco 1.11 sends without MSG_NOSIGNAL, and OpenSSL writes with plain write(). SIGPIPE
 * from a write is directed at the writing thread, so blocking it in this thread for the duration
 * of a request (and discarding one raised meanwhile) affects nobody else in the process; the
 * write then fails with EPIPE, which Poco reports as an exception.
 */
class SigpipeGuard {
  public:
    SigpipeGuard();
    ~SigpipeGuard();
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

  private:
    sigset_t previousMask_;
    bool wasPending_ = false;
};

}  // namespace wds
