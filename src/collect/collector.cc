#include "collect/collector.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/suggest.h"
#include "policy/jurisdictions.h"
#include "policy/period.h"
#include "registry/identity.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr std::string_view kEmailCategory = "user.contact.email";
constexpr std::string_view kPhoneCategory = "user.contact.phone_number";
constexpr std::string_view kCountryCategory = "user.contact.address.country";

FieldProblem Problem(std::string field, std::string code, std::string detail) {
  FieldProblem p;
  p.field = std::move(field);
  p.code = std::move(code);
  p.detail = std::move(detail);
  return p;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// The ISO 3166-1 alpha-2 code `text` names ("de", " DE "), or nullopt.
std::optional<std::string> CountryCode(std::string_view text) {
  std::string code = Trim(text);
  std::transform(code.begin(), code.end(), code.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!Jurisdictions::Default().IsKnownCountry(code)) return std::nullopt;
  return code;
}

// C0 controls (but tab and line breaks in free text), DEL and the C1 controls U+0080..U+009F.
// The text is valid UTF-8 (the shells check it).
bool HasControlCharacters(std::string_view text, bool free_text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20) {
      if (free_text && (c == '\t' || c == '\n' || c == '\r')) continue;
      return true;
    }
    if (c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      return true;
    }
  }
  return false;
}

// Characters (code points) of valid UTF-8 before byte offset `byte`.
size_t CharOffset(std::string_view text, size_t byte) {
  size_t chars = 0;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) ++chars;
  }
  return chars;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

const char* KindName(SubmittedValue::Kind kind) {
  switch (kind) {
    case SubmittedValue::Kind::kString:
      return "a string";
    case SubmittedValue::Kind::kNumber:
      return "a number";
    case SubmittedValue::Kind::kBool:
      return "a boolean";
    case SubmittedValue::Kind::kList:
      return "a list";
    case SubmittedValue::Kind::kOther:
      break;
  }
  return "an object";
}

// The single text of a value, or a problem saying it must be one string.
std::optional<std::string> TextOf(const std::string& name, const SubmittedValue& value,
                                  std::vector<FieldProblem>& problems) {
  if (value.kind == SubmittedValue::Kind::kString) return value.text;
  problems.push_back(Problem(name, "invalid_type",
                             "'" + name + "' must be one string, not " + KindName(value.kind)));
  return std::nullopt;
}

std::optional<bool> ParseYesNo(const SubmittedValue& value) {
  if (value.kind == SubmittedValue::Kind::kBool) return value.text == "true";
  if (value.kind != SubmittedValue::Kind::kString) return std::nullopt;
  std::string v = Trim(value.text);
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "true" || v == "on" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0") return false;
  return std::nullopt;
}

// Whole years between the UTC dates "YYYY-MM-DD" `birth` and `today`.
int AgeOn(const std::string& birth, const std::string& today) {
  int years = std::stoi(today.substr(0, 4)) - std::stoi(birth.substr(0, 4));
  if (today.substr(5) < birth.substr(5)) --years;
  return years;
}

const char* AgeSignalField(AgeSignal signal) {
  switch (signal) {
    case AgeSignal::kBirthDate:
      return kBirthDateField;
    case AgeSignal::kAge:
      return kAgeField;
    case AgeSignal::kAttestation:
      return kAgeConfirmedField;
    case AgeSignal::kNone:
      break;
  }
  return "";
}

