#include "consent/mail_delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clock.h"
#include "core/percent_encoding.h"
#include "crypto/secret.h"
#include "mail/message.h"
#include "mail/templates.h"
#include "policy/jurisdictions.h"
#include "policy/policy_versions.h"
#include "statement/statement_vocabulary.h"

namespace privacyd {
namespace {

constexpr int kFanOutPage = 500;

Status Dropped(const std::string& message_id, const char* why) {
  spdlog::info("mail {} not sent: {}", message_id, why);
  return Ok();
}

}  // namespace

MailDelivery::MailDelivery(Store& store, const SubjectRegistry& registry, PolicyHolder& policy,
                           const ConsentLedger& consent, const Outbox& outbox,
                           mail::MailTransport& transport, const mail::DkimSigner* dkim,
                           MailDeliverySettings settings, const AuditLog& audit, const Clock& clock)
    : store_(store),
      registry_(registry),
      policy_(policy),
      consent_(consent),
      outbox_(outbox),
      transport_(transport),
      dkim_(dkim),
      settings_(std::move(settings)),
      audit_(audit),
      clock_(clock) {}

Status MailDelivery::RegisterWith(JobRunner& runner) {
  PD_RETURN_IF_ERROR(runner.Register(
      kMailJob, [this](const JobRecord& job, JobContext&) { return SendQueued(job); }));
  PD_RETURN_IF_ERROR(runner.Register(
      kReferralEmailJob, [this](const JobRecord& job, JobContext&) { return SendReferral(job); }));
  return runner.Register(kChangeNoticeJob, [this](const JobRecord& job, JobContext&) {
    return FanOutChangeNotice(job);
  });
}

MailDelivery::UnsubscribeHeaders MailDelivery::HeadersFor(const ConsentLedger& consent,
                                                          const std::string& mailto,
                                                          const std::string& subject_id,
                                                          const std::string& topic,
                                                          const std::string& message_id) {
  UnsubscribeHeaders h;
  h.url = consent.UnsubscribeUrl(subject_id, topic, message_id);
  h.list_unsubscribe = "<" + h.url + ">";
  if (!mailto.empty()) {
    const std::string token = h.url.substr(h.url.rfind('/') + 1);
    h.list_unsubscribe +=
        ", <mailto:" + mailto + "?subject=" + PercentEncode("unsubscribe " + token) + ">";
  }
  h.list_unsubscribe_post = "List-Unsubscribe=One-Click";
  return h;
}

nlohmann::json MailDelivery::CommonVars(const Policy& policy) const {
  std::string contact = policy.dpo.email.empty() ? policy.dpo.portal_url : policy.dpo.email;
  return {{"controller_name", policy.controller.name},
          {"controller_address", policy.controller.address},
          {"privacy_contact", contact}};
}

Status MailDelivery::Deliver(const std::string& address, const std::string& template_name,
                             const std::string& language, nlohmann::json vars,
                             const std::string& message_id, const UnsubscribeHeaders* unsubscribe) {
  std::shared_ptr<const Policy> policy = policy_.Current();
  nlohmann::json all = CommonVars(*policy);
  for (auto& [key, value] : vars.items()) all[key] = std::move(value);
  mail::Message message;
  if (unsubscribe != nullptr) {
    all["unsubscribe_url"] = unsubscribe->url;
    message.headers.emplace_back("List-Unsubscribe", unsubscribe->list_unsubscribe);
    message.headers.emplace_back("List-Unsubscribe-Post", unsubscribe->list_unsubscribe_post);
  } else {
    message.headers.emplace_back("Auto-Submitted", "auto-generated");
  }
  PD_ASSIGN_OR_RETURN(mail::RenderedMail rendered,
                      mail::RenderTemplate(template_name, language, all));
  message.from = settings_.from;
  message.to = address;
  message.subject = std::move(rendered.subject);
  message.text = std::move(rendered.text);
  message.html = std::move(rendered.html);
  message.message_id = message_id;
  message.date = clock_.Now();
  PD_ASSIGN_OR_RETURN(std::string bytes, mail::Render(message));
  if (dkim_ != nullptr) {
    PD_ASSIGN_OR_RETURN(std::string signature, dkim_->Sign(bytes));
    bytes = signature + bytes;
  }
  PD_ASSIGN_OR_RETURN(std::string envelope, mail::EnvelopeAddress(settings_.from));
  return transport_.Send(envelope, address, bytes);
}

Status MailDelivery::SendQueued(const JobRecord& job) {
  PD_ASSIGN_OR_RETURN(QueuedMail queued, Outbox::Parse(job.payload));
  std::shared_ptr<const Policy> policy = policy_.Current();
  std::optional<std::string> address;
  nlohmann::json vars;
  const char* drop = nullptr;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(queued.subject_id));
    if (!subject || subject->erased_at) {
      drop = "the recipient was erased";
      return Ok();
    }
    if (!queued.topic.empty()) {
      auto topic = policy->topics.find(queued.topic);
      if (topic == policy->topics.end()) {
        drop = "the topic is no longer in the policy";
        return Ok();
      }
      PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
      if (DecideTopic(*policy, Jurisdictions::Default(), topic->second, facts) !=
          ConsentVerdict::kAllowed) {
        drop = "the recipient may no longer be mailed about this topic";
        return Ok();
      }
    }
    PD_ASSIGN_OR_RETURN(address, registry_.OpenIdentity(tx, subject->id, queued.identity_kind));
    if (!address) {
      drop = queued.identity_kind == kPendingEmailKind
                 ? "the address change was confirmed or superseded before the mail went"
                 : "the recipient has no email address";
      return Ok();
    }
    PD_ASSIGN_OR_RETURN(vars, outbox_.OpenVars(tx, queued));
    return Ok();
  }));
  if (drop != nullptr) return Dropped(queued.message_id, drop);
  std::optional<UnsubscribeHeaders> unsubscribe;
  if (!queued.topic.empty() || mail::IsMarketingMail(queued.template_name)) {
    unsubscribe = HeadersFor(consent_, settings_.unsubscribe_mailto, queued.subject_id,
                             queued.topic.empty() ? "*" : queued.topic, queued.message_id);
  }
  PD_RETURN_IF_ERROR(Deliver(*address, queued.template_name, queued.language, std::move(vars),
                             queued.message_id, unsubscribe ? &*unsubscribe : nullptr));
  nlohmann::json detail = {{"message_id", queued.message_id}, {"template", queued.template_name}};
  return store_.Write([&](Tx& tx) {
    return StatusOf(audit_.Append(tx, {"system", "", "mail.sent", "subject:" + queued.subject_id,
                                       "mail", "", detail.dump()}));
  });
}

