// The policy: what the privacy statement says, in machine form. One YAML file (see
// docs/policy.md) is loaded into these types by LoadPolicy (policy_loader.h), checked against
// the taxonomy and the jurisdictions, and everything else is derived from it: enforcement
// decisions, the rendered statement, the record of processing activities.
//
// Keys of maps are the policy's own identifiers (snake_case); category, use and subject keys
// are fideslang taxonomy keys. A loaded Policy is immutable and shared (std::shared_ptr<const
// Policy>), so readers on many threads need no lock.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace privacyd {

// A text in each of the statement's languages ("en", "de", "fr").
using LocalizedText = std::map<std::string, std::string>;

// Where in the policy file something was declared, for messages.
struct SourcePos {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
};

struct Entity {
  std::string name;
  std::string address;
  std::string registration;  // company register and number, or ""
  std::string region;        // for representatives: "EEA", "UK", ...
};

struct Contact {
  std::string email;
  std::string postal_address;
  std::string phone;
  std::string portal_url;
};

// A span of time, in the unit the statement uses.
struct Duration {
  int years = 0;
  int months = 0;
  int days = 0;
  bool empty() const { return years == 0 && months == 0 && days == 0; }
};

enum class RetentionStart { kCollection, kLastInteraction, kEndOfRelationship, kPurposeFulfilled };

struct RetentionRule {
  Duration keep;  // how long after `from`
  RetentionStart from = RetentionStart::kCollection;
  LocalizedText reason;  // why this long, for the statement
  // The law obliges us to keep this purpose's data for `keep` (invoices, commercial letters):
  // an erasure request keeps it until then and tells the person `reason` (GDPR Art. 17(3)(b)).
  bool statutory = false;
};

// GDPR Art. 6(1) bases, and "notice" for regimes that have no legal-basis concept.
enum class LegalBasis {
  kConsent,
  kContract,
  kLegalObligation,
  kVitalInterests,
  kPublicTask,
  kLegitimateInterests,
  kNotice,
};

struct Purpose {
  std::string id;
  LocalizedText name;
  LocalizedText description;
  std::string data_use;                 // fideslang data use key
  std::vector<std::string> categories;  // fideslang data category keys
  std::vector<std::string> subjects;    // fideslang data subject keys
  // Regime id ("gdpr", "uk_gdpr", "ccpa", ...) or "default" -> basis.
  std::map<std::string, LegalBasis> legal_basis;
  RetentionRule retention;
  SourcePos pos;
};

enum class TopicKind { kMarketing, kService };
enum class TopicDefault { kOptIn, kOptOut, kRegime };  // kRegime: follow the regime's rule

struct SubscriptionTopic {
  std::string id;
  TopicKind kind = TopicKind::kMarketing;
  LocalizedText name;
  LocalizedText description;
  std::string purpose;  // the purpose mailing this topic serves
  TopicDefault default_state = TopicDefault::kRegime;
  SourcePos pos;
};

enum class Channel {
  kWebForm,
  kEmailResponse,  // email, promotion or survey response (webhook)
  kForum,
  kPhone,
  kEvent,
  kEnrichmentImport,
  kReferral,
  kCandidate,
};

enum class AgeSignal { kNone, kBirthDate, kAge, kAttestation };

struct Field {
  std::string name;
  std::string category;  // fideslang data category key
  bool required = false;
  bool free_text = false;  // scanned by the sensitive-data guard
  std::string identity;    // "email", "phone", "customer_id" when the field identifies the person
  SourcePos pos;
};

enum class FindingAction { kRefuse, kRedactAndFlag };

struct CollectionPoint {
  std::string id;
  Channel channel = Channel::kWebForm;
  LocalizedText name;
  std::vector<std::string> subjects;
  std::vector<std::string> purposes;  // purpose ids
  std::vector<std::string> topics;    // subscription topic ids offered
  std::vector<Field> fields;
  std::optional<int> minimum_age;  // unset: the policy's minimum_age
  AgeSignal age_signal = AgeSignal::kNone;
  bool public_facing = false;  // forum posts others can read
  // Enrichment imports: whether rows about people we do not hold yet are added (as prospects);
  // otherwise third-party data is only combined with what people gave us themselves.
  bool new_subjects = false;
  FindingAction on_sensitive = FindingAction::kRefuse;
  std::vector<std::string> cors_origins;  // "https://www.example.com": scheme, host, port
  // Where a plain HTML form post (application/x-www-form-urlencoded) is sent afterwards, with
  // 303 See Other: on success, and on refusal (with `?error=CODE&fields=a,b`). Empty: the
  // answer is the JSON receipt or problem. Each lies under one of cors_origins.
  std::string success_url;
  std::string failure_url;
  SourcePos pos;
};

