#include "policy/policy_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/suggest.h"
#include "policy/example_policy.h"
#include "policy/policy_validator.h"

namespace privacyd {
namespace {

using YAML::Node;

constexpr int kPolicyFormat = 1;

template <class E>
struct EnumTable {
  std::vector<E> values;
  const char* (*name)(E);

  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (E v : values) out.emplace_back(name(v));
    return out;
  }
};

const EnumTable<Channel> kChannels{
    {Channel::kWebForm, Channel::kEmailResponse, Channel::kForum, Channel::kPhone, Channel::kEvent,
     Channel::kEnrichmentImport, Channel::kReferral, Channel::kCandidate},
    ChannelName};
const EnumTable<LegalBasis> kBases{
    {LegalBasis::kConsent, LegalBasis::kContract, LegalBasis::kLegalObligation,
     LegalBasis::kVitalInterests, LegalBasis::kPublicTask, LegalBasis::kLegitimateInterests,
     LegalBasis::kNotice},
    LegalBasisName};
const EnumTable<RecipientRole> kRoles{
    {RecipientRole::kProcessor, RecipientRole::kSubProcessor, RecipientRole::kPartner,
     RecipientRole::kAffiliate, RecipientRole::kAuthority, RecipientRole::kSuccessor},
    RecipientRoleName};
const EnumTable<Safeguard> kSafeguards{{Safeguard::kAdequacy, Safeguard::kScc, Safeguard::kDpf,
                                        Safeguard::kBcr, Safeguard::kIntercompanyAgreement},
                                       SafeguardName};
const EnumTable<Right> kRights{
    {Right::kAccess, Right::kRectification, Right::kErasure, Right::kPortability,
     Right::kRestriction, Right::kObjection, Right::kWithdrawConsent, Right::kComplaint},
    RightName};
const EnumTable<RetentionStart> kRetentionStarts{
    {RetentionStart::kCollection, RetentionStart::kLastInteraction,
     RetentionStart::kEndOfRelationship, RetentionStart::kPurposeFulfilled},
    RetentionStartName};

const char* TopicKindName(TopicKind k) {
  return k == TopicKind::kMarketing ? "marketing" : "service";
}
const EnumTable<TopicKind> kTopicKinds{{TopicKind::kMarketing, TopicKind::kService}, TopicKindName};

const char* TopicDefaultName(TopicDefault d) {
  switch (d) {
    case TopicDefault::kOptIn:
      return "opt_in";
    case TopicDefault::kOptOut:
      return "opt_out";
    case TopicDefault::kRegime:
      return "regime";
  }
  return "regime";
}
const EnumTable<TopicDefault> kTopicDefaults{
    {TopicDefault::kOptIn, TopicDefault::kOptOut, TopicDefault::kRegime}, TopicDefaultName};

const char* AgeSignalName(AgeSignal s) {
  switch (s) {
    case AgeSignal::kNone:
      return "none";
    case AgeSignal::kBirthDate:
      return "birth_date";
    case AgeSignal::kAge:
      return "age";
    case AgeSignal::kAttestation:
      return "attestation";
  }
  return "none";
}
const EnumTable<AgeSignal> kAgeSignals{
    {AgeSignal::kNone, AgeSignal::kBirthDate, AgeSignal::kAge, AgeSignal::kAttestation},
    AgeSignalName};

const char* FindingActionName(FindingAction a) {
  return a == FindingAction::kRefuse ? "refuse" : "redact_and_flag";
}
const EnumTable<FindingAction> kFindingActions{
    {FindingAction::kRefuse, FindingAction::kRedactAndFlag}, FindingActionName};

const std::vector<std::string> kIdentityKinds = {"email", "phone", "customer_id"};
const std::vector<std::string> kIntakeChannels = {"portal", "email", "post", "phone"};

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

std::string Path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Reads the YAML tree into a Policy, reporting every structural problem.
class Loader {
 public:
  Loader(std::string file, const Taxonomy& taxonomy, const Jurisdictions& jurisdictions,
         std::vector<PolicyDiagnostic>& out)
      : file_(std::move(file)), taxonomy_(taxonomy), jurisdictions_(jurisdictions), out_(out) {}

  void Load(const Node& root, Policy& p);

