#include "http/web_pages.h"

#include <sodium.h>

#include <algorithm>

#include "http/accept_language.h"
#include "web/web_build.h"

namespace privacyd {
namespace {

std::string Csp(const std::string& script_src, const std::string& style_src) {
  return "default-src 'none'; script-src " + script_src + "; style-src " + style_src +
         "; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
         "base-uri 'none'";
}

// A CSP hash source for the stored text of asset `name`: 'sha256-<base64 of its SHA-256>'.
std::string HashSource(std::string_view name) {
  std::string_view url = WebAssetUrl(name);
  const size_t key = url.find("assets/");
  const WebAsset* asset = key == std::string_view::npos ? nullptr : FindWebAsset(url.substr(key));
  std::string text = asset == nullptr ? std::string() : InflateWebAsset(*asset);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char encoded[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(encoded, sizeof(encoded), digest, sizeof(digest),
                    sodium_base64_VARIANT_ORIGINAL);
  return "'sha256-" + std::string(encoded) + "'";
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const std::string& PageCsp(PageCode code) {
  static const std::string kOwn = Csp("'self'", "'self'");
  static const std::string kInline =
      Csp("'self' " + HashSource("app.js"), "'self' " + HashSource("app.css"));
  return code == PageCode::kPrivacyCenterInline ? kInline : kOwn;
}

void AddPageSecurityHeaders(HttpResponse& response, PageCode code) {
  response.headers.emplace_back("Content-Security-Policy", PageCsp(code));
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

bool AcceptsGzip(std::string_view accept_encoding) {
  std::string value = Lower(accept_encoding);
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t end = value.find(',', pos);
    if (end == std::string::npos) end = value.size();
    std::string item = value.substr(pos, end - pos);
    size_t semi = item.find(';');
    std::string coding = item.substr(0, semi);
    coding.erase(0, coding.find_first_not_of(" \t"));
    coding.erase(coding.find_last_not_of(" \t") + 1);
    if (coding == "gzip" || coding == "x-gzip") {
      if (semi == std::string::npos) return true;
      std::string params = item.substr(semi + 1);
      params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
      // q=0, q=0.0, q=0.00, q=0.000: refused.
      if (params.rfind("q=0", 0) == 0 && params.find_first_not_of("0.", 2) == std::string::npos) {
        return false;
      }
      return true;
    }
    pos = end + 1;
  }
  return false;
}

HttpResponse ServeWebFile(const HttpRequest& request, const WebAsset& asset, PageCode code) {
  bool gzip = AcceptsGzip(request.Header("accept-encoding"));
  // A strong validator names one representation: the compressed one gets its own.
  std::string etag = "\"" + std::string(asset.hash) + (gzip ? "-gz\"" : "\"");
  HttpResponse response;
  response.content_type = std::string(asset.content_type);
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Vary", "Accept-Encoding");
  response.headers.emplace_back(
      "Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  AddPageSecurityHeaders(response, code);
  std::string if_none_match = request.Header("if-none-match");
  if (!if_none_match.empty() &&
      (if_none_match.find(etag) != std::string::npos || if_none_match == "*")) {
    response.status = 304;
    return response;
  }
  if (gzip) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.body = std::string(asset.gzip);
  } else {
    response.body = InflateWebAsset(asset);
  }
  return response;
}

HttpResponse SeeOther(std::string location) {
  HttpResponse response;
  response.status = 303;
  response.content_type = "text/plain; charset=utf-8";
  response.headers.emplace_back("Location", std::move(location));
  response.headers.emplace_back("Vary", "Accept-Language");
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

bool IsWebLanguage(const std::string& lang) {
  const auto& languages = WebLanguages();
  return std::find(languages.begin(), languages.end(), lang) != languages.end();
}

std::string PreferredWebLanguage(const HttpRequest& request) {
  std::string lang = NegotiateLanguage(request.Header("accept-language"), WebLanguages());
  return lang.empty() ? WebLanguages().front() : lang;
}

}  // namespace privacyd
