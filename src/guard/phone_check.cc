#include "guard/phone_check.h"

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "guard/digit_pattern.h"

// libphonenumber's compiled-in metadata (the serialized PhoneMetadataCollection its
// PhoneNumberUtil loads), declared in its metadata.h, which Debian does not install.
namespace i18n::phonenumbers {
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace privacyd::guard::internal {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;
using i18n::phonenumbers::PhoneNumberUtil;
using Verdict = PhoneCheck::Verdict;

// Limits of PhoneNumberUtil (phonenumberutil.h): kMinLengthForNsn, kMaxLengthForNsn,
// kMaxLengthCountryCode, kMaxInputStringLength.
constexpr size_t kMinLengthForNsn = 2;
constexpr size_t kMaxLengthForNsn = 17;
constexpr size_t kMaxLengthCountryCode = 3;
constexpr size_t kMaxInputStringLength = 250;
// More digits than any number that can be valid: a calling code, an international prefix and a
// national prefix around the longest national number.
constexpr size_t kMaxDigits = 32;

// A string of digits in a fixed buffer: the check allocates nothing.
class Digits {
 public:
  void push_back(char c) { bytes_[size_++] = c; }
  size_t size() const { return size_; }
  std::string_view view() const { return {bytes_.data(), size_}; }

 private:
  std::array<char, kMaxDigits> bytes_{};
  size_t size_ = 0;
};

// What an evaluation met that it does not implement: the verdict is then kUnknown, whatever
// the steps after it computed.
struct Evaluation {
  bool unknown = false;
};

// A PhoneNumberDesc: possible lengths and the national number pattern.
struct Desc {
  std::vector<int> lengths;
  std::vector<int> local_lengths;
  bool has_pattern = false;             // a non-empty pattern (an empty one matches nothing)
  std::optional<DigitPattern> pattern;  // nullopt with has_pattern: beyond DigitPattern

  static Desc From(const PhoneNumberDesc& desc) {
    Desc out;
    out.lengths.assign(desc.possible_length().begin(), desc.possible_length().end());
    out.local_lengths.assign(desc.possible_length_local_only().begin(),
                             desc.possible_length_local_only().end());
    const std::string& pattern = desc.national_number_pattern();
    out.has_pattern = !pattern.empty();
    if (out.has_pattern) out.pattern = DigitPattern::Compile(pattern);
    return out;
  }

  bool supported() const { return !has_pattern || pattern.has_value(); }

  // libphonenumber's IsMatch: the pattern alone.
  bool Matches(std::string_view number, Evaluation& e) const {
    if (!has_pattern) return false;
    if (!pattern) {
      e.unknown = true;
      return false;
    }
    return pattern->FullMatch(number);
  }

  // libphonenumber's IsNumberMatchingDesc: a possible length, then the pattern.
  bool MatchesWithLength(std::string_view number, Evaluation& e) const {
    if (!lengths.empty() && std::find(lengths.begin(), lengths.end(),
                                      static_cast<int>(number.size())) == lengths.end()) {
      return false;
    }
    return Matches(number, e);
  }
};

// A pattern libphonenumber only ever matches at the start of a number and that matches strings
// of one length: a sequence of digits and classes of digits ("0", "[08]"). Empty: no pattern.
struct FixedPrefix {
  std::vector<uint16_t> masks;

  static std::optional<FixedPrefix> Parse(std::string_view pattern) {
    FixedPrefix out;
    for (size_t i = 0; i < pattern.size(); ++i) {
      char c = pattern[i];
      if (c >= '0' && c <= '9') {
        out.masks.push_back(static_cast<uint16_t>(1u << (c - '0')));
        continue;
      }
      if (c != '[') return std::nullopt;
      uint16_t mask = 0;
      for (++i; i < pattern.size() && pattern[i] != ']'; ++i) {
        if (pattern[i] < '0' || pattern[i] > '9') return std::nullopt;
        mask |= static_cast<uint16_t>(1u << (pattern[i] - '0'));
      }
      if (i == pattern.size() || mask == 0) return std::nullopt;
      out.masks.push_back(mask);
    }
    return out;
  }

  bool StartsWith(std::string_view number) const {
    if (number.size() < masks.size()) return false;
    for (size_t i = 0; i < masks.size(); ++i) {
      if ((masks[i] >> (number[i] - '0') & 1) == 0) return false;
    }
    return true;
  }
};

enum class Length : uint8_t { kPossible, kLocalOnly, kTooShort, kTooLong, kInvalidLength };

struct Region {
  std::string id;
  int country_code = 0;
  bool supported = true;  // every pattern and prefix below is implemented (for tests)
  Desc general;
  // In the order of GetNumberTypeHelper: premium rate, toll free, shared cost, VoIP, personal
  // number, pager, UAN, voicemail.
  std::array<Desc, 8> special;
  Desc fixed_line;
  Desc mobile;
  bool same_mobile_and_fixed_line = false;
  bool has_leading_digits = false;
  std::optional<DigitPattern> leading_digits;
  bool has_national_prefix = false;  // national_prefix_for_parsing is set
  bool national_prefix_supported = true;
  FixedPrefix national_prefix;
  std::optional<FixedPrefix> international_prefix;  // nullopt: not a fixed string
  std::string country_code_string;

  static Region From(const PhoneMetadata& m) {
    Region r;
    r.id = m.id();
    r.country_code = m.country_code();
    r.country_code_string = std::to_string(m.country_code());
    r.general = Desc::From(m.general_desc());
    const PhoneNumberDesc* special[] = {&m.premium_rate(), &m.toll_free(),       &m.shared_cost(),
                                        &m.voip(),         &m.personal_number(), &m.pager(),
                                        &m.uan(),          &m.voicemail()};
    for (size_t i = 0; i < r.special.size(); ++i) r.special[i] = Desc::From(*special[i]);
    r.fixed_line = Desc::From(m.fixed_line());
    r.mobile = Desc::From(m.mobile());
    r.same_mobile_and_fixed_line = m.same_mobile_and_fixed_line_pattern();
    r.supported = r.general.supported() && r.fixed_line.supported() && r.mobile.supported();
    for (const Desc& d : r.special) r.supported = r.supported && d.supported();
    r.has_leading_digits = m.has_leading_digits();
    if (r.has_leading_digits) {
      r.leading_digits = DigitPattern::Compile(m.leading_digits());
      r.supported = r.supported && r.leading_digits.has_value();
    }
    const std::string& prefix = m.national_prefix_for_parsing();
    r.has_national_prefix = !prefix.empty();
    if (r.has_national_prefix) {
      // A transform rule rewrites the number with the pattern's groups: not implemented.
      std::optional<FixedPrefix> fixed = FixedPrefix::Parse(prefix);
      if (fixed && m.national_prefix_transform_rule().empty()) {
        r.national_prefix = *fixed;
      } else {
        r.national_prefix_supported = false;
        r.supported = false;
      }
    }
    // An empty international prefix matches everywhere in libphonenumber: not implemented.
    if (!m.international_prefix().empty()) {
      r.international_prefix = FixedPrefix::Parse(m.international_prefix());
    }
    return r;
  }

  // libphonenumber's TestNumberLength for the type UNKNOWN.
  Length TestLength(std::string_view number) const {
    const std::vector<int>& lengths = general.lengths;
    if (lengths.empty() || lengths[0] == -1) return Length::kInvalidLength;
    int actual = static_cast<int>(number.size());
    if (std::find(general.local_lengths.begin(), general.local_lengths.end(), actual) !=
        general.local_lengths.end()) {
      return Length::kLocalOnly;
    }
    if (lengths[0] == actual) return Length::kPossible;
    if (lengths[0] > actual) return Length::kTooShort;
    if (lengths.back() < actual) return Length::kTooLong;
    return std::find(lengths.begin() + 1, lengths.end(), actual) != lengths.end()
               ? Length::kPossible
               : Length::kInvalidLength;
  }

  // libphonenumber's MaybeStripNationalPrefixAndCarrierCode, for a fixed prefix without a
  // transform rule (a carrier code needs a capturing group, which a fixed prefix lacks).
  std::string_view StripNationalPrefix(std::string_view number, Evaluation& e) const {
    if (number.empty() || !has_national_prefix) return number;
    if (!national_prefix_supported) {
      e.unknown = true;
      return number;
    }
    if (!national_prefix.StartsWith(number)) return number;
    std::string_view stripped = number.substr(national_prefix.masks.size());
    if (general.Matches(number, e) && !general.Matches(stripped, e)) return number;
    return stripped;
  }

  // libphonenumber's GetNumberTypeHelper(...) != UNKNOWN. Which type matches first does not
  // change the answer, so the common ones are tried first.
  bool HasType(std::string_view number, Evaluation& e) const {
    if (!general.MatchesWithLength(number, e)) return false;
    if (fixed_line.MatchesWithLength(number, e)) return true;
    if (!same_mobile_and_fixed_line && mobile.MatchesWithLength(number, e)) return true;
    for (const Desc& d : special) {
      if (d.MatchesWithLength(number, e)) return true;
    }
    return false;
  }
};

class MetadataPhoneCheck final : public PhoneCheck {
 public:
  explicit MetadataPhoneCheck(const std::string& default_region) {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    PhoneMetadataCollection collection;
    if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
                                   i18n::phonenumbers::metadata_size())) {
      return;  // no regions: every candidate is kUnknown
    }
    std::map<std::string, const Region*> by_id;
    std::map<int, const Region*> non_geographic;
    regions_.reserve(static_cast<size_t>(collection.metadata_size()));
    for (const PhoneMetadata& m : collection.metadata()) regions_.push_back(Region::From(m));
    for (const Region& r : regions_) {
      if (r.id == PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
        non_geographic[r.country_code] = &r;
      } else {
        by_id[r.id] = &r;
      }
    }
    // The regions of each calling code in libphonenumber's order (its main country first),
    // from the library itself; the metadata of the first stands for the code while parsing.
    std::set<int> codes;
    util.GetSupportedCallingCodes(&codes);
    for (int code : codes) {
      if (code <= 0 || code >= static_cast<int>(calling_codes_.size())) continue;
      std::list<std::string> ids;
      util.GetRegionCodesForCountryCallingCode(code, &ids);
      CallingCode& cc = calling_codes_[static_cast<size_t>(code)];
      for (const std::string& id : ids) {
        const Region* r = nullptr;
        if (id == PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
          auto it = non_geographic.find(code);
          if (it != non_geographic.end()) r = it->second;
        } else {
          auto it = by_id.find(id);
          if (it != by_id.end()) r = it->second;
        }
        if (r == nullptr) {
          cc.regions.clear();
          cc.known = true;  // a region without metadata: leave the code to libphonenumber
          break;
        }
        cc.regions.push_back(r);
      }
      cc.known = true;
    }
    auto it = by_id.find(default_region);
    if (it != by_id.end()) default_ = it->second;
  }

