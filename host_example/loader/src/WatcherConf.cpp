#include "watcher_ds/host/WatcherConf.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "watcher_ds/host/Secrets.h"

namespace wds::host {
namespace {

// What Python's str.strip() strips, as far as ASCII goes (oslo trims with it).
const char* const kWhitespace = " \t\r\n\f\v\x1c\x1d\x1e\x1f";

// Python decodes the file as strict UTF-8: no overlong forms, surrogates or code points past
// U+10FFFF.
bool isValidUtf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t length = 0;
        uint32_t point = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
            point = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            point = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            point = c & 0x07;
        } else {
            return false;
        }
        if (i + length > s.size())
            return false;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(s[i + k]);
            if ((next & 0xC0) != 0x80)
                return false;
            point = (point << 6) | (next & 0x3F);
        }
        if ((length == 3 && (point < 0x800 || (point >= 0xD800 && point <= 0xDFFF))) ||
            (length == 4 && (point < 0x10000 || point > 0x10FFFF)))
            return false;
        i += length;
    }
    return true;
}

std::string trimRight(const std::string& s) {
    const auto end = s.find_last_not_of(kWhitespace);
    return end == std::string::npos ? std::string() : s.substr(0, end + 1);
}

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(kWhitespace);
    if (begin == std::string::npos)
        return std::string();
    const auto end = s.find_last_not_of(kWhitespace);
    return s.substr(begin, end - begin + 1);
}

// One parse run; keeps the pending (possibly multi-line) assignment until it is complete.
class Parser {
  public:
    Parser(WatcherConf::SectionMap& sections,
           std::map<std::string, std::map<std::string, WatcherConf::Origin>>& origins,
           std::vector<std::string>& warnings, const std::string& origin)
        : sections_(sections), origins_(origins), warnings_(warnings), origin_(origin) {}

    void parse(const std::string& text) {
        int lineNo = 0;
        // Python's text mode ends a line at "\n", "\r\n" or a lone "\r".
        for (size_t begin = 0; begin < text.size();) {
            size_t end = text.find_first_of("\r\n", begin);
            if (end == std::string::npos)
                end = text.size();
            std::string raw = text.substr(begin, end - begin);
            begin = end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1);
            ++lineNo;
            if (!isValidUtf8(raw))
                fail(lineNo, "line is not valid UTF-8 (oslo.config refuses the file)");
            // oslo reads the mark as part of the first line, which then never parses.
            if (lineNo == 1 && raw.compare(0, 3, "\xEF\xBB\xBF") == 0)
                fail(lineNo, "file starts with a UTF-8 byte order mark (oslo.config refuses it)");
            parseLine(raw, lineNo);
        }
        flush();
    }

  private:
    [[noreturn]] void fail(int lineNo, const std::string& what) const {
        // Never quote the line: it may hold a password.
        throw ConfigError(origin_ + ":" + std::to_string(lineNo) + ": " + what);
    }

    void parseLine(const std::string& raw, int lineNo) {
        if (raw.find('\0') != std::string::npos)
            fail(lineNo, "line contains a NUL byte");
        const std::string line = trimRight(raw);
        if (line.empty()) {
            flush();  // a blank line ends a multi-line value, as in oslo
            return;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            // As in oslo, an indented '#' line is part of the value, not a comment.
            const std::string content = trim(line);
            if (!pendingKey_) {
                fail(lineNo,
                     "indented line continues nothing (continuation lines must follow a "
                     "'key = value' line)");
            }
            pendingValue_ += '\n';
            pendingValue_ += content;
            return;
        }
        flush();
        if (line[0] == '[') {
            if (line.back() != ']')
                fail(lineNo, "section header is missing its closing ']'");
            if (line.size() <= 2)
                fail(lineNo, "section header has an empty name");
            const std::string name = normalizeSectionName(line.substr(1, line.size() - 2));
            if (trim(name) != name) {
                // Kept verbatim as oslo does, so "[ x ]" is not [x]: worth a warning.
                warnings_.push_back(origin_ + ":" + std::to_string(lineNo) + ": section name [" +
                                    name + "] has leading or trailing spaces");
            }
            section_ = name;
            sections_[name];  // an empty section still exists
            return;
        }
        if (line[0] == '#' || line[0] == ';')
            return;
        parseAssignment(line, lineNo);
    }

    void parseAssignment(const std::string& line, int lineNo) {
        const auto separator = line.find_first_of(":=");
        if (separator == std::string::npos) {
            fail(lineNo, "expected '[section]', 'key = value' or a comment");
        }
        std::string key = trim(line.substr(0, separator));
        if (key.empty())
            fail(lineNo, "missing key before '" + line.substr(separator, 1) + "'");
        if (!section_) {
            fail(lineNo, "key '" + key + "' appears before any [section] header");
        }
        std::string value = trim(line.substr(separator + 1));
        if (!value.empty() && (value[0] == '"' || value[0] == '\'') && value.back() == value[0]) {
            value = value.size() >= 2 ? value.substr(1, value.size() - 2) : std::string();
        }
        pendingKey_ = std::move(key);
        pendingValue_ = std::move(value);
        pendingLine_ = lineNo;
    }

    void flush() {
        if (!pendingKey_)
            return;
        auto& options = sections_[*section_];
        const std::string lineKey = *section_ + '\n' + *pendingKey_;
        const auto previous = firstLine_.find(lineKey);
        if (previous != firstLine_.end()) {
            warnings_.push_back(origin_ + ":" + std::to_string(pendingLine_) + ": duplicate key '" +
                                *pendingKey_ + "' in [" + *section_ + "] (also set at line " +
                                std::to_string(previous->second) + "); the last value wins");
        } else {
            firstLine_.emplace(lineKey, pendingLine_);
        }
        options[*pendingKey_] = std::move(pendingValue_);
        origins_[*section_][*pendingKey_] = WatcherConf::Origin{origin_, pendingLine_};
        pendingKey_.reset();
        pendingValue_.clear();
    }

    WatcherConf::SectionMap& sections_;
    std::map<std::string, std::map<std::string, WatcherConf::Origin>>& origins_;
    std::vector<std::string>& warnings_;
    const std::string& origin_;
    std::optional<std::string> section_;
    std::optional<std::string> pendingKey_;
    std::string pendingValue_;
    int pendingLine_ = 0;
    std::map<std::string, int> firstLine_;
};

