#include "WatcherDsApp.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSONString.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include "BatchTable.h"
#include "Diagnostics.h"
#include "TextCharts.h"
#include "watcher_ds/host/ChoiceReport.h"
#include "watcher_ds/host/DatasourceLoader.h"
#include "watcher_ds/host/Secrets.h"
#include "watcher_ds/host/WatcherConf.h"

namespace wds::cli {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string formatNumber(double value) {
    // The shortest text that reads back as the same double; plain notation for the magnitudes
    // metrics have (1700000000000, not 1.7e+12), scientific only for extreme ones.
    char buffer[128];
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0.0 || (magnitude >= 1e-5 && magnitude < 1e16);
    const auto result =
        plain ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed)
              : std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string join(const std::vector<std::string>& items) {
    std::string joined;
    for (const auto& item : items)
        joined += (joined.empty() ? "" : ", ") + item;
    return joined;
}

std::string describeOutcome(const Outcome& outcome) {
    std::string text = wds_status_name(outcome.status);
    if (outcome.httpStatus != 0)
        text += " (HTTP " + std::to_string(outcome.httpStatus) + ")";
    if (!outcome.message.empty() && outcome.message != wds_status_name(outcome.status)) {
        text += ": " + outcome.message;
    }
    return text;
}

// One run of one command: from the validated command line to the exit status.
class CommandRun {
  public:
    CommandRun(Poco::Util::LayeredConfiguration& appConfig, const GivenOptions& given)
        : appConfig_(appConfig),
          format_(formatOf(given)),
          diagnostics_(given.count("verbose") != 0),
          json_(new Object(Poco::JSON_PRESERVE_KEY_ORDER)) {}

    int run(const std::vector<std::string>& args, const GivenOptions& given,
            const RepeatedOptions& repeated) {
        try {
            const Invocation inv = parseInvocation(args, given, repeated);
            if (inv.fromFile)
                fromFile_ = readResourceList(inv);
            return execute(inv);
        } catch (const UsageError& e) {
            return fail(kExitUsage, "usage error",
                        std::string("usage error: ") + e.what() + " (see watcher-ds --help)");
        } catch (const host::ConfigError& e) {
            return fail(kExitUsage, "config error", std::string("config error: ") + e.what());
        } catch (const Poco::Exception& e) {
            return fail(kExitFailure, "internal error", "internal error: " + e.displayText());
        } catch (const std::exception& e) {
            return fail(kExitFailure, "internal error", std::string("internal error: ") + e.what());
        }
    }

  private:
    // The --from list, read before any plugin loads: a bad line is a usage error.
    static std::vector<BatchResource> readResourceList(const Invocation& inv) {
        const bool hosts = inv.request.resourceType == WDS_RESOURCE_COMPUTE_NODE;
        if (*inv.fromFile == "-")
            return parseResourceList(std::cin, "-", hosts);
        std::ifstream in(*inv.fromFile);
        if (!in) {
            throw UsageError("--from " + *inv.fromFile + ": cannot open: " + std::strerror(errno));
        }
        return parseResourceList(in, *inv.fromFile, hosts);
    }

    int execute(const Invocation& inv) {
        describeCommand(inv);

        host::LoaderOptions options;
        options.strategy = inv.strategy;
        options.pluginDir = inv.pluginDir;
        if (inv.isValueCommand())
            options.requiredMetrics = {inv.meter};

        std::vector<host::WatcherConf::Source> sources;
        for (const auto& [path, directory] : inv.configSources)
            sources.push_back(host::WatcherConf::Source{path, directory});
        conf_ = host::loadWatcherConf(sources, host::makeDefaults(inv.defaults), options);
        const host::WatcherConf& conf = *conf_;
        for (const auto& warning : conf.warnings())
            diagnostics_.log(WDS_LOG_WARNING, warning);
        auto layer = conf.toConfiguration();
        appConfig_.add(Poco::Util::AbstractConfiguration::Ptr(layer), "watcher.conf",
                       Poco::Util::Application::PRIO_DEFAULT);

        masker_.addFromConfiguration(*layer);
        diagnostics_.setMasker(masker_);

        const host::DatasourceLoader loader(appConfig_);
        options.log = diagnostics_.sink();
        choice_ = loader.choose(options);

        // Secrets that only the plugins' WDS_CONFIG_SECRET flags identify.
        for (const auto& attempt : choice_.attempts) {
            if (attempt.library)
                masker_.addPluginSecrets(*layer, *attempt.library);
        }
        diagnostics_.setMasker(masker_);
        diagnostics_.goLive();

        if (inv.command->kind == CommandKind::Config)
            return runConfig(inv, loader);
        if (!choice_.ok()) {
            const wds_status status = choice_.failureStatus();
            return fail(exitStatusFor(status), wds_status_name(status), choice_.failureMessage());
        }
        json_->set("datasource", choice_.datasource());
        switch (inv.command->kind) {
            case CommandKind::Check:
                return runCheck();
            case CommandKind::Metrics:
                return runMetrics();
            case CommandKind::Series:
                return runSeries(inv);
            case CommandKind::Batch:
                return runBatch(inv);
            default:
                return runValue(inv);
        }
    }

