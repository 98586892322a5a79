// Data subject requests, the request side: intake (portal and staff), identity verification by
// one-time code, request tokens, the workflow of states with deadlines and extensions, routing
// of complaints to the DPO and of customers' end users to their controller, the staff queue,
// and the purge of requests nobody verified.
//
// Fulfilment: when staff complete (or approve) a request, the rights that privacyd can carry
// out on its own data are carried out on each of the request's subjects (see "Other
// identities" below) before the request is closed: erasure (Erasure::Erase; what a legal hold or
// statutory retention keeps makes the request partially_completed, with the reasons in the person's
// language), restriction (SubjectRegistry::SetRestricted), objection (to direct marketing, through
// the consent ledger), withdrawal of consent (all marketing), and access and portability
// (AccessPackage::Build; the zip is stored sealed with the request's key as soon as it is built,
// before anything is erased, and offered to the holder of the request token once the request is
// closed, until RequestSettings::download_validity has passed; a kRequestPackagePurgeJob queued
// with it deletes it then; when the person gave a transfer_url, a kRequestTransferJob queued with
// the close sends it there, see Transfer). Each step is idempotent, so a completion that fails
// half-way is simply repeated. Rectification and complaints are left to staff. A request whose
// identities matched no subject completes with the outcome "no_data_held".
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
// Other identities: where the policy allows (rights.identities), a request also names a phone
// number or a customer id, sealed with the request's key (store.h RequestIdentityRecord). The
// code proves only the email; another identity finds data for the request only once staff
// attested it (at staff entry, or AttestIdentity). The subjects of a request are then the one
// holding its email plus those holding its attested identities, and each right is carried out
// on each of them (one access package covering all).
//
// Retention: a closed request is deleted with everything it holds once the policy's
// rights.records_retention has passed since it closed (SweepClosed, run daily by the durable
// job kRequestRetentionSweepJob).
//
// Mail goes out as durable jobs (kRequestMailJob) queued in the transaction of the change that
// causes it; see request_mail.h.
//
// Thread-safe: the service holds no mutable state of its own.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "consent/link_tokens.h"
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

class AccessPackage;
class PackageTransport;
class ConsentLedger;

// Durable jobs of this module.
inline constexpr char kRequestMailJob[] = "requests.mail";
inline constexpr char kRequestPurgeJob[] = "requests.purge_unverified";
inline constexpr char kRequestPackagePurgeJob[] = "requests.purge_package";
inline constexpr char kRequestTransferJob[] = "requests.transfer";
inline constexpr char kRequestRetentionSweepJob[] = "requests.retention_sweep";
// The start of the dedupe key of every kRequestMailJob of a request.
inline std::string RequestMailKeyPrefix(const std::string& request_id) {
  return std::string(kRequestMailJob) + ":" + request_id + ":";
}
// The purpose of request codes (verify/one_time_codes.h).
inline constexpr char kRequestCodePurpose[] = "request";
// Meta entry counting the unverified requests purged (all that is left of them).
inline constexpr char kPurgedUnverifiedMeta[] = "requests.purged_unverified";
// Meta entry counting the closed requests deleted after rights.records_retention.
inline constexpr char kDeletedAfterRetentionMeta[] = "requests.deleted_after_retention";
// How often the retention sweep runs.
inline constexpr Micros kRetentionSweepInterval = 24LL * 3600 * kMicrosPerSecond;

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
  // How long the person may download the package of an access or portability request.
  Micros download_validity = 168LL * 3600 * kMicrosPerSecond;
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
  // Portability to a third party: the https:// address the package is sent to once the request
  // is complete (package_transfer.h), or "".
  std::string transfer_url;
  // Other identities, kind ("phone", "customer_id") -> value as given. A phone number without
  // its country code is read in `country`. Attested with the email when `attested`.
  std::map<std::string, std::string> identities;
};