// Bounds for what substitution may build (watcher.conf values are short).
const std::string::size_type kMaxSubstitutedSize = 1 << 20;
const std::string::size_type kMaxSubstitutedTotal = 16 << 20;

// Why a reference could not be substituted; `name` is the reference as written.
struct Unresolved {
    std::string name;
    std::string why;
    bool hidden = false;  ///< found inside a secret: name and why say nothing of its value
    std::string supply;   ///< "section.option" a file or a default could set ("" for a cycle)
};

bool isIdentifierStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool isIdentifierChar(char c) {
    return isIdentifierStart(c) || c == '.' || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Resolves values on demand so a reference to another reference works in any order, and a
// cycle (which makes oslo recurse until Python gives up) is reported instead.
class Substituter {
  public:
    Substituter(const WatcherConf::SectionMap& raw, const WatcherConf::Defaults& defaults)
        : raw_(raw), defaults_(defaults) {}

    std::string resolve(const std::string& section, const std::string& option) {
        const std::pair<std::string, std::string> key(section, option);
        if (const auto done = done_.find(key); done != done_.end())
            return done->second;
        if (!active_.insert(key).second)
            throw Unresolved{option, "the reference loops back to " + configKey(section, option),
                             false, ""};
        std::string value;
        try {
            value = expand(section, valueOf(section, option));
        } catch (Unresolved& bad) {
            // Also when another key refers to the secret: what follows its '$' is the secret's.
            const std::string secret = configKey(section, option);
            if (!bad.hidden && isSecretKeyName(secret)) {
                bad = Unresolved{"", "a '$' in the secret " + secret + " starts no known reference",
                                 true, ""};
            }
            throw;
        }
        active_.erase(key);
        total_ += value.size();
        if (total_ > kMaxSubstitutedTotal)
            throw Unresolved{option, "the substituted values exceed 16 MiB in all", false, ""};
        return done_[key] = value;
    }

    /** After a failed resolve(): the keys it was inside are no longer being resolved. */
    void abandon() { active_.clear(); }

  private:
    // string.Template's grammar as oslo configures it: `$$`, `$id`, `${id}` where id is
    // [_a-zA-Z][._a-zA-Z0-9]*; any other `$` is left alone (safe_substitute).
    std::string expand(const std::string& section, std::string text) {
        for (std::string::size_type at = 0; (at = text.find("\\$", at)) != std::string::npos;
             at += 2)
            text.replace(at, 2, "$$");  // oslo treats `\$` as `$$`
        std::string out;
        std::string::size_type i = 0;
        while (i < text.size()) {
            const auto dollar = text.find('$', i);
            if (dollar == std::string::npos) {
                out.append(text, i, std::string::npos);
                break;
            }
            out.append(text, i, dollar - i);
            const auto next = dollar + 1;
            if (next < text.size() && text[next] == '$') {
                out += '$';
                i = next + 1;
                continue;
            }
            const bool braced = next < text.size() && text[next] == '{';
            auto start = braced ? next + 1 : next;
            auto end = start;
            if (end < text.size() && isIdentifierStart(text[end])) {
                while (end < text.size() && isIdentifierChar(text[end]))
                    ++end;
            }
            const bool named = end > start && (!braced || (end < text.size() && text[end] == '}'));
            if (!named) {
                out += '$';
                i = next;
                continue;
            }
            out += lookup(section, text.substr(start, end - start));
            // a = $b$b, b = $c$c, ... doubles at each step: refuse instead of exhausting memory.
            if (out.size() > kMaxSubstitutedSize) {
                throw Unresolved{text.substr(start, end - start),
                                 "the substituted value exceeds 1 MiB", false, ""};
            }
            i = braced ? end + 1 : end;
        }
        return out;
    }

    std::string lookup(const std::string& section, const std::string& name) {
        const auto dot = name.find('.');
        if (dot == std::string::npos) {
            if (has(section, name))
                return resolve(section, name);
            if (has("DEFAULT", name))
                return resolve("DEFAULT", name);
            throw Unresolved{name,
                             (section == "DEFAULT"
                                  ? "no option " + name + " in [DEFAULT]"
                                  : "no option " + name + " in [" + section + "] or [DEFAULT]") +
                                 " and no default for it",
                             false, configKey("DEFAULT", name)};
        }
        const std::string group = name.substr(0, dot);
        const std::string option = name.substr(dot + 1);
        // oslo looks the group up among registered groups, which never include DEFAULT.
        if (group == "DEFAULT") {
            throw Unresolved{name, "no section [DEFAULT]", false, ""};
        }
        if (raw_.find(group) == raw_.end() && defaults_.find(group) == defaults_.end()) {
            throw Unresolved{name, "no section [" + group + "] and no default in it", false, name};
        }
        if (!has(group, option)) {
            throw Unresolved{name,
                             "no option " + option + " in [" + group + "] and no default for it",
                             false, name};
        }
        return resolve(group, option);
    }

    static bool in(const WatcherConf::SectionMap& map, const std::string& section,
                   const std::string& option) {
        const auto s = map.find(section);
        return s != map.end() && s->second.count(option) != 0;
    }

    // Set by a file, or registered with a default.
    bool has(const std::string& section, const std::string& option) const {
        return in(raw_, section, option) || in(defaults_, section, option);
    }

    // A file's value wins over the default.
    const std::string& valueOf(const std::string& section, const std::string& option) const {
        if (in(raw_, section, option))
            return raw_.at(section).at(option);
        return defaults_.at(section).at(option);
    }

    const WatcherConf::SectionMap& raw_;
    const WatcherConf::Defaults& defaults_;
    std::map<std::pair<std::string, std::string>, std::string> done_;
    std::set<std::pair<std::string, std::string>> active_;
    std::string::size_type total_ = 0;
};

}  // namespace

