#include "registry/identity.h"

#include <algorithm>
#include <cctype>

namespace privacyd {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

Error Invalid(const std::string& what) {
  return Error(ErrorKind::kInvalidArgument, "invalid_identity", what);
}

}  // namespace

bool IsIdentityKind(const std::string& kind) {
  return kind == "email" || kind == "phone" || kind == "customer_id";
}

Result<std::string> NormalizeIdentity(const std::string& kind, const std::string& value) {
  std::string v = Trim(value);
  if (kind == "email") {
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto at = v.find('@');
    bool ok = v.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < v.size() &&
              v.find('@', at + 1) == std::string::npos &&
              std::none_of(v.begin(), v.end(),
                           [](unsigned char c) { return std::isspace(c) || std::iscntrl(c); });
    if (!ok) return Invalid("the email identity must look like name@example.com");
    return v;
  }
  if (kind == "phone") {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      char c = v[i];
      if (c >= '0' && c <= '9') {
        out.push_back(c);
      } else if (c == '+' && out.empty()) {
        out.push_back(c);
      } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
        return Invalid(
            "the phone identity may contain digits, a leading '+', spaces, dots, "
            "dashes and parentheses");
      }
    }
    size_t digits = out.size() - (out.starts_with("+") ? 1 : 0);
    if (digits < 5 || digits > 15) {
      return Invalid("the phone identity must have 5 to 15 digits, e.g. +44 20 7946 0000");
    }
    return out;
  }
  if (kind == "customer_id") {
    if (v.empty() || v.size() > 128) {
      return Invalid("the customer_id identity must have 1 to 128 characters");
    }
    return v;
  }
  return Error(ErrorKind::kInvalidArgument, "unknown_identity_kind",
               "identity kinds are email, phone and customer_id");
}

}  // namespace privacyd
