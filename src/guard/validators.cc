#include "guard/validators.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace privacyd::guard {
namespace {

// Longest compact identifier handled (an IBAN: 34 characters).
constexpr size_t kMaxCompact = 34;

using Buffer = std::array<char, kMaxCompact>;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
int DigitValue(char c) { return c - '0'; }

// Copies the identifier characters (letters upper-cased, digits) of `in` into `out`, dropping
// the separators in `seps`. Returns the compact length, or 0 when `in` is empty, longer than
// kMaxCompact compact characters, holds any other character, or has a separator at either end
// or two separators in a row: a separator only ever stands between two identifier characters.
size_t Compact(std::string_view in, std::string_view seps, Buffer& out) {
  size_t n = 0;
  bool after_separator = true;  // so that a leading separator is refused
  for (char c : in) {
    if (IsDigit(c) || IsUpper(c)) {
      if (n == out.size()) return 0;
      out[n++] = c;
      after_separator = false;
    } else if (c >= 'a' && c <= 'z') {
      if (n == out.size()) return 0;
      out[n++] = static_cast<char>(c - 'a' + 'A');
      after_separator = false;
    } else if (seps.find(c) != std::string_view::npos && !after_separator) {
      after_separator = true;
    } else {
      return 0;
    }
  }
  if (after_separator) return 0;  // empty, or a trailing separator
  return n;
}

bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }
bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// Value of the decimal digits `s` (at most 9 of them).
int Number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + DigitValue(c);
  return v;
}

// Compacts `candidate` and requires exactly `length` digits.
std::string_view CompactDigits(std::string_view candidate, std::string_view seps, size_t length,
                               Buffer& buf) {
  size_t n = Compact(candidate, seps, buf);
  std::string_view s(buf.data(), n);
  if (n != length || !AllDigits(s)) return {};
  return s;
}

int Mod97Continue(int rem, std::string_view alnum) {
  for (char c : alnum) {
    if (IsDigit(c)) {
      rem = (rem * 10 + DigitValue(c)) % 97;
    } else {
      int v;
      if (IsUpper(c)) {
        v = c - 'A' + 10;
      } else if (c >= 'a' && c <= 'z') {
        v = c - 'a' + 10;
      } else {
        return -1;
      }
      rem = (rem * 100 + v) % 97;
    }
  }
  return rem;
}

