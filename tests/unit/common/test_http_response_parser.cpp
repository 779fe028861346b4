#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/HttpResponseParser.h"

namespace wds {
namespace {

using testing::HasSubstr;
using Kind = HttpParseError::Kind;

const std::vector<std::string> kNone;  // no response headers wanted

struct Parsed {
    HttpResponse response;
    bool complete = false;
    bool keepAlive = false;
    size_t consumed = 0;  // bytes of the input that belonged to the response
};

/**
 * Feeds `bytes` in pieces that end at the given offsets (and at the end), as reads from a
 * socket would deliver them; `closed` then reports the end of the connection.
 */
Parsed parse(const std::string& bytes, const std::vector<size_t>& cuts = {}, bool closed = false,
             size_t maxBody = 1 << 20, const std::vector<std::string>& wanted = {}) {
    HttpResponseParser parser(maxBody);
    Parsed parsed;
    parser.start(parsed.response, wanted);
    std::vector<size_t> ends = cuts;
    ends.push_back(bytes.size());
    size_t begin = 0;
    for (const size_t end : ends) {
        if (parser.complete())
            break;
        const size_t used = parser.feed(bytes.data() + begin, end - begin);
        parsed.consumed += used;
        begin = end;
    }
    if (closed)
        parser.finish();
    parsed.complete = parser.complete();
    parsed.keepAlive = parser.keepAlive();
    return parsed;
}

/** The parse error of `bytes` (fed whole, then the connection closed if `closed`). */
HttpParseError failure(const std::string& bytes, bool closed = false, size_t maxBody = 1 << 20) {
    try {
        parse(bytes, {}, closed, maxBody);
    } catch (const HttpParseError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for: " << bytes;
    return HttpParseError(Kind::Malformed, "none");
}

const std::string kSimple =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

TEST(HttpResponseParser, ContentLengthResponse) {
    const Parsed p = parse(kSimple);
    EXPECT_TRUE(p.complete);
    EXPECT_EQ(p.response.status, 200);
    EXPECT_EQ(p.response.body, "{\"ok\":true}");
    EXPECT_TRUE(p.keepAlive);
    EXPECT_EQ(p.consumed, kSimple.size());
    EXPECT_TRUE(p.response.headers.empty()) << "headers nobody asked for are not copied";
}

TEST(HttpResponseParser, StatusLineWithoutReasonOrWithSpacesInIt) {
    EXPECT_EQ(parse("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").response.status, 404);
    EXPECT_EQ(parse("HTTP/1.1 503 Service  Temporarily Unavailable\r\nContent-Length: 0\r\n\r\n")
                  .response.status,
              503);
}

TEST(HttpResponseParser, BareLineFeedsAreAccepted) {
    const Parsed p = parse("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi");
    EXPECT_TRUE(p.complete);
    EXPECT_EQ(p.response.body, "hi");
}

TEST(HttpResponseParser, BadStatusLinesAreMalformed) {
    for (const std::string line :
         {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK", "HTTP/1.1200 OK",
          "http/1.1 200 OK", "HTTP/x.1 200 OK", "SSH-2.0-OpenSSH_9.2", "HTTP/1.1  200 OK"}) {
        const HttpParseError e = failure(line + "\r\n\r\n");
        EXPECT_EQ(e.kind(), Kind::Malformed) << line;
        EXPECT_THAT(e.what(), HasSubstr("not an HTTP status line")) << line;
    }
    EXPECT_THAT(failure("HTTP/2.0 200 OK\r\n\r\n").what(), HasSubstr("unsupported HTTP version"));
}

TEST(HttpResponseParser, ANonHttpPeerFailsWithoutWaitingForALineEnd) {
    HttpResponseParser parser(100);
    HttpResponse response;
    parser.start(response, kNone);
    const std::string tlsAlert("\x15\x03\x01\x00\x02\x02\x46", 7);
    try {
        parser.feed(tlsAlert.data(), tlsAlert.size());
        FAIL() << "accepted a TLS alert as a status line";
    } catch (const HttpParseError& e) {
        EXPECT_EQ(e.kind(), Kind::Malformed);
        EXPECT_THAT(e.what(), HasSubstr("not an HTTP status line"));
    }
}

TEST(HttpResponseParser, HeaderNamesCompareCaseInsensitively) {
    const Parsed p = parse(
        "HTTP/1.1 201 Created\r\ncontent-LENGTH: 2\r\nx-subject-token:  gAAAAB-token \r\n"
        "CONNECTION: Keep-Alive\r\n\r\n{}",
        {}, false, 1 << 20, {"X-Subject-Token"});
    EXPECT_EQ(p.response.status, 201);
    EXPECT_EQ(p.response.body, "{}");
    EXPECT_EQ(p.response.header("X-Subject-Token"), "gAAAAB-token");
    EXPECT_EQ(p.response.header("x-subject-token"), "gAAAAB-token");
    ASSERT_EQ(p.response.headers.size(), 1u);
    EXPECT_EQ(p.response.headers[0].first, "X-Subject-Token");
}

TEST(HttpResponseParser, ObsoleteLineFoldingContinuesTheValue) {
    const Parsed p =
        parse("HTTP/1.1 200 OK\r\nX-Note: first\r\n  second\r\nContent-Length: 0\r\n\r\n", {},
              false, 1 << 20, {"X-Note"});
    EXPECT_EQ(p.response.header("X-Note"), "first second");
}

TEST(HttpResponseParser, MalformedHeaderLines) {
    EXPECT_THAT(failure("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n").what(),
                HasSubstr("without a name"));
    EXPECT_THAT(failure("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n").what(),
                HasSubstr("without a name"));
    EXPECT_THAT(failure("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello").what(),
                HasSubstr("whitespace before the colon"));
}

TEST(HttpResponseParser, InvalidOrConflictingContentLength) {
    for (const char* value : {"abc", "-1", "1 2", "", "0x10", "99999999999999999999"}) {
        const HttpParseError e =
            failure("HTTP/1.1 200 OK\r\nContent-Length: " + std::string(value) + "\r\n\r\n");
        EXPECT_EQ(e.kind(), Kind::Malformed) << value;
        EXPECT_THAT(e.what(), HasSubstr("invalid Content-Length")) << value;
    }
    EXPECT_THAT(
        failure("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc").what(),
        HasSubstr("two different Content-Length"));
    EXPECT_EQ(
        parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab").response.body,
        "ab");
}

const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;name=value;other=\"quoted\"\r\nhello\r\n"
    "A \r\n, chunked!\r\n"
    "0;last\r\nX-Trailer: ignored\r\nX-Other: too\r\n\r\n";

TEST(HttpResponseParser, ChunkedWithExtensionsAndTrailers) {
    const Parsed p = parse(kChunked);
    EXPECT_TRUE(p.complete);
    EXPECT_EQ(p.response.body, "hello, chunked!");
    EXPECT_TRUE(p.keepAlive);
    EXPECT_EQ(p.consumed, kChunked.size());
}

TEST(HttpResponseParser, ChunkedFramingErrors) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    EXPECT_THAT(failure(head + "zz\r\n").what(), HasSubstr("invalid chunk-size line"));
    EXPECT_THAT(failure(head + "5 x\r\nhello\r\n").what(), HasSubstr("invalid chunk-size line"));
    EXPECT_THAT(failure(head + "5\r\nhelloXX\r\n").what(), HasSubstr("not followed by CRLF"));
    EXPECT_THAT(failure(head + "11111111111111111\r\n").what(), HasSubstr("16 hex digits"));
    EXPECT_THAT(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").what(),
                HasSubstr("unsupported Transfer-Encoding 'gzip'"));
}

TEST(HttpResponseParser, ChunkedWinsOverContentLengthButTheConnectionIsNotReused) {
    const Parsed p = parse(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\nok\r\n0\r\n\r\n");
    EXPECT_TRUE(p.complete);
    EXPECT_EQ(p.response.body, "ok");
    EXPECT_FALSE(p.keepAlive);
}

const std::string kInterim =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 103 Early Hints\r\nX-Token: early\r\nLink: </a>; rel=preload\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Token: final\r\n\r\ndone";

TEST(HttpResponseParser, InterimResponsesAreSkipped) {
    const Parsed p = parse(kInterim, {}, false, 1 << 20, {"X-Token"});
    EXPECT_EQ(p.response.status, 200);
    EXPECT_EQ(p.response.body, "done");
    ASSERT_EQ(p.response.headers.size(), 1u);
    EXPECT_EQ(p.response.header("X-Token"), "final");
}

TEST(HttpResponseParser, SwitchingProtocolsIsMalformed) {
    EXPECT_THAT(failure("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n").what(),
                HasSubstr("101"));
}

TEST(HttpResponseParser, EveryFramingSurvivesASplitAtEveryByte) {
    const std::string closeDelimited = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the close";
    struct Case {
        std::string bytes;
        std::string body;
        bool closed;
    };
    for (const Case& c :
         {Case{kSimple, "{\"ok\":true}", false}, Case{kChunked, "hello, chunked!", false},
          Case{kInterim, "done", false}, Case{closeDelimited, "until the close", true}}) {
        const Parsed whole = parse(c.bytes, {}, c.closed, 1 << 20, {"X-Token"});
        ASSERT_EQ(whole.response.body, c.body);
        for (size_t cut = 1; cut < c.bytes.size(); ++cut) {
            const Parsed p = parse(c.bytes, {cut}, c.closed, 1 << 20, {"X-Token"});
            ASSERT_TRUE(p.complete) << "cut at " << cut;
            ASSERT_EQ(p.response.body, c.body) << "cut at " << cut;
            ASSERT_EQ(p.response.status, whole.response.status) << "cut at " << cut;
            ASSERT_EQ(p.response.headers, whole.response.headers) << "cut at " << cut;
            ASSERT_EQ(p.keepAlive, whole.keepAlive) << "cut at " << cut;
        }
        std::vector<size_t> everyByte;
        for (size_t i = 1; i < c.bytes.size(); ++i)
            everyByte.push_back(i);
        const Parsed bytewise = parse(c.bytes, everyByte, c.closed, 1 << 20, {"X-Token"});
        EXPECT_EQ(bytewise.response.body, c.body);
        EXPECT_EQ(bytewise.response.headers, whole.response.headers);
    }
}

TEST(HttpResponseParser, HttpOneZeroBodyRunsUntilTheClose) {
    const std::string bytes = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2";
    HttpResponseParser parser(1000);
    HttpResponse response;
    parser.start(response, kNone);
    EXPECT_EQ(parser.feed(bytes.data(), bytes.size()), bytes.size());
    EXPECT_FALSE(parser.complete()) << "the body can only end with the connection";
    parser.finish();
    EXPECT_TRUE(parser.complete());
    EXPECT_EQ(response.body, "line 1\r\nline 2");
    EXPECT_FALSE(parser.keepAlive());
}

TEST(HttpResponseParser, KeepAliveFollowsVersionAndConnectionHeader) {
    EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive);
    EXPECT_TRUE(
        parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keepAlive);
    EXPECT_FALSE(
        parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive);
    EXPECT_FALSE(parse("HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n")
                     .keepAlive);
}

TEST(HttpResponseParser, NoContentAndNotModifiedHaveNoBody) {
    for (const char* status : {"204 No Content", "304 Not Modified"}) {
        const Parsed p =
            parse("HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 10\r\n\r\n");
        EXPECT_TRUE(p.complete) << status;
        EXPECT_TRUE(p.response.body.empty());
        EXPECT_TRUE(p.keepAlive);
    }
}

TEST(HttpResponseParser, BytesAfterTheResponseAreNotConsumed) {
    const Parsed p = parse(kSimple + "HTTP/1.1 200 OK\r\n");
    EXPECT_TRUE(p.complete);
    EXPECT_EQ(p.consumed, kSimple.size());
}

TEST(HttpResponseParser, BodyOverTheCapIsRefusedWithoutStoringIt) {
    // By Content-Length: refused at the end of the head, before any body byte is stored.
    const HttpParseError byLength =
        failure("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", false, 100);
    EXPECT_EQ(byLength.kind(), Kind::TooLarge);
    EXPECT_THAT(byLength.what(), HasSubstr("101 bytes"));
    EXPECT_THAT(byLength.what(), HasSubstr("limit of 100 bytes"));
    EXPECT_TRUE(parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'), {},
                      false, 100)
                    .complete);

