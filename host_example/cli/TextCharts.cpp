#include "TextCharts.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace wds::cli {
namespace {

// U+2581..U+2588: lower one eighth block .. full block.
const char* const kLevels[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                               "\u2585", "\u2586", "\u2587", "\u2588"};
// U+258F..U+2589: left one eighth block .. left seven eighths block.
const char* const kEighths[] = {"",       "\u258f", "\u258e", "\u258d",
                                "\u258c", "\u258b", "\u258a", "\u2589"};

/** Means of consecutive groups of `values`, so that at most `maxWidth` remain. */
std::vector<std::optional<double>> downsample(const std::vector<std::optional<double>>& values,
                                              size_t maxWidth) {
    if (maxWidth == 0 || values.size() <= maxWidth)
        return values;
    const size_t group = (values.size() + maxWidth - 1) / maxWidth;
    std::vector<std::optional<double>> cells;
    for (size_t begin = 0; begin < values.size(); begin += group) {
        double sum = 0;
        size_t count = 0;
        for (size_t i = begin; i < std::min(values.size(), begin + group); ++i) {
            if (values[i]) {
                sum += *values[i];
                ++count;
            }
        }
        cells.push_back(count > 0 ? std::optional<double>(sum / count) : std::nullopt);
    }
    return cells;
}

}  // namespace

std::string sparkline(const std::vector<std::optional<double>>& values, size_t maxWidth) {
    const auto cells = downsample(values, maxWidth);
    std::optional<double> low, high;
    for (const auto& v : cells) {
        if (v) {
            low = low ? std::min(*low, *v) : *v;
            high = high ? std::max(*high, *v) : *v;
        }
    }
    std::string line;
    for (const auto& v : cells) {
        if (!v) {
            line += ' ';
            continue;
        }
        // A flat series sits in the middle rather than pretending to be at its minimum.
        const double share = *high > *low ? (*v - *low) / (*high - *low) : 0.5;
        line += kLevels[static_cast<size_t>(std::lround(share * 7))];
    }
    return line;
}

std::string bar(double fraction, size_t width) {
    if (!(fraction > 0))
        return "";
    const auto eighths = static_cast<size_t>(std::lround(std::min(fraction, 1.0) * width * 8));
    std::string out;
    for (size_t i = 0; i < eighths / 8; ++i)
        out += kLevels[7];
    out += kEighths[eighths % 8];
    return out;
}

std::string isoTime(int64_t unixMs) {
    const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string out = text;
    if (unixMs % 1000 != 0) {
        char millis[8];
        std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(unixMs % 1000));
        out += millis;
    }
    return out + "Z";
}

size_t displayWidth(const std::string& text) {
    return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
    }));
}

std::string padRight(const std::string& text, size_t width) {
    const size_t shown = displayWidth(text);
    return shown >= width ? text : text + std::string(width - shown, ' ');
}

std::string padLeft(const std::string& text, size_t width) {
    const size_t shown = displayWidth(text);
    return shown >= width ? text : std::string(width - shown, ' ') + text;
}

}  // namespace wds::cli
