// Identities: the values by which a person is recognised (email, phone, customer id), in the
// normalised form that is blind-indexed. Every way into the registry (collection points, staff
// entry, look-ups) normalises through here, so one person has one blind index per kind.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace privacyd {

// Known identity kinds.
bool IsIdentityKind(const std::string& kind);

// Normalises a value of `kind` for indexing:
//   - email: trimmed, lower-cased, the domain converted to its ASCII form by IDNA2008 (libidn2:
//     "Jürgen@Bücher.DE" -> "jürgen@xn--bcher-kva.de"), checked as an addr-spec with a dot-atom
//     local part (UTF-8 allowed, RFC 6531) and a domain of at least two labels;
//   - phone: parsed by libphonenumber and written in E.164 ("+4930123456"); a number without a
//     leading '+' is read as a national number of `region` (ISO 3166-1 alpha-2, e.g. "DE"), and
//     needs one; the number must be valid for its country, not merely of a possible length;
//   - customer_id: trimmed, 1 to 128 characters.
// Errors: kInvalidArgument "invalid_identity" saying what form is expected (the value itself is
// never echoed), "unknown_identity_kind".
Result<std::string> NormalizeIdentity(const std::string& kind, std::string_view value,
                                      const std::string& region = "");

// NormalizeIdentity of an email address, written into `out` (whose memory is reused: the
// consent check normalises 100,000 addresses with one string). Its errors; `out` is then
// unspecified.
Status NormalizeEmailInto(std::string_view value, std::string& out);

}  // namespace privacyd
