#pragma once

#include <string>

#include "config/ConfigMap.h"

namespace wds::aetos {

/**
 * Watcher's own Keystone v3 credentials, from keystoneauth's option names in
 * [watcher_clients_auth]: auth_type "password" (user + project scope) or
 * "v3applicationcredential" (already scoped by the credential).
 */
struct KeystoneCredentials {
    enum class Method { Password, ApplicationCredential };

    Method method = Method::Password;
    std::string username, userId, password, userDomainName, userDomainId;
    std::string projectName, projectId, projectDomainName, projectDomainId;
    std::string applicationCredentialId, applicationCredentialName, applicationCredentialSecret;

    /** Reads and validates `section`; every problem is a WDS_E_CONFIG naming the key. */
    static KeystoneCredentials fromConfig(const ConfigMap& config, const std::string& section);

    /** The JSON body of POST /v3/auth/tokens. Contains secrets: never log it. */
    std::string tokenRequestBody() const;

    /** Who authenticates, for messages: names and ids only, never secrets. */
    std::string describe() const;
};

}  // namespace wds::aetos
