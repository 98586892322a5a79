// Identities: the values by which a person is recognised (email, phone, customer id), in the
// normalised form that is blind-indexed.
#pragma once

#include <string>

#include "core/result.h"

namespace privacyd {

// Known identity kinds.
bool IsIdentityKind(const std::string& kind);

// Normalises a value of `kind` for indexing: emails trimmed and lower-cased; phone numbers
// reduced to "+" and digits; customer ids trimmed. Errors: kInvalidArgument "invalid_identity"
// saying what form is expected (the value itself is never echoed), "unknown_identity_kind".
Result<std::string> NormalizeIdentity(const std::string& kind, const std::string& value);

}  // namespace privacyd