  Verdict Check(std::string_view candidate) const override {
    if (candidate.size() > kMaxInputStringLength) return Verdict::kUnknown;
    // ExtractPossibleNumber and TrimUnwantedEndChars: from the first '+' or digit to the last
    // digit. Then the digits alone (Normalize) and whether a '+' led them.
    size_t begin = 0;
    while (begin < candidate.size() && candidate[begin] != '+' && !IsDigit(candidate[begin])) {
      if (!IsPunctuation(candidate[begin])) return Verdict::kUnknown;
      ++begin;
    }
    size_t end = candidate.size();
    while (end > begin && !IsDigit(candidate[end - 1])) {
      if (!IsPunctuation(candidate[end - 1]) && candidate[end - 1] != '+') {
        return Verdict::kUnknown;
      }
      --end;
    }
    bool plus = false;
    size_t i = begin;
    while (i < end && candidate[i] == '+') {
      plus = true;
      ++i;
    }
    Digits digits;
    for (; i < end; ++i) {
      char c = candidate[i];
      if (IsDigit(c)) {
        if (digits.size() == kMaxDigits) return Verdict::kUnknown;
        digits.push_back(c);
      } else if (!IsPunctuation(c)) {
        return Verdict::kUnknown;  // a '+' inside, which IsViablePhoneNumber refuses
      }
    }
    // IsViablePhoneNumber: at least three digits (or exactly two and nothing else, which the
    // guard never asks about).
    if (digits.size() < 3) return Verdict::kUnknown;

    Evaluation e;
    Parsed parsed;
    if (!Parse(plus, digits.view(), e, parsed))
      return e.unknown ? Verdict::kUnknown : Verdict::kInvalid;
    bool valid = IsValid(parsed, e);
    if (e.unknown) return Verdict::kUnknown;
    return valid ? Verdict::kValid : Verdict::kInvalid;
  }