// An identity a request names besides its email.
struct RequestIdentityView {
  std::string kind;
  bool attested = false;
  std::optional<Micros> attested_at;
  std::string attested_by;  // staff user name
  std::string value;        // normalised; opened for staff only (Get, AttestIdentity), else ""
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
  // The person's view (ForToken): until when the package of an access or portability request
  // is offered for download, while it is.
  std::optional<Micros> download_until;
  // Where a portability package is sent (the host of the destination), or "".
  std::string transfer_host;
  // The other identities (Submit, Get, AttestIdentity; not in lists).
  std::vector<RequestIdentityView> identities;
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
  // Staff are told about an open request that shares any identity with this one (the email,
  // or another identity of the same kind and value) and one of its rights.
  // Errors (kInvalidArgument): "rights_required", "unknown_right", "right_not_offered",
  // "duplicate_right", "complaint_with_other_rights", "invalid_identity", "invalid_country",
  // "unknown_identity_kind", "identity_not_allowed" (a kind the policy's rights.identities does
  // not list), "unsupported_language", "channel_not_offered", "invalid_received_at",
  // "document_required", "document_not_expected"; kAlreadyExists "duplicate_request" (staff
  // only); kResourceExhausted "too_many_codes"; kPermissionDenied "forbidden". For the identity
  // errors, `field` (when given) receives the member they are about: "email" or
  // "identities.<kind>". Neither the messages nor anything stored or logged holds a refused
  // value.
  Result<RequestView> Submit(const NewRequest& request, const Principal* staff,
                             const std::string& http_request_id, std::string* field = nullptr);

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

  // The same with the link of a code mail (UseLinks): the link carries the request and its code,
  // signed, so it works once, until the code expires, and only for that code's step (a link of
  // the first mail cannot confirm the request later). Errors: kInvalidArgument "invalid_link",
  // kFailedPrecondition "link_expired", and those of Verify.
  Result<VerifiedRequest> VerifyByLink(std::string_view token);
  // The request a code link names, for the page that asks to confirm (the link is not used).
  // Errors: "invalid_link", "link_expired"; kNotFound "request_not_found" (also when closed).
  Result<RequestView> LinkedRequest(std::string_view token) const;

  // The request the token opens. Any other id or token: kNotFound "request_not_found".
  Result<RequestView> ForToken(const std::string& id, const std::string& token) const;
  // The package (zip bytes) of the person's completed access or portability request (token as
  // for ForToken; every other id or token: kNotFound "request_not_found"). Audited
  // ("request.download", with the size). Errors: kNotFound "download_not_available" (the
  // request is still open, or produced no package); kFailedPrecondition "download_expired"
  // (the download window has closed; an expired package found here is deleted at once).
  Result<std::string> Download(const std::string& id, const std::string& token);
  // The package purge job's work: deletes the request's package once it expired. Ok (nothing
  // done) before, or when there is none.
  Status PurgePackageIfExpired(const std::string& id);
  // The transfer job's work: sends the package of a completed portability request to the
  // destination the person gave, once. A delivery is written to the timeline ("transfer", with
  // the host and the HTTP status as its reason) and audited (`request.transfer`); a failure is
  // returned so that the job tries again, unless `last_attempt`, when it is written to the
  // timeline ("transfer_failed") and audited for staff to act on. Ok (nothing done) for a
  // request without a destination, or already delivered.
  Status Transfer(const std::string& id, PackageTransport& transport, bool last_attempt);

  // The person withdraws their request (token as for ForToken). kFailedPrecondition
  // "illegal_transition" when it is closed.
  Result<RequestView> WithdrawByPerson(const std::string& id, const std::string& token);

  // Staff. Get also opens the reasons of the timeline (when asked for) and is audited
  // (`request.read`, under `http_request_id`).
  Result<RequestView> Get(const Principal& staff, const std::string& id,
                          std::vector<RequestEventView>* timeline,
                          const std::string& http_request_id) const;
  // The queue. With a `lookup` identity (kind "email" or "phone", normalised as at intake;
  // a phone in international form), only the requests made under it: the look-up is audited
  // (`request.search`, the kind and whether any was found, never the value), since it tells
  // whether a person asked anything. Errors: kInvalidArgument "invalid_identity",
  // "unknown_identity_kind".
  Result<RequestPage> List(const Principal& staff, const RequestQuery& query,
                           const IdentityValue& lookup = {},
                           const std::string& http_request_id = "") const;
  // Staff (RequestStaffRoles) attest the request's identity of `kind` (not the email, which the
  // code proves): from now on it finds data for the request. Written to the timeline
  // ("attest_identity", the kind as its reason) and audited (`request.identity.attest`, the kind
  // only). Attesting an attested identity changes nothing. Returns the request with its
  // identities opened. Errors: kPermissionDenied "forbidden"; kNotFound "request_not_found",
  // "identity_not_found" (the request names no identity of this kind); kFailedPrecondition
  // "illegal_transition" (the request is closed); kAlreadyExists "duplicate_request" (another
  // open request for one of the same rights has this identity attested; nothing changes).
  Result<RequestView> AttestIdentity(const Principal& staff, const std::string& id,
                                     const std::string& kind, const std::string& http_request_id,
                                     std::string* duplicate_of = nullptr);
  // Actions: "start", "request_approval", "approve", "complete", "partially_complete",
  // "refuse", "withdraw". "approve" and "complete" first carry out the request's rights (see
  // the top of this file); the request then closes as completed, or partially_completed when
  // an erasure kept exempt data. Errors: kPermissionDenied "forbidden" (also when the staff
  // member's role may not erase or restrict); kNotFound "request_not_found"; kInvalidArgument
  // "unknown_action", "reason_required"; kFailedPrecondition "illegal_transition",
  // "approval_required", "confirmation_required", "consent_unavailable" (objection or
  // withdrawal of consent without a ledger, see UseConsent), "access_package_unavailable"
  // (access or portability without a package builder, see UseAccessPackage); the errors of the
  // fulfilment itself, after which the request stays open and the action may be repeated.
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

