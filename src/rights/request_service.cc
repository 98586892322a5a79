#include "rights/request_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "consent/consent_ledger.h"
#include "core/prometheus_text.h"
#include "crypto/sealing.h"
#include "crypto/secret.h"
#include "policy/period.h"
#include "registry/identity.h"
#include "rights/access_package.h"
#include "rights/erasure.h"
#include "rights/package_transfer.h"
#include "rights/request_deadline.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr char kRequestKeyPurpose[] = "request";
constexpr size_t kMaxReasonBytes = 2000;
constexpr size_t kMaxDocumentBytes = 5 * 1024 * 1024;

bool HasRole(const Principal& principal, const std::vector<std::string>& roles) {
  return std::find(roles.begin(), roles.end(), principal.role) != roles.end();
}

Error Forbidden() {
  return Error(ErrorKind::kPermissionDenied, "forbidden",
               "your role may not do this; ask a privacy officer");
}

Error RequestNotFound() {
  return Error(ErrorKind::kNotFound, "request_not_found",
               "no such request, or this token does not open it");
}

Error Illegal(const std::string& from, const std::string& action) {
  return Error(ErrorKind::kFailedPrecondition, "illegal_transition",
               "a request in state " + from + " does not allow '" + action +
                   "'; see the states in docs/rights.md");
}

bool IsClosed(const std::string& state) { return !IsOpenRequestState(state); }

// Why a code was sent, in the person's language (the one_time_code template's purpose_text).
std::string CodePurposeText(const std::string& language, const std::string& id) {
  if (language == "de") return "Bestätigung Ihrer Datenschutzanfrage " + id;
  if (language == "fr") return "confirmation de votre demande relative à vos données " + id;
  return "confirming your data protection request " + id;
}

std::string RequestContext(const RequestRecord& r, const std::string& what) {
  return "request:" + r.id + ":" + what;
}

