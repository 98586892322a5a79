#include "consent/consent_ledger.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "consent/consent_receipt.h"
#include "core/parallel.h"
#include "crypto/secret.h"
#include "registry/identity.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

// Below this many identities a part costs less than starting a thread for it is worth.
constexpr size_t kMinCheckPart = 4096;

std::string Sha256Hex(std::string_view text) {
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return ToHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Error SubjectGone() {
  return Error(ErrorKind::kNotFound, "subject_not_found",
               "no subject has this id (it may have been erased)");
}

Error UnknownTopic(const std::string& topic) {
  return Error(
      ErrorKind::kInvalidArgument, "unknown_topic",
      "the policy has no subscription topic '" + topic + "'; GET /v1/preferences lists them");
}

std::vector<std::string> SplitComma(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Whether a subscription to `topic` was requested after the person's latest say on it.
bool Pending(const SubscriptionTopic& topic, const std::vector<ConsentEventRecord>& events) {
  const std::string target = TopicTarget(topic.id);
  const ConsentEventRecord* say = LatestSay(topic, events);
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (say != nullptr && it->seq <= say->seq) break;
    if (it->target == target && it->action == "request") return true;
  }
  return false;
}

std::string Actor(const ConsentSource& source, const std::string& subject_id) {
  return source.actor.empty() ? "subject:" + subject_id : source.actor;
}

}  // namespace

ConsentLedger::ConsentLedger(Store& store, const SubjectRegistry& registry, PolicyHolder& policy,
                             const Jurisdictions& jurisdictions, const AuditLog& audit,
                             const Clock& clock, const Outbox& outbox, const LinkSigner& links,
                             std::string public_url, const OneTimeCodes* codes)
    : store_(store),
      registry_(registry),
      policy_(policy),
      jurisdictions_(jurisdictions),
      audit_(audit),
      clock_(clock),
      outbox_(outbox),
      links_(links),
      public_url_(std::move(public_url)),
      codes_(codes) {}

std::string ConsentLedger::NoticeHash(const Policy& policy, const std::string& target,
                                      const std::string& language) {
  std::string text = "privacyd notice v1\n" + policy.version + "\n" + target + "\n";
  auto add_purpose = [&](const std::string& id) {
    auto p = policy.purposes.find(id);
    if (p == policy.purposes.end()) return;
    text += TextIn(p->second.name, language, policy) + "\n";
    text += TextIn(p->second.description, language, policy) + "\n";
  };
  if (target.rfind("topic:", 0) == 0) {
    auto t = policy.topics.find(target.substr(6));
    if (t != policy.topics.end()) {
      text += TextIn(t->second.name, language, policy) + "\n";
      text += TextIn(t->second.description, language, policy) + "\n";
      add_purpose(t->second.purpose);
    }
  } else if (target.rfind("purpose:", 0) == 0) {
    add_purpose(target.substr(8));
  } else if (target == kAllMarketingTarget) {
    for (const auto& [id, topic] : policy.topics) {
      if (topic.kind == TopicKind::kMarketing) add_purpose(topic.purpose);
    }
  }
  return Sha256Hex(text);
}

Status ConsentLedger::Append(Tx& tx, const SubjectRecord& subject, const std::string& target,
                             const std::string& action, const ConsentSource& source) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  ConsentEventRecord e;
  e.subject_id = subject.id;
  e.target = target;
  e.action = action;
  e.method = source.method;
  e.regime = subject.regime;
  e.statement_version = policy->version;
  e.language = source.language.empty() && !policy->languages.empty() ? policy->languages.front()
                                                                     : source.language;
  e.notice_hash = NoticeHash(*policy, target, e.language);
  e.country = source.country;
  e.user_agent = source.user_agent;
  e.request_id = source.request_id;
  e.actor = Actor(source, subject.id);
  e.evidence = source.evidence.is_object() ? source.evidence.dump() : "{}";
  e.created_at = clock_.Now();
  return StatusOf(tx.AppendConsentEvent(e));
}

