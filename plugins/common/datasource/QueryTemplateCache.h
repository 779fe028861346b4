#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "datasource/MetricCatalog.h"
#include "promql/QueryTemplate.h"

namespace wds {

/**
 * The one-resource query templates of a datasource, each built on first use and kept for the
 * datasource's life. Periods and vCPU counts come from callers, so the number kept is bounded;
 * past it, callers build their query in full.
 */
class QueryTemplateCache {
  public:
    struct Key {
        MetricKind kind;
        wds_aggregate aggregate;
        int64_t periodS;
        int64_t vcpus;  // instance_cpu_usage only, else 0

        bool operator<(const Key& other) const {
            return std::tie(kind, aggregate, periodS, vcpus) <
                   std::tie(other.kind, other.aggregate, other.periodS, other.vcpus);
        }
    };

    static constexpr size_t kMaxTemplates = 256;

    /**
     * The template for `key`, from `build()` (a query with promql::kHole for the label value)
     * the first time; nullptr when the cache is full. Safe from several threads at once.
     */
    template <class Build>
    const promql::QueryTemplate* find(const Key& key, const Build& build) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = templates_.find(key);
        if (it != templates_.end())
            return it->second.get();
        if (templates_.size() >= kMaxTemplates)
            return nullptr;
        return templates_.emplace(key, std::make_unique<const promql::QueryTemplate>(build()))
            .first->second.get();
    }

  private:
    std::mutex mutex_;
    // Never erased, so the pointers handed out stay valid.
    std::map<Key, std::unique_ptr<const promql::QueryTemplate>> templates_;
};

}  // namespace wds
