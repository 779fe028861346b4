#include "http/PercentEncoding.h"

namespace wds {
namespace {

/** RFC 3986 unreserved characters, which stand for themselves in a URL. */
struct UnreservedTable {
    bool unreserved[256] = {};
    constexpr UnreservedTable() {
        for (int c = 0; c < 256; ++c) {
            unreserved[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        }
    }
};
constexpr UnreservedTable kTable;

}  // namespace

void appendPercentEncoded(std::string& out, std::string_view text) {
    // Label values and times are mostly unreserved: copied in runs, not byte by byte.
    constexpr char kHex[] = "0123456789ABCDEF";
    const char* const data = text.data();
    size_t at = 0;
    while (at < text.size()) {
        size_t run = at;
        while (run < text.size() && kTable.unreserved[static_cast<unsigned char>(data[run])])
            ++run;
        out.append(data + at, run - at);
        if (run == text.size())
            break;
        const auto c = static_cast<unsigned char>(data[run]);
        const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escaped, 3);
        at = run + 1;
    }
}

std::string percentEncode(std::string_view text) {
    std::string out;
    appendPercentEncoded(out, text);
    return out;
}

}  // namespace wds
