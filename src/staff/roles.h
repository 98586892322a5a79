// Staff roles and what each may do. Each HTTP route declares the roles it needs; services check
// the same sets again, so no shell can skip the check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace privacyd {

inline const std::vector<std::string>& AllRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent",
                                                  "marketing", "auditor"};
  return kRoles;
}

inline bool IsRole(std::string_view role) {
  for (const auto& r : AllRoles()) {
    if (r == role) return true;
  }
  return false;
}

// Who may erase a subject and read what an erasure kept under an exemption.
inline const std::vector<std::string>& ErasureRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer"};
  return kRoles;
}

// Who may read and write subjects' personal data through the staff API.
inline const std::vector<std::string>& SubjectDataRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

// Who may read a subject's data only as far as their purposes allow (GET
// /v1/admin/subjects/{id} shows them the values of the categories the policy's marketing
// purposes process, and nothing else).
inline const std::vector<std::string>& MarketingViewRoles() {
  static const std::vector<std::string> kRoles = {"marketing"};
  return kRoles;
}

// Who may record that a subject's data was disclosed to a recipient
// (POST /v1/admin/subjects/{id}/disclosures): those who may read and write subjects' personal
// data (SubjectDataRoles()), since a disclosure hands that data over. Not marketing: its view of
// a person is purpose-limited, and what it shares goes through the consent check instead; not
// auditor, which reviews and never acts.
inline const std::vector<std::string>& DisclosureRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

// Who may read the disclosure log of a subject (GET /v1/admin/subjects/{id}/disclosures): the
// same, and auditor, for whom it is a trail like the audit log (it holds no personal data).
inline const std::vector<std::string>& DisclosureReaderRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent",
                                                  "auditor"};
  return kRoles;
}

// Who may read the audit trail.
inline const std::vector<std::string>& AuditReaderRoles() {
  static const std::vector<std::string> kRoles = {"auditor", "admin"};
  return kRoles;
}

// Who may read the policy in force with its text and validation report (GET /v1/admin/policy):
// those who may apply one, and auditors. A policy holds no personal data.
inline const std::vector<std::string>& PolicyReaderRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "auditor"};
  return kRoles;
}

// Who may read the record of processing activities.
inline const std::vector<std::string>& RopaReaderRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "auditor"};
  return kRoles;
}

// Who may have text checked by the sensitive-data guard (POST /v1/scan): the people who handle
// what data subjects send (privacy officers reviewing submissions, support agents checking a
// message before it goes into a ticket or a reply) and admin, under which the staff console and
// operators' tools run. Not marketing, which never handles special-category data, nor auditor,
// which reviews trails rather than handling submissions.
inline const std::vector<std::string>& ScanRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

// Who may enter what people said on the phone or left at a trade show (the staff door of the
// collection points, POST /v1/admin/collect/{point}); they are recorded as the source.
inline const std::vector<std::string>& CollectionStaffRoles() {
  static const std::vector<std::string> kRoles = {"admin", "support_agent"};
  return kRoles;
}

// Whose tokens a mailing or survey tool may use to post email, promotion and survey responses
// (POST /v1/webhooks/collect/{point}).
inline const std::vector<std::string>& CollectionWebhookRoles() {
  static const std::vector<std::string> kRoles = {"admin", "marketing"};
  return kRoles;
}

// Who may import business-contact data bought from an enrichment vendor.
inline const std::vector<std::string>& ImportRoles() {
  static const std::vector<std::string> kRoles = {"admin", "marketing"};
  return kRoles;
}

// Who may read what past imports did (counts and the rows skipped or refused, no values): the
// importers, and privacy officers reviewing what came in from vendors.
inline const std::vector<std::string>& ImportReportRoles() {
  static const std::vector<std::string> kRoles = {"admin", "marketing", "privacy_officer"};
  return kRoles;
}

// Who may read a person's consent history and receipts, and record a consent change staff
// received by letter or phone.
inline const std::vector<std::string>& ConsentReadRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

// Who may ask whether people may be mailed about a topic (POST /v1/consent/check) and read the
// allowed audience of a topic: the senders.
inline const std::vector<std::string>& ConsentCheckRoles() {
  static const std::vector<std::string> kRoles = {"admin", "marketing"};
  return kRoles;
}

// Who may see the outbox: privacyd's mail, queued, sent and dead, without addresses or content.
inline const std::vector<std::string>& OutboxRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer"};
  return kRoles;
}

// Who may read the suppression list (blind indexes, reasons and dates, no addresses): the
// privacy team, and support agents answering "why do I get no mail from you?".
inline const std::vector<std::string>& SuppressionReadRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

inline bool RoleIn(std::string_view role, const std::vector<std::string>& roles) {
  for (const auto& r : roles) {
    if (r == role) return true;
  }
  return false;
}

}  // namespace privacyd
