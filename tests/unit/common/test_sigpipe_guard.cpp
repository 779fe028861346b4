#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "http/SigpipeGuard.h"

namespace wds {
namespace {

sigset_t sigpipeOnly() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return set;
}

bool sigpipeBlocked() {
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    return sigismember(&mask, SIGPIPE) == 1;
}

// Loading Poco blocks SIGPIPE in the loading thread only (a static initializer in Poco's
// threads code); a host's other threads have it unblocked, which is what these tests recreate.
class SigpipeGuardTest : public testing::Test {
  protected:
    void SetUp() override {
        const sigset_t set = sigpipeOnly();
        pthread_sigmask(SIG_UNBLOCK, &set, &saved_);
    }
    void TearDown() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    sigset_t saved_;
};

TEST_F(SigpipeGuardTest, AWriteToAClosedPeerFailsWithEpipeInsteadOfKillingTheProcess) {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    close(fds[1]);
    {
        const SigpipeGuard guard;
        // Without the guard this write raises SIGPIPE, whose default action ends the process.
        EXPECT_EQ(write(fds[0], "x", 1), -1);
        EXPECT_EQ(errno, EPIPE);
    }
    close(fds[0]);

    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "the guard left a SIGPIPE pending";
    EXPECT_FALSE(sigpipeBlocked()) << "the guard left SIGPIPE blocked";
}

TEST_F(SigpipeGuardTest, RestoresACallersBlockedMask) {
    const sigset_t set = sigpipeOnly();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    { const SigpipeGuard guard; }
    EXPECT_TRUE(sigpipeBlocked());
}

}  // namespace
}  // namespace wds
