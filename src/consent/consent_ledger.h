// The consent ledger service: records what people said about their subscriptions and about
// marketing, derives their current state, and answers senders' questions ("may I mail these
// people about this topic?"). The ledger is append-only (store.h ConsentEventRecord); nothing
// here edits a state in place.
//
// Every event carries how it was made (method), where the person was (country derived from
// the request's IP; the IP itself is not kept), the user agent's family, the request id, the
// statement version in force and a hash of the exact notice text the person was shown, so that
// consent can be proven later (ISO/IEC TS 27560 receipts are built from it).
//
// An objection to direct marketing also puts each of the person's identities on the
// suppression list (by blind index): it outlives the person's erasure, keeps enrichment imports
// away, and only a fresh grant the person makes themself by a verified method lifts it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "consent/check_audit.h"
#include "consent/consent_index.h"
#include "consent/consent_rules.h"
#include "consent/link_tokens.h"
#include "core/clock.h"
#include "core/huge_pages.h"
#include "mail/outbox.h"
#include "policy/jurisdictions.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"
#include "store/store.h"
#include "verify/one_time_codes.h"

namespace privacyd {

// Methods (ConsentEventRecord::method).
inline constexpr char kMethodCollectionForm[] = "collection_form";
inline constexpr char kMethodPreferenceCenter[] = "preference_center";
inline constexpr char kMethodEmailLink[] = "email_link";
inline constexpr char kMethodOneClick[] = "one_click";
inline constexpr char kMethodMailto[] = "mailto";
inline constexpr char kMethodDoubleOptIn[] = "double_opt_in";
inline constexpr char kMethodPortalRequest[] = "portal_request";
inline constexpr char kMethodStaffLetter[] = "staff_letter";
inline constexpr char kMethodStaffPhone[] = "staff_phone";
inline constexpr char kMethodGpc[] = "gpc";

// The identity kind of an address a person asked to change to, until they confirm it from that
// mailbox.
inline constexpr char kPendingEmailKind[] = "email_pending";

// How and where a change was made. Nothing personal.
struct ConsentSource {
  std::string method;
  std::string language;    // of the notice shown ("en"); "" = the policy's first
  std::string country;     // ISO 3166-1 derived from the IP, or ""
  std::string user_agent;  // family, or ""
  std::string request_id;
  std::string actor;  // staff user name; "" = the person themself
  nlohmann::json evidence = nlohmann::json::object();
};

// One topic as the person sees it.
struct TopicState {
  std::string topic;
  ConsentVerdict verdict = ConsentVerdict::kNoConsent;
  bool subscribed = false;  // verdict == allowed
  bool pending = false;     // a subscription awaits its double opt-in confirmation
  bool by_default = false;  // no say of the person's own: the default or the regime decided
  std::optional<Micros> since;
  std::string method;  // of the latest say
};

// One change a person asks for: a topic id ("*" for all marketing) and "grant", "withdraw" or
// "object" (direct marketing; the topic is ignored).
struct ConsentChange {
  std::string topic;
  std::string action;
};

// The answer for the identity at the same position of the list checked.
struct ConsentCheckItem {
  ConsentVerdict verdict = ConsentVerdict::kUnknown;
  std::string subject_id;  // for allowed items
};
// A check's answers, one per identity, in huge pages when they are many (core/huge_pages.h).
using ConsentCheckItems = std::vector<ConsentCheckItem, HugePageAllocator<ConsentCheckItem>>;

class ConsentLedger {
 public:
  // The confirmation link of a double opt-in is valid this long.
  static constexpr Micros kConfirmValidity = 48LL * 3600 * kMicrosPerSecond;
  // At most this many identities per check.
  static constexpr size_t kMaxCheck = 100'000;

  ConsentLedger(Store& store, const SubjectRegistry& registry, PolicyHolder& policy,
                const Jurisdictions& jurisdictions, const AuditLog& audit, const Clock& clock,
                const Outbox& outbox, const LinkSigner& links, std::string public_url,
                const OneTimeCodes* codes = nullptr);

  // Appends one event for `subject` inside `tx`.
  Status Append(Tx& tx, const SubjectRecord& subject, const std::string& target,
                const std::string& action, const ConsentSource& source) const;

  // The topics a person ticked on a collection form (already validated against the point).
  // Where silence would not allow the topic (an opt-in regime or topic), or the person objected
  // or is suppressed, the subscription is only requested and a double opt-in mail is queued;
  // otherwise it is granted at once. Topics already allowed are left alone.
  Status TopicsFromForm(Tx& tx, const std::string& subject_id,
                        const std::vector<std::string>& topics, const ConsentSource& source) const;

