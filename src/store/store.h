// The store: the one interface through which privacyd persists anything.
//
// Backends (sqlite/ now, postgres/ later) implement Store and Tx and pass the one conformance
// suite in store_conformance_test.cc unchanged. Domain code sees records of this header only,
// never SQL. Personal data reaches the store sealed (see crypto/); the store never sees
// plaintext personal data or key material in the clear.
//
// Transactions: Write(fn) runs fn inside a write transaction and returns only once that
// transaction is durable (or fn failed and its effects were rolled back). Backends may commit the
// work of many concurrent Write calls together (group commit); each fn is isolated from the
// failure of another. Read(fn) runs fn on a consistent snapshot; write methods called inside
// Read fail with kFailedPrecondition. Both are thread-safe. Errors returned by fn are returned
// by Write/Read unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace privacyd {

// A data subject: the person personal data is about. Carries no personal data itself.
struct SubjectRecord {
  std::string id;
  Micros created_at = 0;
  std::optional<Micros> erased_at;
  std::optional<Micros> restricted_at;  // processing restricted (GDPR Art. 18) since
  std::string regime;  // the regime the person was collected under ("gdpr", ...), or ""
};

// One event of the consent ledger: a person granted, withdrew or objected, or asked for
// something still to be confirmed (double opt-in). Append-only; the current state is derived
// from a subject's events in seq order. No personal data: the country derived from the IP, not
// the IP; the user agent's family, not the string.
struct ConsentEventRecord {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string subject_id;
  std::string target;  // "topic:<id>", "purpose:<id>", "marketing" (all of it), "sale_sharing"
  std::string action;  // "grant", "withdraw", "object", "request"
  std::string method;  // "collection_form", "preference_center", "one_click", ...
  std::string regime;
  std::string statement_version;
  std::string notice_hash;  // hex SHA-256 of the notice text the person was shown
  std::string language;
  std::string country;     // ISO 3166-1 from the request's IP, or ""
  std::string user_agent;  // family ("firefox", "bot", ...), or ""
  std::string request_id;
  std::string actor;     // "subject:<id>" for the person, a staff user name otherwise
  std::string evidence;  // JSON object without personal data (message id, point, receipt...)
  Micros created_at = 0;
};

// An identity that may not be processed for marketing again, whatever happens to its subject:
// an objection to direct marketing outlives erasure. (kind, blind_index) is unique.
struct SuppressionRecord {
  std::string kind;
  std::string blind_index;  // raw HMAC bytes, as in IdentityRecord
  std::string reason;       // "objection", ...
  Micros created_at = 0;
};

// What an enrichment import did, kept for staff: its counts and the report of the rows that were
// skipped or refused (line, outcome, reason, offending columns and error codes; never a value).
struct ImportRecord {
  int64_t seq = 0;  // order of recording, assigned by the store
  std::string id;   // "imp_..."
  std::string point;
  std::string vendor;
  std::string actor;  // staff user name
  Micros started_at = 0;
  Micros finished_at = 0;
  std::string outcome;  // "completed", or "failed" when an error stopped it part-way
  std::string error;    // the code of that error
  int64_t rows = 0;
  int64_t merged = 0;
  int64_t added = 0;
  int64_t skipped = 0;
  int64_t refused = 0;
  std::string ignored_columns;  // JSON array of column names
  std::string exceptions;       // JSON array of the skipped and refused rows' reports
};

// One row of the consent change log: something that may have changed the consent verdicts of a
// subject (subject_id), of an identity (kind, blind_index), or of both. Written by the store
// itself whenever subjects, identities, suppressions or consent events change.
struct ConsentChangeRecord {
  int64_t seq = 0;
  std::string subject_id;   // "" for an identity alone
  std::string kind;         // "" for a subject alone
  std::string blind_index;  // raw HMAC bytes, "" for a subject alone
};

// One identity of a subject (email, phone, customer_id), found by its blind index.
// (kind, blind_index) is unique across the store.
struct IdentityRecord {
  std::string subject_id;
  std::string kind;
  std::string blind_index;   // raw HMAC bytes
  std::string sealed_value;  // sealed with the subject's data key
  Micros created_at = 0;
};

// One stored personal-data value of a subject, with where it came from.
struct AttributeRecord {
  int64_t id = 0;  // assigned by the store
  std::string subject_id;
  std::string name;          // e.g. "name", "company"
  std::string sealed_value;  // sealed with the subject's data key
  std::string provenance;    // JSON: source, collection point, purposes...; no personal data
  Micros created_at = 0;
};

