// The `watcher-ds` command as a Poco::Util::Application.
#ifndef WATCHER_DS_CLI_WATCHER_DS_APP_H
#define WATCHER_DS_CLI_WATCHER_DS_APP_H

#include <string>
#include <vector>

#include <Poco/Util/Application.h>

#include "CommandLine.h"

namespace wds::cli {

/** Exit statuses of watcher-ds. */
enum ExitStatus {
    kExitOk = 0,
    kExitNoData = 1,       ///< no data, or the resource was not found
    kExitUsage = 2,        ///< usage or config error
    kExitUnavailable = 3,  ///< datasource unavailable, authentication, timeout, TLS
    kExitFailure = 4       ///< anything else
};

/** The exit status for a plugin status. */
int exitStatusFor(wds_status status);

/** The full --help text. */
std::string helpText();

class WatcherDsApp : public Poco::Util::Application {
  public:
    WatcherDsApp();

    /** --uuid/--hostname options taken out of argv before init() (splitResourceOptions). */
    void addResourceOptions(const std::vector<std::pair<std::string, std::string>>& options);

  protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

  private:
    bool helpRequested_ = false;
    bool versionRequested_ = false;
    GivenOptions given_;
    RepeatedOptions repeated_;
};

}  // namespace wds::cli

#endif  // WATCHER_DS_CLI_WATCHER_DS_APP_H
