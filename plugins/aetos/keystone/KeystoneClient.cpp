#include "keystone/KeystoneClient.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "errors/DatasourceError.h"
#include "json/PromResponse.h"

namespace wds::aetos {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void malformed(const std::string& where, const std::string& what) {
    throw DatasourceError(WDS_E_PROTOCOL, "unexpected Keystone answer from " + where + ": " + what);
}

std::chrono::system_clock::time_point parseTime(const std::string& text, const std::string& where) {
    Poco::DateTime parsed;
    int timeZone = 0;
    if (!Poco::DateTimeParser::tryParse(text, parsed, timeZone)) {
        malformed(where, "expires_at '" + text + "' is not a time");
    }
    parsed.makeUTC(timeZone);
    return std::chrono::system_clock::from_time_t(parsed.timestamp().epochTime());
}

}  // namespace

KeystoneClient::KeystoneClient(std::shared_ptr<HttpTransport> transport, std::string rootPath,
                               KeystoneCredentials credentials, RetryPolicy retry,
                               std::chrono::milliseconds timeout, Logger log)
    : transport_(std::move(transport)),
      tokensPath_(std::move(rootPath) + "/v3/auth/tokens"),
      credentials_(std::move(credentials)),
      retry_(std::move(retry)),
      timeout_(timeout),
      log_(std::move(log)) {}

KeystoneToken KeystoneClient::issueToken() const {
    HttpRequest request;
    request.method = "POST";
    request.target = tokensPath_;
    request.body = credentials_.tokenRequestBody();
    request.timeout = timeout_;
    request.responseHeaders = {"X-Subject-Token"};
    const std::string where = "Keystone at " + url();

    return retry_.run("a token from " + where, log_, [&] {
        HttpResponse response = transport_->send(request);
        if (response.status == 201 || response.status == 200) {
            std::string value = response.header("X-Subject-Token");
            if (value.empty())
                malformed(where, "no X-Subject-Token header");
            return decodeToken(response.body, std::move(value), where);
        }
        const std::string text = promjson::errorText(response.body);
        if (response.status == 401 || response.status == 403) {
            throw DatasourceError(WDS_E_AUTH,
                                  where + " refused " + credentials_.describe() + " (HTTP " +
                                      std::to_string(response.status) + ": " + text + ")",
                                  response.status);
        }
        const bool retryable = response.status == 429 || response.status >= 500;
        throw DatasourceError(
            retryable ? WDS_E_UNAVAILABLE : WDS_E_PROTOCOL,
            "HTTP " + std::to_string(response.status) + " from " + where + " for a token: " + text,
            response.status);
    });
}

KeystoneToken KeystoneClient::decodeToken(const std::string& body, std::string value,
                                          const std::string& where) {
    Object::Ptr token;
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var root = parser.parse(body);
        Object::Ptr object =
            root.type() == typeid(Object::Ptr) ? root.extract<Object::Ptr>() : nullptr;
        token = object ? object->getObject("token") : nullptr;
    } catch (const Poco::Exception&) {
        malformed(where, "not JSON");
    }
    if (!token)
        malformed(where, "no 'token' object");

    KeystoneToken result;
    result.value = std::move(value);
    result.issuedAt = std::chrono::system_clock::now();
    result.expiresAt = parseTime(token->optValue<std::string>("expires_at", ""), where);

    if (Array::Ptr services = token->getArray("catalog")) {
        for (size_t i = 0; i < services->size(); ++i) {
            Object::Ptr service = services->getObject(static_cast<unsigned>(i));
            Array::Ptr endpoints = service ? service->getArray("endpoints") : nullptr;
            if (!endpoints)
                continue;
            const std::string type = service->optValue<std::string>("type", "");
            for (size_t k = 0; k < endpoints->size(); ++k) {
                Object::Ptr e = endpoints->getObject(static_cast<unsigned>(k));
                if (!e)
                    continue;
                CatalogEndpoint endpoint{type, e->optValue<std::string>("interface", ""),
                                         e->optValue<std::string>("region_id", ""),
                                         e->optValue<std::string>("url", "")};
                if (endpoint.region.empty()) {
                    endpoint.region = e->optValue<std::string>("region", "");
                }
                result.catalog.push_back(std::move(endpoint));
            }
        }
    }
    return result;
}

std::string normalizeInterface(const std::string& interface) {
    const std::string suffix = "URL";
    if (interface.size() > suffix.size() &&
        interface.compare(interface.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return interface.substr(0, interface.size() - suffix.size());
    }
    return interface;
}

std::string findEndpoint(const std::vector<CatalogEndpoint>& catalog,
                         const std::string& serviceType, const std::string& interface,
                         const std::string& region) {
    const std::string wanted = normalizeInterface(interface);
    std::string available;
    for (const CatalogEndpoint& e : catalog) {
        if (e.serviceType != serviceType)
            continue;
        if (e.interface == wanted && (region.empty() || e.region == region))
            return e.url;
        available += (available.empty() ? "" : ", ") + e.interface + " in " +
                     (e.region.empty() ? "no region" : e.region);
    }
    throw DatasourceError(
        WDS_E_CONFIG, "the Keystone catalog has no " + serviceType + " endpoint with interface '" +
                          wanted + "'" + (region.empty() ? "" : " in region '" + region + "'") +
                          (available.empty() ? " (it has no " + serviceType + " service at all)"
                                             : " (it has: " + available + ")"));
}

}  // namespace wds::aetos
