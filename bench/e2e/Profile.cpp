#include "Profile.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <stdexcept>

#include "servers/ChildProcess.h"

namespace wdsbench {
namespace {

struct Cost {
    std::string name;
    double ir;
};

/** "./dir/file.cpp:ns::f(args) [/lib.so]" -> "ns::f(args)", with std::string spelled short. */
std::string cleanName(std::string text) {
    const size_t object = text.rfind(" [");
    if (object != std::string::npos) {
        // Unnamed code keeps the name of its library: "0x4abd0 (libPocoNet.so.80)".
        const size_t slash = text.rfind('/');
        const std::string library =
            slash != std::string::npos && slash > object ? text.substr(slash + 1) : "";
        text.erase(object);
        if (text.find(":0x") != std::string::npos && !library.empty())
            text += " (" + library.substr(0, library.size() - 1) + ")";
    }
    // The file part ends at the first single ':' (names only contain "::").
    for (size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] == ':' && text[i + 1] != ':' && (i == 0 || text[i - 1] != ':')) {
            text.erase(0, i + 1);
            break;
        }
    }
    static const std::pair<std::string, std::string> kShort[] = {
        {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
         "std::string"},
        {"std::__cxx11::", "std::"},
        {"(anonymous namespace)::", ""}};
    for (const auto& [longName, shortName] : kShort) {
        for (size_t at; (at = text.find(longName)) != std::string::npos;)
            text.replace(at, longName.size(), shortName);
    }
    return text;
}

/** callgrind_annotate's function list: (name, Ir), highest first. */
std::vector<Cost> annotate(const std::string& tool, const std::string& file, bool inclusive) {
    const std::string out = file + (inclusive ? ".inclusive.txt" : ".self.txt");
    wds::testing::ChildProcess child;
    child.start({tool, inclusive ? "--inclusive=yes" : "--inclusive=no", "--threshold=100",
                 "--auto=no", file},
                out);
    if (!child.wait(std::chrono::seconds(120)) || child.exitStatus() != 0)
        throw std::runtime_error("callgrind_annotate failed: " + child.logTail());
    static const std::regex row(R"(^\s*([0-9,]+) \(\s*[0-9.]+%\)\s+(.*)$)");
    std::vector<Cost> costs;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, row) || m[2] == "PROGRAM TOTALS")
            continue;
        std::string digits = m[1];
        digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
        costs.push_back({cleanName(m[2]), std::stod(digits)});
    }
    return costs;
}

/**
 * Per function name: callgrind_annotate lists a function once per source file its code comes
 * from (absolute and relative paths, inlined headers) and once per recursion level ('2). Those
 * entries each carry the whole inclusive cost, so inclusive costs take the largest entry; self
 * costs are disjoint, so they add up.
 */
std::map<std::string, double> byName(const std::vector<Cost>& costs, bool inclusive) {
    std::map<std::string, double> merged;
    for (Cost c : costs) {
        const size_t tick = c.name.rfind('\'');
        if (tick != std::string::npos &&
            c.name.find_first_not_of("0123456789", tick + 1) == std::string::npos)
            c.name.erase(tick);
        double& ir = merged[c.name];
        ir = inclusive ? std::max(ir, c.ir) : ir + c.ir;
    }
    return merged;
}

/** Summed cost of the functions whose name starts with one of `prefixes`. */
double costOf(const std::map<std::string, double>& costs,
              const std::vector<std::string>& prefixes) {
    double sum = 0;
    for (const auto& [name, ir] : costs) {
        for (const std::string& prefix : prefixes) {
            if (name.rfind(prefix, 0) == 0) {
                sum += ir;
                break;
            }
        }
    }
    return sum;
}

}  // namespace

