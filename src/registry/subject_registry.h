// The subject registry: the only way to personal data. It seals values with the subject's data
// key, finds people by blind index, checks the caller's role, and writes the audit entry for
// every read and write in the transaction that performs it.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/keyring.h"
#include "staff/principal.h"
#include "store/store.h"

namespace privacyd {

// Who asks, and why.
struct AccessContext {
  Principal principal;
  std::string purpose;     // e.g. "support"
  std::string request_id;  // for the audit entry
};

struct IdentityValue {
  std::string kind;
  std::string value;
};

struct AttributeValue {
  std::string name;
  std::string value;
  std::string provenance;  // JSON object
  Micros created_at = 0;
  int64_t id = 0;  // the stored attribute's id (0 when not known)
};

struct NewSubject {
  std::vector<IdentityValue> identities;                        // at least one
  std::vector<std::pair<std::string, std::string>> attributes;  // name, value
};

struct CollectedInto;

// What a collection point stores: the person's identities and the values of the submission,
// all under one provenance.
struct Collected {
  std::vector<IdentityValue> identities;                        // at least one
  std::vector<std::pair<std::string, std::string>> attributes;  // name, value
  std::string provenance;       // JSON object without personal data, recorded with every value
  nlohmann::json audit_detail;  // non-personal detail for the audit entry (point, receipt...)
  // Data about people that comes from a third party (enrichment) never recreates an erased
  // person, never touches one who objected to direct marketing or whose processing is
  // restricted, and adds people we do not hold only when `add_unknown`.
  bool third_party = false;
  bool add_unknown = true;
  // Referral points: the addresses (normalised) the person gave of colleagues to write to once
  // on their behalf. Kept sealed with this subject's key until that email has gone, with a
  // durable job "referral.email" per address; an address already referred, or one whose owner
  // objected to direct marketing, is neither kept nor written to again.
  std::vector<std::string> referred_emails;
  std::string point;  // for the referral records
  // The regime the person is under (where the request came from); recorded on a new subject,
  // and on a known one that has none yet.
  std::string regime;
  // Runs inside the transaction that stored the data (not when it was skipped), so that what
  // follows from the submission (consent events, mail) exists exactly when the data does.
  std::function<Status(Tx&, const CollectedInto&)> also;
};

struct CollectedInto {
  std::string subject_id;
  bool created = false;
  // Kinds of the identities that another subject already holds (or an erased one did): they
  // are stored as values of this subject, not linked to it.
  std::vector<std::string> unlinked;
  // Third-party data that was not stored, and why: "erased", "objected", "restricted",
  // "unknown_person". Empty when stored.
  std::string skipped;
  size_t referrals_queued = 0;  // referred addresses written to for the first time
};

// Whether a value's provenance (JSON) says the person gave it themselves: through a public
// collection point ("source": "direct", not relayed by a webhook or an import), or corrected by
// them since ("rectified_by": "subject").
bool IsSelfAsserted(const std::string& provenance);

// The job that writes to a referred person; its payload is {"referral": <hex blind index>}.
inline constexpr char kReferralEmailJob[] = "referral.email";

// A subject with its personal data opened.
struct SubjectView {
  std::string id;
  Micros created_at = 0;
  std::vector<IdentityValue> identities;
  std::vector<AttributeValue> attributes;
};

// A stored value as an erasure sees it: what it is and where it came from, never the value.
struct ErasableValue {
  bool identity = false;  // an identity (name = kind) or an attribute (name = attribute name)
  int64_t attribute_id = 0;
  std::string name;
  std::string provenance;  // JSON object; "" for identities
  Micros created_at = 0;
};

// What an erasure did. Counts and kinds only, no values.
struct ErasureOutcome {
  std::vector<ErasableValue> kept;  // what `keep` exempted, in store order
  size_t attributes_deleted = 0;
  size_t identities_cleared = 0;
  size_t referral_addresses_deleted = 0;
  bool key_destroyed = false;   // the data key is gone (nothing was kept)
  bool already_erased = false;  // the subject had been erased before this call
};

// Everything privacyd holds about a subject, opened for an access or portability request.
struct SubjectExport {
  SubjectRecord subject;
  SubjectView view;
  // The referrals the subject made, without their addresses: those are other people's data,
  // which a copy for the subject must not give away (GDPR Art. 15(4)).
  std::vector<ReferralRecord> referrals;
  std::vector<ConsentEventRecord> consent_events;
  // The recipients the subject's data was actually disclosed to (GDPR Art. 15(1)(c)).
  std::vector<DisclosureRecord> disclosures;
};

// Who corrects a value: staff (SubjectDataRoles()), or the person themself through a verified
// request (only values they gave themselves).
enum class Rectifier { kStaff, kSubject };

// A corrected value and its provenance before and after.
struct Rectified {
  AttributeValue value;
  std::string old_provenance;
};

class SubjectRegistry {
 public:
  SubjectRegistry(Store& store, std::shared_ptr<const Keyring> keyring, const AuditLog& audit,
                  const Clock& clock, Random& random)
      : store_(store),
        keyring_(std::move(keyring)),
        audit_(audit),
        clock_(clock),
        random_(random) {}