    // The JSON fields known before anything runs, in output order.
    void describeCommand(const Invocation& inv) {
        json_->set("command", std::string(inv.command->name));
        if (inv.command->kind == CommandKind::Config)
            return;
        json_->set("datasource", Poco::Dynamic::Var());
        if (inv.command->kind == CommandKind::Check) {
            json_->set("available", false);
        } else if (inv.command->kind == CommandKind::Metrics) {
            json_->set("metrics", Poco::Dynamic::Var());
        } else if (inv.command->kind == CommandKind::Series) {
            json_->set("meter", inv.meter);
            json_->set("resource_type", std::string(resourceTypeName(inv.request.resourceType)));
            json_->set("resource", inv.resourceName);
            json_->set("aggregate", inv.aggregateName);
            json_->set("granularity", inv.request.granularityS);
            json_->set("start", Poco::Dynamic::Var());
            json_->set("end", Poco::Dynamic::Var());
            json_->set("points", Poco::Dynamic::Var());
        } else if (inv.command->kind == CommandKind::Batch) {
            json_->set("meter", inv.meter);
            json_->set("resource_type", std::string(resourceTypeName(inv.request.resourceType)));
            json_->set("aggregate", inv.aggregateName);
            json_->set("period", inv.request.periodS);
            json_->set("at",
                       inv.atSeconds ? Poco::Dynamic::Var(*inv.atSeconds) : Poco::Dynamic::Var());
            json_->set("queries", Poco::Dynamic::Var());
            json_->set("summary", Poco::Dynamic::Var());
            json_->set("results", Poco::Dynamic::Var());
        } else {
            json_->set("meter", inv.meter);
            json_->set("resource_type", std::string(resourceTypeName(inv.request.resourceType)));
            json_->set("resource", inv.resourceName);
            json_->set("aggregate", inv.aggregateName);
            json_->set("period", inv.request.periodS);
            json_->set("at",
                       inv.atSeconds ? Poco::Dynamic::Var(*inv.atSeconds) : Poco::Dynamic::Var());
            json_->set("value", Poco::Dynamic::Var());
        }
    }

    int runCheck() {
        const std::string name = choice_.datasource();
        const Outcome outcome = choice_.source.checkAvailability();
        if (!outcome.ok()) {
            return fail(exitStatusFor(outcome.status), wds_status_name(outcome.status),
                        name + ": not available: " + describeOutcome(outcome));
        }
        json_->set("available", true);
        if (format_ == OutputFormat::Text)
            std::cout << name << ": available" << std::endl;
        return succeed();
    }

    int runMetrics() {
        const std::string name = choice_.datasource();
        std::vector<std::string> names;
        const Outcome outcome = choice_.source.listMetrics(names);
        if (!outcome.ok()) {
            return fail(exitStatusFor(outcome.status), wds_status_name(outcome.status),
                        name + ": cannot list metrics: " + describeOutcome(outcome));
        }
        Array::Ptr list(new Array);
        for (const auto& metric : names) {
            const std::string shown = diagnostics_.mask(metric);
            list->add(shown);
            if (format_ == OutputFormat::Text)
                std::cout << shown << '\n';
        }
        json_->set("metrics", list);
        return succeed();
    }