WatcherConf WatcherConf::load(const std::vector<std::string>& files,
                              const std::vector<std::string>& dirs) {
    std::vector<Source> sources;
    for (const auto& file : files)
        sources.push_back(Source{file, false});
    for (const auto& dir : dirs)
        sources.push_back(Source{dir, true});
    return load(sources);
}

WatcherConf WatcherConf::load(const std::vector<Source>& sources) {
    WatcherConf conf = read(sources);
    conf.substitute();
    return conf;
}

WatcherConf WatcherConf::read(const std::vector<Source>& sources) {
    if (sources.empty())
        throw ConfigError("no config file given");
    std::vector<std::string> paths;
    for (const auto& source : sources) {
        if (!source.directory) {
            paths.push_back(source.path);
            continue;
        }
        const std::string& dir = source.path;
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw ConfigError("cannot read config directory " + dir + ": not a directory");
        std::vector<std::string> confs;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            // Python's glob("*.conf") skips hidden files.
            if (name.size() > 5 && name[0] != '.' && name.compare(name.size() - 5, 5, ".conf") == 0)
                confs.push_back(entry.path().string());
        }
        if (ec)
            throw ConfigError("cannot read config directory " + dir + ": " + ec.message());
        std::sort(confs.begin(), confs.end());
        paths.insert(paths.end(), confs.begin(), confs.end());
    }
    WatcherConf conf;
    for (const auto& path : paths) {
        if (conf.files_.empty()) {
            conf = parseFile(path);
        } else {
            conf.merge(parseFile(path));
        }
    }
    // Only empty directories: an empty configuration, as for oslo.config.
    return conf;
}

void WatcherConf::merge(const WatcherConf& later) {
    files_.insert(files_.end(), later.files_.begin(), later.files_.end());
    for (const auto& [section, options] : later.sections_) {
        auto& mine = sections_[section];
        for (const auto& [option, value] : options)
            mine[option] = value;
    }
    for (const auto& [section, options] : later.origins_) {
        for (const auto& [option, where] : options)
            origins_[section][option] = where;
    }
    warnings_.insert(warnings_.end(), later.warnings_.begin(), later.warnings_.end());
}