Result<std::vector<TopicState>> ConsentLedger::Topics(Tx& tx, const SubjectRecord& subject) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, subject));
  std::vector<TopicState> out;
  for (const auto& [id, topic] : policy->topics) {
    TopicState state;
    state.topic = id;
    state.verdict = DecideTopic(*policy, jurisdictions_, topic, facts);
    state.subscribed = state.verdict == ConsentVerdict::kAllowed;
    state.pending = Pending(topic, facts.events);
    const ConsentEventRecord* say = LatestSay(topic, facts.events);
    state.by_default = say == nullptr;
    if (say != nullptr) {
      state.since = say->created_at;
      state.method = say->method;
    }
    out.push_back(std::move(state));
  }
  return out;
}

Result<std::vector<TopicState>> ConsentLedger::TopicStates(const std::string& subject_id) const {
  return ReadValue<std::vector<TopicState>>(store_, [&](Tx& tx) -> Result<std::vector<TopicState>> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
    if (!subject || subject->erased_at) return SubjectGone();
    return Topics(tx, *subject);
  });
}

Status ConsentLedger::QueueConfirmation(Tx& tx, const std::string& subject_id,
                                        const std::vector<std::string>& topics,
                                        const std::string& language, const Policy& policy) const {
  std::string list;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& t : topics) {
    if (!list.empty()) list += ",";
    list += t;
    names.push_back(TextIn(policy.topics.at(t).name, language, policy));
  }
  LinkClaims claims{LinkPurpose::kConfirm, subject_id, list, "", clock_.Now() + kConfirmValidity};
  OutgoingMail mail;
  mail.subject_id = subject_id;
  mail.template_name = "double_opt_in";
  mail.language = language;
  mail.vars = {{"topics", names},
               {"confirm_url", public_url_ + "/c/" + links_.Sign(claims)},
               {"expires_hours", kConfirmValidity / (3600 * kMicrosPerSecond)}};
  return StatusOf(outbox_.Enqueue(tx, mail));
}

Status ConsentLedger::TopicsFromForm(Tx& tx, const std::string& subject_id,
                                     const std::vector<std::string>& topics,
                                     const ConsentSource& source) const {
  if (topics.empty()) return Ok();
  std::shared_ptr<const Policy> policy = policy_.Current();
  PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
  if (!subject || subject->erased_at) return SubjectGone();
  PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
  std::vector<std::string> to_confirm;
  for (const auto& id : topics) {
    auto found = policy->topics.find(id);
    if (found == policy->topics.end()) return UnknownTopic(id);
    const SubscriptionTopic& topic = found->second;
    ConsentVerdict verdict = DecideTopic(*policy, jurisdictions_, topic, facts);
    const ConsentEventRecord* say = LatestSay(topic, facts.events);
    if (verdict == ConsentVerdict::kAllowed && say != nullptr && say->action == "grant") continue;
    bool confirm = !SilenceAllows(*policy, jurisdictions_, topic, subject->regime) ||
                   verdict == ConsentVerdict::kObjected || verdict == ConsentVerdict::kSuppressed;
    PD_RETURN_IF_ERROR(
        Append(tx, *subject, TopicTarget(id), confirm ? "request" : "grant", source));
    if (confirm) to_confirm.push_back(id);
  }
  if (to_confirm.empty()) return Ok();
  const std::string language =
      source.language.empty() ? policy->languages.front() : source.language;
  return QueueConfirmation(tx, subject_id, to_confirm, language, *policy);
}

Status ConsentLedger::RecordGpc(Tx& tx, const SubjectRecord& subject,
                                const ConsentSource& source) const {
  PD_ASSIGN_OR_RETURN(auto events, tx.ListConsentEvents(subject.id));
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->target != kSaleSharingTarget) continue;
    if (it->action == "withdraw") return Ok();  // already opted out
    break;
  }
  ConsentSource gpc = source;
  gpc.method = kMethodGpc;
  return Append(tx, subject, kSaleSharingTarget, "withdraw", gpc);
}

