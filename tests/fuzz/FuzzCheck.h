#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

// An oracle violation: print what broke and abort, which libFuzzer reports as a crash and saves
// the input. (assert() would vanish in a release build.)
#define WDS_FUZZ_CHECK(condition, detail)                                                          \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: oracle failed: %s: %s\n", __FILE__, __LINE__, #condition, \
                         std::string(detail).c_str());                                             \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
