#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "datasource/MetricCatalog.h"
#include "promql/QueryTemplate.h"

namespace wds {

/**
 * The one-resource query templates of a datasource, each built on first use and kept for the
 * datasource's life. Every call looks one up, from any thread: a lookup only reads (an open-
 * addressing table of pointers that are set once), so threads sharing a datasource never write
 * to a common cache line for it. Periods and vCPU counts come from callers, so the number kept
 * is bounded; past it, callers build their query in full.
 */
class QueryTemplateCache {
  public:
    struct Key {
        MetricKind kind;
        wds_aggregate aggregate;
        int64_t periodS;
        int64_t vcpus;  // instance_cpu_usage only, else 0

        bool operator==(const Key& o) const {
            return kind == o.kind && aggregate == o.aggregate && periodS == o.periodS &&
                   vcpus == o.vcpus;
        }
    };

    static constexpr size_t kMaxTemplates = 256;

    /**
     * The template for `key`, from `build()` (a query with promql::kHole for the label value)
     * the first time; nullptr when the cache is full. Safe from several threads at once.
     */
    template <class Build>
    const promql::QueryTemplate* find(const Key& key, const Build& build) {
        if (const Entry* entry = probe(key, std::memory_order_acquire))
            return &entry->shape;
        std::lock_guard<std::mutex> lock(insertMutex_);
        if (const Entry* entry = probe(key, std::memory_order_relaxed))  // added meanwhile
            return &entry->shape;
        if (entries_.size() >= kMaxTemplates)
            return nullptr;
        entries_.push_back(
            std::make_unique<const Entry>(Entry{key, promql::QueryTemplate(build())}));
        slots_[freeSlot(key)].store(entries_.back().get(), std::memory_order_release);
        return &entries_.back()->shape;
    }

  private:
    struct Entry {
        Key key;
        promql::QueryTemplate shape;
    };
    // Twice the entries: probes stay short, and a free slot always exists.
    static constexpr size_t kSlots = 2 * kMaxTemplates;

    static size_t hash(const Key& key) {
        uint64_t h = static_cast<uint64_t>(key.periodS) * 0x9E3779B97F4A7C15ULL;
        h ^= static_cast<uint64_t>(key.vcpus) * 0xC2B2AE3D27D4EB4FULL;
        h ^= static_cast<uint64_t>(static_cast<int>(key.kind) * 8 + key.aggregate);
        return static_cast<size_t>(h ^ (h >> 29));
    }
    const Entry* probe(const Key& key, std::memory_order order) const {
        for (size_t i = 0, at = hash(key); i < kSlots; ++i, ++at) {
            const Entry* entry = slots_[at % kSlots].load(order);
            if (entry == nullptr)
                return nullptr;
            if (entry->key == key)
                return entry;
        }
        return nullptr;
    }
    /** The first empty slot of key's probe sequence; called under insertMutex_. */
    size_t freeSlot(const Key& key) const {
        size_t at = hash(key);
        while (slots_[at % kSlots].load(std::memory_order_relaxed) != nullptr)
            ++at;
        return at % kSlots;
    }

    std::array<std::atomic<const Entry*>, kSlots> slots_{};
    std::mutex insertMutex_;                             // one insertion at a time
    std::vector<std::unique_ptr<const Entry>> entries_;  // owns what the slots point to
};

}  // namespace wds
