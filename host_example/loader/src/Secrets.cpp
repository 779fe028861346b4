#include "watcher_ds/host/Secrets.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "watcher_ds/host/PluginLibrary.h"

namespace wds::host {

// isSecretKeyName() is defined in WatcherConf.cpp, which the config fuzzer compiles alone.

bool isSecretKey(const std::string& key, const PluginLibrary* plugin) {
    if (isSecretKeyName(key))
        return true;
    if (plugin == nullptr)
        return false;
    const wds_config_key* known = plugin->findConfigKey(key);
    return known != nullptr && (known->flags & WDS_CONFIG_SECRET) != 0;
}

std::string displayValue(const std::string& key, const std::string& value,
                         const PluginLibrary* plugin) {
    return !value.empty() && isSecretKey(key, plugin) ? kMaskedValue : value;
}

void SecretMasker::addFromConfiguration(const Poco::Util::AbstractConfiguration& config) {
    // Walks the key tree; a node can be both a value and a parent ("a" and "a.b").
    std::function<void(const std::string&)> walk = [&](const std::string& prefix) {
        Poco::Util::AbstractConfiguration::Keys children;
        config.keys(prefix, children);
        for (const auto& child : children) {
            const std::string key = prefix.empty() ? child : prefix + "." + child;
            if (config.has(key) && isSecretKeyName(child))
                addValue(config.getRawString(key));
            walk(key);
        }
    };
    walk("");
}

void SecretMasker::addPluginSecrets(const Poco::Util::AbstractConfiguration& config,
                                    const PluginLibrary& plugin) {
    for (size_t i = 0; i < plugin.configKeyCount(); ++i) {
        const wds_config_key& key = plugin.configKey(i);
        if ((key.flags & WDS_CONFIG_SECRET) != 0 && config.has(key.key)) {
            addValue(config.getRawString(key.key));
        }
    }
}

void SecretMasker::addValue(const std::string& value) {
    if (value.size() < kMinimumLength)
        return;
    if (std::find(values_.begin(), values_.end(), value) != values_.end())
        return;
    values_.push_back(value);
    std::stable_sort(
        values_.begin(), values_.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretMasker::mask(std::string text) const {
    for (const auto& secret : values_) {
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + std::char_traits<char>::length(kMaskedValue))) {
            text.replace(pos, secret.size(), kMaskedValue);
        }
    }
    return text;
}

}  // namespace wds::host
