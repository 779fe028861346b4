#include "http/PocoHttpTransport.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <iterator>
#include <sstream>
#include <thread>

#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/Crypto.h>
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "errors/DatasourceError.h"
#include "http/HttpResponseParser.h"
#include "http/SigpipeGuard.h"

namespace wds {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxIdleConnections = 16;
constexpr size_t kReadBufferBytes = 64 * 1024;
// Poco's HTTPClientSession default: a connection idle for longer may have been dropped silently
// by something in between, so it is not reused.
constexpr auto kMaxIdle = std::chrono::seconds(8);
// How far a blocking receive may outlast the deadline; changing the socket's receive timeout
// only when the one already set could overrun more saves a syscall on nearly every request.
constexpr auto kDeadlineSlack = std::chrono::milliseconds(2);

/** The connection ended or failed during the exchange; the message is complete. */
class ConnectionLost : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

/** The request's deadline passed. */
struct DeadlineExceeded {};

std::string basicAuthorization(const PocoHttpTransport::BasicAuth& auth) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << auth.username << ':' << auth.password;
    encoder.close();
    return "Basic " + out.str();
}

// Why OpenSSL rejected the server certificate in this thread's latest handshake (X509_V_OK:
// it did not). Poco's exception only says "certificate verify failed"; the reason (expired,
// unknown CA, ...) is known only inside the verify callback, which runs in the connecting
// thread. A plain int: no destructor, so nothing pins the plugin at thread exit.
thread_local int lastVerifyError = X509_V_OK;

int recordVerifyError(int preverifyOk, X509_STORE_CTX* store) {
    if (!preverifyOk)
        lastVerifyError = X509_STORE_CTX_get_error(store);
    return preverifyOk;
}

/** Why this thread's latest handshake rejected the server certificate; "" if it did not. */
std::string verifyFailureReason() {
    const int error = lastVerifyError;
    switch (error) {
        case X509_V_OK:
            return "";
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return std::string(X509_verify_cert_error_string(error)) +
                   ": the server certificate is not signed by a trusted CA (check cafile)";
        default:  // e.g. "certificate has expired", "certificate is not yet valid"
            return std::string("the server certificate is not valid: ") +
                   X509_verify_cert_error_string(error);
    }
}

Poco::Net::Context::Ptr makeContext(const TlsSettings& tls) {
    Poco::Net::Context::Params params;
    params.verificationMode =
        tls.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = tls.cafile;
    params.loadDefaultCAs = tls.cafile.empty();
    params.certificateFile = tls.certfile;
    params.privateKeyFile = tls.keyfile;
    try {
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        // Replaces Poco's callback, which only hands failures to the process-wide SSLManager
        // handlers: those belong to the host and must not overrule this plugin's verification.
        SSL_CTX* ssl = context->sslContext();
        if (!tls.insecure)
            SSL_CTX_set_verify(ssl, SSL_CTX_get_verify_mode(ssl), &recordVerifyError);
        return context;
    } catch (const Poco::Exception& e) {
        throw DatasourceError(WDS_E_TLS,
                              "cannot set up TLS (cafile/certfile/keyfile): " + e.displayText());
    }
}

/** The Host header value: the port only when it is not the scheme's default (RFC 9110 7.2). */
std::string hostHeader(const Endpoint& endpoint) {
    const bool defaultPort = endpoint.port == (endpoint.https() ? 443 : 80);
    return endpoint.urlHost() + (defaultPort ? "" : ":" + std::to_string(endpoint.port));
}

/** Time left until the deadline; throws DeadlineExceeded when none is. */
std::chrono::microseconds remaining(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0)
        throw DeadlineExceeded{};
    return left;
}

Poco::Timespan toTimespan(std::chrono::microseconds duration) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(duration.count()));
}

