// Enforcement decisions: the validated policy compiled into in-memory tables that answer, with
// the clause of the policy that decided it,
//   - collect:   may field F be collected at collection point P?
//   - use:       may category C be used for purpose U for a person under regime J whose consent
//                state is S?
//   - disclose:  may categories Cs be disclosed to recipient R for purpose U when the data
//                originates in country O?
//   - retention: which retention rule applies to category C kept for purpose U?
//
// Names (points, fields, purposes, recipients, regimes, categories) are interned to small integer
// ids once, when the tables are compiled; every combination is decided then, so a question asked
// with ids is a few array lookups: no allocation, no hashing, no string comparison. The
// string-taking methods resolve names first and are meant for the CLI and the HTTP API.
//
// The rules, in the order they are applied:
//   collect    the field must be declared at the point (collection_points.P.fields.F); its
//              category must not overlap a prohibited category.
//   use        the category must not overlap a prohibited category, and must be among the
//              purpose's categories (a purpose listing `user.contact` covers
//              `user.contact.email`). An objection to a marketing purpose (data use under
//              `marketing`) is absolute (purposes.U.data_use). Otherwise the purpose's legal basis
//              for the regime (or its `default`) decides: consent requires `granted`; legitimate
//              interests and notice stand unless the person objected; contract, legal
//              obligation, vital interests and public task stand.
//   disclose   no sale when the policy says `sells_data: false`: fideslang has no "sale" data
//              use, so a purpose whose data use is `third_party_sharing` or under it counts as
//              one, except `third_party_sharing.legal_obligation` (a disclosure the law compels
//              is not a sale). Then the purpose must be among the recipient's purposes, each
//              category among the purpose's and the recipient's categories and not prohibited,
//              and the transfer from the origin to each of the recipient's countries must be
//              adequate (Jurisdictions::Adequacy, DPF counting when the recipient lists the `dpf`
//              safeguard) or covered by `scc`, `bcr` or `intercompany_agreement`. An allowed
//              answer names the strongest safeguard any country needed.
//   retention  the purpose's retention rule, when the category is among its categories.
//
// A DecisionTables is immutable once compiled, so a const one may be shared between threads.
// Clause keys are views into the tables: valid while the tables live. The Taxonomy and the
// Jurisdictions given to Compile must outlive the tables (Default() ones live forever).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "policy/taxonomy.h"

