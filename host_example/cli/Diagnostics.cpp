#include "Diagnostics.h"

#include <iostream>

namespace wds::cli {
namespace {

const char* levelName(wds_log_level level) {
    switch (level) {
        case WDS_LOG_DEBUG:
            return "debug";
        case WDS_LOG_INFO:
            return "info";
        case WDS_LOG_WARNING:
            return "warning";
        default:
            return "error";
    }
}

}  // namespace

LogFunction Diagnostics::sink() {
    return [this](wds_log_level level, const std::string& message) { log(level, message); };
}

void Diagnostics::log(wds_log_level level, const std::string& message) {
    if (level < WDS_LOG_WARNING && !verbose_)
        return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (live_) {
        write(level, message);
    } else {
        pending_.emplace_back(level, message);
    }
}

void Diagnostics::setMasker(host::SecretMasker masker) {
    std::lock_guard<std::mutex> lock(mutex_);
    masker_ = std::move(masker);
}

void Diagnostics::goLive() {
    if (!verbose_)
        return;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [level, message] : pending_)
        write(level, message);
    pending_.clear();
    live_ = true;
}

void Diagnostics::finish(bool failed) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!failed || verbose_) {
        for (const auto& [level, message] : pending_)
            write(level, message);
    }
    pending_.clear();
}

void Diagnostics::print(const std::string& label, const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::cerr << "watcher-ds: " << label << ": " << oneLine(masker_.mask(message)) << std::endl;
}

std::string Diagnostics::mask(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return masker_.mask(text);
}

void Diagnostics::write(wds_log_level level, const std::string& message) {
    std::cerr << "watcher-ds: " << levelName(level) << ": " << oneLine(masker_.mask(message))
              << std::endl;
}

}  // namespace wds::cli
