// Keystone and Aetos over https, with certificates made by the test (openssl) and socat as the
// TLS front each has in a deployment (Apache/HAProxy): trusted CA, unknown CA, host-name
// mismatch, expired certificate, mutual TLS, and which CA file verifies Aetos.

#include "AetosPluginTest.h"
#include "servers/TestCertificates.h"
#include "servers/TlsFront.h"

namespace aetos_it {

using wds::testing::TlsFront;

struct TlsSetup {
    TlsSetup(int keystonePort, int aetosPort)
        : ca(dir.path(), "ca"),
          otherCa(dir.path(), "other-ca"),
          keystone(front("keystone", "server", keystonePort)),
          keystoneWrongName(front("keystone-wrong-name", "wrong-name", keystonePort)),
          keystoneExpired(front("keystone-expired", "expired", keystonePort)),
          aetos(front("aetos", "server", aetosPort)),
          aetosOtherCa(front("aetos-other-ca", "other-server", aetosPort)),
          aetosWrongName(front("aetos-wrong-name", "wrong-name", aetosPort)),
          aetosMutual(front("aetos-mutual", "server", aetosPort, ca.certFile())) {
        ca.issue("server", "IP:127.0.0.1");
        ca.issue("wrong-name", "DNS:other.example");
        ca.issueExpired("expired", "IP:127.0.0.1");
        ca.issue("client", "DNS:watcher-client", "clientAuth");
        otherCa.issue("other-server", "IP:127.0.0.1");
        for (TlsFront* f : {&keystone, &keystoneWrongName, &keystoneExpired, &aetos, &aetosOtherCa,
                            &aetosWrongName, &aetosMutual})
            f->start();
    }

    TlsFront front(const std::string& name, const std::string& leaf, int backendPort,
                   const std::string& clientCaFile = "") const {
        return TlsFront({name, dir.path(), dir.file(leaf + ".pem"), dir.file(leaf + ".key"),
                         clientCaFile, backendPort});
    }

    wds::testing::TempDir dir{"wds-it-aetos-tls-"};
    wds::testing::TestCa ca, otherCa;
    // Keystone's fronts; Aetos' ones relay to the proxy answering under /metric-storage.
    TlsFront keystone, keystoneWrongName, keystoneExpired;
    TlsFront aetos, aetosOtherCa, aetosWrongName, aetosMutual;
};

void AetosPluginTest::startTls() {
    tls_ = new TlsSetup(keystone_->port(), publicOne_->port());
}

void AetosPluginTest::stopTls() {
    delete tls_;
    tls_ = nullptr;
}

namespace {

/** Where a front to the proxy under /metric-storage answers, as the catalog lists it. */
std::string aetosUrl(const TlsFront& front) {
    return front.url("/metric-storage");
}

}  // namespace

TEST_F(AetosPluginTest, TlsKeystoneAndAetosEachVerifiedWithTheRightCa) {
    const CatalogForTest catalog(aetosUrl(tls_->aetos), aetosUrl(tls_->aetosOtherCa),
                                 aetosUrl(tls_->aetosWrongName));
    const Config https =
        with(watcherConfig(), {{"watcher_clients_auth.auth_url", tls_->keystone.url("/v3")},
                               {"watcher_clients_auth.cafile", tls_->ca.certFile()}});

    // No [aetos_client] TLS option: Aetos is verified with [watcher_clients_auth] cafile too.
    publicOne_->resetCounters();
    auto source = createOk(https);
    expectValue(hostCpu(source), expectedHostCpu(), "Keystone and Aetos over https");
    EXPECT_GE(publicOne_->forwardedCount(), 2u);  // through the TLS front to the proxy

    // [aetos_client] cafile, when set, is the one for Aetos (and only for Aetos).
    wds::Outcome outcome;
    create(with(https, {{"aetos_client.cafile", tls_->otherCa.certFile()}}), outcome);
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr(tls_->aetos.url()));
    EXPECT_THAT(outcome.message, HasSubstr("not signed by a trusted CA"));
    auto otherCa = createOk(with(https, {{"aetos_client.interface", "internal"},
                                         {"aetos_client.cafile", tls_->otherCa.certFile()}}));
    expectValue(hostCpu(otherCa), expectedHostCpu(), "Aetos with its own CA");

