#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

namespace wdsbench {

/**
 * The Python host of the "python" phase: bench/python/bench_host.py run by Debian's
 * interpreter with the watcher_ds package of this tree and the floor library, driven one command
 * line at a time over pipes (the protocol is at the top of bench_host.py). It runs and times its
 * loops itself, so the pipe is never inside a measured interval. Stopped (quit, then SIGKILL) by
 * the destructor.
 */
class PythonHost {
  public:
    /** Starts the host on `pluginPath`. Throws std::runtime_error if it cannot start. */
    explicit PythonHost(const std::string& pluginPath);
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

}  // namespace wdsbench
