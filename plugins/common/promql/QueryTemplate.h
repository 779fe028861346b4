#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wds::promql {

/**
 * Marks where a template's label value goes in a query built by QueryBuilder. It can never come
 * from a label value: quote() escapes every control character.
 */
inline constexpr char kHole = '\0';

/**
 * One metric's query with its resource left open, kept percent-encoded as well: a call fills in
 * the quoted label value, so it quotes and encodes only that value instead of building and
 * encoding the whole query again.
 */
class QueryTemplate {
  public:
    /** `query` has a kHole wherever the quoted label value goes (hostRamUsage has two). */
    explicit QueryTemplate(std::string_view query);

    /** The query with `quoted` in every hole. */
    std::string text(std::string_view quoted) const;
    /** percentEncode(text(quoted)) appended to `out`. */
    void appendPercentEncoded(std::string& out, std::string_view quoted) const;
    /** At least the size of percentEncode(text(quoted)). */
    size_t encodedSizeBound(std::string_view quoted) const {
        return encodedSize_ + (parts_.size() - 1) * 3 * quoted.size();
    }

  private:
    std::vector<std::string> parts_;         // text between the holes
    std::vector<std::string> encodedParts_;  // the same, percent-encoded
    size_t encodedSize_ = 0;                 // of all encodedParts_
};

/** A query ready to send: a template with its value, or a plain text (no template). */
class Query {
  public:
    Query(std::string text) : text_(std::move(text)) {}  // NOLINT: implicit, as a string was
    Query(const char* text) : text_(text) {}             // NOLINT
    /** `quoted`: the quoted label value for the template's holes. */
    Query(const QueryTemplate& shape, std::string quoted)
        : shape_(&shape), text_(std::move(quoted)) {}

    std::string text() const { return shape_ ? shape_->text(text_) : text_; }
    void appendPercentEncoded(std::string& out) const;
    /** At least the size of the encoded query, to reserve once. */
    size_t encodedSizeBound() const {
        return shape_ ? shape_->encodedSizeBound(text_) : 3 * text_.size();
    }

  private:
    const QueryTemplate* shape_ = nullptr;
    std::string text_;  // the quoted value for a template, else the whole query
};

}  // namespace wds::promql
