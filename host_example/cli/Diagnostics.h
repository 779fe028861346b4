// Everything watcher-ds writes to stderr: its own warnings and errors and the plugins' log lines.
#ifndef WATCHER_DS_CLI_DIAGNOSTICS_H
#define WATCHER_DS_CLI_DIAGNOSTICS_H

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "watcher_ds/datasource.hpp"
#include "watcher_ds/host/ChoiceReport.h"
#include "watcher_ds/host/Secrets.h"

namespace wds::cli {

using host::oneLine;

/**
 * Formats stderr lines as "watcher-ds: <level>: <message>", one line each, secrets masked.
 *
 * WARNING and ERROR log lines are held back until the command ends: they are printed when it
 * succeeds or finds no data, and dropped when it fails, so a failure prints exactly ONE line
 * (which carries the cause). DEBUG and INFO lines are printed only with --verbose; in verbose
 * mode every line is printed, as soon as the secrets are known (see goLive()).
 */
class Diagnostics {
  public:
    explicit Diagnostics(bool verbose) : verbose_(verbose) {}

    /** A log sink for the loader and the plugins; `this` must outlive every user of it. */
    LogFunction sink();

    void log(wds_log_level level, const std::string& message);

    /** Secrets to mask from now on (all lines still pending included). */
    void setMasker(host::SecretMasker masker);

    /** In verbose mode, prints the pending lines and every later line at once. */
    void goLive();

    /** Prints the pending lines unless the command failed (and is not verbose). */
    void finish(bool failed);

    /** Prints "watcher-ds: <label>: <message>" at once (the command's own result line). */
    void print(const std::string& label, const std::string& message);

    std::string mask(const std::string& text) const;

  private:
    void write(wds_log_level level, const std::string& message);

    mutable std::mutex mutex_;
    const bool verbose_;
    bool live_ = false;
    host::SecretMasker masker_;
    std::vector<std::pair<wds_log_level, std::string>> pending_;
};

}  // namespace wds::cli

#endif  // WATCHER_DS_CLI_DIAGNOSTICS_H
