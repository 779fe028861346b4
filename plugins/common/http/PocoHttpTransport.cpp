#include "http/PocoHttpTransport.h"

#include <chrono>
#include <sstream>

#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/Crypto.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

#include "errors/DatasourceError.h"
#include "http/SigpipeGuard.h"

namespace wds {
namespace {

constexpr size_t kMaxIdleSessions = 16;
constexpr size_t kReadChunk = 64 * 1024;

std::string basicAuthorization(const PocoHttpTransport::BasicAuth& auth) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << auth.username << ':' << auth.password;
    encoder.close();
    return "Basic " + out.str();
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
        return context;
    } catch (const Poco::Exception& e) {
        throw DatasourceError(WDS_E_TLS,
                              "cannot set up TLS (cafile/certfile/keyfile): " + e.displayText());
    }
}

}  // namespace

PocoHttpTransport::PocoHttpTransport(Endpoint endpoint, const TlsSettings& tls,
                                     const std::optional<BasicAuth>& auth, size_t maxBodyBytes)
    : endpoint_(std::move(endpoint)), maxBodyBytes_(maxBodyBytes) {
    // Refcounted OpenSSL init; Poco::Net::uninitializeSSL() would also tear down the
    // process-wide SSLManager of the host, so a plugin must not use that pair.
    Poco::Crypto::initializeCrypto();
    if (endpoint_.https())
        context_ = makeContext(tls);
    if (auth)
        authorization_ = basicAuthorization(*auth);
}

PocoHttpTransport::~PocoHttpTransport() {
    idle_.clear();
    context_.reset();
    Poco::Crypto::uninitializeCrypto();
}

PocoHttpTransport::Session PocoHttpTransport::acquire(bool& reused) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!idle_.empty()) {
            Session session = std::move(idle_.back());
            idle_.pop_back();
            reused = true;
            return session;
        }
    }
    reused = false;
    Session session;
    if (context_) {
        session = std::make_unique<Poco::Net::HTTPSClientSession>(endpoint_.host, endpoint_.port,
                                                                  context_);
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(endpoint_.host, endpoint_.port);
    }
    session->setKeepAlive(true);
    return session;
}

void PocoHttpTransport::release(Session session) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < kMaxIdleSessions)
        idle_.push_back(std::move(session));
}

HttpResponse PocoHttpTransport::exchange(Poco::Net::HTTPClientSession& session,
                                         const HttpRequest& request, bool& reusable) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + request.timeout;
    session.setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(
        std::chrono::duration_cast<std::chrono::microseconds>(request.timeout).count())));

    Poco::Net::HTTPRequest httpRequest(request.method, request.target,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
    httpRequest.setKeepAlive(true);
    httpRequest.set("Accept", "application/json");
    httpRequest.set("User-Agent", "watcher-ds");
    if (!authorization_.empty())
        httpRequest.set("Authorization", authorization_);
    for (const auto& [name, value] : request.headers)
        httpRequest.set(name, value);
    if (!request.body.empty()) {
        httpRequest.setContentType("application/json");
        httpRequest.setContentLength(static_cast<std::streamsize>(request.body.size()));
    }
    std::ostream& out = session.sendRequest(httpRequest);
    if (!request.body.empty())
        out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));

    Poco::Net::HTTPResponse httpResponse;
    std::istream& in = session.receiveResponse(httpResponse);

    // Read the whole body (even for errors) so the connection stays usable, with a size cap
    // and an overall deadline: socket timeouts alone let a server that drips bytes stall us.
    HttpResponse response;
    response.status = static_cast<int>(httpResponse.getStatus());
    for (const std::string& name : request.responseHeaders) {
        if (httpResponse.has(name))
            response.headers.emplace_back(name, httpResponse.get(name));
    }
    char buffer[kReadChunk];
    while (in) {
        in.read(buffer, sizeof buffer);
        response.body.append(buffer, static_cast<size_t>(in.gcount()));
        if (response.body.size() > maxBodyBytes_) {
            throw DatasourceError(WDS_E_PROTOCOL, "response from " + baseUrl() +
                                                      " is larger than the limit of " +
                                                      std::to_string(maxBodyBytes_) + " bytes");
        }
        if (Clock::now() > deadline)
            throw Poco::TimeoutException("response body too slow");
    }
    if (!in.eof())
        throw Poco::IOException("error reading the response body");
    reusable = httpResponse.getKeepAlive();
    return response;
}

HttpResponse PocoHttpTransport::send(const HttpRequest& request) {
    const std::string where = baseUrl();
    const SigpipeGuard noSigpipe;
    // A kept-alive socket the server has closed fails on first use; that one failure is retried
    // at once on a fresh connection and is not counted as an attempt of the retry policy.
    for (int round = 0;; ++round) {
        bool reused = false;
        Session session = acquire(reused);
        bool reusable = false;
        try {
            HttpResponse response = exchange(*session, request, reusable);
            if (reusable)
                release(std::move(session));
            return response;
        } catch (const DatasourceError&) {
            throw;
        } catch (const Poco::TimeoutException&) {
            throw DatasourceError(WDS_E_TIMEOUT, "no answer from " + where + " within " +
                                                     std::to_string(request.timeout.count()) +
                                                     " ms");
        } catch (const Poco::Net::ConnectionRefusedException&) {
            throw DatasourceError(WDS_E_UNAVAILABLE, "connection refused by " + where);
        } catch (const Poco::Net::CertificateValidationException& e) {
            // Poco's post-handshake check: the chain is trusted but the names do not match.
            throw DatasourceError(WDS_E_TLS, "TLS failure with " + where +
                                                 ": the server certificate does not match host '" +
                                                 endpoint_.host + "' (" + e.displayText() + ")");
        } catch (const Poco::Net::SSLException& e) {
            std::string hint;
            if (e.displayText().find("certificate verify failed") != std::string::npos) {
                hint = " (the server certificate is not signed by a trusted CA: check cafile)";
            }
            throw DatasourceError(WDS_E_TLS,
                                  "TLS failure with " + where + ": " + e.displayText() + hint);
        } catch (const Poco::Net::DNSException& e) {
            throw DatasourceError(WDS_E_UNAVAILABLE,
                                  "cannot resolve host of " + where + ": " + e.displayText());
        } catch (const Poco::Net::NoMessageException&) {
            if (reused && round == 0)
                continue;
            throw DatasourceError(WDS_E_UNAVAILABLE,
                                  "connection to " + where + " closed without an answer");
        } catch (const Poco::Net::ConnectionResetException&) {
            if (reused && round == 0)
                continue;
            throw DatasourceError(WDS_E_UNAVAILABLE, "connection reset by " + where);
        } catch (const Poco::Net::ConnectionAbortedException&) {
            if (reused && round == 0)
                continue;
            throw DatasourceError(WDS_E_UNAVAILABLE, "connection aborted by " + where);
        } catch (const Poco::Net::MessageException& e) {
            throw DatasourceError(WDS_E_PROTOCOL,
                                  "malformed HTTP answer from " + where + ": " + e.displayText());
        } catch (const Poco::Exception& e) {
            throw DatasourceError(WDS_E_UNAVAILABLE,
                                  "request to " + where + " failed: " + e.displayText());
        }
    }
}

}  // namespace wds