Result<std::string> ConsentLedger::TargetOf(const Policy& policy, const ConsentChange& change) {
  if (change.action != "grant" && change.action != "withdraw" && change.action != "object") {
    return Error(ErrorKind::kInvalidArgument, "invalid_consent_action",
                 "the action must be grant, withdraw or object");
  }
  if (change.action == "object") return std::string(kAllMarketingTarget);
  if (change.topic == "*") {
    if (change.action == "grant") {
      return Error(ErrorKind::kInvalidArgument, "invalid_consent_action",
                   "subscribe to topics one by one; '*' only unsubscribes from all marketing");
    }
    return std::string(kAllMarketingTarget);
  }
  if (!policy.topics.count(change.topic)) return UnknownTopic(change.topic);
  return TopicTarget(change.topic);
}

Result<bool> ConsentLedger::ApplyChange(Tx& tx, const SubjectRecord& subject, const Policy& policy,
                                        const ConsentChange& change, const std::string& target,
                                        const ConsentSource& source, bool confirm_by_mail) const {
  PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, subject));
  // Nothing to record when every topic the event touches already reads as it would after it.
  ConsentFacts after = facts;
  ConsentEventRecord hypothetical;
  hypothetical.seq = facts.events.empty() ? 1 : facts.events.back().seq + 1;
  hypothetical.target = target;
  hypothetical.action = change.action;
  hypothetical.method = source.method;
  hypothetical.created_at = clock_.Now();
  after.events.push_back(hypothetical);
  bool changes = false;
  if (change.action == "object") {
    for (const auto& [id, t] : policy.topics) {
      if (t.kind == TopicKind::kMarketing &&
          DecideTopic(policy, jurisdictions_, t, facts) != ConsentVerdict::kObjected) {
        changes = true;
      }
    }
  } else {
    for (const auto& [id, t] : policy.topics) {
      if (target != TopicTarget(id) &&
          !(target == kAllMarketingTarget && t.kind == TopicKind::kMarketing)) {
        continue;
      }
      if (DecideTopic(policy, jurisdictions_, t, facts) !=
              DecideTopic(policy, jurisdictions_, t, after) ||
          Pending(t, facts.events)) {
        changes = true;
      }
    }
  }
  if (!changes) return false;
  PD_RETURN_IF_ERROR(Append(tx, subject, target, change.action, source));
  if (change.action == "object") {
    PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(subject.id));
    for (const auto& identity : identities) {
      PD_RETURN_IF_ERROR(
          tx.AddSuppression({identity.kind, identity.blind_index, "objection", clock_.Now()}));
    }
  }
  nlohmann::json detail = {
      {"target", target}, {"action", change.action}, {"method", source.method}};
  PD_RETURN_IF_ERROR(audit_.Append(
      tx, AuditEvent{Actor(source, subject.id), "", "consent.change", "subject:" + subject.id,
                     "consent", source.request_id, detail.dump()}));
  if (confirm_by_mail && change.action != "grant") {
    const std::string language =
        source.language.empty() ? policy.languages.front() : source.language;
    OutgoingMail mail;
    mail.subject_id = subject.id;
    mail.template_name = "unsubscribe_confirmation";
    mail.language = language;
    mail.vars = {
        {"topic_name", target == kAllMarketingTarget
                           ? std::string()  // all marketing
                           : TextIn(policy.topics.at(change.topic).name, language, policy)},
        {"preferences_url", PreferencesUrl(subject.id, 30LL * 86400 * kMicrosPerSecond)}};
    PD_RETURN_IF_ERROR(outbox_.Enqueue(tx, mail));
  }
  return true;
}

Result<size_t> ConsentLedger::ChangeAll(const std::string& subject_id,
                                        const std::vector<ConsentChange>& changes,
                                        const ConsentSource& source, bool confirm_by_mail,
                                        bool gpc) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  std::vector<std::string> targets;
  for (const auto& change : changes) {
    PD_ASSIGN_OR_RETURN(std::string target, TargetOf(*policy, change));
    targets.push_back(std::move(target));
  }
  return WriteValue<size_t>(store_, [&](Tx& tx) -> Result<size_t> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
    if (!subject || subject->erased_at) return SubjectGone();
    size_t changed = 0;
    for (size_t i = 0; i < changes.size(); ++i) {
      PD_ASSIGN_OR_RETURN(bool did, ApplyChange(tx, *subject, *policy, changes[i], targets[i],
                                                source, confirm_by_mail));
      if (did) ++changed;
    }
    if (gpc) PD_RETURN_IF_ERROR(RecordGpc(tx, *subject, source));
    return changed;
  });
}

