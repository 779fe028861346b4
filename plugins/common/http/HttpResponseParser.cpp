#include "http/HttpResponseParser.h"

#include <algorithm>
#include <cstring>

namespace wds {
namespace {

constexpr size_t kMaxChunkLineBytes = 4096;  // a size plus extensions; real ones are ~10 bytes

[[noreturn]] void malformed(const std::string& what) {
    throw HttpParseError(HttpParseError::Kind::Malformed, what);
}

/** A bounded, printable rendering of server text for an error message. */
std::string excerpt(std::string_view text) {
    constexpr size_t kMax = 60;
    std::string out = "'";
    for (const char c : text.substr(0, kMax))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text.size() > kMax)
        out += "...";
    return out + "'";
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

/** Calls `each` with every non-empty element of a comma-separated header value. */
template <class Each>
void forEachToken(std::string_view list, Each&& each) {
    while (!list.empty()) {
        const size_t comma = std::min(list.find(','), list.size());
        const std::string_view token = trim(list.substr(0, comma));
        if (!token.empty())
            each(token);
        list.remove_prefix(std::min(comma + 1, list.size()));
    }
}

int hexValue(char c) {
    if (isDigit(c))
        return c - '0';
    const char l = lower(c);
    return (l >= 'a' && l <= 'f') ? l - 'a' + 10 : -1;
}

}  // namespace

void HttpResponseParser::start(HttpResponse& out, const std::vector<std::string>& wanted) {
    out.status = 0;
    out.body.clear();
    out.headers.clear();
    out_ = &out;
    wanted_ = &wanted;
    state_ = State::StatusLine;
    partialLine_.clear();
    headBytes_ = 0;
    remaining_ = 0;
    contentLength_ = -1;
    chunked_ = false;
    http10_ = false;
    closeRequested_ = false;
    keepAliveRequested_ = false;
    keepAlive_ = false;
    started_ = false;
    lastCollected_ = -1;
}

bool HttpResponseParser::lineState() const {
    return state_ == State::StatusLine || state_ == State::Header || state_ == State::ChunkSize ||
           state_ == State::ChunkEnd || state_ == State::Trailer;
}

void HttpResponseParser::countHeadBytes(size_t bytes) {
    if (state_ == State::ChunkSize || state_ == State::ChunkEnd) {
        if (bytes > kMaxChunkLineBytes)
            malformed("a chunk-size line longer than " + std::to_string(kMaxChunkLineBytes) +
                      " bytes");
        return;
    }
    if (headBytes_ + bytes > kMaxHeadBytes) {
        throw HttpParseError(
            HttpParseError::Kind::TooLarge,
            std::string(state_ == State::Trailer ? "its trailers exceed" : "its head exceeds") +
                " the limit of " + std::to_string(kMaxHeadBytes) + " bytes");
    }
}

size_t HttpResponseParser::feed(const char* data, size_t size) {
    if (size > 0 && state_ != State::Done)
        started_ = true;
    size_t pos = 0;
    while (pos < size && state_ != State::Done) {
        const char* begin = data + pos;
        const size_t available = size - pos;
        if (lineState()) {
            const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', available));
            if (lf == nullptr) {
                countHeadBytes(partialLine_.size() + available);
                partialLine_.append(begin, available);
                // Fail fast on a peer that is not an HTTP server instead of waiting for a line.
                if (state_ == State::StatusLine && partialLine_.size() >= 5 &&
                    partialLine_.front() != '\r' && partialLine_.compare(0, 5, "HTTP/") != 0) {
                    malformed("not an HTTP status line: " + excerpt(partialLine_));
                }
                return size;
            }
            const size_t length = static_cast<size_t>(lf - begin);
            countHeadBytes(partialLine_.size() + length + 1);
            std::string_view line(begin, length);
            if (!partialLine_.empty()) {
                partialLine_.append(begin, length);
                line = partialLine_;
            }
            pos += length + 1;
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (state_ != State::ChunkSize && state_ != State::ChunkEnd)
                headBytes_ += line.size() + 2;
            onLine(line);
            partialLine_.clear();
        } else if (state_ == State::UntilClose) {
            appendBody(begin, available);
            pos = size;
        } else {  // Body or ChunkData
            const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, available));
            appendBody(begin, take);
            pos += take;
            remaining_ -= take;
            if (remaining_ == 0)
                state_ = state_ == State::Body ? State::Done : State::ChunkEnd;
        }
    }
    return pos;
}

void HttpResponseParser::finish() {
    const auto truncated = [](const std::string& what) {
        throw HttpParseError(HttpParseError::Kind::Truncated, "the connection closed " + what);
    };
    switch (state_) {
        case State::Done:
            return;
        case State::UntilClose:
            state_ = State::Done;
            keepAlive_ = false;
            return;
        case State::StatusLine:
            truncated(started_ ? "in the middle of the status line" : "without an answer");
            break;
        case State::Header:
            truncated("in the middle of the response headers");
            break;
        case State::Body:
            truncated("after " + std::to_string(out_->body.size()) + " of " +
                      std::to_string(contentLength_) + " body bytes");
            break;
        default:
            truncated("in the middle of the chunked body, after " +
                      std::to_string(out_->body.size()) + " bytes");
    }
}

void HttpResponseParser::onLine(std::string_view line) {
    switch (state_) {
        case State::StatusLine:
            // Stray empty lines before a status line are tolerated (RFC 9112 section 2.2).
            if (!line.empty())
                onStatusLine(line);
            return;
        case State::Header:
            onHeader(line);
            return;
        case State::ChunkSize:
            onChunkSize(line);
            return;
        case State::ChunkEnd:
            if (!line.empty())
                malformed("a chunk is not followed by CRLF but by " + excerpt(line));
            state_ = State::ChunkSize;
            return;
        case State::Trailer:  // trailer fields are not used
            if (line.empty())
                state_ = State::Done;
            return;
        default:
            return;
    }
}