// Reads the point's age signal; a problem when it is missing, malformed or below `minimum`.
void CheckAge(const CollectionPoint& point, int minimum, const Submission& submission, Micros now,
              std::vector<FieldProblem>& problems) {
  if (point.age_signal == AgeSignal::kNone) return;
  const std::string field = AgeSignalField(point.age_signal);
  const std::string minimum_text = std::to_string(minimum);
  auto it = submission.find(field);
  auto under = [&] {
    problems.push_back(Problem(field, "under_minimum_age",
                               "we accept no personal data from people under " + minimum_text));
  };
  if (it == submission.end()) {
    std::string what = point.age_signal == AgeSignal::kAttestation
                           ? "confirm that you are " + minimum_text + " or older"
                       : point.age_signal == AgeSignal::kAge ? "give your age"
                                                             : "give your date of birth";
    problems.push_back(Problem(field, "missing_required", what + " ('" + field + "')"));
    return;
  }
  const SubmittedValue& value = it->second;
  switch (point.age_signal) {
    case AgeSignal::kAttestation: {
      auto yes = ParseYesNo(value);
      if (!yes) {
        problems.push_back(Problem(field, "invalid_format",
                                   "'" + field +
                                       "' is true (or \"on\", as a checkbox sends it) "
                                       "when the person confirms being " +
                                       minimum_text + " or older"));
      } else if (!*yes) {
        under();
      }
      return;
    }
    case AgeSignal::kAge: {
      std::string text =
          value.kind == SubmittedValue::Kind::kNumber || value.kind == SubmittedValue::Kind::kString
              ? Trim(value.text)
              : std::string();
      bool digits =
          !text.empty() && text.size() <= 3 &&
          std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
      if (!digits || std::stoi(text) > 150) {
        problems.push_back(
            Problem(field, "invalid_format", "'" + field + "' is the age in whole years, e.g. 34"));
      } else if (std::stoi(text) < minimum) {
        under();
      }
      return;
    }
    case AgeSignal::kBirthDate: {
      std::string text = value.kind == SubmittedValue::Kind::kString ? Trim(value.text) : "";
      std::string today = FormatDate(now);
      if (!ParseDate(text).ok() || text > today || text < "1880-01-01") {
        problems.push_back(
            Problem(field, "invalid_format", "'" + field + "' is a past date written YYYY-MM-DD"));
      } else if (AgeOn(text, today) < minimum) {
        under();
      }
      return;
    }
    case AgeSignal::kNone:
      return;
  }
}

// What a finding is, in the words of the statement, for the person who sent it.
std::string InWords(guard::FindingType type) {
  using guard::FindingType;
  switch (type) {
    case FindingType::kCreditCard:
    case FindingType::kIban:
      return "a card or bank account number";
    case FindingType::kHealth:
      return "health information";
    case FindingType::kEthnic:
      return "racial or ethnic information";
    case FindingType::kPolitical:
      return "political opinions";
    case FindingType::kReligion:
      return "religious or philosophical beliefs";
    case FindingType::kTradeUnion:
      return "trade union membership";
    case FindingType::kSexualOrientation:
      return "information about sex life or sexual orientation";
    case FindingType::kGenetic:
      return "genetic data";
    case FindingType::kBiometric:
      return "biometric data";
    default:
      break;
  }
  return "a government-issued ID number";
}

// Replaces each finding's bytes by "[TYPE]", from the end so that offsets stay valid; findings
// that overlap an earlier one are covered by it.
std::string Redact(std::string text, const std::vector<guard::Finding>& findings) {
  std::vector<guard::Finding> kept;
  size_t covered = 0;
  for (const auto& f : findings) {  // in start order
    if (!kept.empty() && f.start < covered) {
      covered = std::max(covered, f.end);
      kept.back().end = std::max(kept.back().end, f.end);
      continue;
    }
    kept.push_back(f);
    covered = f.end;
  }
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    text.replace(it->start, it->end - it->start,
                 "[" + std::string(guard::FindingTypeName(it->type)) + "]");
  }
  return text;
}

}  // namespace

const char* CollectionDoorPath(CollectionDoor door) {
  switch (door) {
    case CollectionDoor::kPublic:
      return "/v1/collect";
    case CollectionDoor::kStaff:
      return "/v1/admin/collect";
    case CollectionDoor::kWebhook:
      return "/v1/webhooks/collect";
    case CollectionDoor::kImport:
      return "/v1/admin/imports?point=";
  }
  return "";
}

CollectionDoor DoorOf(Channel channel) {
  switch (channel) {
    case Channel::kWebForm:
    case Channel::kForum:
    case Channel::kCandidate:
    case Channel::kReferral:
      return CollectionDoor::kPublic;
    case Channel::kPhone:
    case Channel::kEvent:
      return CollectionDoor::kStaff;
    case Channel::kEmailResponse:
      return CollectionDoor::kWebhook;
    case Channel::kEnrichmentImport:
      return CollectionDoor::kImport;
  }
  return CollectionDoor::kPublic;
}

