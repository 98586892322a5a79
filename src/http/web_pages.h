// Serving the pages and assets compiled into privacyd (web/web_assets.h) for both sites, the
// Privacy Center under /privacy and the staff console under /console: the same headers,
// compression, validators and language redirects for each.
#pragma once

#include <string>
#include <string_view>

#include "http/http_types.h"
#include "web/web_assets.h"

namespace privacyd {

// Which scripts and stylesheets a page's Content-Security-Policy allows.
enum class PageCode {
  // Its own files only ('self'): the console, the assets, the mail-link pages.
  kOwnFiles,
  // Also, inline, exactly the Privacy Center's stylesheet and script (web/assets/app.css and
  // app.js, which its pages carry inline so that a page is one round trip), allowed by the
  // SHA-256 of their bytes: no other inline code runs.
  kPrivacyCenterInline,
};

// The Content-Security-Policy for `code`: default-src 'none', scripts and stylesheets as above,
// no framing, forms and connections to this origin only.
const std::string& PageCsp(PageCode code);

// Headers every page and asset carries: the strict Content-Security-Policy, Referrer-Policy
// no-referrer, X-Frame-Options DENY and Cross-Origin-Opener-Policy same-origin.
void AddPageSecurityHeaders(HttpResponse& response, PageCode code = PageCode::kOwnFiles);

// True when an Accept-Encoding value accepts gzip (not with q=0).
bool AcceptsGzip(std::string_view accept_encoding);

// A stored file: gzip-compressed when the request takes it, inflated otherwise; a strong ETag
// per representation (304 on If-None-Match); Cache-Control immutable for hashed assets and
// no-cache for pages; the security headers.
HttpResponse ServeWebFile(const HttpRequest& request, const WebAsset& asset,
                          PageCode code = PageCode::kOwnFiles);

// 303 See Other to `location`, varying on Accept-Language and never cached.
HttpResponse SeeOther(std::string location);

// True for a language every page exists in (web/web_build.h WebLanguages()).
bool IsWebLanguage(const std::string& lang);

// The language the request's Accept-Language prefers among the pages' languages, else the first.
std::string PreferredWebLanguage(const HttpRequest& request);

}  // namespace privacyd
