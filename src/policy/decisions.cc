#include "policy/decisions.h"

#include <algorithm>
#include <cctype>

#include "core/suggest.h"

namespace privacyd {
namespace {

struct ReasonText {
  const char* name;
  const char* description;
};

// Indexed by Reason.
constexpr ReasonText kReasons[] = {
    {"declared", "the field is declared at this collection point"},
    {"undeclared_field", "this collection point declares no such field"},
    {"consent_granted", "the legal basis is consent, and the person granted it"},
    {"legitimate_interests",
     "the legal basis is legitimate interests, and the person has not objected"},
    {"contract", "the legal basis is the performance of a contract"},
    {"legal_obligation", "the legal basis is a legal obligation"},
    {"vital_interests", "the legal basis is the vital interests of a person"},
    {"public_task", "the legal basis is a task in the public interest"},
    {"notice", "the regime requires notice only, and the person has not opted out"},
    {"category_not_in_purpose", "the purpose does not use this data category"},
    {"no_legal_basis", "the purpose states no legal basis for this regime"},
    {"consent_required", "the legal basis is consent, and the person has not granted it"},
    {"objected", "the person objected to this processing"},
    {"no_transfer_rule", "the origin's regime restricts no transfer"},
    {"adequacy", "every destination is in the origin's area or has an adequacy decision"},
    {"dpf", "adequacy for a recipient certified under the Data Privacy Framework"},
    {"scc", "a destination without adequacy is covered by standard contractual clauses"},
    {"bcr", "a destination without adequacy is covered by binding corporate rules"},
    {"intercompany_agreement",
     "a destination without adequacy is covered by an intercompany agreement"},
    {"sale_prohibited", "the policy says the data is not sold, and this purpose is a sale"},
    {"purpose_not_allowed_for_recipient", "the recipient does not receive data for this purpose"},
    {"not_a_recipient_category", "the recipient does not receive this data category"},
    {"not_a_recipient_country", "the recipient does not receive data in this country"},
    {"transfer_without_safeguard",
     "a destination has no adequacy decision and the recipient no safeguard that covers it"},
    {"retention_rule", "the purpose's retention rule applies"},
    {"prohibited_category", "the data category is prohibited: it may not be processed at all"},
};
static_assert(std::size(kReasons) == static_cast<size_t>(Reason::kProhibitedCategory) + 1);

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Error Unknown(const char* code, const char* what, std::string_view name,
              const std::vector<std::string>& known) {
  std::string message = std::string("no ") + what + " is called '" + std::string(name) + "'";
  if (auto suggestion = SuggestClosest(name, known)) {
    message += "; did you mean '" + *suggestion + "'?";
  } else if (!known.empty() && known.size() <= 24) {
    message += "; known: ";
    for (size_t i = 0; i < known.size(); ++i) message += (i ? ", " : "") + known[i];
  }
  return Error(ErrorKind::kInvalidArgument, code, message);
}

// Index of `name` in `index`, or an "unknown" error.
Result<uint16_t> Lookup(const std::map<std::string, uint16_t, std::less<>>& index,
                        std::string_view name, const char* code, const char* what,
                        const std::vector<std::string>& known) {
  auto it = index.find(name);
  if (it == index.end()) return Unknown(code, what, name, known);
  return it->second;
}

Reason AllowedReason(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kConsent:
      return Reason::kConsentGranted;
    case LegalBasis::kContract:
      return Reason::kContract;
    case LegalBasis::kLegalObligation:
      return Reason::kLegalObligation;
    case LegalBasis::kVitalInterests:
      return Reason::kVitalInterests;
    case LegalBasis::kPublicTask:
      return Reason::kPublicTask;
    case LegalBasis::kLegitimateInterests:
      return Reason::kLegitimateInterests;
    case LegalBasis::kNotice:
      return Reason::kNotice;
  }
  return Reason::kNoLegalBasis;
}

bool Has(const std::vector<Safeguard>& safeguards, Safeguard s) {
  return std::find(safeguards.begin(), safeguards.end(), s) != safeguards.end();
}

}  // namespace

