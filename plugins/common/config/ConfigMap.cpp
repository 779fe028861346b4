#include "config/ConfigMap.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "errors/DatasourceError.h"
#include "promql/PromQL.h"

namespace wds {
namespace {

[[noreturn]] void invalid(const std::string& key, const std::string& value, const char* expected) {
    throw DatasourceError(WDS_E_CONFIG,
                          "invalid value '" + value + "' for " + key + ": expected " + expected);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

ConfigMap::ConfigMap(const wds_kv* entries, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        if (entries[i].key == nullptr) {
            throw DatasourceError(WDS_E_CONFIG,
                                  "config entry " + std::to_string(i) + " has a NULL key");
        }
        values_[entries[i].key] = entries[i].value != nullptr ? entries[i].value : "";
    }
}

std::optional<std::string> ConfigMap::find(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end() || it->second.empty())
        return std::nullopt;
    return it->second;
}

std::string ConfigMap::getString(const std::string& key, const std::string& fallback) const {
    return find(key).value_or(fallback);
}

int64_t ConfigMap::getInt(const std::string& key, int64_t fallback, int64_t min,
                          int64_t max) const {
    auto raw = find(key);
    if (!raw)
        return fallback;
    int64_t value = 0;
    const char* end = raw->data() + raw->size();
    auto [ptr, ec] = std::from_chars(raw->data(), end, value);
    std::string range = "an integer in " + std::to_string(min) + ".." + std::to_string(max);
    if (ec != std::errc() || ptr != end || value < min || value > max) {
        invalid(key, *raw, range.c_str());
    }
    return value;
}

double ConfigMap::getSeconds(const std::string& key, double fallback, bool allowZero) const {
    auto raw = find(key);
    if (!raw)
        return fallback;
    double value = 0;
    const char* end = raw->data() + raw->size();
    auto [ptr, ec] = std::from_chars(raw->data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0 ||
        (value == 0 && !allowZero) || value > 86400.0 * 365) {
        invalid(key, *raw, allowZero ? "a number of seconds >= 0" : "a number of seconds > 0");
    }
    return value;
}

bool ConfigMap::getBool(const std::string& key, bool fallback) const {
    auto raw = find(key);
    if (!raw)
        return fallback;
    const std::string v = lower(*raw);
    if (v == "true" || v == "yes" || v == "on" || v == "1")
        return true;
    if (v == "false" || v == "no" || v == "off" || v == "0")
        return false;
    invalid(key, *raw, "true or false");
}

std::string ConfigMap::getLabelName(const std::string& key, const std::string& fallback) const {
    std::string value = getString(key, fallback);
    if (!promql::isValidLabelName(value)) {
        invalid(key, value, "a Prometheus label name matching [a-zA-Z_][a-zA-Z0-9_]*");
    }
    return value;
}

}  // namespace wds
