// Helpers shared by the loader and CLI tests.
#ifndef WATCHER_DS_TESTS_LOADER_TEST_SUPPORT_H
#define WATCHER_DS_TESTS_LOADER_TEST_SUPPORT_H

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "servers/TempDir.h"

namespace wds::test {

inline const std::string kPluginDir = WDS_TEST_PLUGIN_DIR;
inline const std::string kNamedPluginDir = WDS_TEST_NAMED_PLUGIN_DIR;

/** The fixtures' private temporary directory, plus file helpers for loader tests. */
class TempDir : public wds::testing::TempDir {
  public:
    TempDir() : wds::testing::TempDir("wds-loader-test-") {}

    /** Writes `name` in this directory and returns its path. */
    std::string write(const std::string& name, const std::string& content) const {
        const std::string target = file(name);
        std::ofstream out(target, std::ios::binary);
        out << content;
        if (!out)
            throw std::runtime_error("cannot write " + target);
        return target;
    }

    /** Copies a plugin file into this directory under `name`. */
    std::string copy(const std::string& source, const std::string& name) const {
        const std::string target = file(name);
        std::filesystem::copy_file(source, target,
                                   std::filesystem::copy_options::overwrite_existing);
        ::chmod(target.c_str(), 0755);
        return target;
    }
};

}  // namespace wds::test

#endif  // WATCHER_DS_TESTS_LOADER_TEST_SUPPORT_H
