#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wdsbench {

/**
 * A loopback HTTP stub. It records the exact request bytes the plugin sends, so the floor client
 * can replay the identical GET (URL, headers, keep-alive) against the real Prometheus, and it is
 * a server that is never the bottleneck for the concurrency test (a thread per connection, canned
 * answers): /api/v1/targets lists the given fqdn labels, any other request gets a one-sample
 * vector.
 */
class CaptureServer {
  public:
    /** `record` false: a pure server, no shared lock between its connections. */
    explicit CaptureServer(const std::vector<std::string>& fqdns, bool record = true);
    ~CaptureServer();
    CaptureServer(const CaptureServer&) = delete;
    CaptureServer& operator=(const CaptureServer&) = delete;

    int port() const { return port_; }
    /** The head of the last request received (the plugin's calls are synchronous). */
    std::string last() const;
    /** The heads of every request received since the last takeAll(), in order. */
    std::vector<std::string> takeAll();

  private:
    void serve();
    void handle(int fd);

    int listenFd_ = -1;
    int port_ = 0;
    std::string targetsBody_;
    bool record_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<std::string> heads_;
    std::vector<std::thread> connections_;  // only touched by the accept thread
    std::thread thread_;
};

}  // namespace wdsbench
