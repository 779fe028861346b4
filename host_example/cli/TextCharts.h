// Small Unicode charts for people at a terminal: sparklines, proportional bars, aligned columns.
#ifndef WATCHER_DS_CLI_TEXT_CHARTS_H
#define WATCHER_DS_CLI_TEXT_CHARTS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wds::cli {

/**
 * One block character per value (U+2581..U+2588) scaled from the smallest to the largest value,
 * a space where a value is missing. Longer inputs are averaged down to at most `maxWidth` cells.
 */
std::string sparkline(const std::vector<std::optional<double>>& values, size_t maxWidth = 100);

/** `fraction` (clamped to 0..1) of `width` cells, drawn in eighths of a cell. */
std::string bar(double fraction, size_t width);

/** "2023-11-14T22:13:20Z" (UTC; milliseconds shown only when not zero). */
std::string isoTime(int64_t unixMs);

/** Terminal columns of UTF-8 text, counting one per code point. */
size_t displayWidth(const std::string& text);

/** `text` followed by spaces up to `width` columns. */
std::string padRight(const std::string& text, size_t width);

/** Spaces followed by `text` up to `width` columns. */
std::string padLeft(const std::string& text, size_t width);

}  // namespace wds::cli

#endif  // WATCHER_DS_CLI_TEXT_CHARTS_H
