// Secret detection and masking.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "watcher_ds/host/PluginLibrary.h"
#include "watcher_ds/host/Secrets.h"
#include "watcher_ds/host/WatcherConf.h"

namespace wds::host {
namespace {

std::shared_ptr<const PluginLibrary> fakePlugin() {
    std::string error;
    auto library = PluginLibrary::open(test::kPluginDir + "/libfake_ds.so", "fake", error);
    if (!library)
        ADD_FAILURE() << error;
    return library;
}

TEST(Secrets, KeysNamedLikeSecretsAreSecret) {
    for (const char* key : {"prometheus_client.password", "watcher_clients_auth.PASSWORD",
                            "x.application_credential_secret", "x.auth_token", "x.TokenFile"}) {
        EXPECT_TRUE(isSecretKeyName(key)) << key;
        EXPECT_TRUE(isSecretKey(key, nullptr)) << key;
    }
    for (const char* key : {"prometheus_client.username", "prometheus_client.host", "x.pass"}) {
        EXPECT_FALSE(isSecretKeyName(key)) << key;
    }
}

TEST(Secrets, KeysThePluginFlagsAreSecret) {
    const auto plugin = fakePlugin();
    ASSERT_TRUE(plugin);
    EXPECT_FALSE(isSecretKeyName("fake_client.api_key"));
    EXPECT_TRUE(isSecretKey("fake_client.api_key", plugin.get()));
    EXPECT_FALSE(isSecretKey("fake_client.value", plugin.get()));
    EXPECT_FALSE(isSecretKey("fake_client.api_key", nullptr));
}

TEST(Secrets, DisplayValueMasksNonEmptySecretsOnly) {
    EXPECT_EQ(displayValue("s.password", "hunter2", nullptr), "***");
    EXPECT_EQ(displayValue("s.password", "", nullptr), "");
    EXPECT_EQ(displayValue("s.username", "admin", nullptr), "admin");
}

TEST(SecretMasker, CollectsSecretValuesFromEverySection) {
    const auto layer = WatcherConf::parseString(
                           "[prometheus_client]\npassword = prom-pass\nhost = h\n"
                           "[watcher_clients_auth]\npassword = ks-pass\n"
                           "[watcher_strategies.basic]\nauth_token = strategy-token\n",
                           "t.conf")
                           .toConfiguration();
    SecretMasker masker;
    masker.addFromConfiguration(*layer);
    EXPECT_EQ(masker.mask("prom-pass, ks-pass and strategy-token on host h"),
              "***, *** and *** on host h");
}

TEST(SecretMasker, CollectsValuesOfFlaggedKeys) {
    const auto plugin = fakePlugin();
    ASSERT_TRUE(plugin);
    const auto layer =
        WatcherConf::parseString("[fake_client]\napi_key = flagged-value\nvalue = 12345\n", "t")
            .toConfiguration();
    SecretMasker masker;
    masker.addPluginSecrets(*layer, *plugin);
    EXPECT_EQ(masker.mask("key flagged-value value 12345"), "key *** value 12345");
}

TEST(SecretMasker, MasksEveryOccurrenceLongestFirst) {
    SecretMasker masker;
    masker.addValue("secret");
    masker.addValue("secret-and-more");
    EXPECT_EQ(masker.mask("secret-and-more secret secret"), "*** *** ***");
}

TEST(SecretMasker, LeavesVeryShortValuesInFreeText) {
    SecretMasker masker;
    masker.addValue("10");
    EXPECT_EQ(masker.mask("retry 10 of 10"), "retry 10 of 10");
}

}  // namespace
}  // namespace wds::host
