#include "consent/consent_receipt.h"

namespace privacyd {
namespace {

using nlohmann::json;

json EventJson(const ConsentEventRecord& e) {
  return {{"seq", e.seq},
          {"time", FormatRfc3339(e.created_at)},
          {"action", e.action},
          {"method", e.method},
          {"statement_version", e.statement_version},
          {"notice_hash", e.notice_hash},
          {"language", e.language},
          {"country", e.country},
          {"user_agent", e.user_agent},
          {"actor", e.actor.rfind("subject:", 0) == 0 ? "pii_principal" : "staff"}};
}

// The TS 27560 state of a topic: given, withdrawn, pending (requested, not confirmed),
// refused (objected or suppressed), not_given (silence where consent is needed), or
// not_required (silence where the regime's legitimate interests allow it until objection).
std::string StateOf(ConsentVerdict verdict, const ConsentEventRecord* say, bool pending) {
  if (verdict == ConsentVerdict::kObjected || verdict == ConsentVerdict::kSuppressed) {
    return "refused";
  }
  if (say != nullptr) return say->action == "grant" ? "given" : "withdrawn";
  if (pending) return "pending";
  return verdict == ConsentVerdict::kAllowed ? "not_required" : "not_given";
}

}  // namespace

json BuildConsentReceipt(const Policy& policy, const Jurisdictions& jurisdictions,
                         const SubjectRecord& subject, const ConsentFacts& facts,
                         const std::string& public_url, Micros now) {
  const int64_t last_seq = facts.events.empty() ? 0 : facts.events.back().seq;
  json receipt = {
      {"schema", "ISO/IEC TS 27560:2023 consent record"},
      {"record_id", subject.id + "-" + std::to_string(last_seq)},
      {"generated_at", FormatRfc3339(now)},
      {"pii_principal_id", subject.id},
      {"pii_controllers",
       json::array(
           {{{"name", policy.controller.name},
             {"address", policy.controller.address},
             {"contact", policy.dpo.email.empty() ? policy.dpo.portal_url : policy.dpo.email}}})},
      {"jurisdiction", subject.regime},
      {"notice",
       {{"statement_version", policy.version},
        {"url", public_url + "/statement?version=" + policy.version},
        {"language", policy.languages.front()}}},
      {"consents", json::array()},
  };
  for (const auto& [id, topic] : policy.topics) {
    const std::string target = TopicTarget(id);
    ConsentVerdict verdict = DecideTopic(policy, jurisdictions, topic, facts);
    const ConsentEventRecord* say = LatestSay(topic, facts.events);
    bool pending = false;
    json events = json::array();
    for (const auto& e : facts.events) {
      bool about = e.target == target ||
                   (topic.kind == TopicKind::kMarketing && e.target == kAllMarketingTarget);
      if (!about) continue;
      events.push_back(EventJson(e));
      if (e.target == target && e.action == "request") pending = true;
      if (e.target == target && (e.action == "grant" || e.action == "withdraw")) pending = false;
    }
    json purpose = {{"id", topic.purpose}};
    if (auto p = policy.purposes.find(topic.purpose); p != policy.purposes.end()) {
      auto basis = p->second.legal_basis.find(subject.regime);
      if (basis == p->second.legal_basis.end()) basis = p->second.legal_basis.find("default");
      purpose["name"] = TextIn(p->second.name, policy.languages.front(), policy);
      purpose["data_use"] = p->second.data_use;
      purpose["legal_basis"] =
          basis == p->second.legal_basis.end() ? "" : LegalBasisName(basis->second);
      purpose["pii_categories"] = p->second.categories;
      purpose["retention"] = {{"years", p->second.retention.keep.years},
                              {"months", p->second.retention.keep.months},
                              {"days", p->second.retention.keep.days},
                              {"from", RetentionStartName(p->second.retention.from)}};
    }
    const std::string state = StateOf(verdict, say, pending);
    json consent = {
        {"topic", id},
        {"topic_name", TextIn(topic.name, policy.languages.front(), policy)},
        {"purpose", purpose},
        {"state", state},
        {"consent_type", say != nullptr && say->action == "grant"
                             ? (IsVerifiedMethod(say->method) ? "expressed_verified" : "expressed")
                             : "none"},
        {"may_be_sent", verdict == ConsentVerdict::kAllowed},
        {"events", events}};
    receipt["consents"].push_back(std::move(consent));
  }
  json objections = json::array();
  json sale_sharing = json::array();
  for (const auto& e : facts.events) {
    if (e.target == kAllMarketingTarget && e.action == "object") objections.push_back(EventJson(e));
    if (e.target == kSaleSharingTarget) sale_sharing.push_back(EventJson(e));
  }
  receipt["direct_marketing_objections"] = objections;
  receipt["sale_sharing_opt_outs"] = sale_sharing;
  return receipt;
}

}  // namespace privacyd