const char* ReasonName(Reason reason) { return kReasons[static_cast<size_t>(reason)].name; }
const char* ReasonDescription(Reason reason) {
  return kReasons[static_cast<size_t>(reason)].description;
}

const char* ConsentStateName(ConsentState state) {
  switch (state) {
    case ConsentState::kNone:
      return "none";
    case ConsentState::kGranted:
      return "granted";
    case ConsentState::kWithdrawn:
      return "withdrawn";
    case ConsentState::kObjected:
      return "objected";
  }
  return "none";
}

Result<ConsentState> ParseConsentState(std::string_view name) {
  for (auto s : {ConsentState::kNone, ConsentState::kGranted, ConsentState::kWithdrawn,
                 ConsentState::kObjected}) {
    if (name == ConsentStateName(s)) return s;
  }
  return Error(
      ErrorKind::kInvalidArgument, "invalid_consent_state",
      "consent state '" + std::string(name) + "' is not one of none, granted, withdrawn, objected");
}

uint32_t DecisionTables::ClauseIndex(const std::string& key) {
  auto it = clause_index_.find(key);
  if (it != clause_index_.end()) return it->second;
  auto index = static_cast<uint32_t>(clauses_.size());
  clause_text_.push_back(key);
  clauses_.push_back(clause_text_.back());
  clause_index_.emplace(key, index);
  return index;
}

