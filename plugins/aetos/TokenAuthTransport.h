#pragma once

#include <memory>

#include "http/HttpTransport.h"
#include "keystone/TokenCache.h"
#include "logging/Logger.h"

namespace wds::aetos {

/**
 * Adds X-Auth-Token to every request to the Aetos endpoint (and nowhere else). A 401 renews the
 * token once and retries the request once; a second 401 goes back to the caller.
 */
class TokenAuthTransport : public HttpTransport {
  public:
    TokenAuthTransport(std::shared_ptr<HttpTransport> inner, std::shared_ptr<TokenCache> tokens)
        : inner_(std::move(inner)), tokens_(std::move(tokens)) {}

    HttpResponse send(const HttpRequest& request) override;
    std::string baseUrl() const override { return inner_->baseUrl(); }

  private:
    std::shared_ptr<HttpTransport> inner_;
    std::shared_ptr<TokenCache> tokens_;
};

}  // namespace wds::aetos
