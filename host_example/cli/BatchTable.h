// The text table of `watcher-ds batch`: rows sorted by value with bars, a summary, --top.
#ifndef WATCHER_DS_CLI_BATCH_TABLE_H
#define WATCHER_DS_CLI_BATCH_TABLE_H

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace wds::cli {

/** Count, min, median and max of the values a batch has; the median of an even count is the
 * mean of the middle two. Zeroes when no resource has a value. */
struct BatchSummary {
    size_t count = 0;      ///< resources asked for
    size_t withValue = 0;  ///< of them, with a value
    double min = 0;
    double median = 0;
    double max = 0;

    size_t withoutValue() const { return count - withValue; }
};

/** Linear in the number of values (the median by selection, not by sorting). */
BatchSummary summarize(const std::vector<std::optional<double>>& values);

/** "12 resources: 10 with a value, min 0.00, median 25.00, max 60.00; 2 without a value". */
std::string summaryLine(const BatchSummary& summary);

/** Row order: the values largest first (ties in input order), then the rows without one. */
std::vector<size_t> tableOrder(const std::vector<std::optional<double>>& values);

/** One row per resource: `value` when it has one, else `reason` (e.g. "no data"). */
struct BatchTableRow {
    std::string name;
    std::optional<double> value;
    std::string reason;
};

/**
 * The summary line, the header and the rows in tableOrder(), each value with a bar
 * proportional to the largest value; with `top`, only its first `top` rows, then a line
 * saying how many are left out. Columns are as wide as the rows shown need. O(n log n).
 */
std::string renderBatchTable(const std::vector<BatchTableRow>& rows, std::optional<size_t> top);

/** "%.2f". */
std::string fixed2(double value);

}  // namespace wds::cli

#endif  // WATCHER_DS_CLI_BATCH_TABLE_H
