// The record of processing activities (GDPR Art. 30(1)), derived from the policy: one activity
// per purpose, with the controller and its representatives, the DPO, the purpose, its legal
// basis per regime, the categories of data subjects and of personal data, the recipients, the
// transfers to third countries and their safeguards, the retention period, the security
// measures and the collection points that feed it.
//
// BuildRopa only reads its inputs and returns plain values, so it is safe to call from many
// threads on a shared policy. Rendering the record as JSON, CSV or XLSX is in ropa_format.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "policy/taxonomy.h"

namespace privacyd {

struct RopaRecipient {
  std::string id;
  std::string name;  // in the record's language
  RecipientRole role = RecipientRole::kProcessor;
  std::string role_text;  // the role in words ("processor")
};

// One destination country of one recipient outside the EEA, the UK and Switzerland.
struct RopaTransfer {
  std::string recipient_id;
  std::string recipient_name;
  std::string country;  // ISO 3166-1 alpha-2, as in the policy
  bool adequate = false;
  // Jurisdictions::Adequacy's basis when `adequate` ("adequacy:eu:IL since 2011-01-31"),
  // otherwise "safeguards", or "none" when the recipient declares no usable safeguard.
  std::string basis;
  std::vector<Safeguard> safeguards;  // relied on when not adequate
  std::string safeguard_text;         // the basis in words
};

struct RopaActivity {
  std::string id;           // the purpose id
  std::string name;         // in the record's language
  std::string description;  // the purpose, in the record's language
  std::string data_use;     // fideslang data use key
  // Regime id ("gdpr", "uk_gdpr", ...; "default" for every other regime) -> basis.
  std::map<std::string, LegalBasis> legal_basis;
  std::string legal_basis_text;  // "gdpr: consent; ...; other regimes: legitimate interests"
  std::vector<std::string> subject_keys;
  std::vector<std::string> subject_names;  // taxonomy names, same order as subject_keys
  std::vector<std::string> category_keys;
  std::vector<std::string> category_names;  // taxonomy names, same order as category_keys
  std::vector<RopaRecipient> recipients;
  std::vector<RopaTransfer> transfers;
  RetentionRule retention;
  std::string retention_text;  // "2 years after the last interaction", then the reason if any
  std::string security_measures;
  std::vector<std::string> collection_point_ids;
  std::vector<std::string> collection_point_names;
};

struct Ropa {
  std::string policy_version;
  std::string language;  // the language the texts are in
  Micros as_of = 0;      // the time the transfers' adequacy was judged at
  Entity controller;
  std::vector<Entity> representatives;
  Contact dpo;
  std::vector<RopaActivity> activities;  // in purpose id order
};

// The origin whose law the transfers are judged under: a German data subject stands for the
// EEA. A destination under the EU, UK or Swiss regime is not a transfer to a third country.
inline constexpr char kRopaTransferOrigin[] = "DE";

// Builds the record for `policy` in `language` (one of policy.languages; empty: the policy's
// first language), judging transfers at time `at`. Texts missing in that language fall back to
// the policy's first language, then to any. Taxonomy keys unknown to `taxonomy` are shown as
// the key itself.
//
// Errors: kInvalidArgument "unsupported_language" when `language` is not one of the policy's
// languages (the message lists them).
Result<Ropa> BuildRopa(const Policy& policy, const Taxonomy& taxonomy,
                       const Jurisdictions& jurisdictions, const std::string& language, Micros at);

}  // namespace privacyd
