#include "promql/PromQL.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "errors/DatasourceError.h"
#include "promql/QueryTemplate.h"

namespace wds::promql {

bool isValidLabelName(std::string_view name) {
    if (name.empty())
        return false;
    for (size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!(alpha || (digit && i > 0)))
            return false;
    }
    return true;
}

bool isValidUtf8(std::string_view text) {
    size_t i = 0;
    // Host names and UUIDs are ASCII: eight bytes at a time while no byte has its top bit set.
    for (uint64_t word = 0; i + 8 <= text.size(); i += 8) {
        std::memcpy(&word, text.data() + i, 8);
        if ((word & 0x8080808080808080ULL) != 0)
            break;
    }
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        size_t len = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > text.size())
            return false;
        for (size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < minimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

void checkLabelValue(std::string_view value, const char* what) {
    if (value.size() > kMaxLabelValueBytes) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string(what) + " is longer than " +
                                                          std::to_string(kMaxLabelValueBytes) +
                                                          " bytes");
    }
    if (!isValidUtf8(value)) {
        throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string(what) + " is not valid UTF-8");
    }
}

namespace {

bool needsEscape(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F || ch == '\\' || ch == '\'';
}

/** The single-quoted literal of an already checked value. */
std::string quoteChecked(std::string_view value) {
    static const char* const kHex = "0123456789abcdef";
    std::string out;
    out.reserve(value.size() + 2);
    out += '\'';
    bool plain = true;
    for (const char ch : value)
        plain = plain && !needsEscape(ch);
    if (plain) {  // the common case: one copy
        out.append(value);
        out += '\'';
        return out;
    }
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '\\':
                out += "\\\\";
                break;
            case '\'':
                out += "\\'";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    out += "\\x";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xF];
                } else {
                    out += ch;
                }
        }
    }
    out += '\'';
    return out;
}

/** `label=~'v1|v2|...'` over the distinct values, each checked and matched literally. */
Selector anyOf(const std::string& label, std::vector<std::string> values, const char* what) {
    if (values.empty())  // =~'' would match the series that lack the label
        throw DatasourceError(WDS_E_INTERNAL, std::string("empty set of ") + what + "s");
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::string alternation;
    for (const std::string& value : values) {
        checkLabelValue(value, what);
        // An empty alternative would match the series that lack the label; before this check it
        // was also silently dropped when it sorted first, so {"", "a"} matched only "a".
        if (value.empty())
            throw DatasourceError(WDS_E_INVALID_ARGUMENT, std::string("an empty ") + what);
        if (!alternation.empty())
            alternation += '|';
        alternation += regexLiteral(value);
    }
    return {label + "=~" + quoteChecked(alternation)};
}

/** "{a,b}" from the non-empty parts, or "" when there are none. */
std::string braces(std::string_view first, std::string_view second = {}) {
    if (first.empty() && second.empty())
        return {};
    std::string out = "{";
    out += first;
    if (!first.empty() && !second.empty())
        out += ',';
    out += second;
    out += '}';
    return out;
}

}  // namespace

std::string quote(std::string_view value, const char* what) {
    checkLabelValue(value, what);
    return quoteChecked(value);
}

std::string regexLiteral(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char ch : value) {
        if (std::string_view("\\.+*?()|[]{}^$").find(ch) != std::string_view::npos)
            out += '\\';
        out += ch;
    }
    return out;
}

const char* aggregationOperator(wds_aggregate aggregate) {
    switch (aggregate) {
        case WDS_AGGREGATE_MIN:
            return "min";
        case WDS_AGGREGATE_MAX:
            return "max";
        default:
            return "avg";
    }
}

QueryBuilder::QueryBuilder(std::string fqdnLabel, std::string instanceUuidLabel)
    : fqdnLabel_(std::move(fqdnLabel)), instanceUuidLabel_(std::move(instanceUuidLabel)) {}

Selector QueryBuilder::host(std::string_view fqdn) const {
    return {fqdnLabel_ + "=" + quote(fqdn, "host label value")};
}