// A referral: someone (the referrer) gave us a colleague's address so that we write to them once
// on the referrer's behalf. The address is kept sealed with the referrer's data key until that
// email has gone; the record stays, without it, so the address is never written to again.
struct ReferralRecord {
  std::string blind_index;     // of the referred address (kind "referral"); unique
  std::string referrer_id;     // subject id
  std::string point;           // collection point
  std::string sealed_address;  // empty once sent
  Micros created_at = 0;
  std::optional<Micros> sent_at;
};

// A one-time code sent to someone's address. Only a keyed hash of the code is stored; the
// attempts made against it are counted.
struct VerificationCodeRecord {
  std::string id;
  std::string purpose;      // "preferences", "request", ...
  std::string blind_index;  // of the identity the code was sent to
  std::string subject_id;   // whom it was sent to ("" when nobody holds the identity)
  std::string code_hash;
  Micros created_at = 0;
  Micros expires_at = 0;
  int attempts = 0;
  std::optional<Micros> used_at;
};

// A subject's data key, wrapped (encrypted) by the master key with id master_key_id.
struct DataKeyRecord {
  std::string subject_id;
  std::string master_key_id;
  std::string wrapped;
};

// One entry of the hash-chained audit trail.
struct AuditRecord {
  int64_t seq = 0;  // 1, 2, 3... assigned by the caller (previous seq + 1)
  Micros time = 0;
  std::string actor;       // user name, "system", or "subject:<id>"
  std::string role;        // role the actor acted in, or ""
  std::string action;      // e.g. "subject.read"
  std::string object;      // e.g. "subject:sub_..."
  std::string purpose;     // why, e.g. "support"
  std::string request_id;  // X-Request-Id of the HTTP request, or ""
  std::string detail;      // JSON object with non-personal detail, or ""
  std::string prev_hash;   // hex SHA-256 of the previous entry, "" for the first
  std::string hash;        // hex SHA-256 over all fields above
};

struct AuditQuery {
  int64_t after_seq = 0;        // cursor: entries with seq > after_seq
  std::string actor;            // "" = any
  std::string object;           // "" = any
  std::string action;           // "" = any
  std::optional<Micros> since;  // time >= since
  std::optional<Micros> until;  // time < until
  int limit = 100;
};

struct UserRecord {
  std::string id;
  std::string name;  // unique
  std::string role;
  std::string password_hash;  // argon2id encoded string, or "" for token-only users
  bool disabled = false;
  Micros created_at = 0;
};

struct TokenRecord {
  std::string id;  // public part of the token
  std::string user_id;
  std::string secret_hash;  // hash of the secret part; the secret itself is never stored
  std::string label;
  Micros created_at = 0;
  std::optional<Micros> expires_at;
  std::optional<Micros> revoked_at;
};

// A staff console session (staff/staff_sessions.h). The cookie is "<id>.<secret>"; only the
// secret's hash is stored.
struct StaffSessionRecord {
  std::string id;
  std::string user_id;
  std::string secret_hash;  // hex SHA-256 of the secret part
  std::string method;       // how the user signed in: "password" or "token"
  Micros created_at = 0;
  Micros last_used_at = 0;
  Micros expires_at = 0;  // absolute end
  std::optional<Micros> ended_at;
  std::string ended_reason;  // "" while not ended: "signed_out", "disabled", "expired"
};

enum class JobState { kQueued, kRunning, kDone, kDead };
const char* JobStateName(JobState state);

struct JobRecord {
  int64_t id = 0;  // assigned by the store
  std::string kind;
  std::string payload;     // JSON
  std::string dedupe_key;  // non-empty: at most one job with this key ever exists
  JobState state = JobState::kQueued;
  int attempts = 0;
  int max_attempts = 8;
  Micros run_at = 0;  // not claimable before
  Micros created_at = 0;
  Micros updated_at = 0;
  std::string claimed_by;
  Micros heartbeat_at = 0;
  std::string last_error;
};

// A remembered write request and its response, so that a retry carrying the same
// Idempotency-Key is answered without running the request again. (principal, key) is unique
// across the store; `created_at` tells one use of a key from a later one (after expiry or
// takeover), so an old request can never complete or delete a newer record.
enum class IdempotencyState { kInProgress, kCompleted };
const char* IdempotencyStateName(IdempotencyState state);

