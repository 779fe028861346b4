#include "SecretScan.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "servers/Http.h"

namespace wds::testing {

void SecretScan::addSecret(const std::string& name, const std::string& value) {
    if (value.empty())
        return;
    std::lock_guard<std::mutex> lock(mutex_);
    secrets_.emplace(value, name);
}

void SecretScan::record(const std::string& where, const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    records_.emplace_back(where, text);
}

void SecretScan::record(const std::string& where, const wds::Outcome& outcome) {
    record(where + " (" + wds_status_name(outcome.status) + ")", outcome.message);
}

wds::LogFunction SecretScan::logger(const std::string& where) {
    return [this, where](wds_log_level level, const std::string& line) {
        record(where + " log level " + std::to_string(level), line);
    };
}

void SecretScan::expectClean() const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [secret, name] : secrets_) {
        const size_t piece = std::min(kPieceBytes, secret.size());
        for (const auto& [where, text] : records_) {
            for (size_t at = 0; at + piece <= secret.size(); ++at) {
                if (text.find(secret.substr(at, piece)) != std::string::npos) {
                    ADD_FAILURE() << name << " (or " << piece << " bytes of it) appears in "
                                  << where << ":\n"
                                  << text;
                    break;
                }
            }
        }
    }
}

size_t SecretScan::recordCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_.size();
}

bool SecretScan::saw(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& record : records_) {
        if (record.second.find(text) != std::string::npos)
            return true;
    }
    return false;
}

BasicAuthPrometheus::BasicAuthPrometheus(const std::string& dir, const std::string& user,
                                         const std::string& bcryptHash) {
    std::ofstream(dir + "/auth-web.yml")
        << "basic_auth_users:\n  " << user << ": '" << bcryptHash << "'\n";
    std::ofstream(dir + "/auth.yml") << "global: {scrape_interval: 15s}\n";
    port_ = freeLoopbackPort();
    process_.start(
        {findExecutable("prometheus", "WDS_PROMETHEUS"), "--config.file=" + dir + "/auth.yml",
         "--web.config.file=" + dir + "/auth-web.yml", "--storage.tsdb.path=" + dir + "/auth-data",
         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
        dir + "/auth-prometheus.log");
    // Up once it refuses us for lack of credentials.
    for (int i = 0; i < 300 && process_.running(); ++i) {
        try {
            if (httpGet("127.0.0.1", port_, "/-/ready").status == 401)
                return;
        } catch (const std::exception&) {
            // not listening yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("prometheus with basic auth did not start: " + process_.logTail());
}

}  // namespace wds::testing
