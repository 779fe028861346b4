#pragma once

#include <string>
#include <string_view>

namespace wds {

/**
 * A forward-only JSON reader over one document, for the few shapes the Prometheus API returns.
 * It decodes what the caller asks for and skips everything else without building a tree, which
 * is what makes answers of one sample and of 10,000 targets cheap (Poco's DOM parser cost more
 * than the HTTP exchange). Malformed input throws JsonScanner::Error.
 */
class JsonScanner {
  public:
    struct Error {
        std::string what;
    };

    explicit JsonScanner(std::string_view text) : text_(text) {}

    // The calls every token goes through are inline: a one-sample answer makes ~100 of them.

    /** Next non-space character without consuming it; '\0' at the end. */
    char peek() {
        skipSpace();
        return pos_ < text_.size() ? text_[pos_] : '\0';
    }
    void expect(char c) {
        if (peek() != c)
            failExpected(c);
        ++pos_;
    }
    /** Consumes `c` if it is next. */
    bool accept(char c) {
        if (peek() != c)
            return false;
        ++pos_;
        return true;
    }

    /**
     * Iterates an object: call first with `first = true`; returns false after the '}'. `key`
     * stays valid until the next nextMember().
     */
    bool nextMember(bool& first, std::string_view& key);
    /** Iterates an array: call first with `first = true`; returns false after the ']'. */
    bool nextElement(bool& first);

    std::string readString() { return std::string(readStringView(&valueScratch_)); }
    /** A string without copying it when it has no escape; valid until the next read. */
    std::string_view readStringView() { return readStringView(&valueScratch_); }
    /** A number token (or a string holding one, as Prometheus writes sample values). */
    std::string_view readNumberToken();
    void skipValue();
    /** The document must end here (trailing spaces allowed). */
    void expectEnd();

  private:
    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] void failExpected(char c) const;
    void skipSpace() {
        // Prometheus writes no spaces: one test per token in the common case.
        while (pos_ < text_.size() && isSpace(text_[pos_]))
            ++pos_;
    }
    static bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
    /** Position of the next '"' or '\\' from pos_; fails at the end of the text. */
    size_t quoteOrEscape() const;
    void skipLiteral(std::string_view literal);
    /** The string's text: a view of the document, or decoded into `scratch` if it has escapes. */
    std::string_view readStringView(std::string* scratch);
    void appendUtf8(std::string& out, unsigned codePoint);
    unsigned readHex4();

    std::string_view text_;
    size_t pos_ = 0;
    int depth_ = 0;
    std::string keyScratch_;    // an escaped key
    std::string valueScratch_;  // an escaped string value
};

}  // namespace wds
