// The watcher-ds command line: commands, their operands and options, and strict value parsing.
#ifndef WATCHER_DS_CLI_COMMAND_LINE_H
#define WATCHER_DS_CLI_COMMAND_LINE_H

#include <istream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "watcher_ds/datasource.hpp"

namespace wds::cli {

/** Bad command-line usage (exit status 2). */
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class CommandKind {
    Check,
    Metrics,
    Config,
    HostValue,
    InstanceValue,
    Aggregate,
    Series,
    Batch
};

struct CommandSpec {
    const char* name;
    CommandKind kind;
    const char* metric;   ///< the metric of a convenience getter, nullptr otherwise
    const char* operand;  ///< "HOST", "UUID" or nullptr
    std::vector<std::string> requiredOptions;
    std::vector<std::string> allowedOptions;  ///< besides the global ones
};

const std::vector<CommandSpec>& commands();

/** Options that every command accepts. */
const std::vector<std::string>& globalOptions();

enum class OutputFormat { Text, Json };

/** Full option name -> value as given ("" for flags); the last one when repeated. */
using GivenOptions = std::map<std::string, std::string>;

/** Full option name -> every value given, in order (for --hostname/--uuid of batch). */
using RepeatedOptions = std::map<std::string, std::vector<std::string>>;

/** Options that batch accepts more than once. */
bool isRepeatableOption(const std::string& name);

/** The RepeatedOptions entry listing "config-file"/"config-dir" in command-line order. */
inline constexpr const char* kConfigOrder = "config-order";

/** Where watcher.conf is read from when neither --config-file nor --config-dir is given. */
inline constexpr const char* kDefaultConfigFile = "/etc/watcher/watcher.conf";

/** A validated command line. */
struct Invocation {
    const CommandSpec* command = nullptr;
    OutputFormat format = OutputFormat::Text;
    /** --config-file / --config (false) and --config-dir (true) in command-line order. */
    std::vector<std::pair<std::string, bool>> configSources;
    /** --default GROUP.NAME=VALUE: the value references to an option no file sets resolve to
     *  (as oslo.config's registered default), in command-line order (a later one wins). */
    std::vector<std::pair<std::string, std::string>> defaults;
    std::string strategy;
    std::optional<std::string> pluginDir;
    bool verbose = false;

    // Value commands only.
    std::string meter;
    AggregationRequest request;       ///< as sent by statisticAggregation (no inversion yet)
    std::string resourceName;         ///< the hostname or UUID
    std::string aggregateName;        ///< as given: mean, min, max or count
    std::optional<double> atSeconds;  ///< --at as given; empty: the backend's now

    // series: the range (Unix ms); empty: the last hour up to the host's clock.
    std::optional<int64_t> startMs;
    std::optional<int64_t> endMs;

    // batch: every --hostname / --uuid, or --all (every host the source knows, or every
    // instance with a series of the metric in the window).
    std::vector<std::string> resourceNames;
    bool allResources = false;
    std::optional<std::string> fromFile;  ///< --from: a file of resources, "-" for stdin
    std::optional<size_t> top;            ///< --top N: the text table's first N rows only

    /** A command that asks for metric values (not check, metrics or config). */
    bool isValueCommand() const;
};

/** One resource of a batch, with the flavor values its own line gave (empty: not given). */
struct BatchResource {
    std::string name;  ///< the UUID or host name
    std::optional<int64_t> vcpus;
    std::optional<double> memoryMb;
    std::optional<double> diskGb;
    size_t line = 0;  ///< its line in the --from input (0: a --uuid/--hostname option)
};

/**
 * Reads a --from list: one resource per line, `UUID [VCPUS [MEMORY_MB [DISK_GB]]]` for
 * instances or `HOST` for compute nodes, fields separated by spaces or tabs; blank lines,
 * `#` comments (whole lines or after the fields) and a trailing CR are skipped. Throws
 * UsageError "--from SOURCE: line N: ..." for a bad line (too many fields, a bad number, a
 * character no label value may hold). Linear in the input's size.
 */
std::vector<BatchResource> parseResourceList(std::istream& in, const std::string& source,
                                             bool hosts);

/**
 * The resources of a batch in first-seen order, each once: `options` (--uuid/--hostname) then
 * `fromFile`. A repeat is dropped; the flavor values it gives fill in those the first one lacks,
 * and a value different from one already given is a UsageError naming both lines. Linear
 * (hashed) in the number of resources.
 */
std::vector<BatchResource> mergeResources(const std::vector<std::string>& options,
                                          std::vector<BatchResource> fromFile,
                                          const std::string& source);

/**
 * The --uuid/--hostname options (`--uuid U`, `--uuid=U`, `--uuid:U`) of `argv`, taken out in one
 * pass and in order, so that Poco's option processing, which erases each option it handled from
 * the front of a vector (quadratic in the number of options), only sees the others. The value of
 * an option that takes one (`--meter --uuid`) is skipped, as Poco would take it; nothing after
 * `--`, after --help/--version or a final `--uuid` without a value is taken.
 */
struct SplitArguments {
    std::vector<std::string> rest;                                     ///< argv[0] and the others
    std::vector<std::pair<std::string, std::string>> resourceOptions;  ///< (name, value)
};
SplitArguments splitResourceOptions(int argc, const char* const* argv);

/** The output format alone, so even a bad command line can be reported in it. Never throws. */
OutputFormat formatOf(const GivenOptions& options);

/** Validates operands and options against the command. Throws UsageError naming the culprit. */
Invocation parseInvocation(const std::vector<std::string>& args, const GivenOptions& options,
                           const RepeatedOptions& repeated = {});

// Strict parsers; each throws UsageError naming `option` and the rejected text.

/** A whole number of seconds > 0 ("300"; not "300.5", "0", "-1", "abc"). */
int64_t parsePositiveSeconds(const std::string& option, const std::string& text);

/** Unix seconds > 0 with an optional fraction ("1700000000.5") -> milliseconds. */
int64_t parseUnixTimeMs(const std::string& option, const std::string& text);

/** A whole number >= 0. */
int64_t parseCount(const std::string& option, const std::string& text);

/** A decimal number >= 0 ("2048", "20.5"). */
double parseAmount(const std::string& option, const std::string& text);

}  // namespace wds::cli

#endif  // WATCHER_DS_CLI_COMMAND_LINE_H
