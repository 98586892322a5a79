#include "http/browser_origin.h"

#include <sodium.h>

#include <cctype>

namespace privacyd {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string OriginOfUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return "";
  std::string scheme = Lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  std::string authority = Lower(rest.substr(0, rest.find_first_of("/?#")));
  if (authority.empty()) return "";
  if ((scheme == "http" && authority.size() > 3 &&
       authority.compare(authority.size() - 3, 3, ":80") == 0) ||
      (scheme == "https" && authority.size() > 4 &&
       authority.compare(authority.size() - 4, 4, ":443") == 0)) {
    authority.resize(authority.rfind(':'));
  }
  return scheme + "://" + authority;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view pair = header.substr(pos, end - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
    pos = end + 1;
  }
  return "";
}

Status CheckSameOrigin(const HttpRequest& request, const std::string& allowed_origin,
                       std::string_view pages) {
  std::string origin = request.Header("origin");
  if (Lower(request.Header("sec-fetch-site")) == "cross-site" ||
      (!origin.empty() && OriginOfUrl(origin) != allowed_origin)) {
    return Error(ErrorKind::kPermissionDenied, "cross_site_request",
                 "this request must come from " + std::string(pages) + " at " + allowed_origin);
  }
  return Ok();
}

Status CheckCsrfToken(const HttpRequest& request, const std::string& expected,
                      const std::string& hint) {
  std::string given = request.Header("x-csrf-token");
  if (given.size() != expected.size() ||
      sodium_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    return Error(ErrorKind::kPermissionDenied, "csrf_token_invalid", hint);
  }
  return Ok();
}

}  // namespace privacyd
