#include "CommandLine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <locale>
#include <sstream>
#include <unordered_map>

namespace wds::cli {
namespace {

const std::vector<std::string> kValueOptions = {"period", "aggregate", "granularity", "at"};

std::vector<std::string> valueOptionsPlus(std::initializer_list<const char*> extra) {
    std::vector<std::string> options = kValueOptions;
    options.insert(options.end(), extra.begin(), extra.end());
    return options;
}

bool allDigits(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "123" or "123.45": no sign, no exponent, no spaces, so nothing surprising gets through.
bool isPlainDecimal(const std::string& text) {
    const auto dot = text.find('.');
    if (dot == std::string::npos)
        return allDigits(text);
    return allDigits(text.substr(0, dot)) && allDigits(text.substr(dot + 1));
}

// Digits to int64, or nullopt on overflow.
std::optional<int64_t> digitsToInt(const std::string& digits) {
    int64_t value = 0;
    for (char c : digits) {
        const int digit = c - '0';
        if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

double toDouble(const std::string& plainDecimal) {
    // The classic locale, whatever the environment says: "20.5" must never read as 20.
    std::istringstream in(plainDecimal);
    in.imbue(std::locale::classic());
    double value = 0.0;
    in >> value;
    return value;
}

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}

template <typename T>
std::string formatPlain(T value) {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    out << value;
    return out.str();
}

std::string option(const std::string& name) {
    return "--" + name;
}

bool has(const GivenOptions& options, const std::string& name) {
    return options.find(name) != options.end();
}

}  // namespace

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> specs = {
        {"check", CommandKind::Check, nullptr, nullptr, {}, {}},
        {"metrics", CommandKind::Metrics, nullptr, nullptr, {}, {}},
        {"config", CommandKind::Config, nullptr, nullptr, {}, {}},
        {"host-cpu-usage", CommandKind::HostValue, "host_cpu_usage", "HOST", {}, kValueOptions},
        {"host-ram-usage", CommandKind::HostValue, "host_ram_usage", "HOST", {}, kValueOptions},
        {"instance-cpu-usage",
         CommandKind::InstanceValue,
         "instance_cpu_usage",
         "UUID",
         {"vcpus"},
         valueOptionsPlus({"vcpus"})},
        {"instance-ram-usage",
         CommandKind::InstanceValue,
         "instance_ram_usage",
         "UUID",
         {},
         kValueOptions},
        {"instance-ram-allocated",
         CommandKind::InstanceValue,
         "instance_ram_allocated",
         "UUID",
         {"memory"},
         valueOptionsPlus({"memory"})},
        {"instance-root-disk-size",
         CommandKind::InstanceValue,
         "instance_root_disk_size",
         "UUID",
         {"disk"},
         valueOptionsPlus({"disk"})},
        {"aggregate",
         CommandKind::Aggregate,
         nullptr,
         nullptr,
         {"meter", "resource-type"},
         valueOptionsPlus(
             {"meter", "resource-type", "hostname", "uuid", "vcpus", "memory", "disk"})},
        {"series",
         CommandKind::Series,
         nullptr,
         nullptr,
         {"meter", "resource-type"},
         {"meter", "resource-type", "hostname", "uuid", "vcpus", "aggregate", "granularity",
          "start", "end"}},
        {"batch",
         CommandKind::Batch,
         nullptr,
         nullptr,
         {"meter", "resource-type"},
         valueOptionsPlus({"meter", "resource-type", "hostname", "uuid", "all", "from", "top",
                           "vcpus", "memory", "disk"})},
    };
    return specs;
}

const std::vector<std::string>& globalOptions() {
    static const std::vector<std::string> names = {"help",       "verbose",  "config-file",
                                                   "config-dir", "strategy", "plugin-dir",
                                                   "format",     "default"};
    return names;
}

bool isRepeatableOption(const std::string& name) {
    return name == "hostname" || name == "uuid";
}

bool isConfigSourceOption(const std::string& name) {
    return name == "config-file" || name == "config-dir" || name == kConfigOrder ||
           name == "default";
}

std::vector<BatchResource> parseResourceList(std::istream& in, const std::string& source,
                                             bool hosts) {
    std::vector<BatchResource> resources;
    std::string line;
    std::vector<std::string> fields;
    for (size_t number = 1; std::getline(in, line); ++number) {
        const auto hash = line.find('#');
        if (hash != std::string::npos)
            line.resize(hash);
        fields.clear();
        size_t at = 0;
        while (at < line.size()) {
            const auto begin = line.find_first_not_of(" \t\r", at);
            if (begin == std::string::npos)
                break;
            const auto end = std::min(line.find_first_of(" \t\r", begin), line.size());
            fields.push_back(line.substr(begin, end - begin));
            at = end;
        }
        if (fields.empty())
            continue;
        const std::string where = "--from " + source + ": line " + std::to_string(number) + ": ";
        const size_t most = hosts ? 1 : 4;
        if (fields.size() > most) {
            throw UsageError(where + quoted(fields[most]) + " is one field too many (expected " +
                             (hosts ? "HOST" : "UUID [VCPUS [MEMORY_MB [DISK_GB]]]") + ")");
        }
        for (unsigned char c : fields[0]) {
            if (c < 0x20 || c == 0x7f) {
                throw UsageError(where + quoted(fields[0]) +
                                 " holds a control character, which no label value may");
            }
        }
        BatchResource resource;
        resource.name = fields[0];
        resource.line = number;
        static const char* const kFields[] = {"UUID", "VCPUS", "MEMORY_MB", "DISK_GB"};
        size_t field = 1;
        try {
            for (; field < fields.size(); ++field) {
                if (field == 1)
                    resource.vcpus = parseCount("vcpus", fields[1]);
                else if (field == 2)
                    resource.memoryMb = parseAmount("memory", fields[2]);
                else
                    resource.diskGb = parseAmount("disk", fields[3]);
            }
        } catch (const UsageError& e) {
            // "--vcpus: 'x' is not ..." -> "--from F: line 3: VCPUS 'x' is not ..."
            const std::string what = e.what();
            throw UsageError(where + kFields[field] + " " + what.substr(what.find(": ") + 2));
        }
        resources.push_back(std::move(resource));
    }
    if (in.bad())
        throw UsageError("--from " + source + ": cannot be read");
    return resources;
}

std::vector<BatchResource> mergeResources(const std::vector<std::string>& options,
                                          std::vector<BatchResource> fromFile,
                                          const std::string& source) {
    std::vector<BatchResource> merged;
    merged.reserve(options.size() + fromFile.size());
    std::unordered_map<std::string, size_t> indexOf;
    indexOf.reserve(options.size() + fromFile.size());
    const auto lineText = [&](const BatchResource& r) {
        return r.line == 0 ? std::string("the command line")
                           : "line " + std::to_string(r.line) + " of " + source;
    };
    const auto add = [&](BatchResource resource) {
        const auto [it, added] = indexOf.emplace(resource.name, merged.size());
        if (added) {
            merged.push_back(std::move(resource));
            return;
        }
        BatchResource& first = merged[it->second];
        const auto fill = [&](auto& kept, const auto& repeat, const char* field) {
            if (!repeat)
                return;
            if (kept && *kept != *repeat) {
                throw UsageError("--from " + source + ": " + quoted(resource.name) + " has " +
                                 field + " " + quoted(formatPlain(*kept)) + " on " +
                                 lineText(first) + " but " + quoted(formatPlain(*repeat)) + " on " +
                                 lineText(resource));
            }
            kept = repeat;
        };
        fill(first.vcpus, resource.vcpus, "VCPUS");
        fill(first.memoryMb, resource.memoryMb, "MEMORY_MB");
        fill(first.diskGb, resource.diskGb, "DISK_GB");
    };
    for (const std::string& name : options) {
        BatchResource resource;
        resource.name = name;
        add(std::move(resource));
    }
    for (BatchResource& resource : fromFile)
        add(std::move(resource));
    return merged;
}

SplitArguments splitResourceOptions(int argc, const char* const* argv) {
    // Every option that takes a value (Poco gives it the next argument when not inline).
    static const std::vector<std::string> withValue = {
        "config",  "config-file", "config-dir",    "strategy",    "plugin-dir", "format",
        "default", "period",      "aggregate",     "granularity", "at",         "vcpus",
        "memory",  "disk",        "meter",         "start",       "end",        "from",
        "top",     "hostname",    "resource-type", "uuid"};
    SplitArguments split;
    split.rest.reserve(static_cast<size_t>(std::max(argc, 1)));
    int i = 0;
    if (argc > 0)
        split.rest.emplace_back(argv[i++]);
    for (; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--" || arg == "--help" || arg == "-h" || arg == "--version")
            break;
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
            split.rest.push_back(arg);
            continue;
        }
        const auto sep = arg.find_first_of(":=", 2);
        std::string name = arg.substr(2, sep == std::string::npos ? std::string::npos : sep - 2);
        if (name == "uuid" || name == "hostname") {
            if (sep != std::string::npos) {
                split.resourceOptions.emplace_back(name, arg.substr(sep + 1));
                continue;
            }
            if (i + 1 < argc) {
                split.resourceOptions.emplace_back(name, argv[++i]);
                continue;
            }
        }
        split.rest.push_back(arg);
        if (sep != std::string::npos)
            continue;
        // As Poco matches names: case-insensitive, and any unambiguous prefix.
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const bool exact = std::find(withValue.begin(), withValue.end(), name) != withValue.end();
        const auto takes = std::count_if(
            withValue.begin(), withValue.end(),
            [&](const std::string& known) { return known.compare(0, name.size(), name) == 0; });
        if ((exact || takes == 1) && i + 1 < argc)
            split.rest.emplace_back(argv[++i]);
    }
    for (; i < argc; ++i)
        split.rest.emplace_back(argv[i]);
    return split;
}

bool Invocation::isValueCommand() const {
    return command != nullptr && command->kind != CommandKind::Check &&
           command->kind != CommandKind::Metrics && command->kind != CommandKind::Config;
}

OutputFormat formatOf(const GivenOptions& options) {
    const auto it = options.find("format");
    return it != options.end() && it->second == "json" ? OutputFormat::Json : OutputFormat::Text;
}

int64_t parsePositiveSeconds(const std::string& name, const std::string& text) {
    const auto value = allDigits(text) ? digitsToInt(text) : std::nullopt;
    if (!value || *value <= 0) {
        throw UsageError(option(name) + ": " + quoted(text) +
                         " is not a whole number of seconds > 0");
    }
    return *value;
}

int64_t parseUnixTimeMs(const std::string& name, const std::string& text) {
    const std::string bad = option(name) + ": " + quoted(text) +
                            " is not a Unix time in seconds > 0 (e.g. 1700000000 or "
                            "1700000000.5)";
    if (!isPlainDecimal(text))
        throw UsageError(bad);
    const auto dot = text.find('.');
    const std::string whole = text.substr(0, dot);
    // Milliseconds from the digits themselves: no binary rounding of e.g. ".001".
    std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
    const bool roundUp = fraction.size() > 3 && fraction[3] >= '5';
    fraction = (fraction + "000").substr(0, 3);
    const auto seconds = digitsToInt(whole);
    const int64_t maxSeconds = std::numeric_limits<int64_t>::max() / 1000 - 1;
    if (!seconds || *seconds > maxSeconds)
        throw UsageError(bad);
    const int64_t ms = *seconds * 1000 + *digitsToInt(fraction) + (roundUp ? 1 : 0);
    if (ms <= 0)
        throw UsageError(bad);
    return ms;
}

int64_t parseCount(const std::string& name, const std::string& text) {
    const auto value = allDigits(text) ? digitsToInt(text) : std::nullopt;
    if (!value)
        throw UsageError(option(name) + ": " + quoted(text) + " is not a whole number >= 0");
    return *value;
}

double parseAmount(const std::string& name, const std::string& text) {
    const double value = isPlainDecimal(text) ? toDouble(text) : -1.0;
    if (!(value >= 0.0) || !std::isfinite(value)) {
        throw UsageError(option(name) + ": " + quoted(text) + " is not a number >= 0");
    }
    return value;
}

Invocation parseInvocation(const std::vector<std::string>& args, const GivenOptions& options,
                           const RepeatedOptions& repeated) {
    Invocation inv;
    const auto formatIt = options.find("format");
    if (formatIt != options.end()) {
        if (formatIt->second != "text" && formatIt->second != "json") {
            throw UsageError("--format: unknown format " + quoted(formatIt->second) +
                             " (expected text or json)");
        }
        inv.format = formatOf(options);
    }
    if (args.empty())
        throw UsageError("missing COMMAND");
    for (const auto& spec : commands()) {
        if (args[0] == spec.name)
            inv.command = &spec;
    }
    if (inv.command == nullptr)
        throw UsageError("unknown command " + quoted(args[0]));
    const CommandSpec& spec = *inv.command;

    for (const auto& [name, value] : options) {
        const auto& global = globalOptions();
        const bool allowed = std::find(global.begin(), global.end(), name) != global.end() ||
                             std::find(spec.allowedOptions.begin(), spec.allowedOptions.end(),
                                       name) != spec.allowedOptions.end();
        if (!allowed)
            throw UsageError(option(name) + " does not apply to " + spec.name);
    }
    for (const auto& name : spec.requiredOptions) {
        if (!has(options, name))
            throw UsageError(std::string(spec.name) + " needs " + option(name));
    }
    for (const auto& [name, values] : repeated) {
        if (values.size() > 1 && !isConfigSourceOption(name) &&
            !(spec.kind == CommandKind::Batch && isRepeatableOption(name)))
            throw UsageError(option(name) + " is given more than once");
    }

    const size_t operands = spec.operand != nullptr ? 1 : 0;
    if (args.size() < 1 + operands) {
        throw UsageError(std::string(spec.name) + ": missing " + spec.operand);
    }
    if (args.size() > 1 + operands) {
        throw UsageError(std::string(spec.name) + ": unexpected argument " +
                         quoted(args[1 + operands]));
    }
    if (operands == 1 && args[1].empty()) {
        throw UsageError(std::string(spec.name) + ": " + spec.operand + " must not be empty");
    }

    const auto value = [&](const std::string& name) -> const std::string* {
        const auto it = options.find(name);
        return it != options.end() ? &it->second : nullptr;
    };
    const auto nonEmpty = [&](const std::string& name) {
        const std::string* text = value(name);
        if (text != nullptr && text->empty())
            throw UsageError(option(name) + " must not be empty");
        return text;
    };
    // The files and directories in the order given (kConfigOrder names each one's option).
    std::map<std::string, size_t> taken;
    const auto order = repeated.find(kConfigOrder);
    for (const auto& name : order != repeated.end() ? order->second : std::vector<std::string>()) {
        const auto values = repeated.find(name);
        const size_t index = taken[name]++;
        if (values == repeated.end() || index >= values->second.size())
            continue;
        const std::string& text = values->second[index];
        if (text.empty())
            throw UsageError(option(name) + " must not be empty");
        inv.configSources.emplace_back(text, name == "config-dir");
    }
    if (inv.configSources.empty())
        inv.configSources.emplace_back(kDefaultConfigFile, false);
    if (const auto defaults = repeated.find("default"); defaults != repeated.end()) {
        for (const std::string& text : defaults->second) {
            const auto equals = text.find('=');
            const std::string key = text.substr(0, equals);
            const auto dot = key.rfind('.');
            if (equals == std::string::npos || dot == std::string::npos || dot == 0 ||
                dot + 1 == key.size()) {
                throw UsageError("--default " + quoted(text) +
                                 ": expected GROUP.NAME=VALUE (e.g. DEFAULT.state_path=/var/lib/"
                                 "watcher)");
            }
            inv.defaults.emplace_back(key, text.substr(equals + 1));
        }
    }
    if (const auto* text = nonEmpty("strategy"))
        inv.strategy = *text;
    if (const auto* text = nonEmpty("plugin-dir"))
        inv.pluginDir = *text;
    inv.verbose = has(options, "verbose");
    if (!inv.isValueCommand())
        return inv;

    AggregationRequest& request = inv.request;
    inv.aggregateName = "mean";
    if (const auto* text = value("aggregate")) {
        const auto aggregate = parseAggregate(*text);
        if (!aggregate) {
            throw UsageError("--aggregate: unknown aggregate " + quoted(*text) +
                             " (expected mean, min, max or count)");
        }
        request.aggregate = *aggregate;
        inv.aggregateName = *text;
    }
    if (const auto* text = value("period"))
        request.periodS = parsePositiveSeconds("period", *text);
    if (const auto* text = value("granularity")) {
        request.granularityS = parsePositiveSeconds("granularity", *text);
    }
    if (const auto* text = value("at")) {
        request.evalTimeMs = parseUnixTimeMs("at", *text);
        inv.atSeconds = toDouble(*text);
    }
    if (const auto* text = value("vcpus"))
        request.resource.vcpus = parseCount("vcpus", *text);
    if (const auto* text = value("memory"))
        request.resource.memoryMb = parseAmount("memory", *text);
    if (const auto* text = value("disk"))
        request.resource.diskGb = parseAmount("disk", *text);

    if (spec.kind == CommandKind::HostValue) {
        inv.meter = spec.metric;
        request.resourceType = WDS_RESOURCE_COMPUTE_NODE;
        request.resource.hostname = args[1];
        inv.resourceName = args[1];
    } else if (spec.kind == CommandKind::InstanceValue) {
        inv.meter = spec.metric;
        request.resourceType = WDS_RESOURCE_INSTANCE;
        request.resource.uuid = args[1];
        inv.resourceName = args[1];
    } else {
        inv.meter = *nonEmpty("meter");
        const std::string& typeName = *value("resource-type");
        const auto type = parseResourceType(typeName);
        if (!type) {
            throw UsageError("--resource-type: unknown resource type " + quoted(typeName) +
                             " (expected compute_node or instance)");
        }
        if (*type != WDS_RESOURCE_COMPUTE_NODE && *type != WDS_RESOURCE_INSTANCE) {
            throw UsageError("--resource-type: resource type " + typeName +
                             " is not supported (expected compute_node or instance)");
        }
        const bool isHost = *type == WDS_RESOURCE_COMPUTE_NODE;
        const char* wanted = isHost ? "hostname" : "uuid";
        const char* other = isHost ? "uuid" : "hostname";
        if (has(options, other)) {
            throw UsageError("--resource-type " + typeName + " takes --" + wanted + ", not --" +
                             other);
        }
        request.resourceType = *type;
        if (spec.kind == CommandKind::Batch) {
            inv.allResources = has(options, "all");
            const auto given = repeated.find(wanted);
            if (given != repeated.end())
                inv.resourceNames = given->second;
            else if (const std::string* name = value(wanted))
                inv.resourceNames = {*name};
            if (const auto* text = nonEmpty("from"))
                inv.fromFile = *text;
            if (const auto* text = value("top")) {
                const int64_t top = parseCount("top", *text);
                if (top == 0)
                    throw UsageError("--top: '0' is not a whole number > 0");
                inv.top = static_cast<size_t>(top);
            }
            const bool named = !inv.resourceNames.empty() || inv.fromFile;
            if (inv.allResources ? !inv.resourceNames.empty() : !named) {
                throw UsageError("batch --resource-type " + typeName + " needs --" + wanted +
                                 " (one or more), --from FILE or --all (with --from only: "
                                 "its flavor values)");
            }
            for (const std::string& name : inv.resourceNames) {
                if (name.empty())
                    throw UsageError(option(wanted) + " must not be empty");
            }
        } else {
            const std::string* name = nonEmpty(wanted);
            if (name == nullptr) {
                throw UsageError("--resource-type " + typeName + " needs --" + wanted);
            }
            (isHost ? request.resource.hostname : request.resource.uuid) = *name;
            inv.resourceName = *name;
        }
    }
    if (spec.kind == CommandKind::Series) {
        if (const auto* text = value("start"))
            inv.startMs = parseUnixTimeMs("start", *text);
        if (const auto* text = value("end"))
            inv.endMs = parseUnixTimeMs("end", *text);
        if (inv.startMs && inv.endMs && *inv.endMs < *inv.startMs)
            throw UsageError("--end must not be before --start");
    }
    request.meterName = inv.meter;
    return inv;
}

}  // namespace wds::cli
