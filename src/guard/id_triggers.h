// The identifier triggers of the guard's scanner, found by a pass over the digits, '@' and ':'
// of a text instead of a Vectorscan database.
//
// Each trigger is a small expression (TriggerExpression) that marks where an identifier may
// be: a run of six digits, the digits and suffix of a National Insurance number, an IBAN's
// country code and check digits, an '@' before a domain, ... FindTriggers reports exactly the
// end offsets at which Vectorscan reports matches of these expressions (block mode, no flags:
// one report per expression and end offset), so that the code behind the triggers sees the
// same candidates either way; a unit test compares both on random texts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace privacyd::guard::internal {

enum class Trigger : uint8_t {
  // Identifiers.
  kDigits,       // the sixth digit of a run of digit groups, and each digit after it
  kNino,         // the digits and suffix of a National Insurance number
  kPan,          // the digits and last letter of a PAN
  kIban,         // an IBAN's country code and check digits
  kCorsicanNir,  // a NIR from 2A or 2B, from the department on
  // Ordinary identifiers (EMAIL, IP_ADDRESS).
  kEmail,  // an '@' and the first character of a domain
  kIpv4,
  kIpv6,  // a hex group and two colons
};

inline constexpr size_t kTriggerCount = 8;

// The Vectorscan expression of `trigger` (compiled without flags).
std::string_view TriggerExpression(Trigger trigger);

struct TriggerEnd {
  size_t to;  // one past the last byte of a match
  Trigger trigger;

  bool operator==(const TriggerEnd&) const = default;
};

// Appends to `out` (cleared first) every end offset of a match in `text` of the identifier
// triggers (kDigits to kCorsicanNir) and, when `ordinary`, of kEmail, kIpv4 and kIpv6, ordered
// by offset, then by trigger. `text` may hold any bytes.
void FindTriggers(std::string_view text, bool ordinary, std::vector<TriggerEnd>& out);

}  // namespace privacyd::guard::internal