std::shared_ptr<const DecisionTables> DecisionTables::Compile(const Policy& policy,
                                                              const Taxonomy& taxonomy,
                                                              const Jurisdictions& jurisdictions) {
  std::shared_ptr<DecisionTables> t(new DecisionTables());
  t->taxonomy_ = &taxonomy;
  t->jurisdictions_ = &jurisdictions;
  t->version_ = policy.version;
  t->effective_date_ = policy.effective_date;

  auto intern = [](std::vector<std::string>& names,
                   std::map<std::string, uint16_t, std::less<>>& index, const std::string& name) {
    auto [it, inserted] = index.emplace(name, static_cast<uint16_t>(names.size()));
    if (inserted) names.push_back(name);
    return it->second;
  };

  // Names.
  for (const auto& [id, point] : policy.collection_points) {
    intern(t->point_names_, t->points_, id);
    for (const auto& field : point.fields) intern(t->field_names_, t->fields_, field.name);
  }
  for (const TaxonomyEntry* e : taxonomy.All(TaxonomyKind::kDataCategory)) {
    intern(t->category_names_, t->categories_by_name_, e->key);
  }
  for (const auto& [id, _] : policy.purposes) intern(t->purpose_names_, t->purposes_by_name_, id);
  for (const auto& [id, _] : policy.recipients) {
    intern(t->recipient_names_, t->recipients_by_name_, id);
  }
  for (const Regime* r : jurisdictions.Regimes()) {
    intern(t->regime_names_, t->regimes_by_name_, r->id);
  }
  // Adequacy depends on the origin only through its regime's adequacy list, so the origins are
  // those lists, plus "" for regimes without one; each stands for a country that has it.
  intern(t->origin_lists_, t->origins_by_list_, "");
  for (const Regime* r : jurisdictions.Regimes()) {
    intern(t->origin_lists_, t->origins_by_list_, r->adequacy_list);
  }
  t->origin_country_.assign(t->origin_lists_.size(), "");
  std::vector<bool> represented(t->origin_lists_.size(), false);
  for (const std::string& code : jurisdictions.MappedCodes()) {
    size_t o = t->origins_by_list_.at(jurisdictions.RegimeFor(code).adequacy_list);
    if (!represented[o]) {
      represented[o] = true;
      t->origin_country_[o] = code;
    }
  }

  t->field_columns_ = t->field_names_.size() + 1;
  t->categories_ = t->category_names_.size();
  t->purposes_ = t->purpose_names_.size();
  t->recipients_ = t->recipient_names_.size();
  t->regimes_ = t->regime_names_.size();

  auto covers = [&](const std::string& ancestor, const std::string& key) {
    return taxonomy.Covers(TaxonomyKind::kDataCategory, ancestor, key);
  };
  auto covered_by = [&](const std::vector<std::string>& list, const std::string& key) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& a) { return covers(a, key); });
  };
  // As the validator: a category overlapping a prohibited one (either contains the other).
  std::vector<bool> prohibited(t->categories_, false);
  for (size_t c = 0; c < t->categories_; ++c) {
    const std::string& key = t->category_names_[c];
    prohibited[c] =
        std::any_of(policy.prohibited_categories.begin(), policy.prohibited_categories.end(),
                    [&](const std::string& q) { return covers(q, key) || covers(key, q); });
  }
  const uint32_t prohibited_clause = t->ClauseIndex("prohibited_categories");
  const uint32_t refused_prohibited = Pack(false, Reason::kProhibitedCategory, prohibited_clause);
  auto category_prohibited = [&](const std::string& key) {
    auto it = t->categories_by_name_.find(key);
    if (it != t->categories_by_name_.end()) return static_cast<bool>(prohibited[it->second]);
    return std::any_of(policy.prohibited_categories.begin(), policy.prohibited_categories.end(),
                       [&](const std::string& q) { return covers(q, key) || covers(key, q); });
  };

  // collect: [point][field column]
  t->collect_.resize(t->point_names_.size() * t->field_columns_);
  for (const auto& [id, point] : policy.collection_points) {
    size_t p = t->points_.at(id);
    uint32_t undeclared = Pack(false, Reason::kUndeclaredField,
                               t->ClauseIndex("collection_points." + id + ".fields"));
    std::fill_n(&t->collect_[p * t->field_columns_], t->field_columns_, undeclared);
    for (const auto& field : point.fields) {
      size_t f = t->fields_.at(field.name);
      t->collect_[p * t->field_columns_ + f] =
          category_prohibited(field.category)
              ? refused_prohibited
              : Pack(true, Reason::kDeclared,
                     t->ClauseIndex("collection_points." + id + ".fields." + field.name));
    }
  }

  // use and retention: [purpose][category], [purpose][regime][consent]
  t->category_purpose_.resize(t->purposes_ * t->categories_);
  t->basis_.resize(t->purposes_ * t->regimes_ * 4);
  t->retention_.resize(t->purposes_);
  t->retention_decision_.resize(t->purposes_);
  std::vector<bool> sale(t->purposes_, false);
  for (const auto& [id, purpose] : policy.purposes) {
    size_t u = t->purposes_by_name_.at(id);
    const std::string path = "purposes." + id;
    uint32_t in_purpose = Pack(true, Reason::kDeclared, t->ClauseIndex(path + ".categories"));
    uint32_t not_in_purpose =
        Pack(false, Reason::kCategoryNotInPurpose, t->ClauseIndex(path + ".categories"));
    for (size_t c = 0; c < t->categories_; ++c) {
      t->category_purpose_[u * t->categories_ + c] =
          prohibited[c]                                           ? refused_prohibited
          : covered_by(purpose.categories, t->category_names_[c]) ? in_purpose
                                                                  : not_in_purpose;
    }
    t->retention_[u] = purpose.retention;
    t->retention_decision_[u] =
        Pack(true, Reason::kRetentionRule, t->ClauseIndex(path + ".retention"));

    const bool marketing = taxonomy.Covers(TaxonomyKind::kDataUse, "marketing", purpose.data_use);
    sale[u] = taxonomy.Covers(TaxonomyKind::kDataUse, "third_party_sharing", purpose.data_use) &&
              !taxonomy.Covers(TaxonomyKind::kDataUse, "third_party_sharing.legal_obligation",
                               purpose.data_use);
    for (size_t j = 0; j < t->regimes_; ++j) {
      const std::string& regime = t->regime_names_[j];
      auto basis = purpose.legal_basis.find(regime);
      if (basis == purpose.legal_basis.end()) basis = purpose.legal_basis.find("default");
      for (auto consent : {ConsentState::kNone, ConsentState::kGranted, ConsentState::kWithdrawn,
                           ConsentState::kObjected}) {
        uint32_t& out = t->basis_[(u * t->regimes_ + j) * 4 + static_cast<size_t>(consent)];
        if (marketing && consent == ConsentState::kObjected) {
          // An objection to direct marketing is absolute (GDPR Art. 21(3)), whatever the basis.
          out = Pack(false, Reason::kObjected, t->ClauseIndex(path + ".data_use"));
          continue;
        }
        if (basis == purpose.legal_basis.end()) {
          out = Pack(false, Reason::kNoLegalBasis, t->ClauseIndex(path + ".legal_basis"));
          continue;
        }
        uint32_t clause = t->ClauseIndex(path + ".legal_basis." + basis->first);
        switch (basis->second) {
          case LegalBasis::kConsent:
            out = consent == ConsentState::kGranted ? Pack(true, Reason::kConsentGranted, clause)
                                                    : Pack(false, Reason::kConsentRequired, clause);
            break;
          case LegalBasis::kLegitimateInterests:
          case LegalBasis::kNotice:
            out = consent == ConsentState::kObjected
                      ? Pack(false, Reason::kObjected, clause)
                      : Pack(true, AllowedReason(basis->second), clause);
            break;
          default:
            out = Pack(true, AllowedReason(basis->second), clause);
        }
      }
    }
  }

  // disclose: [recipient][purpose], [recipient][purpose][category], [origin][recipient]
  t->recipient_purpose_.resize(t->recipients_ * t->purposes_);
  t->recipient_purpose_category_.resize(t->recipients_ * t->purposes_ * t->categories_);
  t->safeguards_.resize(t->recipients_);
  t->recipient_countries_.resize(t->recipients_);
  t->safeguards_clause_.resize(t->recipients_);
  t->countries_clause_.resize(t->recipients_);
  const uint32_t sale_clause = t->ClauseIndex("sells_data");
  for (const auto& [id, recipient] : policy.recipients) {
    size_t r = t->recipients_by_name_.at(id);
    const std::string path = "recipients." + id;
    t->safeguards_[r] = recipient.safeguards;
    for (const auto& c : recipient.countries) t->recipient_countries_[r].push_back(Upper(c));
    t->safeguards_clause_[r] = t->ClauseIndex(path + ".safeguards");
    t->countries_clause_[r] = t->ClauseIndex(path + ".countries");
    uint32_t not_for_purpose =
        Pack(false, Reason::kPurposeNotAllowedForRecipient, t->ClauseIndex(path + ".purposes"));
    uint32_t for_purpose = Pack(true, Reason::kDeclared, t->ClauseIndex(path + ".purposes"));
    uint32_t not_category =
        Pack(false, Reason::kNotARecipientCategory, t->ClauseIndex(path + ".categories"));
    std::vector<bool> receives(t->categories_);
    for (size_t c = 0; c < t->categories_; ++c) {
      receives[c] = covered_by(recipient.categories, t->category_names_[c]);
    }
    for (size_t u = 0; u < t->purposes_; ++u) {
      const std::string& purpose = t->purpose_names_[u];
      uint32_t rp = !policy.sells_data && sale[u]
                        ? Pack(false, Reason::kSaleProhibited, sale_clause)
                    : std::find(recipient.purposes.begin(), recipient.purposes.end(), purpose) ==
                            recipient.purposes.end()
                        ? not_for_purpose
                        : for_purpose;
      t->recipient_purpose_[r * t->purposes_ + u] = rp;
      uint32_t* row = &t->recipient_purpose_category_[(r * t->purposes_ + u) * t->categories_];
      for (size_t c = 0; c < t->categories_; ++c) {
        uint32_t cp = t->category_purpose_[u * t->categories_ + c];
        row[c] = !Allowed(rp)    ? rp
                 : prohibited[c] ? refused_prohibited
                 : !receives[c]  ? not_category
                 : !Allowed(cp)  ? cp
                                 : rp;
      }
    }
  }
  t->transfer_.resize(t->origin_lists_.size() * t->recipients_);
  for (size_t o = 0; o < t->origin_lists_.size(); ++o) {
    for (size_t r = 0; r < t->recipients_; ++r) {
      t->transfer_[o * t->recipients_ + r] =
          t->Transfer(t->origin_country_[o], r, t->recipient_countries_[r], t->effective_date_);
    }
  }
  return t;
}

