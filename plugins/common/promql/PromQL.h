#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "watcher_ds/datasource.h"

namespace wds::promql {

/** Longest label value we put into a query; host names and UUIDs are far shorter. */
constexpr size_t kMaxLabelValueBytes = 1024;

/** True for a valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
bool isValidLabelName(std::string_view name);

/** True if `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool isValidUtf8(std::string_view text);

/**
 * Throws DatasourceError(WDS_E_INVALID_ARGUMENT) naming `what` unless `value` is valid UTF-8 of
 * at most kMaxLabelValueBytes: what every label value we put into a query must be.
 */
void checkLabelValue(std::string_view value, const char* what);

/**
 * `value` as a single-quoted PromQL string literal, quotes included. Backslashes, quotes and
 * control characters are escaped, so no value can end the literal or change the query.
 * Throws DatasourceError(WDS_E_INVALID_ARGUMENT) naming `what` for invalid UTF-8 or a value
 * longer than kMaxLabelValueBytes.
 */
std::string quote(std::string_view value, const char* what);

/**
 * `value` as an RE2 pattern that matches exactly `value`: every regex metacharacter is escaped.
 * (Prometheus anchors label regexes, so no ^...$ is needed.)
 */
std::string regexLiteral(std::string_view value);

/** PromQL aggregation operator for a Watcher aggregate; COUNT must be mapped by the caller. */
const char* aggregationOperator(wds_aggregate aggregate);

/**
 * Which resources a query covers: the label matcher inside a selector's braces, e.g.
 * `fqdn='a'` (one), `fqdn=~'a|b'` (a set) or empty (every resource of the metric).
 */
struct Selector {
    std::string matcher;
};

/**
 * Builds the PromQL of Watcher's metrics. Every query aggregates `by` the resource label, so
 * at most one series comes back per resource whatever duplicate series the backend holds, and a
 * query over several resources gives each exactly the value its own query would.
 */
class QueryBuilder {
  public:
    QueryBuilder(std::string fqdnLabel, std::string instanceUuidLabel);

    Selector host(std::string_view fqdn) const;
    Selector instance(std::string_view uuid) const;
    /** A set of hosts / instances (a regex alternation; its length grows with the set). */
    Selector hosts(const std::vector<std::string>& fqdns) const;
    Selector instances(const std::vector<std::string>& uuids) const;
    static Selector all() { return {}; }
    /** Every series that carries the instance label (what the instance queries can group). */
    Selector anyInstance() const;
    /** The one host / instance of a QueryTemplate: its quoted value goes where kHole is. */
    Selector hostHole() const;
    Selector instanceHole() const;

    /**
     * The series the host CPU query reads, `node_cpu_seconds_total{mode='idle',<matcher>}`: the
     * fqdn label values on it are the hosts the host queries can answer.
     */
    std::string hostCpuSeries(const Selector& hosts) const;
    /** The CPU-0 idle series of the hosts: one per scrape of each host's node exporter. */
    std::string hostSourceSeries(const Selector& hosts) const;
    /** (fqdn, instance) pairs with more than one hostSourceSeries(): a host with two sources. */
    std::string hostSourceConflicts() const;

    /** % busy, 0-100: 100 minus the idle share, aggregated across CPUs. */
    std::string hostCpuUsage(wds_aggregate aggregate, const Selector& hosts, int64_t periodS) const;
    /** KiB used: total minus the available bytes aggregated over time. */
    std::string hostRamUsage(wds_aggregate aggregate, const Selector& hosts, int64_t periodS) const;
    /** CPU cores busy (ceilometer_cpu is a ns counter): instanceCpuUsage before the flavor. */
    std::string instanceCpuCores(wds_aggregate aggregate, const Selector& instances,
                                 int64_t periodS) const;
    /**
     * The series selectors the instance queries read, `ceilometer_cpu{<matcher>}` and
     * `ceilometer_memory_usage{<matcher>}`: the queries are built on them, so a list of the
     * series they select (the inventory extension) names exactly what the queries can answer.
     */
    std::string instanceCpuSeries(const Selector& instances) const;
    std::string instanceRamSeries(const Selector& instances) const;
    /** % of the flavor's vCPUs, capped at 100. */
    std::string instanceCpuUsage(wds_aggregate aggregate, const Selector& instance, int64_t periodS,
                                 int64_t vcpus) const;
    /** MB used, aggregated over time. */
    std::string instanceRamUsage(wds_aggregate aggregate, const Selector& instances,
                                 int64_t periodS) const;

    // One-resource forms, as statistic_aggregation() uses them.
    std::string hostCpuUsage(wds_aggregate aggregate, std::string_view fqdn,
                             int64_t periodS) const {
        return hostCpuUsage(aggregate, host(fqdn), periodS);
    }
    std::string hostRamUsage(wds_aggregate aggregate, std::string_view fqdn,
                             int64_t periodS) const {
        return hostRamUsage(aggregate, host(fqdn), periodS);
    }
    std::string instanceRamUsage(wds_aggregate aggregate, std::string_view uuid,
                                 int64_t periodS) const {
        return instanceRamUsage(aggregate, instance(uuid), periodS);
    }
    std::string instanceCpuUsage(wds_aggregate aggregate, std::string_view uuid, int64_t periodS,
                                 int64_t vcpus) const {
        return instanceCpuUsage(aggregate, instance(uuid), periodS, vcpus);
    }

    const std::string& fqdnLabel() const { return fqdnLabel_; }
    const std::string& instanceUuidLabel() const { return instanceUuidLabel_; }

  private:
    std::string fqdnLabel_;
    std::string instanceUuidLabel_;
};

/**
 * The client-side end of instanceCpuUsage for a batch: cores (the value of instanceCpuCores)
 * scaled to % of `vcpus` and capped at 100, with the server's float operations in the server's
 * order, so the result is bit-identical to the one-instance query.
 */
double instanceCpuPercent(double cores, int64_t vcpus);

}  // namespace wds::promql
