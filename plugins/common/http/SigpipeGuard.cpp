#include "http/SigpipeGuard.h"

#include <pthread.h>

#include <ctime>

namespace wds {
namespace {

sigset_t sigpipeSet() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return set;
}

bool sigpipePending() {
    sigset_t pending;
    sigemptyset(&pending);
    return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

SigpipeGuard::SigpipeGuard() {
    const sigset_t set = sigpipeSet();
    wasPending_ = sigpipePending();
    pthread_sigmask(SIG_BLOCK, &set, &previousMask_);
}

SigpipeGuard::~SigpipeGuard() {
    // Discard a SIGPIPE our writes raised, but never one that was pending before us.
    if (!wasPending_ && sigpipePending()) {
        const sigset_t set = sigpipeSet();
        const timespec noWait{0, 0};
        sigtimedwait(&set, nullptr, &noWait);
    }
    pthread_sigmask(SIG_SETMASK, &previousMask_, nullptr);
}

}  // namespace wds