uint32_t DecisionTables::Transfer(std::string_view origin_country, size_t r,
                                  const std::vector<std::string>& countries, Micros at) const {
  const auto& safeguards = safeguards_[r];
  const bool dpf = Has(safeguards, Safeguard::kDpf);
  // The answer names the strongest measure any destination needed.
  int best_rank = -1;
  uint32_t best = Pack(true, Reason::kNoTransferRule, countries_clause_[r]);
  for (const auto& country : countries) {
    auto answer = jurisdictions_->Adequacy(origin_country, country, at, dpf);
    int rank;
    uint32_t decision;
    if (answer.adequate) {
      if (answer.basis.rfind("dpf:", 0) == 0) {
        rank = 2;
        decision = Pack(true, Reason::kDpf, safeguards_clause_[r]);
      } else if (answer.basis == "no_transfer_rule") {
        rank = 0;
        decision = Pack(true, Reason::kNoTransferRule, countries_clause_[r]);
      } else {
        rank = 1;
        decision = Pack(true, Reason::kAdequacy, countries_clause_[r]);
      }
    } else {
      rank = 3;
      if (Has(safeguards, Safeguard::kScc)) {
        decision = Pack(true, Reason::kScc, safeguards_clause_[r]);
      } else if (Has(safeguards, Safeguard::kBcr)) {
        decision = Pack(true, Reason::kBcr, safeguards_clause_[r]);
      } else if (Has(safeguards, Safeguard::kIntercompanyAgreement)) {
        decision = Pack(true, Reason::kIntercompanyAgreement, safeguards_clause_[r]);
      } else {
        return Pack(false, Reason::kTransferWithoutSafeguard, safeguards_clause_[r]);
      }
    }
    if (rank > best_rank) {
      best_rank = rank;
      best = decision;
    }
  }
  return best;
}