Result<bool> ConsentLedger::Change(const std::string& subject_id, const std::string& topic,
                                   const std::string& action, const ConsentSource& source,
                                   bool confirm_by_mail) const {
  PD_ASSIGN_OR_RETURN(size_t changed,
                      ChangeAll(subject_id, {{topic, action}}, source, confirm_by_mail));
  return changed > 0;
}

Result<std::vector<std::string>> ConsentLedger::Confirm(const LinkClaims& claims,
                                                        const ConsentSource& source) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  return WriteValue<std::vector<std::string>>(
      store_, [&](Tx& tx) -> Result<std::vector<std::string>> {
        PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(claims.subject_id));
        if (!subject || subject->erased_at) return SubjectGone();
        PD_ASSIGN_OR_RETURN(auto events, tx.ListConsentEvents(subject->id));
        std::vector<std::string> granted;
        ConsentSource confirmed = source;
        confirmed.method = kMethodDoubleOptIn;
        for (const auto& id : SplitComma(claims.topic)) {
          auto found = policy->topics.find(id);
          if (found == policy->topics.end() || !Pending(found->second, events)) continue;
          PD_RETURN_IF_ERROR(Append(tx, *subject, TopicTarget(id), "grant", confirmed));
          granted.push_back(id);
        }
        if (!granted.empty()) {
          nlohmann::json detail = {{"topics", granted}, {"method", kMethodDoubleOptIn}};
          PD_RETURN_IF_ERROR(audit_.Append(
              tx,
              AuditEvent{"subject:" + subject->id, "", "consent.confirm", "subject:" + subject->id,
                         "consent", source.request_id, detail.dump()}));
        }
        return granted;
      });
}

Result<bool> ConsentLedger::RequestAddressChange(const std::string& subject_id,
                                                 const std::string& new_email,
                                                 const ConsentSource& source) const {
  PD_ASSIGN_OR_RETURN(std::string address, NormalizeIdentity("email", new_email));
  PD_ASSIGN_OR_RETURN(std::string index, registry_.IdentityIndex({"email", address}));
  std::shared_ptr<const Policy> policy = policy_.Current();
  return WriteValue<bool>(store_, [&](Tx& tx) -> Result<bool> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
    if (!subject || subject->erased_at) return SubjectGone();
    PD_ASSIGN_OR_RETURN(auto holder, tx.FindSubjectByIdentity("email", index));
    if (holder == subject_id) return false;
    if (holder) return true;  // someone else's: nothing happens, and nothing tells
    // One pending address per person, and per address: the latest request wins.
    PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(subject_id));
    for (const auto& identity : identities) {
      if (identity.kind == kPendingEmailKind) {
        PD_RETURN_IF_ERROR(tx.DeleteIdentity(identity.kind, identity.blind_index));
      }
    }
    PD_ASSIGN_OR_RETURN(auto other, tx.FindSubjectByIdentity(kPendingEmailKind, index));
    if (other) PD_RETURN_IF_ERROR(tx.DeleteIdentity(kPendingEmailKind, index));
    PD_ASSIGN_OR_RETURN(std::string sealed,
                        registry_.SealIdentity(tx, subject_id, kPendingEmailKind, address));
    PD_RETURN_IF_ERROR(
        tx.InsertIdentity({subject_id, kPendingEmailKind, index, sealed, clock_.Now()}));
    LinkClaims claims{LinkPurpose::kAddress, subject_id, "", ToHex(index),
                      clock_.Now() + kConfirmValidity};
    OutgoingMail mail;
    mail.subject_id = subject_id;
    mail.identity_kind = kPendingEmailKind;
    mail.template_name = "address_change";
    mail.language = source.language.empty() && !policy->languages.empty()
                        ? policy->languages.front()
                        : source.language;
    mail.vars = {{"confirm_url", public_url_ + "/a/" + links_.Sign(claims)},
                 {"expires_hours", kConfirmValidity / (3600 * kMicrosPerSecond)}};
    PD_RETURN_IF_ERROR(StatusOf(outbox_.Enqueue(tx, mail)));
    nlohmann::json detail = {{"method", source.method}};
    PD_RETURN_IF_ERROR(audit_.Append(
        tx, AuditEvent{Actor(source, subject_id), "", "identity.change_requested",
                       "subject:" + subject_id, "consent", source.request_id, detail.dump()}));
    return true;
  });
}

