#include "retry/RetryPolicy.h"

#include <algorithm>
#include <thread>

namespace wds {

RetryPolicy::RetryPolicy(int maxAttempts, std::chrono::milliseconds interval, Sleep sleep)
    : maxAttempts_(std::max(1, maxAttempts)),
      interval_(std::max(std::chrono::milliseconds(0), interval)),
      sleep_(sleep ? std::move(sleep)
                   : Sleep([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); })) {}

}  // namespace wds