  // Errors: kPermissionDenied "forbidden"; kInvalidArgument "invalid_subject",
  // "invalid_identity", "unknown_identity_kind", "invalid_attribute"; kAlreadyExists
  // "identity_exists" when an identity belongs to another subject.
  Result<SubjectView> Create(const AccessContext& ctx, const NewSubject& subject);
  // Errors: kNotFound "subject_not_found" (also for erased subjects); kPermissionDenied.
  Result<SubjectView> Get(const AccessContext& ctx, const std::string& id);
  // Which identities and values a purpose-limited reader may see.
  struct ViewFilter {
    std::function<bool(const IdentityValue&)> identity;
    std::function<bool(const AttributeValue&)> attribute;
  };
  // The subject as a purpose-limited role sees it (MarketingViewRoles(): only what its purposes
  // allow): the values `filter` keeps, and the audit entry says how many were withheld. Staff
  // of SubjectDataRoles() may call it too. Errors as Get.
  Result<SubjectView> GetFiltered(const AccessContext& ctx, const std::string& id,
                                  const ViewFilter& filter);
  // The subjects holding the identity (at most one today). Unknown identities give an empty
  // list. The lookup is audited without the identity's value.
  Result<std::vector<SubjectView>> FindByIdentity(const AccessContext& ctx,
                                                  const IdentityValue& identity);

  // Stores what a collection point accepted: into the subject that holds the first of
  // `data.identities` someone holds, or into a new subject; identities nobody holds are linked
  // to it. One durable transaction with the audit entry "subject.collect", whose actor is
  // ctx.principal's user for staff and integrations and, for the public, the subject itself
  // ("subject:<id>"). There is no role check here: the collection point is the door, and the
  // Collector checks who may use the staff and webhook doors.
  // Errors: kInvalidArgument "invalid_subject", "invalid_identity", "invalid_attribute".
  Result<CollectedInto> Collect(const AccessContext& ctx, const Collected& data);

  // Erases the subject in one transaction: deletes every attribute and clears every identity's
  // sealed value for which `keep` answers false, deletes the sealed addresses of the referrals
  // the subject made, and, when nothing was kept, the data key (crypto-shredding: whatever of
  // the subject's data survives elsewhere, backups included, cannot be opened). The identity
  // rows stay as tombstones (their blind index still recognises the person, so imports are
  // refused and the consent check answers "erased"); suppressions and the consent ledger stay.
  // Marks the subject erased. Audited as "subject.erase" with counts, kinds and `audit_detail`
  // (no values). Calling it again on an erased subject erases what `keep` no longer exempts.
  // `keep` runs inside the transaction and must not touch the store; it sees the attributes
  // first, then the identities (so it can keep an identity with the values kept under it).
  // Errors: kPermissionDenied "forbidden" (ErasureRoles()); kNotFound "subject_not_found".
  Result<ErasureOutcome> Erase(const AccessContext& ctx, const std::string& id,
                               const std::function<bool(const ErasableValue&)>& keep,
                               const nlohmann::json& audit_detail);
  // The values an erasure kept (an erased subject whose data key exists), opened for staff of
  // ErasureRoles(); audited as "subject.read_retained". Errors: forbidden; subject_not_found
  // when the subject does not exist or nothing of it can be opened any more.
  Result<SubjectView> GetRetained(const AccessContext& ctx, const std::string& id);

  // Restricts processing of the subject (GDPR Art. 18), or lifts the restriction; audited as
  // "subject.restrict" / "subject.unrestrict" with `reason` (no personal data). Setting what is
  // already set changes nothing but is audited. Errors: forbidden (SubjectDataRoles());
  // kNotFound "subject_not_found" (also for erased subjects).
  Status SetRestricted(const AccessContext& ctx, const std::string& id, bool restricted,
                       const std::string& reason);

