#include "json/PromResponse.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "errors/DatasourceError.h"

namespace wds::promjson {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void malformed(const std::string& where, const std::string& what) {
    throw DatasourceError(WDS_E_PROTOCOL, "unexpected answer to " + where + ": " + what);
}

/** Parses the body, checks "status" and logs "warnings"; returns the top-level object. */
Object::Ptr parseEnvelope(const std::string& body, const std::string& where, const Logger& log) {
    Poco::Dynamic::Var root;
    try {
        Poco::JSON::Parser parser;
        root = parser.parse(body);
    } catch (const Poco::Exception& e) {
        malformed(where, "not JSON (" + errorText(body) + ")");
    }
    Object::Ptr object = root.type() == typeid(Object::Ptr) ? root.extract<Object::Ptr>() : nullptr;
    if (!object)
        malformed(where, "not a JSON object");

    const std::string status = object->optValue<std::string>("status", "");
    if (status != "success") {
        malformed(where, "status '" + status + "': " + errorText(body));
    }
    if (Array::Ptr warnings = object->getArray("warnings")) {
        for (size_t i = 0; i < warnings->size(); ++i) {
            log.warning("Prometheus warning for " + where + ": " + warnings->get(i).toString());
        }
    }
    return object;
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

bool parseSampleValue(const std::string& text, double& value) {
    if (text == "NaN") {
        value = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (text == "+Inf" || text == "Inf") {
        value = std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "-Inf") {
        value = -std::numeric_limits<double>::infinity();
        return true;
    }
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

std::vector<Sample> decodeInstantVector(const std::string& body, const std::string& where,
                                        const Logger& log) {
    Object::Ptr object = parseEnvelope(body, where, log);
    Object::Ptr data = object->getObject("data");
    if (!data)
        malformed(where, "no 'data' object");
    const std::string resultType = data->optValue<std::string>("resultType", "");
    if (resultType != "vector")
        malformed(where, "result type '" + resultType + "', not a vector");
    Array::Ptr result = data->getArray("result");
    if (!result)
        malformed(where, "no 'result' array");

    std::vector<Sample> samples;
    samples.reserve(result->size());
    for (size_t i = 0; i < result->size(); ++i) {
        Object::Ptr element = result->getObject(static_cast<unsigned>(i));
        Array::Ptr pair = element ? element->getArray("value") : nullptr;
        if (!pair || pair->size() != 2)
            malformed(where, "a vector element without [time, value]");
        Sample sample;
        try {
            sample.timestampS = pair->get(0).convert<double>();
        } catch (const Poco::Exception&) {
            malformed(where, "a sample time that is not a number");
        }
        const Poco::Dynamic::Var& raw = pair->get(1);
        if (!raw.isString() || !parseSampleValue(raw.extract<std::string>(), sample.value)) {
            malformed(where, "a sample value that is not a number: " + raw.toString());
        }
        if (Object::Ptr metric = element->getObject("metric")) {
            for (const auto& [name, labelValue] : *metric) {
                sample.labels.emplace(name, labelValue.toString());
            }
        }
        samples.push_back(std::move(sample));
    }
    return samples;
}

std::vector<std::string> decodeStringList(const std::string& body, const std::string& where,
                                          const Logger& log) {
    Object::Ptr object = parseEnvelope(body, where, log);
    Array::Ptr data = object->getArray("data");
    if (!data)
        malformed(where, "'data' is not an array");
    std::vector<std::string> values;
    values.reserve(data->size());
    for (size_t i = 0; i < data->size(); ++i)
        values.push_back(data->get(i).toString());
    return values;
}

std::vector<std::string> decodeTargetLabelValues(const std::string& body, const std::string& label,
                                                 const std::string& where, const Logger& log) {
    Object::Ptr object = parseEnvelope(body, where, log);
    Object::Ptr data = object->getObject("data");
    Array::Ptr targets = data ? data->getArray("activeTargets") : nullptr;
    if (!targets)
        malformed(where, "no 'data.activeTargets' array");
    std::vector<std::string> values;
    for (size_t i = 0; i < targets->size(); ++i) {
        Object::Ptr target = targets->getObject(static_cast<unsigned>(i));
        Object::Ptr labels = target ? target->getObject("labels") : nullptr;
        if (!labels)
            continue;
        std::string value = labels->optValue<std::string>(label, "");
        if (!value.empty())
            values.push_back(std::move(value));
    }
    return values;
}

void decodeSuccess(const std::string& body, const std::string& where, const Logger& log) {
    parseEnvelope(body, where, log);
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
