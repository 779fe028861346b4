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
#include <utility>
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
 * watcher.conf as oslo.config's parser and ConfigOpts read it:
 *  - `[section]` headers; names are folded to lower case except the exact name `DEFAULT` (so
 *    `[Default]` is a section "default", not DEFAULT, and DEFAULT is not inherited elsewhere);
 *  - `key = value` or `key: value` (the first separator wins), both sides trimmed, one pair of
 *    matching quotes stripped; option names are kept verbatim (oslo does not map `-` to `_`
 *    for file keys, so `query-timeout` is not `query_timeout`);
 *  - full-line `#` and `;` comments and blank lines;
 *  - indented lines, indented `#` lines included, continue the previous value (joined with
 *    "\n"); a blank line ends it; an indented line with nothing to continue is an error;
 *  - a key given twice: the last value wins (a warning within one file); with several files
 *    the later file wins;
 *  - files oslo refuses (no separator, empty key, key before a section, bad header, a UTF-8
 *    byte order mark, a line that is not UTF-8) are a ConfigError naming file and line, never
 *    quoting the line; lines end at "\n", "\r\n" or a lone "\r", as in Python's text mode.
 * parseFile()/parseString() keep values raw; load() also applies substitute().
 */
class WDS_LOADER_EXPORT WatcherConf {
  public:
    /** Section name -> (option -> raw value). */
    using SectionMap = std::map<std::string, std::map<std::string, std::string>>;

    /** Where an effective value was set. */
    struct Origin {
        std::string file;
        int line = 0;
    };

    /**
     * What Watcher's services read for `--config-file F...` `--config-dir D...`: every file in
     * order, then each directory's `*.conf` files in sorted order (hidden files skipped), later
     * values winning; then substitute(). A missing file or directory is a ConfigError.
     */
    static WatcherConf load(const std::vector<std::string>& files,
                            const std::vector<std::string>& dirs = {});

    /** A --config-file (a file) or --config-dir (a directory). */
    struct Source {
        std::string path;
        bool directory = false;
    };

    /**
     * The same for files and directories in the order given, as oslo.config reads its
     * --config-file and --config-dir options in command-line order (a later value wins).
     */
    static WatcherConf load(const std::vector<Source>& sources);

    /**
     * Registered defaults: section -> (option -> raw value), what oslo.config resolves a
     * reference to when no file sets the option (e.g. DEFAULT.state_path = "$pybasedir"). They
     * only answer references, and are substituted like file values; they are never values of
     * the configuration themselves.
     */
    using Defaults = SectionMap;

    /** The files and directories read and merged as load() does, values left raw. */
    static WatcherConf read(const std::vector<Source>& sources);

    /** Reads and parses `path`. Throws ConfigError naming the file (and line). */
    static WatcherConf parseFile(const std::string& path);

    /** Parses `text`; `origin` names it in messages (usually the file path). */
    static WatcherConf parseString(const std::string& text, const std::string& origin);

    const std::string& origin() const { return origin_; }

    /** The raw value of `option` in `section`, if set. */
    std::optional<std::string> get(const std::string& section, const std::string& option) const;

    const SectionMap& sections() const { return sections_; }

    /** The file and line of the value get() returns, if set. */
    std::optional<Origin> originOf(const std::string& section, const std::string& option) const;

    /** The files read, in the order they were read. */
    const std::vector<std::string>& files() const { return files_; }

    /** Adds `later`'s values over this one's, as a later config file does. */
    void merge(const WatcherConf& later);

    /**
     * oslo.config's template substitution, done on every value: `$name` and `${name}` (the
     * option in the value's own section, else in [DEFAULT]), `${group.name}`, `$$` and `\$`
     * for a literal `$`; a `$` followed by anything else stays as it is. oslo resolves names
     * against registered options, set or not; this resolves them against the options set in
     * the files and then against `defaults` (an option a file sets wins over its default; in
     * the value's own section, a default wins over [DEFAULT]'s file value, as a registered
     * option does in oslo). An unresolvable or cyclic reference in a section the plugins read
     * (pluginSections()) is a ConfigError naming the key, its file:line, the missing name and
     * how to supply it (not named for secret keys) when `strict`; elsewhere, or when not
     * `strict`, the value stays raw and a warning is recorded, since Watcher never reads those
     * keys.
     */
    void substitute(const Defaults& defaults = {}, bool strict = true);

    /** Non-fatal findings ("file:line: duplicate key ..."); never contain values. */
    const std::vector<std::string>& warnings() const { return warnings_; }

    /** A Poco::Util configuration layer with every value under "section.option". */
    Poco::AutoPtr<Poco::Util::MapConfiguration> toConfiguration() const;

  private:
    std::string origin_;
    std::vector<std::string> files_;
    SectionMap sections_;
    std::map<std::string, std::map<std::string, Origin>> origins_;
    std::vector<std::string> warnings_;
};

/** The sections whose values the plugins read; a bad substitution there is an error. */
WDS_LOADER_EXPORT const std::vector<std::string>& pluginSections();

/** oslo's group name normalisation: lower case, except the exact name "DEFAULT". */
WDS_LOADER_EXPORT std::string normalizeSectionName(const std::string& name);

/** "section" + "option" -> "section.option", the key format of the plugin ABI. */
WDS_LOADER_EXPORT std::string configKey(const std::string& section, const std::string& option);

/**
 * "section.option" -> {"section", "option"}, split at the last '.' (so "DEFAULT.state_path" and
 * "watcher_strategies.x.datasources"); nullopt when either side would be empty.
 */
WDS_LOADER_EXPORT std::optional<std::pair<std::string, std::string>> splitConfigKey(
    const std::string& key);

/**
 * Splits an oslo ListOpt value: items separated by commas, each trimmed (spaces, tabs and the
 * newlines of continuation lines); trailing commas are dropped, as oslo's types.List drops
 * them; an empty value is an empty list. Empty items in the middle are kept (as "") so callers can
 * reject them by name.
 */
WDS_LOADER_EXPORT std::vector<std::string> splitList(const std::string& value);

}  // namespace wds::host

#endif  // WATCHER_DS_HOST_WATCHER_CONF_H