Status ConsentLedger::ConfirmAddressChange(const LinkClaims& claims,
                                           const ConsentSource& source) const {
  std::string index;
  if (claims.purpose != LinkPurpose::kAddress || !FromHex(claims.message_id, &index)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_link", "this link is not valid");
  }
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(claims.subject_id));
    if (!subject || subject->erased_at) return SubjectGone();
    PD_ASSIGN_OR_RETURN(auto holder, tx.FindSubjectByIdentity("email", index));
    if (holder == subject->id) return Ok();  // confirmed before
    if (holder) {
      return Error(ErrorKind::kAlreadyExists, "address_taken",
                   "this address was registered by someone else meanwhile; contact us");
    }
    PD_ASSIGN_OR_RETURN(auto pending, tx.FindSubjectByIdentity(kPendingEmailKind, index));
    if (pending != subject->id) {
      return Error(ErrorKind::kFailedPrecondition, "address_change_not_pending",
                   "this change of address was replaced by a later one, or never asked for; "
                   "use the link of the latest confirmation mail");
    }
    PD_ASSIGN_OR_RETURN(auto address, registry_.OpenIdentity(tx, subject->id, kPendingEmailKind));
    if (!address) return SubjectGone();
    PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(subject->id));
    int replaced = 0;
    for (const auto& identity : identities) {
      if (identity.kind == "email" || identity.kind == kPendingEmailKind) {
        PD_RETURN_IF_ERROR(tx.DeleteIdentity(identity.kind, identity.blind_index));
        replaced += identity.kind == "email" ? 1 : 0;
      }
    }
    PD_ASSIGN_OR_RETURN(std::string sealed,
                        registry_.SealIdentity(tx, subject->id, "email", *address));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({subject->id, "email", index, sealed, clock_.Now()}));
    nlohmann::json detail = {{"method", kMethodDoubleOptIn}, {"replaced", replaced}};
    return StatusOf(audit_.Append(
        tx, AuditEvent{Actor(source, subject->id), "", "identity.changed", "subject:" + subject->id,
                       "consent", source.request_id, detail.dump()}));
  });
}

Result<std::vector<ConsentEventRecord>> ConsentLedger::History(
    const AccessContext& ctx, const std::string& subject_id) const {
  if (!RoleIn(ctx.principal.role, ConsentReadRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not read consent records");
  }
  return WriteValue<std::vector<ConsentEventRecord>>(
      store_, [&](Tx& tx) -> Result<std::vector<ConsentEventRecord>> {
        PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
        if (!subject) return SubjectGone();
        PD_ASSIGN_OR_RETURN(auto events, tx.ListConsentEvents(subject_id));
        PD_RETURN_IF_ERROR(audit_.Append(
            tx, AuditEvent{ctx.principal.user_name, ctx.principal.role, "consent.read",
                           "subject:" + subject_id, ctx.purpose, ctx.request_id, ""}));
        return events;
      });
}

Result<nlohmann::json> ConsentLedger::Receipt(const std::string& subject_id) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  return ReadValue<nlohmann::json>(store_, [&](Tx& tx) -> Result<nlohmann::json> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
    if (!subject || subject->erased_at) return SubjectGone();
    PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
    return BuildConsentReceipt(*policy, jurisdictions_, *subject, facts, public_url_, clock_.Now());
  });
}