// The tenant whose end users the address belongs to (its domain, or a subdomain of it).
const Tenant* TenantOf(const Policy& policy, const std::string& normalized_email) {
  size_t at = normalized_email.rfind('@');
  if (at == std::string::npos) return nullptr;
  const std::string domain = normalized_email.substr(at + 1);
  for (const auto& tenant : policy.tenants) {
    for (const auto& d : tenant.email_domains) {
      std::string want = d;
      std::transform(want.begin(), want.end(), want.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (domain == want || (domain.size() > want.size() + 1 &&
                             domain.compare(domain.size() - want.size(), want.size(), want) == 0 &&
                             domain[domain.size() - want.size() - 1] == '.')) {
        return &tenant;
      }
    }
  }
  return nullptr;
}

std::vector<ComplaintRouteView> ComplaintRoutesFor(const Policy& policy, const std::string& regime,
                                                   const std::string& language) {
  std::vector<ComplaintRouteView> out;
  for (const auto& route : policy.complaint_routes) {
    if (!route.regimes.empty() &&
        std::find(route.regimes.begin(), route.regimes.end(), regime) == route.regimes.end()) {
      continue;
    }
    out.push_back(
        {route.id, TextIn(route.name, language, policy), route.url, route.dpf_dispute_resolution});
  }
  return out;
}

bool NeedsConfirmation(const RequestRecord& r, const RequestSettings& settings) {
  return std::any_of(r.rights.begin(), r.rights.end(), [&](const std::string& right) {
    return settings.confirm_rights.count(right);
  });
}

bool NeedsApproval(const RequestRecord& r, const RequestSettings& settings) {
  return std::any_of(r.rights.begin(), r.rights.end(), [&](const std::string& right) {
    return settings.approval_rights.count(right);
  });
}

// What each staff action moves from, and to.
const std::map<std::string, std::pair<std::vector<std::string>, std::string>>& Moves() {
  static const std::map<std::string, std::pair<std::vector<std::string>, std::string>> kMoves = {
      {"start", {{"verified"}, "in_progress"}},
      {"request_approval", {{"in_progress"}, "awaiting_approval"}},
      {"approve", {{"awaiting_approval"}, "completed"}},
      {"complete", {{"in_progress"}, "completed"}},
      {"partially_complete", {{"in_progress", "awaiting_approval"}, "partially_completed"}},
      {"refuse", {{"verified", "in_progress", "awaiting_approval"}, "refused"}},
      {"withdraw",
       {{"received", "awaiting_verification", "verified", "in_progress", "awaiting_approval"},
        "withdrawn"}},
  };
  return kMoves;
}

// The rights privacyd carries out itself when a request is completed.
bool IsAutomaticRight(const std::string& right) {
  return right == "access" || right == "portability" || right == "erasure" ||
         right == "restriction" || right == "objection" || right == "withdraw_consent";
}

bool Names(const RequestRecord& r, const char* right) {
  return std::find(r.rights.begin(), r.rights.end(), right) != r.rights.end();
}

Error DownloadNotAvailable() {
  return Error(ErrorKind::kNotFound, "download_not_available",
               "this request has no download: it is not completed yet, or produced no package");
}

Error DownloadExpired() {
  return Error(ErrorKind::kFailedPrecondition, "download_expired",
               "the download window of this request has closed and its package was deleted; "
               "make a new access request to receive your data again");
}

// What an erasure kept, for the audit trail and the evidence: names, categories and
// exemptions only, never a value (a legal hold's reason is staff's text and stays out).
json KeptJson(const std::vector<KeptValue>& kept) {
  json out = json::array();
  for (const auto& k : kept) {
    json item = {{"field", k.field},
                 {"identity", k.identity},
                 {"category", k.category},
                 {"exemption", k.exemption}};
    if (k.until) item["until"] = FormatRfc3339(*k.until);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& RequestStaffRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

const std::vector<std::string>& RequestDecisionRoles() {
  static const std::vector<std::string> kRoles = {"privacy_officer"};
  return kRoles;
}

RequestService::RequestService(Store& store, SubjectRegistry& registry,
                               std::shared_ptr<const Keyring> keyring, PolicyHolder& policy,
                               const Jurisdictions& jurisdictions, const AuditLog& audit,
                               const OneTimeCodes& codes, const Clock& clock, Random& random,
                               RequestSettings settings)
    : store_(store),
      registry_(registry),
      keyring_(std::move(keyring)),
      policy_(policy),
      jurisdictions_(jurisdictions),
      audit_(audit),
      codes_(codes),
      clock_(clock),
      random_(random),
      settings_(std::move(settings)) {}

Result<std::string> RequestService::Seal(const RequestRecord& record, const std::string& plaintext,
                                         const std::string& context) const {
  PD_ASSIGN_OR_RETURN(SecretBytes key, keyring_->Unwrap(kRequestKeyPurpose, record.id,
                                                        record.master_key_id, record.wrapped_key));
  return ::privacyd::Seal(key, plaintext, RequestContext(record, context), random_);
}

Result<std::string> RequestService::OpenSealed(const RequestRecord& record,
                                               const std::string& sealed,
                                               const std::string& context) const {
  if (sealed.empty()) return std::string();
  PD_ASSIGN_OR_RETURN(SecretBytes key, keyring_->Unwrap(kRequestKeyPurpose, record.id,
                                                        record.master_key_id, record.wrapped_key));
  return Open(key, sealed, RequestContext(record, context));
}

Result<RequestRecord> RequestService::Load(Tx& tx, const std::string& id) const {
  PD_ASSIGN_OR_RETURN(auto record, tx.GetRequest(id));
  if (!record) return RequestNotFound();
  return std::move(*record);
}

Result<RequestView> RequestService::ViewOf(const RequestRecord& r, const Policy& policy) const {
  RequestView v;
  v.id = r.id;
  v.rights = r.rights;
  v.state = r.state;
  v.channel = r.channel;
  v.regime = r.regime;
  v.language = r.language;
  v.route = r.route;
  v.outcome = r.outcome;
  v.agent = r.agent;
  v.has_document = !r.sealed_document.empty();
  v.needs_confirmation = (r.state == "in_progress" || r.state == "awaiting_approval") &&
                         NeedsConfirmation(r, settings_) && !r.confirmed_at;
  v.received_at = r.received_at;
  v.original_due_at = r.original_due_at;
  v.due_at = r.due_at;
  v.max_due_at = r.max_due_at;
  v.extended = r.extended_at.has_value();
  v.verified_at = r.verified_at;
  v.closed_at = r.closed_at;
  if (std::find(r.rights.begin(), r.rights.end(), "complaint") != r.rights.end()) {
    v.complaint_routes = ComplaintRoutesFor(policy, r.regime, r.language);
  }
  if (!r.sealed_transfer.empty()) {
    PD_ASSIGN_OR_RETURN(std::string url, OpenSealed(r, r.sealed_transfer, "transfer"));
    PD_ASSIGN_OR_RETURN(v.transfer_host, CheckTransferUrl(url));
  }
  return v;
}

Status RequestService::Move(Tx& tx, RequestRecord& r, const std::string& to,
                            const std::string& action, const std::string& actor,
                            const std::string& role, const std::string& reason,
                            const std::string& http_request_id) const {
  const Micros now = clock_.Now();
  const std::string from = r.state;
  RequestEventRecord event;
  event.request_id = r.id;
  event.at = now;
  event.actor = actor;
  event.from_state = from;
  event.to_state = to;
  event.action = action;
  if (!reason.empty()) {
    PD_ASSIGN_OR_RETURN(event.sealed_reason, Seal(r, reason, "event"));
  }
  r.state = to;
  r.updated_at = now;
  if (IsClosed(to) && !r.closed_at) r.closed_at = now;
  PD_RETURN_IF_ERROR(tx.UpdateRequest(r));
  PD_RETURN_IF_ERROR(StatusOf(tx.AppendRequestEvent(event)));
  json detail = {{"from", from}, {"to", to}, {"rights", r.rights}, {"channel", r.channel}};
  if (!r.outcome.empty()) detail["outcome"] = r.outcome;
  if (!r.route.empty()) detail["route"] = r.route;
  return StatusOf(audit_.Append(tx, {actor, role, "request." + action, "request:" + r.id, "rights",
                                     http_request_id, detail.dump()}));
}

Status RequestService::QueueMail(Tx& tx, const RequestRecord& r, const std::string& to,
                                 const std::string& template_name, const json& vars) const {
  const Micros now = clock_.Now();
  const std::string message_id = NewId(random_, "rqm");
  PD_ASSIGN_OR_RETURN(std::string sealed, Seal(r, vars.dump(), "mail:" + message_id));
  JobRecord job;
  job.kind = kRequestMailJob;
  job.payload = json{{"message_id", message_id},  {"request", r.id},        {"to", to},
                     {"template", template_name}, {"language", r.language}, {"vars", ToHex(sealed)}}
                    .dump();
  // Keyed by the request, so that its evidence finds the mail not sent yet (or never).
  job.dedupe_key = RequestMailKeyPrefix(r.id) + message_id;
  job.run_at = now;
  job.created_at = now;
  job.updated_at = now;
  return StatusOf(tx.EnqueueJob(job));
}

Status RequestService::SendCode(Tx& tx, const RequestRecord& r) const {
  PD_ASSIGN_OR_RETURN(IssuedCode issued,
                      codes_.Issue(tx, kRequestCodePurpose, r.blind_index, r.subject_id));
  std::string link;
  if (links_ != nullptr) {
    link = public_url_ + "/r/" +
           links_->Sign({LinkPurpose::kRequest, r.id, "", issued.code, issued.expires_at});
  }
  return QueueMail(tx, r, "requester", "one_time_code",
                   {{"code", issued.code},
                    {"minutes", codes_.rules().validity / (60 * kMicrosPerSecond)},
                    {"purpose_text", CodePurposeText(r.language, r.id)},
                    {"confirm_url", link}});
}

Result<std::vector<RequestIdentityView>> RequestService::IdentityViews(
    const RequestRecord& r, const std::vector<RequestIdentityRecord>& rows, bool open) const {
  std::vector<RequestIdentityView> out;
  for (const auto& row : rows) {
    RequestIdentityView v;
    v.kind = row.kind;
    v.attested = row.attested_at.has_value();
    v.attested_at = row.attested_at;
    v.attested_by = row.attested_by;
    if (open) {
      PD_ASSIGN_OR_RETURN(v.value, OpenSealed(r, row.sealed_value, "identity:" + row.kind));
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<RequestView> RequestService::Submit(const NewRequest& in, const Principal* staff,
                                           const std::string& http_request_id, std::string* field) {
  if (staff != nullptr && !HasRole(*staff, RequestStaffRoles())) return Forbidden();
  std::shared_ptr<const Policy> policy = policy_.Current();
  auto invalid = [](const std::string& code, const std::string& message) {
    return Error(ErrorKind::kInvalidArgument, code, message);
  };
  // Rights.
  if (in.rights.empty()) {
    return invalid("rights_required", "name at least one right, e.g. [\"access\"]");
  }
  std::set<std::string> seen;
  for (const auto& right : in.rights) {
    bool known = false;
    for (Right r :
         {Right::kAccess, Right::kRectification, Right::kErasure, Right::kPortability,
          Right::kRestriction, Right::kObjection, Right::kWithdrawConsent, Right::kComplaint}) {
      if (right == RightName(r)) {
        known = true;
        if (std::find(policy->rights.rights.begin(), policy->rights.rights.end(), r) ==
            policy->rights.rights.end()) {
          return invalid("right_not_offered",
                         "the right '" + right + "' is not offered by this statement");
        }
      }
    }
    if (!known) {
      return invalid("unknown_right",
                     "unknown right '" + right.substr(0, 40) +
                         "'; use access, rectification, erasure, portability, restriction, "
                         "objection, withdraw_consent or complaint");
    }
    if (!seen.insert(right).second) {
      return invalid("duplicate_right", "the right '" + right + "' is named twice");
    }
  }
  if (seen.count("complaint") && seen.size() > 1) {
    return invalid("complaint_with_other_rights",
                   "a complaint is a request of its own; send the other rights separately");
  }
  if (!in.transfer_url.empty()) {
    if (!seen.count("portability")) {
      return invalid("transfer_url_not_expected",
                     "transfer_url is for portability requests: add the right 'portability'");
    }
    PD_RETURN_IF_ERROR(StatusOf(CheckTransferUrl(in.transfer_url)));
  }
  // Identities: the email, then the others the policy takes.
  auto about = [&](const std::string& member, Error error) {
    if (field != nullptr) *field = member;
    return error;
  };
  Result<std::string> email = NormalizeIdentity("email", in.email);
  if (!email.ok()) return about("email", email.error());
  const std::string normalized = *email;
  PD_ASSIGN_OR_RETURN(std::string index, registry_.IdentityIndex({"email", normalized}));
  if (!in.country.empty() && !jurisdictions_.IsKnownCountry(
                                 in.country.substr(0, std::min<size_t>(2, in.country.size())))) {
    return invalid("invalid_country", "country must be an ISO 3166-1 code such as \"DE\"");
  }
  // A phone number without its country code is read in the request's country.
  std::string region = in.country.substr(0, std::min<size_t>(2, in.country.size()));
  std::transform(region.begin(), region.end(), region.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  struct OtherIdentity {
    std::string kind;
    std::string normalized;
    std::string index;
  };
  std::vector<OtherIdentity> others;
  for (const auto& [kind, value] : in.identities) {
    const std::string member = "identities." + kind.substr(0, 40);
    if (kind != "phone" && kind != "customer_id") {
      return about(member, invalid("unknown_identity_kind",
                                   "identities may be a phone or a customer_id; the email "
                                   "address goes in 'email'"));
    }
    const auto& allowed = policy->rights.identities;
    if (std::find(allowed.begin(), allowed.end(), kind) == allowed.end()) {
      std::string all;
      for (const auto& k : allowed) all += (all.empty() ? "" : ", ") + k;
      return about(member, invalid("identity_not_allowed",
                                   "this statement takes no " + kind +
                                       " on a request; the identities it takes are: " + all));
    }
    Result<std::string> value_normalized = NormalizeIdentity(kind, value, region);
    if (!value_normalized.ok()) {
      return about(member, value_normalized.error().WithContext(member));
    }
    PD_ASSIGN_OR_RETURN(std::string other_index,
                        registry_.IdentityIndex({kind, *value_normalized}));
    others.push_back({kind, *value_normalized, std::move(other_index)});
  }
  // Regime, language, channel, date of receipt.
  const Regime& regime = jurisdictions_.RegimeFor(in.country);
  // "de-AT" and "DE" mean German: the primary subtag, lower-cased.
  std::string language = in.language.substr(0, in.language.find('-'));
  std::transform(language.begin(), language.end(), language.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (language.empty()) language = policy->languages.front();
  if (std::find(policy->languages.begin(), policy->languages.end(), language) ==
      policy->languages.end()) {
    std::string all;
    for (const auto& l : policy->languages) all += (all.empty() ? "" : ", ") + l;
    return invalid("unsupported_language", "language must be one of " + all);
  }
  const Micros now = clock_.Now();
  std::string channel = staff == nullptr ? "portal" : in.channel;
  if (staff != nullptr && std::find(policy->rights.intake.begin(), policy->rights.intake.end(),
                                    channel) == policy->rights.intake.end()) {
    std::string all;
    for (const auto& c : policy->rights.intake) all += (all.empty() ? "" : ", ") + c;
    return invalid("channel_not_offered", "channel must be one of the policy's intake: " + all);
  }
  Micros received = now;
  if (staff != nullptr && in.received_at) {
    if (*in.received_at > now) {
      return invalid("invalid_received_at", "the date of receipt cannot be in the future");
    }
    received = *in.received_at;
  }
  if (in.agent && in.document.empty()) {
    return invalid("document_required",
                   "an authorised agent's request needs the authorisation document");
  }
  if (!in.agent && !in.document.empty()) {
    return invalid("document_not_expected", "only an authorised agent's request has a document");
  }
  if (in.document.size() > kMaxDocumentBytes) {
    return invalid("document_too_large", "the authorisation document may have at most 5 MiB");
  }
  const RequestDeadline deadline = DeadlineFor(*policy, regime, received);

  RequestRecord r;
  r.id = NewId(random_, "req");
  r.rights = in.rights;
  r.state = "received";
  r.channel = channel;
  r.regime = regime.id;
  r.language = language;
  r.identity_kind = "email";
  r.blind_index = index;
  r.agent = in.agent;
  r.master_key_id = keyring_->wrapping_key_id();
  r.wrapped_key = keyring_->Wrap(kRequestKeyPurpose, r.id, NewSymmetricKey(random_), random_);
  r.received_at = received;
  r.original_due_at = deadline.due_at;
  r.due_at = deadline.due_at;
  r.max_due_at = deadline.max_due_at;
  r.created_at = now;
  r.updated_at = now;
  PD_ASSIGN_OR_RETURN(r.sealed_contact, Seal(r, normalized, "contact"));
  if (!in.document.empty()) {
    PD_ASSIGN_OR_RETURN(r.sealed_document, Seal(r, in.document, "document"));
  }
  if (!in.transfer_url.empty()) {
    PD_ASSIGN_OR_RETURN(r.sealed_transfer, Seal(r, in.transfer_url, "transfer"));
  }
  const std::string actor = staff == nullptr ? "subject" : staff->user_name;
  const std::string role = staff == nullptr ? "" : staff->role;
  std::vector<RequestIdentityRecord> identity_rows;
  for (const auto& other : others) {
    RequestIdentityRecord row;
    row.request_id = r.id;
    row.kind = other.kind;
    row.blind_index = other.index;
    PD_ASSIGN_OR_RETURN(row.sealed_value, Seal(r, other.normalized, "identity:" + other.kind));
    if (staff != nullptr && in.attested) {
      row.attested_at = now;
      row.attested_by = staff->user_name;
    }
    identity_rows.push_back(std::move(row));
  }

  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    if (staff != nullptr) {
      // Staff are authenticated: they learn of an open request of the same person, found by
      // any identity this one names.
      std::vector<std::pair<std::string, std::string>> mine = {{"email", index}};
      for (const auto& other : others) mine.emplace_back(other.kind, other.index);
      for (const auto& [kind, blind_index] : mine) {
        PD_ASSIGN_OR_RETURN(auto open, tx.ListOpenRequestsOf(kind, blind_index));
        for (const auto& other : open) {
          for (const auto& right : other.rights) {
            if (seen.count(right)) {
              return Error(ErrorKind::kAlreadyExists, "duplicate_request",
                           "request " + other.id + " of this person (the same " + kind + ") for '" +
                               right + "' is still open; work on that one");
            }
          }
        }
      }
    }
    PD_ASSIGN_OR_RETURN(auto subject, registry_.FindSubject(tx, {"email", normalized}));
    if (subject && !subject->erased_at) r.subject_id = subject->id;
    PD_RETURN_IF_ERROR(tx.InsertRequest(r));
    for (const auto& row : identity_rows) PD_RETURN_IF_ERROR(tx.PutRequestIdentity(row));
    RequestEventRecord first{0, r.id, now, actor, "", "received", "intake", ""};
    PD_RETURN_IF_ERROR(StatusOf(tx.AppendRequestEvent(first)));
    json detail = {
        {"rights", r.rights}, {"channel", r.channel}, {"regime", r.regime}, {"agent", r.agent}};
    if (!others.empty()) {
      json kinds = json::array();
      for (const auto& other : others) kinds.push_back(other.kind);
      detail["identities"] = kinds;
      detail["attested"] = staff != nullptr && in.attested;
    }
    PD_RETURN_IF_ERROR(StatusOf(audit_.Append(tx, {actor, role, "request.intake", "request:" + r.id,
                                                   "rights", http_request_id, detail.dump()})));
    if (staff != nullptr && in.attested) {
      r.verified_at = now;
      PD_RETURN_IF_ERROR(Move(tx, r, "verified", "verify", actor, role, "identity checked by staff",
                              http_request_id));
      return RouteAfterVerification(tx, r, *policy);
    }
    if (!policy->rights.identity_verification) {
      r.verified_at = now;
      PD_RETURN_IF_ERROR(Move(tx, r, "verified", "verify", "system", "", "", http_request_id));
      return RouteAfterVerification(tx, r, *policy);
    }
    PD_RETURN_IF_ERROR(
        Move(tx, r, "awaiting_verification", "send_code", "system", "", "", http_request_id));
    PD_RETURN_IF_ERROR(SendCode(tx, r));
    JobRecord purge;
    purge.kind = kRequestPurgeJob;
    purge.payload = json{{"request", r.id}}.dump();
    purge.dedupe_key = std::string(kRequestPurgeJob) + ":" + r.id;
    purge.run_at = now + settings_.unverified_ttl;
    purge.created_at = now;
    purge.updated_at = now;
    return StatusOf(tx.EnqueueJob(purge));
  }));
  PD_ASSIGN_OR_RETURN(RequestView view, ViewOf(r, *policy));
  PD_ASSIGN_OR_RETURN(view.identities, IdentityViews(r, identity_rows, /*open=*/false));
  return view;
}

Status RequestService::RouteAfterVerification(Tx& tx, RequestRecord& r,
                                              const Policy& policy) const {
  PD_ASSIGN_OR_RETURN(std::string email, OpenSealed(r, r.sealed_contact, "contact"));
  if (const Tenant* tenant = TenantOf(policy, email)) {
    // We process this person's data for the tenant, who is the controller: the request goes to
    // them, and we tell the person so (GDPR Art. 28(3)(e)).
    r.route = "tenant:" + tenant->id;
    r.outcome = "routed_to_controller";
    PD_RETURN_IF_ERROR(QueueMail(tx, r, "tenant:" + tenant->id, "request_tenant_routed",
                                 {{"request_id", r.id},
                                  {"rights", r.rights},
                                  {"email", email},
                                  {"tenant_name", tenant->name},
                                  {"received_date", FormatDate(r.received_at)}}));
    auto text = policy.texts.find("end_user_data");
    PD_RETURN_IF_ERROR(QueueMail(
        tx, r, "requester", "request_processor_notice",
        {{"request_id", r.id},
         {"tenant_name", tenant->name},
         {"end_user_text",
          text == policy.texts.end() ? std::string() : TextIn(text->second, r.language, policy)}}));
    return Move(tx, r, "completed", "route_to_controller", "system", "", "", "");
  }
  if (std::find(r.rights.begin(), r.rights.end(), "complaint") != r.rights.end()) {
    r.route = "dpo";
    PD_RETURN_IF_ERROR(QueueMail(tx, r, "dpo", "request_complaint_dpo",
                                 {{"request_id", r.id},
                                  {"regime", r.regime},
                                  {"email", email},
                                  {"received_date", FormatDate(r.received_at)},
                                  {"due_date", FormatDate(r.due_at)}}));
    std::vector<std::string> routes;
    for (const auto& route : ComplaintRoutesFor(policy, r.regime, r.language)) {
      routes.push_back(route.name + ": " + route.url);
    }
    PD_RETURN_IF_ERROR(
        QueueMail(tx, r, "requester", "request_complaint_received",
                  {{"request_id", r.id}, {"routes", routes}, {"due_date", FormatDate(r.due_at)}}));
    r.updated_at = clock_.Now();
    PD_RETURN_IF_ERROR(tx.UpdateRequest(r));
  }
  return Ok();
}

Status RequestService::ResendCode(const std::string& id) {
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto record, tx.GetRequest(id));
    if (!record || IsClosed(record->state)) return Ok();
    return SendCode(tx, *record);
  });
}

Result<LinkClaims> RequestService::RequestLinkClaims(std::string_view token) const {
  if (links_ == nullptr) {
    return Error(ErrorKind::kInvalidArgument, "invalid_link", "this link is not valid");
  }
  PD_ASSIGN_OR_RETURN(LinkClaims claims, links_->Verify(token, clock_.Now()));
  if (claims.purpose != LinkPurpose::kRequest) {
    return Error(ErrorKind::kInvalidArgument, "invalid_link", "this link is not valid");
  }
  return claims;
}

Result<VerifiedRequest> RequestService::VerifyByLink(std::string_view token) {
  PD_ASSIGN_OR_RETURN(LinkClaims claims, RequestLinkClaims(token));
  return Verify(claims.subject_id, claims.message_id);
}

Result<RequestView> RequestService::LinkedRequest(std::string_view token) const {
  PD_ASSIGN_OR_RETURN(LinkClaims claims, RequestLinkClaims(token));
  std::shared_ptr<const Policy> policy = policy_.Current();
  PD_ASSIGN_OR_RETURN(auto found, ReadValue<std::optional<RequestRecord>>(store_, [&](Tx& tx) {
                        return tx.GetRequest(claims.subject_id);
                      }));
  if (!found || IsClosed(found->state)) {
    return Error(ErrorKind::kNotFound, "request_not_found", "no open request has this link");
  }
  return ViewOf(*found, *policy);
}

Result<VerifiedRequest> RequestService::Verify(const std::string& id, const std::string& code,
                                               std::string* duplicate_of) {
  std::shared_ptr<const Policy> policy = policy_.Current();
  const CodeCheck unknown{false, "", "invalid_code", 0};
  std::optional<CodeCheck> failed;
  std::optional<Error> duplicate;
  VerifiedRequest out;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto found, tx.GetRequest(id));
    if (!found || IsClosed(found->state)) {
      failed = unknown;
      return Ok();
    }
    RequestRecord r = std::move(*found);
    PD_ASSIGN_OR_RETURN(CodeCheck check,
                        codes_.Verify(tx, kRequestCodePurpose, r.blind_index, code));
    if (!check.ok) {
      failed = check;
      return Ok();  // the attempt is counted: commit it
    }
    const Micros now = clock_.Now();
    uint8_t secret[32];
    random_.Fill(secret);
    out.token = "rqt_" + ToHex(std::string_view(reinterpret_cast<char*>(secret), sizeof secret));
    r.token_hash = Sha256(out.token);
    r.updated_at = now;
    if (r.state == "awaiting_verification" || r.state == "received") {
      PD_ASSIGN_OR_RETURN(auto open, tx.ListOpenRequestsOf(r.identity_kind, r.blind_index));
      for (const auto& other : open) {
        if (other.id == r.id || !other.verified_at) continue;
        for (const auto& right : other.rights) {
          if (std::find(r.rights.begin(), r.rights.end(), right) == r.rights.end()) continue;
          // The caller proved they hold the address: they may learn of their own request.
          if (duplicate_of != nullptr) *duplicate_of = other.id;
          duplicate = Error(ErrorKind::kAlreadyExists, "duplicate_request",
                            "you already have an open request for '" + right + "' (" + other.id +
                                "); this one is withdrawn");
          r.outcome = "duplicate";
          r.token_hash.clear();
          return Move(tx, r, "withdrawn", "withdraw_duplicate", "system", "", "", "");
        }
      }
      r.verified_at = now;
      PD_RETURN_IF_ERROR(Move(tx, r, "verified", "verify", "subject", "", "", ""));
      PD_RETURN_IF_ERROR(RouteAfterVerification(tx, r, *policy));
    } else {
      if ((r.state == "in_progress" || r.state == "awaiting_approval") && !r.confirmed_at) {
        r.confirmed_at = now;
        PD_RETURN_IF_ERROR(tx.UpdateRequest(r));
        PD_RETURN_IF_ERROR(StatusOf(
            tx.AppendRequestEvent({0, r.id, now, "subject", r.state, r.state, "confirm", ""})));
      } else {
        PD_RETURN_IF_ERROR(tx.UpdateRequest(r));
      }
      PD_RETURN_IF_ERROR(StatusOf(audit_.Append(
          tx, {"subject", "", "request.token", "request:" + r.id, "rights", "", ""})));
    }
    PD_ASSIGN_OR_RETURN(out.request, ViewOf(r, *policy));
    return Ok();
  }));
  if (failed) return failed->ToError();
  if (duplicate) return *duplicate;
  return out;
}

