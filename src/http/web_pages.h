// Serving the pages and assets compiled into privacyd (web/web_assets.h) for both sites, the
// Privacy Center under /privacy and the staff console under /console: the same headers,
// compression, validators and language redirects for each.
#pragma once

#include <string>
#include <string_view>

#include "http/http_types.h"
#include "web/web_assets.h"

namespace privacyd {

// Headers every page and asset carries: the strict Content-Security-Policy (own script and
// stylesheet only, no inline code, no framing), Referrer-Policy no-referrer, X-Frame-Options
// DENY and Cross-Origin-Opener-Policy same-origin.
void AddPageSecurityHeaders(HttpResponse& response);

// True when an Accept-Encoding value accepts gzip (not with q=0).
bool AcceptsGzip(std::string_view accept_encoding);

// A stored file: gzip-compressed when the request takes it, inflated otherwise; a strong ETag
// per representation (304 on If-None-Match); Cache-Control immutable for hashed assets and
// no-cache for pages; the security headers.
HttpResponse ServeWebFile(const HttpRequest& request, const WebAsset& asset);

// 303 See Other to `location`, varying on Accept-Language and never cached.
HttpResponse SeeOther(std::string location);

// True for a language every page exists in (web/web_build.h WebLanguages()).
bool IsWebLanguage(const std::string& lang);

// The language the request's Accept-Language prefers among the pages' languages, else the first.
std::string PreferredWebLanguage(const HttpRequest& request);

}  // namespace privacyd
