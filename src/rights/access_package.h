// The access and portability package (GDPR Art. 15 and 20) of the data privacyd itself holds
// about a person: one zip with
//   data.json      everything, machine-readable (schema: docs/access-package.md);
//   <category>.csv one file per data category (RFC 4180, cells that a spreadsheet would read as
//                  a formula prefixed with ');
//   index.html     a readable page in the person's language (en, de, fr) with their data and the
//                  information Art. 15 requires: purposes, categories, recipients, sources,
//                  retention, transfers and their safeguards, rights and complaint routes; no
//                  script and nothing loaded from elsewhere.
// Other people's personal data is redacted in every file (Art. 15(4)): email addresses and phone
// numbers in free text that are not the person's own identities, and the addresses of the
// colleagues the person referred to us. The package says how many values of which field were
// redacted, never what they were.
//
// Delivery (download links, expiry) is the request workflow's; this builds the bytes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "guard/guard.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"

namespace privacyd {

struct AccessPackageInfo {
  std::string language;                             // the language the package is written in
  size_t values = 0;                                // identities and attributes included
  size_t redactions = 0;                            // redacted occurrences, all fields together
  std::map<std::string, size_t> redacted_by_field;  // field (or "referrals") -> occurrences
  std::vector<std::string> files;                   // names inside the zip, in order
  // Values included per data category (fideslang key; "other" when unknown).
  std::map<std::string, size_t> categories;
  size_t subjects = 0;  // the subjects whose data the package holds
};

class AccessPackage {
 public:
  // Not owned; must outlive the AccessPackage. `guard` finds the email addresses and phone
  // numbers to redact.
  AccessPackage(SubjectRegistry& registry, const PolicyHolder& policy, const guard::Guard& guard,
                const Clock& clock)
      : registry_(registry), policy_(policy), guard_(guard), clock_(clock) {}

  // The zip's bytes for the subject, in `language` ("en", "de" or "fr"; another falls back to
  // the policy's first language privacyd has words for, else English). Reading the subject is
  // audited by the registry ("subject.export"). `info`, when given, receives what was packed.
  // Thread-safe. Errors: those of SubjectRegistry::Export (forbidden, subject_not_found);
  // kInternal "zip_failed" when libzip fails.
  Result<std::string> Build(const AccessContext& ctx, const std::string& subject_id,
                            const std::string& language, AccessPackageInfo* info = nullptr) const;
  // One package of the data of several subjects that are the same person (a request that
  // found them by different identities), the first one's record leading: every subject's
  // identities, values, referrals, consent events and disclosures together, and each subject in
  // data.json's `subjects`. Subjects that no longer exist (erased) are left out; kNotFound
  // "subject_not_found" when none is left. Other errors as the single-subject Build.
  Result<std::string> Build(const AccessContext& ctx, const std::vector<std::string>& subject_ids,
                            const std::string& language, AccessPackageInfo* info = nullptr) const;
  // The same, written to `path` (created or replaced, mode 0600). Errors: those of Build;
  // kUnavailable "write_failed" when the file cannot be written.
  Status WriteTo(const AccessContext& ctx, const std::string& subject_id,
                 const std::string& language, const std::string& path,
                 AccessPackageInfo* info = nullptr) const;

 private:
  SubjectRegistry& registry_;
  const PolicyHolder& policy_;
  const guard::Guard& guard_;
  const Clock& clock_;
};

// One CSV cell: quoted when it holds a comma, quote, CR or LF (quotes doubled, RFC 4180), and
// prefixed with ' when it starts with =, +, -, @, tab or CR, so a spreadsheet shows it as text.
std::string CsvCell(std::string_view value);

}  // namespace privacyd
