#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/HttpTransport.h"

namespace wds {

/** Why a response could not be parsed; the transport adds which server and URL it came from. */
class HttpParseError : public std::runtime_error {
  public:
    enum class Kind {
        Malformed,  // not HTTP/1.x as RFC 9112 frames it
        TooLarge,   // the body (or the head) is over its limit
        Truncated,  // the connection ended before the response did
    };
    HttpParseError(Kind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

/**
 * An incremental HTTP/1.1 response parser for a client: bytes go in as they arrive, split
 * anywhere, and the response comes out complete or not at all. Frames the body by
 * Content-Length, chunked transfer coding (extensions and trailers skipped) or the end of the
 * connection; skips interim 1xx responses; collects only the headers the caller named; refuses a
 * body over `maxBodyBytes` before storing it, so memory stays bounded by the limit. No sockets:
 * one parser per connection, reused for each response on it.
 */
class HttpResponseParser {
  public:
    /** Status line plus headers (and chunked trailers) together may not exceed this. */
    static constexpr size_t kMaxHeadBytes = 64 * 1024;

    explicit HttpResponseParser(size_t maxBodyBytes) : maxBodyBytes_(maxBodyBytes) {}

    /**
     * Begins a response, parsed into `out` (reset). `wanted` lists the header names to copy
     * into out.headers (compared case-insensitively); it must outlive the parse.
     */
    void start(HttpResponse& out, const std::vector<std::string>& wanted);
    void start(HttpResponse& out, const std::vector<std::string>&& wanted) = delete;  // kept

    /**
     * Consumes bytes of the response; returns how many belong to it: all of `size` unless the
     * response ended inside them. Throws HttpParseError (Malformed, TooLarge).
     */
    size_t feed(const char* data, size_t size);

    /**
     * The peer closed the connection: completes a body that runs until the close, throws
     * HttpParseError(Truncated) if the response was not complete.
     */
    void finish();

    bool complete() const { return state_ == State::Done; }
    /** Whether any byte of the response has arrived. */
    bool started() const { return started_; }
    /** Whether the connection can carry another request after this complete response. */
    bool keepAlive() const { return keepAlive_; }

  private:
    enum class State {
        StatusLine,
        Header,
        Body,        // Content-Length bytes
        ChunkSize,   // "1a;ext=x"
        ChunkData,   // chunk bytes
        ChunkEnd,    // the CRLF after a chunk
        Trailer,     // trailer lines up to the empty line
        UntilClose,  // no length: the body ends with the connection
        Done,
    };

    bool lineState() const;
    void onLine(std::string_view line);
    void onStatusLine(std::string_view line);
    void onHeader(std::string_view line);
    void onEndOfHead();
    void onChunkSize(std::string_view line);
    void countHeadBytes(size_t bytes);
    void appendBody(const char* data, size_t size);

    size_t maxBodyBytes_;
    HttpResponse* out_ = nullptr;
    const std::vector<std::string>* wanted_ = nullptr;
    State state_ = State::Done;
    std::string partialLine_;  // a line split across feeds; its capacity is reused
    size_t headBytes_ = 0;
    uint64_t remaining_ = 0;      // bytes left of the Content-Length body or of the chunk
    int64_t contentLength_ = -1;  // -1: none
    bool chunked_ = false;
    bool http10_ = false;
    bool closeRequested_ = false;      // Connection: close
    bool keepAliveRequested_ = false;  // Connection: keep-alive (HTTP/1.0)
    bool keepAlive_ = false;
    bool started_ = false;
    int lastCollected_ = -1;  // index in out.headers of the header an obs-fold line continues
};

}  // namespace wds