    int runValue(const Invocation& inv) {
        const Source& source = choice_.source;
        const AggregationRequest& request = inv.request;
        ValueResult result;
        if (inv.command->kind == CommandKind::HostValue) {
            // Watcher's host getters: the wrapper inverts max <-> min.
            const auto getter =
                inv.meter == "host_cpu_usage" ? &Source::hostCpuUsage : &Source::hostRamUsage;
            result = (source.*getter)(request.resource.hostname, request.periodS, request.aggregate,
                                      request.granularityS, request.evalTimeMs);
        } else {
            result = source.statisticAggregation(request);
        }

        const std::string name = choice_.datasource();
        const std::string subject = describeSubject(inv, inv.resourceName);
        if (result.ok()) {
            json_->set("value", *result.value);
            if (format_ == OutputFormat::Text) {
                std::cout << formatNumber(*result.value) << std::endl;
            }
            return succeed();
        }
        if (result.status == WDS_NO_DATA) {
            std::string message = name + ": no data for " + subject + " (" + inv.aggregateName +
                                  " over " + std::to_string(request.periodS) + " s)";
            if (result.message != wds_status_name(WDS_NO_DATA))
                message += ": " + result.message;
            return fail(kExitNoData, wds_status_name(WDS_NO_DATA), message);
        }
        return fail(exitStatusFor(result.status), wds_status_name(result.status),
                    name + ": " + subject + ": " + describeOutcome(result));
    }

    int runSeries(const Invocation& inv) {
        SeriesRequest request;
        request.resourceType = inv.request.resourceType;
        request.resource = inv.request.resource;
        request.meterName = inv.meter;
        request.aggregate = inv.request.aggregate;
        request.granularityS = inv.request.granularityS;
        const int64_t nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        request.endMs = inv.endMs.value_or(nowMs);
        request.startMs = inv.startMs.value_or(request.endMs - 3600 * 1000);
        json_->set("start", static_cast<double>(request.startMs) / 1000);
        json_->set("end", static_cast<double>(request.endMs) / 1000);

        const SeriesResult result = choice_.source.statisticSeries(request);
        const std::string name = choice_.datasource();
        const std::string subject = describeSubject(inv, inv.resourceName);
        if (result.status == WDS_NO_DATA) {
            return fail(kExitNoData, wds_status_name(WDS_NO_DATA),
                        name + ": no data for " + subject + " between " + isoTime(request.startMs) +
                            " and " + isoTime(request.endMs));
        }
        if (!result.ok()) {
            return fail(exitStatusFor(result.status), wds_status_name(result.status),
                        name + ": " + subject + ": " + describeOutcome(result));
        }

        Array::Ptr points(new Array);
        for (const auto& [timeMs, value] : result.points) {
            Array::Ptr point(new Array);
            point->add(static_cast<double>(timeMs) / 1000);
            point->add(value);
            points->add(point);
        }
        json_->set("points", points);
        if (format_ == OutputFormat::Text)
            printSeries(inv, subject, request, result);
        return succeed();
    }

    // A sparkline over every step of the range (gaps where a step has no point), its range of
    // values, then one line per point.
    void printSeries(const Invocation& inv, const std::string& subject,
                     const SeriesRequest& request, const SeriesResult& result) {
        const int64_t stepMs = request.granularityS * 1000;
        const int64_t firstMs = result.points.front().first;
        std::vector<std::optional<double>> steps(
            static_cast<size_t>((result.points.back().first - firstMs) / stepMs + 1));
        double low = result.points.front().second, high = low;
        for (const auto& [timeMs, value] : result.points) {
            steps[static_cast<size_t>((timeMs - firstMs) / stepMs)] = value;
            low = std::min(low, value);
            high = std::max(high, value);
        }
        std::cout << subject << ", " << inv.aggregateName << " per " << request.granularityS
                  << " s step, " << isoTime(firstMs) << " .. "
                  << isoTime(result.points.back().first) << '\n'
                  << sparkline(steps) << "  min " << formatNumber(low) << ", max "
                  << formatNumber(high) << ", " << result.points.size() << " points\n";
        for (const auto& [timeMs, value] : result.points)
            std::cout << isoTime(timeMs) << "  " << formatNumber(value) << '\n';
        std::cout << std::flush;
    }

