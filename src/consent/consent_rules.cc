#include "consent/consent_rules.h"

namespace privacyd {

const char* ConsentVerdictName(ConsentVerdict verdict) {
  switch (verdict) {
    case ConsentVerdict::kAllowed:
      return "allowed";
    case ConsentVerdict::kNoConsent:
      return "no_consent";
    case ConsentVerdict::kObjected:
      return "objected";
    case ConsentVerdict::kSuppressed:
      return "suppressed";
    case ConsentVerdict::kRestricted:
      return "restricted";
    case ConsentVerdict::kErased:
      return "erased";
    case ConsentVerdict::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string TopicTarget(std::string_view topic) { return "topic:" + std::string(topic); }

bool IsVerifiedMethod(std::string_view method) {
  return method == "preference_center" || method == "double_opt_in";
}

Result<ConsentFacts> LoadConsentFacts(Tx& tx, const SubjectRecord& subject) {
  ConsentFacts facts;
  facts.known = true;
  facts.erased = subject.erased_at.has_value();
  facts.restricted = subject.restricted_at.has_value();
  facts.regime = subject.regime;
  PD_ASSIGN_OR_RETURN(facts.events, tx.ListConsentEvents(subject.id));
  PD_ASSIGN_OR_RETURN(facts.suppressed_since, tx.EarliestSuppressionOfSubject(subject.id));
  return facts;
}

bool SilenceAllows(const Policy& policy, const Jurisdictions& jurisdictions,
                   const SubscriptionTopic& topic, std::string_view regime) {
  switch (topic.default_state) {
    case TopicDefault::kOptIn:
      return false;
    case TopicDefault::kOptOut:
      return true;
    case TopicDefault::kRegime:
      break;
  }
  const Regime* found = regime.empty() ? nullptr : jurisdictions.FindRegime(regime);
  if (found == nullptr || found->marketing_email == MarketingConsent::kOptIn) return false;
  auto purpose = policy.purposes.find(topic.purpose);
  if (purpose == policy.purposes.end()) return false;
  const auto& bases = purpose->second.legal_basis;
  auto basis = bases.find(std::string(regime));
  if (basis == bases.end()) basis = bases.find("default");
  return basis != bases.end() && basis->second != LegalBasis::kConsent;
}

namespace {

bool IsMarketing(const SubscriptionTopic& topic) { return topic.kind == TopicKind::kMarketing; }

}  // namespace

const ConsentEventRecord* LatestSay(const SubscriptionTopic& topic,
                                    const std::vector<ConsentEventRecord>& events) {
  const std::string target = TopicTarget(topic.id);
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const ConsentEventRecord& e = *it;
    if (e.target == target && (e.action == "grant" || e.action == "withdraw")) return &e;
    if (IsMarketing(topic) && e.target == kAllMarketingTarget &&
        (e.action == "withdraw" || e.action == "object")) {
      return &e;
    }
  }
  return nullptr;
}

ConsentVerdict DecideTopic(const Policy& policy, const Jurisdictions& jurisdictions,
                           const SubscriptionTopic& topic, const ConsentFacts& facts) {
  if (!facts.known) {
    return facts.suppressed_since ? ConsentVerdict::kSuppressed : ConsentVerdict::kUnknown;
  }
  if (facts.erased) return ConsentVerdict::kErased;
  if (facts.restricted) return ConsentVerdict::kRestricted;
  const std::string target = TopicTarget(topic.id);
  // A verified grant of this topic made after `seq` / `since` lifts a block placed then.
  auto verified_grant_after = [&](int64_t seq, Micros since) {
    for (const auto& e : facts.events) {
      if (e.seq > seq && e.created_at >= since && e.target == target && e.action == "grant" &&
          IsVerifiedMethod(e.method)) {
        return true;
      }
    }
    return false;
  };
  if (IsMarketing(topic)) {
    for (auto it = facts.events.rbegin(); it != facts.events.rend(); ++it) {
      if (it->target == kAllMarketingTarget && it->action == "object") {
        if (!verified_grant_after(it->seq, it->created_at)) return ConsentVerdict::kObjected;
        break;
      }
    }
    if (facts.suppressed_since && !verified_grant_after(0, *facts.suppressed_since)) {
      return ConsentVerdict::kSuppressed;
    }
  }
  const ConsentEventRecord* say = LatestSay(topic, facts.events);
  if (say != nullptr) {
    return say->action == "grant" ? ConsentVerdict::kAllowed : ConsentVerdict::kNoConsent;
  }
  return SilenceAllows(policy, jurisdictions, topic, facts.regime) ? ConsentVerdict::kAllowed
                                                                   : ConsentVerdict::kNoConsent;
}

}  // namespace privacyd
