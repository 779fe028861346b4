// Fuzzes the PromQL builder and escaper (plugins/common/promql) with oracles that do not trust
// our own code: a reference UTF-8 validator (Unicode Table 3-7), a reference unquoter with the
// rules of Prometheus' lexer and strutil.Unquote, a regex-literal decoder (and std::regex), and a
// query lexer that checks an untrusted value can only ever become the content of one literal.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "errors/DatasourceError.h"
#include "promql/PromQL.h"

namespace {

using wds::DatasourceError;
namespace promql = wds::promql;

constexpr std::string_view kRegexMeta = "\\.+*?()|[]{}^$";

bool byteIn(std::string_view s, size_t at, unsigned lo, unsigned hi) {
    if (at >= s.size())
        return false;
    const auto b = static_cast<unsigned char>(s[at]);
    return b >= lo && b <= hi;
}

/** Well-formed UTF-8 by the table of well-formed byte sequences (Unicode 15, Table 3-7). */
bool referenceUtf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        size_t len = 0;
        if (b <= 0x7F) {
            len = 1;
        } else if (b >= 0xC2 && b <= 0xDF) {
            len = byteIn(s, i + 1, 0x80, 0xBF) ? 2 : 0;
        } else if (b >= 0xE0 && b <= 0xEF) {
            const unsigned lo = b == 0xE0 ? 0xA0 : 0x80;
            const unsigned hi = b == 0xED ? 0x9F : 0xBF;
            len = byteIn(s, i + 1, lo, hi) && byteIn(s, i + 2, 0x80, 0xBF) ? 3 : 0;
        } else if (b >= 0xF0 && b <= 0xF4) {
            const unsigned lo = b == 0xF0 ? 0x90 : 0x80;
            const unsigned hi = b == 0xF4 ? 0x8F : 0xBF;
            len = byteIn(s, i + 1, lo, hi) && byteIn(s, i + 2, 0x80, 0xBF) &&
                          byteIn(s, i + 3, 0x80, 0xBF)
                      ? 4
                      : 0;
        }
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/**
 * The value of a PromQL string literal (quotes included) as Prometheus reads it: the lexer
 * refuses invalid UTF-8 and raw newlines; strutil.Unquote (Go's strconv rules, with multi-rune
 * single-quoted strings) refuses an unescaped quote and unknown escapes. nullopt: a syntax error.
 */
std::optional<std::string> unquotePromQL(std::string_view literal) {
    if (literal.size() < 2 || !referenceUtf8(literal))
        return std::nullopt;
    const char quote = literal.front();
    if ((quote != '\'' && quote != '"') || literal.back() != quote)
        return std::nullopt;
    const std::string_view s = literal.substr(1, literal.size() - 2);
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        const char c = s[i++];
        if (c == quote || c == '\n')
            return std::nullopt;
        if (c != '\\') {
            out += c;
            continue;
        }
        if (i >= s.size())
            return std::nullopt;
        const char e = s[i++];
        switch (e) {
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'v':
                out += '\v';
                break;
            case '\\':
                out += '\\';
                break;
            case '\'':
            case '"':
                if (e != quote)
                    return std::nullopt;
                out += e;
                break;
            case 'x':
            case 'u':
            case 'U': {
                const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                if (i + digits > s.size())
                    return std::nullopt;
                uint32_t v = 0;
                for (size_t k = 0; k < digits; ++k) {
                    const int d = hexDigit(s[i + k]);
                    if (d < 0)
                        return std::nullopt;
                    v = (v << 4) | static_cast<uint32_t>(d);
                }
                i += digits;
                if (e == 'x') {
                    out += static_cast<char>(v);  // one byte, not a code point
                } else {
                    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                        return std::nullopt;
                    appendUtf8(out, v);
                }
                break;
            }
            default: {
                if (e < '0' || e > '7' || i + 2 > s.size())
                    return std::nullopt;
                uint32_t v = static_cast<uint32_t>(e - '0');
                for (size_t k = 0; k < 2; ++k) {
                    if (s[i + k] < '0' || s[i + k] > '7')
                        return std::nullopt;
                    v = (v << 3) | static_cast<uint32_t>(s[i + k] - '0');
                }
                i += 2;
                if (v > 255)
                    return std::nullopt;
                out += static_cast<char>(v);
            }
        }
    }
    return out;
}

/** A query split into its string literals (decoded) and the rest, with each literal as `S`. */
struct LexedQuery {
    std::string skeleton;
    std::vector<std::string> strings;
};