struct IdempotencyRecord {
  std::string principal;    // user id of the caller, or "public"
  std::string key;          // the client's Idempotency-Key
  std::string fingerprint;  // what the request was (method, path, body hash)
  IdempotencyState state = IdempotencyState::kInProgress;
  // The response, set when completed (status 0 and the rest empty while in progress).
  int status = 0;
  std::string content_type;
  std::string headers;  // JSON: the response's extra headers
  std::string body;     // bytes
  Micros created_at = 0;
  Micros expires_at = 0;
};

// A version of the policy that was in force, kept so that every statement ever published can be
// rendered again and each new version diffed against the one before. `version` is unique.
struct PolicyVersionRecord {
  std::string version;
  Micros effective_date = 0;
  Micros applied_at = 0;  // when privacyd first enforced it
  std::string source;     // the policy's YAML text
  bool material = false;  // whether it changed anything materially against the version before
  std::string changes;    // JSON array of the changes against the version before ("[]" for none)
};

// A data subject request (access, erasure, ..., complaint) and where it stands. Nothing
// personal is in clear: the identity is a blind index, and the contact address, an authorised
// agent's document and staff's free-text reasons are sealed with the request's own data key,
// which is stored wrapped by the master key in the row itself, so deleting the row shreds them.
struct RequestRecord {
  std::string id;                   // "req_..."
  std::vector<std::string> rights;  // "access", "erasure", ... (at least one)
  std::string state;                // "awaiting_verification", "verified", ..., "withdrawn"
  std::string channel;              // "portal", "email", "post", "phone"
  std::string regime;               // whose deadlines apply ("gdpr", "ccpa", ...)
  std::string language;             // of the mail to the person
  std::string identity_kind;        // "email"
  std::string blind_index;          // raw HMAC bytes of the identity
  std::string subject_id;           // the subject holding the identity at intake, or ""
  std::string route;                // "" (us), "dpo" (complaint), "tenant:<id>" (processor)
  std::string outcome;              // stable code once closed ("fulfilled", ...), or ""
  bool agent = false;               // made by an authorised agent
  std::string master_key_id;        // of the wrapped request key
  std::string wrapped_key;          // the request's data key, wrapped
  std::string sealed_contact;       // the person's address
  std::string sealed_document;      // an agent's authorisation document, or ""
  std::string sealed_reason;        // extension or refusal reason, or ""
  std::string token_hash;           // SHA-256 of the request token, "" before verification
  Micros received_at = 0;           // the deadline runs from here
  Micros original_due_at = 0;
  Micros due_at = 0;      // in force: original_due_at, or the extended date
  Micros max_due_at = 0;  // latest date an extension may reach (== original_due_at: none)
  std::optional<Micros> extended_at;
  std::optional<Micros> verified_at;
  std::optional<Micros> confirmed_at;  // a fresh code confirmed the request while in progress
  std::optional<Micros> started_at;    // entered in_progress
  std::optional<Micros> closed_at;
  // Portability to a third party: the HTTPS URL the person gave, sealed, or "".
  std::string sealed_transfer;
  Micros created_at = 0;
  Micros updated_at = 0;
};

// One step of a request's timeline. Append-only; deleted only with its request.
struct RequestEventRecord {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string request_id;
  Micros at = 0;
  std::string actor;       // staff user name, "subject" or "system"
  std::string from_state;  // "" for the first event
  std::string to_state;
  std::string action;         // "intake", "verify", "start", "extend", ...
  std::string sealed_reason;  // sealed with the request key, or ""
};

// An identity a request names besides its email (a phone number, a customer id), where the
// policy allows it (rights.identities). Its value is sealed with the request's key (context
// "request:<id>:identity:<kind>") like the address, and goes with the request. The code proves
// only the email: this identity finds data for the request only once staff attested it.
struct RequestIdentityRecord {
  std::string request_id;
  std::string kind;          // "phone", "customer_id"
  std::string blind_index;   // raw HMAC bytes of the normalised value
  std::string sealed_value;  // the normalised value, sealed with the request key
  std::optional<Micros> attested_at;
  std::string attested_by;  // staff user name once attested, else ""
};

// The result of an access or portability request, offered for download until expires_at. The
// zip is sealed with the request's own key (context "request:<id>:package"), so deleting the
// request shreds it too.
struct RequestPackageRecord {
  std::string request_id;
  std::string sealed;  // the sealed zip
  Micros created_at = 0;
  Micros expires_at = 0;
};

