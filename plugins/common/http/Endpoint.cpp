#include "http/Endpoint.h"

#include <algorithm>
#include <charconv>

#include "errors/DatasourceError.h"

namespace wds {

std::string Endpoint::urlHost() const {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string Endpoint::url() const {
    return scheme + "://" + urlHost() + ":" + std::to_string(port) + rootPath;
}

Endpoint Endpoint::parse(const std::string& url, const std::string& what, wds_status status) {
    auto fail = [&](const std::string& why) {
        throw DatasourceError(status, what + ": cannot use URL '" + url + "': " + why);
    };
    Endpoint endpoint;
    const size_t schemeEnd = url.find("://");
    if (schemeEnd == std::string::npos)
        fail("expected scheme://host[:port][/path]");
    endpoint.scheme = url.substr(0, schemeEnd);
    if (endpoint.scheme != "http" && endpoint.scheme != "https")
        fail("scheme must be http or https");
    endpoint.port = endpoint.https() ? 443 : 80;

    const size_t authorityBegin = schemeEnd + 3;
    const size_t pathBegin = std::min(url.find('/', authorityBegin), url.size());
    const std::string authority = url.substr(authorityBegin, pathBegin - authorityBegin);
    if (authority.find('@') != std::string::npos)
        fail("user info is not supported");
    if (url.find_first_of("?#", authorityBegin) != std::string::npos)
        fail("no query allowed");

    std::string port;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string::npos)
            fail("unterminated IPv6 address");
        endpoint.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':')
                fail("garbage after the IPv6 address");
            port = authority.substr(close + 2);
        }
    } else {
        const size_t colon = authority.find(':');
        endpoint.host = authority.substr(0, colon);
        if (colon != std::string::npos)
            port = authority.substr(colon + 1);
    }
    if (endpoint.host.empty())
        fail("no host");
    if (!port.empty()) {
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
            fail("invalid port");
        }
        endpoint.port = static_cast<uint16_t>(value);
    }
    endpoint.rootPath = normalizeRootPath(url.substr(pathBegin));
    return endpoint;
}

std::string Endpoint::normalizeRootPath(const std::string& path) {
    size_t begin = path.find_first_not_of('/');
    if (begin == std::string::npos)
        return "";
    size_t end = path.find_last_not_of('/');
    return "/" + path.substr(begin, end - begin + 1);
}

}  // namespace wds