  // A Global Privacy Control signal: an opt-out of sale/sharing and targeted advertising,
  // recorded once (again only after the person opted back in).
  Status RecordGpc(Tx& tx, const SubjectRecord& subject, const ConsentSource& source) const;

  // The person's state per topic of the policy, in the policy's topic order.
  Result<std::vector<TopicState>> Topics(Tx& tx, const SubjectRecord& subject) const;
  // The same in a read transaction of its own. kNotFound "subject_not_found" (also erased).
  Result<std::vector<TopicState>> TopicStates(const std::string& subject_id) const;

  // A change the person (or staff on their behalf) makes, in its own transaction with an audit
  // entry. `topic` is a topic id, or "*" for all marketing. Actions: "grant", "withdraw",
  // "object" (direct marketing; `topic` is ignored). Returns whether anything changed
  // (unsubscribing twice changes nothing the second time). An unsubscription by link queues a
  // confirmation mail when `confirm_by_mail`.
  // Errors: kNotFound "subject_not_found" (also erased); kInvalidArgument "unknown_topic",
  // "invalid_consent_action".
  Result<bool> Change(const std::string& subject_id, const std::string& topic,
                      const std::string& action, const ConsentSource& source,
                      bool confirm_by_mail = false) const;

  // Several changes in one transaction, applied in order, all or none; with `gpc` the request's
  // Global Privacy Control signal is recorded too. Returns how many changed something. Errors
  // as Change, for any of them, before anything is written.
  Result<size_t> ChangeAll(const std::string& subject_id, const std::vector<ConsentChange>& changes,
                           const ConsentSource& source, bool confirm_by_mail = false,
                           bool gpc = false) const;

  // A person (by their Preference Center link) asks to change their address to `new_email`: the
  // address is kept as the subject's pending address (replacing an earlier pending one) and a
  // confirmation link, valid kConfirmValidity, is mailed to it; nothing else changes until it is
  // confirmed. Returns false when the address already is the person's. When someone else holds
  // the address nothing is stored or sent, and the answer is the same as when a mail went (the
  // Preference Center must not tell who is registered). Errors: kInvalidArgument
  // "invalid_identity"; kNotFound "subject_not_found" (also erased).
  Result<bool> RequestAddressChange(const std::string& subject_id, const std::string& new_email,
                                    const ConsentSource& source) const;
  // The link from that mail was followed: the pending address becomes the person's email (their
  // previous addresses are removed) in one transaction. Confirming again changes nothing.
  // Errors: kFailedPrecondition "address_change_not_pending" (superseded by a later request, or
  // never made); kAlreadyExists "address_taken" (someone else registered it meanwhile);
  // kNotFound "subject_not_found".
  Status ConfirmAddressChange(const LinkClaims& claims, const ConsentSource& source) const;

  // Confirms a double opt-in: grants the topics the link names that are still requested.
  Result<std::vector<std::string>> Confirm(const LinkClaims& claims,
                                           const ConsentSource& source) const;

  // The subject's whole ledger. Staff (ConsentReadRoles), audited. kNotFound for unknown ids.
  Result<std::vector<ConsentEventRecord>> History(const AccessContext& ctx,
                                                  const std::string& subject_id) const;

  // The person's consent receipt (consent/consent_receipt.h). kNotFound for unknown or erased
  // subjects.
  Result<nlohmann::json> Receipt(const std::string& subject_id) const;
  // The same for staff (ConsentReadRoles), audited; also for erased subjects (proof outlives
  // erasure).
  Result<nlohmann::json> ReceiptForStaff(const AccessContext& ctx,
                                         const std::string& subject_id) const;

  // A change staff received by letter or phone and enter on the person's behalf (method
  // "staff_letter" or "staff_phone", the staff member as actor, the date of receipt as
  // evidence). ConsentReadRoles. Such a grant is not the person's own verified act: it does not
  // lift an objection. Errors as Change, plus kPermissionDenied "forbidden" and
  // kInvalidArgument "invalid_consent_method".
  Result<bool> ChangeForPerson(const AccessContext& ctx, const std::string& subject_id,
                               const std::string& topic, const std::string& action,
                               const std::string& method, const std::string& received_on) const;

