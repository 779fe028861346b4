#include "config/CommonOptions.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "errors/DatasourceError.h"

namespace wds {

std::chrono::milliseconds toMillis(double seconds) {
    return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000.0)));
}

RetryPolicy readRetryPolicy(const ConfigMap& config) {
    const auto attempts = config.getInt("watcher_datasources.query_max_retries", 10, 1, 1000);
    const double interval = config.getSeconds("watcher_datasources.query_interval", 1.0, true);
    return RetryPolicy(static_cast<int>(attempts), toMillis(interval));
}

Datasource::Settings readDatasourceSettings(const ConfigMap& config, const std::string& section,
                                            const std::string& id) {
    Datasource::Settings settings;
    settings.id = id;
    settings.fqdnLabel = config.getLabelName(section + ".fqdn_label", "fqdn");
    settings.instanceUuidLabel = config.getLabelName(section + ".instance_uuid_label", "resource");
    settings.labelRefreshInterval =
        toMillis(config.getSeconds(section + ".label_refresh_interval", 60.0, true));
    return settings;
}

TlsSettings readTlsSettings(const ConfigMap& config, const std::string& section) {
    TlsSettings tls;
    tls.cafile = readFilePath(config, section + ".cafile");
    tls.certfile = readFilePath(config, section + ".certfile");
    tls.keyfile = readFilePath(config, section + ".keyfile");
    tls.insecure = config.getBool(section + ".insecure", false);
    if (tls.certfile.empty() != tls.keyfile.empty()) {
        throw DatasourceError(
            WDS_E_CONFIG, section + ".certfile and " + section + ".keyfile must be set together");
    }
    return tls;
}

std::string readFilePath(const ConfigMap& config, const std::string& key) {
    const std::string path = config.getString(key);
    if (path.empty())
        return path;
    std::ifstream file(path);
    if (!file) {
        throw DatasourceError(WDS_E_CONFIG,
                              key + ": cannot read '" + path + "': " + std::strerror(errno));
    }
    return path;
}

}  // namespace wds
