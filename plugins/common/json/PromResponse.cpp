#include "json/PromResponse.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "errors/DatasourceError.h"
#include "json/JsonScanner.h"

namespace wds::promjson {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

/** `text == literal` inline: std::string == const char* calls out of line into libstdc++. */
bool is(std::string_view text, std::string_view literal) {
    return text == literal;
}

[[noreturn]] void malformed(const Subject& where, const std::string& what) {
    throw DatasourceError(WDS_E_PROTOCOL, "unexpected answer to " + where.str() + ": " + what);
}

/**
 * Walks {"status":..., "data":..., "warnings":[...]}: `onData` reads the data member, the status
 * must be "success", warnings are logged. Scanner errors become WDS_E_PROTOCOL naming `where`.
 */
template <class OnData>
void walkEnvelope(const std::string& body, const Subject& where, const Logger& log,
                  OnData&& onData) {
    std::string status;
    bool sawData = false;
    std::vector<std::string> warnings;
    try {
        JsonScanner json(body);
        if (json.peek() != '{')
            malformed(where, "not a JSON object (" + errorText(body) + ")");
        bool first = true;
        std::string_view key;
        while (json.nextMember(first, key)) {
            if (is(key, "status") && json.peek() == '"') {
                status = json.readString();
            } else if (is(key, "data") && (status.empty() || is(status, "success"))) {
                onData(json);
                sawData = true;
            } else if (is(key, "warnings") && json.peek() == '[') {
                bool firstWarning = true;
                while (json.nextElement(firstWarning)) {
                    if (json.peek() == '"') {
                        warnings.push_back(json.readString());
                    } else {
                        json.skipValue();
                    }
                }
            } else {
                json.skipValue();
            }
        }
        json.expectEnd();
    } catch (const JsonScanner::Error& e) {
        malformed(where, "invalid JSON (" + e.what + "): " + errorText(body));
    }
    if (!is(status, "success"))
        malformed(where, "status '" + status + "': " + errorText(body));
    if (!sawData)
        malformed(where, "no 'data'");
    for (const std::string& warning : warnings) {
        log.warning("Prometheus warning for " + where.str() + ": " + warning);
    }
}

std::string printableExcerpt(const std::string& body) {
    std::string out;
    for (char c : body) {
        if (out.size() >= 200) {
            out += "...";
            break;
        }
        out += (c >= 0x20 && c < 0x7F) ? c : ' ';
    }
    return out;
}

}  // namespace