enum class RecipientRole {
  kProcessor,
  kSubProcessor,
  kPartner,
  kAffiliate,
  kAuthority,
  kSuccessor
};

enum class Safeguard { kAdequacy, kScc, kDpf, kBcr, kIntercompanyAgreement };

struct Recipient {
  std::string id;
  LocalizedText name;
  LocalizedText description;  // why they receive data, for the statement
  RecipientRole role = RecipientRole::kProcessor;
  std::vector<std::string> countries;  // ISO 3166-1 alpha-2 where the data goes
  std::vector<Safeguard> safeguards;
  std::vector<std::string> categories;
  std::vector<std::string> purposes;
  SourcePos pos;
};

struct CookieCategory {
  std::string id;
  LocalizedText name;
  LocalizedText description;
  bool strictly_necessary = false;
  std::string purpose;  // purpose id
};

struct CookieVendor {
  std::string id;
  std::string name;
  std::string category;  // cookie category id
  std::string country;
  std::string privacy_url;
  std::string opt_out_url;
};

enum class Right {
  kAccess,
  kRectification,
  kErasure,
  kPortability,
  kRestriction,
  kObjection,
  kWithdrawConsent,
  kComplaint,
};

struct RightsPolicy {
  std::vector<Right> rights;
  // Per-regime overrides of the deadline and extension (the regime's own are the default).
  struct Deadline {
    Duration deadline;
    Duration extension;
  };
  std::map<std::string, Deadline> deadlines;
  std::vector<std::string> intake;  // "portal", "email", "post"
  bool identity_verification = true;
  // The identity kinds a request may carry ("email", "phone", "customer_id"). The email is
  // always among them: the codes and the answers go there.
  std::vector<std::string> identities = {"email"};
  // How long a closed request (its timeline, identities, documents, codes and package) is kept
  // from the day it closed; unset: forever.
  std::optional<Duration> records_retention;
  SourcePos pos;  // of the `rights` section
};

struct ComplaintRoute {
  std::string id;
  LocalizedText name;
  std::string url;
  std::vector<std::string> regimes;  // who may use it ("gdpr", "uk_gdpr", ...); empty: everyone
  bool dpf_dispute_resolution = false;
};

// A customer for whose end users' data we act as processor: requests about their users are
// routed to them.
struct Tenant {
  std::string id;
  std::string name;
  std::string privacy_contact;  // email
  std::vector<std::string> email_domains;
};

struct Policy {
  std::string file;    // where it was loaded from
  std::string source;  // the YAML text it was loaded from

  // statement
  std::string version;
  Micros effective_date = 0;
  std::vector<std::string> languages;  // first = default
  LocalizedText title;

  Entity controller;
  std::vector<Entity> representatives;
  Contact dpo;
  bool dpf_certified = false;
  bool sells_data = false;

  std::vector<std::string> data_subjects;
  std::vector<std::string> data_categories;
  std::vector<std::string> prohibited_categories;
  int minimum_age = 16;

  std::map<std::string, Purpose> purposes;
  std::map<std::string, SubscriptionTopic> topics;
  std::map<std::string, CollectionPoint> collection_points;
  std::map<std::string, Recipient> recipients;
  std::map<std::string, CookieCategory> cookie_categories;
  std::map<std::string, CookieVendor> cookie_vendors;
  RightsPolicy rights;
  std::vector<ComplaintRoute> complaint_routes;
  std::vector<Tenant> tenants;

  // Per-language text blocks of the statement, by section id ("intro", "security", ...).
  std::map<std::string, LocalizedText> texts;
};

// `text` in `language`, else in the policy's first language, else in any; "" when it has none.
const std::string& TextIn(const LocalizedText& text, const std::string& language,
                          const Policy& policy);

// Stable names, as written in the policy file.
const char* ChannelName(Channel channel);
const char* LegalBasisName(LegalBasis basis);
const char* RecipientRoleName(RecipientRole role);
const char* SafeguardName(Safeguard safeguard);
const char* RightName(Right right);
const char* RetentionStartName(RetentionStart start);

}  // namespace privacyd
