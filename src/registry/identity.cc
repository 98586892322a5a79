#include "registry/identity.h"

#include <idn2.h>
#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace privacyd {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// ASCII classes and case, without the locale (std::isalnum and std::tolower consult it on every
// call, and email addresses are checked by the million in a consent check).
constexpr bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAsciiAlnum(unsigned char c) {
  return IsAsciiDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
constexpr char AsciiLowerChar(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

std::string_view TrimView(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsAsciiSpace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && IsAsciiSpace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string Trim(const std::string& s) { return std::string(TrimView(s)); }

Error Invalid(const std::string& what) {
  return Error(ErrorKind::kInvalidArgument, "invalid_identity", what);
}

// RFC 5322 atext, and any byte of a UTF-8 sequence (RFC 6531 allows UTF-8 local parts).
bool IsAtext(unsigned char c) {
  if (c >= 0x80) return true;
  if (IsAsciiAlnum(c)) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

bool ValidLocalPart(std::string_view local) {
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  for (size_t i = 0; i < local.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(local[i]);
    if (c == '.') {
      if (local[i + 1] == '.') return false;  // i + 1 < size: the last byte is not a dot
      continue;
    }
    if (!IsAtext(c)) return false;
  }
  return true;
}

// An ASCII host name of at least two labels of letters, digits and inner hyphens, whose last
// label is not all digits (that would be an IP address, which we do not take for a mail domain).
bool ValidAsciiDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  size_t labels = 0;
  bool last_all_digits = true;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    last_all_digits = true;
    for (char c : label) {
      if (!(IsAsciiAlnum(static_cast<unsigned char>(c)) || c == '-')) return false;
      if (!IsAsciiDigit(static_cast<unsigned char>(c))) last_all_digits = false;
    }
    ++labels;
    start = dot + 1;
  }
  return labels >= 2 && !last_all_digits;
}

Error InvalidEmail() { return Invalid("the email address must look like name@example.com"); }

// The ASCII form of an internationalised domain (IDNA2008, libidn2), or an error. The few such
// domains of a list recur (every address at one company), and the conversion costs more than
// everything else about an address, so each thread keeps the last ones it converted.
Result<std::string> AsciiDomain(std::string_view domain) {
  thread_local std::unordered_map<std::string, std::string> converted_domains;
  const std::string key(domain);
  if (auto hit = converted_domains.find(key); hit != converted_domains.end()) return hit->second;
  char* converted = nullptr;
  int rc = idn2_to_ascii_8z(key.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  std::unique_ptr<char, decltype(&idn2_free)> owned(converted, &idn2_free);
  if (rc != IDN2_OK) {
    return Invalid("the domain of the email address is not a valid internationalised domain name");
  }
  if (converted_domains.size() >= 1024) converted_domains.clear();
  return converted_domains.emplace(key, converted).first->second;
}

const PhoneNumberUtil& Phones() {
  // libphonenumber logs parse failures with the number in them; personal data stays out of logs.
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    PhoneNumberUtil::GetInstance()->SetLogger(new i18n::phonenumbers::NullLogger());
  });
  return *PhoneNumberUtil::GetInstance();
}

Result<std::string> NormalizePhone(const std::string& value, const std::string& region) {
  std::string v = Trim(value);
  if (v.empty() || v.size() > 64) {
    return Invalid("the phone number must be 1 to 64 characters, e.g. +44 20 7946 0000");
  }
  for (unsigned char c : v) {
    if (!(IsAsciiDigit(c) || c == '+' || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' ||
          c == '/')) {
      return Invalid(
          "the phone number may contain digits, a leading '+', spaces, dots, dashes, "
          "slashes and parentheses");
    }
  }
  bool international = v.front() == '+' || v.starts_with("00");
  if (!international && region.empty()) {
    return Invalid(
        "write the phone number with its country code, e.g. +44 20 7946 0000, or "
        "give the country it belongs to");
  }
  // Without a country, "00" is read as the international prefix most countries use.
  if (region.empty() && v.starts_with("00")) v = "+" + v.substr(2);
  const PhoneNumberUtil& util = Phones();
  PhoneNumber number;
  std::string parse_region = region.empty() ? "ZZ" : region;
  if (util.Parse(v, parse_region, &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number)) {
    return Invalid("the phone number is not a valid number" +
                   (international ? std::string()
                                  : " of the country " + region +
                                        "; write it with its country code if it is foreign"));
  }
  std::string out;
  util.Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

}  // namespace

bool IsIdentityKind(const std::string& kind) {
  return kind == "email" || kind == "phone" || kind == "customer_id";
}

// The local part lower-cased (ASCII letters only), '@', the domain in its ASCII form
// lower-cased, written straight into `out`.
Status NormalizeEmailInto(std::string_view value, std::string& out) {
  std::string_view v = TrimView(value);
  size_t at = v.rfind('@');
  if (at == std::string_view::npos || v.size() > 254) return InvalidEmail();
  std::string_view domain = v.substr(at + 1);
  out.assign(v.size(), '\0');
  std::transform(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), out.begin(),
                 AsciiLowerChar);
  if (!ValidLocalPart(std::string_view(out).substr(0, at))) return InvalidEmail();
  out[at] = '@';
  if (std::all_of(domain.begin(), domain.end(), [](unsigned char c) { return c < 0x80; })) {
    std::transform(domain.begin(), domain.end(), out.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                   AsciiLowerChar);
  } else {
    PD_ASSIGN_OR_RETURN(const std::string ascii, AsciiDomain(domain));
    out.resize(at + 1);
    std::transform(ascii.begin(), ascii.end(), std::back_inserter(out), AsciiLowerChar);
  }
  if (!ValidAsciiDomain(std::string_view(out).substr(at + 1))) return InvalidEmail();
  if (out.size() > 254) return InvalidEmail();
  return Ok();
}

Result<std::string> NormalizeIdentity(const std::string& kind, std::string_view value,
                                      const std::string& region) {
  if (kind == "email") {
    std::string out;
    PD_RETURN_IF_ERROR(NormalizeEmailInto(value, out));
    return out;
  }
  if (kind == "phone") return NormalizePhone(std::string(value), region);
  if (kind == "customer_id") {
    std::string v(TrimView(value));
    if (v.empty() || v.size() > 128) {
      return Invalid("the customer_id identity must have 1 to 128 characters");
    }
    return v;
  }
  return Error(ErrorKind::kInvalidArgument, "unknown_identity_kind",
               "identity kinds are email, phone and customer_id");
}

}  // namespace privacyd
