#include "keystone/KeystoneCredentials.h"

#include <sstream>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "errors/DatasourceError.h"

namespace wds::aetos {
namespace {

using Poco::JSON::Object;

[[noreturn]] void configError(const std::string& message) {
    throw DatasourceError(WDS_E_CONFIG, message);
}

/** {"id": id} or {"name": name, "domain": {...}}, as Keystone wants a user or project. */
Object::Ptr namedEntity(const std::string& id, const std::string& name, const std::string& domainId,
                        const std::string& domainName) {
    Object::Ptr entity = new Object;
    if (!id.empty()) {
        entity->set("id", id);
        return entity;
    }
    entity->set("name", name);
    Object::Ptr domain = new Object;
    if (!domainId.empty()) {
        domain->set("id", domainId);
    } else if (!domainName.empty()) {
        domain->set("name", domainName);
    } else {
        domain->set("id", "default");  // keystoneauth's behaviour in a default deployment
    }
    entity->set("domain", domain);
    return entity;
}

}  // namespace

KeystoneCredentials KeystoneCredentials::fromConfig(const ConfigMap& config,
                                                    const std::string& section) {
    auto get = [&](const char* option) { return config.getString(section + "." + option); };
    KeystoneCredentials c;
    const std::string authType = get("auth_type");
    if (authType.empty()) {
        configError(section + ".auth_type must be set (password or v3applicationcredential)");
    }
    if (authType == "password" || authType == "v3password") {
        c.method = Method::Password;
    } else if (authType == "v3applicationcredential") {
        c.method = Method::ApplicationCredential;
    } else {
        configError("invalid value '" + authType + "' for " + section +
                    ".auth_type: expected password or v3applicationcredential");
    }
    c.username = get("username");
    c.userId = get("user_id");
    c.password = get("password");
    c.userDomainName = get("user_domain_name");
    c.userDomainId = get("user_domain_id");
    c.projectName = get("project_name");
    c.projectId = get("project_id");
    c.projectDomainName = get("project_domain_name");
    c.projectDomainId = get("project_domain_id");
    c.applicationCredentialId = get("application_credential_id");
    c.applicationCredentialName = get("application_credential_name");
    c.applicationCredentialSecret = get("application_credential_secret");

    if (c.method == Method::Password) {
        if (c.username.empty() && c.userId.empty()) {
            configError(section + ".username or " + section + ".user_id must be set");
        }
        if (c.password.empty())
            configError(section + ".password must be set");
        if (c.projectName.empty() && c.projectId.empty()) {
            // Aetos needs a project-scoped token (roles are per project).
            configError(section + ".project_name or " + section + ".project_id must be set");
        }
    } else {
        if (c.applicationCredentialSecret.empty()) {
            configError(section + ".application_credential_secret must be set");
        }
        if (c.applicationCredentialId.empty()) {
            if (c.applicationCredentialName.empty()) {
                configError(section + ".application_credential_id or " + section +
                            ".application_credential_name must be set");
            }
            if (c.username.empty() && c.userId.empty()) {
                configError("an application credential given by name needs " + section +
                            ".username or " + section + ".user_id");
            }
        }
    }
    return c;
}

std::string KeystoneCredentials::tokenRequestBody() const {
    Object::Ptr identity = new Object;
    Object::Ptr auth = new Object;
    Poco::JSON::Array::Ptr methods = new Poco::JSON::Array;
    if (method == Method::Password) {
        methods->add("password");
        Object::Ptr user = namedEntity(userId, username, userDomainId, userDomainName);
        user->set("password", password);
        Object::Ptr passwordMethod = new Object;
        passwordMethod->set("user", user);
        identity->set("password", passwordMethod);
        Object::Ptr scope = new Object;
        scope->set("project",
                   namedEntity(projectId, projectName, projectDomainId, projectDomainName));
        auth->set("scope", scope);
    } else {
        methods->add("application_credential");
        Object::Ptr credential = new Object;
        if (!applicationCredentialId.empty()) {
            credential->set("id", applicationCredentialId);
        } else {
            credential->set("name", applicationCredentialName);
            credential->set("user", namedEntity(userId, username, userDomainId, userDomainName));
        }
        credential->set("secret", applicationCredentialSecret);
        identity->set("application_credential", credential);
    }
    identity->set("methods", methods);
    auth->set("identity", identity);
    Object root;
    root.set("auth", auth);
    std::ostringstream out;
    root.stringify(out);
    return out.str();
}

std::string KeystoneCredentials::describe() const {
    if (method == Method::ApplicationCredential) {
        return "application credential " + (applicationCredentialId.empty()
                                                ? "'" + applicationCredentialName + "'"
                                                : applicationCredentialId);
    }
    std::string who = "user " + (userId.empty() ? "'" + username + "'" : userId);
    return who + " in project " + (projectId.empty() ? "'" + projectName + "'" : projectId);
}

}  // namespace wds::aetos
