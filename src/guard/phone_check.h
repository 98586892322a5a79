// Whether a phone number candidate is a valid phone number, as libphonenumber's
// PhoneNumberUtil::Parse followed by IsValidNumber would say, without their cost.
//
// libphonenumber runs ICU regular expressions for each number: about 20 to 35 µs, which made
// PHONE cost more than every other detector of the guard together. PhoneCheck reads the same
// metadata from the same library at start (so a Debian update of libphonenumber updates both),
// follows the same steps for the characters the guard's candidates hold (digits, blanks, '-',
// '.', '/', parentheses and a leading '+'), and matches national numbers with DigitPattern.
// Where a step needs what it does not implement (a region whose national prefix is a regular
// expression with a transform rule, such as Argentina's; an international prefix that is not a
// fixed string; a pattern beyond DigitPattern's syntax; an unknown country code after '+'), it
// answers kUnknown and the caller asks libphonenumber. phone_check_test.cc compares its answers
// with libphonenumber's over generated numbers of every calling code.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace privacyd::guard::internal {

class PhoneCheck {
 public:
  enum class Verdict : uint8_t { kValid, kInvalid, kUnknown };

  // The check for numbers written without a country code in `default_region` (ISO 3166
  // alpha-2; a region libphonenumber does not know leaves those numbers kUnknown). Never null.
  static std::unique_ptr<PhoneCheck> Create(const std::string& default_region);

  virtual ~PhoneCheck() = default;

  // The verdict on `candidate`, or kUnknown where libphonenumber must be asked. Thread-safe.
  virtual Verdict Check(std::string_view candidate) const = 0;

  // How many regions (and non-geographic calling codes) the check answers for itself, of how
  // many libphonenumber knows: for tests.
  virtual size_t supported_regions() const = 0;
  virtual size_t regions() const = 0;
};

}  // namespace privacyd::guard::internal
