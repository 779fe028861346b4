#include <gtest/gtest.h>

#include "TextCharts.h"

namespace wds::cli {
namespace {

TEST(TextChartsTest, SparklineScalesFromTheSmallestToTheLargestValue) {
    EXPECT_EQ(sparkline({0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0}),
              "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
    EXPECT_EQ(sparkline({10.0, std::nullopt, 20.0}), "\u2581 \u2588");  // a gap stays a gap
    EXPECT_EQ(sparkline({5.0, 5.0}), "\u2585\u2585");                   // flat: the middle
    EXPECT_EQ(sparkline({}), "");
}

TEST(TextChartsTest, LongSeriesAreAveragedDownToTheWidth) {
    std::vector<std::optional<double>> values;
    for (int i = 0; i < 1000; ++i)
        values.push_back(i < 500 ? 0.0 : 1.0);
    const std::string line = sparkline(values, 10);
    EXPECT_EQ(displayWidth(line), 10u);
    EXPECT_EQ(line, "\u2581\u2581\u2581\u2581\u2581\u2588\u2588\u2588\u2588\u2588");
}

TEST(TextChartsTest, BarsAreDrawnInEighthsOfACell) {
    EXPECT_EQ(bar(1.0, 3), "\u2588\u2588\u2588");
    EXPECT_EQ(bar(0.5, 3), "\u2588\u258c");  // 1.5 cells
    EXPECT_EQ(bar(1.0 / 24, 3), "\u258f");   // one eighth of a cell
    EXPECT_EQ(bar(0.0, 3), "");
    EXPECT_EQ(bar(-1.0, 3), "");
    EXPECT_EQ(bar(7.0, 2), "\u2588\u2588");  // clamped
}

TEST(TextChartsTest, TimesAreUtcIsoAndColumnsCountCodePoints) {
    EXPECT_EQ(isoTime(1700000000000), "2023-11-14T22:13:20Z");
    EXPECT_EQ(isoTime(1700000000250), "2023-11-14T22:13:20.250Z");
    EXPECT_EQ(displayWidth("h\u00e9te"), 4u);
    EXPECT_EQ(padRight("h\u00e9", 4), "h\u00e9  ");
    EXPECT_EQ(padLeft("1.5", 5), "  1.5");
    EXPECT_EQ(padLeft("toolong", 3), "toolong");
}

}  // namespace
}  // namespace wds::cli
