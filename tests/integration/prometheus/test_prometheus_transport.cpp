#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "servers/ChildProcess.h"
#include "servers/Http.h"
#include "servers/TempDir.h"
#include "servers/TestCertificates.h"
#include "watcher_ds/datasource.hpp"

namespace {

using testing::HasSubstr;
using Config = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kUser = "watcher";
constexpr const char* kPassword = "t3st-basic-pw";
// bcrypt of kPassword (cost 4: fast, and this is a test credential).
constexpr const char* kPasswordHash =
    "$2b$04$HwhUuLtZGju3sPlE4Jd56eBZtGQ0RbohHW4agK4hpVClawONay/Ri";

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

/** A Prometheus serving https with the given web config, on a free port. */
struct TlsPrometheus {
    wds::testing::ChildProcess process;
    int port = 0;

    void start(const std::string& dir, const std::string& name, const std::string& webConfig,
               const std::string& host = "127.0.0.1") {
        writeFile(dir + "/" + name + "-web.yml", webConfig);
        writeFile(dir + "/" + name + ".yml", "global: {scrape_interval: 15s}\n");
        port = wds::testing::freeLoopbackPort();  // free on 127.0.0.1; very likely on ::1 too
        const std::string listen = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        process.start(
            {wds::testing::findExecutable("prometheus", "WDS_PROMETHEUS"),
             "--config.file=" + dir + "/" + name + ".yml",
             "--web.config.file=" + dir + "/" + name + "-web.yml",
             "--storage.tsdb.path=" + dir + "/" + name + "-data",
             "--web.listen-address=" + listen + ":" + std::to_string(port), "--log.level=warn"},
            dir + "/" + name + ".log");
        // Ready once the socket accepts connections: readiness over https and IPv6 is what
        // the tests themselves check, through the code under test.
        for (int i = 0; i < 100 && process.running(); ++i) {
            if (wds::testing::acceptsConnections(host, port))
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        FAIL() << "prometheus " << name << " did not start: " << process.logTail();
    }
};

class PrometheusTransportTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = new wds::testing::TempDir("wds-it-transport-");
        const std::string d = dir_->path();
        const wds::testing::TestCa ca(d, "ca");
        ca.issue("server", "IP:127.0.0.1");
        ca.issue("other", "DNS:other.example");
        ca.issue("client", "DNS:watcher-client", "clientAuth");
        ca.issueExpired("expired", "IP:127.0.0.1");

        const std::string tls = "tls_server_config:\n  cert_file: " + d +
                                "/server.pem\n  key_file: " + d + "/server.key\n";
        https_.start(d, "https",
                     tls + "basic_auth_users:\n  " + kUser + ": '" + kPasswordHash + "'\n");
        mtls_.start(d, "mtls",
                    tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " + d +
                        "/ca.pem\n");
        ipv6Available_ = loopbackV6Works();
        if (ipv6Available_)
            ipv6_.start(d, "ipv6", "{}\n", "::1");
        wrongName_.start(d, "wrong-name",
                         "tls_server_config:\n  cert_file: " + d + "/other.pem\n  key_file: " + d +
                             "/other.key\n");
        expired_.start(d, "expired",
                       "tls_server_config:\n  cert_file: " + d + "/expired.pem\n  key_file: " + d +
                           "/expired.key\n");

        library_ = dlopen(WDS_PROMETHEUS_PLUGIN, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(library_, nullptr) << dlerror();
        plugin_ = reinterpret_cast<wds_plugin_entry_v1_fn>(
            dlsym(library_, WDS_PLUGIN_ENTRY_V1_SYMBOL))(nullptr);
        ASSERT_NE(plugin_, nullptr);
    }
    static void TearDownTestSuite() {
        https_.process.stop();
        mtls_.process.stop();
        wrongName_.process.stop();
        expired_.process.stop();
        ipv6_.process.stop();
        delete dir_;
    }

    static Config config(const TlsPrometheus& server, Config extra) {
        Config c = {{"prometheus_client.host", "127.0.0.1"},
                    {"prometheus_client.port", std::to_string(server.port)},
                    {"watcher_datasources.query_max_retries", "1"},
                    {"prometheus_client.timeout", "5"}};
        c.insert(c.end(), extra.begin(), extra.end());
        return c;
    }
    static std::string file(const char* name) { return dir_->path() + "/" + name; }

