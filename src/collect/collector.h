// Collection points: the only door through which personal data enters. A submission to a point
// of the policy in force is checked against everything the point declares (its fields, their
// formats, the age gate, the sensitive-data guard over free text) before anything is written;
// a refused submission leaves nothing behind. An accepted one is normalised (emails by IDNA,
// phone numbers to E.164), merged into the subject that holds one of its identities or stored
// as a new subject, each value with its provenance, in one durable transaction with its audit
// entry. The shells (HTTP routes, CLI imports) map their input to a Submission and the outcome
// to their answer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "guard/guard.h"
#include "policy/policy.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"
#include "staff/principal.h"

namespace privacyd {

// One submitted value, as the shell received it, before the point's rules apply.
struct SubmittedValue {
  enum class Kind { kString, kNumber, kBool, kList, kOther };
  Kind kind = Kind::kString;
  std::string text;                // kString: the text; kNumber: its JSON text; kBool: "true"
  std::vector<std::string> items;  // kList: the strings (a repeated form field, a JSON array)
};
// Field name -> value. Absent and null values are not in it.
using Submission = std::map<std::string, SubmittedValue>;

// The names of the age signals a point may ask for (CollectionPoint::age_signal). They are read
// for the age gate and never stored, unless the point also declares the field.
inline constexpr char kBirthDateField[] = "birth_date";
inline constexpr char kAgeField[] = "age";
inline constexpr char kAgeConfirmedField[] = "age_confirmed";
// Ticked subscription topics (CollectionPoint::topics).
inline constexpr char kTopicsField[] = "topics";

// Through which door a submission arrives. Each channel has one door: web forms, forums, job
// applications and referrals are public; phone calls and events are entered by staff; email,
// promotion and survey responses come from a mailing or survey tool's webhook; enrichment data
// comes in imports (collect/enrichment_import.h).
enum class CollectionDoor { kPublic, kStaff, kWebhook, kImport };
const char* CollectionDoorPath(CollectionDoor door);  // "/v1/collect", ...
// The door of a channel.
CollectionDoor DoorOf(Channel channel);

// Who submits, and from where.
struct Submitter {
  CollectionDoor door = CollectionDoor::kPublic;
  // The staff member or integration behind a staff or webhook submission; null for the public.
  const Principal* principal = nullptr;
  std::string request_id;
  // The country the request comes from, when known (ISO 3166-1 alpha-2), for phone numbers
  // written without a country code when the form has no country field.
  std::string request_country;
  // For the consent ledger: the country of the request's IP (the IP itself is not kept), the
  // user agent's family, the language of the page the person saw, and whether the request
  // carried a Global Privacy Control signal (Sec-GPC: 1).
  std::string ip_country;
  std::string user_agent;
  std::string language;
  bool gpc = false;
  // Imports: the vendor the data comes from (source "enrichment:<vendor>") and the import's id.
  std::string vendor;
  std::string import_id;
};

// Why one field of a submission was refused. `field` is the submitted (or missing) name.
struct FieldProblem {
  std::string field;
  // undeclared_field, missing_required, invalid_format, invalid_type, too_long,
  // control_characters, sensitive_data, under_minimum_age, undeclared_topic
  std::string code;
  std::string detail;  // what to do; never the value
  // For sensitive_data: what was found, and where, in characters (Unicode code points) from the
  // start of the field's value.
  std::string type;      // guard finding type, e.g. "US_SSN"
  std::string category;  // fideslang category, e.g. "user.government_id"
  size_t start = 0;
  size_t end = 0;
};

struct StoredField {
  std::string field;
  std::string category;
  std::vector<std::string> purposes;
  bool redacted = false;  // sensitive data was replaced before storing (redact_and_flag points)
};

// What an accepted submission did.
struct CollectionReceipt {
  std::string id;  // "rcp_...", also in the provenance of every value stored
  std::string subject_id;
  bool new_subject = false;
  std::string point;
  std::string channel;
  std::string statement_version;
  Micros received_at = 0;
  std::vector<StoredField> stored;
  std::vector<std::string> topics;  // subscription topics the person ticked
  bool flagged_for_review = false;  // sensitive data was redacted; a person should look
  // Referral points: the colleagues' addresses accepted, each written to once on the person's
  // behalf (not stored with their data; see Collected::referred_emails).
  size_t referrals = 0;
};

// A receipt, or the problems of every refused field, or (imports) why third-party data about
// this person was not taken. Without a receipt nothing was stored.
struct CollectionOutcome {
  std::optional<CollectionReceipt> receipt;
  std::vector<FieldProblem> problems;
  std::string skipped;  // "erased", "objected", "restricted", "unknown_person"
};

// Limits of submitted values, in bytes of UTF-8.
inline constexpr size_t kMaxFieldBytes = 1024;
inline constexpr size_t kMaxFreeTextBytes = 16 * 1024;
inline constexpr size_t kMaxSubmittedFields = 64;

class Collector {
 public:
  // `guard` scans free-text fields; it and the others must outlive the collector. A null guard
  // refuses submissions that carry free text (kUnavailable "scanner_unavailable").
  // With `consent`, ticked topics and GPC signals go to the consent ledger in the
  // transaction that stores the submission.
  Collector(const PolicyHolder& policy, SubjectRegistry& registry, const guard::Guard* guard,
            const Clock& clock, Random& random, const ConsentLedger* consent = nullptr)
      : policy_(policy),
        registry_(registry),
        guard_(guard),
        clock_(clock),
        random_(random),
        consent_(consent) {}

  // Checks `submission` against the point `point_id` of the policy in force and stores it.
  // Errors (the request as a whole): kNotFound "collection_point_not_found" when the policy has
  // no such point or it takes submissions through another door (the message names it);
  // kPermissionDenied "forbidden" when a staff or webhook submission's principal may not enter
  // data; kUnavailable "scanner_unavailable"; store errors. Field problems are not errors: they
  // come back in the outcome, all of them at once.
  Result<CollectionOutcome> Collect(const std::string& point_id, const Submission& submission,
                                    const Submitter& submitter);

 private:
  const PolicyHolder& policy_;
  SubjectRegistry& registry_;
  const guard::Guard* guard_;
  const Clock& clock_;
  Random& random_;
  const ConsentLedger* consent_;
};

}  // namespace privacyd