void HttpResponseParser::onStatusLine(std::string_view line) {
    // HTTP/1.1 200 OK  (the reason phrase may be empty or absent)
    if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0 || !isDigit(line[5]) ||
        line[6] != '.' || !isDigit(line[7]) || line[8] != ' ' || !isDigit(line[9]) ||
        !isDigit(line[10]) || !isDigit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
        malformed("not an HTTP status line: " + excerpt(line));
    }
    if (line[5] != '1')
        malformed("unsupported HTTP version " + excerpt(line.substr(0, 8)));
    http10_ = line[7] == '0';
    out_->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    state_ = State::Header;
}

void HttpResponseParser::onHeader(std::string_view line) {
    if (line.empty()) {
        onEndOfHead();
        return;
    }
    if (line.front() == ' ' || line.front() == '\t') {
        // Obsolete line folding: continues the previous field's value.
        if (lastCollected_ >= 0) {
            std::string& value = out_->headers[static_cast<size_t>(lastCollected_)].second;
            value += ' ';
            value.append(trim(line));
        }
        return;
    }
    lastCollected_ = -1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
        malformed("a header line without a name: " + excerpt(line));
    const std::string_view name = line.substr(0, colon);
    if (name.back() == ' ' || name.back() == '\t')
        malformed("whitespace before the colon in header " + excerpt(name));
    const std::string_view value = trim(line.substr(colon + 1));

    if (equalsNoCase(name, "Content-Length")) {
        if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), isDigit))
            malformed("invalid Content-Length " + excerpt(value));
        int64_t length = 0;
        for (const char c : value)
            length = length * 10 + (c - '0');
        if (contentLength_ >= 0 && contentLength_ != length)
            malformed("two different Content-Length headers");
        contentLength_ = length;
    } else if (equalsNoCase(name, "Transfer-Encoding")) {
        forEachToken(value, [&](std::string_view coding) {
            if (!equalsNoCase(coding, "chunked"))
                malformed("unsupported Transfer-Encoding " + excerpt(coding));
            chunked_ = true;
        });
    } else if (equalsNoCase(name, "Connection")) {
        forEachToken(value, [&](std::string_view option) {
            if (equalsNoCase(option, "close"))
                closeRequested_ = true;
            else if (equalsNoCase(option, "keep-alive"))
                keepAliveRequested_ = true;
        });
    }
    for (const std::string& wanted : *wanted_) {
        if (equalsNoCase(name, wanted)) {
            lastCollected_ = static_cast<int>(out_->headers.size());
            out_->headers.emplace_back(wanted, std::string(value));
            break;
        }
    }
}

void HttpResponseParser::onEndOfHead() {
    const int status = out_->status;
    if (status >= 100 && status <= 199) {
        if (status == 101)
            malformed("unexpected 101 Switching Protocols");
        // An interim answer (100 Continue, 103 Early Hints): the final one follows.
        out_->headers.clear();
        contentLength_ = -1;
        chunked_ = closeRequested_ = keepAliveRequested_ = false;
        lastCollected_ = -1;
        state_ = State::StatusLine;
        return;
    }
    keepAlive_ = !closeRequested_ && (!http10_ || keepAliveRequested_);
    if (status == 204 || status == 304) {  // never a body (RFC 9112 section 6.3)
        state_ = State::Done;
        return;
    }
    if (chunked_) {
        // Both framings at once may be a smuggling attempt: use chunked, do not reuse.
        if (contentLength_ >= 0)
            keepAlive_ = false;
        state_ = State::ChunkSize;
        return;
    }
    if (contentLength_ >= 0) {
        if (static_cast<uint64_t>(contentLength_) > maxBodyBytes_) {
            throw HttpParseError(HttpParseError::Kind::TooLarge,
                                 "its body of " + std::to_string(contentLength_) +
                                     " bytes (Content-Length) is over the limit of " +
                                     std::to_string(maxBodyBytes_) + " bytes");
        }
        remaining_ = static_cast<uint64_t>(contentLength_);
        out_->body.reserve(static_cast<size_t>(remaining_));
        state_ = remaining_ > 0 ? State::Body : State::Done;
        return;
    }
    keepAlive_ = false;
    state_ = State::UntilClose;
}

void HttpResponseParser::onChunkSize(std::string_view line) {
    // chunk-size [ BWS ";" extensions ]; the extensions carry nothing we use
    uint64_t size = 0;
    size_t digits = 0;
    for (; digits < line.size() && hexValue(line[digits]) >= 0; ++digits) {
        if (digits == 16)
            malformed("a chunk size of more than 16 hex digits");
        size = size * 16 + static_cast<uint64_t>(hexValue(line[digits]));
    }
    const std::string_view rest = trim(line.substr(digits));
    if (digits == 0 || (!rest.empty() && rest.front() != ';'))
        malformed("invalid chunk-size line " + excerpt(line));
    if (size == 0) {
        state_ = State::Trailer;
        return;
    }
    if (size > maxBodyBytes_ - out_->body.size()) {
        throw HttpParseError(
            HttpParseError::Kind::TooLarge,
            "its chunked body grows over the limit of " + std::to_string(maxBodyBytes_) + " bytes");
    }
    remaining_ = size;
    state_ = State::ChunkData;
}

void HttpResponseParser::appendBody(const char* data, size_t size) {
    if (size > maxBodyBytes_ - out_->body.size()) {
        throw HttpParseError(
            HttpParseError::Kind::TooLarge,
            "its body grows over the limit of " + std::to_string(maxBodyBytes_) + " bytes");
    }
    out_->body.append(data, size);
}

}  // namespace wds