  // Deletes, in transactions of at most `batch` requests each, every closed request whose
  // closing lies rights.records_retention (the policy in force) in the past: its row (with the
  // sealed address, document and transfer URL), timeline, identities, expired codes and
  // package. Each is audited as `request.deleted` (the id, state and closing date only) and
  // counted in kDeletedAfterRetentionMeta; the audit trail itself is kept. Returns how many were
  // deleted; 0 when the policy keeps closed requests (no records_retention). Idempotent.
  Result<int64_t> SweepClosed(int batch = 100);
  // Queues the kRequestRetentionSweepJob run at `at`, once per UTC day: a run already queued
  // (or done) for that day stands, so every process of a deployment may call this at start.
  Status ScheduleRetentionSweep(Micros at);

  // Open requests due before `now`, in due order (for the CLI), at most `limit`.
  Result<std::vector<RequestView>> Overdue(int limit) const;
  // Prometheus text: privacyd_requests{state=...}, privacyd_requests_overdue,
  // privacyd_requests_due_within_7_days and privacyd_requests_deleted_after_retention_total.
  void AppendMetrics(std::string& out) const;

  // The ledger through which objections and withdrawals of consent are carried out. Not owned;
  // must outlive the service. Set once, before the service is used.
  void UseConsent(const ConsentLedger* consent) { consent_ = consent; }
  // The builder of access and portability packages, likewise.
  void UseAccessPackage(const AccessPackage* packages) { packages_ = packages; }
  // Signs a link beside each mailed code, `public_url`/r/<token>, which verifies like the code
  // (VerifyByLink). Without it, the mail carries the code only.
  void UseLinks(const LinkSigner* links, std::string public_url) {
    links_ = links;
    public_url_ = std::move(public_url);
  }

  const RequestSettings& settings() const { return settings_; }
  // The controller's name in the policy in force, for the pages that speak to the person.
  std::string ControllerName() const { return policy_.Current()->controller.name; }

 private:
  // The claims of a request's code link (VerifyByLink). Errors: "invalid_link", "link_expired".
  Result<LinkClaims> RequestLinkClaims(std::string_view token) const;

  struct Fulfilment;
  Status CheckTransition(const RequestRecord& record, const std::string& action) const;
  Result<Fulfilment> Fulfil(const Principal& staff, const RequestRecord& record) const;
  Result<RequestView> ViewOf(const RequestRecord& record, const Policy& policy) const;
  Status Move(Tx& tx, RequestRecord& record, const std::string& to, const std::string& action,
              const std::string& actor, const std::string& role, const std::string& reason,
              const std::string& http_request_id) const;
  Status QueueMail(Tx& tx, const RequestRecord& record, const std::string& to,
                   const std::string& template_name, const nlohmann::json& vars) const;
  Status SendCode(Tx& tx, const RequestRecord& record) const;
  Status RouteAfterVerification(Tx& tx, RequestRecord& record, const Policy& policy) const;
  Result<RequestRecord> Load(Tx& tx, const std::string& id) const;
  // The request's other identities as a view, their values opened when `open`.
  Result<std::vector<RequestIdentityView>> IdentityViews(
      const RequestRecord& record, const std::vector<RequestIdentityRecord>& rows, bool open) const;
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
  const ConsentLedger* consent_ = nullptr;
  const AccessPackage* packages_ = nullptr;
  const LinkSigner* links_ = nullptr;
  std::string public_url_;
};

}  // namespace privacyd