Result<nlohmann::json> ConsentLedger::ReceiptForStaff(const AccessContext& ctx,
                                                      const std::string& subject_id) const {
  if (!RoleIn(ctx.principal.role, ConsentReadRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not read consent records");
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  return WriteValue<nlohmann::json>(store_, [&](Tx& tx) -> Result<nlohmann::json> {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(subject_id));
    if (!subject) return SubjectGone();
    PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
    PD_RETURN_IF_ERROR(
        audit_.Append(tx, AuditEvent{ctx.principal.user_name, ctx.principal.role, "consent.receipt",
                                     "subject:" + subject_id, ctx.purpose, ctx.request_id, ""}));
    return BuildConsentReceipt(*policy, jurisdictions_, *subject, facts, public_url_, clock_.Now());
  });
}

Result<bool> ConsentLedger::ChangeForPerson(const AccessContext& ctx, const std::string& subject_id,
                                            const std::string& topic, const std::string& action,
                                            const std::string& method,
                                            const std::string& received_on) const {
  if (!RoleIn(ctx.principal.role, ConsentReadRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not enter consent changes");
  }
  if (method != kMethodStaffLetter && method != kMethodStaffPhone) {
    return Error(ErrorKind::kInvalidArgument, "invalid_consent_method",
                 "staff enter changes received by letter (staff_letter) or phone (staff_phone)");
  }
  ConsentSource source;
  source.method = method;
  source.request_id = ctx.request_id;
  source.actor = ctx.principal.user_name;
  if (!received_on.empty()) source.evidence["received_on"] = received_on;
  return Change(subject_id, topic, action, source);
}

Result<ConsentCheckItems> ConsentLedger::Check(const AccessContext& ctx, const std::string& topic,
                                               const std::vector<std::string>& identities) const {
  const std::vector<std::string_view> views(identities.begin(), identities.end());
  return Check(ctx, topic, views);
}

Result<ConsentCheckItems> ConsentLedger::Check(const AccessContext& ctx,
                                               const std::string& topic_id,
                                               std::span<const std::string_view> identities) const {
  if (!RoleIn(ctx.principal.role, ConsentCheckRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not check consent");
  }
  if (identities.size() > kMaxCheck) {
    return Error(ErrorKind::kInvalidArgument, "too_many_identities",
                 "check at most 100000 identities per request; split the list");
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  auto found = policy->topics.find(topic_id);
  if (found == policy->topics.end()) return UnknownTopic(topic_id);
  const SubscriptionTopic& topic = found->second;
  ConsentCheckItems items(identities.size());
  bool answered = false;
  if (index_ != nullptr) {
    // A big check is split over the cores: the blind indexes (the HMAC of each address) are
    // most of its work.
    const size_t parts = PartsFor(identities.size(), kMinCheckPart);
    // Blind indexes first, outside the index's lock, side by side in one buffer (one allocation
    // for all of them); keys[i] is identity i's, empty for subject ids and invalid addresses.
    constexpr size_t kIndexBytes = Keyring::kBlindIndexBytes;
    std::vector<char, HugePageAllocator<char>> key_bytes(identities.size() * kIndexBytes);
    std::vector<std::string_view, HugePageAllocator<std::string_view>> keys(identities.size());
    RunParts(parts, [&](size_t part) {
      auto [first, end] = PartRange(identities.size(), parts, part);
      std::string normalized;
      for (size_t i = first; i < end; ++i) {
        if (identities[i].starts_with("sub_")) continue;
        char* key = key_bytes.data() + i * kIndexBytes;
        if (registry_.EmailIndexInto(identities[i], normalized, key)) keys[i] = {key, kIndexBytes};
      }
    });
    PD_ASSIGN_OR_RETURN(answered, index_->Read(topic_id, [&](const ConsentIndex::View& view) {
      // The parts read the view while this thread holds it (they end before Read returns).
      RunParts(parts, [&](size_t part) {
        auto [first, end] = PartRange(identities.size(), parts, part);
        view.ByEmailIndexes(keys, first, end,
                            [&](size_t i, ConsentVerdict verdict, std::string_view subject_id) {
                              items[i].verdict = verdict;
                              items[i].subject_id = subject_id;
                            });
        for (size_t i = first; i < end; ++i) {
          if (!keys[i].empty()) continue;
          ConsentCheckItem& item = items[i];
          if (identities[i].starts_with("sub_")) {
            item.verdict = view.BySubjectId(identities[i]);
            if (item.verdict == ConsentVerdict::kAllowed) item.subject_id = identities[i];
          } else {
            item.verdict = ConsentVerdict::kUnknown;
          }
        }
      });
    }));
  }
  if (!answered) {
    PD_RETURN_IF_ERROR(CheckInStore(*policy, topic, identities, items));
  }
  std::map<std::string, int64_t> counts;
  for (const auto& item : items) ++counts[ConsentVerdictName(item.verdict)];
  if (check_audit_ != nullptr) {
    check_audit_->Add({ctx.principal.user_name, ctx.principal.role, topic_id, ctx.purpose,
                       ctx.request_id, static_cast<int64_t>(items.size()), std::move(counts),
                       answered ? "index" : "store"});
    return items;
  }
  nlohmann::json detail = {{"topic", topic_id},
                           {"checked", items.size()},
                           {"verdicts", counts},
                           {"answered_by", answered ? "index" : "store"}};
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    return StatusOf(audit_.Append(
        tx, AuditEvent{ctx.principal.user_name, ctx.principal.role, "consent.check",
                       "topic:" + topic_id, ctx.purpose, ctx.request_id, detail.dump()}));
  }));
  return items;
}

Status ConsentLedger::CheckInStore(const Policy& policy, const SubscriptionTopic& topic,
                                   std::span<const std::string_view> identities,
                                   std::span<ConsentCheckItem> items) const {
  return store_.Read([&](Tx& tx) -> Status {
    for (size_t i = 0; i < identities.size(); ++i) {
      ConsentCheckItem& item = items[i];
      ConsentFacts facts;
      std::optional<SubjectRecord> subject;
      if (identities[i].starts_with("sub_")) {
        PD_ASSIGN_OR_RETURN(subject, tx.GetSubject(std::string(identities[i])));
        if (subject) {
          PD_ASSIGN_OR_RETURN(facts, LoadConsentFacts(tx, *subject));
        }
      } else {
        auto index = registry_.IdentityIndex("email", identities[i]);
        if (!index.ok()) {
          item.verdict = ConsentVerdict::kUnknown;
          continue;
        }
        PD_ASSIGN_OR_RETURN(subject, tx.FindSubjectRecordByIdentity("email", *index));
        if (subject) {
          PD_ASSIGN_OR_RETURN(facts, LoadConsentFacts(tx, *subject));
        } else {
          PD_ASSIGN_OR_RETURN(auto suppressed, tx.FindSuppression("email", *index));
          if (suppressed) facts.suppressed_since = suppressed->created_at;
        }
      }
      item.verdict = DecideTopic(policy, jurisdictions_, topic, facts);
      if (item.verdict == ConsentVerdict::kAllowed) item.subject_id = subject->id;
    }
    return Ok();
  });
}

Status ConsentLedger::SuppressAddress(const std::string& hex_index,
                                      const ConsentSource& source) const {
  std::string index;
  if (hex_index.size() != 64 || !FromHex(hex_index, &index)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_link", "this link is not valid");
  }
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto listed, tx.FindSuppression("email", index));
    if (listed) return Ok();
    PD_RETURN_IF_ERROR(tx.AddSuppression({"email", index, "unsubscribed", clock_.Now()}));
    nlohmann::json detail = {{"method", source.method}};
    return StatusOf(audit_.Append(tx, AuditEvent{"subject:unknown", "", "suppression.add",
                                                 "suppression:" + hex_index.substr(0, 16),
                                                 "consent", source.request_id, detail.dump()}));
  });
}