LexedQuery lexQuery(const std::string& query) {
    LexedQuery lexed;
    size_t i = 0;
    while (i < query.size()) {
        const char c = query[i];
        if (c != '\'' && c != '"') {
            WDS_FUZZ_CHECK(c >= 0x20 && c < 0x7F && c != '`', "query byte outside literals");
            lexed.skeleton += c;
            ++i;
            continue;
        }
        // The literal ends at the first unescaped quote of its kind (a backslash takes the next
        // byte with it), as Prometheus' lexer sees it.
        size_t end = i + 1;
        while (end < query.size() && query[end] != c)
            end += query[end] == '\\' ? 2 : 1;
        WDS_FUZZ_CHECK(end < query.size(), "unterminated literal in " + query);
        const auto value = unquotePromQL(std::string_view(query).substr(i, end - i + 1));
        WDS_FUZZ_CHECK(value.has_value(), "literal Prometheus would refuse in " + query);
        lexed.strings.push_back(*value);
        lexed.skeleton += 'S';
        i = end + 1;
    }
    return lexed;
}

/** regexLiteral(v), decoded: every backslash must escape a metacharacter, no other one bare. */
std::string decodeRegexLiteral(std::string_view regex) {
    std::string out;
    for (size_t i = 0; i < regex.size(); ++i) {
        char c = regex[i];
        if (c == '\\') {
            WDS_FUZZ_CHECK(i + 1 < regex.size(), "trailing backslash in a regex literal");
            c = regex[++i];
            WDS_FUZZ_CHECK(kRegexMeta.find(c) != std::string_view::npos,
                           "a backslash before a non-metacharacter");
        } else {
            WDS_FUZZ_CHECK(kRegexMeta.find(c) == std::string_view::npos,
                           "an unescaped metacharacter in a regex literal");
        }
        out += c;
    }
    return out;
}

/** The literal alternatives of a set matcher's regex `a|b\|c`. */
std::set<std::string> splitAlternation(std::string_view regex) {
    std::set<std::string> parts;
    size_t begin = 0;
    for (size_t i = 0; i <= regex.size(); ++i) {
        if (i == regex.size() || regex[i] == '|') {
            parts.insert(decodeRegexLiteral(regex.substr(begin, i - begin)));
            begin = i + 1;
        } else if (regex[i] == '\\') {
            ++i;
        }
    }
    return parts;
}

bool validValue(std::string_view value) {
    return value.size() <= promql::kMaxLabelValueBytes && referenceUtf8(value);
}

template <class Build>
void expectRefused(Build&& build, wds_status status, const std::string& what) {
    try {
        build();
    } catch (const DatasourceError& e) {
        WDS_FUZZ_CHECK(e.status() == status, what + ": wrong status for " + e.what());
        return;
    }
    WDS_FUZZ_CHECK(false, what + " was accepted");
}

void checkEscapers(const std::string& value) {
    const bool valid = validValue(value);
    WDS_FUZZ_CHECK(promql::isValidUtf8(value) == referenceUtf8(value), "isValidUtf8 disagrees");
    if (valid) {
        promql::checkLabelValue(value, "fuzz value");
        const std::string literal = promql::quote(value, "fuzz value");
        for (const char c : literal) {
            const auto b = static_cast<unsigned char>(c);
            WDS_FUZZ_CHECK(b >= 0x20 && b != 0x7F, "a control byte inside a quoted literal");
        }
        const auto unquoted = unquotePromQL(literal);
        WDS_FUZZ_CHECK(unquoted.has_value(), "Prometheus would refuse " + literal);
        WDS_FUZZ_CHECK(*unquoted == value, "the literal " + literal + " means something else");
    } else {
        expectRefused([&] { promql::checkLabelValue(value, "fuzz value"); }, WDS_E_INVALID_ARGUMENT,
                      "checkLabelValue of an invalid value");
        expectRefused([&] { promql::quote(value, "fuzz value"); }, WDS_E_INVALID_ARGUMENT,
                      "quote of an invalid value");
    }

    const std::string regex = promql::regexLiteral(value);
    WDS_FUZZ_CHECK(decodeRegexLiteral(regex) == value, "regexLiteral changes the value");
    // An independent regex engine must match the value exactly (Prometheus anchors the regex).
    // Short values only: std::regex recurses per character.
    if (valid && value.size() <= 48 && value.find('\0') == std::string::npos) {
        WDS_FUZZ_CHECK(std::regex_match(value, std::regex(regex)), "regex literal " + regex);
    }
}

void checkLabelNames(const std::string& name) {
    bool reference = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (const char c : name) {
        reference = reference && (std::isalnum(static_cast<unsigned char>(c)) || c == '_') &&
                    static_cast<unsigned char>(c) < 0x80;
    }
    WDS_FUZZ_CHECK(promql::isValidLabelName(name) == reference, "isValidLabelName of " + name);
}

/**
 * Builds every query with the fuzzed resource and with a harmless placeholder: the two must
 * have the same structure, and each literal must be the placeholder's or exactly the value.
 */
