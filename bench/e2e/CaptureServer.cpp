#include "CaptureServer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

#include "FloorClient.h"

namespace wdsbench {
namespace {

std::string response(const std::string& body, int status = 200) {
    return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

// Waits for `fd` to be readable, waking every 100 ms to notice stop.
bool readable(int fd, const std::atomic<bool>& stop) {
    pollfd p{fd, POLLIN, 0};
    while (!stop) {
        if (::poll(&p, 1, 100) > 0)
            return true;
    }
    return false;
}

}  // namespace

CaptureServer::CaptureServer(const std::vector<std::string>& fqdns, bool record, int upstreamPort)
    : record_(record), upstreamPort_(upstreamPort) {
    targetsBody_ = R"({"status":"success","data":{"activeTargets":[)";
    for (size_t i = 0; i < fqdns.size(); ++i)
        targetsBody_ += (i ? "," : "") + std::string(R"({"labels":{"fqdn":")") + fqdns[i] + "\"}}";
    targetsBody_ += "]}}";

    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listenFd_ < 0 || ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listenFd_, 4) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error(std::string("capture server: ") + std::strerror(errno));
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
}

CaptureServer::~CaptureServer() {
    stop_ = true;
    thread_.join();
    ::close(listenFd_);
}

std::string CaptureServer::last() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.empty() ? std::string() : requests_.back();
}

std::vector<std::string> CaptureServer::takeAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(requests_, {});
}

void CaptureServer::serve() {
    while (readable(listenFd_, stop_)) {
        const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
            connections_.emplace_back([this, fd] {
                handle(fd);
                ::close(fd);
            });
        }
    }
    for (auto& connection : connections_)
        connection.join();
}

// The Content-Length of a request head (0 without one: a GET).
size_t contentLength(std::string head) {
    for (char& c : head)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = head.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::strtoull(head.c_str() + at + 17, nullptr, 10);
}

void CaptureServer::handle(int fd) {
    // Kept-alive, one request at a time; a POST (a batch's `or` query) has a form body.
    std::string pending, body;
    std::unique_ptr<FloorClient> upstream;
    if (upstreamPort_ > 0)
        upstream = std::make_unique<FloorClient>(upstreamPort_);
    char buf[4096];
    while (readable(fd, stop_)) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return;
        pending.append(buf, static_cast<size_t>(n));
        for (;;) {
            const size_t headEnd = pending.find("\r\n\r\n");
            if (headEnd == std::string::npos)
                break;
            const size_t size = headEnd + 4 + contentLength(pending.substr(0, headEnd + 4));
            if (pending.size() < size)
                break;  // the body is still on its way
            const std::string request = pending.substr(0, size);
            pending.erase(0, size);
            if (record_) {
                std::lock_guard<std::mutex> lock(mutex_);
                requests_.push_back(request);
            }
            std::string reply;
            if (upstream) {
                try {
                    const int status =
                        upstream->get(retarget(request, upstreamPort_), &body).status;
                    reply = response(body, status);
                } catch (const std::exception&) {
                    return;  // the client sees the connection close, as from a dead server
                }
            } else if (request.find(" /api/v1/targets") != std::string::npos) {
                reply = response(targetsBody_);
            } else if (request.find(" /api/v1/label/") != std::string::npos) {
                reply = response(R"({"status":"success","data":[]})");
            } else {
                reply = response(R"({"status":"success","data":{"resultType":"vector","result":[)"
                                 R"({"metric":{},"value":[1700001000,"42.5"]}]}})");
            }
            for (size_t sent = 0; sent < reply.size();) {
                const ssize_t n =
                    ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
                if (n < 0 && errno != EINTR)
                    return;
                sent += n > 0 ? static_cast<size_t>(n) : 0;
            }
        }
    }
}

}  // namespace wdsbench