Result<ConsentLedger::AudiencePage> ConsentLedger::Audience(const AccessContext& ctx,
                                                            const std::string& topic_id,
                                                            const std::string& after,
                                                            int limit) const {
  if (!RoleIn(ctx.principal.role, ConsentCheckRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "the role '" + ctx.principal.role + "' may not read mailing audiences");
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  auto found = policy->topics.find(topic_id);
  if (found == policy->topics.end()) return UnknownTopic(topic_id);
  AudiencePage page;
  // Read on a snapshot (a page may be thousands of people), then audit in a short write.
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentitiesOfKind("email", after, limit));
    for (const auto& identity : identities) {
      page.next = identity.subject_id;
      PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(identity.subject_id));
      if (!subject) continue;
      PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
      if (DecideTopic(*policy, jurisdictions_, found->second, facts) != ConsentVerdict::kAllowed) {
        continue;
      }
      PD_ASSIGN_OR_RETURN(auto email, registry_.OpenIdentity(tx, subject->id, "email"));
      if (email) page.members.push_back({subject->id, std::move(*email)});
    }
    if (identities.size() < static_cast<size_t>(limit)) page.next.clear();
    return Ok();
  }));
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    nlohmann::json detail = {
        {"topic", topic_id}, {"after", after}, {"members", page.members.size()}};
    return StatusOf(audit_.Append(
        tx, AuditEvent{ctx.principal.user_name, ctx.principal.role, "consent.audience",
                       "topic:" + topic_id, ctx.purpose, ctx.request_id, detail.dump()}));
  }));
  return page;
}