    int runBatch(const Invocation& inv) {
        BatchRequest request;
        request.resourceType = inv.request.resourceType;
        request.meterName = inv.meter;
        request.aggregate = inv.request.aggregate;
        request.periodS = inv.request.periodS;
        request.granularityS = inv.request.granularityS;
        request.evalTimeMs = inv.request.evalTimeMs;
        const std::string name = choice_.datasource();
        std::vector<std::string> listed;
        if (inv.allResources && request.resourceType == WDS_RESOURCE_COMPUTE_NODE) {
            const Outcome outcome = choice_.source.listHosts(listed);
            if (!outcome.ok()) {
                return fail(exitStatusFor(outcome.status), wds_status_name(outcome.status),
                            name + ": cannot list the compute nodes: " + describeOutcome(outcome));
            }
        } else if (inv.allResources) {
            // The instances with a series of this metric in the batch's own window.
            InventoryRequest inventory;
            inventory.meterName = inv.meter;
            inventory.periodS = request.periodS;
            inventory.evalTimeMs = request.evalTimeMs;
            const Outcome outcome = choice_.source.listInstances(inventory, listed);
            if (!outcome.ok()) {
                return fail(exitStatusFor(outcome.status), wds_status_name(outcome.status),
                            name + ": cannot list the instances of " + inv.meter + ": " +
                                describeOutcome(outcome));
            }
        }
        // Each resource once: the options (or the listing of --all), then the --from lines,
        // whose flavor values win over --vcpus/--memory/--disk.
        const std::vector<BatchResource> resources =
            mergeResources(inv.allResources ? listed : inv.resourceNames, std::move(fromFile_),
                           inv.fromFile.value_or("-"));
        const bool hosts = request.resourceType == WDS_RESOURCE_COMPUTE_NODE;
        request.resources.reserve(resources.size());
        for (const BatchResource& entry : resources) {
            Resource resource = inv.request.resource;
            (hosts ? resource.hostname : resource.uuid) = entry.name;
            if (entry.vcpus)
                resource.vcpus = *entry.vcpus;
            if (entry.memoryMb)
                resource.memoryMb = *entry.memoryMb;
            if (entry.diskGb)
                resource.diskGb = *entry.diskGb;
            request.resources.push_back(std::move(resource));
        }

        const BatchResult result = choice_.source.statisticBatch(request);
        if (!result.ok()) {
            return fail(exitStatusFor(result.status), wds_status_name(result.status),
                        name + ": " + inv.meter + " batch: " + describeOutcome(result));
        }
        json_->set("queries", result.queryCount);
        std::vector<BatchTableRow> table(resources.size());
        std::vector<std::optional<double>> values(resources.size());
        for (size_t i = 0; i < resources.size(); ++i) {
            const ValueResult& item = result.items[i];
            table[i].name = resources[i].name;
            table[i].value = item.value;
            if (!item.ok()) {
                table[i].value.reset();
                table[i].reason = wds_status_name(item.status);
            }
            values[i] = table[i].value;
        }
        const BatchSummary summary = summarize(values);
        if (format_ == OutputFormat::Json) {
            Object::Ptr totals(new Object(Poco::JSON_PRESERVE_KEY_ORDER));
            totals->set("count", summary.count);
            totals->set("with_value", summary.withValue);
            const auto orNull = [&](double v) {
                return summary.withValue > 0 ? Poco::Dynamic::Var(v) : Poco::Dynamic::Var();
            };
            totals->set("min", orNull(summary.min));
            totals->set("median", orNull(summary.median));
            totals->set("max", orNull(summary.max));
            totals->set("without_value", summary.withoutValue());
            json_->set("summary", totals);
            // Written by hand and spliced in by printJson(): a Poco::JSON::Object per row cost
            // more than everything else per resource (bench/cli/bench_cli_batch.py).
            std::string& out = batchResultsJson_;
            out.reserve(resources.size() * 100 + 2);
            out += '[';
            for (size_t i = 0; i < resources.size(); ++i) {
                const ValueResult& item = result.items[i];
                out += i == 0 ? "{\"resource\":" : ",{\"resource\":";
                out += Poco::toJSON(resources[i].name, Poco::JSON_WRAP_STRINGS);
                out += ",\"value\":";
                out += table[i].value ? formatNumber(*table[i].value) : std::string("null");
                out += ",\"status\":";
                out += Poco::toJSON(wds_status_name(item.status), Poco::JSON_WRAP_STRINGS);
                if (!item.ok()) {
                    out += ",\"error\":";
                    out += Poco::toJSON(oneLine(diagnostics_.mask(item.message)),
                                        Poco::JSON_WRAP_STRINGS);
                }
                out += '}';
            }
            out += ']';
            json_->set("results", Array::Ptr(new Array));
        } else {
            std::cout << inv.meter << ", " << inv.aggregateName << " over " << inv.request.periodS
                      << " s, " << resources.size() << " resources, " << result.queryCount
                      << (result.queryCount == 1 ? " query" : " queries") << '\n'
                      << renderBatchTable(table, inv.top) << std::flush;
        }
        if (summary.withValue == 0 && !resources.empty()) {
            return fail(kExitNoData, wds_status_name(WDS_NO_DATA),
                        name + ": no value for any of the " + std::to_string(resources.size()) +
                            " resources");
        }
        return succeed();
    }