// One disclosure of a subject's data to a recipient of the policy: who received which
// categories, for which purpose, when, and who made it. Append-only. Names no personal data
// beyond the subject id; kept when the subject is erased (it is the evidence of whom to tell,
// GDPR Art. 19, and of what was shared).
struct DisclosureRecord {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string id;   // "dsc_..."
  std::string subject_id;
  std::string recipient;  // the policy's recipient id
  std::string purpose;    // the policy's purpose id
  std::vector<std::string> categories;
  std::string origin;      // country (or subdivision) the data originates in, as judged
  std::string safeguard;   // what allowed it ("adequacy", "scc", ...: the decision's reason)
  std::string request_id;  // the data subject request it answered, or ""
  std::string actor;       // staff user name
  Micros disclosed_at = 0;
  Micros created_at = 0;
};

// The staff queue: open and closed requests by due date.
struct RequestQuery {
  std::string state;                 // "" = any
  std::string right;                 // "" = any
  std::optional<Micros> due_before;  // due_at < due_before
  std::optional<Micros> overdue_at;  // open and due_at < overdue_at
  // The requests of one identity: both set, or both "".
  std::string identity_kind;
  std::string blind_index;
  // Cursor: requests after (after_due, after_id) in (due_at, id) order.
  std::optional<Micros> after_due;
  std::string after_id;
  int limit = 100;
};

// Requests are open in these states.
bool IsOpenRequestState(const std::string& state);

// Operations available inside a transaction. Not thread-safe: a Tx belongs to the fn it is
// passed to and must not outlive it.
class Tx {
 public:
  virtual ~Tx() = default;

  // Subjects. InsertSubject fails with kAlreadyExists if the id exists.
  virtual Status InsertSubject(const SubjectRecord& subject) = 0;
  virtual Result<std::optional<SubjectRecord>> GetSubject(const std::string& id) = 0;
  // Fails with kNotFound ("subject_not_found") if the subject does not exist.
  virtual Status MarkSubjectErased(const std::string& id, Micros at) = 0;
  // Sets (a time) or lifts (nullopt) the restriction of processing. kNotFound as above.
  virtual Status SetSubjectRestricted(const std::string& id, std::optional<Micros> at) = 0;
  // Sets the regime the subject is under. kNotFound as above.
  virtual Status SetSubjectRegime(const std::string& id, const std::string& regime) = 0;

  // Consent ledger. AppendConsentEvent returns the new seq (record.seq is ignored); there is
  // no way to change or delete an event. ListConsentEvents returns a subject's events in seq
  // order.
  virtual Result<int64_t> AppendConsentEvent(const ConsentEventRecord& record) = 0;
  virtual Result<std::vector<ConsentEventRecord>> ListConsentEvents(
      const std::string& subject_id) = 0;

  // Suppressions. AddSuppression keeps an existing record of the same identity as it is.
  virtual Status AddSuppression(const SuppressionRecord& record) = 0;
  virtual Result<std::optional<SuppressionRecord>> FindSuppression(
      const std::string& kind, const std::string& blind_index) = 0;
  // When the earliest suppression of any of the subject's identities was made, or nullopt.
  virtual Result<std::optional<Micros>> EarliestSuppressionOfSubject(
      const std::string& subject_id) = 0;
  // One page of the suppression list in (kind, blind_index) order, after the entry (after_kind,
  // after_blind_index), or from the start when after_kind is empty; and how many there are.
  virtual Result<std::vector<SuppressionRecord>> ListSuppressions(
      const std::string& after_kind, const std::string& after_blind_index, int limit) = 0;
  virtual Result<int64_t> CountSuppressions() = 0;

  // Enrichment imports, newest first: a page of those recorded before `before_seq` (0 = from the
  // newest), and one by id (nullopt when unknown).
  virtual Status InsertImport(const ImportRecord& record) = 0;
  virtual Result<std::vector<ImportRecord>> ListImports(int64_t before_seq, int limit) = 0;
  virtual Result<std::optional<ImportRecord>> FindImport(const std::string& id) = 0;

  // The consent change log. ListConsentChanges returns up to `limit` rows after `after_seq` in
  // seq order; LastConsentChange the seq of the latest row ever written (0 when none), even
  // when it was pruned; PruneConsentChanges deletes the rows up to `through_seq` and returns
  // how many.
  virtual Result<std::vector<ConsentChangeRecord>> ListConsentChanges(int64_t after_seq,
                                                                      int limit) = 0;
  virtual Result<int64_t> LastConsentChange() = 0;
  virtual Result<int64_t> PruneConsentChanges(int64_t through_seq) = 0;