Result<RequestView> RequestService::ForToken(const std::string& id,
                                             const std::string& token) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  std::optional<RequestRecord> record;
  std::optional<RequestPackageRecord> package;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(record, tx.GetRequest(id));
    if (record) {
      PD_ASSIGN_OR_RETURN(package, tx.GetRequestPackage(id));
    }
    return Ok();
  }));
  // Hash and compare in constant time whether or not the id exists, and answer every failure
  // alike, so that neither the answer nor its timing tells a known id from an unknown one.
  static const std::string kNoHash(32, '\0');
  const std::string& stored =
      record && record->token_hash.size() == kNoHash.size() ? record->token_hash : kNoHash;
  const bool match = ConstantTimeEquals(Sha256(token), stored);
  if (!record || record->token_hash.empty() || token.empty() || !match) {
    return RequestNotFound();
  }
  PD_ASSIGN_OR_RETURN(RequestView view, ViewOf(*record, *policy));
  if (package && package->expires_at > clock_.Now()) view.download_until = package->expires_at;
  return view;
}

Result<std::string> RequestService::Download(const std::string& id, const std::string& token) {
  PD_RETURN_IF_ERROR(StatusOf(ForToken(id, token)));
  const Micros now = clock_.Now();
  std::optional<RequestRecord> record;
  std::optional<RequestPackageRecord> package;
  bool expired = false;
  bool packed = false;  // the timeline says a package was made
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(record, tx.GetRequest(id));
    PD_ASSIGN_OR_RETURN(package, tx.GetRequestPackage(id));
    if (!record) return Ok();
    // A package stored by a completion that then failed waits for the request to close.
    if (record->state != "completed" && record->state != "partially_completed") {
      package.reset();
      return Ok();
    }
    if (package && now >= package->expires_at) {
      // Past its window the package goes now, whether or not the purge job ran yet.
      expired = true;
      PD_RETURN_IF_ERROR(StatusOf(tx.DeleteRequestPackage(id)));
      return StatusOf(audit_.Append(tx, {"system", "", "request.package_purged", "request:" + id,
                                         "rights", "", json{{"expired", true}}.dump()}));
    }
    if (!package) {
      PD_ASSIGN_OR_RETURN(auto events, tx.ListRequestEvents(id));
      packed = std::any_of(events.begin(), events.end(),
                           [](const RequestEventRecord& e) { return e.action == "package"; });
      return Ok();
    }
    return StatusOf(audit_.Append(tx, {"subject", "", "request.download", "request:" + id, "rights",
                                       "", json{{"bytes", package->sealed.size()}}.dump()}));
  }));
  if (!record) return RequestNotFound();
  // A package purged after its window leaves the "package" step in the timeline.
  if (expired || (!package && packed)) return DownloadExpired();
  if (!package) return DownloadNotAvailable();
  return OpenSealed(*record, package->sealed, "package");
}