    static std::string describeSubject(const Invocation& inv, const std::string& resource) {
        return inv.meter + " of " +
               (inv.request.resourceType == WDS_RESOURCE_COMPUTE_NODE ? "host " : "instance ") +
               resource;
    }

    int runConfig(const Invocation& inv, const host::DatasourceLoader& loader) {
        // One report for both formats: the loader builds it (its C API hands out the same).
        const Object::Ptr report =
            host::choiceReport(choice_, loader, *conf_, inv.strategy, masker_);
        for (const auto& [key, value] : *report)
            json_->set(key, value);

        std::ostringstream text;
        text << (conf_->files().size() == 1 ? "config file: " : "config files: ")
             << (conf_->files().empty() ? "(none)" : join(conf_->files())) << '\n'
             << "strategy: " << (inv.strategy.empty() ? "(none)" : inv.strategy) << '\n'
             << "datasources: " << join(choice_.datasources.names) << " (from "
             << report->getValue<std::string>("datasources_from") << ")\n"
             << "plugin dir: " << choice_.pluginDirectory.path << " (from "
             << choice_.pluginDirectory.origin << ")\n";
        const Array::Ptr attempts = report->getArray("attempts");
        for (size_t i = 0; i < attempts->size(); ++i) {
            const Object::Ptr fate = attempts->getObject(static_cast<unsigned>(i));
            text << "datasource " << fate->getValue<std::string>("datasource") << ": "
                 << oneLine(fate->getValue<std::string>("reason")) << '\n';
        }

        const Object::Ptr effective = report->getObject("effective_config");
        if (effective) {
            const std::string datasource = effective->getValue<std::string>("datasource");
            text << (choice_.ok() ? "effective configuration passed to " + datasource
                                  : "configuration " + datasource + " would receive (not chosen)")
                 << ":\n";
            const Array::Ptr entries = effective->getArray("entries");
            for (size_t i = 0; i < entries->size(); ++i) {
                const Object::Ptr entry = entries->getObject(static_cast<unsigned>(i));
                const std::string from = entry->getValue<std::string>("from");
                text << "  " << entry->getValue<std::string>("key") << " = ";
                if (from == "unset") {
                    text << "(not set)";
                } else {
                    text << entry->getValue<std::string>("value");
                    if (from == "default")
                        text << " (default)";
                    if (entry->has("file")) {
                        text << " (" << entry->getValue<std::string>("file") << ':'
                             << entry->getValue<int>("line") << ')';
                    }
                }
                if (!entry->getValue<bool>("known"))
                    text << " (not used by the plugin)";
                text << '\n';
            }
        } else {
            text << "effective configuration: none (no plugin loaded)\n";
        }

        if (format_ == OutputFormat::Text)
            std::cout << text.str() << std::flush;
        if (!choice_.ok()) {
            const wds_status status = choice_.failureStatus();
            return fail(exitStatusFor(status), wds_status_name(status), choice_.failureMessage());
        }
        return succeed();
    }

    int succeed() {
        json_->set("status", std::string(wds_status_name(WDS_OK)));
        printJson();
        std::cout.flush();
        if (!std::cout) {
            // E.g. stdout on a full disk: never exit 0 when the answer was not written.
            diagnostics_.finish(true);
            diagnostics_.print("error", "cannot write the result to standard output");
            return kExitFailure;
        }
        diagnostics_.finish(false);
        return kExitOk;
    }

    int fail(int exitStatus, const std::string& status, const std::string& message) {
        diagnostics_.finish(exitStatus >= kExitUsage);
        diagnostics_.print(status == wds_status_name(WDS_NO_DATA) ? "no data" : "error", message);
        json_->set("status", status);
        json_->set("error", oneLine(diagnostics_.mask(message)));
        printJson();
        return exitStatus;
    }