  // For each identity ("sub_..." ids or email addresses), whether `topic` may be mailed, in the
  // order given. Answered from the in-memory index when one is in use and built for the policy
  // in force, otherwise by one read of the store; then one audit entry with the counts only.
  // Errors: kPermissionDenied "forbidden"; kInvalidArgument "unknown_topic", "too_many_identities".
  Result<ConsentCheckItems> Check(const AccessContext& ctx, const std::string& topic,
                                  std::span<const std::string_view> identities) const;
  Result<ConsentCheckItems> Check(const AccessContext& ctx, const std::string& topic,
                                  const std::vector<std::string>& identities) const;

  // Answers checks from `index` (consent/consent_index.h) when it is built; not owned, outlives
  // the ledger's use. Call before serving.
  void UseIndex(ConsentIndex* index) { index_ = index; }
  // Counts checks into `audit`'s entries of a second each instead of writing an entry per check
  // (consent/check_audit.h); not owned. Call before serving.
  void AuditChecksWith(CheckAudit* audit) { check_audit_ = audit; }
  // True when a check writes nothing and is answered from memory (with one short read of the
  // store to catch up): the index is built and checks are counted, not written, to the audit.
  bool ChecksAreAnsweredFromMemory() const {
    return index_ != nullptr && check_audit_ != nullptr && index_->Ready();
  }

  // Someone we hold no subject for (a referred colleague) used the link of the one mail they got
  // to never be written to again: the address's blind index (hex, from the link) goes on the
  // suppression list. Idempotent. kInvalidArgument "invalid_link" for a malformed index.
  Status SuppressAddress(const std::string& hex_index, const ConsentSource& source) const;

  // One page of the allowed audience of `topic`: people with an email address whom the topic
  // may be mailed to, in subject id order after `after`. Opens each address (system door) and
  // audits the page with its count. Errors as Check.
  struct AudienceMember {
    std::string subject_id;
    std::string email;
  };
  struct AudiencePage {
    std::vector<AudienceMember> members;
    std::string next;  // cursor for the next page; "" at the end
  };
  Result<AudiencePage> Audience(const AccessContext& ctx, const std::string& topic,
                                const std::string& after, int limit) const;

  // The Preference Center by one-time code (for people without a link at hand): a code is
  // mailed to `email` when someone holds it, and the answer is the same whether or not anyone
  // does. Errors: kInvalidArgument "invalid_identity"; kResourceExhausted "too_many_codes";
  // kUnavailable "codes_unavailable" without a code service.
  Status SendPreferencesCode(const std::string& email, const ConsentSource& source) const;
  // A Preference Center link token (valid an hour) for the right code. Errors: those of
  // CodeCheck::ToError().
  Result<std::string> PreferencesTokenForCode(const std::string& email,
                                              const std::string& code) const;
  static constexpr Micros kCodeSessionValidity = 3600 * kMicrosPerSecond;

  // Signed links for a subject.
  std::string UnsubscribeUrl(const std::string& subject_id, const std::string& topic,
                             const std::string& message_id) const;
  std::string PreferencesUrl(const std::string& subject_id, Micros valid_for) const;

  // The hash of the notice text shown for `target` in `language` under the policy in force.
  static std::string NoticeHash(const Policy& policy, const std::string& target,
                                const std::string& language);

  const LinkSigner& links() const { return links_; }
  const Clock& clock() const { return clock_; }
  const std::string& public_url() const { return public_url_; }

 private:
  static Result<std::string> TargetOf(const Policy& policy, const ConsentChange& change);
  Result<bool> ApplyChange(Tx& tx, const SubjectRecord& subject, const Policy& policy,
                           const ConsentChange& change, const std::string& target,
                           const ConsentSource& source, bool confirm_by_mail) const;
  Status QueueConfirmation(Tx& tx, const std::string& subject_id,
                           const std::vector<std::string>& topics, const std::string& language,
                           const Policy& policy) const;

  Store& store_;
  const SubjectRegistry& registry_;
  PolicyHolder& policy_;
  const Jurisdictions& jurisdictions_;
  const AuditLog& audit_;
  const Clock& clock_;
  const Outbox& outbox_;
  const LinkSigner& links_;
  std::string public_url_;
  // Check's answers from the store, for each identity into `items`.
  Status CheckInStore(const Policy& policy, const SubscriptionTopic& topic,
                      std::span<const std::string_view> identities,
                      std::span<ConsentCheckItem> items) const;

  const OneTimeCodes* codes_;
  ConsentIndex* index_ = nullptr;
  CheckAudit* check_audit_ = nullptr;
};

}  // namespace privacyd
