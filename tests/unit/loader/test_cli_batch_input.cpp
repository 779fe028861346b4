// watcher-ds batch in process: the --from list, de-duplication, the resource options taken out
// of argv before Poco, the table's order, --top and its summary line.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "BatchTable.h"
#include "CommandLine.h"

namespace wds::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<BatchResource> parse(const std::string& text, bool hosts = false) {
    std::istringstream in(text);
    return parseResourceList(in, "list.txt", hosts);
}

std::string usageError(const std::string& text, bool hosts = false) {
    try {
        parse(text, hosts);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<std::string> namesOf(const std::vector<BatchResource>& resources) {
    std::vector<std::string> names;
    for (const auto& r : resources)
        names.push_back(r.name);
    return names;
}

TEST(BatchFromList, ReadsUuidsWithTheirFlavorsAndSkipsBlankLinesAndComments) {
    const auto resources = parse(
        "# UUID VCPUS MEMORY_MB DISK_GB\n"
        "\n"
        "   \t \n"
        "aaa\n"
        "bbb 4\n"
        "  ccc\t2  2048.5 20   # a trailing comment\n"
        "ddd 8 4096\r\n"
        "    # an indented comment\n");
    ASSERT_THAT(namesOf(resources), ElementsAre("aaa", "bbb", "ccc", "ddd"));
    EXPECT_FALSE(resources[0].vcpus);
    EXPECT_EQ(resources[0].line, 4u);
    EXPECT_EQ(*resources[1].vcpus, 4);
    EXPECT_FALSE(resources[1].memoryMb);
    EXPECT_EQ(*resources[2].vcpus, 2);
    EXPECT_EQ(*resources[2].memoryMb, 2048.5);
    EXPECT_EQ(*resources[2].diskGb, 20.0);
    EXPECT_EQ(resources[2].line, 6u);
    EXPECT_EQ(*resources[3].memoryMb, 4096.0);
    EXPECT_FALSE(resources[3].diskGb);
    EXPECT_EQ(resources[3].line, 7u);
}

TEST(BatchFromList, AnEmptyInputIsNoResource) {
    EXPECT_TRUE(parse("").empty());
    EXPECT_TRUE(parse("# nothing\n\n").empty());
    EXPECT_THAT(namesOf(parse("last-line-without-newline")),
                ElementsAre("last-line-without-newline"));
}

TEST(BatchFromList, HostListsTakeOneNamePerLine) {
    EXPECT_THAT(namesOf(parse("compute-0\n# c\ncompute-1.cloud.example  # fqdn\n", true)),
                ElementsAre("compute-0", "compute-1.cloud.example"));
    EXPECT_EQ(usageError("compute-0\ncompute-1 4\n", true),
              "--from list.txt: line 2: '4' is one field too many (expected HOST)");
}

TEST(BatchFromList, ABadLineIsAUsageErrorNamingItsLineNumber) {
    EXPECT_EQ(usageError("a 1\n\nb x\n"),
              "--from list.txt: line 3: VCPUS 'x' is not a whole number >= 0");
    EXPECT_EQ(usageError("a -1\n"),
              "--from list.txt: line 1: VCPUS '-1' is not a whole number >= 0");
    EXPECT_EQ(usageError("# c\na 2 lots\n"),
              "--from list.txt: line 2: MEMORY_MB 'lots' is not a number >= 0");
    EXPECT_EQ(usageError("a 2 1024 1e3\n"),
              "--from list.txt: line 1: DISK_GB '1e3' is not a number >= 0");
    EXPECT_EQ(usageError("a 2 1024 10 extra\n"),
              "--from list.txt: line 1: 'extra' is one field too many (expected UUID [VCPUS "
              "[MEMORY_MB [DISK_GB]]])");
    EXPECT_THAT(usageError("ok\nbad\x01name\n"), StartsWith("--from list.txt: line 2: "));
}

TEST(BatchResources, EachResourceOnceInFirstSeenOrderOptionsFirst) {
    auto fromFile = parse("b 2\na\nc\nb\n");
    const auto merged = mergeResources({"a", "d", "a"}, fromFile, "list.txt");
    ASSERT_THAT(namesOf(merged), ElementsAre("a", "d", "b", "c"));
    EXPECT_EQ(*merged[2].vcpus, 2);  // its repeat without a value changes nothing
    EXPECT_EQ(merged[0].line, 0u);   // first seen as an option
}

TEST(BatchResources, ARepeatFillsInFlavorValuesButMayNotContradictThem) {
    const auto merged = mergeResources({"a"}, parse("a 4\na 4 2048\n"), "list.txt");
    ASSERT_EQ(merged.size(), 1u);
    EXPECT_EQ(*merged[0].vcpus, 4);
    EXPECT_EQ(*merged[0].memoryMb, 2048.0);
    try {
        mergeResources({}, parse("a 4\n\nb\na 8\n"), "list.txt");
        FAIL() << "no error";
    } catch (const UsageError& e) {
        EXPECT_STREQ(e.what(),
                     "--from list.txt: 'a' has VCPUS '4' on line 1 of list.txt but '8' on line 4 "
                     "of list.txt");
    }
}

TEST(BatchResources, DeduplicatingIsLinear) {
    // 200,000 entries, half of them repeats: hashed, so this takes milliseconds, not minutes.
    std::vector<std::string> options;
    std::string text;
    for (int i = 0; i < 100000; ++i) {
        options.push_back("uuid-" + std::to_string(i));
        text += "uuid-" + std::to_string(99999 - i) + " 2\n";
    }
    const auto merged = mergeResources(options, parse(text), "list.txt");
    ASSERT_EQ(merged.size(), 100000u);
    EXPECT_EQ(merged.front().name, "uuid-0");
    EXPECT_EQ(*merged.back().vcpus, 2);
}

SplitArguments split(std::vector<std::string> args) {
    args.insert(args.begin(), "watcher-ds");
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    return splitResourceOptions(static_cast<int>(argv.size()), argv.data());
}

TEST(BatchArguments, ResourceOptionsAreTakenOutInOrderAndTheRestIsLeftAsIs) {
    const auto s = split({"--format", "json", "batch", "--uuid", "u1", "--meter", "m", "--uuid=u2",
                          "--hostname:h1", "--all", "--uuid", "u3"});
    EXPECT_THAT(s.rest,
                ElementsAre("watcher-ds", "--format", "json", "batch", "--meter", "m", "--all"));
    using P = std::pair<std::string, std::string>;
    EXPECT_THAT(s.resourceOptions, ElementsAre(P{"uuid", "u1"}, P{"uuid", "u2"},
                                               P{"hostname", "h1"}, P{"uuid", "u3"}));
}

TEST(BatchArguments, AnotherOptionsValueAndWhatFollowsDoubleDashOrHelpStay) {
    // --meter takes the next argument whatever it looks like, as Poco does (also abbreviated).
    auto s = split({"batch", "--meter", "--uuid", "--met", "--uuid", "--uuid", "x"});
    EXPECT_THAT(s.rest, ElementsAre("watcher-ds", "batch", "--meter", "--uuid", "--met", "--uuid"));
    EXPECT_EQ(s.resourceOptions.size(), 1u);
    s = split({"batch", "--", "--uuid", "x"});
    EXPECT_THAT(s.rest, ElementsAre("watcher-ds", "batch", "--", "--uuid", "x"));
    EXPECT_TRUE(s.resourceOptions.empty());
    s = split({"--help", "--uuid", "x"});
    EXPECT_TRUE(s.resourceOptions.empty());
    s = split({"batch", "--uuid"});  // Poco reports the missing value
    EXPECT_THAT(s.rest, ElementsAre("watcher-ds", "batch", "--uuid"));
}

TEST(BatchArguments, SplittingIsLinear) {
    std::vector<std::string> args = {"batch"};
    for (int i = 0; i < 200000; ++i) {
        args.push_back("--uuid");
        args.push_back("u" + std::to_string(i));
    }
    EXPECT_EQ(split(args).resourceOptions.size(), 200000u);
}

TEST(BatchInvocation, FromAndTopAreParsed) {
    GivenOptions options = {{"meter", "instance_cpu_usage"},
                            {"resource-type", "instance"},
                            {"from", "-"},
                            {"top", "20"}};
    Invocation inv = parseInvocation({"batch"}, options);
    EXPECT_EQ(*inv.fromFile, "-");
    EXPECT_EQ(*inv.top, 20u);
    options["all"] = "";  // --all --from: every instance, with the file's flavor values
    inv = parseInvocation({"batch"}, options);
    EXPECT_TRUE(inv.allResources);
    for (const char* bad : {"0", "-1", "x", ""}) {
        options["top"] = bad;
        EXPECT_THROW(parseInvocation({"batch"}, options), UsageError) << bad;
    }
    options.erase("top");
    options["from"] = "";
    EXPECT_THROW(parseInvocation({"batch"}, options), UsageError);
    EXPECT_THROW(parseInvocation(
                     {"aggregate"},
                     {{"meter", "m"}, {"resource-type", "instance"}, {"uuid", "u"}, {"from", "f"}}),
                 UsageError);
}

std::vector<std::optional<double>> values(std::initializer_list<std::optional<double>> v) {
    return v;
}

TEST(BatchTable, SummaryHasCountMinMedianMaxAndTheResourcesWithoutAValue) {
    auto s = summarize(values({3.0, std::nullopt, 1.0, 2.0, std::nullopt}));
    EXPECT_EQ(s.count, 5u);
    EXPECT_EQ(s.withValue, 3u);
    EXPECT_EQ(s.withoutValue(), 2u);
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.median, 2.0);
    EXPECT_EQ(s.max, 3.0);
    EXPECT_EQ(summaryLine(s),
              "5 resources: 3 with a value, min 1.00, median 2.00, max 3.00; 2 without a value");
    s = summarize(values({4.0, 1.0, 10.0, 2.0}));  // even: the middle two's mean
    EXPECT_EQ(s.median, 3.0);
    s = summarize(values({std::nullopt}));
    EXPECT_EQ(summaryLine(s), "1 resource: 0 with a value; 1 without a value");
    EXPECT_EQ(summaryLine(summarize({})), "0 resources: 0 with a value; 0 without a value");
}

TEST(BatchTable, MedianOfManyIsTheSortedMiddle) {
    std::vector<std::optional<double>> many;
    for (int i = 0; i < 100001; ++i)
        many.push_back((i * 7919) % 100001);  // a permutation of 0..100000
    EXPECT_EQ(summarize(many).median, 50000.0);
    many.pop_back();
    std::vector<double> sorted;
    for (const auto& v : many)
        sorted.push_back(*v);
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(summarize(many).median, (sorted[49999] + sorted[50000]) / 2);
}

TEST(BatchTable, OrderIsLargestFirstTiesInInputOrderThenTheRowsWithoutAValue) {
    EXPECT_THAT(tableOrder(values({1.0, std::nullopt, 5.0, 1.0, std::nullopt, 9.0})),
                ElementsAre(5, 2, 0, 3, 1, 4));
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

TEST(BatchTable, TopShowsTheFirstRowsAndSaysHowManyAreLeftOut) {
    const std::vector<BatchTableRow> rows = {{"small", 1.0, ""},
                                             {"gone", std::nullopt, "no data"},
                                             {"a-much-longer-name", 0.5, ""},
                                             {"big", 4.0, ""}};
    const auto all = lines(renderBatchTable(rows, std::nullopt));
    ASSERT_EQ(all.size(), 6u);
    EXPECT_EQ(all[0],
              "4 resources: 3 with a value, min 0.50, median 1.00, max 4.00; 1 without a value");
    EXPECT_EQ(all[1], "RESOURCE              VALUE");
    EXPECT_THAT(all[2], StartsWith("big                    4.00  "));
    EXPECT_THAT(all[3], StartsWith("small                  1.00  "));
    EXPECT_THAT(all[4], StartsWith("a-much-longer-name     0.50  "));
    EXPECT_EQ(all[5], "gone                no data");

    const auto top = lines(renderBatchTable(rows, 2));
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[0], all[0]);             // the summary is still of every resource
    EXPECT_EQ(top[1], "RESOURCE  VALUE");  // as wide as the rows shown
    EXPECT_THAT(top[2], StartsWith("big        4.00  "));
    EXPECT_THAT(top[3], StartsWith("small      1.00  "));
    EXPECT_EQ(top[4], "... 2 more (--top 2)");
    EXPECT_EQ(lines(renderBatchTable(rows, 10)).size(), 6u);  // more than there are: all
}

}  // namespace
}  // namespace wds::cli
