#include "consent/link_tokens.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "core/random.h"

namespace privacyd {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kCompactVersion = 2;
constexpr size_t kKeyIdBytes = 4;
constexpr size_t kMacBytes = 16;
constexpr size_t kHeaderBytes = 1 + kKeyIdBytes + 1 + 8;
constexpr size_t kCompactHeaderBytes = 1 + kKeyIdBytes + 1;
constexpr char kSeparator = '\x1f';
// One domain for both versions: the version byte is the first byte signed.
constexpr std::string_view kDomain = "privacyd link v1";

// A subject id as NewId / NewTimeOrderedId make it (core/random.h): "sub_" and 26 characters of
// Crockford base32, 130 bits, packed into 17 bytes (the last 6 bits zero) in a compact token.
constexpr std::string_view kSubjectPrefix = "sub_";
constexpr size_t kSubjectChars = 26;
constexpr size_t kPackedSubjectBytes = 17;

// The 5-bit value of a Crockford base32 character as NewId writes it (upper case), or -1.
int Base32Value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char* at = std::char_traits<char>::find(kCrockfordBase32 + 10, 22, c);
  return at == nullptr ? -1 : static_cast<int>(at - kCrockfordBase32);
}

// Packs `subject_id` into `out` (kPackedSubjectBytes) when it is exactly what NewId makes.
bool PackSubject(std::string_view subject_id, uint8_t* out) {
  if (subject_id.size() != kSubjectPrefix.size() + kSubjectChars ||
      subject_id.substr(0, kSubjectPrefix.size()) != kSubjectPrefix) {
    return false;
  }
  uint32_t acc = 0;
  int bits = 0;
  size_t written = 0;
  for (char c : subject_id.substr(kSubjectPrefix.size())) {
    const int value = Base32Value(c);
    if (value < 0) return false;
    acc = (acc << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out[written++] = static_cast<uint8_t>(acc >> (bits - 8));
      bits -= 8;
    }
  }
  out[written] = static_cast<uint8_t>(acc << (8 - bits));  // the last 2 bits, then zeros
  return true;
}

std::string UnpackSubject(const uint8_t* packed) {
  std::string out(kSubjectPrefix);
  AppendBase32(packed, kSubjectChars, out);
  return out;
}

// The HMAC state keyed with `key` and the domain absorbed, copied for every token.
KeyedHmacSha256 Keyed(const SecretBytes& key) {
  KeyedHmacSha256 keyed(key.data(), key.size());
  keyed.Absorb(kDomain);
  return keyed;
}

std::string Mac(const KeyedHmacSha256& keyed, std::string_view signed_part) {
  uint8_t full[KeyedHmacSha256::kBytes];
  keyed.Mac({signed_part}, full);
  std::string out(reinterpret_cast<const char*>(full), kMacBytes);
  sodium_memzero(full, sizeof full);
  return out;
}

Error Invalid() {
  return Error(ErrorKind::kInvalidArgument, "invalid_link",
               "this link is not valid (it may be incomplete or no longer in use); copy the whole "
               "link from the email, or ask for a new one");
}

bool KnownPurpose(char c) {
  return c == static_cast<char>(LinkPurpose::kUnsubscribe) ||
         c == static_cast<char>(LinkPurpose::kPreferences) ||
         c == static_cast<char>(LinkPurpose::kConfirm) ||
         c == static_cast<char>(LinkPurpose::kAddress) ||
         c == static_cast<char>(LinkPurpose::kRequest);
}

}  // namespace

LinkSigner::LinkSigner(std::vector<LinkKey> keys) : keys_(std::move(keys)) {
  for (const auto& key : keys_) keyed_.push_back(Keyed(key.key));
  FromHex(keys_.front().id, &signing_key_id_bytes_);
  signing_key_id_bytes_.resize(kKeyIdBytes, '\0');
}

LinkSigner::~LinkSigner() = default;  // the keyed states wipe themselves

std::string LinkSigner::Sign(const LinkClaims& claims) const {
  std::string out;
  AppendToken(claims.purpose, claims.subject_id, claims.topic, claims.message_id, claims.expires_at,
              out);
  return out;
}

