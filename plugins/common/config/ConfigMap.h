#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "watcher_ds/datasource.h"

namespace wds {

/**
 * The key/value configuration a plugin receives at create ("section.option" -> value), with
 * typed getters. Every invalid value throws DatasourceError(WDS_E_CONFIG) naming the key; values
 * of secret keys are never quoted back.
 */
class ConfigMap {
  public:
    ConfigMap() = default;
    ConfigMap(const wds_kv* entries, size_t count);

    void set(const std::string& key, const std::string& value) { values_[key] = value; }

    /** The value, or nullopt when the key is absent or empty (oslo treats both as unset). */
    std::optional<std::string> find(const std::string& key) const;

    std::string getString(const std::string& key, const std::string& fallback = {}) const;
    int64_t getInt(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
    /** A duration in seconds (fractions allowed), > 0 unless allowZero. */
    double getSeconds(const std::string& key, double fallback, bool allowZero = false) const;
    bool getBool(const std::string& key, bool fallback) const;
    /** A PromQL label name ([a-zA-Z_][a-zA-Z0-9_]*). */
    std::string getLabelName(const std::string& key, const std::string& fallback) const;

    const std::map<std::string, std::string>& entries() const { return values_; }

  private:
    std::map<std::string, std::string> values_;
};

}  // namespace wds
