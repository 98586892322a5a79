#include <array>
#include <string>
#include <vector>

#include "core/suggest.h"
#include "guard/guard.h"

namespace privacyd::guard {
namespace {

struct TypeInfo {
  std::string_view name;
  std::string_view category;
  bool sensitive;
};

constexpr std::string_view kNationalId = "user.government_id.national_identification_number";

// Indexed by FindingType.
constexpr std::array<TypeInfo, kFindingTypeCount> kTypes = {{
    {"US_SSN", kNationalId, true},
    {"US_ITIN", kNationalId, true},
    {"US_DRIVER_LICENSE", "user.government_id.drivers_license_number", true},
    {"US_PASSPORT", "user.government_id.passport_number", true},
    {"UK_NINO", kNationalId, true},
    {"UK_NHS", "user.health.record_id", true},
    {"UK_PASSPORT", "user.government_id.passport_number", true},
    {"DE_TAX_ID", kNationalId, true},
    {"DE_ID_CARD", kNationalId, true},
    {"NL_BSN", kNationalId, true},
    {"FR_NIR", kNationalId, true},
    {"IL_ID", kNationalId, true},
    {"ZA_ID", kNationalId, true},
    {"SG_NRIC_FIN", kNationalId, true},
    {"IN_AADHAAR", kNationalId, true},
    {"IN_PAN", kNationalId, true},
    {"AU_TFN", kNationalId, true},
    {"AU_MEDICARE", "user.health.insurance_beneficiary_id", true},
    {"CH_AHV", kNationalId, true},
    {"CREDIT_CARD", "user.financial.credit_card", true},
    {"IBAN", "user.financial.bank_account", true},
    {"EMAIL", "user.contact.email", false},
    {"PHONE", "user.contact.phone_number", false},
    {"IP_ADDRESS", "user.device.ip_address", false},
    {"HEALTH", "user.health", true},
    {"ETHNIC", "user.demographic.race_ethnicity", true},
    {"POLITICAL", "user.demographic.political_opinion", true},
    {"RELIGION", "user.demographic.religious_belief", true},
    {"TRADE_UNION", "user.demographic.union_membership", true},
    {"SEXUAL_ORIENTATION", "user.demographic.sexual_orientation", true},
    {"GENETIC", "user.health.genetic", true},
    {"BIOMETRIC", "user.biometric", true},
}};

const TypeInfo& Info(FindingType type) { return kTypes[static_cast<size_t>(type)]; }

}  // namespace

std::string_view FindingTypeName(FindingType type) { return Info(type).name; }
std::string_view FindingTypeCategory(FindingType type) { return Info(type).category; }
bool IsSensitive(FindingType type) { return Info(type).sensitive; }

std::optional<FindingType> FindingTypeFromName(std::string_view name) {
  for (size_t i = 0; i < kTypes.size(); ++i) {
    if (kTypes[i].name == name) return static_cast<FindingType>(i);
  }
  return std::nullopt;
}

TypeSet TypeSet::All() {
  TypeSet set;
  for (size_t i = 0; i < kFindingTypeCount; ++i) set.Add(static_cast<FindingType>(i));
  return set;
}

TypeSet TypeSet::Sensitive() {
  TypeSet set;
  for (size_t i = 0; i < kFindingTypeCount; ++i) {
    if (kTypes[i].sensitive) set.Add(static_cast<FindingType>(i));
  }
  return set;
}

Result<TypeSet> TypeSet::Parse(std::string_view names) {
  TypeSet set;
  while (!names.empty()) {
    size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (name.empty()) continue;
    std::optional<FindingType> type = FindingTypeFromName(name);
    if (!type) {
      std::vector<std::string> known;
      for (const TypeInfo& info : kTypes) known.emplace_back(info.name);
      std::optional<std::string> closest = SuggestClosest(name, known);
      return Error(ErrorKind::kInvalidArgument, "unknown_finding_type",
                   "unknown finding type '" + std::string(name) + "'" +
                       (closest ? "; did you mean '" + *closest + "'?" : "") +
                       " Types are listed in docs/guard.md.");
    }
    set.Add(*type);
  }
  return set;
}

}  // namespace privacyd::guard
