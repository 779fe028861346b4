#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "FloorClient.h"
#include "watcher_ds/datasource.hpp"

// What the runner's phases share: the plugin loaded as a host loads it, clocks, checks.
namespace wdsbench {

using Clock = std::chrono::steady_clock;

double usSince(Clock::time_point start);
double threadCpuUs();  // user + sys of the calling thread
double median(std::vector<double> v);
void progress(const std::string& text);

/** dlopen + the entry point; never unloaded (the process ends right after the benchmark). */
const wds_plugin_v1& loadPlugin(const std::string& path);
/** A source on Prometheus (or a stub) at 127.0.0.1:port; throws if create fails. */
wds::Source connect(const wds_plugin_v1& plugin, int port);

void check(const wds::ValueResult& result);   // throws unless the call succeeded
void check(const FloorClient::Reply& reply);  // throws unless HTTP 200

}  // namespace wdsbench