 private:
  void Report(PolicyDiagnostic::Severity severity, const Node& at, const std::string& key,
              std::string message) {
    PolicyDiagnostic d;
    d.severity = severity;
    d.file = file_;
    if (at.IsDefined()) {
      d.line = at.Mark().line + 1;
      d.column = at.Mark().column + 1;
    }
    d.key = key;
    d.message = std::move(message);
    out_.push_back(std::move(d));
  }
  void Error(const Node& at, const std::string& key, std::string message) {
    Report(PolicyDiagnostic::Severity::kError, at, key, std::move(message));
  }
  void Warning(const Node& at, const std::string& key, std::string message) {
    Report(PolicyDiagnostic::Severity::kWarning, at, key, std::move(message));
  }
  SourcePos Pos(const Node& n) const {
    if (!n.IsDefined()) return {};
    return {n.Mark().line + 1, n.Mark().column + 1};
  }

  // True when `node` is a mapping; reports its keys that are not `allowed`.
  bool Map(const Node& node, const std::string& path, const std::vector<std::string>& allowed) {
    if (!node.IsMap()) {
      Error(node, path, "must be a mapping of keys to values");
      return false;
    }
    for (const auto& item : node) {
      std::string key = item.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string message = "unknown key '" + key + "'";
      if (auto s = SuggestClosest(key, allowed)) {
        message += "; did you mean '" + *s + "'?";
      } else {
        message += "; the keys here are " + Join(allowed);
      }
      Error(item.first, Path(path, key), message);
    }
    return true;
  }

  Node Get(const Node& map, const char* key) const {
    return map.IsMap() ? map[key] : Node(YAML::NodeType::Undefined);
  }

  // A scalar string, or "" (reported when required and missing).
  std::string Str(const Node& map, const std::string& path, const char* key, bool required) {
    Node n = Get(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(map, Path(path, key), std::string("missing required key '") + key + "'");
      return "";
    }
    if (!n.IsScalar()) {
      Error(n, Path(path, key), "must be a single text value");
      return "";
    }
    if (required && n.Scalar().empty()) Error(n, Path(path, key), "must not be empty");
    return n.Scalar();
  }

  bool Bool(const Node& map, const std::string& path, const char* key, bool fallback) {
    Node n = Get(map, key);
    if (!n.IsDefined() || n.IsNull()) return fallback;
    bool value = fallback;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
      Error(n, Path(path, key), "must be true or false");
      return fallback;
    }
    return value;
  }

  std::optional<int> Int(const Node& map, const std::string& path, const char* key, int min,
                         int max) {
    Node n = Get(map, key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    int value = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, value) || value < min || value > max) {
      Error(n, Path(path, key),
            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::vector<std::string> StrList(const Node& map, const std::string& path, const char* key,
                                   bool required) {
    std::vector<std::string> out;
    Node n = Get(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(map, Path(path, key), std::string("missing required list '") + key + "'");
      return out;
    }
    if (!n.IsSequence()) {
      Error(n, Path(path, key), "must be a list, e.g. [a, b]");
      return out;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) {
        Error(n[i], Path(path, key) + "[" + std::to_string(i) + "]", "must be a text value");
        continue;
      }
      if (!seen.insert(n[i].Scalar()).second) {
        Error(n[i], Path(path, key), "'" + n[i].Scalar() + "' is listed twice");
        continue;
      }
      out.push_back(n[i].Scalar());
    }
    if (required && out.empty() && n.size() == 0) Error(n, Path(path, key), "must not be empty");
    return out;
  }

  template <class E>
  std::optional<E> Enum(const Node& n, const std::string& path, const EnumTable<E>& table,
                        const char* what) {
    if (!n.IsScalar()) {
      Error(n, path, std::string("must be one of the ") + what + " " + Join(table.Names()));
      return std::nullopt;
    }
    for (E v : table.values) {
      if (n.Scalar() == table.name(v)) return v;
    }
    std::string message = "unknown " + std::string(what) + " '" + n.Scalar() + "'";
    if (auto s = SuggestClosest(n.Scalar(), table.Names())) {
      message += "; did you mean '" + *s + "'?";
    } else {
      message += "; use one of " + Join(table.Names());
    }
    Error(n, path, message);
    return std::nullopt;
  }

  template <class E>
  std::optional<E> EnumKey(const Node& map, const std::string& path, const char* key,
                           const EnumTable<E>& table, const char* what, bool required) {
    Node n = Get(map, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) {
        Error(
            map, Path(path, key),
            std::string("missing required key '") + key + "' (one of " + Join(table.Names()) + ")");
      }
      return std::nullopt;
    }
    return Enum(n, Path(path, key), table, what);
  }