namespace {

constexpr char kPreferencesCodePurpose[] = "preferences";

Error CodesUnavailable() {
  return Error(ErrorKind::kUnavailable, "codes_unavailable",
               "one-time codes are not available here; use the link from one of our emails");
}

const char* PreferencesCodePurposeText(const std::string& language) {
  if (language == "de") return "Ihr Präferenz-Center öffnen";
  if (language == "fr") return "ouvrir votre centre de préférences";
  return "open your Preference Center";
}

}  // namespace

Status ConsentLedger::SendPreferencesCode(const std::string& email,
                                          const ConsentSource& source) const {
  if (codes_ == nullptr) return CodesUnavailable();
  PD_ASSIGN_OR_RETURN(std::string index, registry_.IdentityIndex({"email", email}));
  std::shared_ptr<const Policy> policy = policy_.Current();
  const std::string language =
      source.language.empty() ? policy->languages.front() : source.language;
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity("email", index));
    std::optional<SubjectRecord> subject;
    if (owner) {
      PD_ASSIGN_OR_RETURN(subject, tx.GetSubject(*owner));
      if (subject && subject->erased_at) subject.reset();
    }
    // A code is issued (and counted) for every address, so the answer and the rate limit say
    // nothing about whether we hold it; it is mailed only to someone we do.
    PD_ASSIGN_OR_RETURN(IssuedCode issued, codes_->Issue(tx, kPreferencesCodePurpose, index,
                                                         subject ? subject->id : std::string()));
    if (!subject) return Ok();
    OutgoingMail mail;
    mail.subject_id = subject->id;
    mail.template_name = "one_time_code";
    mail.language = language;
    mail.vars = {{"code", issued.code},
                 {"minutes", codes_->rules().validity / (60 * kMicrosPerSecond)},
                 {"purpose_text", PreferencesCodePurposeText(language)},
                 {"confirm_url", ""}};
    return StatusOf(outbox_.Enqueue(tx, mail));
  });
}

Result<std::string> ConsentLedger::PreferencesTokenForCode(const std::string& email,
                                                           const std::string& code) const {
  if (codes_ == nullptr) return CodesUnavailable();
  auto index = registry_.IdentityIndex({"email", email});
  if (!index.ok()) return CodeCheck{false, "", "invalid_code", 0}.ToError();
  PD_ASSIGN_OR_RETURN(CodeCheck check, WriteValue<CodeCheck>(store_, [&](Tx& tx) {
                        return codes_->Verify(tx, kPreferencesCodePurpose, *index, code);
                      }));
  if (!check.ok || check.subject_id.empty()) {
    if (check.ok) check.failure = "invalid_code";  // a code for an address nobody holds
    return check.ToError();
  }
  return links_.Sign(
      {LinkPurpose::kPreferences, check.subject_id, "", "", clock_.Now() + kCodeSessionValidity});
}

std::string ConsentLedger::UnsubscribeUrl(const std::string& subject_id, const std::string& topic,
                                          const std::string& message_id) const {
  return public_url_ + "/u/" +
         links_.Sign({LinkPurpose::kUnsubscribe, subject_id, topic, message_id, 0});
}

std::string ConsentLedger::PreferencesUrl(const std::string& subject_id, Micros valid_for) const {
  return public_url_ + "/p/" +
         links_.Sign({LinkPurpose::kPreferences, subject_id, "", "", clock_.Now() + valid_for});
}

}  // namespace privacyd
