#include "promql/QueryTemplate.h"

#include "http/PercentEncoding.h"

namespace wds::promql {

QueryTemplate::QueryTemplate(std::string_view query) {
    size_t from = 0;
    while (true) {
        const size_t hole = query.find(kHole, from);
        const std::string_view part = query.substr(from, hole - from);
        parts_.emplace_back(part);
        encodedParts_.push_back(percentEncode(part));
        encodedSize_ += encodedParts_.back().size();
        if (hole == std::string_view::npos)
            break;
        from = hole + 1;
    }
}

std::string QueryTemplate::text(std::string_view quoted) const {
    std::string out = parts_.front();
    for (size_t i = 1; i < parts_.size(); ++i)
        out.append(quoted).append(parts_[i]);
    return out;
}

void QueryTemplate::appendPercentEncoded(std::string& out, std::string_view quoted) const {
    out += encodedParts_.front();
    if (parts_.size() == 1)
        return;
    // Encode the value once, then copy it into every hole.
    const size_t valueAt = out.size();
    wds::appendPercentEncoded(out, quoted);
    const size_t valueSize = out.size() - valueAt;
    for (size_t i = 1; i < parts_.size(); ++i) {
        if (i > 1)
            out.append(out, valueAt, valueSize);
        out += encodedParts_[i];
    }
}

void Query::appendPercentEncoded(std::string& out) const {
    if (shape_) {
        shape_->appendPercentEncoded(out, text_);
    } else {
        wds::appendPercentEncoded(out, text_);
    }
}

}  // namespace wds::promql
