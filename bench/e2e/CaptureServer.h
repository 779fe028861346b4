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
 * answers): /api/v1/targets lists the given fqdn labels, label values are an empty list, any
 * other request gets a one-sample vector. As a proxy (upstream(PORT)) it records the same way but
 * forwards every request to a real server on 127.0.0.1:PORT and relays its answer (status and body,
 * re-framed with a Content-Length), for clients whose requests depend on real answers.
 */
class CaptureServer {
  public:
    /** `record` false: a pure server, no shared lock between its connections. `upstreamPort`
     *  > 0: a recording proxy in front of the server on 127.0.0.1:upstreamPort (no fqdns). */
    explicit CaptureServer(const std::vector<std::string>& fqdns, bool record = true,
                           int upstreamPort = 0);
    ~CaptureServer();
    CaptureServer(const CaptureServer&) = delete;
    CaptureServer& operator=(const CaptureServer&) = delete;

    int port() const { return port_; }
    /** The last request received, head and body (the plugin's calls are synchronous). */
    std::string last() const;
    /** Every request received since the last takeAll(), head and body, in order. */
    std::vector<std::string> takeAll();

  private:
    void serve();
    void handle(int fd);

    int listenFd_ = -1;
    int port_ = 0;
    std::string targetsBody_;
    bool record_;
    int upstreamPort_;  // > 0: forward every request there
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
    std::vector<std::thread> connections_;  // only touched by the accept thread
    std::thread thread_;
};

}  // namespace wdsbench
