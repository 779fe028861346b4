// libwds_bench_floor.so: the floor client (FloorClient.cpp) behind a C interface, so the Python
// host of the "python" phase (bench/python/bench_host.py) runs the very same floor, through
// ctypes, in its own process and loop. Its ctypes call adds about a microsecond to the floor.
#include <exception>
#include <string>

#include "FloorClient.h"

extern "C" {

__attribute__((visibility("default"))) void* wds_floor_open(int port) {
    try {
        return new wdsbench::FloorClient(port);
    } catch (const std::exception&) {
        return nullptr;
    }
}

/** Sends `request` and reads the whole answer: its HTTP status, or -1 on a network error. */
__attribute__((visibility("default"))) int wds_floor_get(void* floor, const char* request,
                                                         size_t length) {
    try {
        return static_cast<wdsbench::FloorClient*>(floor)->get(std::string(request, length)).status;
    } catch (const std::exception&) {
        return -1;
    }
}

__attribute__((visibility("default"))) void wds_floor_close(void* floor) {
    delete static_cast<wdsbench::FloorClient*>(floor);
}

}  // extern "C"