  // Replaces the value of attribute `attribute_id` with `value`, sealed with the subject's key.
  // The new provenance is the old one with who corrected it, when and under which request
  // ("rectified_by", "rectified_at", "request"); the audit entry "subject.rectify" holds the
  // old and new provenance and never a value. kSubject corrects only self-asserted values (see
  // IsSelfAsserted) and needs ctx.request_id (the verified request); the caller has verified
  // that the person holds the subject. Errors: forbidden; subject_not_found (also erased);
  // kNotFound "attribute_not_found"; kPermissionDenied "not_self_asserted";
  // kInvalidArgument "invalid_attribute" (too long), "request_required"; and the error `check`
  // returns: it is called inside the transaction with the attribute's name and its current
  // provenance (the new value is the caller's), before anything is written.
  Result<Rectified> Rectify(
      const AccessContext& ctx, Rectifier by, const std::string& id, int64_t attribute_id,
      const std::string& value,
      const std::function<Status(const std::string& name, const std::string& provenance)>& check =
          nullptr);

  // Everything held about the subject, opened, for an access or portability package; audited as
  // "subject.export". Errors as Get.
  Result<SubjectExport> Export(const AccessContext& ctx, const std::string& id);

  // Records a disclosure of the subject's data (`record`'s subject_id is `id`; its actor is
  // ctx's user), in one transaction with the audit entry "subject.disclose" (recipient, purpose,
  // categories, origin; never a value). `check` runs inside the transaction with the subject
  // before anything is written; its error is returned (the restriction of processing, see
  // DisclosureLog). The caller has asked the policy whether the disclosure is allowed.
  // Errors: forbidden (SubjectDataRoles()); kNotFound "subject_not_found" (also erased);
  // kAlreadyExists "disclosure_exists" on a taken id; the error of `check`.
  Result<DisclosureRecord> RecordDisclosure(
      const AccessContext& ctx, const std::string& id, DisclosureRecord record,
      const std::function<Status(const SubjectRecord&)>& check = nullptr);
  // The subject's disclosures in the order they were recorded, for staff of SubjectDataRoles()
  // and auditors (DisclosureReaderRoles()), also once the subject is erased: they are the
  // evidence of whom it was shared with. Audited as "subject.read_disclosures". Errors:
  // forbidden; kNotFound "subject_not_found" when no subject ever had this id.
  Result<std::vector<DisclosureRecord>> ListDisclosures(const AccessContext& ctx,
                                                        const std::string& id);

  // System doors for privacyd's own services (consent, mail), inside the caller's transaction
  // and without a role check: callers decide who may trigger them and audit what they do.
  //
  // The subject (live or erased) holding the identity (normalised here), or nullopt. Errors:
  // those of NormalizeIdentity.
  Result<std::optional<SubjectRecord>> FindSubject(Tx& tx, const IdentityValue& identity) const;
  // The blind index of an identity (normalised here).
  Result<std::string> IdentityIndex(const IdentityValue& identity) const;
  // The same, without copying the value into an IdentityValue.
  Result<std::string> IdentityIndex(const std::string& kind, std::string_view value) const;
  // The blind index of an email address into `out` (room for Keyring::kBlindIndexBytes),
  // normalised in `scratch`: no allocation once `scratch` has grown (the consent check's
  // million). False for a value that is not a valid address.
  bool EmailIndexInto(std::string_view email, std::string& scratch, char* out) const;
  // The subject's identity of `kind`, opened, or nullopt when it has none (or was erased).
  Result<std::optional<std::string>> OpenIdentity(Tx& tx, const std::string& subject_id,
                                                  const std::string& kind) const;
  // The address of a referral not sent yet, opened with the referrer's key; nullopt once sent
  // or when the referrer was erased (their key is gone, and with it the address).
  Result<std::optional<std::string>> OpenReferralAddress(Tx& tx,
                                                         const ReferralRecord& referral) const;
  // Seals `plaintext` with the subject's data key under `context`, so that it dies with the
  // subject (crypto-shredding). kNotFound "subject_not_found" once erased.
  // `value` sealed as the subject's identity of `kind` (what InsertIdentity stores and
  // OpenIdentity opens). kNotFound "subject_not_found" once the subject's key is gone.
  Result<std::string> SealIdentity(Tx& tx, const std::string& subject_id, const std::string& kind,
                                   std::string_view value) const;
  Result<std::string> SealFor(Tx& tx, const std::string& subject_id, std::string_view plaintext,
                              const std::string& context) const;
  Result<std::string> OpenFor(Tx& tx, const std::string& subject_id, std::string_view sealed,
                              const std::string& context) const;

 private:
  Status CheckRole(const AccessContext& ctx) const;
  Result<SecretBytes> SubjectKey(Tx& tx, const std::string& subject_id) const;
  Result<SubjectView> LoadView(Tx& tx, const SubjectRecord& subject) const;

  Store& store_;
  std::shared_ptr<const Keyring> keyring_;
  const AuditLog& audit_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace privacyd
