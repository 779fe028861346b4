#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <Poco/URI.h>

#include "MockTransport.h"
#include "datasource/Datasource.h"
#include "errors/DatasourceError.h"

namespace wds {
namespace test {

inline bool isTargets(const HttpRequest& r) {
    return r.target.find("/targets") != std::string::npos;
}
inline bool isQuery(const HttpRequest& r) {
    return r.target.find("/query?") != std::string::npos;
}
/** The host label map's look-up of the fqdn values on the node series. */
inline bool isHostLabelValues(const HttpRequest& r) {
    return r.target.find("/label/fqdn/values") != std::string::npos;
}
/** Any other label-values request (the inventory's, list_metrics'). */
inline bool isLabelValues(const HttpRequest& r) {
    return r.target.find("/label/") != std::string::npos && !isHostLabelValues(r);
}
/** A /label/<name>/values answer. */
inline std::string labelValuesBody(std::initializer_list<const char*> values) {
    std::string body = R"({"status":"success","data":[)";
    bool first = true;
    for (const char* v : values) {
        body += (first ? "\"" : ",\"") + std::string(v) + "\"";
        first = false;
    }
    return body + "]}";
}

/** A POST /api/v1/query, its parameters in the form body. */
inline bool isPostedQuery(const HttpRequest& r) {
    return r.method == "POST" && r.target.size() >= 6 &&
           r.target.compare(r.target.size() - 6, 6, "/query") == 0;
}

/** A query parameter of a request, from its URL or its form body, decoded ("" when absent). */
inline std::string paramOf(const HttpRequest& r, const std::string& name) {
    Poco::URI uri(r.method == "POST" ? "/?" + r.body : r.target);
    for (const auto& [k, v] : uri.getQueryParameters()) {
        if (k == name)
            return v;
    }
    return {};
}

/** The PromQL of a /query or /query_range request, decoded. */
inline std::string promqlOf(const HttpRequest& r) {
    return paramOf(r, "query");
}

}  // namespace test

/** A Datasource over a mocked transport whose targets know compute-1.example.org and controller. */
class DatasourceTest : public testing::Test {
  protected:
    void SetUp() override { makeDatasource(false); }

    /**
     * A started datasource over the mock, whose targets carry `targets` as fqdn labels and whose
     * node series of the last day carry `seriesHosts`; `seriesViaSubquery` as the Aetos plugin
     * sets it; `instanceLabel` is instance_uuid_label.
     */
    void makeDatasource(bool seriesViaSubquery,
                        std::initializer_list<const char*> targets = {"compute-1.example.org",
                                                                      "controller"},
                        const std::string& instanceLabel = "resource",
                        std::initializer_list<const char*> seriesHosts = {}) {
        ON_CALL(*transport, send(testing::Truly(test::isTargets)))
            .WillByDefault(testing::Return(test::ok(test::targetsBody(targets))));
        EXPECT_CALL(*transport, send(testing::Truly(test::isTargets))).Times(testing::AtLeast(1));
        ON_CALL(*transport, send(testing::Truly(test::isHostLabelValues)))
            .WillByDefault(testing::Return(test::ok(test::labelValuesBody(seriesHosts))));
        EXPECT_CALL(*transport, send(testing::Truly(test::isHostLabelValues)))
            .Times(testing::AtLeast(1));
        Logger log(
            [](void* ctx, wds_log_level level, const char* m) {
                if (level >= WDS_LOG_WARNING)
                    static_cast<std::vector<std::string>*>(ctx)->push_back(m);
            },
            &warnings);
        Datasource::Settings settings;
        settings.id = "prometheus";
        settings.labelRefreshInterval = std::chrono::milliseconds(0);
        settings.seriesViaSubquery = seriesViaSubquery;
        settings.postQueries = postQueries;
        settings.instanceUuidLabel = instanceLabel;
        datasource = std::make_unique<Datasource>(
            settings,
            std::make_unique<PromApiClient>(transport, "",
                                            RetryPolicy(1, std::chrono::milliseconds(0)),
                                            std::chrono::milliseconds(1000), log),
            log);
        datasource->start();
    }

    /** Expects one query, answers it with `body`, and records its PromQL. */
    void answerQuery(const std::string& body) {
        EXPECT_CALL(*transport, send(testing::Truly(test::isQuery)))
            .WillOnce([this, body](const HttpRequest& r) {
                lastQuery = test::promqlOf(r);
                return test::ok(body);
            });
    }

    static AggregationArgs host(const std::string& name, const char* meter = "host_cpu_usage") {
        AggregationArgs r;
        r.resourceType = WDS_RESOURCE_COMPUTE_NODE;
        r.hostname = name;
        r.meterName = meter;
        return r;
    }
    static AggregationArgs instance(const char* meter) {
        AggregationArgs r;
        r.resourceType = WDS_RESOURCE_INSTANCE;
        r.uuid = "uuid-0";
        r.meterName = meter;
        r.vcpus = 2;
        return r;
    }
    wds_status statusOf(const AggregationArgs& r, std::string* message = nullptr) {
        try {
            datasource->statisticAggregation(r);
        } catch (const DatasourceError& e) {
            if (message)
                *message = e.what();
            return e.status();
        }
        return WDS_OK;
    }

    std::shared_ptr<testing::NiceMock<test::MockTransport>> transport =
        std::make_shared<testing::NiceMock<test::MockTransport>>();
    std::unique_ptr<Datasource> datasource;
    bool postQueries = false;  // as the Prometheus plugin sets it, for the next makeDatasource()
    std::vector<std::string> warnings;
    std::string lastQuery;
};

}  // namespace wds
