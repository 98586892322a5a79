// Data subject requests, the request side: intake (portal and staff), identity verification by
// one-time code, request tokens, the workflow of states with deadlines and extensions, routing
// of complaints to the DPO and of customers' end users to their controller, the staff queue,
// and the purge of requests nobody verified. Fulfilment of each right is not done here.
//
// States (store.h RequestRecord::state):
//
//   received -> awaiting_verification -> verified -> in_progress -> (awaiting_approval)
//            -> completed | partially_completed | refused | withdrawn
//
// `received` is where every request starts (recorded in the timeline); it moves on at once, to
// awaiting_verification with a code mailed, or to verified when staff attest the identity or
// the policy does not ask for verification. Every transition is written to the request's
// timeline (request_events) and to the audit trail (action "request.<action>", object
// "request:<id>", detail without personal data) in the transaction that makes it.
//
// Nothing personal is stored in clear: the person's address, an agent's document and staff's
// reasons are sealed with a per-request data key (wrapped by the master key, kept in the
// request's row). Not the subject's key, on purpose: a request must outlive the erasure it asks
// for (its answer mail, its evidence), and the request's own key dies with the request.
//
// Mail goes out as durable jobs (kRequestMailJob) queued in the transaction of the change that
// causes it; see request_mail.h.
//
// Thread-safe: the service holds no mutable state of its own.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/keyring.h"
#include "policy/jurisdictions.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"
#include "staff/principal.h"
#include "store/store.h"
#include "verify/one_time_codes.h"

namespace privacyd {

// Durable jobs of this module.
inline constexpr char kRequestMailJob[] = "requests.mail";
inline constexpr char kRequestPurgeJob[] = "requests.purge_unverified";
// The purpose of request codes (verify/one_time_codes.h).
inline constexpr char kRequestCodePurpose[] = "request";
// Meta entry counting the unverified requests purged (all that is left of them).
inline constexpr char kPurgedUnverifiedMeta[] = "requests.purged_unverified";

// Who may work the staff queue, and who may take the legal decisions (extend, approve,
// refuse).
const std::vector<std::string>& RequestStaffRoles();
const std::vector<std::string>& RequestDecisionRoles();

struct RequestSettings {
  // An unverified request is deleted this long after intake.
  Micros unverified_ttl = 72LL * 3600 * kMicrosPerSecond;
  // Rights whose completion needs a fresh code: the person confirms with a new code mailed
  // when work starts, so that a leaked request token alone cannot have data sent out or
  // deleted.
  std::set<std::string> confirm_rights = {"access", "erasure", "portability"};
  // Rights that need a privacy officer's approval before completion.
  std::set<std::string> approval_rights = {"erasure"};
};

// A new request. Public intake leaves channel, received_at, attested and agent alone.
struct NewRequest {
  std::vector<std::string> rights;
  std::string email;
  std::string country;   // ISO 3166-1 / 3166-2; "" = unknown (the fallback regime)
  std::string language;  // "" = the policy's first
  std::string channel = "portal";
  std::optional<Micros> received_at;  // staff: date of receipt; default now
  bool attested = false;              // staff checked the identity themselves
  bool agent = false;                 // made by an authorised agent
  std::string document;               // the agent's authorisation document (bytes)
};

struct ComplaintRouteView {
  std::string id;
  std::string name;
  std::string url;
  bool dpf_dispute_resolution = false;
};

// What a person or staff may see of a request. No personal data.
struct RequestView {
  std::string id;
  std::vector<std::string> rights;
  std::string state;
  std::string channel;
  std::string regime;
  std::string language;
  std::string route;
  std::string outcome;
  bool agent = false;
  bool has_document = false;
  bool needs_confirmation = false;  // a fresh code is awaited before completion
  Micros received_at = 0;
  Micros original_due_at = 0;
  Micros due_at = 0;
  Micros max_due_at = 0;
  bool extended = false;
  std::optional<Micros> verified_at;
  std::optional<Micros> closed_at;
  std::vector<ComplaintRouteView> complaint_routes;  // for complaints
};

// One step of the timeline, reason opened (staff only).
struct RequestEventView {
  int64_t seq = 0;
  Micros at = 0;
  std::string actor;
  std::string from_state;
  std::string to_state;
  std::string action;
  std::string reason;
};

struct VerifiedRequest {
  std::string token;  // the request token; shown once, only its hash is stored
  RequestView request;
};

struct RequestPage {
  std::vector<RequestView> requests;
  std::optional<Micros> next_due;  // cursor of the next page, when there is one
  std::string next_id;
};

class RequestService {
 public:
  RequestService(Store& store, SubjectRegistry& registry, std::shared_ptr<const Keyring> keyring,
                 PolicyHolder& policy, const Jurisdictions& jurisdictions, const AuditLog& audit,
                 const OneTimeCodes& codes, const Clock& clock, Random& random,
                 RequestSettings settings = {});

