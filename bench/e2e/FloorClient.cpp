#include "FloorClient.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace wdsbench {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("floor client: " + what + ": " + std::strerror(errno));
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

bool containsNoCase(std::string_view text, std::string_view word) {
    for (size_t i = 0; i + word.size() <= text.size(); ++i) {
        if (startsWithNoCase(text.substr(i), word))
            return true;
    }
    return false;
}

}  // namespace

FloorClient::FloorClient(int port) : port_(port), buf_(64 * 1024) {}

FloorClient::~FloorClient() {
    close();
}

void FloorClient::open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        fail("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail("connect 127.0.0.1:" + std::to_string(port_));
    fresh_ = true;
    begin_ = end_ = 0;
}

void FloorClient::close() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
}

bool FloorClient::refill() {
    if (begin_ == end_) {
        begin_ = end_ = 0;
    } else if (end_ == buf_.size()) {  // a partial line fills the buffer: move it to the front
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        if (end_ == buf_.size())
            buf_.resize(buf_.size() * 2);
    }
    for (;;) {
        const ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
        if (n > 0) {
            end_ += static_cast<size_t>(n);
            return true;
        }
        if (n == 0)
            return false;
        if (errno != EINTR)
            fail("recv");
    }
}

std::string_view FloorClient::line() {
    for (size_t scanned = begin_;;) {
        const char* start = buf_.data() + scanned;
        const void* lf = std::memchr(start, '\n', end_ - scanned);
        if (lf != nullptr) {
            const size_t stop = static_cast<size_t>(static_cast<const char*>(lf) - buf_.data());
            std::string_view text(buf_.data() + begin_, stop - begin_);
            begin_ = stop + 1;
            if (!text.empty() && text.back() == '\r')
                text.remove_suffix(1);
            return text;
        }
        const size_t pending = end_ - begin_;
        if (!refill())
            throw std::runtime_error("floor client: connection closed mid-response");
        scanned = begin_ + pending;
    }
}

void FloorClient::skip(size_t bytes, std::string* into) {
    while (bytes > 0) {
        if (begin_ == end_ && !refill())
            throw std::runtime_error("floor client: connection closed mid-body");
        const size_t take = std::min(bytes, end_ - begin_);
        if (into != nullptr)
            into->append(buf_.data() + begin_, take);
        begin_ += take;
        bytes -= take;
    }
}

bool FloorClient::exchange(const std::string& request, Reply& reply, std::string* body) {
    for (size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (!fresh_ && (errno == EPIPE || errno == ECONNRESET))
                return false;
            fail("send");
        }
        sent += static_cast<size_t>(n);
    }
    if (begin_ == end_ && !refill()) {
        if (!fresh_)
            return false;  // the server closed the idle connection
        throw std::runtime_error("floor client: no response");
    }
    // Numbers are parsed in place: every line in the buffer is followed by its CR/LF.
    const std::string_view status = line();  // "HTTP/1.1 200 OK"
    reply.status = status.size() > 12 ? std::atoi(status.data() + 9) : 0;
    long long length = -1;
    bool chunked = false, closing = false;
    for (std::string_view header = line(); !header.empty(); header = line()) {
        if (startsWithNoCase(header, "content-length:"))
            length = std::atoll(header.data() + 15);
        else if (startsWithNoCase(header, "transfer-encoding:"))
            chunked = containsNoCase(header, "chunked");
        else if (startsWithNoCase(header, "connection:"))
            closing = containsNoCase(header, "close");
    }
    reply.bodyBytes = 0;
    if (body != nullptr)
        body->clear();
    if (chunked) {
        for (;;) {
            const size_t size = std::strtoull(line().data(), nullptr, 16);
            if (size == 0) {
                while (!line().empty()) {  // trailers
                }
                break;
            }
            skip(size, body);
            line();  // CRLF after the chunk
            reply.bodyBytes += size;
        }
    } else if (length >= 0) {
        skip(static_cast<size_t>(length), body);
        reply.bodyBytes = static_cast<size_t>(length);
    } else {
        throw std::runtime_error("floor client: response without length");
    }
    fresh_ = false;
    if (closing)
        close();
    return true;
}

FloorClient::Reply FloorClient::get(const std::string& request, std::string* body) {
    Reply reply;
    if (fd_ < 0)
        open();
    if (exchange(request, reply, body))
        return reply;
    // A kept-alive connection the server had closed: one retry on a new one (as the plugin does).
    close();
    open();
    if (!exchange(request, reply, body))
        throw std::runtime_error("floor client: fresh connection closed");
    return reply;
}

std::string retarget(const std::string& request, int port) {
    const size_t host = request.find("\r\nHost: ");
    if (host == std::string::npos)
        throw std::runtime_error("captured request has no Host header");
    const size_t end = request.find("\r\n", host + 2);
    return request.substr(0, host) + "\r\nHost: 127.0.0.1:" + std::to_string(port) +
           request.substr(end);
}

}  // namespace wdsbench