// Multiplication in the dihedral group D5.
constexpr uint8_t kVerhoeffD[10][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
// The position permutation: the powers of (0 1 5 8 9 4 2 7)(3 6), computed rather than typed in.
struct VerhoeffPermutations {
  uint8_t p[8][10];
};
constexpr VerhoeffPermutations MakeVerhoeffPermutations() {
  VerhoeffPermutations t{};
  constexpr uint8_t kFirst[10] = {1, 5, 7, 6, 2, 8, 3, 0, 9, 4};
  for (uint8_t d = 0; d < 10; ++d) t.p[0][d] = d;
  for (size_t i = 1; i < 8; ++i) {
    for (size_t d = 0; d < 10; ++d) t.p[i][d] = kFirst[t.p[i - 1][d]];
  }
  return t;
}
constexpr VerhoeffPermutations kVerhoeffP = MakeVerhoeffPermutations();
static_assert(kVerhoeffP.p[4][6] == 6 && kVerhoeffP.p[7][9] == 8);

// One country of the SWIFT IBAN registry: its IBAN length and BBAN structure as runs of
// <count><class>, class n = digits, a = upper-case letters, c = alphanumerics. Generated from the
// registry as distributed with python-stdnum 1.18 (stdnum/iban.dat), plus the countries the
// registry added since: FK, HN, MN, NI, OM, SO, YE.
struct IbanCountry {
  char code[3];
  uint8_t length;
  std::string_view bban;
};
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24, "4n4n12c"},     {"AE", 23, "3n16n"},         {"AL", 28, "8n16c"},
    {"AT", 20, "5n11n"},       {"AZ", 28, "4a20c"},         {"BA", 20, "3n3n8n2n"},
    {"BE", 16, "3n7n2n"},      {"BG", 22, "4a4n2n8c"},      {"BH", 22, "4a14c"},
    {"BI", 27, "5n5n11n2n"},   {"BR", 29, "8n5n10n1a1c"},   {"BY", 28, "4c4n16c"},
    {"CH", 21, "5n12c"},       {"CR", 22, "4n14n"},         {"CY", 28, "3n5n16c"},
    {"CZ", 24, "4n6n10n"},     {"DE", 22, "8n10n"},         {"DJ", 27, "5n5n11n2n"},
    {"DK", 18, "4n9n1n"},      {"DO", 28, "4c20n"},         {"EE", 20, "2n2n11n1n"},
    {"EG", 29, "4n4n17n"},     {"ES", 24, "4n4n1n1n10n"},   {"FI", 18, "3n11n"},
    {"FK", 18, "2a12n"},       {"FO", 18, "4n9n1n"},        {"FR", 27, "5n5n11c2n"},
    {"GB", 22, "4a6n8n"},      {"GE", 22, "2a16n"},         {"GI", 23, "4a15c"},
    {"GL", 18, "4n9n1n"},      {"GR", 27, "3n4n16c"},       {"GT", 28, "4c20c"},
    {"HN", 28, "4a20n"},       {"HR", 21, "7n10n"},         {"HU", 28, "3n4n1n15n1n"},
    {"IE", 22, "4a6n8n"},      {"IL", 23, "3n3n13n"},       {"IQ", 23, "4a3n12n"},
    {"IS", 26, "4n2n6n10n"},   {"IT", 27, "1a5n5n12c"},     {"JO", 30, "4a4n18c"},
    {"KW", 30, "4a22c"},       {"KZ", 20, "3n13c"},         {"LB", 28, "4n20c"},
    {"LC", 32, "4a24c"},       {"LI", 21, "5n12c"},         {"LT", 20, "5n11n"},
    {"LU", 20, "3n13c"},       {"LV", 21, "4a13c"},         {"LY", 25, "3n3n15n"},
    {"MC", 27, "5n5n11c2n"},   {"MD", 24, "2c18c"},         {"ME", 22, "3n13n2n"},
    {"MK", 19, "3n10c2n"},     {"MN", 20, "4n12n"},         {"MR", 27, "5n5n11n2n"},
    {"MT", 31, "4a5n18c"},     {"MU", 30, "4a2n2n12n3n3a"}, {"NI", 28, "4a20n"},
    {"NL", 18, "4a10n"},       {"NO", 15, "4n6n1n"},        {"OM", 23, "3n16c"},
    {"PK", 24, "4a16c"},       {"PL", 28, "8n16n"},         {"PS", 29, "4a21c"},
    {"PT", 25, "4n4n11n2n"},   {"QA", 29, "4a21c"},         {"RO", 24, "4a16c"},
    {"RS", 22, "3n13n2n"},     {"RU", 33, "9n5n15c"},       {"SA", 24, "2n18c"},
    {"SC", 31, "4a2n2n16n3a"}, {"SD", 18, "2n12n"},         {"SE", 24, "3n16n1n"},
    {"SI", 19, "5n8n2n"},      {"SK", 24, "4n6n10n"},       {"SM", 27, "1a5n5n12c"},
    {"SO", 23, "4n3n12n"},     {"ST", 25, "4n4n11n2n"},     {"SV", 28, "4a20n"},
    {"TL", 23, "3n14n2n"},     {"TN", 24, "2n3n13n2n"},     {"TR", 26, "5n1n16c"},
    {"UA", 29, "6n19c"},       {"VA", 22, "3n15n"},         {"VG", 24, "4a16n"},
    {"XK", 20, "4n10n2n"},     {"YE", 30, "4a4n18c"},
};

const IbanCountry* FindIbanCountry(std::string_view code) {
  auto it = std::lower_bound(
      std::begin(kIbanCountries), std::end(kIbanCountries), code,
      [](const IbanCountry& c, std::string_view key) { return std::string_view(c.code, 2) < key; });
  if (it == std::end(kIbanCountries) || std::string_view(it->code, 2) != code) return nullptr;
  return &*it;
}

bool MatchesBban(std::string_view structure, std::string_view bban) {
  size_t pos = 0;
  size_t count = 0;
  for (char c : structure) {
    if (IsDigit(c)) {
      count = count * 10 + static_cast<size_t>(DigitValue(c));
      continue;
    }
    if (pos + count > bban.size()) return false;
    for (size_t i = 0; i < count; ++i, ++pos) {
      char b = bban[pos];
      bool ok = c == 'n' ? IsDigit(b) : c == 'a' ? IsUpper(b) : (IsDigit(b) || IsUpper(b));
      if (!ok) return false;
    }
    count = 0;
  }
  return pos == bban.size();
}