  size_t supported_regions() const override {
    return static_cast<size_t>(std::count_if(regions_.begin(), regions_.end(),
                                             [](const Region& r) { return r.supported; }));
  }
  size_t regions() const override { return regions_.size(); }

 private:
  struct CallingCode {
    bool known = false;                  // libphonenumber knows the code
    std::vector<const Region*> regions;  // empty for a known code: not implemented
  };

  // A number as Parse leaves it: the calling code and the national significant number.
  struct Parsed {
    int country_code = 0;
    std::string_view national;
  };

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  // The characters of the guard's candidates other than digits and '+', all of which are in
  // libphonenumber's VALID_PUNCTUATION and are dropped by its normalisation.
  static bool IsPunctuation(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
  }

  // The calling code at the start of `number` (ExtractCountryCode): 0 if none; with it, the
  // number after it.
  int ExtractCountryCode(std::string_view& number, Evaluation& e) const {
    if (number.empty() || number[0] == '0') return 0;
    int code = 0;
    for (size_t i = 1; i <= kMaxLengthCountryCode && i <= number.size(); ++i) {
      code = code * 10 + (number[i - 1] - '0');
      const CallingCode& cc = calling_codes_[static_cast<size_t>(code)];
      if (!cc.known) continue;
      if (cc.regions.empty()) e.unknown = true;
      number.remove_prefix(i);
      return code;
    }
    return 0;
  }