bool parseSampleValue(std::string_view text, double& value) {
    if (is(text, "NaN")) {
        value = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (is(text, "+Inf") || is(text, "Inf")) {
        value = std::numeric_limits<double>::infinity();
        return true;
    }
    if (is(text, "-Inf")) {
        value = -std::numeric_limits<double>::infinity();
        return true;
    }
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

namespace {

/** [time, "value"] */
void readPoint(JsonScanner& json, const Subject& where, double& timestampS, double& value) {
    if (json.peek() != '[')
        malformed(where, "a sample that is not [time, value]");
    bool firstPart = true;
    if (!json.nextElement(firstPart))
        malformed(where, "an empty [time, value]");
    const std::string_view time = json.readNumberToken();
    auto [end, ec] = std::from_chars(time.data(), time.data() + time.size(), timestampS);
    if (ec != std::errc() || end != time.data() + time.size())
        malformed(where, "a sample time that is not a number");
    if (!json.nextElement(firstPart) || json.peek() != '"')
        malformed(where, "a sample without [time, value]");
    const std::string_view text = json.readStringView();
    if (!parseSampleValue(text, value))
        malformed(where, "a sample value that is not a number: " + std::string(text));
    if (json.nextElement(firstPart))
        malformed(where, "a [time, value] with extra parts");
}

void readLabels(JsonScanner& json, const Subject& where,
                std::map<std::string, std::string>& labels) {
    bool firstLabel = true;
    std::string_view name;
    while (json.nextMember(firstLabel, name)) {
        if (json.peek() != '"')
            malformed(where, "a label value that is not a string");
        std::string key(name);  // before the value is read: name may be the scanner's buffer
        labels.emplace(std::move(key), json.readString());
    }
}

/** {"metric": {...}, "value": [time, "value"]} */
Sample readSample(JsonScanner& json, const Subject& where, Labels labels) {
    Sample sample;
    bool sawValue = false;
    bool first = true;
    std::string_view key;
    if (json.peek() != '{')
        malformed(where, "a vector element that is not an object");
    while (json.nextMember(first, key)) {
        if (is(key, "metric") && json.peek() == '{' && labels == Labels::Keep) {
            readLabels(json, where, sample.labels);
        } else if (is(key, "value")) {
            readPoint(json, where, sample.timestampS, sample.value);
            sawValue = true;
        } else {
            json.skipValue();
        }
    }
    if (!sawValue)
        malformed(where, "a vector element without [time, value]");
    return sample;
}

/** {"metric": {...}, "values": [[time, "value"], ...]} */
Series readSeries(JsonScanner& json, const Subject& where) {
    Series series;
    bool sawValues = false;
    bool first = true;
    std::string_view key;
    if (json.peek() != '{')
        malformed(where, "a matrix element that is not an object");
    while (json.nextMember(first, key)) {
        if (is(key, "metric") && json.peek() == '{') {
            readLabels(json, where, series.labels);
        } else if (is(key, "values") && json.peek() == '[') {
            sawValues = true;
            bool firstPoint = true;
            while (json.nextElement(firstPoint)) {
                Point point;
                readPoint(json, where, point.timestampS, point.value);
                series.points.push_back(point);
            }
        } else {
            json.skipValue();
        }
    }
    if (!sawValues)
        malformed(where, "a matrix element without 'values'");
    return series;
}

/** Reads data.result of the expected type with `readElement`. */
template <class Element, class ReadElement>
std::vector<Element> decodeResult(const std::string& body, const Subject& where, const Logger& log,
                                  const char* expectedType, ReadElement&& readElement) {
    std::vector<Element> elements;
    std::string resultType;
    bool sawResult = false;
    walkEnvelope(body, where, log, [&](JsonScanner& json) {
        bool first = true;
        std::string_view key;
        while (json.nextMember(first, key)) {
            if (is(key, "resultType") && json.peek() == '"') {
                resultType = json.readString();
            } else if (is(key, "result") && json.peek() == '[' &&
                       (resultType.empty() || is(resultType, expectedType))) {
                sawResult = true;
                bool firstElement = true;
                while (json.nextElement(firstElement))
                    elements.push_back(readElement(json, where));
            } else {
                json.skipValue();
            }
        }
    });
    if (!is(resultType, expectedType))
        malformed(where, "result type '" + resultType + "', not a " + expectedType);
    if (!sawResult)
        malformed(where, "no 'result' array");
    return elements;
}

}  // namespace

std::vector<Sample> decodeInstantVector(const std::string& body, const Subject& where,
                                        const Logger& log, Labels labels) {
    return decodeResult<Sample>(
        body, where, log, "vector",
        [labels](JsonScanner& json, const Subject& at) { return readSample(json, at, labels); });
}

std::vector<Series> decodeMatrix(const std::string& body, const Subject& where, const Logger& log) {
    return decodeResult<Series>(body, where, log, "matrix", readSeries);
}

std::vector<std::string> decodeStringList(const std::string& body, const Subject& where,
                                          const Logger& log) {
    std::vector<std::string> values;
    walkEnvelope(body, where, log, [&](JsonScanner& json) {
        if (json.peek() != '[')
            malformed(where, "'data' is not an array");
        bool first = true;
        while (json.nextElement(first)) {
            if (json.peek() != '"')
                malformed(where, "a non-string in 'data'");
            values.push_back(json.readString());
        }
    });
    return values;
}

std::vector<std::string> decodeTargetLabelValues(const std::string& body, const std::string& label,
                                                 const Subject& where, const Logger& log) {
    std::vector<std::string> values;
    bool sawTargets = false;
    walkEnvelope(body, where, log, [&](JsonScanner& json) {
        bool first = true;
        std::string_view key;
        while (json.nextMember(first, key)) {
            if (!is(key, "activeTargets") || json.peek() != '[') {
                json.skipValue();  // droppedTargets can be the larger part: never decoded
                continue;
            }
            sawTargets = true;
            bool firstTarget = true;
            while (json.nextElement(firstTarget)) {
                if (json.peek() != '{') {
                    json.skipValue();
                    continue;
                }
                bool firstField = true;
                std::string_view field;
                while (json.nextMember(firstField, field)) {
                    if (!is(field, "labels") || json.peek() != '{') {
                        json.skipValue();
                        continue;
                    }
                    bool firstLabel = true;
                    std::string_view name;
                    while (json.nextMember(firstLabel, name)) {
                        if (is(name, label) && json.peek() == '"') {
                            std::string value = json.readString();
                            if (!value.empty())
                                values.push_back(std::move(value));
                        } else {
                            json.skipValue();
                        }
                    }
                }
            }
        }
    });
    if (!sawTargets)
        malformed(where, "no 'data.activeTargets' array");
    return values;
}

void decodeSuccess(const std::string& body, const Subject& where, const Logger& log) {
    walkEnvelope(body, where, log, [](JsonScanner& json) { json.skipValue(); });
}

std::string errorText(const std::string& body) {
    try {
        Poco::JSON::Parser parser;
        Poco::Dynamic::Var root = parser.parse(body);
        if (root.type() == typeid(Object::Ptr)) {
            Object::Ptr object = root.extract<Object::Ptr>();
            // Prometheus: "error": "text"; Aetos: "error_message": "text" or
            // {"faultstring": "text"}; keystonemiddleware: "error": {"message": "text"}.
            for (const char* key : {"error", "error_message", "message"}) {
                if (!object->has(key))
                    continue;
                if (Object::Ptr nested = object->getObject(key)) {
                    for (const char* inner : {"faultstring", "message", "title"}) {
                        const std::string text = nested->optValue<std::string>(inner, "");
                        if (!text.empty())
                            return printableExcerpt(text);
                    }
                }
                const std::string text = object->get(key).toString();
                if (!text.empty())
                    return printableExcerpt(text);
            }
        }
    } catch (const Poco::Exception&) {
        // Not JSON (an HTML page from a proxy, say): fall through to an excerpt.
    }
    std::string excerpt = printableExcerpt(body);
    return excerpt.empty() ? "empty body" : excerpt;
}

}  // namespace wds::promjson
