#pragma once

#include <stdexcept>
#include <string>

#include "watcher_ds/datasource.h"

namespace wds {

/**
 * The one exception type inside the plugins: a wds_status plus a message that is safe to show
 * (it never contains secrets). The C glue turns it into the status and wds_error of the call.
 */
class DatasourceError : public std::runtime_error {
  public:
    DatasourceError(wds_status status, const std::string& message, int httpStatus = 0)
        : std::runtime_error(message), status_(status), httpStatus_(httpStatus) {}

    wds_status status() const { return status_; }
    int httpStatus() const { return httpStatus_; }

    /** Transport failures, timeouts, 429 and 5xx may succeed on a later attempt. */
    bool retryable() const { return status_ == WDS_E_UNAVAILABLE || status_ == WDS_E_TIMEOUT; }

  private:
    wds_status status_;
    int httpStatus_;
};

}  // namespace wds