Status RequestService::PurgePackageIfExpired(const std::string& id) {
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto package, tx.GetRequestPackage(id));
    if (!package || clock_.Now() < package->expires_at) return Ok();
    PD_RETURN_IF_ERROR(StatusOf(tx.DeleteRequestPackage(id)));
    return StatusOf(audit_.Append(tx, {"system", "", "request.package_purged", "request:" + id,
                                       "rights", "", json{{"expired", true}}.dump()}));
  });
}

Status RequestService::Transfer(const std::string& id, PackageTransport& transport,
                                bool last_attempt) {
  RequestRecord r;
  std::optional<RequestPackageRecord> package;
  bool delivered = false;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto found, tx.GetRequest(id));
    if (!found) return Ok();
    r = *found;
    PD_ASSIGN_OR_RETURN(package, tx.GetRequestPackage(id));
    PD_ASSIGN_OR_RETURN(auto events, tx.ListRequestEvents(id));
    delivered = std::any_of(events.begin(), events.end(),
                            [](const RequestEventRecord& e) { return e.action == "transfer"; });
    return Ok();
  }));
  if (r.id.empty() || r.sealed_transfer.empty() || delivered) return Ok();
  if (!IsClosed(r.state)) {
    // The job is queued by the transaction that closes the request; should one find it open
    // all the same, it waits rather than send a package the person cannot yet download.
    return Error(ErrorKind::kUnavailable, "request_not_closed",
                 "the request is not closed yet; the package is sent once it is");
  }
  PD_ASSIGN_OR_RETURN(std::string url, OpenSealed(r, r.sealed_transfer, "transfer"));
  PD_ASSIGN_OR_RETURN(std::string host, CheckTransferUrl(url));
  Result<int> sent = Error(ErrorKind::kFailedPrecondition, "package_gone",
                           "the package was deleted before it could be sent");
  size_t bytes = 0;
  if (package) {
    PD_ASSIGN_OR_RETURN(std::string zip, OpenSealed(r, package->sealed, "package"));
    bytes = zip.size();
    sent = transport.Post(url, zip, r.id);
  }
  if (!sent.ok() && !last_attempt && sent.error().code() != "package_gone") return sent.error();
  const std::string action = sent.ok() ? "transfer" : "transfer_failed";
  std::string reason = sent.ok() ? host + " (HTTP " + std::to_string(*sent) + ")"
                                 : host + ": " + sent.error().message();
  json detail = {{"host", host}, {"bytes", bytes}};
  if (sent.ok()) {
    detail["status"] = *sent;
  } else {
    detail["error"] = sent.error().code();
  }
  const Micros now = clock_.Now();
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(std::string sealed, Seal(r, reason, "event"));
    PD_RETURN_IF_ERROR(StatusOf(
        tx.AppendRequestEvent({0, r.id, now, "system", r.state, r.state, action, sealed})));
    return StatusOf(audit_.Append(
        tx, {"system", "", "request." + action, "request:" + r.id, "rights", "", detail.dump()}));
  });
}