Status MailDelivery::SendReferral(const JobRecord& job) {
  nlohmann::json payload = nlohmann::json::parse(job.payload, nullptr, false);
  std::string index;
  if (!payload.is_object() || !payload.value("referral", nlohmann::json()).is_string() ||
      !FromHex(payload["referral"].get<std::string>(), &index)) {
    return Error(ErrorKind::kDataLoss, "invalid_mail_job", "a referral job is malformed");
  }
  const std::string hex = payload["referral"].get<std::string>();
  const std::string message_id = "referral." + hex.substr(0, 32) + "@" + outbox_.domain();
  std::optional<ReferralRecord> referral;
  std::optional<std::string> address;
  std::string email_index;
  bool suppressed = false;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(referral, tx.GetReferral(index));
    if (!referral) return Ok();
    PD_ASSIGN_OR_RETURN(address, registry_.OpenReferralAddress(tx, *referral));
    if (!address) return Ok();
    PD_ASSIGN_OR_RETURN(email_index, registry_.IdentityIndex({"email", *address}));
    PD_ASSIGN_OR_RETURN(auto listed, tx.FindSuppression("email", email_index));
    suppressed = listed.has_value();
    return Ok();
  }));
  if (!referral || referral->sent_at) return Dropped(message_id, "the referral was sent already");
  if (address && !suppressed) {
    // The person is no subject of ours: their links name the address's blind index, and using
    // one puts the address on the suppression list.
    UnsubscribeHeaders unsubscribe = HeadersFor(consent_, settings_.unsubscribe_mailto,
                                                "email:" + ToHex(email_index), "*", message_id);
    std::shared_ptr<const Policy> policy = policy_.Current();
    nlohmann::json vars = {{"preferences_url", unsubscribe.url}};
    PD_RETURN_IF_ERROR(Deliver(*address, "referral", policy->languages.front(), std::move(vars),
                               message_id, &unsubscribe));
  }
  const bool sent = address && !suppressed;
  nlohmann::json detail = {{"message_id", message_id}, {"sent", sent}};
  return store_.Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.MarkReferralSent(index, clock_.Now()));
    return StatusOf(
        audit_.Append(tx, {"system", "", sent ? "mail.sent" : "mail.dropped",
                           "referral:" + hex.substr(0, 16), "mail", "", detail.dump()}));
  });
}

