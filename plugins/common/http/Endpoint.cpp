#include "http/Endpoint.h"

namespace wds {

std::string Endpoint::urlHost() const {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string Endpoint::url() const {
    return scheme + "://" + urlHost() + ":" + std::to_string(port) + rootPath;
}

std::string Endpoint::normalizeRootPath(const std::string& path) {
    size_t begin = path.find_first_not_of('/');
    if (begin == std::string::npos)
        return "";
    size_t end = path.find_last_not_of('/');
    return "/" + path.substr(begin, end - begin + 1);
}

}  // namespace wds
