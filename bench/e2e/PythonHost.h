#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

namespace wdsbench {

/**
 * A Python host of the runner: a script of bench/python (bench_host.py for the "python" phase,
 * bench_audit.py for the "audit" phase) run by Debian's interpreter with the watcher_ds package
 * of this tree, driven one command line at a time over pipes (each protocol is at the top of
 * its script). It runs and times its loops itself, so the pipe is never inside a measured
 * interval. Stopped (quit, then SIGKILL) by the destructor.
 */
class PythonHost {
  public:
    /** Starts `script` with `args`. Throws std::runtime_error if it cannot start. */
    PythonHost(const std::string& script, const std::vector<std::string>& args);
    ~PythonHost();
    PythonHost(const PythonHost&) = delete;
    PythonHost& operator=(const PythonHost&) = delete;

    /** Sends one command (and any extra lines) and returns the answer line; throws on "error"
     *  answers and on a host that died. */
    std::string ask(const std::string& command, const std::vector<std::string>& lines = {});

  private:
    pid_t pid_ = -1;
    FILE* toHost_ = nullptr;
    FILE* fromHost_ = nullptr;
};

/** ask() of a command whose answer is a JSON object (bench_audit.py's). */
Poco::JSON::Object::Ptr askJson(PythonHost& py, const std::string& command,
                                const std::vector<std::string>& lines = {});

/** A watcher.conf as an operator writes it for the drop-in (read by oslo.config); its path. */
std::string writeDropInConf(const std::string& path, const std::string& pluginPath, int port,
                            bool prefetch);

}  // namespace wdsbench
