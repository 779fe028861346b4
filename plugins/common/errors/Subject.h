#pragma once

#include <string>
#include <type_traits>
#include <utility>

namespace wds {

/**
 * What a request is about, for the messages that may name it ("query `...` at http://..."):
 * a text, or a function that builds it. Messages are rare and requests are many, so the text
 * is only built when a message needs it. Refers to the caller's string or function, which must
 * outlive the Subject: pass it down a call, never keep it.
 */
class Subject {
  public:
    Subject(const std::string& text)  // NOLINT: implicit, as a string parameter was
        : object_(&text),
          build_([](const void* o) { return *static_cast<const std::string*>(o); }) {}
    Subject(const char* text)  // NOLINT
        : object_(text),
          build_([](const void* o) { return std::string(static_cast<const char*>(o)); }) {}
    /** `build()` returns the text; called once per message. */
    template <class Build, class = std::enable_if_t<std::is_invocable_r_v<std::string, Build&>>>
    Subject(const Build& build)  // NOLINT
        : object_(&build),
          build_([](const void* o) { return (*static_cast<const Build*>(o))(); }) {}

    std::string str() const { return build_(object_); }

  private:
    const void* object_;
    std::string (*build_)(const void*);
};

}  // namespace wds
