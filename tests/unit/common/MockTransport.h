#pragma once

#include <string>

#include <gmock/gmock.h>

#include "http/HttpTransport.h"

namespace wds::test {

class MockTransport : public HttpTransport {
  public:
    MockTransport() {
        ON_CALL(*this, baseUrl()).WillByDefault(testing::Return("http://prom.test:9090"));
    }
    MOCK_METHOD(HttpResponse, send, (const HttpRequest&), (override));
    MOCK_METHOD(std::string, baseUrl, (), (const, override));
};

inline HttpResponse ok(std::string body) {
    return {200, std::move(body)};
}

/** A Prometheus instant-vector answer with one sample per value (labels: resource=<i>). */
inline std::string vectorBody(std::initializer_list<const char*> values) {
    std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
    int i = 0;
    for (const char* v : values) {
        if (i)
            body += ",";
        body += R"({"metric":{"resource":")" + std::to_string(i++) +
                R"("},"value":[1700000000.5,")" + std::string(v) + R"("]})";
    }
    return body + "]}}";
}

/** An instant vector with one sample per (label value, sample value). */
inline std::string labelledVectorBody(
    const std::string& label, std::initializer_list<std::pair<const char*, const char*>> samples) {
    std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
    bool first = true;
    for (const auto& [labelValue, value] : samples) {
        body += first ? "" : ",";
        first = false;
        body += R"({"metric":{")" + label + R"(":")" + labelValue + R"("},"value":[1700000000,")" +
                value + R"("]})";
    }
    return body + "]}}";
}

/** A matrix of one series per element of `series`, each a list of (Unix s, value) points. */
inline std::string matrixBody(
    std::initializer_list<std::initializer_list<std::pair<int64_t, const char*>>> series) {
    std::string body = R"({"status":"success","data":{"resultType":"matrix","result":[)";
    bool first = true;
    for (const auto& points : series) {
        body += first ? R"({"metric":{},"values":[)" : R"(,{"metric":{},"values":[)";
        first = false;
        bool firstPoint = true;
        for (const auto& [timeS, value] : points) {
            body += firstPoint ? "" : ",";
            firstPoint = false;
            body += "[" + std::to_string(timeS) + R"(,")" + value + R"("])";
        }
        body += "]}";
    }
    return body + "]}}";
}

inline std::string targetsBody(std::initializer_list<const char*> fqdns) {
    std::string body = R"({"status":"success","data":{"activeTargets":[)";
    bool first = true;
    for (const char* f : fqdns) {
        if (!first)
            body += ",";
        first = false;
        body += R"({"labels":{"fqdn":")" + std::string(f) + R"(","job":"node"},"health":"up"})";
    }
    return body + R"(],"droppedTargets":[]}})";
}

}  // namespace wds::test
