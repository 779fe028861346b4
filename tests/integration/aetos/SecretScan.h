#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "servers/ChildProcess.h"
#include "watcher_ds/datasource.hpp"

namespace wds::testing {

/**
 * Collects everything a run shows to its host or its user (log lines, error messages, command
 * output) and fails the current test if any known secret appears in it, whole or in part: every
 * 12-byte piece of a secret counts, so a truncated or prefixed secret is caught as well.
 * Thread-safe.
 */
class SecretScan {
  public:
    static constexpr size_t kPieceBytes = 12;

    /** `name` says which secret it is in failure messages; empty values are ignored. */
    void addSecret(const std::string& name, const std::string& value);
    void record(const std::string& where, const std::string& text);
    void record(const std::string& where, const wds::Outcome& outcome);
    /** A host log callback that records every line, at every level. */
    wds::LogFunction logger(const std::string& where);

    /** ADD_FAILURE for every secret found, naming the secret and where it was seen. */
    void expectClean() const;

    size_t recordCount() const;
    /** True if `text` was recorded somewhere (to prove that a flow really ran). */
    bool saw(const std::string& text) const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::string> secrets_;  // value -> name
    std::vector<std::pair<std::string, std::string>> records_;
};

/**
 * A real Prometheus that requires HTTP basic auth (--web.config.file with a bcrypt hash), on a
 * free loopback port with an empty TSDB. PrometheusServer cannot wait for it: every endpoint,
 * /-/ready included, answers 401 without credentials.
 */
class BasicAuthPrometheus {
  public:
    BasicAuthPrometheus(const std::string& dir, const std::string& user,
                        const std::string& bcryptHash);
    int port() const { return port_; }

  private:
    ChildProcess process_;
    int port_ = 0;
};

}  // namespace wds::testing