  // MaybeExtractCountryCode. False on a parse error; `country_code` 0 when the number is not
  // written with a calling code.
  bool ExtractCountryCodeOrDefault(bool plus, std::string_view& number, int& country_code,
                                   Evaluation& e) const {
    country_code = 0;
    bool international = plus;
    if (!plus) {
      if (default_ == nullptr || !default_->international_prefix) {
        e.unknown = true;
        return false;
      }
      // ParsePrefixAsIdd: not when the digit after the prefix is 0 (no calling code starts so).
      const FixedPrefix& idd = *default_->international_prefix;
      if (idd.StartsWith(number) &&
          (number.size() == idd.masks.size() || number[idd.masks.size()] != '0')) {
        number.remove_prefix(idd.masks.size());
        international = true;
      }
    }
    if (international) {
      if (number.size() <= kMinLengthForNsn) return false;  // TOO_SHORT_AFTER_IDD
      country_code = ExtractCountryCode(number, e);
      return country_code != 0;  // else INVALID_COUNTRY_CODE_ERROR
    }
    // A national number that starts with the default region's calling code is taken as
    // international if it only fits that way.
    const Region& region = *default_;
    std::string_view code = region.country_code_string;
    if (number.substr(0, code.size()) == code) {
      std::string_view potential = region.StripNationalPrefix(number.substr(code.size()), e);
      if ((!region.general.Matches(number, e) && region.general.Matches(potential, e)) ||
          region.TestLength(number) == Length::kTooLong) {
        number = potential;
        country_code = region.country_code;
      }
    }
    return true;
  }

  // ParseHelper from MaybeExtractCountryCode on. False on a parse error.
  bool Parse(bool plus, std::string_view number, Evaluation& e, Parsed& out) const {
    int country_code = 0;
    std::string_view national = number;
    if (!ExtractCountryCodeOrDefault(plus, national, country_code, e)) {
      if (e.unknown || !plus) return false;
      // An unknown calling code after '+': libphonenumber tries again without the '+'.
      national = number;
      if (!ExtractCountryCodeOrDefault(false, national, country_code, e) || country_code == 0) {
        return false;
      }
    }
    if (e.unknown) return false;
    const Region* region = nullptr;
    if (country_code != 0) {
      region = calling_codes_[static_cast<size_t>(country_code)].regions.front();
    } else {
      if (default_ == nullptr) {
        e.unknown = true;
        return false;
      }
      region = default_;
      country_code = default_->country_code;
    }
    if (national.size() < kMinLengthForNsn) return false;
    std::string_view potential = region->StripNationalPrefix(national, e);
    Length length = region->TestLength(potential);
    if (length != Length::kTooShort && length != Length::kLocalOnly &&
        length != Length::kInvalidLength) {
      national = potential;
    }
    if (national.size() < kMinLengthForNsn || national.size() > kMaxLengthForNsn) return false;
    out.country_code = country_code;
    out.national = national;
    return !e.unknown;
  }

  // IsValidNumber: the region of the number among those of its calling code, and a type there.
  bool IsValid(const Parsed& number, Evaluation& e) const {
    const std::vector<const Region*>& regions =
        calling_codes_[static_cast<size_t>(number.country_code)].regions;
    if (regions.empty()) {
      e.unknown = true;
      return false;
    }
    const Region* region = nullptr;
    if (regions.size() == 1) {
      region = regions.front();
    } else {
      for (const Region* r : regions) {
        if (r->has_leading_digits && !r->leading_digits) {
          e.unknown = true;
          return false;
        }
        if (!r->has_leading_digits) {
          // Chosen for having a type, which is what IsValidNumberForRegion asks then.
          if (r->HasType(number.national, e)) return true;
        } else if (r->leading_digits->MatchesPrefix(number.national)) {
          region = r;
          break;
        }
      }
    }
    return region != nullptr && region->HasType(number.national, e);
  }

  std::vector<Region> regions_;
  std::array<CallingCode, 1000> calling_codes_;
  const Region* default_ = nullptr;
};

}  // namespace

std::unique_ptr<PhoneCheck> PhoneCheck::Create(const std::string& default_region) {
  return std::make_unique<MetadataPhoneCheck>(default_region);
}

}  // namespace privacyd::guard::internal
