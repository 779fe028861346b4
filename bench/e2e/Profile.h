#pragma once

#include <string>
#include <vector>

#include "Report.h"

namespace wdsbench {

/**
 * Runs `self profile-child ...` under valgrind --tool=callgrind with collection switched on only
 * inside the two measured loops (profilePluginCalls / profileFloorCalls), then reads the costs
 * back with callgrind_annotate. Without valgrind the result says why it did not run.
 */
ProfileResult runCallgrind(const std::vector<std::string>& childArgs, int calls,
                           const std::string& workDir);

}  // namespace wdsbench
