// What the cookie-authenticated browser endpoints (the Privacy Center's session, the staff
// console's) share: reading a cookie, the origin of a URL, and the check that an unsafe request
// comes from the one site whose pages may send it.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "http/http_types.h"

namespace privacyd {

// "scheme://host[:port]" of a URL, lower-cased, without a default port; "" when it has none.
std::string OriginOfUrl(std::string_view url);

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(std::string_view cookie_header, std::string_view name);

// Ok unless the request says it comes from another site: `Sec-Fetch-Site: cross-site`, or an
// `Origin` header other than `allowed_origin`. Error: kPermissionDenied `cross_site_request`,
// whose message says the request must come from `pages` ("the Privacy Center's own pages") at
// `allowed_origin`.
Status CheckSameOrigin(const HttpRequest& request, const std::string& allowed_origin,
                       std::string_view pages);

// Ok when header `x-csrf-token` equals `expected` (compared in constant time). Error:
// kPermissionDenied `csrf_token_invalid` with `hint` as its message.
Status CheckCsrfToken(const HttpRequest& request, const std::string& expected,
                      const std::string& hint);

}  // namespace privacyd