Result<PointId> DecisionTables::FindPoint(std::string_view point) const {
  auto id = Lookup(points_, point, "unknown_point", "collection point", point_names_);
  if (!id.ok()) return id.error();
  return PointId{*id};
}

FieldId DecisionTables::FindField(std::string_view field) const {
  auto it = fields_.find(field);
  return FieldId{static_cast<uint16_t>(it == fields_.end() ? field_names_.size() : it->second)};
}

Result<CategoryId> DecisionTables::FindCategory(std::string_view category) const {
  auto it = categories_by_name_.find(category);
  if (it != categories_by_name_.end()) return CategoryId{it->second};
  std::string message = "no data category is called '" + std::string(category) + "'";
  if (auto s = taxonomy_->Suggest(TaxonomyKind::kDataCategory, category)) {
    message += "; did you mean '" + *s + "'?";
  }
  return Error(ErrorKind::kInvalidArgument, "unknown_category", message);
}

Result<PurposeId> DecisionTables::FindPurpose(std::string_view purpose) const {
  auto id = Lookup(purposes_by_name_, purpose, "unknown_purpose", "purpose", purpose_names_);
  if (!id.ok()) return id.error();
  return PurposeId{*id};
}

Result<RecipientId> DecisionTables::FindRecipient(std::string_view recipient) const {
  auto id =
      Lookup(recipients_by_name_, recipient, "unknown_recipient", "recipient", recipient_names_);
  if (!id.ok()) return id.error();
  return RecipientId{*id};
}

Result<RegimeId> DecisionTables::FindRegime(std::string_view regime) const {
  auto id = Lookup(regimes_by_name_, regime, "unknown_regime", "regime", regime_names_);
  if (!id.ok()) return id.error();
  return RegimeId{*id};
}