    // Chunked: refused at the chunk size that would pass the cap.
    const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n" +
                                std::string(50, 'a') + "\r\n33\r\n";
    const HttpParseError byChunk = failure(chunked, false, 100);
    EXPECT_EQ(byChunk.kind(), Kind::TooLarge);
    EXPECT_THAT(byChunk.what(), HasSubstr("limit of 100 bytes"));

    // Until the close: refused as the bytes arrive, the body never holds more than the cap.
    HttpResponseParser parser(100);
    HttpResponse response;
    parser.start(response, kNone);
    const std::string head = "HTTP/1.1 200 OK\r\n\r\n";
    parser.feed(head.data(), head.size());
    const std::string piece(60, 'z');
    parser.feed(piece.data(), piece.size());
    EXPECT_THROW(parser.feed(piece.data(), piece.size()), HttpParseError);
    EXPECT_LE(response.body.size(), 100u);
}

TEST(HttpResponseParser, HeadOverItsLimitIsRefused) {
    const std::string big =
        "HTTP/1.1 200 OK\r\nX-Big: " + std::string(HttpResponseParser::kMaxHeadBytes, 'b') +
        "\r\n\r\n";
    const HttpParseError e = failure(big);
    EXPECT_EQ(e.kind(), Kind::TooLarge);
    EXPECT_THAT(e.what(), HasSubstr("its head exceeds the limit of 65536 bytes"));
}

TEST(HttpResponseParser, ACloseBeforeTheEndIsTruncationNeverAPartialBody) {
    const HttpParseError noAnswer = failure("", true);
    EXPECT_EQ(noAnswer.kind(), Kind::Truncated);
    EXPECT_THAT(noAnswer.what(), HasSubstr("without an answer"));

    EXPECT_THAT(failure("HTTP/1.1 200", true).what(), HasSubstr("middle of the status line"));
    EXPECT_THAT(failure("HTTP/1.1 200 OK\r\nContent-Le", true).what(),
                HasSubstr("middle of the response headers"));

    const HttpParseError body = failure("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true);
    EXPECT_EQ(body.kind(), Kind::Truncated);
    EXPECT_THAT(body.what(), HasSubstr("after 3 of 10 body bytes"));

    for (const std::string cut : {"5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n",
                                  "5\r\nhello\r\n0\r\nX-T: 1\r\n"}) {
        const HttpParseError chunked =
            failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + cut, true);
        EXPECT_EQ(chunked.kind(), Kind::Truncated) << cut;
        EXPECT_THAT(chunked.what(), HasSubstr("middle of the chunked body")) << cut;
    }
}

TEST(HttpResponseParser, OneParserServesConsecutiveResponses) {
    HttpResponseParser parser(1000);
    const std::vector<std::string> wanted{"X-Token"};
    HttpResponse first;
    parser.start(first, wanted);
    const std::string one =
        "HTTP/1.1 200 OK\r\nX-Token: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab";
    parser.feed(one.data(), one.size());  // left in the middle of a chunk
    HttpResponse second;
    parser.start(second, wanted);
    EXPECT_FALSE(parser.started());
    const std::string two = "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx";
    EXPECT_EQ(parser.feed(two.data(), two.size()), two.size());
    EXPECT_TRUE(parser.started());
    EXPECT_TRUE(parser.complete());
    EXPECT_EQ(second.status, 404);
    EXPECT_EQ(second.body, "x");
    EXPECT_TRUE(second.headers.empty());
}

}  // namespace
}  // namespace wds
