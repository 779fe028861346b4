// libaetos_ds.so: Watcher's Aetos datasource. Aetos is a Keystone-authenticated, multi-tenant
// proxy in front of Prometheus: the same API, found through the service catalog, with a token.
#include <iterator>
#include <memory>

#include "TokenAuthTransport.h"
#include "abi/PluginGlue.h"
#include "config/CommonOptions.h"
#include "config/ConfigKeys.h"
#include "errors/DatasourceError.h"
#include "http/PocoHttpTransport.h"
#include "keystone/KeystoneClient.h"
#include "keystone/TokenCache.h"

namespace wds::aetos {
namespace {

constexpr size_t kMaxResponseBytes = 64u << 20;
constexpr const char* kServiceType = "metric-storage";
constexpr const char* kAuth = "watcher_clients_auth";
constexpr const char* kAetos = "aetos_client";

const wds_config_key kConfigKeys[] = {
    WDS_CONFIG_KEY(0, "aetos_client.interface", "public",
                   "catalog interface: public, internal, admin (or publicURL, internalURL, "
                   "adminURL)"),
    WDS_CONFIG_KEY(0, "aetos_client.region_name", "",
                   "catalog region; unset: the first in any region"),
    WDS_LABEL_CONFIG_KEYS("aetos_client"),
    WDS_TLS_CONFIG_KEYS("aetos_client",
                        "CA bundle for the Aetos endpoint (default: watcher_clients_auth's TLS "
                        "settings)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.auth_type", "",
                   "password or v3applicationcredential (required)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.auth_url", "",
                   "Keystone URL, e.g. http://keystone/identity"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.username", "", "user name (password auth)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.user_id", "", "user id (instead of username)"),
    WDS_CONFIG_KEY(WDS_CONFIG_SECRET, "watcher_clients_auth.password", "", "the user's password"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.user_domain_name", "", "the user's domain name"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.user_domain_id", "",
                   "the user's domain id (default: default)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.project_name", "", "project to scope the token to"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.project_id", "",
                   "project id (instead of project_name)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.project_domain_name", "", "the project's domain name"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.project_domain_id", "",
                   "the project's domain id (default: default)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.application_credential_id", "",
                   "application credential id (v3applicationcredential)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.application_credential_name", "",
                   "application credential name (with username or user_id)"),
    WDS_CONFIG_KEY(WDS_CONFIG_SECRET, "watcher_clients_auth.application_credential_secret", "",
                   "application credential secret"),
    WDS_TLS_CONFIG_KEYS("watcher_clients_auth", "CA bundle for Keystone (and Aetos by default)"),
    WDS_CONFIG_KEY(0, "watcher_clients_auth.timeout", "30",
                   "seconds allowed for each HTTP request"),
    WDS_RETRY_CONFIG_KEYS,
};

std::string readInterface(const ConfigMap& config) {
    const std::string interface = config.getString("aetos_client.interface", "public");
    const std::string normalized = normalizeInterface(interface);
    if (normalized != "public" && normalized != "internal" && normalized != "admin") {
        throw DatasourceError(WDS_E_CONFIG, "invalid value '" + interface +
                                                "' for aetos_client.interface: expected public, "
                                                "internal or admin (or their ...URL forms)");
    }
    return interface;
}

/** Aetos' own TLS settings when any is given, else those used for Keystone (as Watcher does). */
TlsSettings readAetosTls(const ConfigMap& config, const TlsSettings& keystoneTls) {
    for (const char* option : {"cafile", "certfile", "keyfile", "insecure"}) {
        if (config.find(std::string(kAetos) + "." + option))
            return readTlsSettings(config, kAetos);
    }
    return keystoneTls;
}

std::unique_ptr<Datasource> create(const ConfigMap& config, const Logger& log) {
    const KeystoneCredentials credentials = KeystoneCredentials::fromConfig(config, kAuth);
    const std::string authUrl = config.getString(std::string(kAuth) + ".auth_url");
    if (authUrl.empty()) {
        throw DatasourceError(WDS_E_CONFIG, std::string(kAuth) + ".auth_url must be set");
    }
    Endpoint keystoneEndpoint =
        Endpoint::parse(authUrl, std::string(kAuth) + ".auth_url", WDS_E_CONFIG);
    const std::string v3 = "/v3";
    std::string& root = keystoneEndpoint.rootPath;
    if (root.size() >= v3.size() && root.compare(root.size() - v3.size(), v3.size(), v3) == 0) {
        root.erase(root.size() - v3.size());  // "http://ks/identity/v3" and ".../identity" alike
    }
    const TlsSettings keystoneTls = readTlsSettings(config, kAuth);
    const TlsSettings aetosTls = readAetosTls(config, keystoneTls);
    const std::string interface = readInterface(config);
    const std::string region = config.getString("aetos_client.region_name");
    const auto timeout = toMillis(config.getSeconds(std::string(kAuth) + ".timeout", 30.0));
    const RetryPolicy retry = readRetryPolicy(config);

    auto keystone = std::make_shared<KeystoneClient>(
        std::make_shared<PocoHttpTransport>(keystoneEndpoint, keystoneTls, std::nullopt,
                                            kMaxResponseBytes),
        keystoneEndpoint.rootPath, credentials, retry, timeout, log);
    KeystoneToken token = keystone->issueToken();
    const Endpoint aetosEndpoint = Endpoint::parse(
        findEndpoint(token.catalog, kServiceType, interface, region),
        std::string("the ") + kServiceType + " endpoint of the Keystone catalog", WDS_E_CONFIG);
    log.info("using the " + std::string(kServiceType) + " endpoint " + aetosEndpoint.url() +
             " (interface " + interface + (region.empty() ? "" : ", region " + region) + ")");

    auto tokens = std::make_shared<TokenCache>([keystone] { return keystone->issueToken(); }, log);
    tokens->prime(std::move(token));
    auto transport = std::make_shared<TokenAuthTransport>(
        std::make_shared<PocoHttpTransport>(aetosEndpoint, aetosTls, std::nullopt,
                                            kMaxResponseBytes),
        tokens);
    auto client =
        std::make_unique<PromApiClient>(transport, aetosEndpoint.rootPath, retry, timeout, log);
    client->setForbiddenHint(
        " (Aetos serves all projects, targets and status only to a token "
        "with the admin or service role: grant one to " +
        credentials.describe() + ")");
    Datasource::Settings settings = readDatasourceSettings(config, kAetos, "aetos");
    settings.seriesViaSubquery = true;  // Aetos answers 404 on /api/v1/query_range
    auto datasource = std::make_unique<Datasource>(std::move(settings), std::move(client), log);
    datasource->start();
    return datasource;
}

const abi::PluginDefinition kDefinition{"aetos", "Aetos (Keystone-authenticated Prometheus)",
                                        kConfigKeys, std::size(kConfigKeys), create};

}  // namespace
}  // namespace wds::aetos

extern "C" WDS_EXPORT const wds_plugin_v1* wds_plugin_entry_v1(const wds_host_v1* host) {
    return wds::abi::entry(host, wds::aetos::kDefinition);
}