    void printJson() {
        if (format_ != OutputFormat::Json)
            return;
        if (batchResultsJson_.empty()) {
            json_->stringify(std::cout);
            std::cout << std::endl;
            return;
        }
        // The placeholder is the first `"results":[]` with bare quotes: every key before it
        // is ours, and any such text inside a string value would have its quotes escaped.
        std::ostringstream text;
        json_->stringify(text);
        std::string whole = text.str();
        const std::string placeholder = "\"results\":[]";
        const auto at = whole.find(placeholder);
        if (at != std::string::npos)
            whole.replace(at + placeholder.size() - 2, 2, batchResultsJson_);
        std::cout << whole << std::endl;
    }

    Poco::Util::LayeredConfiguration& appConfig_;
    const OutputFormat format_;
    Diagnostics diagnostics_;    // declared before choice_: the chosen source logs into it
    host::SecretMasker masker_;  // every secret of watcher.conf and of the plugins tried
    Object::Ptr json_;
    host::Choice choice_;
    std::optional<host::WatcherConf> conf_;  ///< what execute() loaded
    std::vector<BatchResource> fromFile_;    // batch --from, read before the plugin loads
    std::string batchResultsJson_;           // batch's "results" array, rendered by hand
};

}  // namespace

int exitStatusFor(wds_status status) {
    switch (status) {
        case WDS_OK:
            return kExitOk;
        case WDS_NO_DATA:
        case WDS_E_RESOURCE_NOT_FOUND:
            return kExitNoData;
        case WDS_E_INVALID_ARGUMENT:
        case WDS_E_CONFIG:
        case WDS_E_METRIC_NOT_AVAILABLE:
        case WDS_E_UNSUPPORTED:
            return kExitUsage;
        case WDS_E_UNAVAILABLE:
        case WDS_E_AUTH:
        case WDS_E_TIMEOUT:
        case WDS_E_TLS:
            return kExitUnavailable;
        default:
            return kExitFailure;
    }
}

