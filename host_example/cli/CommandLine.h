// The watcher-ds command line: commands, their operands and options, and strict value parsing.
#ifndef WATCHER_DS_CLI_COMMAND_LINE_H
#define WATCHER_DS_CLI_COMMAND_LINE_H

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
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

/** Where watcher.conf is read from when --config is not given (Watcher's own default). */
inline constexpr const char* kDefaultConfigFile = "/etc/watcher/watcher.conf";

/** A validated command line. */
struct Invocation {
    const CommandSpec* command = nullptr;
    OutputFormat format = OutputFormat::Text;
    std::string configFile = kDefaultConfigFile;
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

    /** A command that asks for metric values (not check, metrics or config). */
    bool isValueCommand() const;
};

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