// Does the number start with a prefix in [lo, hi] (both `digits` long)?
bool InRange(std::string_view number, size_t digits, int lo, int hi) {
  if (number.size() < digits) return false;
  int v = Number(number.substr(0, digits));
  return v >= lo && v <= hi;
}

struct CardRange {
  uint8_t prefix_digits;
  int lo;
  int hi;
  uint8_t min_length;
  uint8_t max_length;
  bool visa_lengths;  // 13, 16 or 19 only
};
constexpr CardRange kCardRanges[] = {
    {1, 4, 4, 13, 19, true},         // Visa
    {2, 51, 55, 16, 16, false},      // Mastercard
    {4, 2221, 2720, 16, 16, false},  // Mastercard 2-series
    {2, 34, 34, 15, 15, false},      // American Express
    {2, 37, 37, 15, 15, false},      // American Express
    {4, 6011, 6011, 16, 19, false},  // Discover
    {3, 644, 649, 16, 19, false},    // Discover
    {2, 65, 65, 16, 19, false},      // Discover
    {4, 3528, 3589, 16, 19, false},  // JCB
    {2, 36, 36, 14, 19, false},      // Diners Club International
    {3, 300, 305, 14, 19, false},    // Diners Club
    {2, 38, 39, 14, 19, false},      // Diners Club
    {2, 62, 62, 16, 19, false},      // UnionPay
};

constexpr std::string_view kTypeNames[] = {
    "US_SSN", "US_ITIN", "UK_NINO",     "UK_NHS", "DE_TAX_ID",   "DE_ID_CARD",
    "NL_BSN", "FR_NIR",  "IL_ID",       "ZA_ID",  "SG_NRIC_FIN", "IN_AADHAAR",
    "IN_PAN", "AU_TFN",  "AU_MEDICARE", "CH_AHV", "CREDIT_CARD", "IBAN",
};
static_assert(std::size(kTypeNames) == std::size(kAllIdTypes));

}  // namespace

std::string_view IdTypeName(IdType type) { return kTypeNames[static_cast<size_t>(type)]; }

std::optional<IdType> IdTypeFromName(std::string_view name) {
  for (IdType type : kAllIdTypes) {
    if (IdTypeName(type) == name) return type;
  }
  return std::nullopt;
}

bool Validate(IdType type, std::string_view candidate) {
  switch (type) {
    case IdType::kUsSsn:
      return ValidUsSsn(candidate);
    case IdType::kUsItin:
      return ValidUsItin(candidate);
    case IdType::kUkNino:
      return ValidUkNino(candidate);
    case IdType::kUkNhs:
      return ValidUkNhs(candidate);
    case IdType::kDeTaxId:
      return ValidDeTaxId(candidate);
    case IdType::kDeIdCard:
      return ValidDeIdCard(candidate);
    case IdType::kNlBsn:
      return ValidNlBsn(candidate);
    case IdType::kFrNir:
      return ValidFrNir(candidate);
    case IdType::kIlId:
      return ValidIlId(candidate);
    case IdType::kZaId:
      return ValidZaId(candidate);
    case IdType::kSgNricFin:
      return ValidSgNricFin(candidate);
    case IdType::kInAadhaar:
      return ValidInAadhaar(candidate);
    case IdType::kInPan:
      return ValidInPan(candidate);
    case IdType::kAuTfn:
      return ValidAuTfn(candidate);
    case IdType::kAuMedicare:
      return ValidAuMedicare(candidate);
    case IdType::kChAhv:
      return ValidChAhv(candidate);
    case IdType::kCreditCard:
      return ValidCreditCard(candidate);
    case IdType::kIban:
      return ValidIban(candidate);
  }
  return false;
}

bool ValidLuhn(std::string_view digits) {
  if (digits.size() < 2 || !AllDigits(digits)) return false;
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = DigitValue(*it);
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

bool ValidVerhoeff(std::string_view digits) {
  if (digits.size() < 2 || !AllDigits(digits)) return false;
  int c = 0;
  size_t i = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++i) {
    c = kVerhoeffD[c][kVerhoeffP.p[i % 8][DigitValue(*it)]];
  }
  return c == 0;
}

