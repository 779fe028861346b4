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

    /** Next non-space character without consuming it; '\0' at the end. */
    char peek();
    void expect(char c);
    /** Consumes `c` if it is next. */
    bool accept(char c);

    /** Iterates an object: call first with `first = true`; returns false after the '}'. */
    bool nextMember(bool& first, std::string& key);
    /** Iterates an array: call first with `first = true`; returns false after the ']'. */
    bool nextElement(bool& first);

    std::string readString();
    /** A number token (or a string holding one, as Prometheus writes sample values). */
    std::string_view readNumberToken();
    void skipValue();
    /** The document must end here (trailing spaces allowed). */
    void expectEnd();

  private:
    [[noreturn]] void fail(const std::string& what) const;
    void skipSpace();
    /** Position of the next '"' or '\\' from pos_; fails at the end of the text. */
    size_t quoteOrEscape() const;
    void skipLiteral(std::string_view literal);
    void appendUtf8(std::string& out, unsigned codePoint);
    unsigned readHex4();

    std::string_view text_;
    size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace wds