  // Whole-table scans for building in-memory indexes, each row passed to `fn` as it is read
  // (an error from `fn` stops the scan and is returned): subjects in id order; identities
  // without their sealed values, in (kind, blind index) order; consent events in (subject id,
  // seq) order; suppressions.
  virtual Status ScanSubjects(const std::function<Status(const SubjectRecord&)>& fn) = 0;
  virtual Status ScanIdentityIndexes(const std::function<Status(const IdentityRecord&)>& fn) = 0;
  virtual Status ScanConsentEvents(const std::function<Status(const ConsentEventRecord&)>& fn) = 0;
  virtual Status ScanSuppressions(const std::function<Status(const SuppressionRecord&)>& fn) = 0;

  // Identities. InsertIdentity fails with kAlreadyExists when (kind, blind_index) is taken;
  // DeleteIdentity with kNotFound "identity_not_found" when there is no such identity.
  virtual Status InsertIdentity(const IdentityRecord& identity) = 0;
  virtual Status DeleteIdentity(const std::string& kind, const std::string& blind_index) = 0;
  // The subject id owning (kind, blind_index), or nullopt.
  virtual Result<std::optional<std::string>> FindSubjectByIdentity(
      const std::string& kind, const std::string& blind_index) = 0;
  // The subject owning (kind, blind_index), in one lookup, or nullopt.
  virtual Result<std::optional<SubjectRecord>> FindSubjectRecordByIdentity(
      const std::string& kind, const std::string& blind_index) = 0;
  // In creation order.
  virtual Result<std::vector<IdentityRecord>> ListIdentities(const std::string& subject_id) = 0;
  // Up to `limit` identities of `kind` whose subject id is greater than `after_subject_id`, in
  // (subject id, creation) order: a cursor over everyone, e.g. for a mailing audience.
  virtual Result<std::vector<IdentityRecord>> ListIdentitiesOfKind(
      const std::string& kind, const std::string& after_subject_id, int limit) = 0;

  // Attributes. InsertAttribute returns the new id (attribute.id is ignored).
  virtual Result<int64_t> InsertAttribute(const AttributeRecord& attribute) = 0;
  // In id (insertion) order.
  virtual Result<std::vector<AttributeRecord>> ListAttributes(const std::string& subject_id) = 0;
  // Deletes the subject's identities' sealed values, attributes and data key. The identity rows
  // stay, with an empty sealed_value, so the blind index still recognises the person.
  virtual Status DeleteSubjectData(const std::string& subject_id) = 0;
  // The finer steps of an erasure that keeps exempt data. DeleteAttribute and UpdateAttribute
  // act on the attribute `id` of `subject_id` and fail with kNotFound ("attribute_not_found")
  // when the subject has no such attribute; UpdateAttribute replaces sealed_value and
  // provenance only. ClearIdentityValue empties the sealed value of the subject's identity of
  // `kind` (the row and its blind index stay); kNotFound ("identity_not_found") when it has none.
  // DeleteDataKey deletes the subject's wrapped data key (nothing when there is none).
  virtual Status DeleteAttribute(const std::string& subject_id, int64_t id) = 0;
  virtual Status UpdateAttribute(const AttributeRecord& attribute) = 0;
  virtual Status ClearIdentityValue(const std::string& subject_id, const std::string& kind) = 0;
  virtual Status DeleteDataKey(const std::string& subject_id) = 0;

  // Referrals. InsertReferral fails with kAlreadyExists ("referral_exists") for a known
  // address; MarkReferralSent sets sent_at and deletes the sealed address (kNotFound
  // "referral_not_found").
  virtual Status InsertReferral(const ReferralRecord& referral) = 0;
  virtual Result<std::optional<ReferralRecord>> GetReferral(const std::string& blind_index) = 0;
  virtual Status MarkReferralSent(const std::string& blind_index, Micros at) = 0;
  // The referrals `referrer_id` made, in creation order.
  virtual Result<std::vector<ReferralRecord>> ListReferralsBy(const std::string& referrer_id) = 0;
  // Deletes the sealed addresses of the referrals `referrer_id` made that were not sent yet
  // (the rows stay, so the addresses are never written to); returns how many.
  virtual Result<int64_t> DeleteReferralAddresses(const std::string& referrer_id) = 0;

