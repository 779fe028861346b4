#pragma once

#include <string>
#include <string_view>

namespace wds {

/** RFC 3986 percent-encoding of everything but unreserved characters, appended to `out`. */
void appendPercentEncoded(std::string& out, std::string_view text);

/** appendPercentEncoded into a new string. */
std::string percentEncode(std::string_view text);

}  // namespace wds