void checkQueries(FuzzedDataProvider& input, const std::string& value) {
    std::string fqdnLabel = input.ConsumeRandomLengthString(24);
    std::string uuidLabel = input.ConsumeRandomLengthString(24);
    checkLabelNames(fqdnLabel);
    if (!promql::isValidLabelName(fqdnLabel))
        fqdnLabel = "fqdn";  // the config reader lets only label names through
    if (!promql::isValidLabelName(uuidLabel))
        uuidLabel = "resource";
    const promql::QueryBuilder builder(fqdnLabel, uuidLabel);
    const wds_aggregate aggregate = input.PickValueInArray(
        {WDS_AGGREGATE_MEAN, WDS_AGGREGATE_MIN, WDS_AGGREGATE_MAX, WDS_AGGREGATE_COUNT});
    const auto period = input.ConsumeIntegral<int64_t>();
    const auto vcpus = input.ConsumeIntegral<int64_t>();
    std::vector<std::string> set;
    const size_t setSize = input.ConsumeIntegralInRange<size_t>(0, 6);
    for (size_t i = 0; i < setSize; ++i)
        set.push_back(input.ConsumeRandomLengthString(64));
    set.push_back(value);

    const std::string placeholder = "x";
    const auto one = [&](const std::string& v) {
        return std::vector<std::string>{
            builder.hostCpuUsage(aggregate, v, period),
            builder.hostRamUsage(aggregate, v, period),
            builder.instanceRamUsage(aggregate, v, period),
            builder.instanceCpuUsage(aggregate, v, period, vcpus),
            builder.instanceCpuCores(aggregate, builder.instance(v), period),
        };
    };
    if (!validValue(value)) {
        expectRefused([&] { one(value); }, WDS_E_INVALID_ARGUMENT, "a query of an invalid value");
    } else {
        const auto real = one(value);
        const auto reference = one(placeholder);
        for (size_t q = 0; q < real.size(); ++q) {
            const LexedQuery lexed = lexQuery(real[q]);
            const LexedQuery expected = lexQuery(reference[q]);
            WDS_FUZZ_CHECK(lexed.skeleton == expected.skeleton, "structure changed: " + real[q]);
            for (size_t s = 0; s < lexed.strings.size(); ++s) {
                const bool isValue = expected.strings[s] == placeholder;
                WDS_FUZZ_CHECK(lexed.strings[s] == (isValue ? value : expected.strings[s]),
                               "a literal changed: " + real[q]);
            }
        }
    }

    const bool setValid = std::all_of(set.begin(), set.end(), [](const std::string& v) {
        return !v.empty() && validValue(v);  // an empty alternative would match a missing label
    });
    const auto many = [&](const std::vector<std::string>& values) {
        return std::vector<std::string>{
            builder.hostCpuUsage(aggregate, builder.hosts(values), period),
            builder.hostRamUsage(aggregate, builder.hosts(values), period),
            builder.instanceCpuCores(aggregate, builder.instances(values), period),
            builder.instanceRamUsage(aggregate, builder.instances(values), period),
        };
    };
    expectRefused([&] { builder.hosts({}); }, WDS_E_INTERNAL, "an empty host set");
    if (!setValid) {
        expectRefused([&] { many(set); }, WDS_E_INVALID_ARGUMENT, "a set with an invalid value");
        return;
    }
    const std::set<std::string> wanted(set.begin(), set.end());
    const auto real = many(set);
    const auto reference = many({placeholder});
    for (size_t q = 0; q < real.size(); ++q) {
        const LexedQuery lexed = lexQuery(real[q]);
        const LexedQuery expected = lexQuery(reference[q]);
        WDS_FUZZ_CHECK(lexed.skeleton == expected.skeleton, "structure changed: " + real[q]);
        for (size_t s = 0; s < lexed.strings.size(); ++s) {
            if (expected.strings[s] == placeholder) {
                WDS_FUZZ_CHECK(splitAlternation(lexed.strings[s]) == wanted,
                               "the set matcher covers other values: " + real[q]);
            } else {
                WDS_FUZZ_CHECK(lexed.strings[s] == expected.strings[s],
                               "a literal changed: " + real[q]);
            }
        }
    }

    const double percent = promql::instanceCpuPercent(input.ConsumeFloatingPoint<double>(), vcpus);
    WDS_FUZZ_CHECK(std::isnan(percent) || percent <= 100.0, "instanceCpuPercent over 100");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider input(data, size);
    // The first value is the one under test; most of the input goes to it.
    const std::string value = input.ConsumeRandomLengthString(promql::kMaxLabelValueBytes + 64);
    checkEscapers(value);
    checkQueries(input, value);
    return 0;
}
