#include "json/JsonScanner.h"

namespace wds {
namespace {

constexpr int kMaxDepth = 64;  // Prometheus answers nest 5 deep; bounds recursion on junk

}  // namespace

void JsonScanner::fail(const std::string& what) const {
    throw Error{what + " at byte " + std::to_string(pos_)};
}

void JsonScanner::failExpected(char c) const {
    fail(std::string("expected '") + c + "'");
}

bool JsonScanner::nextMember(bool& first, std::string_view& key) {
    if (first) {
        expect('{');
        first = false;
        if (accept('}'))
            return false;
    } else if (!accept(',')) {
        expect('}');
        return false;
    }
    key = readStringView(&keyScratch_);
    expect(':');
    return true;
}

bool JsonScanner::nextElement(bool& first) {
    if (first) {
        expect('[');
        first = false;
        return !accept(']');
    }
    if (accept(','))
        return true;
    expect(']');
    return false;
}

unsigned JsonScanner::readHex4() {
    if (pos_ + 4 > text_.size())
        fail("truncated \\u escape");
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = text_[pos_++];
        value <<= 4;
        if (c >= '0' && c <= '9') {
            value |= static_cast<unsigned>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            value |= static_cast<unsigned>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            value |= static_cast<unsigned>(c - 'A' + 10);
        } else {
            fail("bad \\u escape");
        }
    }
    return value;
}

void JsonScanner::appendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

size_t JsonScanner::quoteOrEscape() const {
    // A plain loop: the strings of an answer are short, and string_view::find_first_of would
    // call memchr on the set for every byte.
    const char* const data = text_.data();
    const size_t size = text_.size();
    size_t at = pos_;
    while (at < size && data[at] != '"' && data[at] != '\\')
        ++at;
    if (at == size)
        fail("unterminated string");
    return at;
}

std::string_view JsonScanner::readStringView(std::string* scratch) {
    expect('"');
    // Most strings have no escape: a view of the text, nothing copied.
    size_t special = quoteOrEscape();
    if (text_[special] == '"') {
        const std::string_view text = text_.substr(pos_, special - pos_);
        pos_ = special + 1;
        return text;
    }
    std::string& out = *scratch;
    out.assign(text_.data() + pos_, special - pos_);
    pos_ = special + 1;
    while (true) {  // just after a backslash
        if (pos_ >= text_.size())
            fail("unterminated escape");
        const char e = text_[pos_++];
        switch (e) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                unsigned cp = readHex4();
                if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
                    if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
                        fail("lone surrogate");
                    }
                    pos_ += 2;
                    const unsigned low = readHex4();
                    if (low < 0xDC00 || low > 0xDFFF)
                        fail("bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail("lone surrogate");
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                fail("bad escape");
        }
        special = quoteOrEscape();
        out.append(text_.data() + pos_, special - pos_);
        pos_ = special + 1;
        if (text_[special] == '"')
            return out;
    }
}

std::string_view JsonScanner::readNumberToken() {
    skipSpace();
    const size_t begin = pos_;
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
            ++pos_;
        } else {
            break;
        }
    }
    if (pos_ == begin)
        fail("expected a number");
    return text_.substr(begin, pos_ - begin);
}

void JsonScanner::skipLiteral(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal)
        fail("unexpected token");
    pos_ += literal.size();
}

void JsonScanner::skipValue() {
    if (++depth_ > kMaxDepth)
        fail("nesting too deep");
    switch (peek()) {
        case '"':
            readStringView();
            break;
        case '{': {
            bool first = true;
            std::string_view key;
            while (nextMember(first, key))
                skipValue();
            break;
        }
        case '[': {
            bool first = true;
            while (nextElement(first))
                skipValue();
            break;
        }
        case 't':
            skipLiteral("true");
            break;
        case 'f':
            skipLiteral("false");
            break;
        case 'n':
            skipLiteral("null");
            break;
        default:
            readNumberToken();
    }
    --depth_;
}

void JsonScanner::expectEnd() {
    if (peek() != '\0')
        fail("trailing data");
}

}  // namespace wds