void WatcherConf::substitute(const Defaults& defaults, bool strict) {
    const auto& checked = pluginSections();
    Substituter substituter(sections_, defaults);
    SectionMap result = sections_;
    for (auto& [section, options] : result) {
        for (auto& [option, value] : options) {
            try {
                value = substituter.resolve(section, option);
            } catch (const Unresolved& bad) {
                substituter.abandon();
                const std::string key = configKey(section, option);
                std::string where;
                if (const auto from = originOf(section, option))
                    where = " (" + from->file + ":" + std::to_string(from->line) + ")";
                // A `$` in a password is most likely part of it: do not echo what follows.
                const std::string reference = bad.hidden ? "a '$' reference" : "$" + bad.name;
                std::string message =
                    key + where + ": cannot substitute " + reference + ": " + bad.why;
                if (!bad.hidden && !bad.supply.empty()) {
                    message += "; set " + bad.supply +
                               " in a config file or supply its default (watcher-ds --default " +
                               bad.supply +
                               "=VALUE, open_config(defaults=...)), or write $$ for a literal '$'";
                } else {
                    message += " (write $$ for a literal '$')";
                }
                if (strict && std::find(checked.begin(), checked.end(), section) != checked.end())
                    throw ConfigError(message);
                warnings_.push_back(message + "; value left as written");
            }
        }
    }
    sections_ = std::move(result);
}

std::optional<WatcherConf::Origin> WatcherConf::originOf(const std::string& section,
                                                         const std::string& option) const {
    const auto s = origins_.find(section);
    if (s == origins_.end())
        return std::nullopt;
    const auto o = s->second.find(option);
    if (o == s->second.end())
        return std::nullopt;
    return o->second;
}

// Declared in Secrets.h; here so that this file (compiled alone into fuzz_config) keeps
// substitution errors free of secrets without the rest of the loader.
bool isSecretKeyName(const std::string& key) {
    std::string lower(key);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* word : {"password", "secret", "token"}) {
        if (lower.find(word) != std::string::npos)
            return true;
    }
    return false;
}

const std::vector<std::string>& pluginSections() {
    static const std::vector<std::string> sections = {"watcher_datasources", "prometheus_client",
                                                      "aetos_client", "watcher_clients_auth"};
    return sections;
}

std::string normalizeSectionName(const std::string& name) {
    if (name == "DEFAULT")
        return name;
    std::string lower = name;
    for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
}

WatcherConf WatcherConf::parseFile(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw ConfigError("cannot read config file " + path + ": it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError("cannot read config file " + path + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw ConfigError("cannot read config file " + path + ": read error");
    }
    return parseString(text.str(), path);
}

WatcherConf WatcherConf::parseString(const std::string& text, const std::string& origin) {
    WatcherConf conf;
    conf.origin_ = origin;
    conf.files_.push_back(origin);
    Parser(conf.sections_, conf.origins_, conf.warnings_, conf.origin_).parse(text);
    return conf;
}

std::optional<std::string> WatcherConf::get(const std::string& section,
                                            const std::string& option) const {
    const auto s = sections_.find(section);
    if (s == sections_.end())
        return std::nullopt;
    const auto o = s->second.find(option);
    if (o == s->second.end())
        return std::nullopt;
    return o->second;
}

Poco::AutoPtr<Poco::Util::MapConfiguration> WatcherConf::toConfiguration() const {
    Poco::AutoPtr<Poco::Util::MapConfiguration> layer(new Poco::Util::MapConfiguration);
    for (const auto& [section, options] : sections_) {
        for (const auto& [option, value] : options) {
            layer->setString(configKey(section, option), value);  // stored raw, not expanded
        }
    }
    return layer;
}

std::string configKey(const std::string& section, const std::string& option) {
    return section + "." + option;
}

std::optional<std::pair<std::string, std::string>> splitConfigKey(const std::string& key) {
    const auto dot = key.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
        return std::nullopt;
    return std::make_pair(key.substr(0, dot), key.substr(dot + 1));
}

std::vector<std::string> splitList(const std::string& value) {
    // As oslo's types.List: trimmed, then every trailing comma dropped (not trimmed again).
    std::string rest = trim(value);
    while (!rest.empty() && rest.back() == ',')
        rest.pop_back();
    if (trim(rest).empty())
        return {};
    std::vector<std::string> items;
    if (rest.empty())
        return items;
    std::string::size_type start = 0;
    while (true) {
        const auto comma = rest.find(',', start);
        items.push_back(trim(rest.substr(start, comma - start)));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return items;
}

}  // namespace wds::host
