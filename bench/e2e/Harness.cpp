#include "Harness.h"

#include <dlfcn.h>
#include <time.h>

#include <algorithm>
#include <iostream>
#include <stdexcept>

namespace wdsbench {

double usSince(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double threadCpuUs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

void progress(const std::string& text) {
    std::cerr << "bench: " << text << std::endl;
}

const wds_plugin_v1& loadPlugin(const std::string& path) {
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr)
        throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto entry =
        reinterpret_cast<wds_plugin_entry_v1_fn>(dlsym(library, WDS_PLUGIN_ENTRY_V1_SYMBOL));
    const wds_plugin_v1* plugin = entry != nullptr ? entry(nullptr) : nullptr;
    if (plugin == nullptr)
        throw std::runtime_error(path + ": no usable " WDS_PLUGIN_ENTRY_V1_SYMBOL);
    return *plugin;
}

wds::Source connect(const wds_plugin_v1& plugin, int port) {
    wds::Outcome outcome;
    wds::Source source = wds::Source::create(
        plugin,
        {{"prometheus_client.host", "127.0.0.1"}, {"prometheus_client.port", std::to_string(port)}},
        {}, outcome);
    if (!source)
        throw std::runtime_error("create failed: " + outcome.message);
    return source;
}

void check(const wds::ValueResult& result) {
    if (!result.ok())
        throw std::runtime_error("plugin call failed: " + result.message);
}

void check(const FloorClient::Reply& reply) {
    if (reply.status != 200)
        throw std::runtime_error("floor GET answered HTTP " + std::to_string(reply.status));
}

}  // namespace wdsbench