    // That Aetos certificate is not signed by the CA of [watcher_clients_auth].
    create(with(https, {{"aetos_client.interface", "internal"}}), outcome);
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr(tls_->aetosOtherCa.url()));
    EXPECT_THAT(outcome.message, HasSubstr("not signed by a trusted CA"));

    create(with(https, {{"aetos_client.region_name", "RegionTwo"}}), outcome);
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr(tls_->aetosWrongName.url()));
    EXPECT_THAT(outcome.message, HasSubstr("does not match host '127.0.0.1'"));
}

TEST_F(AetosPluginTest, TlsFailuresWithKeystoneSayWhatIsWrongAndWhere) {
    const auto keystoneAt = [](const TlsFront& front, const Config& extra) {
        return with(with(watcherConfig(), {{"watcher_clients_auth.auth_url", front.url("/v3")}}),
                    extra);
    };
    const Config ca = {{"watcher_clients_auth.cafile", tls_->ca.certFile()}};
    wds::Outcome outcome;

    create(keystoneAt(tls_->keystone, {}), outcome);  // the system CAs do not know the test CA
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr(tls_->keystone.url()));
    EXPECT_THAT(outcome.message, HasSubstr("not signed by a trusted CA"));

    create(keystoneAt(tls_->keystoneWrongName, ca), outcome);
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr(tls_->keystoneWrongName.url()));
    EXPECT_THAT(outcome.message, HasSubstr("does not match host '127.0.0.1'"));

    create(keystoneAt(tls_->keystoneExpired, ca), outcome);
    EXPECT_EQ(outcome.status, WDS_E_TLS) << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr(tls_->keystoneExpired.url()));
    EXPECT_THAT(outcome.message, HasSubstr("certificate has expired"));

    // insecure skips verification, for Keystone and (by the fallback) Aetos alike.
    const CatalogForTest catalog(aetosUrl(tls_->aetosWrongName), internalOne_->url(),
                                 publicTwo_->url());
    auto insecure =
        createOk(keystoneAt(tls_->keystoneExpired, {{"watcher_clients_auth.insecure", "true"}}));
    expectValue(hostCpu(insecure), expectedHostCpu(), "insecure");
}

TEST_F(AetosPluginTest, TlsMutualAuthWithAetosNeedsTheClientCertificate) {
    const CatalogForTest catalog(aetosUrl(tls_->aetosMutual), internalOne_->url(),
                                 publicTwo_->url());
    const std::string caFile = tls_->ca.certFile();
    const Config https =
        with(watcherConfig(), {{"watcher_clients_auth.auth_url", tls_->keystone.url("/v3")},
                               {"watcher_clients_auth.cafile", caFile}});
    const std::string cert = tls_->dir.file("client.pem");
    const std::string key = tls_->dir.file("client.key");

    auto own = createOk(with(https, {{"aetos_client.cafile", caFile},
                                     {"aetos_client.certfile", cert},
                                     {"aetos_client.keyfile", key}}));
    expectValue(hostCpu(own), expectedHostCpu(), "[aetos_client] certfile/keyfile");

    // Without [aetos_client] TLS options, Aetos gets [watcher_clients_auth]'s, client pair too.
    auto fallback = createOk(with(
        https, {{"watcher_clients_auth.certfile", cert}, {"watcher_clients_auth.keyfile", key}}));
    expectValue(hostCpu(fallback), expectedHostCpu(), "[watcher_clients_auth] certfile/keyfile");

    wds::Outcome outcome;
    create(with(https, {{"aetos_client.cafile", caFile}}), outcome);
    EXPECT_THAT(outcome.message, HasSubstr(tls_->aetosMutual.url()));
    // TLS 1.3 refuses a missing client certificate only after the handshake: usually as an
    // alert the plugin reads (WDS_E_TLS with a hint), but socat may reset the connection first,
    // discarding the alert, and then all the client can see is a reset.
    if (outcome.status == WDS_E_TLS) {
        EXPECT_THAT(outcome.message, HasSubstr("check certfile and keyfile"));
    } else {
        EXPECT_EQ(outcome.status, WDS_E_UNAVAILABLE) << outcome.message;
        EXPECT_THAT(outcome.message, HasSubstr("reset"));
    }
}

}  // namespace aetos_it
