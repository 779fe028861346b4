// watcher.conf as oslo.config reads it.
//
// Poco's IniFileConfiguration is not used on purpose: it turns `#` comment lines (the norm in
// generated watcher.conf files) into keys, has no continuation lines, folds key case, and its
// getString() expands `${...}` inside values such as passwords. This parser follows oslo.config's
// iniparser instead and hands the result to Poco::Util as a MapConfiguration layer whose keys are
// "section.option"; read it with getRawString() so nothing is expanded.
#ifndef WATCHER_DS_HOST_WATCHER_CONF_H
#define WATCHER_DS_HOST_WATCHER_CONF_H

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include "watcher_ds/host/Export.h"

namespace wds::host {

/** An unreadable or malformed config file, or a config value that cannot be used. */
class WDS_LOADER_EXPORT ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/**
 * The parsed contents of one oslo-style INI file:
 *  - `[section]` headers; names are case-sensitive and kept verbatim, `[DEFAULT]` is an ordinary
 *    section (oslo does not inherit it into other sections);
 *  - `key = value` or `key: value`, both sides trimmed, one pair of matching quotes stripped;
 *  - full-line `#` and `;` comments and blank lines;
 *  - indented lines continue the previous value (joined with "\n"); a blank line ends it;
 *  - a key given twice in a section: the last value wins and a warning is recorded.
 * Values are never interpreted: no `${}` expansion, no inline comments.
 */
class WDS_LOADER_EXPORT WatcherConf {
  public:
    /** Section name -> (option -> raw value). */
    using SectionMap = std::map<std::string, std::map<std::string, std::string>>;

    /** Reads and parses `path`. Throws ConfigError naming the file (and line). */
    static WatcherConf parseFile(const std::string& path);

    /** Parses `text`; `origin` names it in messages (usually the file path). */
    static WatcherConf parseString(const std::string& text, const std::string& origin);

    const std::string& origin() const { return origin_; }

    /** The raw value of `option` in `section`, if set. */
    std::optional<std::string> get(const std::string& section, const std::string& option) const;

    const SectionMap& sections() const { return sections_; }

    /** Non-fatal findings ("file:line: duplicate key ..."); never contain values. */
    const std::vector<std::string>& warnings() const { return warnings_; }

    /** A Poco::Util configuration layer with every value under "section.option". */
    Poco::AutoPtr<Poco::Util::MapConfiguration> toConfiguration() const;

  private:
    std::string origin_;
    SectionMap sections_;
    std::vector<std::string> warnings_;
};

/** "section" + "option" -> "section.option", the key format of the plugin ABI. */
WDS_LOADER_EXPORT std::string configKey(const std::string& section, const std::string& option);

/**
 * Splits an oslo ListOpt value: items separated by commas, each trimmed (spaces, tabs and the
 * newlines of continuation lines); one trailing comma is allowed; an empty value is an empty
 * list. Empty items in the middle are kept (as "") so callers can reject them by name.
 */
WDS_LOADER_EXPORT std::vector<std::string> splitList(const std::string& value);

}  // namespace wds::host

#endif  // WATCHER_DS_HOST_WATCHER_CONF_H