std::string helpText() {
    return std::string(
               R"(Usage: watcher-ds [--config-file FILE]... [--config-dir DIR]... [--strategy NAME] [--plugin-dir DIR]
                  [--default GROUP.NAME=VALUE]... [--format text|json] [--verbose] COMMAND ...

Asks OpenStack Watcher's metrics datasources (Prometheus, Aetos) for the values Watcher's
strategies use, through the watcher-ds plugins, choosing the datasource from watcher.conf the way
Watcher's decision engine does.

Commands:
  check                      exit 0 if the chosen datasource is available
  metrics                    list the metric names the backend knows
  config                     show the effective configuration (secrets masked), which plugin
                             was chosen and why every other datasource was skipped
  host-cpu-usage HOST        Watcher's get_host_cpu_usage: % busy, 0-100
  host-ram-usage HOST        Watcher's get_host_ram_usage: KiB used
  instance-cpu-usage UUID --vcpus N
                             Watcher's get_instance_cpu_usage: % of the N flavor vCPUs
  instance-ram-usage UUID    Watcher's get_instance_ram_usage: MB
  instance-ram-allocated UUID --memory MB
                             Watcher's get_instance_ram_allocated: the flavor's MB
  instance-root-disk-size UUID --disk GB
                             Watcher's get_instance_root_disk_size: the flavor's GB
  aggregate --meter NAME --resource-type compute_node|instance (--hostname H | --uuid U)
            [--vcpus N] [--memory MB] [--disk GB]
                             Watcher's statistic_aggregation for any metric the plugin
                             provides (host_cpu_usage, instance_ram_usage, ...)
  series --meter NAME --resource-type compute_node|instance (--hostname H | --uuid U)
         [--start UNIX_TIME] [--end UNIX_TIME] [--granularity S] [--aggregate A] [--vcpus N]
                             Watcher's statistic_series: the metric at every multiple of the
                             granularity (the step, also each point's window) from --start
                             (default: an hour before --end) to --end (default: now); at most
                             11000 points
  batch --meter NAME --resource-type compute_node|instance
        (--hostname H ... | --uuid U ... | --from FILE | --all [--from FILE])
        [--vcpus N] [--memory MB] [--disk GB] [--top N]
                             statistic_aggregation for many resources in as few queries as
                             the backend allows; --hostname/--uuid may be repeated, --all takes
                             every compute node the datasource knows (its fqdn label values),
                             or every instance with a series of the metric in the window;
                             --vcpus, --memory, --disk apply to every instance that has no
                             value of its own in --from; each resource is asked once
  --from FILE                one resource per line ("-": standard input): "UUID [VCPUS
                             [MEMORY_MB [DISK_GB]]]" for instances, "HOST" for compute nodes;
                             blank lines and # comments are skipped, a bad line is a usage
                             error naming its line number; with --hostname/--uuid, both are
                             asked; with --all, it gives the listed instances their flavor
                             values (and adds the instances only it names)
  --top N                    batch text output: only the first N rows of the table
  The host commands ask for the opposite extreme (max <-> min), exactly as Watcher's host
  getters do; aggregate, series and batch pass --aggregate through unchanged.

Global options:
  --config-file FILE     watcher.conf to read; repeatable, later files win (default
                         /etc/watcher/watcher.conf when no --config-file or --config-dir);
                         --config FILE is the same option
  --config-dir DIR       also read DIR's *.conf files, in sorted order; files and directories
                         are read in command-line order, later values winning
  --default GROUP.NAME=VALUE
                         the value a $reference to GROUP.NAME resolves to when no config
                         file sets it, as oslo.config's registered default (e.g.
                         DEFAULT.state_path=/var/lib/watcher); repeatable, a later one wins.
                         The plugins' own options default to what the plugins declare.
                         Never passed to a plugin
  --strategy NAME        use [watcher_strategies.NAME] datasources when that option is set
  --plugin-dir DIR       where the lib<name>_ds.so plugins are; wins over
                         [watcher_datasources] plugin_dir (default )") +
           WDS_DEFAULT_PLUGIN_DIR + R"()
  --format text|json     output format (default text)
  -v, --verbose          also print the plugins' DEBUG and INFO lines
  -h, --help             print this help
  --version              print the version of watcher-ds and of its plugin ABI

Value command options:
  --period S             look-back window, a whole number of seconds > 0 (default 300)
  --aggregate A          mean, min, max or count (default mean; count is answered as mean)
  --granularity S        whole seconds > 0 (default 300; Prometheus backends ignore it)
  --at UNIX_TIME         evaluation time in Unix seconds, fraction allowed
                         (default: the backend's current time)
  --start, --end UNIX_TIME
                         series range in Unix seconds (fraction allowed)

Choosing the datasource:
  The datasources option is read from [watcher_strategies.NAME] (with --strategy, when set
  there), else from [watcher_datasources] (Watcher's default: gnocchi, grafana, aetos). Names
  are tried in order. A name without a plugin file (gnocchi, grafana, ...) is skipped with a
  warning. prometheus together with aetos is a config error. The first plugin that loads, has
  a compatible ABI, provides the command's metric and accepts its configuration is used; when
  none does, the error names every datasource and why it was skipped. A plugin receives every
  option of the sections its own config keys belong to (e.g. [prometheus_client] and
  [watcher_datasources]) and no other section.

Output:
  text   A value command prints only the number. series prints a title, a sparkline of the
         whole range with its min and max, then "TIME  VALUE" per point (UTC). batch prints a
         title, a summary (resources, min, median, max, how many have no value), then a
         table sorted by value, largest first, with a bar proportional to the largest value,
         then the resources without a value and why (with --top N, the first N rows). check prints "NAME: available".
         metrics prints one name per line. config prints a report.
  json   One JSON object on stdout per command. Value commands: command, datasource, meter,
         resource_type, resource, aggregate, period, at (null: the backend's now), value (null
         without data) and status; check: datasource, available, status; metrics: datasource,
         metrics, status; series: ..., granularity, start, end, points ([[unix_s, value],
         ...]); batch: ..., queries, summary ({count, with_value, min,
         median, max, without_value}), results ([{resource, value, status, error}], every
         resource in the order given, --top or not);
         config: the report. On failure also "error".
  Warnings and errors go to stderr as "watcher-ds: <level>: <message>". A failure prints one
  line (warnings that led to it are dropped unless --verbose). Secrets (keys the plugin flags
  as secret and any key containing password, secret or token) are shown as ***.

Exit status:
  0  a value was printed (check: the datasource is available; metrics, config: success;
     batch: at least one resource has a value)
  1  no data, or the resource was not found (batch: no resource has a value)
  2  usage or config error: unknown option or command, missing argument, a bad --period,
     --granularity or --at, an unknown aggregate or resource type, a metric no configured
     datasource provides, an invalid config value, prometheus together with aetos
  3  datasource unavailable, authentication failure, timeout or TLS failure
  4  any other failure (e.g. a plugin that does not load)
)";
}

WatcherDsApp::WatcherDsApp() {
    setUnixOptions(true);
}

void WatcherDsApp::defineOptions(Poco::Util::OptionSet& options) {
    using Poco::Util::Option;
    Application::defineOptions(options);
    options.addOption(Option("help", "h", "print the help").repeatable(false));
    options.addOption(Option("version", "", "print the version").repeatable(false));
    options.addOption(Option("verbose", "v", "print DEBUG and INFO lines").repeatable(false));
    const auto withArgument = [&](const char* name, const char* argument, const char* description) {
        options.addOption(Option(name, "", description).argument(argument).repeatable(false));
    };
    // Repeatable as in oslo.config; --config is the older spelling of --config-file.
    for (const char* name : {"config-file", "config", "config-dir"}) {
        options.addOption(
            Option(name, "",
                   std::string(name) == "config-dir"
                       ? "read DIR's *.conf files (sorted), in command-line order with the files"
                       : "watcher.conf to read (repeatable; later files win)")
                .argument(std::string(name) == "config-dir" ? "DIR" : "FILE")
                .repeatable(true));
    }
    options.addOption(
        Option("default", "", "value of an option no config file sets, for $references")
            .argument("GROUP.NAME=VALUE")
            .repeatable(true));
    withArgument("strategy", "NAME", "strategy whose datasources option to use");
    withArgument("plugin-dir", "DIR", "plugin directory");
    withArgument("format", "text|json", "output format");
    withArgument("period", "S", "look-back window in seconds");
    withArgument("aggregate", "mean|min|max|count", "aggregate");
    withArgument("granularity", "S", "granularity in seconds");
    withArgument("at", "UNIX_TIME", "evaluation time");
    withArgument("vcpus", "N", "flavor vCPUs");
    withArgument("memory", "MB", "flavor RAM");
    withArgument("disk", "GB", "flavor root disk");
    withArgument("meter", "NAME", "Watcher metric name");
    withArgument("resource-type", "compute_node|instance", "resource type");
    withArgument("start", "UNIX_TIME", "series start");
    withArgument("end", "UNIX_TIME", "series end");
    withArgument("from", "FILE", "batch resources, one per line (- for stdin)");
    withArgument("top", "N", "batch: print only the first N rows");
    // batch takes these more than once; every other command is refused a repeat.
    options.addOption(
        Option("hostname", "", "compute node host name").argument("H").repeatable(true));
    options.addOption(Option("uuid", "", "instance UUID").argument("U").repeatable(true));
    options.addOption(Option("all", "", "every compute node or instance the datasource knows"));
}

void WatcherDsApp::addResourceOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
    for (const auto& [name, value] : options) {
        given_[name] = value;
        repeated_[name].push_back(value);
    }
}

void WatcherDsApp::handleOption(const std::string& name, const std::string& value) {
    Application::handleOption(name, value);
    if (name == "help") {
        helpRequested_ = true;
        stopOptionsProcessing();  // --help wins over anything after it
        return;
    }
    if (name == "version") {
        versionRequested_ = true;
        stopOptionsProcessing();
        return;
    }
    // One list for both spellings, so their relative order (later wins) is kept.
    const std::string key = name == "config" ? "config-file" : name;
    given_[key] = value;
    repeated_[key].push_back(value);
    if (key == "config-file" || key == "config-dir")
        repeated_[kConfigOrder].push_back(key);  // files and directories count in this order
}

int WatcherDsApp::main(const std::vector<std::string>& args) {
    if (helpRequested_) {
        std::cout << helpText() << std::flush;
        return kExitOk;
    }
    if (versionRequested_) {
        std::cout << "watcher-ds " << WDS_VERSION << " (plugin ABI " << host::hostAbiVersion()
                  << ")" << std::endl;
        return kExitOk;
    }
    return CommandRun(config(), given_).run(args, given_, repeated_);
}

}  // namespace wds::cli
