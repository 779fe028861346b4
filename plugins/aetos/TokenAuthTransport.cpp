#include "TokenAuthTransport.h"

namespace wds::aetos {

HttpResponse TokenAuthTransport::send(const HttpRequest& request) {
    HttpRequest authenticated = request;
    std::string token = tokens_->token();
    authenticated.headers.emplace_back("X-Auth-Token", token);
    HttpResponse response = inner_->send(authenticated);
    if (response.status != 401)
        return response;

    authenticated.headers.back().second = tokens_->renewAfterRejection(token);
    return inner_->send(authenticated);
}

}  // namespace wds::aetos
