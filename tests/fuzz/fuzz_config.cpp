// Fuzzes the configuration path: the host's watcher.conf parser (host_example/loader
// WatcherConf) on an arbitrary file body, then the plugins' reader (plugins/common/config
// ConfigMap and the readers built on it) on what it produced and on raw key=value lines.
//
// Bad input may only throw ConfigError (the loader) or DatasourceError(WDS_E_CONFIG) (the
// plugins), never crash or throw anything else; a secret's value is never quoted back; what the
// readers accept lies in the documented ranges; a parsed watcher.conf written back out
// parses to the same thing; and oslo-style substitution ($name, ${group.name}, $$) leaves
// values without a '$' alone, resolves a plain reference to the referenced value, fails only
// with a ConfigError naming a key, and never quotes a secret.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "FuzzCheck.h"
#include "config/CommonOptions.h"
#include "config/ConfigMap.h"
#include "errors/DatasourceError.h"
#include "http/Endpoint.h"
#include "promql/PromQL.h"
#include "watcher_ds/host/WatcherConf.h"

namespace {

using wds::ConfigMap;
using wds::DatasourceError;
using wds::host::ConfigError;
using wds::host::WatcherConf;

// Stands in for every password and secret: no error text may contain it.
const std::string kSecret = "Sentinel-Secret-4f1c9e";
const char* const kOrigin = "fuzz.conf";
const char* const kSections[] = {"prometheus_client", "aetos_client", "watcher_clients_auth",
                                 "watcher_datasources"};

// The file options point into this directory only (ca.pem, cert.pem, key.pem, a directory
// "dir"), so the fuzzer cannot open arbitrary files of the machine (a FIFO would block).
std::filesystem::path fileRoot;

/** password, application_credential_secret and the like (the option, not the section). */
bool isSecret(const std::string& key) {
    const std::string option = key.substr(key.rfind('.') + 1);
    return option.find("password") != std::string::npos ||
           option.find("secret") != std::string::npos;
}

bool isFileOption(const std::string& key) {
    for (const char* suffix : {".cafile", ".certfile", ".keyfile"}) {
        const std::string s = suffix;
        if (key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0)
            return true;
    }
    return false;
}

/**
 * The sentinel is in the fuzzer's dictionary, so an input can carry it in a key or in a value
 * that is no secret, which an error may rightly quote. It is cut from those before the plugin
 * sees them, so that the sentinel in a message always means a leaked secret.
 */
std::string withoutSentinel(std::string text) {
    for (size_t at; (at = text.find(kSecret)) != std::string::npos;)
        text.erase(at, kSecret.size());
    return text;
}

/** The value the plugin sees: secrets replaced by the sentinel, files confined to fileRoot. */
std::string pluginValue(const std::string& key, const std::string& raw) {
    if (isSecret(key))
        return kSecret;
    const std::string value = withoutSentinel(raw);
    if (isFileOption(key) && !value.empty()) {
        std::string name = value;
        for (char& c : name) {
            if (c == '/' || c == '\0')
                c = '_';
        }
        return (fileRoot / name).string();
    }
    return value;
}

/** Runs `read`; a failure must be DatasourceError(`status`) without the secret in it. */
template <class Read>
bool reads(Read&& read, wds_status status = WDS_E_CONFIG) {
    try {
        read();
        return true;
    } catch (const DatasourceError& e) {
        const std::string what = e.what();
        WDS_FUZZ_CHECK(e.status() == status, what);
        WDS_FUZZ_CHECK(what.find(kSecret) == std::string::npos, "a secret in: " + what);
        WDS_FUZZ_CHECK(!what.empty(), "an empty config error");
        return false;
    }
}

void checkEndpoint(const std::string& url) {
    reads(
        [&] {
            const auto endpoint = wds::Endpoint::parse(url, "fuzz.url", WDS_E_CONFIG);
            WDS_FUZZ_CHECK(!endpoint.host.empty() && endpoint.port != 0, url);
            WDS_FUZZ_CHECK(endpoint.scheme == "http" || endpoint.scheme == "https", url);
            // Written back and read again, it is the same endpoint (a host with brackets of its
            // own cannot be written as a URL at all).
            if (endpoint.host.find_first_of("[]") == std::string::npos) {
                const auto again = wds::Endpoint::parse(endpoint.url(), "again", WDS_E_INTERNAL);
                WDS_FUZZ_CHECK(again.scheme == endpoint.scheme && again.host == endpoint.host &&
                                   again.port == endpoint.port &&
                                   again.rootPath == endpoint.rootPath,
                               url + " -> " + endpoint.url());
            }
        },
        WDS_E_CONFIG);
    const std::string root = wds::Endpoint::normalizeRootPath(url);
    WDS_FUZZ_CHECK(root.empty() || (root.front() == '/' && root.back() != '/'), root);
    WDS_FUZZ_CHECK(wds::Endpoint::normalizeRootPath(root) == root, "normalizeRootPath twice");
}

/** Every getter on every (non-secret) key, and every reader of the plugins. */
void checkConfigMap(const ConfigMap& config) {
    for (const auto& entry : config.entries()) {
        const std::string& key = entry.first;  // (lambdas cannot capture structured bindings)
        const std::string& value = entry.second;
        if (isSecret(key)) {
            WDS_FUZZ_CHECK(value.empty() || config.getString(key) == kSecret, key);
            continue;
        }
        WDS_FUZZ_CHECK(config.find(key).has_value() == !value.empty(), key);
        reads([&] {
            const auto v = config.getInt(key, 7, 1, 65535);
            WDS_FUZZ_CHECK(v >= 1 && v <= 65535, key);
        });
        reads([&] {
            config.getInt(key, 0, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max());
        });
        for (const bool allowZero : {false, true}) {
            reads([&] {
                const double s = config.getSeconds(key, 1.0, allowZero);
                WDS_FUZZ_CHECK(std::isfinite(s) && (allowZero ? s >= 0 : s > 0), key);
                WDS_FUZZ_CHECK(s <= 86400.0 * 365, key);
                WDS_FUZZ_CHECK(wds::toMillis(s).count() >= (allowZero ? 0 : 1), key);
            });
        }
        reads([&] {
            const bool b = config.getBool(key, false);
            std::string lower;
            for (const char c : value)
                lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            const bool word = lower == "true" || lower == "yes" || lower == "on" || lower == "1";
            WDS_FUZZ_CHECK(value.empty() || b == word, key);
        });
        reads([&] {
            WDS_FUZZ_CHECK(wds::promql::isValidLabelName(config.getLabelName(key, "fqdn")), key);
        });
        checkEndpoint(value);
    }

    reads([&] {
        const auto retry = wds::readRetryPolicy(config);
        WDS_FUZZ_CHECK(retry.maxAttempts() >= 1 && retry.maxAttempts() <= 1000, "attempts");
        WDS_FUZZ_CHECK(retry.interval().count() >= 0, "interval");
    });
    std::vector<std::string> sections(std::begin(kSections), std::end(kSections));
    for (const auto& entry : config.entries()) {
        if (sections.size() >= 8)
            break;
        sections.push_back(entry.first.substr(0, entry.first.rfind('.')));
    }
    for (const std::string& section : sections) {
        reads([&] {
            const auto settings = wds::readDatasourceSettings(config, section, "fuzz");
            WDS_FUZZ_CHECK(wds::promql::isValidLabelName(settings.fqdnLabel), section);
            WDS_FUZZ_CHECK(wds::promql::isValidLabelName(settings.instanceUuidLabel), section);
            WDS_FUZZ_CHECK(settings.labelRefreshInterval.count() >= 0, section);
        });
        reads([&] {
            const auto tls = wds::readTlsSettings(config, section);
            WDS_FUZZ_CHECK(tls.certfile.empty() == tls.keyfile.empty(), section);
        });
    }
}

/** Builds a ConfigMap through the C ABI's entry array, as create() receives it. */
std::optional<ConfigMap> viaAbi(const std::vector<std::pair<const char*, const char*>>& pairs) {
    std::vector<wds_kv> entries;
    for (const auto& [key, value] : pairs)
        entries.push_back(wds_kv{key, value});
    std::optional<ConfigMap> config;
    const bool nullKey =
        std::any_of(pairs.begin(), pairs.end(), [](const auto& p) { return p.first == nullptr; });
    const bool ok = reads([&] { config.emplace(entries.data(), entries.size()); });
    WDS_FUZZ_CHECK(ok != nullKey, "a NULL key must be refused, and only that");
    return config;
}

/** Writes `sections` out as watcher.conf text that must parse to the same sections. */
std::string writeSections(const WatcherConf::SectionMap& sections) {
    std::string text = "# written back\n";  // keeps a section name from taking line 1's BOM
    for (const auto& [section, options] : sections) {
        text += "[" + section + "]\n";
        for (const auto& [option, value] : options) {
            const size_t newline = value.find('\n');
            // The first line quoted (so its spaces and quotes survive), continuations indented.
            text += option + " = '" + value.substr(0, newline) + "'\n";
            for (size_t at = newline; at != std::string::npos;) {
                const size_t next = value.find('\n', at + 1);
                text += "  " + value.substr(at + 1, next - at - 1) + "\n";
                at = next;
            }
        }
    }
    return text;
}

std::string writeBack(const WatcherConf& conf) {
    return writeSections(conf.sections());
}

// `value` is exactly "$name" or "${name}" with an option name without dots: the name.
std::optional<std::string> plainReference(const std::string& value) {
    std::string name;
    if (value.size() > 3 && value.compare(0, 2, "${") == 0 && value.back() == '}')
        name = value.substr(2, value.size() - 3);
    else if (value.size() > 1 && value[0] == '$')
        name = value.substr(1);
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
        return std::nullopt;
    for (unsigned char c : name) {
        if (!(std::isalnum(c) || c == '_'))
            return std::nullopt;
    }
    return name;
}

void checkSubstitution(const WatcherConf& parsed) {
    // The sentinel only in secrets (after what the input put there, '$'s included), so that it
    // in a message means a leaked secret, not a quoted key or section name.
    WatcherConf::SectionMap sanitized;
    for (const auto& [section, options] : parsed.sections()) {
        for (const auto& [option, value] : options) {
            const std::string key = withoutSentinel(section) + "." + withoutSentinel(option);
            sanitized[withoutSentinel(section)][withoutSentinel(option)] =
                isSecret(key) ? withoutSentinel(value) + kSecret : withoutSentinel(value);
        }
    }
    std::optional<WatcherConf> rawConf;
    try {
        rawConf = WatcherConf::parseString(writeSections(sanitized), kOrigin);
    } catch (const ConfigError&) {
        return;  // a name that was only the sentinel
    }
    const WatcherConf& raw = *rawConf;
    WatcherConf done = raw;
    try {
        done.substitute();
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        WDS_FUZZ_CHECK(what.find(kSecret) == std::string::npos, "a secret in: " + what);
        bool namesAKey = false;
        for (const char* section : kSections)
            namesAKey = namesAKey || what.rfind(std::string(section) + ".", 0) == 0;
        WDS_FUZZ_CHECK(namesAKey, "a substitution error naming no plugin key: " + what);
        return;
    }
    for (const std::string& warning : done.warnings())
        WDS_FUZZ_CHECK(warning.find(kSecret) == std::string::npos, "a secret in: " + warning);
    for (const auto& [section, options] : raw.sections()) {
        for (const auto& [option, value] : options) {
            const auto now = done.get(section, option);
            WDS_FUZZ_CHECK(now.has_value(), "substitution lost " + section + "." + option);
            if (value.find('$') == std::string::npos) {
                WDS_FUZZ_CHECK(*now == value, "a value without '$' changed: " + option);
                continue;
            }
            const auto name = plainReference(value);
            if (!name || *name == option)
                continue;
            // The option in the same section, else in [DEFAULT], substituted in turn; left
            // raw (with a warning) only outside the plugins' sections.
            auto target = done.get(section, *name);
            if (!raw.get(section, *name))
                target = done.get("DEFAULT", *name);
            if (target && *now != value)
                WDS_FUZZ_CHECK(*now == *target, "$" + *name + " is not its value in " + option);
        }
    }
}

void checkWatcherConf(const std::string& text) {
    std::optional<WatcherConf> conf;
    try {
        conf = WatcherConf::parseString(text, kOrigin);
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        WDS_FUZZ_CHECK(what.rfind(std::string(kOrigin) + ":", 0) == 0, "unnamed origin: " + what);
        return;
    }
    for (const std::string& warning : conf->warnings())
        WDS_FUZZ_CHECK(warning.rfind(std::string(kOrigin) + ":", 0) == 0, warning);

    const std::string again = writeBack(*conf);
    try {
        WDS_FUZZ_CHECK(WatcherConf::parseString(again, "again").sections() == conf->sections(),
                       "written back, it parses differently:\n" + again);
    } catch (const ConfigError& e) {
        WDS_FUZZ_CHECK(false, std::string(e.what()) + " in the written-back\n" + again);
    }

    checkSubstitution(*conf);

    // What the loader hands the plugin: "section.option" -> value.
    auto layer = conf->toConfiguration();
    std::vector<std::string> keys;
    std::vector<std::string> values;
    for (const auto& [section, options] : conf->sections()) {
        for (const auto& [option, value] : options) {
            const std::string key = wds::host::configKey(section, option);
            WDS_FUZZ_CHECK(layer->hasProperty(key), key);
            for (const std::string& item : wds::host::splitList(value))
                WDS_FUZZ_CHECK(item.find(',') == std::string::npos, "a comma in a list item");
            keys.push_back(withoutSentinel(key));
            values.push_back(pluginValue(keys.back(), value));
        }
    }
    std::vector<std::pair<const char*, const char*>> pairs;
    for (size_t i = 0; i < keys.size(); ++i)
        pairs.emplace_back(keys[i].c_str(), values[i].c_str());
    if (auto config = viaAbi(pairs))
        checkConfigMap(*config);
}

/** The input as raw `key=value` lines (nothing trimmed; `<NULL>` is a NULL key, no '=' a NULL
 * value), for the plugin side alone. */
void checkRawPairs(const std::string& text) {
    std::vector<std::string> keys;
    std::vector<std::string> values;
    std::vector<bool> hasValue;
    size_t begin = 0;
    while (begin < text.size() && keys.size() < 64) {
        const size_t end = std::min(text.find('\n', begin), text.size());
        const std::string line = text.substr(begin, end - begin);
        begin = end + 1;
        const size_t eq = line.find('=');
        const std::string key = line.substr(0, eq);
        keys.push_back(withoutSentinel(key.substr(0, key.find('\0'))));  // the plugin's C string
        hasValue.push_back(eq != std::string::npos);
        values.push_back(eq == std::string::npos ? ""
                                                 : pluginValue(keys.back(), line.substr(eq + 1)));
    }
    std::vector<std::pair<const char*, const char*>> pairs;
    for (size_t i = 0; i < keys.size(); ++i) {
        pairs.emplace_back(keys[i] == "<NULL>" ? nullptr : keys[i].c_str(),
                           hasValue[i] ? values[i].c_str() : nullptr);
    }
    if (auto config = viaAbi(pairs))
        checkConfigMap(*config);
}

void removeFileRoot() {
    std::error_code ec;
    std::filesystem::remove_all(fileRoot, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::string dir = (std::filesystem::temp_directory_path() / "wds-fuzz-config-XXXXXX").string();
    WDS_FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "mkdtemp");
    fileRoot = dir;
    for (const char* name : {"ca.pem", "cert.pem", "key.pem"})
        std::ofstream(fileRoot / name) << "not really PEM\n";
    std::filesystem::create_directory(fileRoot / "dir");
    std::atexit(removeFileRoot);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    checkWatcherConf(text);
    checkRawPairs(text);
    return 0;
}