int IsoMod11_10(std::string_view digits) {
  if (digits.empty() || !AllDigits(digits)) return -1;
  int product = 10;
  for (char ch : digits) {
    int sum = (DigitValue(ch) + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return (11 - product) % 10;
}

int Mod97(std::string_view alnum) {
  if (alnum.empty()) return -1;
  return Mod97Continue(0, alnum);
}

bool ValidUsSsn(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -.", 9, buf);
  if (s.empty()) return false;
  int area = Number(s.substr(0, 3));
  if (area == 0 || area == 666 || area >= 900) return false;
  if (Number(s.substr(3, 2)) == 0 || Number(s.substr(5, 4)) == 0) return false;
  for (std::string_view known : {"078051120", "219099999", "457555462", "123456789"}) {
    if (s == known) return false;
  }
  return true;
}

bool ValidUsItin(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -.", 9, buf);
  if (s.empty() || s[0] != '9') return false;
  int group = Number(s.substr(3, 2));
  return (group >= 50 && group <= 65) || (group >= 70 && group <= 88) ||
         (group >= 90 && group <= 92) || group >= 94;
}

bool ValidUkNino(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " -", buf);
  std::string_view s(buf.data(), n);
  if (n != 9 || !IsUpper(s[0]) || !IsUpper(s[1]) || !AllDigits(s.substr(2, 6))) return false;
  if (s[8] < 'A' || s[8] > 'D') return false;
  if (std::string_view("DFIQUV").find(s[0]) != std::string_view::npos) return false;
  if (std::string_view("DFIOQUV").find(s[1]) != std::string_view::npos) return false;
  std::string_view prefix = s.substr(0, 2);
  for (std::string_view unallocated : {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}) {
    if (prefix == unallocated) return false;
  }
  return true;
}

bool ValidUkNhs(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -", 10, buf);
  if (s.empty()) return false;
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) sum += DigitValue(s[i]) * static_cast<int>(10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == DigitValue(s[9]);
}

bool ValidDeTaxId(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -./", 11, buf);
  if (s.empty() || s[0] == '0') return false;
  int counts[10] = {};
  for (size_t i = 0; i < 10; ++i) ++counts[DigitValue(s[i])];
  int repeated = -1;
  for (int d = 0; d < 10; ++d) {
    if (counts[d] < 2) continue;
    if (repeated != -1 || counts[d] > 3) return false;
    repeated = d;
  }
  if (repeated == -1) return false;
  if (counts[repeated] == 3) {
    for (size_t i = 0; i + 2 < 10; ++i) {
      if (s[i] == s[i + 1] && s[i] == s[i + 2]) return false;
    }
  }
  return IsoMod11_10(s.substr(0, 10)) == DigitValue(s[10]);
}

bool ValidDeIdCard(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " ", buf);
  if (n != 10 || !IsDigit(buf[9])) return false;
  constexpr std::string_view kAlphabet = "0123456789CFGHJKLMNPRTVWXYZ";
  constexpr int kWeights[3] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) {
    char c = buf[i];
    if (kAlphabet.find(c) == std::string_view::npos) return false;
    int v = IsDigit(c) ? DigitValue(c) : c - 'A' + 10;
    sum += v * kWeights[i % 3];
  }
  return sum % 10 == DigitValue(buf[9]);
}

bool ValidNlBsn(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -.", 9, buf);
  if (s.empty() || AllZero(s)) return false;
  int sum = -DigitValue(s[8]);
  for (size_t i = 0; i < 8; ++i) sum += DigitValue(s[i]) * static_cast<int>(9 - i);
  return sum % 11 == 0;
}

bool ValidFrNir(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " -.", buf);
  std::string_view s(buf.data(), n);
  if (n != 15 || !AllDigits(s.substr(0, 5)) || !AllDigits(s.substr(7))) return false;
  std::string_view department = s.substr(5, 2);
  std::string_view computed = department;
  if (department == "2A") {
    computed = "19";
  } else if (department == "2B") {
    computed = "18";
  } else if (!AllDigits(department)) {
    return false;
  }
  int rem = Mod97Continue(0, s.substr(0, 5));
  rem = Mod97Continue(rem, computed);
  rem = Mod97Continue(rem, s.substr(7, 6));
  return 97 - rem == Number(s.substr(13, 2));
}

bool ValidIlId(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -", 9, buf);
  return !s.empty() && !AllZero(s) && ValidLuhn(s);
}

bool ValidZaId(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -", 13, buf);
  if (s.empty()) return false;
  int year = Number(s.substr(0, 2));
  int month = Number(s.substr(2, 2));
  int day = Number(s.substr(4, 2));
  if (month < 1 || month > 12 || day < 1) return false;
  // The century is not in the number; a two-digit year divisible by 4 is a leap year in both
  // candidate centuries except 1900, and 00 is read as 2000 (a leap year).
  constexpr int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1] || (month == 2 && day == 29 && year % 4 != 0)) return false;
  if (s[10] > '2') return false;
  return ValidLuhn(s);
}

