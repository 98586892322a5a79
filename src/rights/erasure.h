// Erasure (GDPR Art. 17) of the data privacyd itself holds about a person, with the exemptions
// the policy and staff declare.
//
// What goes: every stored value of the person (attributes, the sealed values of their
// identities, the addresses of colleagues they referred that were not written to yet) and, when
// nothing is kept, their data key, which makes any copy of their sealed data unreadable
// (crypto-shredding). What stays, by design: each identity's blind index, as the tombstone that
// makes imports skip the person and the consent check answer "erased"; the suppression list
// (an objection to direct marketing outlives erasure); the consent ledger, which holds no
// personal data and is the proof of consent. The subject is marked erased.
//
// What is kept, and why (each kept value carries its reason in en, de and fr):
//   - a legal hold staff place on the person (e.g. a pending lawsuit, Art. 17(3)(e)): the values
//     of the hold's categories, or all of them;
//   - statutory retention (policy `retention.statutory` on a purpose, Art. 17(3)(b)): the values
//     collected for that purpose, of its categories, until its `keep` runs out; the person's
//     identities of those categories stay with them, so the kept records still say whose they
//     are.
// Kept values stay sealed under the person's data key, which therefore stays; the outcome is
// then "partially_completed". Running Erase again later (the hold lifted, the period over)
// erases what is no longer exempt.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "policy/policy.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"

namespace privacyd {

struct LegalHold {
  std::string id;                       // the hold's reference (a case number), no personal data
  std::vector<std::string> categories;  // data categories it covers; empty: all of the data
  LocalizedText reason;  // told to the person, per language; empty: a standard sentence
};

struct ErasureOptions {
  std::vector<LegalHold> legal_holds;
};

// A value an erasure kept.
struct KeptValue {
  std::string field;  // attribute name, or identity kind
  bool identity = false;
  std::string category;         // fideslang key, "" when unknown
  std::string exemption;        // "legal_hold:<id>" or "statutory_retention:<purpose id>"
  std::optional<Micros> until;  // when the statutory period ends, if it is known
  LocalizedText reason;         // one sentence per language: "en", "de", "fr"
};

struct ErasureReport {
  std::string subject_id;
  std::string outcome;  // "completed" or "partially_completed"
  size_t attributes_deleted = 0;
  size_t identities_cleared = 0;
  size_t referral_addresses_deleted = 0;
  bool key_destroyed = false;
  std::vector<KeptValue> kept;
  // Every value found (deleted or kept) per data category (fideslang key; "other" when
  // unknown).
  std::map<std::string, size_t> found;
};

class Erasure {
 public:
  // Not owned; must outlive the Erasure.
  Erasure(SubjectRegistry& registry, const PolicyHolder& policy, const Clock& clock)
      : registry_(registry), policy_(policy), clock_(clock) {}

  // Erases the subject as described above, in one transaction, audited ("subject.erase", with
  // counts and the exemptions applied, no values). Thread-safe.
  // Errors: those of SubjectRegistry::Erase (forbidden, subject_not_found);
  // kInvalidArgument "invalid_legal_hold" for a hold without an id.
  Result<ErasureReport> Erase(const AccessContext& ctx, const std::string& subject_id,
                              const ErasureOptions& options = {}) const;

 private:
  SubjectRegistry& registry_;
  const PolicyHolder& policy_;
  const Clock& clock_;
};

}  // namespace privacyd