  // One-time codes. InsertVerificationCode fails with kAlreadyExists on a taken id.
  virtual Status InsertVerificationCode(const VerificationCodeRecord& code) = 0;
  // The code of (purpose, blind_index) not used yet (the latest one if there are several), else
  // the latest used one, or nullopt.
  virtual Result<std::optional<VerificationCodeRecord>> LatestVerificationCode(
      const std::string& purpose, const std::string& blind_index) = 0;
  // How many codes of (purpose, blind_index) were created after `since`.
  virtual Result<int64_t> CountVerificationCodesSince(const std::string& purpose,
                                                      const std::string& blind_index,
                                                      Micros since) = 0;
  // Deletes the codes of (purpose, blind_index) created at or before `created_until` that
  // expired before `now`; returns how many.
  virtual Result<int64_t> DeleteVerificationCodesOf(const std::string& purpose,
                                                    const std::string& blind_index,
                                                    Micros created_until, Micros now) = 0;
  // Adds one attempt (kNotFound "verification_code_not_found").
  virtual Status CountVerificationAttempt(const std::string& id) = 0;
  // Marks a code used (kNotFound as above).
  virtual Status MarkVerificationCodeUsed(const std::string& id, Micros at) = 0;
  // Deletes at most `limit` codes that expired before `before`; returns how many.
  virtual Result<int64_t> DeleteExpiredVerificationCodes(Micros before, int limit) = 0;

  // Data keys. PutDataKey inserts or replaces the subject's wrapped key.
  virtual Status PutDataKey(const DataKeyRecord& key) = 0;
  virtual Result<std::optional<DataKeyRecord>> GetDataKey(const std::string& subject_id) = 0;
  // Up to `limit` keys not wrapped by `master_key_id`, in subject id order.
  virtual Result<std::vector<DataKeyRecord>> ListDataKeysNotWrappedBy(
      const std::string& master_key_id, int limit) = 0;

  // Small named values (e.g. the wrapped blind-index key). PutMeta inserts or replaces.
  virtual Status PutMeta(const std::string& name, const std::string& value) = 0;
  virtual Result<std::optional<std::string>> GetMeta(const std::string& name) = 0;

