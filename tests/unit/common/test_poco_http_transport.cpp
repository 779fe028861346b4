// PocoHttpTransport against scripted loopback servers that misbehave on purpose: stale kept-alive
// connections, resets, drips, truncated and oversized bodies. Plain HTTP only; TLS is exercised
// against real Prometheus servers in integration_prometheus_transport.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "errors/DatasourceError.h"
#include "http/PocoHttpTransport.h"

namespace wds {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

/** Reads one request head (and a Content-Length body) from `fd`; "" when the peer closed. */
std::string readRequest(int fd) {
    std::string request;
    char buffer[4096];
    size_t headEnd = std::string::npos;
    while ((headEnd = request.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            return "";
        request.append(buffer, static_cast<size_t>(n));
    }
    const size_t lengthAt = request.find("Content-Length: ");
    const size_t bodySize =
        lengthAt < headEnd ? std::stoul(request.substr(lengthAt + 16)) : size_t{0};
    while (request.size() < headEnd + 4 + bodySize) {
        const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            return "";
        request.append(buffer, static_cast<size_t>(n));
    }
    return request;
}

bool sendText(int fd, const std::string& text) {
    return send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

std::string okResponse(const std::string& body, const std::string& extraHeaders = "") {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           extraHeaders + "\r\n" + body;
}

/** Closes with a reset (RST) instead of an orderly FIN. */
void resetConnection(int fd) {
    const linger abort{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    close(fd);
}

/**
 * A loopback server that runs `script(fd, n)` for its n-th accepted connection (0-based), one
 * connection at a time, and records every request it reads through `next()`.
 */
class ScriptedServer {
  public:
    using Script = std::function<void(ScriptedServer&, int fd, int connection)>;

    explicit ScriptedServer(Script script) : script_(std::move(script)) {
        listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            listen(listener_, 8) != 0 ||
            getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1: " << std::strerror(errno);
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedServer() {
        stopping_ = true;
        shutdown(listener_, SHUT_RDWR);
        thread_.join();
        close(listener_);
    }

    int port() const { return port_; }
    int connections() const { return accepted_; }
    std::vector<std::string> requests() {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }
    /** Reads the next request on `fd` and records it; "" when the client closed. */
    std::string next(int fd) {
        std::string request = readRequest(fd);
        if (!request.empty()) {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(request);
        }
        return request;
    }

  private:
    void serve() {
        while (!stopping_) {
            const int fd = accept(listener_, nullptr, nullptr);
            if (fd < 0)
                return;
            script_(*this, fd, accepted_++);
            close(fd);  // a no-op error if the script already closed or reset it
        }
    }

    Script script_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> requests_;
};

class PocoHttpTransportTest : public testing::Test {
  protected:
    std::unique_ptr<PocoHttpTransport> transport(
        const ScriptedServer& server, size_t maxBody = PocoHttpTransport::kDefaultMaxBodyBytes,
        std::optional<PocoHttpTransport::BasicAuth> auth = std::nullopt) {
        Endpoint endpoint;
        endpoint.host = "127.0.0.1";
        endpoint.port = static_cast<uint16_t>(server.port());
        return std::make_unique<PocoHttpTransport>(endpoint, TlsSettings{}, auth, maxBody);
    }

    static HttpRequest get(const std::string& target, std::chrono::milliseconds timeout = 5s) {
        HttpRequest request;
        request.target = target;
        request.timeout = timeout;
        return request;
    }

    /** The error of one send, or a failure if it succeeded. */
    static DatasourceError failure(HttpTransport& transport, const HttpRequest& request) {
        try {
            const HttpResponse response = transport.send(request);
            ADD_FAILURE() << "succeeded with HTTP " << response.status << ": " << response.body;
        } catch (const DatasourceError& e) {
            return e;
        }
        return DatasourceError(WDS_OK, "");
    }
};

TEST_F(PocoHttpTransportTest, SendsOneWellFormedRequestAndReusesTheConnection) {
    ScriptedServer server([](ScriptedServer& s, int fd, int) {
        while (!s.next(fd).empty())
            sendText(fd, okResponse("{}"));
    });
    auto t = transport(server, PocoHttpTransport::kDefaultMaxBodyBytes,
                       PocoHttpTransport::BasicAuth{"watcher", "pw"});
    HttpRequest post = get("/v3/auth/tokens");
    post.method = "POST";
    post.body = R"({"auth":{}})";
    post.headers = {{"X-Auth-Token", "tok"}};
    for (const HttpRequest& request :
         {get("/api/v1/query?query=up%7Bjob%3D%22a%22%7D"), post, get("/api/v1/targets")}) {
        const HttpResponse response = t->send(request);
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.body, "{}");
    }
    EXPECT_EQ(server.connections(), 1);
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 3u);
    const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
    EXPECT_EQ(requests[0], "GET /api/v1/query?query=up%7Bjob%3D%22a%22%7D HTTP/1.1\r\n" + host +
                               "User-Agent: watcher-ds\r\nAccept: application/json\r\n"
                               "Authorization: Basic d2F0Y2hlcjpwdw==\r\n\r\n");
    EXPECT_THAT(requests[1], HasSubstr("POST /v3/auth/tokens HTTP/1.1\r\n"));
    EXPECT_THAT(requests[1], HasSubstr("X-Auth-Token: tok\r\n"));
    EXPECT_THAT(requests[1], HasSubstr("Content-Type: application/json\r\nContent-Length: 11\r\n"
                                       "\r\n{\"auth\":{}}"));
}

TEST_F(PocoHttpTransportTest, AKeptAliveConnectionTheServerClosedIsRetriedOnceOnANewOne) {
    for (const bool reset : {false, true}) {
        // Each connection answers one request, then the server drops it (FIN or RST) while
        // the client still holds it as idle and kept alive.
        ScriptedServer server([reset](ScriptedServer& s, int fd, int) {
            if (!s.next(fd).empty())
                sendText(fd, okResponse("fine"));
            if (reset)
                resetConnection(fd);
            else
                shutdown(fd, SHUT_RDWR);
        });
        auto t = transport(server);
        for (int i = 0; i < 3; ++i) {
            const HttpResponse response = t->send(get("/api/v1/query?query=up"));
            EXPECT_EQ(response.body, "fine") << (reset ? "reset" : "closed") << " round " << i;
        }
        EXPECT_EQ(server.connections(), 3);
        EXPECT_EQ(server.requests().size(), 3u) << "each request reached the server once";
    }
}

TEST_F(PocoHttpTransportTest, APostIsRepeatedOnANewConnectionOnlyWhenItOnlyReads) {
    for (const bool readOnly : {true, false}) {
        // The server answers once, then reads the second request and closes without an answer.
        ScriptedServer server([](ScriptedServer& s, int fd, int) {
            if (!s.next(fd).empty())
                sendText(fd, okResponse("first"));
            s.next(fd);
        });
        auto t = transport(server);
        HttpRequest post = get(readOnly ? "/api/v1/query" : "/v3/auth/tokens");
        post.method = "POST";
        if (readOnly) {  // a PromQL query in a form body, as batches send it
            post.body = "query=up&time=1700000000.000";
            post.contentType = "application/x-www-form-urlencoded";
            post.idempotent = true;
        } else {
            post.body = "{}";
        }
        EXPECT_EQ(t->send(post).body, "first");
        if (readOnly) {
            EXPECT_EQ(t->send(post).body, "first");  // sent again, on a new connection
            EXPECT_EQ(server.connections(), 2);
            const auto requests = server.requests();
            ASSERT_EQ(requests.size(), 3u);
            EXPECT_THAT(requests[0], HasSubstr("POST /api/v1/query HTTP/1.1\r\n"));
            EXPECT_THAT(requests[0],
                        HasSubstr("Content-Type: application/x-www-form-urlencoded\r\n"
                                  "Content-Length: 28\r\n\r\nquery=up&time=1700000000.000"));
        } else {
            const DatasourceError e = failure(*t, post);
            EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
            EXPECT_THAT(e.what(), HasSubstr("closed without an answer"));
            EXPECT_EQ(server.requests().size(), 2u);
            EXPECT_EQ(server.connections(), 1) << "the POST was not sent again";
        }
    }
}

TEST_F(PocoHttpTransportTest, APostAvoidsAnIdleConnectionTheServerHasClosed) {
    ScriptedServer server([](ScriptedServer& s, int fd, int) {
        if (!s.next(fd).empty())
            sendText(fd, okResponse("ok"));
        shutdown(fd, SHUT_RDWR);
    });
    auto t = transport(server);
    HttpRequest post = get("/v3/auth/tokens");
    post.method = "POST";
    post.body = "{}";
    EXPECT_EQ(t->send(post).body, "ok");
    std::this_thread::sleep_for(50ms);  // let the FIN arrive
    EXPECT_EQ(t->send(post).body, "ok");
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(PocoHttpTransportTest, ConnectionCloseIsHonoured) {
    ScriptedServer server([](ScriptedServer& s, int fd, int) {
        if (!s.next(fd).empty())
            sendText(fd, okResponse("bye", "Connection: close\r\n"));
        s.next(fd);  // waits for the client to close
    });
    auto t = transport(server);
    EXPECT_EQ(t->send(get("/a")).body, "bye");
    EXPECT_EQ(t->send(get("/a")).body, "bye");
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(PocoHttpTransportTest, ACloseInTheMiddleOfTheBodyIsAnErrorNeverAPartialBody) {
    ScriptedServer server([](ScriptedServer& s, int fd, int connection) {
        if (s.next(fd).empty())
            return;
        if (connection == 0)
            sendText(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
        else
            sendText(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nsome\r\n");
    });
    auto t = transport(server);
    const DatasourceError byLength = failure(*t, get("/api/v1/query?query=up"));
    EXPECT_EQ(byLength.status(), WDS_E_UNAVAILABLE);
    EXPECT_THAT(byLength.what(), HasSubstr("incomplete answer from http://127.0.0.1:" +
                                           std::to_string(server.port()) + "/api/v1/query:"));
    EXPECT_THAT(byLength.what(), HasSubstr("after 9 of 100 body bytes"));
    const DatasourceError chunked = failure(*t, get("/api/v1/query?query=up"));
    EXPECT_EQ(chunked.status(), WDS_E_UNAVAILABLE);
    EXPECT_THAT(chunked.what(), HasSubstr("middle of the chunked body"));
}

TEST_F(PocoHttpTransportTest, ABodyOverTheCapIsRefusedNamingTheCapAndTheUrl) {
    ScriptedServer server([](ScriptedServer& s, int fd, int connection) {
        if (s.next(fd).empty())
            return;
        if (connection == 0) {
            sendText(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
            return;
        }
        // Chunked without end: only the cap stops the client.
        sendText(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        const std::string chunk = "100\r\n" + std::string(256, 'x') + "\r\n";
        while (sendText(fd, chunk)) {
        }
    });
    auto t = transport(server, 1000);
    for (const char* framing : {"Content-Length", "chunked"}) {
        const DatasourceError e = failure(*t, get("/api/v1/targets?state=active"));
        EXPECT_EQ(e.status(), WDS_E_PROTOCOL) << framing;
        EXPECT_THAT(e.what(), HasSubstr("http://127.0.0.1:" + std::to_string(server.port()) +
                                        "/api/v1/targets"))
            << framing;
        EXPECT_THAT(e.what(), HasSubstr("limit of 1000 bytes")) << framing;
    }
}

TEST_F(PocoHttpTransportTest, TheTimeoutIsOneDeadlineOverTheWholeExchange) {
    // A byte every 20 ms forever: no single read ever waits long, yet the answer never ends.
    std::atomic<bool> done{false};
    ScriptedServer server([&done](ScriptedServer& s, int fd, int) {
        if (s.next(fd).empty())
            return;
        const std::string head = "HTTP/1.1 200 OK\r\nX-Drip: ";
        sendText(fd, head);
        while (!done && sendText(fd, "z"))
            std::this_thread::sleep_for(20ms);
    });
    auto t = transport(server);
    const DatasourceError e = failure(*t, get("/api/v1/query?query=up", 200ms));
    done = true;
    EXPECT_EQ(e.status(), WDS_E_TIMEOUT);
    EXPECT_THAT(e.what(), HasSubstr("within 200 ms"));
}

TEST_F(PocoHttpTransportTest, NotHttpIsAProtocolError) {
    ScriptedServer server([](ScriptedServer& s, int fd, int) {
        if (!s.next(fd).empty())
            sendText(fd, "SSH-2.0-OpenSSH_9.2\r\n");
    });
    auto t = transport(server);
    const DatasourceError e = failure(*t, get("/api/v1/query?query=up"));
    EXPECT_EQ(e.status(), WDS_E_PROTOCOL);
    EXPECT_THAT(e.what(), HasSubstr("malformed HTTP answer from http://127.0.0.1:"));
    EXPECT_THAT(e.what(), HasSubstr("SSH-2.0"));
}

TEST_F(PocoHttpTransportTest, AHeaderThatWouldSplitTheRequestIsRefused) {
    ScriptedServer server([](ScriptedServer& s, int fd, int) {
        while (!s.next(fd).empty())
            sendText(fd, okResponse("{}"));
    });
    auto t = transport(server);
    HttpRequest request = get("/a");
    request.headers = {{"X-Auth-Token", "secret\r\nX-Evil: 1"}};
    const DatasourceError e = failure(*t, request);
    EXPECT_EQ(e.status(), WDS_E_PROTOCOL);
    EXPECT_THAT(e.what(), HasSubstr("X-Auth-Token"));
    EXPECT_THAT(e.what(), testing::Not(HasSubstr("secret")));
    EXPECT_TRUE(server.requests().empty());
}

TEST_F(PocoHttpTransportTest, AResetDuringALargeSendCannotKillTheProcess) {
    // The thread has SIGPIPE unblocked with its default action (end the process), as a host's
    // threads may; the server resets the connection while a 16 MiB body is still being sent.
    sigset_t sigpipe, saved;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_UNBLOCK, &sigpipe, &saved);
    ScriptedServer server([](ScriptedServer&, int fd, int) {
        char head[512];
        recv(fd, head, sizeof head, 0);
        resetConnection(fd);
    });
    auto t = transport(server);
    HttpRequest post = get("/v3/auth/tokens");
    post.method = "POST";
    post.body.assign(16 << 20, 'x');
    const DatasourceError e = failure(*t, post);
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE) << e.what();
}

TEST_F(PocoHttpTransportTest, RefusedConnectionNamesTheServer) {
    int port = 0;
    {
        ScriptedServer gone([](ScriptedServer&, int, int) {});
        port = gone.port();
    }
    Endpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.port = static_cast<uint16_t>(port);
    PocoHttpTransport t(endpoint, TlsSettings{}, std::nullopt);
    const DatasourceError e = failure(t, get("/a"));
    EXPECT_EQ(e.status(), WDS_E_UNAVAILABLE);
    EXPECT_THAT(e.what(),
                HasSubstr("connection refused by http://127.0.0.1:" + std::to_string(port)));
}

}  // namespace
}  // namespace wds