Selector QueryBuilder::instance(std::string_view uuid) const {
    return {instanceUuidLabel_ + "=" + quote(uuid, "instance uuid")};
}

Selector QueryBuilder::hostHole() const {
    return {fqdnLabel_ + "=" + kHole};
}

Selector QueryBuilder::instanceHole() const {
    return {instanceUuidLabel_ + "=" + kHole};
}

Selector QueryBuilder::anyInstance() const {
    return {instanceUuidLabel_ + "!=''"};
}

Selector QueryBuilder::hosts(const std::vector<std::string>& fqdns) const {
    return anyOf(fqdnLabel_, fqdns, "host label value");
}

Selector QueryBuilder::instances(const std::vector<std::string>& uuids) const {
    return anyOf(instanceUuidLabel_, uuids, "instance uuid");
}

std::string QueryBuilder::hostCpuSeries(const Selector& hosts) const {
    return "node_cpu_seconds_total" + braces("mode='idle'", hosts.matcher);
}

std::string QueryBuilder::hostSourceSeries(const Selector& hosts) const {
    return "node_cpu_seconds_total" + braces("mode='idle',cpu='0'", hosts.matcher);
}

std::string QueryBuilder::hostSourceConflicts() const {
    return "count by (" + fqdnLabel_ + ", instance) (" + hostSourceSeries(all()) + ") > 1";
}

std::string QueryBuilder::hostCpuUsage(wds_aggregate aggregate, const Selector& hosts,
                                       int64_t periodS) const {
    // Watcher's expression, clamped at 0: rate() extrapolation can put idle a hair above 100%.
    const std::string op = aggregationOperator(aggregate);
    return "clamp_min(100 - (" + op + " by (" + fqdnLabel_ + ")(rate(" + hostCpuSeries(hosts) +
           "[" + std::to_string(periodS) + "s])) * 100), 0)";
}

std::string QueryBuilder::hostRamUsage(wds_aggregate aggregate, const Selector& hosts,
                                       int64_t periodS) const {
    const std::string op = aggregationOperator(aggregate);
    const std::string selector = braces(hosts.matcher);
    return op + " by (" + fqdnLabel_ + ")(node_memory_MemTotal_bytes" + selector + " - " + op +
           "_over_time(node_memory_MemAvailable_bytes" + selector + "[" + std::to_string(periodS) +
           "s])) / 1024";
}

std::string QueryBuilder::instanceCpuCores(wds_aggregate aggregate, const Selector& instances,
                                           int64_t periodS) const {
    const std::string op = aggregationOperator(aggregate);
    return op + " by (" + instanceUuidLabel_ + ")(rate(" + instanceCpuSeries(instances) + "[" +
           std::to_string(periodS) + "s]))/10e+8";
}

std::string QueryBuilder::instanceCpuSeries(const Selector& instances) const {
    return "ceilometer_cpu" + braces(instances.matcher);
}

std::string QueryBuilder::instanceRamSeries(const Selector& instances) const {
    return "ceilometer_memory_usage" + braces(instances.matcher);
}

std::string QueryBuilder::instanceCpuUsage(wds_aggregate aggregate, const Selector& instance,
                                           int64_t periodS, int64_t vcpus) const {
    return "clamp_max((" + instanceCpuCores(aggregate, instance, periodS) + ") *(100/" +
           std::to_string(vcpus) + "), 100)";
}

std::string QueryBuilder::instanceRamUsage(wds_aggregate aggregate, const Selector& instances,
                                           int64_t periodS) const {
    const std::string op = aggregationOperator(aggregate);
    return op + " by (" + instanceUuidLabel_ + ")(" + op + "_over_time(" +
           instanceRamSeries(instances) + "[" + std::to_string(periodS) + "s]))";
}

double instanceCpuPercent(double cores, int64_t vcpus) {
    // PromQL: (cores) * (100/vcpus) as float64, then clamp_max(v, 100) = Go's math.Min.
    const double scaled = cores * (100.0 / static_cast<double>(vcpus));
    if (std::isnan(scaled))
        return scaled;
    return scaled > 100.0 ? 100.0 : scaled;
}

}  // namespace wds::promql
