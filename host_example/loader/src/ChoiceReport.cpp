#include "watcher_ds/host/ChoiceReport.h"

#include <Poco/JSON/Array.h>

#include "watcher_ds/host/Secrets.h"

namespace wds::host {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const char* entryOriginName(ConfigEntry::Origin origin) {
    switch (origin) {
        case ConfigEntry::Origin::Configured:
            return "configured";
        case ConfigEntry::Origin::Default:
            return "default";
        case ConfigEntry::Origin::Unset:
            return "unset";
    }
    return "unset";
}

Object::Ptr newObject() {
    return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

}  // namespace

std::string oneLine(const std::string& text) {
    std::string line = text;
    for (char& c : line) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    }
    while (!line.empty() && line.back() == ' ')
        line.pop_back();
    return line;
}

Object::Ptr choiceReport(const Choice& choice, const DatasourceLoader& loader,
                         const std::string& configFile, const std::string& strategy,
                         const SecretMasker& masker) {
    const DatasourceList& list = choice.datasources;
    std::string listOrigin = list.origin;
    if (!strategy.empty() && !list.fromStrategy)
        listOrigin += "; [watcher_strategies." + strategy + "] sets no datasources";

    Object::Ptr report = newObject();
    report->set("config_file", configFile);
    report->set("strategy", strategy.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(strategy));
    Array::Ptr names(new Array);
    for (const auto& name : list.names)
        names->add(name);
    report->set("datasources", names);
    report->set("datasources_from", listOrigin);
    report->set("from_strategy", list.fromStrategy);
    report->set("plugin_dir", choice.pluginDirectory.path);
    report->set("plugin_dir_from", choice.pluginDirectory.origin);

    Array::Ptr attempts(new Array);
    for (const auto& name : list.names) {
        Object::Ptr fate = newObject();
        fate->set("datasource", name);
        const Attempt* attempt = nullptr;
        for (const auto& candidate : choice.attempts) {
            if (candidate.datasource == name)
                attempt = &candidate;
        }
        if (attempt != nullptr) {
            fate->set("outcome", std::string(outcomeName(attempt->outcome)));
            fate->set("plugin", attempt->pluginPath);
            fate->set("reason", masker.mask(attempt->reason));
        } else {
            fate->set("outcome", std::string("not tried"));
            fate->set("reason", std::string("not tried: an earlier datasource was chosen"));
        }
        attempts->add(fate);
    }
    report->set("attempts", attempts);
    report->set("chosen",
                choice.ok() ? Poco::Dynamic::Var(choice.datasource()) : Poco::Dynamic::Var());

    // The plugin whose configuration is shown: the chosen one, else the first that loaded.
    const Attempt* shown = choice.chosen();
    for (const auto& attempt : choice.attempts) {
        if (shown == nullptr && attempt.library)
            shown = &attempt;
    }
    if (shown == nullptr) {
        report->set("effective_config", Poco::Dynamic::Var());
        return report;
    }
    Object::Ptr effective = newObject();
    effective->set("datasource", shown->datasource);
    Array::Ptr items(new Array);
    for (const auto& entry : loader.effectiveConfig(*shown->library)) {
        Object::Ptr item = newObject();
        item->set("key", entry.key);
        item->set("value", entry.origin == ConfigEntry::Origin::Unset
                               ? Poco::Dynamic::Var()
                               : Poco::Dynamic::Var(oneLine(masker.mask(entry.shown()))));
        item->set("from", std::string(entryOriginName(entry.origin)));
        item->set("secret", entry.secret);
        item->set("known", entry.known);
        items->add(item);
    }
    effective->set("entries", items);
    report->set("effective_config", effective);
    return report;
}

Object::Ptr choiceReport(const Choice& choice, const DatasourceLoader& loader,
                         const WatcherConf& conf, const std::string& strategy,
                         const SecretMasker& masker) {
    Object::Ptr report =
        choiceReport(choice, loader, conf.files().empty() ? std::string() : conf.files().front(),
                     strategy, masker);
    Array::Ptr files(new Array);
    for (const auto& file : conf.files())
        files->add(file);
    // Rebuilt so config_files follows config_file in the key order.
    Object::Ptr ordered = newObject();
    for (const auto& key : report->getNames()) {
        ordered->set(key, report->get(key));
        if (key == "config_file")
            ordered->set("config_files", files);
    }
    if (!ordered->isNull("effective_config")) {
        const Array::Ptr entries = ordered->getObject("effective_config")->getArray("entries");
        for (size_t i = 0; i < entries->size(); ++i) {
            Object::Ptr item = entries->getObject(static_cast<unsigned>(i));
            const std::string key = item->getValue<std::string>("key");
            const auto dot = key.rfind('.');
            if (dot == std::string::npos || item->getValue<std::string>("from") != "configured")
                continue;
            if (const auto origin = conf.originOf(key.substr(0, dot), key.substr(dot + 1))) {
                item->set("file", origin->file);
                item->set("line", origin->line);
            }
        }
    }
    // Every value of the plugins' sections, whichever plugin loaded (or none): what
    // oslo.config would give Watcher, with where it was set. Secrets masked.
    Object::Ptr values = newObject();
    for (const auto& section : pluginSections()) {
        const auto found = conf.sections().find(section);
        if (found == conf.sections().end())
            continue;
        Object::Ptr options = newObject();
        for (const auto& [option, value] : found->second) {
            Object::Ptr item = newObject();
            const std::string key = configKey(section, option);
            item->set("value", masker.mask(displayValue(key, value, nullptr)));
            item->set("secret", isSecretKeyName(key));
            if (const auto origin = conf.originOf(section, option)) {
                item->set("file", origin->file);
                item->set("line", origin->line);
            }
            options->set(option, item);
        }
        values->set(section, options);
    }
    ordered->set("watcher_conf", values);
    return ordered;
}

}  // namespace wds::host
