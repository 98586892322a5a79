#include "policy/policy.h"

namespace privacyd {

const std::string& TextIn(const LocalizedText& text, const std::string& language,
                          const Policy& policy) {
  static const std::string kNone;
  if (auto it = text.find(language); it != text.end()) return it->second;
  if (!policy.languages.empty()) {
    if (auto it = text.find(policy.languages.front()); it != text.end()) return it->second;
  }
  return text.empty() ? kNone : text.begin()->second;
}

const char* ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kWebForm:
      return "web_form";
    case Channel::kEmailResponse:
      return "email_response";
    case Channel::kForum:
      return "forum";
    case Channel::kPhone:
      return "phone";
    case Channel::kEvent:
      return "event";
    case Channel::kEnrichmentImport:
      return "enrichment_import";
    case Channel::kReferral:
      return "referral";
    case Channel::kCandidate:
      return "candidate";
  }
  return "web_form";
}

const char* LegalBasisName(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kConsent:
      return "consent";
    case LegalBasis::kContract:
      return "contract";
    case LegalBasis::kLegalObligation:
      return "legal_obligation";
    case LegalBasis::kVitalInterests:
      return "vital_interests";
    case LegalBasis::kPublicTask:
      return "public_task";
    case LegalBasis::kLegitimateInterests:
      return "legitimate_interests";
    case LegalBasis::kNotice:
      return "notice";
  }
  return "consent";
}

const char* RecipientRoleName(RecipientRole role) {
  switch (role) {
    case RecipientRole::kProcessor:
      return "processor";
    case RecipientRole::kSubProcessor:
      return "sub_processor";
    case RecipientRole::kPartner:
      return "partner";
    case RecipientRole::kAffiliate:
      return "affiliate";
    case RecipientRole::kAuthority:
      return "authority";
    case RecipientRole::kSuccessor:
      return "successor";
  }
  return "processor";
}

const char* SafeguardName(Safeguard safeguard) {
  switch (safeguard) {
    case Safeguard::kAdequacy:
      return "adequacy";
    case Safeguard::kScc:
      return "scc";
    case Safeguard::kDpf:
      return "dpf";
    case Safeguard::kBcr:
      return "bcr";
    case Safeguard::kIntercompanyAgreement:
      return "intercompany_agreement";
  }
  return "adequacy";
}

const char* RightName(Right right) {
  switch (right) {
    case Right::kAccess:
      return "access";
    case Right::kRectification:
      return "rectification";
    case Right::kErasure:
      return "erasure";
    case Right::kPortability:
      return "portability";
    case Right::kRestriction:
      return "restriction";
    case Right::kObjection:
      return "objection";
    case Right::kWithdrawConsent:
      return "withdraw_consent";
    case Right::kComplaint:
      return "complaint";
  }
  return "access";
}

const char* RetentionStartName(RetentionStart start) {
  switch (start) {
    case RetentionStart::kCollection:
      return "collection";
    case RetentionStart::kLastInteraction:
      return "last_interaction";
    case RetentionStart::kEndOfRelationship:
      return "end_of_relationship";
    case RetentionStart::kPurposeFulfilled:
      return "purpose_fulfilled";
  }
  return "collection";
}

}  // namespace privacyd
