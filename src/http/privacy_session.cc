#include "http/privacy_session.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

namespace privacyd {
namespace {

using nlohmann::json;

std::string Base64Url(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

SecretBytes RandomKey(Random& random, size_t n) {
  SecretBytes key(n);
  random.Fill(std::span<uint8_t>(key.data(), key.size()));
  return key;
}

}  // namespace

PrivacySessions::PrivacySessions(const Clock& clock, Random& random, const std::string& public_url)
    : clock_(clock),
      random_(random),
      origin_(OriginOfUrl(public_url)),
      seal_key_(RandomKey(random, crypto_secretbox_KEYBYTES)),
      csrf_key_(RandomKey(random, crypto_auth_hmacsha256_KEYBYTES)) {}

std::optional<PrivacySession> PrivacySessions::Read(const HttpRequest& request) const {
  std::string cookie = CookieValue(request.Header("cookie"), kSessionCookie);
  if (cookie.empty() || cookie.size() > 4096) return std::nullopt;
  auto sealed = FromBase64Url(cookie);
  if (!sealed || sealed->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed->data());
  std::string plain(sealed->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()), bytes + crypto_secretbox_NONCEBYTES,
          sealed->size() - crypto_secretbox_NONCEBYTES, bytes, seal_key_.data()) != 0) {
    return std::nullopt;
  }
  json parsed = json::parse(plain, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  PrivacySession session;
  session.id = parsed.value("s", "");
  session.request_id = parsed.value("r", "");
  session.request_token = parsed.value("rt", "");
  session.preferences_token = parsed.value("pt", "");
  session.expires_at = parsed.value("e", Micros{0});
  if (session.id.empty() || session.expires_at <= clock_.Now()) return std::nullopt;
  return session;
}

PrivacySession PrivacySessions::Start() const {
  PrivacySession session;
  session.id = RandomHex(random_, 16);
  session.expires_at = clock_.Now() + kLifetime;
  return session;
}

std::string PrivacySessions::SetCookie(PrivacySession session) const {
  session.expires_at = clock_.Now() + kLifetime;
  std::string plain = json{{"s", session.id},
                           {"r", session.request_id},
                           {"rt", session.request_token},
                           {"pt", session.preferences_token},
                           {"e", session.expires_at}}
                          .dump();
  std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  random_.Fill(std::span<uint8_t>(out, crypto_secretbox_NONCEBYTES));
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), out,
                        seal_key_.data());
  return std::string(kSessionCookie) + "=" + Base64Url(out, sealed.size()) +
         "; Path=/; Max-Age=" + std::to_string(kLifetime / kMicrosPerSecond) +
         "; Secure; HttpOnly; SameSite=Strict";
}

std::string PrivacySessions::ClearCookie() {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

std::string PrivacySessions::CsrfToken(std::string_view session_id) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, csrf_key_.data(), csrf_key_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(session_id.data()),
                                session_id.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[2 * sizeof(mac) + 1];
  sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
  return hex;
}

Status PrivacySessions::CheckUnsafe(const HttpRequest& request,
                                    const PrivacySession* session) const {
  PD_RETURN_IF_ERROR(CheckSameOrigin(request, origin_, "the Privacy Center's own pages"));
  if (session == nullptr) return Ok();
  return CheckCsrfToken(request, CsrfToken(session->id),
                        "send the session's CSRF token (GET /privacy/session) as X-CSRF-Token; "
                        "reload the page if it is out of date");
}

}  // namespace privacyd