bool ValidSgNricFin(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, "", buf);
  std::string_view s(buf.data(), n);
  if (n != 9 || !AllDigits(s.substr(1, 7)) || !IsUpper(s[8])) return false;
  constexpr int kWeights[7] = {2, 7, 6, 5, 4, 3, 2};
  int sum = 0;
  for (size_t i = 0; i < 7; ++i) sum += kWeights[i] * DigitValue(s[i + 1]);
  std::string_view table;
  switch (s[0]) {
    case 'S':
      table = "JZIHGFEDCBA";
      break;
    case 'T':
      table = "JZIHGFEDCBA", sum += 4;
      break;
    case 'F':
      table = "XWUTRQPNMLK";
      break;
    case 'G':
      table = "XWUTRQPNMLK", sum += 4;
      break;
    case 'M':
      table = "XWUTRQPNJLK", sum += 3;
      break;
    default:
      return false;
  }
  return table[static_cast<size_t>(sum % 11)] == s[8];
}

bool ValidInAadhaar(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -", 12, buf);
  if (s.empty() || s[0] < '2') return false;
  if (std::equal(s.begin(), s.begin() + 6, s.rbegin())) return false;  // palindrome
  return ValidVerhoeff(s);
}

bool ValidInPan(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, "", buf);
  std::string_view s(buf.data(), n);
  if (n != 10) return false;
  for (size_t i : {0, 1, 2, 3, 4, 9}) {
    if (!IsUpper(s[i])) return false;
  }
  std::string_view serial = s.substr(5, 4);
  if (!AllDigits(serial) || AllZero(serial)) return false;
  return std::string_view("ABCFGHJLPT").find(s[3]) != std::string_view::npos;
}

bool ValidAuTfn(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " -", buf);
  std::string_view s(buf.data(), n);
  if ((n != 8 && n != 9) || !AllDigits(s)) return false;
  constexpr int kWeights[9] = {1, 4, 3, 7, 5, 8, 6, 9, 10};
  int sum = 0;
  for (size_t i = 0; i < n; ++i) sum += kWeights[i] * DigitValue(s[i]);
  return sum % 11 == 0;
}

bool ValidAuMedicare(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " -/", buf);
  std::string_view s(buf.data(), n);
  if ((n != 10 && n != 11) || !AllDigits(s) || s[0] < '2' || s[0] > '6') return false;
  constexpr int kWeights[8] = {1, 3, 7, 9, 1, 3, 7, 9};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) sum += kWeights[i] * DigitValue(s[i]);
  return sum % 10 == DigitValue(s[8]);
}

bool ValidChAhv(std::string_view candidate) {
  Buffer buf;
  std::string_view s = CompactDigits(candidate, " -.", 13, buf);
  if (s.empty() || s.substr(0, 3) != "756") return false;
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += DigitValue(s[i]) * (i % 2 == 0 ? 1 : 3);
  return (10 - sum % 10) % 10 == DigitValue(s[12]);
}

bool ValidCreditCard(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " -", buf);
  std::string_view s(buf.data(), n);
  if (n < 13 || n > 19 || !AllDigits(s) || !ValidLuhn(s)) return false;
  for (const CardRange& r : kCardRanges) {
    if (!InRange(s, r.prefix_digits, r.lo, r.hi)) continue;
    if (n < r.min_length || n > r.max_length) continue;
    if (r.visa_lengths && n != 13 && n != 16 && n != 19) continue;
    return true;
  }
  return false;
}

bool ValidIban(std::string_view candidate) {
  Buffer buf;
  size_t n = Compact(candidate, " -", buf);
  std::string_view s(buf.data(), n);
  if (n < 5 || !IsUpper(s[0]) || !IsUpper(s[1]) || !IsDigit(s[2]) || !IsDigit(s[3])) return false;
  const IbanCountry* country = FindIbanCountry(s.substr(0, 2));
  if (country == nullptr || n != country->length) return false;
  if (!MatchesBban(country->bban, s.substr(4))) return false;
  return Mod97Continue(Mod97Continue(0, s.substr(4)), s.substr(0, 4)) == 1;
}

}  // namespace privacyd::guard
