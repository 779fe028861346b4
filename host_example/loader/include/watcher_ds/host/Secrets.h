// Keeping secrets out of everything the host prints or logs.
#ifndef WATCHER_DS_HOST_SECRETS_H
#define WATCHER_DS_HOST_SECRETS_H

#include <string>
#include <vector>

#include <Poco/Util/AbstractConfiguration.h>

#include "watcher_ds/host/Export.h"

namespace wds::host {

class PluginLibrary;

/** What a secret is shown as. */
inline constexpr const char* kMaskedValue = "***";

/** True when the option name contains "password", "secret" or "token" (any case). */
WDS_LOADER_EXPORT bool isSecretKeyName(const std::string& key);

/**
 * True when `key` ("section.option") is a secret: flagged WDS_CONFIG_SECRET by `plugin` (may
 * be nullptr) or named like one.
 */
WDS_LOADER_EXPORT bool isSecretKey(const std::string& key, const PluginLibrary* plugin);

/** The value as it may be shown: "***" for a non-empty secret, the value otherwise. */
WDS_LOADER_EXPORT std::string displayValue(const std::string& key, const std::string& value,
                                           const PluginLibrary* plugin);

/**
 * Replaces known secret values inside free text (plugin log lines, error messages) with "***".
 * A defence in depth: plugins must not log secrets in the first place. Values shorter than
 * kMinimumLength are not scrubbed from free text, because replacing e.g. every "10" in a
 * message would garble it (they are still masked wherever a key/value pair is shown).
 */
class WDS_LOADER_EXPORT SecretMasker {
  public:
    static constexpr size_t kMinimumLength = 4;

    /** Collects the values of every secret-named key of `config` (all sections). */
    void addFromConfiguration(const Poco::Util::AbstractConfiguration& config);

    /** Collects the values of the keys `plugin` flags WDS_CONFIG_SECRET. */
    void addPluginSecrets(const Poco::Util::AbstractConfiguration& config,
                          const PluginLibrary& plugin);

    void addValue(const std::string& value);

    std::string mask(std::string text) const;

  private:
    std::vector<std::string> values_;  // longest first, so overlapping secrets mask fully
};

}  // namespace wds::host

#endif  // WATCHER_DS_HOST_SECRETS_H