  // A text in every statement language: a mapping {en: ..., de: ..., fr: ...}.
  LocalizedText Text(const Node& map, const std::string& path, const char* key, bool required) {
    LocalizedText out;
    Node n = Get(map, key);
    std::string where = Path(path, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(map, where, std::string("missing required text '") + key + "'");
      return out;
    }
    if (!n.IsMap()) {
      Error(n, where,
            "must give the text in each statement language, e.g. {en: ..., de: ..., fr: ...}");
      return out;
    }
    for (const auto& item : n) {
      std::string lang = item.first.Scalar();
      if (std::find(languages_.begin(), languages_.end(), lang) == languages_.end()) {
        Error(item.first, Path(where, lang),
              "'" + lang + "' is not a statement language (" + Join(languages_) + ")");
        continue;
      }
      if (!item.second.IsScalar() || item.second.Scalar().empty()) {
        Error(item.second, Path(where, lang), "must be a non-empty text");
        continue;
      }
      out[lang] = item.second.Scalar();
    }
    for (const auto& lang : languages_) {
      if (!out.count(lang) && !n[lang].IsDefined()) {
        Error(n, where, "has no '" + lang + "' text; every statement language needs one");
      }
    }
    return out;
  }

  Duration ReadDuration(const Node& n, const std::string& path) {
    Duration d;
    if (!Map(n, path, {"years", "months", "days"})) return d;
    d.years = Int(n, path, "years", 0, 100).value_or(0);
    d.months = Int(n, path, "months", 0, 1200).value_or(0);
    d.days = Int(n, path, "days", 0, 36500).value_or(0);
    if (d.empty()) Error(n, path, "give a length: years, months and/or days");
    return d;
  }

  // A taxonomy key, checked against the taxonomy; "" when unknown (reported).
  std::string TaxKey(TaxonomyKind kind, const Node& n, const std::string& path) {
    if (!n.IsScalar() || n.Scalar().empty()) {
      Error(n, path, std::string("must be a ") + TaxonomyKindName(kind) + " key");
      return "";
    }
    const std::string& key = n.Scalar();
    if (taxonomy_.Find(kind, key) != nullptr) return key;
    std::string message = "unknown " + std::string(TaxonomyKindName(kind)) + " '" + key + "'";
    if (auto s = taxonomy_.Suggest(kind, key)) {
      message += "; did you mean '" + *s + "'?";
    } else {
      message += "; see docs/policy.md for the taxonomy";
    }
    Error(n, path, message);
    return "";
  }

  std::vector<std::string> TaxList(TaxonomyKind kind, const Node& map, const std::string& path,
                                   const char* key, bool required) {
    std::vector<std::string> out;
    Node n = Get(map, key);
    std::string where = Path(path, key);
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(map, where, std::string("missing required list '") + key + "'");
      return out;
    }
    if (!n.IsSequence()) {
      Error(n, where, "must be a list of " + std::string(TaxonomyKindName(kind)) + " keys");
      return out;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      std::string k = TaxKey(kind, n[i], where + "[" + std::to_string(i) + "]");
      if (!k.empty()) out.push_back(k);
    }
    return out;
  }

  std::string Country(const Node& n, const std::string& path) {
    if (!n.IsScalar() || !jurisdictions_.IsKnownCountry(n.Scalar())) {
      Error(n, path,
            "'" + (n.IsScalar() ? n.Scalar() : std::string()) +
                "' is not an ISO 3166-1 alpha-2 country code (e.g. US, DE, GB)");
      return "";
    }
    return n.Scalar();
  }

  Micros Date(const Node& map, const std::string& path, const char* key) {
    std::string text = Str(map, path, key, true);
    if (text.empty()) return 0;
    auto parsed = ParseRfc3339(text + "T00:00:00Z");
    if (!parsed.ok()) {
      Error(Get(map, key), Path(path, key), "must be a date written YYYY-MM-DD");
      return 0;
    }
    return *parsed;
  }

  Entity ReadEntity(const Node& n, const std::string& path, bool with_region) {
    Entity e;
    std::vector<std::string> keys = {"name", "address", "registration"};
    if (with_region) keys.push_back("region");
    if (!Map(n, path, keys)) return e;
    e.name = Str(n, path, "name", true);
    e.address = Str(n, path, "address", true);
    e.registration = Str(n, path, "registration", false);
    if (with_region) e.region = Str(n, path, "region", true);
    return e;
  }

  // Iterates a mapping of id -> mapping, checking ids are snake_case.
  void Each(const Node& map, const std::string& path,
            const std::function<void(const std::string& id, const Node& value,
                                     const std::string& item_path)>& body) {
    Node n = map;
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Error(n, path, "must be a mapping of ids to entries");
      return;
    }
    for (const auto& item : n) {
      std::string id = item.first.Scalar();
      bool ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
      if (!ok) {
        Error(item.first, Path(path, id), "ids are snake_case: a-z, 0-9 and '_'");
        continue;
      }
      body(id, item.second, Path(path, id));
    }
  }

  void ReadStatement(const Node& n, Policy& p);
  void ReadPurposes(const Node& n, Policy& p);
  void ReadTopics(const Node& n, Policy& p);
  void ReadPoints(const Node& n, Policy& p);
  void ReadRecipients(const Node& n, Policy& p);
  void ReadCookies(const Node& n, Policy& p);
  void ReadRights(const Node& n, Policy& p);
  void ReadComplaints(const Node& n, Policy& p);
  void ReadTenants(const Node& n, Policy& p);
  void ReadTexts(const Node& n, Policy& p);

  std::string file_;
  const Taxonomy& taxonomy_;
  const Jurisdictions& jurisdictions_;
  std::vector<PolicyDiagnostic>& out_;
  std::vector<std::string> languages_;
};