Result<RequestView> RequestService::WithdrawByPerson(const std::string& id,
                                                     const std::string& token) {
  PD_RETURN_IF_ERROR(StatusOf(ForToken(id, token)));
  std::shared_ptr<const Policy> policy = policy_.Current();
  RequestRecord r;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(r, Load(tx, id));
    if (IsClosed(r.state)) return Illegal(r.state, "withdraw");
    r.outcome = "withdrawn_by_person";
    return Move(tx, r, "withdrawn", "withdraw", "subject", "", "", "");
  }));
  return ViewOf(r, *policy);
}

Result<RequestView> RequestService::Get(const Principal& staff, const std::string& id,
                                        std::vector<RequestEventView>* timeline,
                                        const std::string& http_request_id) const {
  if (!HasRole(staff, RequestStaffRoles())) return Forbidden();
  std::shared_ptr<const Policy> policy = policy_.Current();
  RequestRecord r;
  std::vector<RequestEventRecord> events;
  std::vector<RequestIdentityRecord> identities;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(r, Load(tx, id));
    PD_ASSIGN_OR_RETURN(events, tx.ListRequestEvents(id));
    PD_ASSIGN_OR_RETURN(identities, tx.ListRequestIdentities(id));
    json detail = {{"timeline", timeline != nullptr}};
    return StatusOf(audit_.Append(tx, {staff.user_name, staff.role, "request.read", "request:" + id,
                                       "rights", http_request_id, detail.dump()}));
  }));
  if (timeline != nullptr) {
    for (const auto& e : events) {
      PD_ASSIGN_OR_RETURN(std::string reason, OpenSealed(r, e.sealed_reason, "event"));
      timeline->push_back({e.seq, e.at, e.actor, e.from_state, e.to_state, e.action, reason});
    }
  }
  PD_ASSIGN_OR_RETURN(RequestView view, ViewOf(r, *policy));
  // Opened for staff, attested or not: they decide whether to attest what they see.
  PD_ASSIGN_OR_RETURN(view.identities, IdentityViews(r, identities, /*open=*/true));
  return view;
}

Result<RequestView> RequestService::AttestIdentity(const Principal& staff, const std::string& id,
                                                   const std::string& kind,
                                                   const std::string& http_request_id,
                                                   std::string* duplicate_of) {
  if (!HasRole(staff, RequestStaffRoles())) return Forbidden();
  std::shared_ptr<const Policy> policy = policy_.Current();
  const Error not_named(ErrorKind::kNotFound, "identity_not_found",
                        "this request names no identity of this kind; the email is proven by "
                        "the code, not attested");
  RequestRecord r;
  std::vector<RequestIdentityRecord> identities;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(r, Load(tx, id));
    PD_ASSIGN_OR_RETURN(identities, tx.ListRequestIdentities(id));
    auto it = std::find_if(identities.begin(), identities.end(),
                           [&](const RequestIdentityRecord& i) { return i.kind == kind; });
    if (it == identities.end()) return not_named;
    if (IsClosed(r.state)) return Illegal(r.state, "attest_identity");
    if (it->attested_at) return Ok();
    // Two open requests for the same right that would both find this identity's data: staff
    // work on the one that has it already.
    PD_ASSIGN_OR_RETURN(auto open, tx.ListOpenRequestsOf(kind, it->blind_index));
    for (const auto& other : open) {
      if (other.id == r.id) continue;
      PD_ASSIGN_OR_RETURN(auto theirs, tx.ListRequestIdentities(other.id));
      bool attested = std::any_of(theirs.begin(), theirs.end(), [&](const auto& i) {
        return i.kind == kind && i.blind_index == it->blind_index && i.attested_at;
      });
      if (!attested) continue;
      for (const auto& right : other.rights) {
        if (!Names(r, right.c_str())) continue;
        if (duplicate_of != nullptr) *duplicate_of = other.id;
        return Error(ErrorKind::kAlreadyExists, "duplicate_request",
                     "request " + other.id + " for '" + right + "' has this " + kind +
                         " attested already and is still open; work on that one");
      }
    }
    const Micros now = clock_.Now();
    PD_RETURN_IF_ERROR(tx.AttestRequestIdentity(id, kind, now, staff.user_name));
    it->attested_at = now;
    it->attested_by = staff.user_name;
    PD_ASSIGN_OR_RETURN(std::string reason, Seal(r, kind, "event"));
    PD_RETURN_IF_ERROR(StatusOf(tx.AppendRequestEvent(
        {0, r.id, now, staff.user_name, r.state, r.state, "attest_identity", reason})));
    return StatusOf(audit_.Append(
        tx, {staff.user_name, staff.role, "request.identity.attest", "request:" + r.id, "rights",
             http_request_id, json{{"kind", kind}}.dump()}));
  }));
  PD_ASSIGN_OR_RETURN(RequestView view, ViewOf(r, *policy));
  PD_ASSIGN_OR_RETURN(view.identities, IdentityViews(r, identities, /*open=*/true));
  return view;
}

