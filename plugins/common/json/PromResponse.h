#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "errors/Subject.h"
#include "logging/Logger.h"

namespace wds::promjson {

/** One element of an instant vector. */
struct Sample {
    std::map<std::string, std::string> labels;
    double timestampS = 0;
    double value = 0;  // may be NaN or +-Inf: the caller decides what that means
};

/** One point of a range vector. */
struct Point {
    double timestampS = 0;
    double value = 0;  // may be NaN or +-Inf
};

/** One element of a range vector (matrix). */
struct Series {
    std::map<std::string, std::string> labels;
    std::vector<Point> points;
};

/** Whether a decoder keeps each sample's labels (a one-resource query has no use for them). */
enum class Labels { Keep, Skip };

/**
 * Decoders for Prometheus HTTP API bodies ({"status":"success","data":...}). A body that is not
 * JSON, has a non-success status or the wrong shape throws DatasourceError(WDS_E_PROTOCOL)
 * naming `where` (the request, without credentials) and the server's error text. A `warnings`
 * array is logged.
 */

/** data.result of resultType "vector"; Labels::Skip leaves every Sample::labels empty. */
std::vector<Sample> decodeInstantVector(const std::string& body, const Subject& where,
                                        const Logger& log, Labels labels = Labels::Keep);

/** data.result of resultType "matrix" (query_range, or an instant query of a range). */
std::vector<Series> decodeMatrix(const std::string& body, const Subject& where, const Logger& log);

/** data: ["a","b",...] (label values). */
std::vector<std::string> decodeStringList(const std::string& body, const Subject& where,
                                          const Logger& log);

/** The values of `label` over data.activeTargets[].labels, skipping targets without it. */
std::vector<std::string> decodeTargetLabelValues(const std::string& body, const std::string& label,
                                                 const Subject& where, const Logger& log);

/** Checks a {"status":"success"} body (runtimeinfo and friends). */
void decodeSuccess(const std::string& body, const Subject& where, const Logger& log);

/**
 * The error text of an error body: Prometheus' "error", Aetos' "error_message", or else a short,
 * printable excerpt of the body. Never empty.
 */
std::string errorText(const std::string& body);

/** Prometheus sample values are strings: "1.5", "NaN", "+Inf", "-Inf". Locale-independent. */
bool parseSampleValue(std::string_view text, double& value);

}  // namespace wds::promjson