Status MailDelivery::FanOutChangeNotice(const JobRecord& job) {
  nlohmann::json payload = nlohmann::json::parse(job.payload, nullptr, false);
  if (!payload.is_object() || !payload.value("version", nlohmann::json()).is_string() ||
      !payload.value("topics", nlohmann::json()).is_array()) {
    return Error(ErrorKind::kDataLoss, "invalid_mail_job", "a change-notice job is malformed");
  }
  const std::string version = payload["version"].get<std::string>();
  std::shared_ptr<const Policy> policy = policy_.Current();
  PD_ASSIGN_OR_RETURN(auto record,
                      ReadValue<std::optional<PolicyVersionRecord>>(
                          store_, [&](Tx& tx) { return tx.GetPolicyVersion(version); }));
  if (!record) return Dropped("notice:" + version, "the version is not stored");
  // The material changes in words of each language, as the statement's notice puts them.
  auto changes_in = [&](const std::string& language) {
    Lang lang = ParseLang(language).value_or(Lang::kEn);
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& change : ChangesFromJson(record->changes)) {
      if (!change.material) continue;
      std::string detail =
          change.kind == PolicyChange::Kind::kRemoved ? change.before : change.after;
      std::string item = MaterialChangePhrase(change.why).In(lang);
      if (!detail.empty()) item += " (" + detail + ")";
      if (std::find(changes.begin(), changes.end(), item) == changes.end()) changes.push_back(item);
    }
    return changes;
  };
  const std::string effective = FormatRfc3339(record->effective_date).substr(0, 10);
  for (const auto& topic_id : payload["topics"]) {
    if (!topic_id.is_string()) continue;
    auto topic = policy->topics.find(topic_id.get<std::string>());
    if (topic == policy->topics.end()) continue;
    std::string after;
    for (;;) {
      size_t page = 0;
      PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
        PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentitiesOfKind("email", after, kFanOutPage));
        page = identities.size();
        for (const auto& identity : identities) {
          after = identity.subject_id;
          PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(identity.subject_id));
          if (!subject) continue;
          PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
          if (DecideTopic(*policy, Jurisdictions::Default(), topic->second, facts) !=
              ConsentVerdict::kAllowed) {
            continue;
          }
          const ConsentEventRecord* say = LatestSay(topic->second, facts.events);
          OutgoingMail mail;
          mail.subject_id = subject->id;
          mail.template_name = "statement_change";
          mail.language =
              say != nullptr && !say->language.empty() ? say->language : policy->languages.front();
          mail.topic = topic->first;
          mail.vars = {{"version", version},
                       {"effective_date", effective},
                       {"changes", changes_in(mail.language)},
                       {"statement_url", consent_.public_url() + "/statement"}};
          mail.dedupe_key = "notice:" + version + ":" + topic->first + ":" + subject->id;
          PD_RETURN_IF_ERROR(StatusOf(outbox_.Enqueue(tx, mail)));
        }
        return Ok();
      }));
      if (page < static_cast<size_t>(kFanOutPage)) break;
    }
  }
  return Ok();
}

}  // namespace privacyd