  // Audit trail. AppendAudit fails with kAlreadyExists if record.seq is taken.
  virtual Result<std::optional<AuditRecord>> LastAudit() = 0;
  virtual Status AppendAudit(const AuditRecord& record) = 0;
  // Matching entries in seq order, at most query.limit (kInvalidArgument "invalid_limit" when
  // below 1; likewise for every other `limit` in this interface).
  virtual Result<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) = 0;

  // Staff users. InsertUser fails with kAlreadyExists on a taken name.
  virtual Status InsertUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> GetUserByName(const std::string& name) = 0;
  virtual Result<std::optional<UserRecord>> GetUserById(const std::string& id) = 0;
  // In name order.
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  // Both fail with kNotFound ("user_not_found") if the user does not exist.
  virtual Status SetUserDisabled(const std::string& user_id, bool disabled) = 0;
  virtual Status SetUserPassword(const std::string& user_id, const std::string& hash) = 0;

  // API tokens. InsertToken fails with kAlreadyExists ("token_exists") on a taken id; ListTokens
  // returns them in id order.
  virtual Status InsertToken(const TokenRecord& token) = 0;
  virtual Result<std::optional<TokenRecord>> GetToken(const std::string& id) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens(const std::string& user_id) = 0;  // "" = all
  // Fails with kNotFound if the token does not exist.
  virtual Status RevokeToken(const std::string& id, Micros at) = 0;

  // Staff console sessions. InsertStaffSession fails with kAlreadyExists "session_exists" on a
  // taken id. ListStaffSessions returns every stored session (ended or not) of a user ("" = all)
  // in (created_at, id) order. TouchStaffSession sets last_used_at; EndStaffSession sets
  // ended_at and ended_reason of a session not yet ended; DeleteStaffSession removes one. The
  // three fail with kNotFound "session_not_found" when there is no such session (for
  // EndStaffSession: no such session that is not ended yet).
  virtual Status InsertStaffSession(const StaffSessionRecord& session) = 0;
  virtual Result<std::optional<StaffSessionRecord>> GetStaffSession(const std::string& id) = 0;
  virtual Result<std::vector<StaffSessionRecord>> ListStaffSessions(const std::string& user_id) = 0;
  virtual Status TouchStaffSession(const std::string& id, Micros at) = 0;
  virtual Status EndStaffSession(const std::string& id, Micros at, const std::string& reason) = 0;
  virtual Status DeleteStaffSession(const std::string& id) = 0;

  // Durable jobs.
  // Inserts a job and returns its id. With a non-empty dedupe_key that already exists, inserts
  // nothing and returns the existing job's id. The new job is queued with attempts 0: the
  // record's id, state, attempts, claimed_by, heartbeat_at and last_error are ignored.
  virtual Result<int64_t> EnqueueJob(const JobRecord& job) = 0;
  virtual Result<std::optional<JobRecord>> GetJob(int64_t id) = 0;
  // Claims the due job (queued with run_at <= now, or running with heartbeat_at older than
  // now - lease) with the earliest run_at among `kinds` (empty = any): sets state running,
  // claimed_by, heartbeat_at = now, attempts + 1. nullopt when none is due.
  virtual Result<std::optional<JobRecord>> ClaimJob(const std::vector<std::string>& kinds,
                                                    const std::string& worker, Micros now,
                                                    Micros lease) = 0;
  // The following fail with kFailedPrecondition ("job_not_claimed") unless the job is running
  // and claimed by `worker`.
  virtual Status HeartbeatJob(int64_t id, const std::string& worker, Micros now) = 0;
  virtual Status CompleteJob(int64_t id, const std::string& worker, Micros now) = 0;
  // Back to queued at retry_at, or to dead when retry_at is nullopt; records the error.
  virtual Status FailJob(int64_t id, const std::string& worker, Micros now,
                         const std::string& error, std::optional<Micros> retry_at) = 0;
  // In id order; nullopt state = all.
  virtual Result<std::vector<JobRecord>> ListJobs(std::optional<JobState> state, int limit) = 0;
  // Jobs of one of `kinds` (at least one) with id > after_id, in id order; nullopt state = all.
  virtual Result<std::vector<JobRecord>> ListJobsOfKinds(const std::vector<std::string>& kinds,
                                                         std::optional<JobState> state,
                                                         int64_t after_id, int limit) = 0;
  // Jobs whose dedupe key starts with `prefix` (not empty), in id order, at most `limit`.
  virtual Result<std::vector<JobRecord>> ListJobsWithKeyPrefix(const std::string& prefix,
                                                               int limit) = 0;
  virtual Result<int64_t> CountJobs(JobState state) = 0;

  // Idempotency keys.
  // Inserts `record` unless (record.principal, record.key) exists. Returns nullopt when it was
  // inserted, else the existing record, unchanged whatever its state or expiry (deciding what an
  // existing record means is the caller's business).
  virtual Result<std::optional<IdempotencyRecord>> InsertIdempotencyKey(
      const IdempotencyRecord& record) = 0;
  virtual Result<std::optional<IdempotencyRecord>> GetIdempotencyKey(const std::string& principal,
                                                                     const std::string& key) = 0;
  // Stores record.status, content_type, headers and body in the in-progress record
  // (record.principal, record.key, record.created_at) and marks it completed; the other fields
  // are ignored. Fails with kFailedPrecondition ("idempotency_key_not_in_progress") when there
  // is no such record in progress.
  virtual Status CompleteIdempotencyKey(const IdempotencyRecord& record) = 0;
  // Deletes the record (principal, key, created_at), in whatever state. Fails with kNotFound
  // ("idempotency_key_not_found") when there is none.
  virtual Status DeleteIdempotencyKey(const std::string& principal, const std::string& key,
                                      Micros created_at) = 0;
  // Deletes at most `limit` records with expires_at <= now, the earliest to expire first;
  // returns how many were deleted.
  virtual Result<int64_t> DeleteExpiredIdempotencyKeys(Micros now, int limit) = 0;

  // Policy versions. InsertPolicyVersion fails with kAlreadyExists "policy_version_exists" when
  // the version is stored.
  virtual Status InsertPolicyVersion(const PolicyVersionRecord& record) = 0;
  virtual Result<std::optional<PolicyVersionRecord>> GetPolicyVersion(
      const std::string& version) = 0;
  // Every stored version, the most recently applied first.
  virtual Result<std::vector<PolicyVersionRecord>> ListPolicyVersions() = 0;
  // Data subject requests. InsertRequest fails with kAlreadyExists "request_exists" on a taken
  // id; UpdateRequest replaces every field but id and created_at (kNotFound
  // "request_not_found").
  virtual Status InsertRequest(const RequestRecord& record) = 0;
  virtual Result<std::optional<RequestRecord>> GetRequest(const std::string& id) = 0;
  virtual Status UpdateRequest(const RequestRecord& record) = 0;
  // Open requests of the identity, in creation order: for "email" those made under that address,
  // for another kind those naming it among their identities (RequestIdentityRecord), attested
  // or not.
  virtual Result<std::vector<RequestRecord>> ListOpenRequestsOf(const std::string& identity_kind,
                                                                const std::string& blind_index) = 0;
  // Matching requests in (due_at, id) order, at most query.limit. An identity filter matches as
  // ListOpenRequestsOf does.
  virtual Result<std::vector<RequestRecord>> ListRequests(const RequestQuery& query) = 0;
  // Closed requests (closed_at set) that closed at or before `closed_until`, in (closed_at, id)
  // order, at most `limit`.
  virtual Result<std::vector<RequestRecord>> ListClosedRequests(Micros closed_until, int limit) = 0;
  // How many requests are in each state, in state order (states without any are left out).
  virtual Result<std::vector<std::pair<std::string, int64_t>>> CountRequestsByState() = 0;
  // How many open requests are due before `now`.
  virtual Result<int64_t> CountOverdueRequests(Micros now) = 0;
  // Deletes the request, its timeline, its identities and its package (kNotFound
  // "request_not_found").
  virtual Status DeleteRequest(const std::string& id) = 0;
  // A request's other identities. PutRequestIdentity inserts one (kNotFound "request_not_found";
  // kAlreadyExists "request_identity_exists" when the request has one of that kind);
  // ListRequestIdentities returns them in kind order; AttestRequestIdentity records who
  // attested one and when (kNotFound "request_identity_not_found").
  virtual Status PutRequestIdentity(const RequestIdentityRecord& record) = 0;
  virtual Result<std::vector<RequestIdentityRecord>> ListRequestIdentities(
      const std::string& request_id) = 0;
  virtual Status AttestRequestIdentity(const std::string& request_id, const std::string& kind,
                                       Micros at, const std::string& by) = 0;
  // Appends a timeline event and returns its seq (record.seq is ignored). kNotFound
  // "request_not_found" when the request does not exist.
  virtual Result<int64_t> AppendRequestEvent(const RequestEventRecord& record) = 0;
  // The request's timeline in seq order.
  virtual Result<std::vector<RequestEventRecord>> ListRequestEvents(
      const std::string& request_id) = 0;
  // A request's package: stored (replacing an earlier one; kNotFound "request_not_found" when
  // the request does not exist), read (nullopt when there is none), deleted (whether there was
  // one).
  virtual Status PutRequestPackage(const RequestPackageRecord& record) = 0;
  virtual Result<std::optional<RequestPackageRecord>> GetRequestPackage(
      const std::string& request_id) = 0;
  virtual Result<bool> DeleteRequestPackage(const std::string& request_id) = 0;

  // Disclosures. InsertDisclosure returns the new seq (record.seq is ignored) and fails with
  // kAlreadyExists "disclosure_exists" on a taken id; there is no way to change or delete one.
  // ListDisclosures returns the subject's disclosures in seq order.
  virtual Result<int64_t> InsertDisclosure(const DisclosureRecord& record) = 0;
  virtual Result<std::vector<DisclosureRecord>> ListDisclosures(const std::string& subject_id) = 0;
};

