#pragma once

#include <cstdint>
#include <string>

#include "watcher_ds/datasource.h"

namespace wds {

/** Where a Prometheus-API server listens: scheme, host (IPv6 without brackets), port, root. */
struct Endpoint {
    std::string scheme = "http";
    std::string host;
    uint16_t port = 9090;
    std::string rootPath;  // "" or "/prefix", never a trailing slash

    bool https() const { return scheme == "https"; }
    /** Host as it appears in a URL: IPv6 literals bracketed. */
    std::string urlHost() const;
    /** "http://[::1]:9090/prefix" */
    std::string url() const;

    /**
     * Parses "scheme://host[:port][/path]" (IPv6 hosts in brackets; the port defaults to 80 or
     * 443). A query string or user info is refused. Throws DatasourceError(`status`) whose
     * message names `what` (the config key or "the metric-storage endpoint") and the URL.
     */
    static Endpoint parse(const std::string& url, const std::string& what, wds_status status);

    /** "prometheus/", "/prometheus", "/a/b/" -> "/prometheus", "/a/b"; "" and "/" -> "". */
    static std::string normalizeRootPath(const std::string& path);
};

/** TLS client settings; empty paths mean "not set". */
struct TlsSettings {
    std::string cafile;    // trust anchors; empty = the system CAs
    std::string certfile;  // client certificate for mutual TLS (with keyfile)
    std::string keyfile;
    bool insecure = false;  // skip verification: only when explicitly configured
};

}  // namespace wds