namespace privacyd {

// Why a question was answered as it was. Stable snake_case names via ReasonName().
enum class Reason : uint8_t {
  // collect
  kDeclared,         // allowed: the field is declared at the point
  kUndeclaredField,  // the point declares no such field
  // use
  kConsentGranted,       // allowed: the basis is consent and the person granted it
  kLegitimateInterests,  // allowed: legitimate interests, no objection
  kContract,             // allowed
  kLegalObligation,      // allowed
  kVitalInterests,       // allowed
  kPublicTask,           // allowed
  kNotice,               // allowed: the regime needs notice only, no objection
  kCategoryNotInPurpose,
  kNoLegalBasis,
  kConsentRequired,  // the basis is consent and the person has not granted it (or withdrew it)
  kObjected,
  // disclose
  kNoTransferRule,         // allowed: the origin's regime restricts no transfer
  kAdequacy,               // allowed: same area or an adequacy decision
  kDpf,                    // allowed: adequacy for a Data Privacy Framework certified recipient
  kScc,                    // allowed: standard contractual clauses
  kBcr,                    // allowed: binding corporate rules
  kIntercompanyAgreement,  // allowed
  kSaleProhibited,
  kPurposeNotAllowedForRecipient,
  kNotARecipientCategory,
  kNotARecipientCountry,
  kTransferWithoutSafeguard,
  // retention
  kRetentionRule,  // allowed: the purpose's rule applies
  // any
  kProhibitedCategory,
};

// "consent_required", ...
const char* ReasonName(Reason reason);
// A sentence for a person: "the legal basis is consent and the person has not granted it".
const char* ReasonDescription(Reason reason);

struct Clause {
  std::string_view key;  // dotted policy key: "purposes.marketing_email.legal_basis.gdpr"
  Reason reason = Reason::kDeclared;
};

struct Decision {
  bool allowed = false;
  Clause clause;
};

struct RetentionAnswer {
  Decision decision;
  // The purpose's rule when decision.allowed, else null. Points into the tables.
  const RetentionRule* rule = nullptr;
};

enum class ConsentState : uint8_t { kNone, kGranted, kWithdrawn, kObjected };

// "none", "granted", "withdrawn", "objected".
const char* ConsentStateName(ConsentState state);
// Errors: kInvalidArgument "invalid_consent_state" naming the four states.
Result<ConsentState> ParseConsentState(std::string_view name);

// Ids of interned names; valid only for the tables that handed them out.
enum class PointId : uint16_t {};
enum class FieldId : uint16_t {};
enum class CategoryId : uint16_t {};
enum class PurposeId : uint16_t {};
enum class RecipientId : uint16_t {};
enum class RegimeId : uint16_t {};
// Where data originates, as far as transfers are concerned: the adequacy list of the origin's
// regime (EU, UK, Swiss, or none).
enum class OriginId : uint16_t {};

// A disclosure question by name. `destination`, when set, restricts the transfer check to that
// one of the recipient's countries; `at`, when set, judges adequacy at that time instead of the
// policy's effective date.
struct DiscloseQuestion {
  std::string recipient;
  std::string purpose;
  std::vector<std::string> categories;
  std::string origin;       // country ("DE") or subdivision ("US-CA")
  std::string destination;  // "" = every country of the recipient
  std::optional<Micros> at;
};

class DecisionTables {
 public:
  // Compiles `policy`, which must have passed ValidatePolicy against the same taxonomy and
  // jurisdictions (an invalid one still compiles, but its answers are whatever its declarations
  // say). Never fails.
  static std::shared_ptr<const DecisionTables> Compile(const Policy& policy,
                                                       const Taxonomy& taxonomy,
                                                       const Jurisdictions& jurisdictions);

  // The version of the policy the tables were compiled from.
  const std::string& policy_version() const { return version_; }

  // --- Name resolution. Unknown names are kInvalidArgument errors ("unknown_point",
  // "unknown_purpose", "unknown_recipient", "unknown_category", "unknown_regime",
  // "unknown_country") whose message suggests the closest known name, if any.
  Result<PointId> FindPoint(std::string_view point) const;
  // Never fails: a name no point declares gets an id for which every point answers
  // undeclared_field.
  FieldId FindField(std::string_view field) const;
  Result<CategoryId> FindCategory(std::string_view category) const;  // any taxonomy category
  Result<PurposeId> FindPurpose(std::string_view purpose) const;
  Result<RecipientId> FindRecipient(std::string_view recipient) const;
  Result<RegimeId> FindRegime(std::string_view regime) const;  // "gdpr", "ccpa", ...
  // The regime of a country or subdivision (Jurisdictions::RegimeFor); the country must be an
  // ISO 3166-1 code.
  Result<RegimeId> RegimeForCountry(std::string_view country) const;
  Result<OriginId> FindOrigin(std::string_view country) const;

  // --- The hot path: ids in, a decision out. Ids must come from these tables.
  Decision Collect(PointId point, FieldId field) const {
    return Unpack(collect_[Index(point) * field_columns_ + Index(field)]);
  }
  Decision Use(CategoryId category, PurposeId purpose, RegimeId regime,
               ConsentState consent) const {
    uint32_t v = category_purpose_[Index(purpose) * categories_ + Index(category)];
    if (!Allowed(v)) return Unpack(v);
    return Unpack(
        basis_[(Index(purpose) * regimes_ + Index(regime)) * 4 + static_cast<size_t>(consent)]);
  }
  // Judged at the policy's effective date, over every country of the recipient.
  Decision Disclose(RecipientId recipient, PurposeId purpose,
                    std::span<const CategoryId> categories, OriginId origin) const {
    size_t rp = Index(recipient) * purposes_ + Index(purpose);
    uint32_t v = recipient_purpose_[rp];
    if (!Allowed(v)) return Unpack(v);
    const uint32_t* row = &recipient_purpose_category_[rp * categories_];
    for (CategoryId c : categories) {
      if (!Allowed(row[Index(c)])) return Unpack(row[Index(c)]);
    }
    return Unpack(transfer_[Index(origin) * recipients_ + Index(recipient)]);
  }
  RetentionAnswer Retention(CategoryId category, PurposeId purpose) const {
    uint32_t v = category_purpose_[Index(purpose) * categories_ + Index(category)];
    if (!Allowed(v)) return {Unpack(v), nullptr};
    return {Unpack(retention_decision_[Index(purpose)]), &retention_[Index(purpose)]};
  }