  // A request from the portal (staff == nullptr) or entered by staff (RequestStaffRoles).
  // Unless staff attest the identity, a code is mailed and the request awaits verification.
  // A public caller is never told about another open request of the same address (that would
  // tell anyone who holds an address which requests its owner made); the duplicate is found at
  // verification, once the caller proved they hold the address. Staff are told at once.
  // Errors (kInvalidArgument): "rights_required", "unknown_right", "right_not_offered",
  // "duplicate_right", "complaint_with_other_rights", "invalid_identity", "invalid_country",
  // "unsupported_language", "channel_not_offered", "invalid_received_at", "document_required",
  // "document_not_expected"; kAlreadyExists "duplicate_request" (staff only);
  // kResourceExhausted "too_many_codes"; kPermissionDenied "forbidden".
  Result<RequestView> Submit(const NewRequest& request, const Principal* staff,
                             const std::string& http_request_id);

  // Mails a new code for the request. Unknown, closed or purged ids are answered the same, Ok,
  // with nothing sent, so ids cannot be probed. kResourceExhausted "too_many_codes".
  Status ResendCode(const std::string& id);

  // Checks the code against the request's identity (counting the attempt) and returns a new
  // request token, which replaces any earlier one. The first verification moves the request on
  // (verified; a complaint also mails the DPO and the person; a customer's end user is routed
  // to the customer and the request completed); one made while the request is in progress
  // confirms it (RequestSettings::confirm_rights). Errors: those of CodeCheck::ToError(), also
  // for unknown ids ("invalid_code"); kAlreadyExists "duplicate_request" when the identity
  // already has another verified open request for one of the rights (that request is then
  // named, and this one withdrawn).
  Result<VerifiedRequest> Verify(const std::string& id, const std::string& code,
                                 std::string* duplicate_of = nullptr);

  // The request the token opens. Any other id or token: kNotFound "request_not_found".
  Result<RequestView> ForToken(const std::string& id, const std::string& token) const;
  // The person withdraws their request (token as for ForToken). kFailedPrecondition
  // "illegal_transition" when it is closed.
  Result<RequestView> WithdrawByPerson(const std::string& id, const std::string& token);

  // Staff.
  Result<RequestView> Get(const Principal& staff, const std::string& id,
                          std::vector<RequestEventView>* timeline) const;
  Result<RequestPage> List(const Principal& staff, const RequestQuery& query) const;
  // Actions: "start", "request_approval", "approve", "complete", "partially_complete",
  // "refuse", "withdraw". Errors: kPermissionDenied "forbidden"; kNotFound
  // "request_not_found"; kInvalidArgument "unknown_action", "reason_required";
  // kFailedPrecondition "illegal_transition", "approval_required", "confirmation_required".
  Result<RequestView> Transition(const Principal& staff, const std::string& id,
                                 const std::string& action, const std::string& reason,
                                 const std::string& http_request_id);
  // Extends the deadline (privacy officers only) to `until` (nullopt: the maximum) and mails
  // the person the new date and the reason. Errors: kPermissionDenied "forbidden"; kNotFound;
  // kInvalidArgument "reason_required"; kFailedPrecondition "illegal_transition" (closed),
  // "already_extended", "extension_not_available", "extension_after_due",
  // "extension_too_long", "extension_too_short".
  Result<RequestView> Extend(const Principal& staff, const std::string& id,
                             const std::string& reason, std::optional<Micros> until,
                             const std::string& http_request_id);

  // The purge job's work: deletes the request when it is still unverified and its window has
  // passed, counting it in kPurgedUnverifiedMeta. Ok (nothing done) otherwise.
  Status PurgeIfUnverified(const std::string& id);

  // Open requests due before `now`, in due order (for the CLI), at most `limit`.
  Result<std::vector<RequestView>> Overdue(int limit) const;
  // Prometheus text: privacyd_requests{state=...}, privacyd_requests_overdue and
  // privacyd_requests_due_within_7_days.
  void AppendMetrics(std::string& out) const;

  const RequestSettings& settings() const { return settings_; }

 private:
  Result<RequestView> ViewOf(const RequestRecord& record, const Policy& policy) const;
  Status Move(Tx& tx, RequestRecord& record, const std::string& to, const std::string& action,
              const std::string& actor, const std::string& role, const std::string& reason,
              const std::string& http_request_id) const;
  Status QueueMail(Tx& tx, const RequestRecord& record, const std::string& to,
                   const std::string& template_name, const nlohmann::json& vars) const;
  Status SendCode(Tx& tx, const RequestRecord& record) const;
  Status RouteAfterVerification(Tx& tx, RequestRecord& record, const Policy& policy) const;
  Result<RequestRecord> Load(Tx& tx, const std::string& id) const;
  Result<std::string> OpenSealed(const RequestRecord& record, const std::string& sealed,
                                 const std::string& context) const;
  Result<std::string> Seal(const RequestRecord& record, const std::string& plaintext,
                           const std::string& context) const;

  Store& store_;
  SubjectRegistry& registry_;
  std::shared_ptr<const Keyring> keyring_;
  PolicyHolder& policy_;
  const Jurisdictions& jurisdictions_;
  const AuditLog& audit_;
  const OneTimeCodes& codes_;
  const Clock& clock_;
  Random& random_;
  RequestSettings settings_;
};

}  // namespace privacyd