/** Waits until the socket is ready for `events` or the deadline passes (DeadlineExceeded). */
void waitFor(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        const auto left = remaining(deadline);
        const timespec timeout{static_cast<time_t>(left.count() / 1000000),
                               static_cast<long>(left.count() % 1000000) * 1000};
        pollfd watched{fd, events, 0};
        const int ready = ppoll(&watched, 1, &timeout, nullptr);
        if (ready > 0)
            return;  // readable, writable, or an error the next call reports
        if (ready == 0)
            throw DeadlineExceeded{};
        if (errno != EINTR)
            throw ConnectionLost(std::string("poll failed: ") + std::strerror(errno));
    }
}

/** RFC 9110 tchar: the characters of a header name. */
struct TokenTable {
    bool allowed[256] = {};
    constexpr TokenTable() {
        for (int c = '0'; c <= '9'; ++c)
            allowed[c] = true;
        for (int c = 'a'; c <= 'z'; ++c)
            allowed[c] = allowed[c - 'a' + 'A'] = true;
        for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
            allowed[static_cast<unsigned char>(c)] = true;
    }
};
constexpr TokenTable kTokenChars;

bool isTokenChar(char c) {
    return kTokenChars.allowed[static_cast<unsigned char>(c)];
}

/** Whether `text` holds a byte that would end a request line or header line early. */
bool breaksLine(std::string_view text) {
    // memchr is vectorised; a per-byte check would cost more than the rest of the formatting.
    return std::memchr(text.data(), '\n', text.size()) != nullptr ||
           std::memchr(text.data(), '\r', text.size()) != nullptr;
}

void appendDecimal(std::string& out, size_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<size_t>(end - digits));
}

}  // namespace

struct PocoHttpTransport::Connection {
    Connection(const Poco::Net::StreamSocket& connected, bool secure, size_t maxBodyBytes)
        : socket(connected),
          fd(static_cast<int>(socket.impl()->sockfd())),
          tls(secure),
          parser(maxBodyBytes),
          buffer(new char[kReadBufferBytes]) {}

    Poco::Net::StreamSocket socket;  // a SecureStreamSocket's implementation when tls
    int fd;
    bool tls;
    std::string request;  // formatted requests; the capacity is reused
    HttpResponseParser parser;
    std::unique_ptr<char[]> buffer;
    Clock::time_point idleSince{};
    std::thread::id lastUser;                     // the thread that released it
    std::chrono::microseconds receiveTimeout{0};  // SO_RCVTIMEO of a plain socket; 0: none
};

namespace {

/** Makes the next blocking recv on a plain connection return by the deadline (+ the slack). */
void boundReceive(int fd, std::chrono::microseconds& current, Clock::time_point deadline) {
    const auto left = remaining(deadline);
    if (current.count() > 0 && current <= left + kDeadlineSlack)
        return;
    const timeval timeout{static_cast<time_t>(left.count() / 1000000),
                          static_cast<suseconds_t>(left.count() % 1000000)};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0)
        throw ConnectionLost(std::string("cannot set a receive timeout: ") + std::strerror(errno));
    current = left;
}

}  // namespace

PocoHttpTransport::PocoHttpTransport(Endpoint endpoint, const TlsSettings& tls,
                                     const std::optional<BasicAuth>& auth, size_t maxBodyBytes)
    : endpoint_(std::move(endpoint)), baseUrl_(endpoint_.url()), maxBodyBytes_(maxBodyBytes) {
    // Refcounted OpenSSL init; Poco::Net::uninitializeSSL() would also tear down the
    // process-wide SSLManager of the host, so a plugin must not use that pair.
    Poco::Crypto::initializeCrypto();
    if (endpoint_.https())
        context_ = makeContext(tls);
    fixedHeaders_ = "Host: " + hostHeader(endpoint_) +
                    "\r\nUser-Agent: watcher-ds\r\nAccept: application/json\r\n";
    if (auth)
        fixedHeaders_ += "Authorization: " + basicAuthorization(*auth) + "\r\n";
}