const std::vector<std::string> kTopLevelKeys = {"policy_format",
                                                "statement",
                                                "controller",
                                                "representatives",
                                                "dpo",
                                                "dpf_certified",
                                                "sells_data",
                                                "data_subjects",
                                                "data_categories",
                                                "prohibited_categories",
                                                "minimum_age",
                                                "purposes",
                                                "subscription_topics",
                                                "collection_points",
                                                "recipients",
                                                "cookies",
                                                "rights",
                                                "complaint_routes",
                                                "tenants",
                                                "texts"};

void Loader::Load(const Node& root, Policy& p) {
  if (!Map(root, "", kTopLevelKeys)) return;
  auto format = Int(root, "", "policy_format", 1, 1000);
  if (!format) {
    Error(root, "policy_format", "missing required key 'policy_format' (this version reads 1)");
  } else if (*format != kPolicyFormat) {
    Error(root["policy_format"], "policy_format",
          "this privacyd reads policy_format 1, not " + std::to_string(*format));
  }
  ReadStatement(root["statement"], p);

  p.controller = ReadEntity(root["controller"], "controller", false);
  if (Node reps = root["representatives"]; reps.IsDefined() && !reps.IsNull()) {
    if (!reps.IsSequence()) {
      Error(reps, "representatives", "must be a list of entities");
    } else {
      for (size_t i = 0; i < reps.size(); ++i) {
        p.representatives.push_back(
            ReadEntity(reps[i], "representatives[" + std::to_string(i) + "]", true));
      }
    }
  }
  if (Node dpo = root["dpo"]; Map(dpo, "dpo", {"email", "postal_address", "phone", "portal_url"})) {
    p.dpo.email = Str(dpo, "dpo", "email", true);
    p.dpo.postal_address = Str(dpo, "dpo", "postal_address", true);
    p.dpo.phone = Str(dpo, "dpo", "phone", false);
    p.dpo.portal_url = Str(dpo, "dpo", "portal_url", false);
  }
  p.dpf_certified = Bool(root, "", "dpf_certified", false);
  p.sells_data = Bool(root, "", "sells_data", false);
  p.data_subjects = TaxList(TaxonomyKind::kDataSubject, root, "", "data_subjects", true);
  p.data_categories = TaxList(TaxonomyKind::kDataCategory, root, "", "data_categories", true);
  p.prohibited_categories =
      TaxList(TaxonomyKind::kDataCategory, root, "", "prohibited_categories", false);
  if (auto age = Int(root, "", "minimum_age", 0, 21)) {
    p.minimum_age = *age;
  } else if (!root["minimum_age"].IsDefined()) {
    Error(root, "minimum_age",
          "missing required key 'minimum_age': the youngest age from which data is accepted");
  }
  ReadPurposes(root["purposes"], p);
  ReadTopics(root["subscription_topics"], p);
  ReadPoints(root["collection_points"], p);
  ReadRecipients(root["recipients"], p);
  ReadCookies(root["cookies"], p);
  ReadRights(root["rights"], p);
  ReadComplaints(root["complaint_routes"], p);
  ReadTenants(root["tenants"], p);
  ReadTexts(root["texts"], p);
}

