// The evidence of a data subject request: what was done, by whom, when, what was found, what
// was deleted or kept and why, the mail sent and whether the deadline was met, put together
// from the request, its timeline and the audit trail of "request:<id>", for staff to keep or
// show a supervisory authority (GET /v1/admin/requests/{id}/evidence).
//
// Nothing personal in clear: the person's identity is only "email on file", and the other
// identities of the request by their kind, who attested them and whether they were used; mail
// is named by
// template, time and Message-ID, never by address; findings are counts per data category and
// kept values by field, category and exemption, never a value. The reasons staff wrote (an
// extension's, a refusal's) are opened and shown: they are part of the evidence.
//
// Every build is audited ("request.evidence", object "request:<id>", detail {"format"}); those
// entries are not themselves steps of the evidence.
//
// Thread-safe: holds no mutable state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "policy/policy_holder.h"
#include "rights/request_service.h"
#include "staff/principal.h"
#include "store/store.h"

namespace privacyd {

// Who did something: "staff" (name: the staff member's user name), "person" (the data
// subject, shown as "the person"), or "system".
struct EvidenceActor {
  std::string kind;
  std::string name;           // staff only
  std::string Label() const;  // the user name, "the person" or "system"
};

// One step of the request's timeline.
struct EvidenceStep {
  int64_t seq = 0;
  Micros at = 0;
  EvidenceActor actor;
  std::string action;  // "intake", "send_code", "verify", "start", "extend", "fulfil_erasure", ...
  std::string from_state;
  std::string to_state;
  std::string reason;  // opened; "" when none
};

// A value an erasure kept, and why.
struct EvidenceKept {
  std::string field;  // attribute name or identity kind
  bool identity = false;
  std::string category;
  std::string exemption;  // "statutory_retention:<purpose>" or "legal_hold:<id>"
  std::optional<Micros> until;
  std::string reason;  // the policy's retention reason (English), or the hold's reference
};

// What carrying out one right found and did.
struct EvidenceFinding {
  std::string right;  // "access", "erasure", ...
  Micros at = 0;
  EvidenceActor actor;
  std::map<std::string, int64_t> counts;      // e.g. values, attributes_deleted, kept
  std::map<std::string, int64_t> categories;  // values found per data category
  std::map<std::string, bool> flags;          // e.g. key_destroyed, changed
  std::string skipped;                        // why nothing was done ("subject_not_found")
  std::vector<EvidenceKept> kept;
};

struct EvidenceMail {
  Micros sent_at = 0;  // 0 until sent
  std::string template_name;
  std::string recipient;   // "the person", "dpo", "tenant"
  std::string message_id;  // the Message-ID header, without angle brackets
  // "sent"; "queued" or "sending" (still to go out); "failed" (a dead letter: every attempt
  // failed, see the outbox).
  std::string state = "sent";
  Micros queued_at = 0;  // for mail not sent
  int attempts = 0;      // for mail not sent
  std::string error;     // the code of the last failure, or ""
};

struct EvidenceDeadline {
  Micros received_at = 0;
  Micros original_due_at = 0;
  Micros due_at = 0;  // in force: the original or the extended date
  bool extended = false;
  std::optional<Micros> closed_at;
  // "met" (closed by the due date), "missed" (closed after it), "open" (not yet due),
  // "overdue" (open past it).
  std::string status;
};

// An identity of the request and what it did for it, never its value.
struct EvidenceIdentity {
  std::string kind;  // "email", "phone", "customer_id"
  // "verified" (the email: the code, or staff's check at entry), "unverified" (the email of a
  // request nobody verified), "attested" (staff attested it), "unattested".
  std::string basis;
  std::optional<EvidenceActor> attested_by;
  std::optional<Micros> attested_at;
  // Whether the fulfilment looked data up with it, and found someone; nullopt until then.
  std::optional<bool> used;
  std::optional<bool> found;
};

struct RequestEvidence {
  RequestView request;
  std::string identity = "email on file";
  // The email first, then the other identities. As the fulfilment used them once it ran
  // (audit "request.identities"), else as they stand.
  std::vector<EvidenceIdentity> identities;
  int64_t subjects = -1;  // how many people's records the fulfilment found; -1 before it ran
  std::vector<EvidenceStep> steps;
  std::vector<EvidenceFinding> findings;
  std::vector<EvidenceMail> mail;
  std::vector<Micros> downloads;            // when the person downloaded the package
  std::optional<Micros> package_purged_at;  // when the package was deleted after its window
  EvidenceDeadline deadline;
  Micros generated_at = 0;
  std::string generated_by;
};

class RequestEvidenceBuilder {
 public:
  // `mail_domain` is the right-hand side of the Message-IDs of request mail (RequestMail).
  // All references must outlive the builder.
  RequestEvidenceBuilder(Store& store, const RequestService& requests, const AuditLog& audit,
                         const PolicyHolder& policy, const Clock& clock, std::string mail_domain)
      : store_(store),
        requests_(requests),
        audit_(audit),
        policy_(policy),
        clock_(clock),
        mail_domain_(std::move(mail_domain)) {}

  // The evidence of request `id`, for staff of RequestStaffRoles(); the view is audited with
  // `format` ("json" or "html") and the HTTP request id. Errors: kPermissionDenied "forbidden";
  // kNotFound "request_not_found".
  Result<RequestEvidence> Build(const Principal& staff, const std::string& id,
                                const std::string& format,
                                const std::string& http_request_id) const;

 private:
  Store& store_;
  const RequestService& requests_;
  const AuditLog& audit_;
  const PolicyHolder& policy_;
  const Clock& clock_;
  std::string mail_domain_;
};

// The evidence as JSON (the schema of RequestEvidence in src/http/openapi.json), and as a
// self-contained printable HTML page in English, every text escaped.
std::string EvidenceJson(const RequestEvidence& evidence);
std::string EvidenceHtml(const RequestEvidence& evidence);

}  // namespace privacyd