void LinkSigner::AppendToken(LinkPurpose purpose, std::string_view subject_id,
                             std::string_view topic, std::string_view message_id, Micros expires_at,
                             std::string& out) const {
  // The raw token on the stack when it fits (always, for ids privacyd makes).
  constexpr size_t kStackBytes = 512;
  uint8_t packed[kPackedSubjectBytes];
  const bool compact = expires_at == 0 && PackSubject(subject_id, packed);
  const size_t raw_size =
      (compact ? kCompactHeaderBytes + kPackedSubjectBytes : kHeaderBytes + subject_id.size() + 1) +
      topic.size() + 1 + message_id.size() + kMacBytes;
  uint8_t stack[kStackBytes];
  std::string heap;
  uint8_t* raw = stack;
  if (raw_size > kStackBytes) {
    heap.resize(raw_size);
    raw = reinterpret_cast<uint8_t*>(heap.data());
  }
  uint8_t* at = raw;
  *at++ = compact ? kCompactVersion : kVersion;
  at = std::copy(signing_key_id_bytes_.begin(), signing_key_id_bytes_.end(), at);
  *at++ = static_cast<uint8_t>(purpose);
  if (compact) {
    at = std::copy(packed, packed + kPackedSubjectBytes, at);
  } else {
    auto expires = static_cast<uint64_t>(expires_at);
    for (int shift = 56; shift >= 0; shift -= 8) *at++ = static_cast<uint8_t>(expires >> shift);
    at = std::copy(subject_id.begin(), subject_id.end(), at);
    *at++ = kSeparator;
  }
  at = std::copy(topic.begin(), topic.end(), at);
  *at++ = kSeparator;
  at = std::copy(message_id.begin(), message_id.end(), at);
  uint8_t full[KeyedHmacSha256::kBytes];
  keyed_.front().Mac(
      {std::string_view(reinterpret_cast<const char*>(raw), static_cast<size_t>(at - raw))}, full);
  at = std::copy(full, full + kMacBytes, at);
  sodium_memzero(full, sizeof full);
  // base64url without padding. The token is public (it goes into URLs), so OpenSSL's
  // table-driven encoder serves; libsodium's constant-time one cost half of a link in a big
  // consent check, which writes one per allowed address.
  const size_t start = out.size();
  out.resize(start + 4 * ((raw_size + 2) / 3) + 1);  // EVP_EncodeBlock adds a NUL
  char* text = out.data() + start;
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text), raw, static_cast<int>(raw_size));
  size_t length = static_cast<size_t>(written);
  while (length > 0 && text[length - 1] == '=') --length;
  for (size_t i = 0; i < length; ++i) {
    if (text[i] == '+') text[i] = '-';
    if (text[i] == '/') text[i] = '_';
  }
  out.resize(start + length);
}

Result<LinkClaims> LinkSigner::Verify(std::string_view token, Micros now) const {
  if (token.empty() || token.size() > 2048) return Invalid();
  std::string raw(token.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<uint8_t*>(raw.data()), raw.size(), token.data(),
                        token.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return Invalid();
  }
  raw.resize(len);
  const auto version = static_cast<uint8_t>(raw.empty() ? 0 : raw[0]);
  const bool compact = version == kCompactVersion;
  if ((version != kVersion && !compact) ||
      raw.size() < (compact ? kCompactHeaderBytes + kPackedSubjectBytes + 1 : kHeaderBytes + 2) +
                       kMacBytes) {
    return Invalid();
  }
  const std::string key_id = ToHex(std::string_view(raw).substr(1, kKeyIdBytes));
  const KeyedHmacSha256* keyed = nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].id == key_id) keyed = &keyed_[i];
  }
  if (keyed == nullptr) return Invalid();
  std::string_view signed_part = std::string_view(raw).substr(0, raw.size() - kMacBytes);
  std::string expected = Mac(*keyed, signed_part);
  if (sodium_memcmp(expected.data(), raw.data() + signed_part.size(), kMacBytes) != 0) {
    return Invalid();
  }
  // Authentic from here on: what follows parses what we wrote.
  LinkClaims claims;
  char purpose = raw[1 + kKeyIdBytes];
  if (!KnownPurpose(purpose)) return Invalid();
  claims.purpose = static_cast<LinkPurpose>(purpose);
  if (compact) {
    claims.subject_id =
        UnpackSubject(reinterpret_cast<const uint8_t*>(raw.data()) + kCompactHeaderBytes);
    std::string_view rest = signed_part.substr(kCompactHeaderBytes + kPackedSubjectBytes);
    size_t separator = rest.find(kSeparator);
    if (separator == std::string_view::npos) return Invalid();
    claims.topic = std::string(rest.substr(0, separator));
    claims.message_id = std::string(rest.substr(separator + 1));
    return claims;  // never expires
  }
  uint64_t expires = 0;
  for (size_t i = 0; i < 8; ++i) {
    expires = (expires << 8) | static_cast<uint8_t>(raw[2 + kKeyIdBytes + i]);
  }
  claims.expires_at = static_cast<Micros>(expires);
  std::string_view rest = signed_part.substr(kHeaderBytes);
  size_t first = rest.find(kSeparator);
  if (first == std::string_view::npos) return Invalid();
  size_t second = rest.find(kSeparator, first + 1);
  if (second == std::string_view::npos) return Invalid();
  claims.subject_id = std::string(rest.substr(0, first));
  claims.topic = std::string(rest.substr(first + 1, second - first - 1));
  claims.message_id = std::string(rest.substr(second + 1));
  if (claims.subject_id.empty()) return Invalid();
  if (claims.expires_at != 0 && now >= claims.expires_at) {
    return Error(ErrorKind::kFailedPrecondition, "link_expired",
                 "this link has expired; ask for a new one");
  }
  return claims;
}

}  // namespace privacyd