    static wds::Outcome createAndCheck(const Config& c) {
        wds::Outcome outcome;
        wds::Source source = wds::Source::create(*plugin_, c, {}, outcome);
        if (outcome.ok())
            outcome = source.checkAvailability();
        return outcome;
    }

    static inline wds::testing::TempDir* dir_ = nullptr;
    static bool loopbackV6Works() {
        const int fd = socket(AF_INET6, SOCK_STREAM, 0);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        if (fd >= 0)
            close(fd);
        return ok;
    }

    static inline TlsPrometheus https_, mtls_, wrongName_, expired_, ipv6_;
    static inline bool ipv6Available_ = false;
    static inline void* library_ = nullptr;
    static inline const wds_plugin_v1* plugin_ = nullptr;
};

TEST_F(PrometheusTransportTest, TrustedCaAndBasicAuthWork) {
    auto outcome = createAndCheck(config(https_, {{"prometheus_client.cafile", file("ca.pem")},
                                                  {"prometheus_client.username", kUser},
                                                  {"prometheus_client.password", kPassword}}));
    EXPECT_TRUE(outcome.ok()) << outcome.message;
}

TEST_F(PrometheusTransportTest, WrongPasswordIsAnAuthFailureWithoutTheSecret) {
    auto outcome = createAndCheck(config(https_, {{"prometheus_client.cafile", file("ca.pem")},
                                                  {"prometheus_client.username", kUser},
                                                  {"prometheus_client.password", "wrong-pw-X"}}));
    EXPECT_EQ(outcome.status, WDS_E_AUTH);
    EXPECT_EQ(outcome.httpStatus, 401);
    EXPECT_THAT(outcome.message, testing::Not(HasSubstr("wrong-pw-X")));
}

TEST_F(PrometheusTransportTest, UnknownCaFailsWithATlsError) {
    // No cafile but https: the system CAs do not know the test CA.
    auto outcome = createAndCheck(config(https_, {{"prometheus_client.scheme", "https"}}));
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr("not signed by a trusted CA"));
}

TEST_F(PrometheusTransportTest, HostNameMismatchFailsWithATlsError) {
    auto outcome =
        createAndCheck(config(wrongName_, {{"prometheus_client.cafile", file("ca.pem")}}));
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr("does not match host '127.0.0.1'"));
}

TEST_F(PrometheusTransportTest, AnExpiredServerCertificateFailsWithATlsError) {
    auto outcome = createAndCheck(config(expired_, {{"prometheus_client.cafile", file("ca.pem")}}));
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr("expired"));
    EXPECT_THAT(outcome.message, testing::Not(HasSubstr("not signed by a trusted CA")));
}

TEST_F(PrometheusTransportTest, InsecureSkipsVerificationOnlyWhenAskedTo) {
    auto outcome = createAndCheck(config(wrongName_, {{"prometheus_client.scheme", "https"},
                                                      {"prometheus_client.insecure", "true"}}));
    EXPECT_TRUE(outcome.ok()) << outcome.message;
}

TEST_F(PrometheusTransportTest, MutualTlsNeedsTheClientCertificate) {
    auto with = createAndCheck(config(mtls_, {{"prometheus_client.cafile", file("ca.pem")},
                                              {"prometheus_client.certfile", file("client.pem")},
                                              {"prometheus_client.keyfile", file("client.key")}}));
    EXPECT_TRUE(with.ok()) << with.message;
    auto without = createAndCheck(config(mtls_, {{"prometheus_client.cafile", file("ca.pem")}}));
    // TLS 1.3: the server's refusal comes as an alert after the handshake, not as a lost
    // connection (which would be retried).
    EXPECT_EQ(without.status, WDS_E_TLS) << without.message;
    EXPECT_THAT(without.message, HasSubstr("check certfile and keyfile"));
}

TEST_F(PrometheusTransportTest, Ipv6LiteralHostWithAndWithoutBrackets) {
    if (!ipv6Available_)
        GTEST_SKIP() << "no IPv6 loopback on this machine";
    for (const char* host : {"::1", "[::1]"}) {
        Config c = config(ipv6_, {});
        c[0].second = host;
        auto outcome = createAndCheck(c);
        EXPECT_TRUE(outcome.ok()) << host << ": " << outcome.message;
    }
}

TEST_F(PrometheusTransportTest, PlainHttpToAnHttpsServerIsAClearFailure) {
    auto outcome = createAndCheck(config(https_, {}));
    EXPECT_NE(outcome.status, WDS_OK);
    EXPECT_THAT(outcome.message, HasSubstr("127.0.0.1"));
}

}  // namespace
