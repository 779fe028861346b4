// Fuzzes what the plugins read from the network: the HTTP/1.1 response parser and the Prometheus
// API body decoders (plugins/common/http, plugins/common/json).
//
// The input is one connection's bytes. The parser must give the same outcome however they are
// split: whole, one byte per feed, and in pieces whose sizes the input's own bytes choose (so
// the fuzzer steers the split points while the seeds stay plain HTTP responses). Every decoder
// then reads the raw input and each parsed body; they may only throw DatasourceError
// (WDS_E_PROTOCOL), and what they return must hold together.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "FuzzCheck.h"
#include "errors/DatasourceError.h"
#include "http/HttpResponseParser.h"
#include "json/JsonScanner.h"
#include "json/PromResponse.h"

namespace {

using wds::DatasourceError;
using wds::HttpParseError;
using wds::HttpResponse;
using wds::HttpResponseParser;
namespace promjson = wds::promjson;

// Small, so the fuzzer reaches the size-cap paths with short inputs.
constexpr size_t kMaxBody = 4096;
constexpr int kMaxResponsesPerConnection = 3;

const std::vector<std::string> kWantedHeaders = {"Content-Type", "Retry-After", "WWW-Authenticate"};

/** What one connection's bytes parsed to: the complete responses, then an error or the end. */
struct Outcome {
    std::vector<HttpResponse> responses;
    std::vector<bool> keepAlive;
    std::optional<HttpParseError::Kind> error;
    std::string errorText;
    size_t consumed = 0;  // bytes that belonged to the responses
};

/** Feeds `bytes` in pieces of the sizes `nextPiece` gives, response after response. */
template <class NextPiece>
Outcome parseConnection(const std::string& bytes, NextPiece&& nextPiece) {
    Outcome outcome;
    HttpResponseParser parser(kMaxBody);  // one parser per connection, as the transport does
    size_t pos = 0;
    try {
        while (static_cast<int>(outcome.responses.size()) < kMaxResponsesPerConnection) {
            HttpResponse response;
            parser.start(response, kWantedHeaders);
            while (!parser.complete() && pos < bytes.size()) {
                const size_t piece = std::min(nextPiece(), bytes.size() - pos);
                const size_t used = parser.feed(bytes.data() + pos, piece);
                WDS_FUZZ_CHECK(used <= piece, "feed used more than it was given");
                WDS_FUZZ_CHECK(parser.complete() || used == piece, "feed stopped early");
                pos += used;
            }
            if (!parser.complete()) {
                if (!parser.started())
                    break;  // the connection ended between responses: fine
                parser.finish();
            }
            WDS_FUZZ_CHECK(parser.complete(), "finish() left the response incomplete");
            WDS_FUZZ_CHECK(response.body.size() <= kMaxBody, "a body over the cap was kept");
            // Three digits; 000-099 pass the parser (RFC 9112's grammar) and end as an error of
            // the API client like any other non-200 status.
            WDS_FUZZ_CHECK(response.status >= 0 && response.status <= 999, "status");
            for (const auto& header : response.headers) {
                WDS_FUZZ_CHECK(std::find(kWantedHeaders.begin(), kWantedHeaders.end(),
                                         header.first) != kWantedHeaders.end(),
                               "an unwanted header was collected");
            }
            outcome.responses.push_back(std::move(response));
            outcome.keepAlive.push_back(parser.keepAlive());
            if (!parser.keepAlive())
                break;
        }
    } catch (const HttpParseError& e) {
        outcome.error = e.kind();
        outcome.errorText = e.what();
    }
    outcome.consumed = pos;
    return outcome;
}

void expectSameOutcome(const Outcome& a, const Outcome& b, const char* how) {
    const std::string detail =
        std::string("whole vs ") + how + ": " + a.errorText + " / " + b.errorText;
    WDS_FUZZ_CHECK(a.responses.size() == b.responses.size(), detail);
    WDS_FUZZ_CHECK(a.error.has_value() == b.error.has_value(), detail);
    for (size_t i = 0; i < a.responses.size(); ++i) {
        WDS_FUZZ_CHECK(a.responses[i].status == b.responses[i].status, detail);
        WDS_FUZZ_CHECK(a.responses[i].body == b.responses[i].body, detail);
        WDS_FUZZ_CHECK(a.responses[i].headers == b.responses[i].headers, detail);
        WDS_FUZZ_CHECK(a.keepAlive[i] == b.keepAlive[i], detail);
    }
    if (!a.error)
        WDS_FUZZ_CHECK(a.consumed == b.consumed, detail);
}

/** Runs `decode`; only DatasourceError(WDS_E_PROTOCOL) may come out of it. */
template <class Decode>
bool decodes(Decode&& decode) {
    try {
        decode();
        return true;
    } catch (const DatasourceError& e) {
        WDS_FUZZ_CHECK(e.status() == WDS_E_PROTOCOL, e.what());
        WDS_FUZZ_CHECK(std::string(e.what()).find("/api/v1/query") != std::string::npos,
                       "the error does not name the request");
        return false;
    }
}

void checkDecoders(const std::string& body) {
    const wds::Logger log;  // no callback: warnings are dropped
    const std::string where = "GET /api/v1/query";

    decodes([&] {
        for (const auto& sample : promjson::decodeInstantVector(body, where, log))
            WDS_FUZZ_CHECK(!std::isnan(sample.timestampS), "a NaN sample time");
    });
    decodes([&] {
        for (const auto& series : promjson::decodeMatrix(body, where, log)) {
            for (const auto& point : series.points)
                WDS_FUZZ_CHECK(!std::isnan(point.timestampS), "a NaN point time");
        }
    });
    decodes([&] { promjson::decodeStringList(body, where, log); });
    decodes([&] {
        for (const auto& value : promjson::decodeTargetLabelValues(body, "fqdn", where, log))
            WDS_FUZZ_CHECK(!value.empty(), "an empty target label value");
    });
    const bool success = decodes([&] { promjson::decodeSuccess(body, where, log); });

    const std::string text = promjson::errorText(body);
    WDS_FUZZ_CHECK(!text.empty(), "an empty errorText");
    WDS_FUZZ_CHECK(text.size() <= 203, "an errorText over its excerpt length");
    for (const char c : text)
        WDS_FUZZ_CHECK(c >= 0x20 && c < 0x7F, "an unprintable errorText");

    // The scanner alone: skipping one value must agree with the envelope walk about validity.
    // (The envelope walk does not count the outer object, so it allows one level more.)
    try {
        wds::JsonScanner json(body);
        json.skipValue();
        json.expectEnd();
    } catch (const wds::JsonScanner::Error& e) {
        WDS_FUZZ_CHECK(!success || e.what.rfind("nesting too deep", 0) == 0,
                       "decodeSuccess accepted what the scanner refuses: " + e.what);
    }

    double value = 0;
    promjson::parseSampleValue(body, value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);

    const Outcome whole = parseConnection(bytes, [&] { return bytes.size(); });
    expectSameOutcome(whole, parseConnection(bytes, [] { return size_t{1}; }), "byte by byte");
    size_t next = 0;
    expectSameOutcome(
        whole,
        parseConnection(bytes,
                        [&] {
                            // 1..64 bytes, chosen by the input's own bytes
                            const auto b = static_cast<unsigned char>(bytes[next++ % bytes.size()]);
                            return size_t{1} + (b % 64);
                        }),
        "input-chosen pieces");

    checkDecoders(bytes);
    for (const HttpResponse& response : whole.responses)
        checkDecoders(response.body);
    return 0;
}
