#include "guard/id_rules.h"

#include <algorithm>

namespace privacyd::guard::internal {
namespace {

bool Never(const Shape&, std::string_view) { return false; }

constexpr uint32_t DigitCounts(std::initializer_list<int> counts) {
  uint32_t mask = 0;
  for (int c : counts) mask |= uint32_t{1} << c;
  return mask;
}

}  // namespace

bool Shape::Is(std::initializer_list<int> wanted, std::string_view separators) const {
  if (wanted.size() != groups) return false;
  if (groups > 1 && separators.find(separator) == std::string_view::npos) return false;
  size_t i = 0;
  for (int w : wanted) {
    if (lengths[i++] != w) return false;
  }
  return true;
}

Shape ShapeOf(const std::vector<DigitGroup>& groups, size_t first, size_t last) {
  Shape shape;
  shape.groups = last - first + 1;
  for (size_t g = first; g <= last; ++g) {
    size_t len = groups[g].end - groups[g].start;
    if (g - first < shape.lengths.size()) {
      shape.lengths[g - first] = static_cast<uint8_t>(std::min<size_t>(len, 255));
    }
    shape.digits += len;
    if (g > first) {
      char sep = groups[g].separator;
      shape.separator = (g == first + 1 || shape.separator == sep) ? sep : '*';
    }
  }
  if (shape.groups > shape.lengths.size()) shape.lengths = {};
  return shape;
}

const std::array<NumericType, 17> kNumericTypes = {{
    {FindingType::kUsSsn, "format",
     [](const Shape& s, std::string_view) {
       return s.Is({3, 2, 4}, "-. ");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({3, 2, 4}, "-. ");
     },
     DigitCounts({9})},
    {FindingType::kUsItin, "format",
     [](const Shape& s, std::string_view) {
       return s.Is({3, 2, 4}, "-. ");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({3, 2, 4}, "-. ");
     },
     DigitCounts({9})},
    {FindingType::kUkNhs, "mod11",
     [](const Shape& s, std::string_view t) {
       return s.Is({3, 3, 4}, " ") && (t[0] == '4' || t[0] == '6' || t[0] == '7');
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({3, 3, 4}, " -");
     },
     DigitCounts({10})},
    {FindingType::kDeTaxId, "iso7064",
     [](const Shape& s, std::string_view) {
       return s.Is({11}, "") || s.Is({2, 3, 3, 3}, " ") || s.Is({3, 3, 3, 2}, " ");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({2, 3, 3, 3}, " ./") || s.Is({3, 3, 3, 2}, " ./");
     },
     DigitCounts({11})},
    {FindingType::kNlBsn, "elfproef",
     [](const Shape& s, std::string_view) {
       return s.Is({4, 2, 3}, ".");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({4, 2, 3}, ". ") || s.Is({3, 3, 3}, ". -");
     },
     DigitCounts({9})},
    {FindingType::kFrNir, "mod97", [](const Shape& s, std::string_view) { return s.digits == 15; },
     nullptr, DigitCounts({15})},
    {FindingType::kIlId, "luhn", Never,
     [](const Shape& s) {
       return s.groups == 1 || s.Is({8, 1}, "-");
     },
     DigitCounts({9})},
    {FindingType::kZaId, "luhn", [](const Shape&, std::string_view) { return true; }, nullptr,
     DigitCounts({13})},
    {FindingType::kInAadhaar, "verhoeff",
     [](const Shape& s, std::string_view) {
       return s.Is({4, 4, 4}, " -");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({4, 4, 4}, " -.");
     },
     DigitCounts({12})},
    {FindingType::kAuTfn, "mod11",
     [](const Shape& s, std::string_view) {
       return s.Is({3, 3, 3}, " ");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({3, 3, 3}, " -") || s.Is({3, 3, 2}, " -");
     },
     DigitCounts({8, 9})},
    {FindingType::kAuMedicare, "mod10",
     [](const Shape& s, std::string_view) {
       return s.Is({4, 5, 1}, " ") || s.Is({4, 5, 1, 1}, " ");
     },
     [](const Shape& s) {
       return s.groups == 1 || s.Is({4, 5, 1}, " -") || s.Is({4, 5, 1, 1}, " -/") ||
              s.Is({10, 1}, "/ -");
     },
     DigitCounts({10, 11})},
    {FindingType::kChAhv, "ean13", [](const Shape&, std::string_view) { return true; }, nullptr,
     DigitCounts({13})},
    {FindingType::kCreditCard, "luhn",
     [](const Shape& s, std::string_view) { return s.groups == 1 || s.separator != '*'; }, nullptr,
     DigitCounts({13, 14, 15, 16, 17, 18, 19})},
    {FindingType::kDeIdCard, "check_digit", Never, nullptr, DigitCounts({10})},
    {FindingType::kUsPassport, "context", Never, nullptr, 0},
    {FindingType::kUkPassport, "context", Never, nullptr, 0},
    {FindingType::kUsDriverLicense, "context", Never, nullptr, 0},
}};

std::optional<IdType> ValidatorOf(FindingType type) {
  // Indexed by FindingType; -1 where the type has no check-digit validator.
  static constexpr auto kValidators = [] {
    std::array<int, kFindingTypeCount> table{};
    table.fill(-1);
    auto set = [&](FindingType t, IdType id) {
      table[static_cast<size_t>(t)] = static_cast<int>(id);
    };
    set(FindingType::kUsSsn, IdType::kUsSsn);
    set(FindingType::kUsItin, IdType::kUsItin);
    set(FindingType::kUkNino, IdType::kUkNino);
    set(FindingType::kUkNhs, IdType::kUkNhs);
    set(FindingType::kDeTaxId, IdType::kDeTaxId);
    set(FindingType::kDeIdCard, IdType::kDeIdCard);
    set(FindingType::kNlBsn, IdType::kNlBsn);
    set(FindingType::kFrNir, IdType::kFrNir);
    set(FindingType::kIlId, IdType::kIlId);
    set(FindingType::kZaId, IdType::kZaId);
    set(FindingType::kSgNricFin, IdType::kSgNricFin);
    set(FindingType::kInAadhaar, IdType::kInAadhaar);
    set(FindingType::kInPan, IdType::kInPan);
    set(FindingType::kAuTfn, IdType::kAuTfn);
    set(FindingType::kAuMedicare, IdType::kAuMedicare);
    set(FindingType::kChAhv, IdType::kChAhv);
    set(FindingType::kCreditCard, IdType::kCreditCard);
    set(FindingType::kIban, IdType::kIban);
    return table;
  }();
  int id = kValidators[static_cast<size_t>(type)];
  if (id < 0) return std::nullopt;
  return static_cast<IdType>(id);
}

// Passport and driving licence numbers have no check digit: their format, with a context word.
bool ValidContextOnly(FindingType type, std::string_view text) {
  // Licence numbers are often written in groups ("A123-456-78-901-0").
  char buffer[32];
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool separator = (c == '-' || c == ' ') && i > 0 && i + 1 < text.size() &&
                     type == FindingType::kUsDriverLicense;
    if (separator) continue;
    if (n == sizeof(buffer)) return false;
    buffer[n++] = c;
  }
  std::string_view candidate(buffer, n);
  size_t letters = 0;
  while (letters < candidate.size() &&
         IsAsciiAlpha(static_cast<unsigned char>(candidate[letters]))) {
    ++letters;
  }
  size_t digits = candidate.size() - letters;
  for (size_t i = letters; i < candidate.size(); ++i) {
    if (!IsDigit(static_cast<unsigned char>(candidate[i]))) return false;
  }
  switch (type) {
    case FindingType::kUsPassport:  // 9 digits, or a letter and 8 digits (since 2021)
      return (letters == 0 && digits == 9) || (letters == 1 && digits == 8);
    case FindingType::kUkPassport:  // 9 digits, or two letters and 7 digits
      return (letters == 0 && digits == 9) || (letters == 2 && digits == 7);
    case FindingType::kUsDriverLicense:  // state formats: up to 2 letters and 4 to 14 digits
      return letters <= 2 && digits >= 4 && digits <= 14 && letters + digits >= 6;
    default:
      return false;
  }
}

bool ValidAs(FindingType type, std::string_view candidate) {
  if (std::optional<IdType> id = ValidatorOf(type)) return Validate(*id, candidate);
  return ValidContextOnly(type, candidate);
}

std::string_view ValidatorName(FindingType type) {
  for (const NumericType& n : kNumericTypes) {
    if (n.type == type) return n.validator;
  }
  switch (type) {
    case FindingType::kUkNino:
      return "format";
    case FindingType::kInPan:
      return "format";
    case FindingType::kSgNricFin:
      return "check_letter";
    case FindingType::kIban:
      return "mod97";
    default:
      return "context";
  }
}

}  // namespace privacyd::guard::internal