void Loader::ReadStatement(const Node& n, Policy& p) {
  const std::string path = "statement";
  if (!n.IsDefined()) {
    Error(n, path, "missing required section 'statement' (version, effective_date, languages)");
    languages_ = {"en"};
    return;
  }
  if (!Map(n, path, {"version", "effective_date", "languages", "title"})) return;
  p.version = Str(n, path, "version", true);
  p.effective_date = Date(n, path, "effective_date");
  p.languages = StrList(n, path, "languages", true);
  static const std::vector<std::string> kSupported = {"en", "de", "fr"};
  for (const auto& lang : p.languages) {
    if (std::find(kSupported.begin(), kSupported.end(), lang) == kSupported.end()) {
      Error(n["languages"], Path(path, "languages"),
            "'" + lang + "' is not a supported language; privacyd renders en, de and fr");
    }
  }
  languages_ = p.languages.empty() ? std::vector<std::string>{"en"} : p.languages;
  p.title = Text(n, path, "title", true);
}

void Loader::ReadPurposes(const Node& n, Policy& p) {
  if (!n.IsDefined()) {
    Error(n, "purposes", "missing required section 'purposes'");
    return;
  }
  Each(n, "purposes", [&](const std::string& id, const Node& v, const std::string& path) {
    Purpose purpose;
    purpose.id = id;
    purpose.pos = Pos(v);
    if (!Map(v, path,
             {"name", "description", "data_use", "categories", "subjects", "legal_basis",
              "retention"})) {
      return;
    }
    purpose.name = Text(v, path, "name", true);
    purpose.description = Text(v, path, "description", false);
    if (Node use = v["data_use"]; use.IsDefined()) {
      purpose.data_use = TaxKey(TaxonomyKind::kDataUse, use, Path(path, "data_use"));
    } else {
      Error(v, Path(path, "data_use"), "missing required key 'data_use' (a fideslang data use)");
    }
    purpose.categories = TaxList(TaxonomyKind::kDataCategory, v, path, "categories", true);
    purpose.subjects = TaxList(TaxonomyKind::kDataSubject, v, path, "subjects", true);
    Node bases = v["legal_basis"];
    std::string bases_path = Path(path, "legal_basis");
    if (!bases.IsDefined()) {
      Error(v, bases_path,
            "missing required key 'legal_basis': a basis per regime, e.g. {default: consent}");
    } else if (bases.IsMap()) {
      for (const auto& item : bases) {
        std::string regime = item.first.Scalar();
        if (regime != "default" && jurisdictions_.FindRegime(regime) == nullptr) {
          Error(item.first, Path(bases_path, regime),
                "unknown regime '" + regime +
                    "'; use 'default' or a regime id such as gdpr, "
                    "uk_gdpr, ccpa");
          continue;
        }
        if (auto b = Enum(item.second, Path(bases_path, regime), kBases, "legal basis")) {
          purpose.legal_basis[regime] = *b;
        }
      }
    } else {
      Error(bases, bases_path, "must map regimes to legal bases, e.g. {default: consent}");
    }
    Node retention = v["retention"];
    std::string rpath = Path(path, "retention");
    if (!retention.IsDefined()) {
      Error(v, rpath, "missing required key 'retention': how long the data is kept and from when");
    } else if (Map(retention, rpath, {"keep", "from", "reason", "statutory"})) {
      if (Node keep = retention["keep"]; keep.IsDefined()) {
        purpose.retention.keep = ReadDuration(keep, Path(rpath, "keep"));
      } else {
        Error(retention, Path(rpath, "keep"), "missing required key 'keep', e.g. {months: 24}");
      }
      if (auto from =
              EnumKey(retention, rpath, "from", kRetentionStarts, "retention start", true)) {
        purpose.retention.from = *from;
      }
      purpose.retention.reason = Text(retention, rpath, "reason", false);
      purpose.retention.statutory = Bool(retention, rpath, "statutory", false);
    }
    p.purposes[id] = std::move(purpose);
  });
}

void Loader::ReadTopics(const Node& n, Policy& p) {
  Each(n, "subscription_topics",
       [&](const std::string& id, const Node& v, const std::string& path) {
         SubscriptionTopic topic;
         topic.id = id;
         topic.pos = Pos(v);
         if (!Map(v, path, {"kind", "name", "description", "purpose", "default"})) return;
         if (auto kind = EnumKey(v, path, "kind", kTopicKinds, "topic kind", true)) {
           topic.kind = *kind;
         }
         topic.name = Text(v, path, "name", true);
         topic.description = Text(v, path, "description", true);
         topic.purpose = Str(v, path, "purpose", true);
         if (auto d = EnumKey(v, path, "default", kTopicDefaults, "default", false)) {
           topic.default_state = *d;
         }
         p.topics[id] = std::move(topic);
       });
}

