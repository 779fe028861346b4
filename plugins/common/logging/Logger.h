#pragma once

#include <string>

#include "watcher_ds/datasource.h"

namespace wds {

/**
 * Forwards log lines to the host's callback. Callers must never pass secrets; the plugin code
 * only ever logs URLs without credentials, queries and server error texts.
 */
class Logger {
  public:
    Logger() = default;
    Logger(wds_log_fn fn, void* ctx) : fn_(fn), ctx_(ctx) {}

    void log(wds_log_level level, const std::string& message) const {
        if (fn_ != nullptr)
            fn_(ctx_, level, message.c_str());
    }
    void debug(const std::string& message) const { log(WDS_LOG_DEBUG, message); }
    void info(const std::string& message) const { log(WDS_LOG_INFO, message); }
    void warning(const std::string& message) const { log(WDS_LOG_WARNING, message); }
    void error(const std::string& message) const { log(WDS_LOG_ERROR, message); }

  private:
    wds_log_fn fn_ = nullptr;
    void* ctx_ = nullptr;
};

}  // namespace wds