  // --- By name, for the shells: the errors of the Find* methods above.
  Result<Decision> Collect(std::string_view point, std::string_view field) const;
  // `regime` is a regime id ("gdpr") or a country code ("DE", "US-CA").
  Result<Decision> Use(std::string_view category, std::string_view purpose, std::string_view regime,
                       ConsentState consent) const;
  // Also kInvalidArgument "no_categories" when `categories` is empty.
  Result<Decision> Disclose(const DiscloseQuestion& question) const;
  Result<RetentionAnswer> Retention(std::string_view category, std::string_view purpose) const;

 private:
  DecisionTables() = default;

  // A decision packed in 32 bits: allowed (bit 31), reason (bits 24-30), clause index (0-23).
  static constexpr uint32_t kAllowedBit = 1u << 31;
  static bool Allowed(uint32_t v) { return (v & kAllowedBit) != 0; }
  template <class Id>
  static size_t Index(Id id) {
    return static_cast<size_t>(id);
  }
  Decision Unpack(uint32_t v) const {
    return {Allowed(v), {clauses_[v & 0xffffff], static_cast<Reason>((v >> 24) & 0x7f)}};
  }

  static uint32_t Pack(bool allowed, Reason reason, uint32_t clause) {
    return (allowed ? kAllowedBit : 0) | (static_cast<uint32_t>(reason) << 24) | clause;
  }
  // Interns a clause key (compile time only).
  uint32_t ClauseIndex(const std::string& key);
  // The transfer decision for data of a person in `origin_country` sent to `countries` of
  // recipient `r`, judged at `at`. Calls Jurisdictions::Adequacy (allocates; not the hot path).
  uint32_t Transfer(std::string_view origin_country, size_t r,
                    const std::vector<std::string>& countries, Micros at) const;

  const Taxonomy* taxonomy_ = nullptr;
  const Jurisdictions* jurisdictions_ = nullptr;
  std::string version_;
  Micros effective_date_ = 0;

  // Interned names, in id order, and their indexes.
  std::vector<std::string> point_names_, field_names_, category_names_, purpose_names_,
      recipient_names_, regime_names_, origin_lists_;
  std::map<std::string, uint16_t, std::less<>> points_, fields_, categories_by_name_,
      purposes_by_name_, recipients_by_name_, regimes_by_name_, origins_by_list_;

  size_t field_columns_ = 0;  // fields + 1 (the last: a name no point declares)
  size_t categories_ = 0, purposes_ = 0, recipients_ = 0, regimes_ = 0;

  std::vector<uint32_t> collect_;            // [point][field column]
  std::vector<uint32_t> category_purpose_;   // [purpose][category]: prohibited, not in purpose, ok
  std::vector<uint32_t> basis_;              // [purpose][regime][consent]
  std::vector<uint32_t> recipient_purpose_;  // [recipient][purpose]
  std::vector<uint32_t> recipient_purpose_category_;  // [recipient][purpose][category]
  std::vector<uint32_t> transfer_;                    // [origin][recipient]
  std::vector<RetentionRule> retention_;              // [purpose]
  std::vector<uint32_t> retention_decision_;          // [purpose]
  // Per recipient, for transfer checks at another time or to one destination.
  std::vector<std::vector<Safeguard>> safeguards_;
  std::vector<std::vector<std::string>> recipient_countries_;
  std::vector<uint32_t> safeguards_clause_, countries_clause_;  // [recipient]
  std::vector<std::string> origin_country_;  // [origin]: a country standing for it

  std::deque<std::string> clause_text_;  // stable storage for the views below
  std::vector<std::string_view> clauses_;
  std::map<std::string, uint32_t, std::less<>> clause_index_;
};

}  // namespace privacyd
