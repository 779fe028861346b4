// watcher-ds: check and query OpenStack Watcher's metrics datasources from the shell.
#include <cstring>
#include <iostream>
#include <string>

#include <Poco/JSON/Object.h>
#include <Poco/Util/OptionException.h>

#include "Diagnostics.h"
#include "WatcherDsApp.h"

namespace {

// Option parsing fails inside Application::init(), before --format has been seen; look for it
// by hand so a JSON caller still gets a JSON object.
bool jsonRequested(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--")
            break;
        if (arg == "--format=json" || arg == "--format:json")
            return true;
        if (arg == "--format" && i + 1 < argc && std::strcmp(argv[i + 1], "json") == 0)
            return true;
    }
    return false;
}

// The option as typed, without its value ("--pasword=x" -> "--pasword").
std::string optionAsTyped(const std::string& name, int argc, char** argv) {
    const std::string bare = name.substr(0, name.find_first_of(":="));
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const std::string typed = arg.substr(0, arg.find_first_of(":="));
        if (typed == "--" + bare || typed == "-" + bare)
            return typed;
    }
    return "--" + bare;
}

std::string describe(const Poco::Util::OptionException& e, int argc, char** argv) {
    using namespace Poco::Util;
    const std::string& what = e.message();
    if (dynamic_cast<const UnknownOptionException*>(&e) != nullptr) {
        return "unknown option " + optionAsTyped(what, argc, argv);
    }
    if (dynamic_cast<const AmbiguousOptionException*>(&e) != nullptr) {
        return "ambiguous option " + optionAsTyped(what, argc, argv);
    }
    if (dynamic_cast<const MissingArgumentException*>(&e) != nullptr) {
        return "--" + what;  // "--period requires S"
    }
    if (dynamic_cast<const UnexpectedArgumentException*>(&e) != nullptr) {
        return optionAsTyped(what, argc, argv) + " takes no value";
    }
    if (dynamic_cast<const DuplicateOptionException*>(&e) != nullptr) {
        return "--" + what + " is given more than once";
    }
    return e.displayText();
}

}  // namespace

int main(int argc, char** argv) {
    wds::cli::WatcherDsApp app;
    try {
        // --uuid/--hostname go around Poco's option processing, which is quadratic in the
        // number of options (CommandLine.h, splitResourceOptions).
        const wds::cli::SplitArguments split = wds::cli::splitResourceOptions(argc, argv);
        app.addResourceOptions(split.resourceOptions);
        app.init(split.rest);
    } catch (const Poco::Util::OptionException& e) {
        const std::string message = "usage error: " + wds::cli::oneLine(describe(e, argc, argv)) +
                                    " (see watcher-ds --help)";
        std::cerr << "watcher-ds: error: " << message << std::endl;
        if (jsonRequested(argc, argv)) {
            Poco::JSON::Object result(Poco::JSON_PRESERVE_KEY_ORDER);
            result.set("status", std::string("usage error"));
            result.set("error", message);
            result.stringify(std::cout);
            std::cout << std::endl;
        }
        return wds::cli::kExitUsage;
    } catch (const Poco::Exception& e) {
        std::cerr << "watcher-ds: error: " << wds::cli::oneLine(e.displayText()) << std::endl;
        return wds::cli::kExitFailure;
    }
    return app.run();
}