struct StoreStats {
  uint64_t commits = 0;         // write transactions committed
  uint64_t writes = 0;          // Write() calls committed
  uint64_t write_failures = 0;  // Write() calls whose fn or commit failed
  // Cumulative histogram of commit latency (seconds), for /metrics.
  std::vector<double> commit_bounds;
  std::vector<uint64_t> commit_buckets;  // per bound, plus one for +Inf
  double commit_seconds_sum = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Status Write(const std::function<Status(Tx&)>& fn) = 0;
  virtual Status Read(const std::function<Status(Tx&)>& fn) = 0;

  // Applies numbered migrations not yet applied; idempotent.
  virtual Status Migrate() = 0;
  // Highest migration applied (0 for an empty database), and the highest this build knows.
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
  // Cheap check that the store answers (for /readyz).
  virtual Status Ping() = 0;
  virtual StoreStats Stats() const = 0;
  // Finishes pending writes and releases the store. Later calls fail with kUnavailable.
  virtual void Close() = 0;
};

// Convenience: run a write that yields a value.
template <class T, class Fn>
Result<T> WriteValue(Store& store, Fn&& fn) {
  std::optional<T> out;
  Status s = store.Write([&](Tx& tx) -> Status {
    Result<T> r = fn(tx);
    if (!r.ok()) return r.error();
    out = std::move(r).value();
    return Ok();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

template <class T, class Fn>
Result<T> ReadValue(Store& store, Fn&& fn) {
  std::optional<T> out;
  Status s = store.Read([&](Tx& tx) -> Status {
    Result<T> r = fn(tx);
    if (!r.ok()) return r.error();
    out = std::move(r).value();
    return Ok();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

}  // namespace privacyd
