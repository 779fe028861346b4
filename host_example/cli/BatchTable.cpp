#include "BatchTable.h"

#include <algorithm>
#include <cstdio>

#include "TextCharts.h"

namespace wds::cli {

std::string fixed2(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

BatchSummary summarize(const std::vector<std::optional<double>>& values) {
    BatchSummary summary;
    summary.count = values.size();
    std::vector<double> present;
    present.reserve(values.size());
    for (const auto& value : values) {
        if (value)
            present.push_back(*value);
    }
    summary.withValue = present.size();
    if (present.empty())
        return summary;
    const auto [low, high] = std::minmax_element(present.begin(), present.end());
    summary.min = *low;
    summary.max = *high;
    const size_t middle = present.size() / 2;
    std::nth_element(present.begin(), present.begin() + middle, present.end());
    summary.median = present[middle];
    if (present.size() % 2 == 0) {
        // The largest of the lower half, which nth_element left before `middle`.
        const double below = *std::max_element(present.begin(), present.begin() + middle);
        summary.median = below + (summary.median - below) / 2;
    }
    return summary;
}

std::string summaryLine(const BatchSummary& summary) {
    std::string line = std::to_string(summary.count) +
                       (summary.count == 1 ? " resource: " : " resources: ") +
                       std::to_string(summary.withValue) + " with a value";
    if (summary.withValue > 0) {
        line += ", min " + fixed2(summary.min) + ", median " + fixed2(summary.median) + ", max " +
                fixed2(summary.max);
    }
    return line + "; " + std::to_string(summary.withoutValue()) + " without a value";
}

std::vector<size_t> tableOrder(const std::vector<std::optional<double>>& values) {
    std::vector<size_t> order(values.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (values[a].has_value() != values[b].has_value())
            return values[a].has_value();
        return values[a].has_value() && *values[a] > *values[b];
    });
    return order;
}

std::string renderBatchTable(const std::vector<BatchTableRow>& rows, std::optional<size_t> top) {
    std::vector<std::optional<double>> values(rows.size());
    double largest = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        values[i] = rows[i].value;
        if (rows[i].value)
            largest = std::max(largest, *rows[i].value);
    }
    std::vector<size_t> order = tableOrder(values);
    const size_t shownRows = top ? std::min(*top, order.size()) : order.size();
    order.resize(shownRows);

    size_t nameWidth = std::string("RESOURCE").size(), valueWidth = 5;
    std::vector<std::string> shown(rows.size());
    for (size_t i : order) {
        shown[i] = rows[i].value ? fixed2(*rows[i].value) : rows[i].reason;
        nameWidth = std::max(nameWidth, displayWidth(rows[i].name));
        valueWidth = std::max(valueWidth, displayWidth(shown[i]));
    }
    std::string out = summaryLine(summarize(values)) + '\n';
    out.reserve(out.size() + (shownRows + 2) * (nameWidth + valueWidth + 4 + 40 * 3));
    out += padRight("RESOURCE", nameWidth) + "  " + padLeft("VALUE", valueWidth) + '\n';
    for (size_t i : order) {
        out += padRight(rows[i].name, nameWidth);
        out += "  ";
        out += padLeft(shown[i], valueWidth);
        if (rows[i].value && largest > 0) {
            const std::string cells = bar(*rows[i].value / largest, 40);
            if (!cells.empty())
                out.append("  ").append(cells);
        }
        out += '\n';
    }
    if (shownRows < rows.size()) {
        out += "... " + std::to_string(rows.size() - shownRows) + " more (--top " +
               std::to_string(shownRows) + ")\n";
    }
    return out;
}

}  // namespace wds::cli
