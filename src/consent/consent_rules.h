// What a person's consent ledger means: the state of each subscription topic, and whether a
// sender may mail them about a topic. Pure functions of the facts, shared by the Preference
// Center, the consent check and the audience, so that all of them answer alike.
//
// The rules, in the order they are applied to (person, topic):
//   unknown      nobody holds the identity (and it is not on the suppression list);
//   erased       the person was erased;
//   restricted   processing is restricted (GDPR Art. 18);
//   objected     the person objected to direct marketing (marketing topics only), unless they
//                later subscribed to this topic themselves by a verified method (a Preference
//                Center session or a confirmed double opt-in);
//   suppressed   the identity is on the suppression list (an objection that outlived an
//                erasure, for instance), unless the person subscribed again after it was listed
//                by a verified method;
//   then the person's latest say on the topic: a grant allows; a withdrawal (of the topic, or
//   of all marketing) refuses (no_consent);
//   then silence: the topic's default (opt_in refuses, opt_out allows), or with `default:
//   regime` the regime's rule: where marketing email needs prior consent (or the topic's
//   purpose has consent as its legal basis there), silence refuses; elsewhere legitimate
//   interests allow it until the person objects. A person of no known regime is treated as
//   opt-in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"
#include "store/store.h"

namespace privacyd {

enum class ConsentVerdict {
  kAllowed,
  kNoConsent,
  kObjected,
  kSuppressed,
  kRestricted,
  kErased,
  kUnknown,
};
// "allowed", "no_consent", "objected", "suppressed", "restricted", "erased", "unknown".
const char* ConsentVerdictName(ConsentVerdict verdict);

// Ledger targets.
inline constexpr char kAllMarketingTarget[] = "marketing";
inline constexpr char kSaleSharingTarget[] = "sale_sharing";
std::string TopicTarget(std::string_view topic);  // "topic:<id>"

// Methods by which the person themself proved, at that moment, that they hold the identity.
bool IsVerifiedMethod(std::string_view method);

// What is known about the person behind an identity.
struct ConsentFacts {
  bool known = false;  // a subject holds the identity
  bool erased = false;
  bool restricted = false;
  std::string regime;
  std::vector<ConsentEventRecord> events;  // the subject's ledger, in seq order
  std::optional<Micros> suppressed_since;  // the identity is on the suppression list since
};

// The facts of `subject` as the store holds them (its ledger, and the earliest suppression of
// any of its identities). Store errors.
Result<ConsentFacts> LoadConsentFacts(Tx& tx, const SubjectRecord& subject);

// The verdict for mailing `topic` (declared in `policy`) to the person of `facts`.
ConsentVerdict DecideTopic(const Policy& policy, const Jurisdictions& jurisdictions,
                           const SubscriptionTopic& topic, const ConsentFacts& facts);

// Whether silence allows the topic for a person under `regime`.
bool SilenceAllows(const Policy& policy, const Jurisdictions& jurisdictions,
                   const SubscriptionTopic& topic, std::string_view regime);

// The latest event that decides the person's own say on `topic` (a grant or withdrawal of it, a
// withdrawal of all marketing, or, for marketing topics, an objection), or nullptr.
const ConsentEventRecord* LatestSay(const SubscriptionTopic& topic,
                                    const std::vector<ConsentEventRecord>& events);

}  // namespace privacyd
