// Identifier rules of the guard's scanner: which validator confirms each identifier type, and
// the shapes (group lengths and separators) in which a number is certain enough to be reported
// without a context word. docs/guard.md explains the choices.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "guard/guard.h"
#include "guard/text_scan.h"
#include "guard/validators.h"

namespace privacyd::guard::internal {

// The group lengths of a candidate and its separator when all are the same (0 when there is
// one group, '*' when they differ).
struct Shape {
  std::array<uint8_t, 8> lengths{};
  size_t groups = 0;
  size_t digits = 0;
  char separator = 0;

  // Whether the groups have exactly the lengths `wanted`, separated by one of `separators`.
  bool Is(std::initializer_list<int> wanted, std::string_view separators) const;
};

// The shape of groups[first..last].
Shape ShapeOf(const std::vector<DigitGroup>& groups, size_t first, size_t last);

struct NumericType {
  FindingType type;
  std::string_view validator;  // Finding::validator
  // Whether a valid number of this shape is reported without a context word; `digits` starts
  // at the candidate's first digit.
  bool (*without_context)(const Shape& shape, std::string_view digits);
  // The shapes in which people write this type at all, with or without context (nullptr: any).
  // A number in another shape is not taken for it: "2025-00981" is no Social Security Number.
  bool (*written)(const Shape& shape);
  // The digit counts its check-digit validator accepts (bit d: d digits; 0 for types without
  // one): the scanner asks the validator only about numbers of these counts.
  uint32_t digit_counts;
};

// The identifier types a run of digits can be, in order of precedence.
extern const std::array<NumericType, 17> kNumericTypes;

// The check-digit validator of `type`, or nullopt for types confirmed by format and context.
std::optional<IdType> ValidatorOf(FindingType type);
// Passport and driving licence numbers: their format (they have no check digit).
bool ValidContextOnly(FindingType type, std::string_view candidate);
// Whether `candidate` is a valid identifier of `type`.
bool ValidAs(FindingType type, std::string_view candidate);
// Finding::validator for an identifier type.
std::string_view ValidatorName(FindingType type);

}  // namespace privacyd::guard::internal