namespace {
// The country part of a country or subdivision code, upper-cased ("us-ca" -> "US").
std::string CountryOf(std::string_view code) { return Upper(code.substr(0, code.find('-'))); }
}  // namespace

Result<RegimeId> DecisionTables::RegimeForCountry(std::string_view country) const {
  if (!jurisdictions_->IsKnownCountry(CountryOf(country))) {
    return Error(ErrorKind::kInvalidArgument, "unknown_country",
                 "'" + std::string(country) +
                     "' is not an ISO 3166-1 country code (\"DE\") or subdivision (\"US-CA\")");
  }
  return RegimeId{regimes_by_name_.at(jurisdictions_->RegimeFor(country).id)};
}

Result<OriginId> DecisionTables::FindOrigin(std::string_view country) const {
  if (!jurisdictions_->IsKnownCountry(CountryOf(country))) {
    return Error(ErrorKind::kInvalidArgument, "unknown_country",
                 "origin '" + std::string(country) +
                     "' is not an ISO 3166-1 country code (\"DE\") or subdivision (\"US-CA\")");
  }
  return OriginId{origins_by_list_.at(jurisdictions_->RegimeFor(country).adequacy_list)};
}

Result<Decision> DecisionTables::Collect(std::string_view point, std::string_view field) const {
  auto p = FindPoint(point);
  if (!p.ok()) return p.error();
  return Collect(*p, FindField(field));
}

Result<Decision> DecisionTables::Use(std::string_view category, std::string_view purpose,
                                     std::string_view regime, ConsentState consent) const {
  auto c = FindCategory(category);
  if (!c.ok()) return c.error();
  auto u = FindPurpose(purpose);
  if (!u.ok()) return u.error();
  auto j = FindRegime(regime);
  if (!j.ok()) {
    // Not a regime id: a country code stands for its regime.
    if (!jurisdictions_->IsKnownCountry(CountryOf(regime))) return j.error();
    j = RegimeForCountry(regime);
    if (!j.ok()) return j.error();
  }
  return Use(*c, *u, *j, consent);
}

Result<Decision> DecisionTables::Disclose(const DiscloseQuestion& q) const {
  auto r = FindRecipient(q.recipient);
  if (!r.ok()) return r.error();
  auto u = FindPurpose(q.purpose);
  if (!u.ok()) return u.error();
  if (q.categories.empty()) {
    return Error(ErrorKind::kInvalidArgument, "no_categories",
                 "name at least one data category to disclose");
  }
  std::vector<CategoryId> categories;
  for (const auto& name : q.categories) {
    auto c = FindCategory(name);
    if (!c.ok()) return c.error();
    categories.push_back(*c);
  }
  auto o = FindOrigin(q.origin);
  if (!o.ok()) return o.error();
  if (q.destination.empty() && !q.at) return Disclose(*r, *u, categories, *o);

  // Judged live: the table holds only every country at the effective date.
  const size_t ri = Index(*r);
  size_t rp = ri * purposes_ + Index(*u);
  if (!Allowed(recipient_purpose_[rp])) return Unpack(recipient_purpose_[rp]);
  for (CategoryId c : categories) {
    uint32_t v = recipient_purpose_category_[rp * categories_ + Index(c)];
    if (!Allowed(v)) return Unpack(v);
  }
  std::vector<std::string> countries = recipient_countries_[ri];
  if (!q.destination.empty()) {
    std::string destination = Upper(q.destination);
    if (std::find(countries.begin(), countries.end(), destination) == countries.end()) {
      return Unpack(Pack(false, Reason::kNotARecipientCountry, countries_clause_[ri]));
    }
    countries = {destination};
  }
  return Unpack(Transfer(q.origin, ri, countries, q.at.value_or(effective_date_)));
}

Result<RetentionAnswer> DecisionTables::Retention(std::string_view category,
                                                  std::string_view purpose) const {
  auto c = FindCategory(category);
  if (!c.ok()) return c.error();
  auto u = FindPurpose(purpose);
  if (!u.ok()) return u.error();
  return Retention(*c, *u);
}

}  // namespace privacyd