void Loader::ReadPoints(const Node& n, Policy& p) {
  Each(n, "collection_points", [&](const std::string& id, const Node& v, const std::string& path) {
    CollectionPoint point;
    point.id = id;
    point.pos = Pos(v);
    if (!Map(v, path,
             {"channel", "name", "subjects", "purposes", "topics", "fields", "minimum_age",
              "age_signal", "public_facing", "on_sensitive_data", "cors_origins", "redirect",
              "new_subjects"})) {
      return;
    }
    if (auto channel = EnumKey(v, path, "channel", kChannels, "channel", true)) {
      point.channel = *channel;
    }
    point.name = Text(v, path, "name", true);
    point.subjects = TaxList(TaxonomyKind::kDataSubject, v, path, "subjects", true);
    point.purposes = StrList(v, path, "purposes", true);
    point.topics = StrList(v, path, "topics", false);
    point.minimum_age = Int(v, path, "minimum_age", 0, 21);
    if (auto signal = EnumKey(v, path, "age_signal", kAgeSignals, "age signal", false)) {
      point.age_signal = *signal;
    }
    point.public_facing = Bool(v, path, "public_facing", false);
    point.new_subjects = Bool(v, path, "new_subjects", false);
    if (auto action = EnumKey(v, path, "on_sensitive_data", kFindingActions, "action", false)) {
      point.on_sensitive = *action;
    }
    point.cors_origins = StrList(v, path, "cors_origins", false);
    if (Node r = v["redirect"]; r.IsDefined()) {
      std::string rpath = Path(path, "redirect");
      if (Map(r, rpath, {"success", "failure"})) {
        point.success_url = Str(r, rpath, "success", true);
        point.failure_url = Str(r, rpath, "failure", true);
      }
    }
    Node fields = v["fields"];
    std::string fpath = Path(path, "fields");
    if (!fields.IsDefined() || !fields.IsMap() || fields.size() == 0) {
      Error(fields.IsDefined() ? fields : v, fpath,
            "a collection point needs a mapping of its fields, e.g. {email: {category: "
            "user.contact.email, required: true}}");
    }
    Each(fields, fpath, [&](const std::string& name, const Node& f, const std::string& fp) {
      Field field;
      field.name = name;
      field.pos = Pos(f);
      if (!Map(f, fp, {"category", "required", "free_text", "identity"})) return;
      if (Node c = f["category"]; c.IsDefined()) {
        field.category = TaxKey(TaxonomyKind::kDataCategory, c, Path(fp, "category"));
      } else {
        Error(f, Path(fp, "category"), "missing required key 'category' (a data category)");
      }
      field.required = Bool(f, fp, "required", false);
      field.free_text = Bool(f, fp, "free_text", false);
      field.identity = Str(f, fp, "identity", false);
      if (!field.identity.empty() && std::find(kIdentityKinds.begin(), kIdentityKinds.end(),
                                               field.identity) == kIdentityKinds.end()) {
        Error(f["identity"], Path(fp, "identity"),
              "identity must be one of " + Join(kIdentityKinds));
      }
      point.fields.push_back(std::move(field));
    });
    p.collection_points[id] = std::move(point);
  });
}

void Loader::ReadRecipients(const Node& n, Policy& p) {
  Each(n, "recipients", [&](const std::string& id, const Node& v, const std::string& path) {
    Recipient r;
    r.id = id;
    r.pos = Pos(v);
    if (!Map(
            v, path,
            {"name", "description", "role", "countries", "safeguards", "categories", "purposes"})) {
      return;
    }
    r.name = Text(v, path, "name", true);
    r.description = Text(v, path, "description", true);
    if (auto role = EnumKey(v, path, "role", kRoles, "recipient role", true)) r.role = *role;
    Node countries = v["countries"];
    if (!countries.IsDefined() || !countries.IsSequence() || countries.size() == 0) {
      Error(countries.IsDefined() ? countries : v, Path(path, "countries"),
            "list the countries the data goes to, e.g. [US, IN]");
    } else {
      for (size_t i = 0; i < countries.size(); ++i) {
        std::string c = Country(countries[i], Path(path, "countries"));
        if (!c.empty()) r.countries.push_back(c);
      }
    }
    if (Node s = v["safeguards"]; s.IsDefined() && !s.IsNull()) {
      if (!s.IsSequence()) {
        Error(s, Path(path, "safeguards"), "must be a list, e.g. [scc]");
      } else {
        for (size_t i = 0; i < s.size(); ++i) {
          if (auto g = Enum(s[i], Path(path, "safeguards"), kSafeguards, "safeguard")) {
            r.safeguards.push_back(*g);
          }
        }
      }
    }
    r.categories = TaxList(TaxonomyKind::kDataCategory, v, path, "categories", true);
    r.purposes = StrList(v, path, "purposes", true);
    p.recipients[id] = std::move(r);
  });
}

