#include "watcher_ds/host/WatcherConf.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wds::host {
namespace {

const char* const kWhitespace = " \t\r\n\f\v";

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
    Parser(WatcherConf::SectionMap& sections, std::vector<std::string>& warnings,
           const std::string& origin)
        : sections_(sections), warnings_(warnings), origin_(origin) {}

    void parse(const std::string& text) {
        std::istringstream in(text);
        std::string raw;
        int lineNo = 0;
        while (std::getline(in, raw)) {
            ++lineNo;
            if (lineNo == 1 && raw.compare(0, 3, "\xEF\xBB\xBF") == 0)
                raw.erase(0, 3);
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
            const std::string content = trim(line);
            // oslo would append an indented comment to the value; treating it as a comment
            // keeps a commented-out continuation line from silently joining a value.
            if (content[0] == '#' || content[0] == ';')
                return;
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
            const std::string name = line.substr(1, line.size() - 2);
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
        pendingKey_.reset();
        pendingValue_.clear();
    }

    WatcherConf::SectionMap& sections_;
    std::vector<std::string>& warnings_;
    const std::string& origin_;
    std::optional<std::string> section_;
    std::optional<std::string> pendingKey_;
    std::string pendingValue_;
    int pendingLine_ = 0;
    std::map<std::string, int> firstLine_;
};

}  // namespace

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
    Parser(conf.sections_, conf.warnings_, conf.origin_).parse(text);
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

std::vector<std::string> splitList(const std::string& value) {
    std::string rest = trim(value);
    if (!rest.empty() && rest.back() == ',')
        rest = trim(rest.substr(0, rest.size() - 1));
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