ProfileResult runCallgrind(const std::vector<std::string>& childArgs, int calls,
                           const std::string& workDir) {
    ProfileResult result;
    result.calls = calls;
    std::string valgrind, tool;
    try {
        valgrind = wds::testing::findExecutable("valgrind");
        tool = wds::testing::findExecutable("callgrind_annotate");
    } catch (const std::exception& e) {
        result.note = std::string("not run: ") + e.what();
        return result;
    }
    const std::string out = workDir + "/callgrind.out";
    std::vector<std::string> argv = {valgrind,
                                     "--tool=callgrind",
                                     "--callgrind-out-file=" + out,
                                     "--toggle-collect=*profilePluginCalls*",
                                     "--toggle-collect=*profileFloorCalls*",
                                     "--dump-before=*profileSplit*"};
    argv.insert(argv.end(), childArgs.begin(), childArgs.end());
    wds::testing::ChildProcess child;
    child.start(argv, workDir + "/callgrind.log");
    if (!child.wait(std::chrono::seconds(600)) || child.exitStatus() != 0) {
        child.stop();
        result.note = "callgrind run failed: " + child.logTail();
        return result;
    }
    // For a closer look (callgrind_annotate, kcachegrind): WDS_BENCH_KEEP_PROFILE=<file>.
    if (const char* keep = std::getenv("WDS_BENCH_KEEP_PROFILE"); keep != nullptr && *keep) {
        std::filesystem::copy_file(out + ".1", keep,
                                   std::filesystem::copy_options::overwrite_existing);
    }
    // Dump 1 holds the plugin loop, the final dump the floor loop.
    const auto plugin = byName(annotate(tool, out + ".1", true), true);
    const auto self = byName(annotate(tool, out + ".1", false), false);
    const auto floor = byName(annotate(tool, out, true), true);
    const double n = calls;
    result.ran = true;
    result.pluginIrPerCall = costOf(plugin, {"wdsbench::profilePluginCalls("}) / n;
    result.floorIrPerCall = costOf(floor, {"wdsbench::profileFloorCalls("}) / n;

    // The steps of one call, outermost first; each includes what it calls.
    const std::vector<std::pair<std::string, std::vector<std::string>>> stages = {
        {"C ABI entry (glue: copy the query in, catch, map errors)",
         {"wds::abi::statisticAggregation("}},
        {"Datasource::statisticAggregation", {"wds::Datasource::statisticAggregation("}},
        {"host name -> fqdn label (HostLabelMap::resolve)", {"wds::HostLabelMap::resolve("}},
        {"PromQL: quote the label value, fill the query template",
         {"wds::Datasource::resourceQuery("}},
        {"  of which: build a template (the first call of a metric, aggregate and period only)",
         {"wds::promql::QueryTemplate::QueryTemplate("}},
        {"PromApiClient::instantQuery (URL, retry, HTTP, decode)",
         {"wds::PromApiClient::instantQuery("}},
        {"URL percent-encoding of the label value and the parameters",
         {"wds::appendPercentEncoded("}},
        {"PocoHttpTransport::send (pool, deadline, HTTP exchange)",
         {"wds::PocoHttpTransport::send("}},
        {"connection pool (acquire + release)",
         {"wds::PocoHttpTransport::acquire(", "wds::PocoHttpTransport::release("}},
        {"format the request (PocoHttpTransport::formatRequest)",
         {"wds::PocoHttpTransport::formatRequest("}},
        {"parse the response (HttpResponseParser)",
         {"wds::HttpResponseParser::start(", "wds::HttpResponseParser::feed("}},
        {"JSON decode (promjson::decodeInstantVector)", {"wds::promjson::decodeInstantVector("}},
    };
    for (const auto& [label, prefixes] : stages)
        result.stages.push_back({label, costOf(plugin, prefixes) / n});
    result.stages.push_back(
        {"malloc/free/new/delete (self cost, all steps)",
         costOf(self, {"malloc", "free", "_int_malloc", "_int_free", "cfree", "malloc_consolidate",
                       "operator new(", "operator delete(", "unlink_chunk"}) /
             n});

    std::vector<std::pair<double, std::string>> ranked;
    for (const auto& [name, ir] : self)
        ranked.emplace_back(ir, name);
    std::sort(ranked.rbegin(), ranked.rend());
    for (size_t i = 0; i < ranked.size() && i < 15; ++i)
        result.top.push_back({ranked[i].second, ranked[i].first / n});
    return result;
}

}  // namespace wdsbench