Result<RequestPage> RequestService::List(const Principal& staff, const RequestQuery& query,
                                         const IdentityValue& lookup,
                                         const std::string& http_request_id) const {
  if (!HasRole(staff, RequestStaffRoles())) return Forbidden();
  std::shared_ptr<const Policy> policy = policy_.Current();
  RequestQuery q = query;
  q.limit = query.limit + 1;  // one more tells whether there is a next page
  std::vector<RequestRecord> rows;
  if (lookup.kind.empty()) {
    PD_ASSIGN_OR_RETURN(rows, ReadValue<std::vector<RequestRecord>>(
                                  store_, [&](Tx& tx) { return tx.ListRequests(q); }));
  } else {
    if (!IsIdentityKind(lookup.kind)) {
      return Error(ErrorKind::kInvalidArgument, "unknown_identity_kind",
                   "requests are looked up by email, phone or customer_id");
    }
    PD_ASSIGN_OR_RETURN(std::string normalized, NormalizeIdentity(lookup.kind, lookup.value));
    PD_ASSIGN_OR_RETURN(q.blind_index, registry_.IdentityIndex({lookup.kind, normalized}));
    q.identity_kind = lookup.kind;
    PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
      PD_ASSIGN_OR_RETURN(rows, tx.ListRequests(q));
      json detail = {{"lookup", lookup.kind}, {"found", !rows.empty()}};
      return StatusOf(audit_.Append(tx, {staff.user_name, staff.role, "request.search", "requests",
                                         "rights", http_request_id, detail.dump()}));
    }));
  }
  RequestPage page;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(query.limit); ++i) {
    PD_ASSIGN_OR_RETURN(RequestView v, ViewOf(rows[i], *policy));
    page.requests.push_back(std::move(v));
  }
  if (rows.size() > static_cast<size_t>(query.limit)) {
    page.next_due = page.requests.back().due_at;
    page.next_id = page.requests.back().id;
  }
  return page;
}

// What carrying out a request's rights did: one step per right, with counts only.
struct RequestService::Fulfilment {
  bool no_data = false;  // the identities matched no subject
  bool partial = false;  // an erasure kept exempt data
  std::string reason;    // why, in the person's language, when partial
  std::vector<std::pair<std::string, json>> steps;
  // Which identities found the subjects (kinds, who attested them, whether used), for the
  // evidence; never a value.
  json identities = json::array();
  size_t subjects = 0;
};

Status RequestService::CheckTransition(const RequestRecord& r, const std::string& action) const {
  const auto& from = Moves().at(action).first;
  if (std::find(from.begin(), from.end(), r.state) == from.end()) return Illegal(r.state, action);
  const bool completing =
      action == "approve" || action == "complete" || action == "partially_complete";
  if (action == "complete" && NeedsApproval(r, settings_)) {
    return Error(ErrorKind::kFailedPrecondition, "approval_required",
                 "this request needs a privacy officer's approval: use request_approval");
  }
  if (completing && NeedsConfirmation(r, settings_) && !r.confirmed_at) {
    return Error(ErrorKind::kFailedPrecondition, "confirmation_required",
                 "the person has not yet confirmed the request with the fresh code mailed "
                 "when work started");
  }
  return Ok();
}

Result<RequestService::Fulfilment> RequestService::Fulfil(const Principal& staff,
                                                          const RequestRecord& r) const {
  Fulfilment out;
  if (std::none_of(r.rights.begin(), r.rights.end(), IsAutomaticRight)) return out;
  // The subjects: the one holding the email at intake, and those holding an identity staff
  // attested. An identity nobody attested finds nothing: the code proved only the email.
  std::vector<std::string> subjects;
  if (!r.subject_id.empty()) subjects.push_back(r.subject_id);
  out.identities.push_back(
      {{"kind", "email"}, {"basis", "verified"}, {"used", true}, {"found", !r.subject_id.empty()}});
  PD_ASSIGN_OR_RETURN(auto identities,
                      ReadValue<std::vector<RequestIdentityRecord>>(
                          store_, [&](Tx& tx) { return tx.ListRequestIdentities(r.id); }));
  for (const auto& identity : identities) {
    json used = {{"kind", identity.kind}};
    if (!identity.attested_at) {
      used["basis"] = "unattested";
      used["used"] = false;
      out.identities.push_back(std::move(used));
      continue;
    }
    PD_ASSIGN_OR_RETURN(std::string value,
                        OpenSealed(r, identity.sealed_value, "identity:" + identity.kind));
    // Erased subjects count too: a completion repeated after its erasure finds its subjects
    // again (and erasing them again erases nothing more).
    PD_ASSIGN_OR_RETURN(auto subject, ReadValue<std::optional<SubjectRecord>>(store_, [&](Tx& tx) {
                          return registry_.FindSubject(tx, {identity.kind, value});
                        }));
    used["basis"] = "attested";
    used["attested_by"] = identity.attested_by;
    used["attested_at"] = FormatRfc3339(*identity.attested_at);
    used["used"] = true;
    used["found"] = subject.has_value();
    out.identities.push_back(std::move(used));
    if (subject && std::find(subjects.begin(), subjects.end(), subject->id) == subjects.end()) {
      subjects.push_back(subject->id);
    }
  }
  out.subjects = subjects.size();
  if (subjects.empty()) {
    out.no_data = true;
    return out;
  }
  const bool consent_needed = std::any_of(r.rights.begin(), r.rights.end(), [](const auto& right) {
    return right == "objection" || right == "withdraw_consent";
  });
  const bool package_needed = Names(r, "access") || Names(r, "portability");
  if (package_needed && packages_ == nullptr) {
    return Error(ErrorKind::kFailedPrecondition, "access_package_unavailable",
                 "access and portability need the package builder; "
                 "this daemon was started without one");
  }
  if (consent_needed && consent_ == nullptr) {
    return Error(ErrorKind::kFailedPrecondition, "consent_unavailable",
                 "objections and withdrawals of consent need the consent ledger; "
                 "this daemon was started without one");
  }
  const AccessContext ctx{staff, "rights_request", r.id};
  ConsentSource source;
  source.method = kMethodPortalRequest;
  source.language = r.language;
  source.request_id = r.id;
  source.actor = staff.user_name;
  source.evidence = json{{"request", r.id}};
  // A step repeated after the subject was erased by an earlier attempt of the same completion
  // finds nobody: what it was for went with the erasure.
  auto gone = [](const Error& e) { return e.code() == "subject_not_found"; };
  // The package first: erasure would leave nothing to put in it. One package covers every
  // subject of the request.
  if (package_needed) {
    AccessPackageInfo info;
    Result<std::string> zip = packages_->Build(ctx, subjects, r.language, &info);
    if (!zip.ok() && !gone(zip.error())) return zip.error();
    if (zip.ok()) {
      // Stored at once, before anything is erased: should closing the request fail after an
      // erasure, completing it again can no longer build the package, but finds it here. It is
      // offered only once the request is closed.
      PD_ASSIGN_OR_RETURN(std::string sealed, Seal(r, *zip, "package"));
      const Micros now = clock_.Now();
      const Micros expires = now + settings_.download_validity;
      PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
        PD_RETURN_IF_ERROR(tx.PutRequestPackage({r.id, sealed, now, expires}));
        PD_RETURN_IF_ERROR(StatusOf(
            tx.AppendRequestEvent({0, r.id, now, "system", r.state, r.state, "package", ""})));
        JobRecord purge;
        purge.kind = kRequestPackagePurgeJob;
        purge.payload = json{{"request", r.id}}.dump();
        // One job per package stored, each at that package's expiry.
        purge.dedupe_key =
            std::string(kRequestPackagePurgeJob) + ":" + r.id + ":" + std::to_string(now);
        purge.run_at = expires;
        purge.created_at = now;
        purge.updated_at = now;
        return StatusOf(tx.EnqueueJob(purge));
      }));
    }
    for (const char* right : {"access", "portability"}) {
      if (!Names(r, right)) continue;
      out.steps.push_back({right, zip.ok() ? json{{"values", info.values},
                                                  {"redactions", info.redactions},
                                                  {"bytes", zip->size()},
                                                  {"categories", info.categories}}
                                           : json{{"skipped", "subject_not_found"}}});
    }
  }
  // Erasure last: the ledger and the restriction flag need the subjects to still be there.
  for (const char* right : {"objection", "withdraw_consent", "restriction"}) {
    if (std::find(r.rights.begin(), r.rights.end(), right) == r.rights.end()) continue;
    bool changed = false;
    bool any = false;  // a subject was still there
    for (const auto& subject : subjects) {
      Result<bool> done = false;
      if (std::string(right) == "restriction") {
        Status s = registry_.SetRestricted(ctx, subject, true, "rights_request");
        if (s.ok()) {
          done = true;
        } else {
          done = s.error();
        }
      } else if (std::string(right) == "objection") {
        done = consent_->Change(subject, "", "object", source);
      } else {
        done = consent_->Change(subject, "*", "withdraw", source);
      }
      if (!done.ok() && !gone(done.error())) return done.error();
      if (!done.ok()) continue;
      any = true;
      changed = changed || *done;
    }
    out.steps.push_back(
        {right, any ? json{{"changed", changed}} : json{{"skipped", "subject_not_found"}}});
  }
  if (std::find(r.rights.begin(), r.rights.end(), "erasure") != r.rights.end()) {
    Erasure erasure(registry_, policy_, clock_);
    size_t attributes = 0, identities_cleared = 0, referrals = 0, kept = 0;
    bool key_destroyed = true;
    std::map<std::string, size_t> found;
    std::vector<KeptValue> kept_values;
    for (const auto& subject : subjects) {
      PD_ASSIGN_OR_RETURN(ErasureReport report, erasure.Erase(ctx, subject));
      attributes += report.attributes_deleted;
      identities_cleared += report.identities_cleared;
      referrals += report.referral_addresses_deleted;
      kept += report.kept.size();
      key_destroyed = key_destroyed && report.key_destroyed;
      for (const auto& [category, n] : report.found) found[category] += n;
      kept_values.insert(kept_values.end(), report.kept.begin(), report.kept.end());
      if (report.outcome == "partially_completed") out.partial = true;
    }
    out.steps.push_back({"erasure", json{{"attributes_deleted", attributes},
                                         {"identities_cleared", identities_cleared},
                                         {"referral_addresses_deleted", referrals},
                                         {"key_destroyed", key_destroyed},
                                         {"kept", kept},
                                         {"categories", found},
                                         {"kept_values", KeptJson(kept_values)}}});
    if (out.partial) {
      std::set<std::string> said;
      for (const auto& k : kept_values) {
        auto text = k.reason.find(r.language);
        if (text == k.reason.end()) text = k.reason.find("en");
        if (text == k.reason.end() || !said.insert(text->second).second) continue;
        out.reason += (out.reason.empty() ? "" : " ") + text->second;
      }
    }
  }
  return out;
}