PocoHttpTransport::~PocoHttpTransport() {
    {
        // Closing a TLS connection writes close_notify, which must not raise SIGPIPE either.
        std::optional<SigpipeGuard> noSigpipe;
        if (context_)
            noSigpipe.emplace();
        idle_.clear();
    }
    context_.reset();
    Poco::Crypto::uninitializeCrypto();
}

PocoHttpTransport::ConnectionPtr PocoHttpTransport::connect(Clock::time_point deadline) const {
    // Resolution (getaddrinfo) is not bounded by the deadline: it has no timeout of its own.
    const Poco::Net::SocketAddress address(endpoint_.host, endpoint_.port);
    const Poco::Timespan timeout = toTimespan(remaining(deadline));
    if (context_) {
        Poco::Net::SecureStreamSocket socket(context_);
        socket.setPeerHostName(endpoint_.host);  // SNI and the certificate's name check
        lastVerifyError = X509_V_OK;
        try {
            socket.connect(address, timeout);  // TCP, handshake, verification
        } catch (const Poco::Net::SSLException&) {
            const std::string reason = verifyFailureReason();
            if (reason.empty())
                throw;
            throw DatasourceError(WDS_E_TLS, "TLS failure with " + baseUrl_ + ": " + reason);
        }
        socket.setNoDelay(true);
        return std::make_unique<Connection>(socket, true, maxBodyBytes_);
    }
    Poco::Net::StreamSocket socket;
    socket.connect(address, timeout);
    socket.setNoDelay(true);
    return std::make_unique<Connection>(socket, false, maxBodyBytes_);
}

PocoHttpTransport::ConnectionPtr PocoHttpTransport::acquire(Clock::time_point now,
                                                            Clock::time_point deadline, bool probe,
                                                            bool& reused) {
    for (;;) {
        ConnectionPtr connection;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (idle_.empty())
                break;
            // The calling thread's own last connection first: its buffers and parser are in
            // this core's cache, not in the cache of the thread that used it last.
            auto mine = std::find_if(idle_.rbegin(), idle_.rend(), [](const ConnectionPtr& c) {
                return c->lastUser == std::this_thread::get_id();
            });
            auto taken = mine != idle_.rend() ? std::prev(mine.base()) : std::prev(idle_.end());
            connection = std::move(*taken);
            idle_.erase(taken);
        }
        if (now - connection->idleSince > kMaxIdle)
            continue;
        // A request that must not be repeated goes only on a connection the server has not
        // closed meanwhile (an idle connection that is readable has seen EOF or garbage).
        if (probe) {
            pollfd watched{connection->fd, POLLIN | POLLRDHUP, 0};
            if (poll(&watched, 1, 0) != 0)
                continue;
        }
        reused = true;
        return connection;
    }
    reused = false;
    return connect(deadline);
}

void PocoHttpTransport::release(ConnectionPtr connection) {
    connection->idleSince = Clock::now();
    connection->lastUser = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < kMaxIdleConnections)
        idle_.push_back(std::move(connection));
}

void PocoHttpTransport::formatRequest(const HttpRequest& request, std::string& out) const {
    if (request.target.empty() || breaksLine(request.target) ||
        std::memchr(request.target.data(), ' ', request.target.size()) != nullptr) {
        throw DatasourceError(WDS_E_INTERNAL, "request target for " + baseUrl_ +
                                                  " is not percent-encoded: " + request.target);
    }
    out.clear();
    out.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\n");
    out.append(fixedHeaders_);
    for (const auto& [name, value] : request.headers) {
        if (name.empty() || !std::all_of(name.begin(), name.end(), isTokenChar) ||
            breaksLine(value) || std::memchr(value.data(), '\0', value.size()) != nullptr) {
            // The value is not shown: it may be a token.
            throw DatasourceError(
                WDS_E_PROTOCOL, "refusing to send an invalid header '" + name + "' to " + baseUrl_);
        }
        out.append(name).append(": ").append(value).append("\r\n");
    }
    if (!request.body.empty())
        out.append("Content-Type: ").append(request.contentType).append("\r\n");
    if (!request.body.empty() || request.method != "GET") {
        out.append("Content-Length: ");
        appendDecimal(out, request.body.size());
        out.append("\r\n");
    }
    out.append("\r\n").append(request.body);
}

