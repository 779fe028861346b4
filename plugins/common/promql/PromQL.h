#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "watcher_ds/datasource.h"

namespace wds::promql {

/** Longest label value we put into a query; host names and UUIDs are far shorter. */
constexpr size_t kMaxLabelValueBytes = 1024;

/** True for a valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
bool isValidLabelName(std::string_view name);

/** True if `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool isValidUtf8(std::string_view text);

/**
 * `value` as a single-quoted PromQL string literal, quotes included. Backslashes, quotes and
 * control characters are escaped, so no value can end the literal or change the query.
 * Throws DatasourceError(WDS_E_INVALID_ARGUMENT) naming `what` for invalid UTF-8 or a value
 * longer than kMaxLabelValueBytes.
 */
std::string quote(std::string_view value, const char* what);

/** PromQL aggregation operator for a Watcher aggregate; COUNT must be mapped by the caller. */
const char* aggregationOperator(wds_aggregate aggregate);

/**
 * Builds the PromQL of Watcher's metrics. Every query aggregates `by` the resource label, so
 * at most one series comes back per resource whatever duplicate series the backend holds.
 */
class QueryBuilder {
  public:
    QueryBuilder(std::string fqdnLabel, std::string instanceUuidLabel);

    /** % busy, 0-100: 100 minus the idle share, aggregated across CPUs. */
    std::string hostCpuUsage(wds_aggregate aggregate, std::string_view fqdn, int64_t periodS) const;
    /** KiB used: total minus the available bytes aggregated over time. */
    std::string hostRamUsage(wds_aggregate aggregate, std::string_view fqdn, int64_t periodS) const;
    /** % of the flavor's vCPUs, capped at 100 (ceilometer_cpu is a ns counter). */
    std::string instanceCpuUsage(wds_aggregate aggregate, std::string_view uuid, int64_t periodS,
                                 int64_t vcpus) const;
    /** MB used, aggregated over time. */
    std::string instanceRamUsage(wds_aggregate aggregate, std::string_view uuid,
                                 int64_t periodS) const;

    const std::string& fqdnLabel() const { return fqdnLabel_; }
    const std::string& instanceUuidLabel() const { return instanceUuidLabel_; }

  private:
    std::string fqdnLabel_;
    std::string instanceUuidLabel_;
};

}  // namespace wds::promql
