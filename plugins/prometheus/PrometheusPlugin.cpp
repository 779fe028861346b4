// libprometheus_ds.so: Watcher's Prometheus datasource, talking to one Prometheus directly.
#include <iterator>
#include <memory>

#include "abi/PluginGlue.h"
#include "config/CommonOptions.h"
#include "config/ConfigKeys.h"
#include "errors/DatasourceError.h"
#include "http/PocoHttpTransport.h"

namespace wds::prometheus {
namespace {

constexpr size_t kMaxResponseBytes = 64u << 20;

const wds_config_key kConfigKeys[] = {
    WDS_CONFIG_KEY(0, "prometheus_client.host", "",
                   "Prometheus host name or IP address (required)"),
    WDS_CONFIG_KEY(0, "prometheus_client.port", "9090", "Prometheus port"),
    WDS_CONFIG_KEY(0, "prometheus_client.root_path", "",
                   "path prefix when Prometheus is served under one, e.g. /prometheus"),
    WDS_CONFIG_KEY(0, "prometheus_client.scheme", "",
                   "http or https; unset: https when cafile or certfile is set, else http"),
    WDS_LABEL_CONFIG_KEYS("prometheus_client"),
    WDS_CONFIG_KEY(0, "prometheus_client.username", "", "basic auth user (used with password)"),
    WDS_CONFIG_KEY(WDS_CONFIG_SECRET, "prometheus_client.password", "", "basic auth password"),
    WDS_TLS_CONFIG_KEYS("prometheus_client",
                        "CA bundle that verifies the server (default: the system CAs)"),
    WDS_CONFIG_KEY(0, "prometheus_client.timeout", "30", "seconds allowed for each HTTP request"),
    WDS_RETRY_CONFIG_KEYS,
};

[[noreturn]] void configError(const std::string& message) {
    throw DatasourceError(WDS_E_CONFIG, message);
}

Endpoint readEndpoint(const ConfigMap& config, const TlsSettings& tls) {
    Endpoint endpoint;
    endpoint.host = config.getString("prometheus_client.host");
    if (endpoint.host.empty()) {
        configError("prometheus_client.host must be set: the Prometheus host name or address");
    }
    if (endpoint.host.find("://") != std::string::npos ||
        endpoint.host.find('/') != std::string::npos) {
        configError(
            "prometheus_client.host must be a host name or address, not a URL "
            "(use scheme, port and root_path)");
    }
    if (endpoint.host.front() == '[' && endpoint.host.back() == ']') {
        endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);  // "[::1]" -> "::1"
    }
    endpoint.port = static_cast<uint16_t>(config.getInt("prometheus_client.port", 9090, 1, 65535));
    endpoint.rootPath =
        Endpoint::normalizeRootPath(config.getString("prometheus_client.root_path"));

    const bool tlsFilesSet = !tls.cafile.empty() || !tls.certfile.empty();
    const std::string scheme = config.getString("prometheus_client.scheme");
    if (scheme.empty()) {
        endpoint.scheme = tlsFilesSet ? "https" : "http";  // Watcher: cafile means https
    } else if (scheme == "http" || scheme == "https") {
        endpoint.scheme = scheme;
        if (scheme == "http" && tlsFilesSet) {
            configError("prometheus_client.scheme is http but cafile/certfile are set");
        }
    } else {
        configError("invalid value '" + scheme +
                    "' for prometheus_client.scheme: expected http or https");
    }
    return endpoint;
}

std::unique_ptr<Datasource> create(const ConfigMap& config, const Logger& log) {
    const TlsSettings tls = readTlsSettings(config, "prometheus_client");
    const Endpoint endpoint = readEndpoint(config, tls);
    const auto timeout = toMillis(config.getSeconds("prometheus_client.timeout", 30.0));

    std::optional<PocoHttpTransport::BasicAuth> auth;
    const std::string username = config.getString("prometheus_client.username");
    const std::string password = config.getString("prometheus_client.password");
    if (!username.empty() && !password.empty()) {
        auth = PocoHttpTransport::BasicAuth{username, password};
    } else if (!username.empty() || !password.empty()) {
        log.warning("basic auth needs both prometheus_client.username and password; not using it");
    }
    if (tls.insecure && endpoint.https()) {
        log.warning("prometheus_client.insecure is set: the server certificate is NOT verified");
    }

    auto transport = std::make_shared<PocoHttpTransport>(endpoint, tls, auth, kMaxResponseBytes);
    auto client = std::make_unique<PromApiClient>(transport, endpoint.rootPath,
                                                  readRetryPolicy(config), timeout, log);
    Datasource::Settings settings =
        readDatasourceSettings(config, "prometheus_client", "prometheus");
    settings.postQueries = true;  // Prometheus and VictoriaMetrics take POST /api/v1/query
    auto datasource = std::make_unique<Datasource>(std::move(settings), std::move(client), log);
    datasource->start();
    return datasource;
}

const abi::PluginDefinition kDefinition{"prometheus", "Prometheus (direct)", kConfigKeys,
                                        std::size(kConfigKeys), create};

}  // namespace
}  // namespace wds::prometheus

extern "C" WDS_EXPORT const wds_plugin_v1* wds_plugin_entry_v1(const wds_host_v1* host) {
    return wds::abi::entry(host, wds::prometheus::kDefinition);
}