HttpResponse PocoHttpTransport::exchange(Connection& connection, const HttpRequest& request,
                                         Clock::time_point deadline, bool& reusable) const {
    HttpResponse response;
    connection.parser.start(response, request.responseHeaders);
    formatRequest(request, connection.request);

    const auto lost = [&](const std::string& why) {
        return ConnectionLost("request to " + baseUrl_ + " failed: " + why);
    };
    // A TLS alert from the server after the handshake is a TLS failure that retrying cannot fix
    // (TLS 1.3 reports a missing client certificate only then); anything else lost the
    // connection.
    const auto failed = [&](const Poco::Exception& e) {
        const std::string& what = e.message();
        if (dynamic_cast<const Poco::Net::SSLException*>(&e) &&
            what.find(" alert ") != std::string::npos) {
            // e.g. "tlsv13 alert certificate required" (OpenSSL), "sslv3 alert bad certificate"
            // (Go): about this side's certificate, the only one the server checks.
            const std::string hint = what.find("certificate") == std::string::npos
                                         ? ""
                                         : " (the server refused the client certificate or its "
                                           "absence: check certfile and keyfile)";
            throw DatasourceError(WDS_E_TLS,
                                  "TLS failure with " + baseUrl_ + ": " + e.displayText() + hint);
        }
        throw lost(e.displayText());
    };
    const auto socketError = [&](int error) {
        if (error == ECONNRESET || error == EPIPE)
            return ConnectionLost("connection reset by " + baseUrl_);
        return lost(std::strerror(error));
    };

    // Send the request at once. Plain sockets: MSG_NOSIGNAL keeps a reset peer from raising
    // SIGPIPE. TLS: OpenSSL writes with write(), and the caller blocks SIGPIPE instead.
    const char* data = connection.request.data();
    size_t left = connection.request.size();
    while (left > 0) {
        const size_t piece = std::min<size_t>(left, INT_MAX);
        ssize_t sent = 0;
        if (connection.tls) {
            try {
                connection.socket.setSendTimeout(toTimespan(remaining(deadline)));
                sent = connection.socket.sendBytes(data, static_cast<int>(piece));
            } catch (const Poco::TimeoutException&) {
                throw DeadlineExceeded{};
            } catch (const Poco::Exception& e) {
                failed(e);
            }
        } else {
            sent = ::send(connection.fd, data, piece, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (sent < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    waitFor(connection.fd, POLLOUT, deadline);
                else if (errno != EINTR)
                    throw socketError(errno);
                continue;
            }
        }
        if (sent > 0) {
            data += sent;
            left -= static_cast<size_t>(sent);
        }
    }

    // Receive until the parser has the whole response. Every wait is bounded by the deadline.
    bool surplus = false;
    char* const buffer = connection.buffer.get();
    while (!connection.parser.complete()) {
        ssize_t received = 0;
        if (connection.tls) {
            try {
                if (connection.socket.available() == 0)  // nothing decrypted and buffered
                    waitFor(connection.fd, POLLIN, deadline);
                connection.socket.setReceiveTimeout(toTimespan(remaining(deadline)));
                received = connection.socket.receiveBytes(buffer, kReadBufferBytes);
            } catch (const Poco::TimeoutException&) {
                throw DeadlineExceeded{};
            } catch (const Poco::Exception& e) {
                failed(e);
            }
            if (received < 0)  // the TLS layer needs more bytes
                continue;
        } else {
            // A blocking recv, as the raw-socket floor does: no poll() before it.
            boundReceive(connection.fd, connection.receiveTimeout, deadline);
            received = ::recv(connection.fd, buffer, kReadBufferBytes, 0);
            if (received < 0) {
                // EAGAIN: the receive timeout ran out; the next bound says if the deadline did.
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    continue;
                throw socketError(errno);
            }
        }
        if (received == 0) {
            if (!connection.parser.started())
                throw ConnectionLost("connection to " + baseUrl_ + " closed without an answer");
            connection.parser.finish();  // ends a body delimited by the close, or throws
            break;
        }
        const size_t size = static_cast<size_t>(received);
        surplus = connection.parser.feed(buffer, size) < size;
    }
    // Bytes after the response (nothing was pipelined) mean the stream is out of step.
    reusable = connection.parser.keepAlive() && !surplus;
    return response;
}

HttpResponse PocoHttpTransport::send(const HttpRequest& request) {
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + request.timeout;
    std::optional<SigpipeGuard> noSigpipe;  // see SigpipeGuard: OpenSSL writes with write()
    if (context_)
        noSigpipe.emplace();
    const bool idempotent = request.method == "GET" || request.idempotent;
    const auto path = [&] { return baseUrl_ + request.target.substr(0, request.target.find('?')); };

    // A kept-alive connection the server has closed fails before any answer byte; that one
    // failure is retried at once on a fresh connection and is not an attempt of the retry
    // policy. Only GET and reads: the server may have acted on a write before closing.
    for (int round = 0;; ++round) {
        bool reused = false;
        ConnectionPtr connection;
        try {
            connection = acquire(start, deadline, !idempotent, reused);
            bool reusable = false;
            HttpResponse response = exchange(*connection, request, deadline, reusable);
            if (reusable)
                release(std::move(connection));
            return response;
        } catch (const ConnectionLost& e) {
            if (reused && round == 0 && idempotent && !connection->parser.started())
                continue;
            throw DatasourceError(WDS_E_UNAVAILABLE, e.what());
        } catch (const DeadlineExceeded&) {
            const bool partial = connection && connection->parser.started();
            throw DatasourceError(
                WDS_E_TIMEOUT, (partial ? "incomplete answer from " : "no answer from ") +
                                   baseUrl_ + " within " + std::to_string(request.timeout.count()) +
                                   " ms");
        } catch (const HttpParseError& e) {
            switch (e.kind()) {
                case HttpParseError::Kind::Truncated:
                    throw DatasourceError(WDS_E_UNAVAILABLE,
                                          "incomplete answer from " + path() + ": " + e.what());
                case HttpParseError::Kind::TooLarge:
                    throw DatasourceError(WDS_E_PROTOCOL,
                                          "refused the answer from " + path() + ": " + e.what());
                default:
                    throw DatasourceError(WDS_E_PROTOCOL,
                                          "malformed HTTP answer from " + path() + ": " + e.what());
            }
        } catch (const DatasourceError&) {
            throw;
        } catch (const Poco::TimeoutException&) {
            throw DatasourceError(WDS_E_TIMEOUT, "no answer from " + baseUrl_ + " within " +
                                                     std::to_string(request.timeout.count()) +
                                                     " ms");
        } catch (const Poco::Net::ConnectionRefusedException&) {
            throw DatasourceError(WDS_E_UNAVAILABLE, "connection refused by " + baseUrl_);
        } catch (const Poco::Net::CertificateValidationException& e) {
            // Poco's post-handshake check: the chain is trusted but the names do not match.
            throw DatasourceError(WDS_E_TLS, "TLS failure with " + baseUrl_ +
                                                 ": the server certificate does not match host '" +
                                                 endpoint_.host + "' (" + e.displayText() + ")");
        } catch (const Poco::Net::SSLException& e) {
            throw DatasourceError(WDS_E_TLS,
                                  "TLS failure with " + baseUrl_ + ": " + e.displayText());
        } catch (const Poco::Net::DNSException& e) {
            throw DatasourceError(WDS_E_UNAVAILABLE,
                                  "cannot resolve host of " + baseUrl_ + ": " + e.displayText());
        } catch (const Poco::Exception& e) {
            throw DatasourceError(WDS_E_UNAVAILABLE,
                                  "cannot connect to " + baseUrl_ + ": " + e.displayText());
        }
    }
}

}  // namespace wds
