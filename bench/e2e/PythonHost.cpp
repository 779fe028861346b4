#include "PythonHost.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/JSON/Parser.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace wdsbench {

PythonHost::PythonHost(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> words{WDS_PYTHON, script};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);
    signal(SIGPIPE, SIG_IGN);  // a host that died shows as a failed write, not a dead runner
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        throw std::runtime_error("python host: pipe: " + std::string(std::strerror(errno)));
    pid_ = fork();
    if (pid_ < 0)
        throw std::runtime_error("python host: fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        for (int fd : {in[0], in[1], out[0], out[1]})
            close(fd);
        setenv("PYTHONPATH", WDS_PYTHON_PACKAGE_DIR, 1);
        setenv("WATCHER_DS_LOADER_LIBRARY", WDS_LOADER_LIBRARY, 1);
        setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
        execv(WDS_PYTHON, argv.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    toHost_ = fdopen(in[1], "w");
    fromHost_ = fdopen(out[0], "r");
}

PythonHost::~PythonHost() {
    if (toHost_ != nullptr) {
        std::fputs("quit\n", toHost_);
        std::fclose(toHost_);
    }
    if (fromHost_ != nullptr)
        std::fclose(fromHost_);
    if (pid_ > 0) {
        for (int i = 0; i < 50 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
            usleep(100 * 1000);
        if (kill(pid_, 0) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
}

std::string PythonHost::ask(const std::string& command, const std::vector<std::string>& lines) {
    std::string text = command + "\n";
    for (const auto& line : lines)
        text += line + "\n";
    if (std::fputs(text.c_str(), toHost_) < 0 || std::fflush(toHost_) != 0)
        throw std::runtime_error("python host: it is gone (see its stderr above)");
    std::string answer;
    for (int c; (c = std::fgetc(fromHost_)) != EOF && c != '\n';)
        answer += static_cast<char>(c);
    if (answer.empty())
        throw std::runtime_error("python host: no answer to '" + command + "' (see its stderr)");
    if (answer.rfind("error", 0) == 0)
        throw std::runtime_error("python host: " + command + ": " + answer);
    return answer;
}

Poco::JSON::Object::Ptr askJson(PythonHost& py, const std::string& command,
                                const std::vector<std::string>& lines) {
    return Poco::JSON::Parser().parse(py.ask(command, lines)).extract<Poco::JSON::Object::Ptr>();
}

std::string writeDropInConf(const std::string& path, const std::string& pluginPath, int port,
                            bool prefetch) {
    std::ofstream out(path);
    out << "[watcher_datasources]\ndatasources = prometheus\nplugin_dir = "
        << std::filesystem::path(pluginPath).parent_path().string()
        << "\n\n[prometheus_client]\nhost = 127.0.0.1\nport = " << port
        << "\n\n[watcher_ds]\nprefetch = " << (prefetch ? "true" : "false") << "\n";
    if (!out)
        throw std::runtime_error("cannot write " + path);
    return path;
}

}  // namespace wdsbench
