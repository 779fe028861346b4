#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wdsbench {

/**
 * The floor: the cheapest way to get the plugin's HTTP exchange done. It writes the request
 * bytes verbatim on one kept-alive loopback socket and reads exactly one response (just enough
 * HTTP framing — Content-Length or chunked — to find its end; the body is skipped, never parsed).
 * Not thread-safe: one client per thread.
 */
class FloorClient {
  public:
    struct Reply {
        int status = 0;
        size_t bodyBytes = 0;
    };

    explicit FloorClient(int port);
    ~FloorClient();
    FloorClient(const FloorClient&) = delete;
    FloorClient& operator=(const FloorClient&) = delete;

    /** Throws std::runtime_error on network or framing errors. With `body`, the response's
     *  body is stored there (chunks joined) instead of skipped: a capture proxy's upstream. */
    Reply get(const std::string& request, std::string* body = nullptr);

  private:
    void open();
    void close();
    bool exchange(const std::string& request, Reply& reply,
                  std::string* body);  // false: stale connection
    bool refill();                     // false on EOF
    std::string_view line();           // the next line without CRLF; valid until the next read
    void skip(size_t bytes, std::string* into);  // into: nullptr, or where the bytes go

    int port_;
    int fd_ = -1;
    bool fresh_ = false;  // no response read on this connection yet
    std::vector<char> buf_;
    size_t begin_ = 0, end_ = 0;
};

/** Replaces the Host header of a captured request (the capture server ran on another port). */
std::string retarget(const std::string& request, int port);

}  // namespace wdsbench