void Loader::ReadCookies(const Node& n, Policy& p) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (!Map(n, "cookies", {"categories", "vendors"})) return;
  Each(n["categories"], "cookies.categories",
       [&](const std::string& id, const Node& v, const std::string& path) {
         CookieCategory c;
         c.id = id;
         if (!Map(v, path, {"name", "description", "strictly_necessary", "purpose"})) return;
         c.name = Text(v, path, "name", true);
         c.description = Text(v, path, "description", true);
         c.strictly_necessary = Bool(v, path, "strictly_necessary", false);
         c.purpose = Str(v, path, "purpose", true);
         p.cookie_categories[id] = std::move(c);
       });
  Each(n["vendors"], "cookies.vendors",
       [&](const std::string& id, const Node& v, const std::string& path) {
         CookieVendor vendor;
         vendor.id = id;
         if (!Map(v, path, {"name", "category", "country", "privacy_url", "opt_out_url"})) return;
         vendor.name = Str(v, path, "name", true);
         vendor.category = Str(v, path, "category", true);
         if (Node c = v["country"]; c.IsDefined()) {
           vendor.country = Country(c, Path(path, "country"));
         } else {
           Error(v, Path(path, "country"), "missing required key 'country'");
         }
         vendor.privacy_url = Str(v, path, "privacy_url", false);
         vendor.opt_out_url = Str(v, path, "opt_out_url", false);
         p.cookie_vendors[id] = std::move(vendor);
       });
}

void Loader::ReadRights(const Node& n, Policy& p) {
  const std::string path = "rights";
  if (!n.IsDefined()) {
    Error(n, path, "missing required section 'rights'");
    return;
  }
  p.rights.pos = Pos(n);
  if (!Map(n, path,
           {"available", "deadlines", "intake", "identity_verification", "identities",
            "records_retention"})) {
    return;
  }
  Node available = n["available"];
  if (!available.IsDefined() || !available.IsSequence() || available.size() == 0) {
    Error(available.IsDefined() ? available : n, Path(path, "available"),
          "list the rights people have, e.g. [access, rectification, erasure]");
  } else {
    for (size_t i = 0; i < available.size(); ++i) {
      if (auto r = Enum(available[i], Path(path, "available"), kRights, "right")) {
        p.rights.rights.push_back(*r);
      }
    }
  }
  Each(n["deadlines"], Path(path, "deadlines"),
       [&](const std::string& regime, const Node& v, const std::string& dpath) {
         if (regime != "default" && jurisdictions_.FindRegime(regime) == nullptr) {
           Error(v, dpath, "unknown regime '" + regime + "'");
           return;
         }
         if (!Map(v, dpath, {"deadline", "extension"})) return;
         RightsPolicy::Deadline d;
         if (Node dl = v["deadline"]; dl.IsDefined()) {
           d.deadline = ReadDuration(dl, Path(dpath, "deadline"));
         } else {
           Error(v, Path(dpath, "deadline"), "missing required key 'deadline'");
         }
         if (Node ext = v["extension"]; ext.IsDefined()) {
           d.extension = ReadDuration(ext, Path(dpath, "extension"));
         }
         p.rights.deadlines[regime] = d;
       });
  p.rights.intake = StrList(n, path, "intake", false);
  for (const auto& channel : p.rights.intake) {
    if (std::find(kIntakeChannels.begin(), kIntakeChannels.end(), channel) ==
        kIntakeChannels.end()) {
      Error(n["intake"], Path(path, "intake"),
            "'" + channel + "' is not an intake channel; use " + Join(kIntakeChannels));
    }
  }
  p.rights.identity_verification = Bool(n, path, "identity_verification", true);
  if (Node ids = n["identities"]; ids.IsDefined() && !ids.IsNull()) {
    p.rights.identities = StrList(n, path, "identities", false);
    for (const auto& kind : p.rights.identities) {
      if (std::find(kIdentityKinds.begin(), kIdentityKinds.end(), kind) == kIdentityKinds.end()) {
        std::string message = "'" + kind + "' is not an identity kind";
        if (auto s = SuggestClosest(kind, kIdentityKinds)) {
          message += "; did you mean '" + *s + "'?";
        } else {
          message += "; use " + Join(kIdentityKinds);
        }
        Error(ids, Path(path, "identities"), message);
      }
    }
    if (std::find(p.rights.identities.begin(), p.rights.identities.end(), "email") ==
        p.rights.identities.end()) {
      Error(ids, Path(path, "identities"),
            "must list email: codes and answers to requests go to the person's address");
    }
  }
  if (Node keep = n["records_retention"]; keep.IsDefined() && !keep.IsNull()) {
    p.rights.records_retention = ReadDuration(keep, Path(path, "records_retention"));
  } else {
    Warning(n, Path(path, "records_retention"),
            "closed requests are kept forever; say how long their records are kept after "
            "closing, e.g. records_retention: {years: 3}");
  }
}