Result<RequestView> RequestService::Transition(const Principal& staff, const std::string& id,
                                               const std::string& action, const std::string& reason,
                                               const std::string& http_request_id) {
  if (!HasRole(staff, RequestStaffRoles())) return Forbidden();
  auto move = Moves().find(action);
  if (move == Moves().end()) {
    return Error(ErrorKind::kInvalidArgument, "unknown_action",
                 "action must be start, request_approval, approve, complete, "
                 "partially_complete, refuse or withdraw");
  }
  const bool decision = action == "approve" || action == "refuse";
  if (decision && !HasRole(staff, RequestDecisionRoles())) return Forbidden();
  if ((action == "refuse" || action == "partially_complete") && reason.empty()) {
    return Error(ErrorKind::kInvalidArgument, "reason_required",
                 "say why (the person is told); send {\"reason\": \"...\"}");
  }
  if (reason.size() > kMaxReasonBytes) {
    return Error(ErrorKind::kInvalidArgument, "reason_too_long",
                 "a reason may have at most 2000 bytes");
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  // The rights are carried out before the transaction that closes the request: erasure and the
  // ledger write in transactions of their own. Each step is idempotent, so when the closing
  // fails (or the daemon stops in between) the request stays open and completing it again
  // finishes the work.
  std::optional<Fulfilment> done;
  if (action == "approve" || action == "complete") {
    PD_ASSIGN_OR_RETURN(RequestRecord current,
                        ReadValue<RequestRecord>(store_, [&](Tx& tx) { return Load(tx, id); }));
    PD_RETURN_IF_ERROR(CheckTransition(current, action));
    PD_ASSIGN_OR_RETURN(done, Fulfil(staff, current));
  }
  RequestRecord r;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(r, Load(tx, id));
    PD_RETURN_IF_ERROR(CheckTransition(r, action));
    std::string to = move->second.second;
    std::string told = reason;
    if (action == "start") r.started_at = clock_.Now();
    if (action == "approve" || action == "complete") r.outcome = "fulfilled";
    if (action == "partially_complete") r.outcome = "partially_fulfilled";
    if (action == "refuse") r.outcome = "refused";
    if (action == "withdraw") r.outcome = "withdrawn_by_staff";
    if (done && !done->identities.empty()) {
      PD_RETURN_IF_ERROR(StatusOf(audit_.Append(
          tx, {staff.user_name, staff.role, "request.identities", "request:" + r.id, "rights",
               http_request_id,
               json{{"identities", done->identities}, {"subjects", done->subjects}}.dump()})));
    }
    if (done) {
      if (done->no_data) r.outcome = "no_data_held";
      if (done->partial) {
        to = "partially_completed";
        r.outcome = "partially_fulfilled";
        told = reason.empty() ? done->reason : reason + "\n" + done->reason;
      }
      for (const auto& [right, counts] : done->steps) {
        PD_RETURN_IF_ERROR(StatusOf(tx.AppendRequestEvent(
            {0, r.id, clock_.Now(), staff.user_name, r.state, r.state, "fulfil_" + right, ""})));
        json detail = {{"right", right}};
        detail.update(counts);
        PD_RETURN_IF_ERROR(StatusOf(
            audit_.Append(tx, {staff.user_name, staff.role, "request.fulfil", "request:" + r.id,
                               "rights", http_request_id, detail.dump()})));
      }
    }
    if (!told.empty()) {
      PD_ASSIGN_OR_RETURN(r.sealed_reason, Seal(r, told, "reason"));
    }
    std::string download_until;
    if (done) {
      PD_ASSIGN_OR_RETURN(auto package, tx.GetRequestPackage(r.id));
      if (package) download_until = FormatDate(package->expires_at);
      // Queued with the close, so the job never finds the request still open; at most once per
      // request.
      if (package && !r.sealed_transfer.empty() && Names(r, "portability")) {
        const Micros now = clock_.Now();
        JobRecord transfer;
        transfer.kind = kRequestTransferJob;
        transfer.payload = json{{"request", r.id}}.dump();
        transfer.dedupe_key = std::string(kRequestTransferJob) + ":" + r.id;
        transfer.run_at = now;
        transfer.created_at = now;
        transfer.updated_at = now;
        PD_RETURN_IF_ERROR(StatusOf(tx.EnqueueJob(transfer)));
      }
    }
    PD_RETURN_IF_ERROR(Move(tx, r, to, action, staff.user_name, staff.role, told, http_request_id));
    if (done && !done->steps.empty()) {
      PD_RETURN_IF_ERROR(QueueMail(tx, r, "requester", "request_completed",
                                   {{"request_id", r.id},
                                    {"download_until", download_until},
                                    {"reasons", done->partial ? done->reason : ""}}));
    }
    if (action == "start" && NeedsConfirmation(r, settings_)) {
      PD_RETURN_IF_ERROR(SendCode(tx, r));
    }
    return Ok();
  }));
  return ViewOf(r, *policy);
}

