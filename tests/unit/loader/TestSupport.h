// Helpers shared by the loader and CLI tests.
#ifndef WATCHER_DS_TESTS_LOADER_TEST_SUPPORT_HPP
#define WATCHER_DS_TESTS_LOADER_TEST_SUPPORT_HPP

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace wds::test {

inline const std::string kPluginDir = WDS_TEST_PLUGIN_DIR;
inline const std::string kNamedPluginDir = WDS_TEST_NAMED_PLUGIN_DIR;

/** A private (0700) temporary directory, removed with its contents. */
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "wds-loader-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    /** Writes `name` in this directory and returns its path. */
    std::string write(const std::string& name, const std::string& content) const {
        const std::string file = path_ + "/" + name;
        std::ofstream out(file, std::ios::binary);
        out << content;
        if (!out)
            throw std::runtime_error("cannot write " + file);
        return file;
    }

    /** Copies a plugin file into this directory under `name`. */
    std::string copy(const std::string& source, const std::string& name) const {
        const std::string target = path_ + "/" + name;
        std::filesystem::copy_file(source, target,
                                   std::filesystem::copy_options::overwrite_existing);
        ::chmod(target.c_str(), 0755);
        return target;
    }

  private:
    std::string path_;
};

}  // namespace wds::test

#endif  // WATCHER_DS_TESTS_LOADER_TEST_SUPPORT_HPP