Result<CollectionOutcome> Collector::Collect(const std::string& point_id,
                                             const Submission& submission,
                                             const Submitter& submitter) {
  const std::shared_ptr<const Policy> policy = policy_.Current();
  auto found = policy->collection_points.find(point_id);
  if (found == policy->collection_points.end()) {
    std::vector<std::string> names;
    for (const auto& [name, _] : policy->collection_points) names.push_back(name);
    std::string hint;
    if (auto close = SuggestClosest(point_id, names)) hint = "; did you mean '" + *close + "'?";
    return Error(ErrorKind::kNotFound, "collection_point_not_found",
                 "the policy has no collection point '" + point_id + "'" + hint);
  }
  const CollectionPoint& point = found->second;
  const CollectionDoor door = DoorOf(point.channel);
  if (door != submitter.door) {
    std::string where =
        door == CollectionDoor::kImport
            ? std::string(
                  "it takes imports: privacyd import enrichment, or "
                  "POST /v1/admin/imports")
            : std::string("submissions to it go to ") + CollectionDoorPath(door) + "/" + point_id;
    return Error(ErrorKind::kNotFound, "collection_point_not_found",
                 "the collection point '" + point_id + "' is not served here: " + where);
  }
  if (submitter.door != CollectionDoor::kPublic) {
    const auto& roles = submitter.door == CollectionDoor::kStaff     ? CollectionStaffRoles()
                        : submitter.door == CollectionDoor::kWebhook ? CollectionWebhookRoles()
                                                                     : ImportRoles();
    if (submitter.principal == nullptr || !RoleIn(submitter.principal->role, roles)) {
      return Error(ErrorKind::kPermissionDenied, "forbidden",
                   "this role may not enter data at the collection point '" + point_id + "'");
    }
  }
  if (submission.size() > kMaxSubmittedFields) {
    return Error(ErrorKind::kInvalidArgument, "too_many_fields",
                 "a submission has at most " + std::to_string(kMaxSubmittedFields) + " fields");
  }

  const Micros now = clock_.Now();
  std::vector<FieldProblem> problems;
  const std::string age_field = AgeSignalField(point.age_signal);
  // Every submitted name must be declared by the point.
  for (const auto& [name, _] : submission) {
    bool declared = std::any_of(point.fields.begin(), point.fields.end(),
                                [&](const Field& f) { return f.name == name; });
    if (declared || name == age_field || (name == kTopicsField && !point.topics.empty())) continue;
    std::vector<std::string> names;
    for (const auto& f : point.fields) names.push_back(f.name);
    std::string detail = "this form does not collect '" + name + "'";
    if (auto close = SuggestClosest(name, names)) detail += "; did you mean '" + *close + "'?";
    problems.push_back(Problem(name, "undeclared_field", detail));
  }

  // The country of the form, if it has one, reads phone numbers written without a country code.
  std::string region = submitter.request_country;
  std::string form_country;
  for (const auto& field : point.fields) {
    auto it = submission.find(field.name);
    if (field.category != kCountryCategory || it == submission.end()) continue;
    if (it->second.kind != SubmittedValue::Kind::kString) continue;
    if (auto code = CountryCode(it->second.text)) region = form_country = *code;
  }
  // The regime the person is under: where they say they are, else where the request came from.
  const std::string& where = !form_country.empty()           ? form_country
                             : !submitter.ip_country.empty() ? submitter.ip_country
                                                             : submitter.request_country;

  Collected data;
  std::vector<StoredField> stored;
  json redactions = json::array();
  std::vector<std::string> identity_fields;
  for (const auto& field : point.fields) {
    if (!field.identity.empty()) identity_fields.push_back(field.name);
    auto it = submission.find(field.name);
    std::optional<std::string> text;
    if (it != submission.end()) text = TextOf(field.name, it->second, problems);
    if (it != submission.end() && !text) continue;
    std::string value = text ? Trim(*text) : std::string();
    if (value.empty()) {  // not sent, or sent empty: nothing to store
      if (field.required) {
        problems.push_back(
            Problem(field.name, "missing_required", "'" + field.name + "' is required"));
      }
      continue;
    }
    const size_t limit = field.free_text ? kMaxFreeTextBytes : kMaxFieldBytes;
    if (value.size() > limit) {
      problems.push_back(Problem(field.name, "too_long",
                                 "'" + field.name + "' is longer than " + std::to_string(limit) +
                                     " bytes of UTF-8; shorten it"));
      continue;
    }
    if (HasControlCharacters(value, field.free_text)) {
      problems.push_back(Problem(field.name, "control_characters",
                                 "'" + field.name + "' contains control characters" +
                                     (field.free_text ? " other than tabs and line breaks" : "")));
      continue;
    }
    bool redacted = false;
    if (field.category == kEmailCategory) {
      auto email = NormalizeIdentity("email", value);
      if (!email.ok()) {
        problems.push_back(Problem(field.name, "invalid_format", email.error().message()));
        continue;
      }
      value = *email;
    } else if (field.category == kPhoneCategory) {
      auto phone = NormalizeIdentity("phone", value, region);
      if (!phone.ok()) {
        problems.push_back(Problem(field.name, "invalid_format", phone.error().message()));
        continue;
      }
      value = *phone;
    } else if (field.category == kCountryCategory) {
      std::optional<std::string> code = CountryCode(value);
      if (!code) {
        problems.push_back(
            Problem(field.name, "invalid_format",
                    "'" + field.name + "' is a two-letter ISO 3166-1 country code, e.g. DE"));
        continue;
      }
      value = *code;
    } else if (field.free_text) {
      if (guard_ == nullptr) {
        return Error(ErrorKind::kUnavailable, "scanner_unavailable",
                     "this server was started without the sensitive-data guard, which free "
                     "text must pass; restart it");
      }
      std::vector<guard::Finding> findings = guard_->Scan(value, guard::TypeSet::Sensitive());
      if (!findings.empty()) {
        if (point.on_sensitive == FindingAction::kRefuse) {
          for (const auto& f : findings) {
            FieldProblem p =
                Problem(field.name, "sensitive_data",
                        "'" + field.name + "' seems to contain " + InWords(f.type) +
                            ", which we ask you not to send; remove it and send the form again");
            p.type = std::string(guard::FindingTypeName(f.type));
            p.category = std::string(guard::FindingTypeCategory(f.type));
            p.start = CharOffset(value, f.start);
            p.end = CharOffset(value, f.end);
            problems.push_back(std::move(p));
          }
          continue;
        }
        for (const auto& f : findings) {
          redactions.push_back({{"field", field.name},
                                {"type", std::string(guard::FindingTypeName(f.type))},
                                {"category", std::string(guard::FindingTypeCategory(f.type))}});
        }
        value = Redact(std::move(value), findings);
        redacted = true;
      }
    }
    if (point.channel == Channel::kReferral && field.identity.empty() &&
        field.category == kEmailCategory) {
      // A colleague's address: kept only until the one email to them has gone.
      data.referred_emails.push_back(value);
      continue;
    }
    if (!field.identity.empty()) data.identities.push_back({field.identity, value});
    data.attributes.emplace_back(field.name, value);
    stored.push_back({field.name, field.category, point.purposes, redacted});
  }
  bool identity_problem = std::any_of(problems.begin(), problems.end(), [&](const auto& p) {
    return std::find(identity_fields.begin(), identity_fields.end(), p.field) !=
           identity_fields.end();
  });
  if (data.identities.empty() && !identity_problem) {
    for (const auto& name : identity_fields) {
      problems.push_back(Problem(name, "missing_required",
                                 "give at least one of: " + Join(identity_fields, ", ")));
    }
  }

  CheckAge(point, point.minimum_age.value_or(policy->minimum_age), submission, now, problems);

  std::vector<std::string> topics;
  if (auto it = submission.find(kTopicsField); it != submission.end() && !point.topics.empty()) {
    const SubmittedValue& value = it->second;
    std::vector<std::string> ticked = value.kind == SubmittedValue::Kind::kList ? value.items
                                      : value.kind == SubmittedValue::Kind::kString
                                          ? std::vector<std::string>{value.text}
                                          : std::vector<std::string>{};
    if (value.kind != SubmittedValue::Kind::kList && value.kind != SubmittedValue::Kind::kString) {
      problems.push_back(Problem(kTopicsField, "invalid_type",
                                 "'topics' is a list of topic names, e.g. [\"newsletter\"]"));
    }
    for (const auto& topic : ticked) {
      if (std::find(point.topics.begin(), point.topics.end(), topic) == point.topics.end()) {
        problems.push_back(Problem(kTopicsField, "undeclared_topic",
                                   "this form offers the topics " + Join(point.topics, ", ")));
      } else if (std::find(topics.begin(), topics.end(), topic) == topics.end()) {
        topics.push_back(topic);
      }
    }
  }

  CollectionOutcome outcome;
  if (!problems.empty()) {
    outcome.problems = std::move(problems);
    return outcome;
  }

  CollectionReceipt receipt;
  receipt.id = NewId(random_, "rcp");
  receipt.point = point_id;
  receipt.channel = ChannelName(point.channel);
  receipt.statement_version = policy->version;
  receipt.received_at = now;
  receipt.stored = std::move(stored);
  receipt.topics = topics;
  receipt.flagged_for_review = !redactions.empty();

  std::string source = "direct";
  if (submitter.door == CollectionDoor::kStaff) source = "staff:" + submitter.principal->user_name;
  if (submitter.door == CollectionDoor::kImport) source = "enrichment:" + submitter.vendor;
  json provenance = {{"source", source},
                     {"point", point_id},
                     {"channel", receipt.channel},
                     {"collected_at", FormatRfc3339(now)},
                     {"statement_version", policy->version},
                     {"purposes", point.purposes},
                     {"receipt", receipt.id}};
  if (submitter.door == CollectionDoor::kWebhook) {
    provenance["via"] = "webhook:" + submitter.principal->user_name;
  }
  if (submitter.door == CollectionDoor::kImport) {
    provenance["import"] = submitter.import_id;
    provenance["by"] = submitter.principal->user_name;
    data.third_party = true;
    data.add_unknown = point.new_subjects;
  }
  if (point.public_facing) provenance["public_facing"] = true;
  if (point.age_signal != AgeSignal::kNone) {
    provenance["age_signal"] = age_field;  // which signal passed the gate, never its value
  }
  if (!topics.empty()) provenance["topics_requested"] = topics;
  if (!redactions.empty()) {
    provenance["review"] = true;
    provenance["redactions"] = redactions;
  }
  data.provenance = provenance.dump();
  data.point = point_id;
  receipt.referrals = data.referred_emails.size();
  json fields = json::array();
  for (const auto& s : receipt.stored) fields.push_back(s.field);
  data.audit_detail = {{"point", point_id},
                       {"channel", receipt.channel},
                       {"receipt", receipt.id},
                       {"fields", fields}};
  if (!submitter.import_id.empty()) data.audit_detail["import"] = submitter.import_id;
  if (!redactions.empty()) data.audit_detail["review"] = true;

  data.regime = where.empty() ? "" : Jurisdictions::Default().RegimeFor(where).id;
  if (consent_ != nullptr && (!topics.empty() || submitter.gpc)) {
    ConsentSource source;
    source.method =
        submitter.door == CollectionDoor::kStaff
            ? (point.channel == Channel::kPhone ? kMethodStaffPhone : kMethodStaffLetter)
            : kMethodCollectionForm;
    source.language = submitter.language;
    source.country = submitter.ip_country;
    source.user_agent = submitter.user_agent;
    source.request_id = submitter.request_id;
    if (submitter.principal != nullptr) source.actor = submitter.principal->user_name;
    source.evidence = {{"point", point_id}, {"receipt", receipt.id}};
    data.also = [this, &topics, &submitter, source](Tx& tx, const CollectedInto& into) -> Status {
      PD_RETURN_IF_ERROR(consent_->TopicsFromForm(tx, into.subject_id, topics, source));
      if (!submitter.gpc) return Ok();
      PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(into.subject_id));
      return subject ? consent_->RecordGpc(tx, *subject, source) : Ok();
    };
  }

  AccessContext ctx;
  if (submitter.principal != nullptr) ctx.principal = *submitter.principal;
  ctx.purpose = Join(point.purposes, ",");
  ctx.request_id = submitter.request_id;
  PD_ASSIGN_OR_RETURN(CollectedInto into, registry_.Collect(ctx, data));
  if (!into.skipped.empty()) {
    outcome.skipped = into.skipped;
    return outcome;
  }
  receipt.subject_id = into.subject_id;
  receipt.new_subject = into.created;
  outcome.receipt = std::move(receipt);
  return outcome;
}

}  // namespace privacyd