Result<RequestView> RequestService::Extend(const Principal& staff, const std::string& id,
                                           const std::string& reason, std::optional<Micros> until,
                                           const std::string& http_request_id) {
  if (!HasRole(staff, RequestDecisionRoles())) return Forbidden();
  if (reason.empty()) {
    return Error(ErrorKind::kInvalidArgument, "reason_required",
                 "an extension needs a reason, which the person is told");
  }
  if (reason.size() > kMaxReasonBytes) {
    return Error(ErrorKind::kInvalidArgument, "reason_too_long",
                 "a reason may have at most 2000 bytes");
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  RequestRecord r;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(r, Load(tx, id));
    const Micros now = clock_.Now();
    if (IsClosed(r.state)) return Illegal(r.state, "extend");
    if (r.extended_at) {
      return Error(ErrorKind::kFailedPrecondition, "already_extended",
                   "the deadline of this request was already extended");
    }
    if (r.max_due_at <= r.original_due_at) {
      return Error(ErrorKind::kFailedPrecondition, "extension_not_available",
                   "the person's regime (" + r.regime + ") allows no extension");
    }
    if (now >= r.due_at) {
      return Error(ErrorKind::kFailedPrecondition, "extension_after_due",
                   "an extension must be made before the due date (" + FormatDate(r.due_at) + ")");
    }
    Micros new_due = until.value_or(r.max_due_at);
    if (new_due > r.max_due_at) {
      return Error(ErrorKind::kFailedPrecondition, "extension_too_long",
                   "the deadline can be extended to " + FormatRfc3339(r.max_due_at) + " at most");
    }
    if (new_due <= r.due_at) {
      return Error(ErrorKind::kFailedPrecondition, "extension_too_short",
                   "the new deadline must be after the current one");
    }
    r.due_at = new_due;
    r.extended_at = now;
    PD_ASSIGN_OR_RETURN(r.sealed_reason, Seal(r, reason, "reason"));
    PD_RETURN_IF_ERROR(
        QueueMail(tx, r, "requester", "request_extended",
                  {{"request_id", r.id}, {"due_date", FormatDate(r.due_at)}, {"reason", reason}}));
    return Move(tx, r, r.state, "extend", staff.user_name, staff.role, reason, http_request_id);
  }));
  return ViewOf(r, *policy);
}

Status RequestService::PurgeIfUnverified(const std::string& id) {
  return store_.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto r, tx.GetRequest(id));
    if (!r || (r->state != "awaiting_verification" && r->state != "received")) return Ok();
    if (clock_.Now() < r->created_at + settings_.unverified_ttl) return Ok();
    PD_RETURN_IF_ERROR(tx.DeleteRequest(id));
    PD_ASSIGN_OR_RETURN(auto count, tx.GetMeta(kPurgedUnverifiedMeta));
    int64_t n = count ? std::stoll(*count) : 0;
    PD_RETURN_IF_ERROR(tx.PutMeta(kPurgedUnverifiedMeta, std::to_string(n + 1)));
    // The audit entry names no request: nothing of it is left to point to.
    return StatusOf(audit_.Append(tx, {"system", "", "request.purge_unverified", "requests",
                                       "rights", "", json{{"purged", 1}}.dump()}));
  });
}

Result<int64_t> RequestService::SweepClosed(int batch) {
  std::shared_ptr<const Policy> policy = policy_.Current();
  if (!policy->rights.records_retention || batch < 1) return int64_t{0};
  const Duration& keep = *policy->rights.records_retention;
  const Period period{keep.years * 12 + keep.months, keep.days};
  const Micros now = clock_.Now();
  // A request closed at c is due at AddPeriod(c, period) <= now, which needs at least
  // c <= now - (28 days a month + the days): the candidates. The exact test is below; since it
  // is monotonic in c, the first candidate not yet due ends the sweep.
  const Micros shortest =
      (static_cast<Micros>(period.months) * 28 + period.days) * 86'400LL * kMicrosPerSecond;
  const Micros closed_until = now - shortest;
  int64_t deleted = 0;
  for (;;) {
    bool more = false;
    int64_t in_batch = 0;
    PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
      PD_ASSIGN_OR_RETURN(auto closed, tx.ListClosedRequests(closed_until, batch));
      for (const auto& r : closed) {
        if (AddPeriod(*r.closed_at, period, PeriodRule::kEu1182_71) > now) break;
        if (IsOpenRequestState(r.state)) continue;  // closed_at is never set on an open one
        PD_RETURN_IF_ERROR(tx.DeleteRequest(r.id));
        // The codes mailed for it are long expired; those of a later request of the same
        // address are not touched.
        PD_RETURN_IF_ERROR(StatusOf(
            tx.DeleteVerificationCodesOf(kRequestCodePurpose, r.blind_index, *r.closed_at, now)));
        json detail = {{"state", r.state},
                       {"closed_at", FormatRfc3339(*r.closed_at)},
                       {"reason", "records_retention"}};
        PD_RETURN_IF_ERROR(
            StatusOf(audit_.Append(tx, {"system", "", "request.deleted", "request:" + r.id,
                                        "rights", "", detail.dump()})));
        ++in_batch;
      }
      more = closed.size() == static_cast<size_t>(batch);
      if (in_batch == 0) return Ok();
      PD_ASSIGN_OR_RETURN(auto count, tx.GetMeta(kDeletedAfterRetentionMeta));
      int64_t n = count ? std::stoll(*count) : 0;
      return tx.PutMeta(kDeletedAfterRetentionMeta, std::to_string(n + in_batch));
    }));
    deleted += in_batch;
    if (!more || in_batch < batch) return deleted;
  }
}

Status RequestService::ScheduleRetentionSweep(Micros at) {
  const Micros now = clock_.Now();
  JobRecord job;
  job.kind = kRequestRetentionSweepJob;
  job.payload = "{}";
  job.dedupe_key = std::string(kRequestRetentionSweepJob) + ":" + FormatDate(at);
  job.run_at = at;
  job.created_at = now;
  job.updated_at = now;
  return store_.Write([&](Tx& tx) { return StatusOf(tx.EnqueueJob(job)); });
}

Result<std::vector<RequestView>> RequestService::Overdue(int limit) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  RequestQuery q;
  q.overdue_at = clock_.Now();
  q.limit = limit;
  PD_ASSIGN_OR_RETURN(auto rows, ReadValue<std::vector<RequestRecord>>(
                                     store_, [&](Tx& tx) { return tx.ListRequests(q); }));
  std::vector<RequestView> out;
  for (const auto& r : rows) {
    PD_ASSIGN_OR_RETURN(RequestView v, ViewOf(r, *policy));
    out.push_back(std::move(v));
  }
  return out;
}

void RequestService::AppendMetrics(std::string& out) const {
  std::vector<std::pair<std::string, int64_t>> counts;
  int64_t overdue = 0;
  int64_t due_soon = 0;  // open, due within a week (overdue ones included)
  int64_t deleted = 0;
  const Micros now = clock_.Now();
  Status s = store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto count, tx.GetMeta(kDeletedAfterRetentionMeta));
    if (count) deleted = std::stoll(*count);
    PD_ASSIGN_OR_RETURN(counts, tx.CountRequestsByState());
    PD_ASSIGN_OR_RETURN(overdue, tx.CountOverdueRequests(now));
    PD_ASSIGN_OR_RETURN(due_soon, tx.CountOverdueRequests(now + 7 * 86'400LL * kMicrosPerSecond));
    return Ok();
  });
  if (!s.ok()) return;  // a scrape without these beats a failed scrape
  std::map<std::string, int64_t> by_state;
  for (const char* state :
       {"received", "awaiting_verification", "verified", "in_progress", "awaiting_approval",
        "completed", "partially_completed", "refused", "withdrawn"}) {
    by_state[state] = 0;
  }
  for (const auto& [state, n] : counts) by_state[state] = n;
  out += "# HELP privacyd_requests Data subject requests by state.\n";
  out += "# TYPE privacyd_requests gauge\n";
  for (const auto& [state, n] : by_state) {
    out +=
        "privacyd_requests{state=\"" + PrometheusLabel(state) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP privacyd_requests_overdue Open data subject requests past their due date.\n";
  out += "# TYPE privacyd_requests_overdue gauge\n";
  out += "privacyd_requests_overdue " + std::to_string(overdue) + "\n";
  out +=
      "# HELP privacyd_requests_due_within_7_days Open data subject requests due in the next "
      "seven days (not yet overdue).\n";
  out += "# TYPE privacyd_requests_due_within_7_days gauge\n";
  out += "privacyd_requests_due_within_7_days " + std::to_string(due_soon - overdue) + "\n";
  out +=
      "# HELP privacyd_requests_deleted_after_retention_total Closed data subject requests "
      "deleted once rights.records_retention had passed.\n";
  out += "# TYPE privacyd_requests_deleted_after_retention_total counter\n";
  out += "privacyd_requests_deleted_after_retention_total " + std::to_string(deleted) + "\n";
}

}  // namespace privacyd