void Loader::ReadComplaints(const Node& n, Policy& p) {
  Each(n, "complaint_routes", [&](const std::string& id, const Node& v, const std::string& path) {
    ComplaintRoute route;
    route.id = id;
    if (!Map(v, path, {"name", "url", "regimes", "dpf_dispute_resolution"})) return;
    route.name = Text(v, path, "name", true);
    route.url = Str(v, path, "url", true);
    route.regimes = StrList(v, path, "regimes", false);
    for (const auto& regime : route.regimes) {
      if (jurisdictions_.FindRegime(regime) == nullptr) {
        Error(v["regimes"], Path(path, "regimes"), "unknown regime '" + regime + "'");
      }
    }
    route.dpf_dispute_resolution = Bool(v, path, "dpf_dispute_resolution", false);
    p.complaint_routes.push_back(std::move(route));
  });
}

void Loader::ReadTenants(const Node& n, Policy& p) {
  Each(n, "tenants", [&](const std::string& id, const Node& v, const std::string& path) {
    Tenant t;
    t.id = id;
    if (!Map(v, path, {"name", "privacy_contact", "email_domains"})) return;
    t.name = Str(v, path, "name", true);
    t.privacy_contact = Str(v, path, "privacy_contact", true);
    t.email_domains = StrList(v, path, "email_domains", true);
    p.tenants.push_back(std::move(t));
  });
}

void Loader::ReadTexts(const Node& n, Policy& p) {
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsMap()) {
    Error(n, "texts", "must map section ids to texts in each language");
    return;
  }
  for (const auto& item : n) {
    std::string id = item.first.Scalar();
    p.texts[id] = Text(n, "texts", id.c_str(), true);
  }
}

}  // namespace

std::string PolicyDiagnostic::Format() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ":" << line << ":" << column;
  out << ": " << (severity == Severity::kError ? "error" : "warning") << ": ";
  if (!key.empty()) out << key << ": ";
  out << message;
  return out.str();
}

size_t PolicyLoad::errors() const {
  return std::count_if(diagnostics.begin(), diagnostics.end(), [](const PolicyDiagnostic& d) {
    return d.severity == PolicyDiagnostic::Severity::kError;
  });
}

size_t PolicyLoad::warnings() const { return diagnostics.size() - errors(); }

PolicyLoad LoadPolicyText(std::string_view yaml, const std::string& file_name,
                          const Taxonomy& taxonomy, const Jurisdictions& jurisdictions) {
  PolicyLoad result;
  Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    PolicyDiagnostic d;
    d.file = file_name;
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
    d.message = "not valid YAML: " + e.msg;
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  auto policy = std::make_shared<Policy>();
  policy->file = file_name;
  policy->source = std::string(yaml);
  Loader loader(file_name, taxonomy, jurisdictions, result.diagnostics);
  try {
    loader.Load(root, *policy);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on some malformed shapes (e.g. a key that is itself a mapping).
    PolicyDiagnostic d;
    d.file = file_name;
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
    d.message = "cannot read this part of the policy: " + e.msg;
    result.diagnostics.push_back(std::move(d));
  }
  ValidatePolicy(*policy, taxonomy, jurisdictions, result.diagnostics);
  if (result.errors() == 0) result.policy = std::move(policy);
  return result;
}

PolicyLoad LoadPolicyFile(const std::string& path, const Taxonomy& taxonomy,
                          const Jurisdictions& jurisdictions) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PolicyLoad result;
    PolicyDiagnostic d;
    d.file = path;
    d.message = "cannot read the policy file; check the path and its permissions";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  std::stringstream text;
  text << in.rdbuf();
  return LoadPolicyText(text.str(), path, taxonomy, jurisdictions);
}

PolicyLoad LoadPolicyFileOrExample(const std::string& path, const Taxonomy& taxonomy,
                                   const Jurisdictions& jurisdictions) {
  if (path.empty()) {
    return LoadPolicyText(kExamplePolicy, "(embedded example policy)", taxonomy, jurisdictions);
  }
  return LoadPolicyFile(path, taxonomy, jurisdictions);
}

}  // namespace privacyd
