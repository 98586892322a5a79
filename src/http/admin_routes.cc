#include "http/admin_routes.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "consent/suppression_list.h"
#include "crypto/secret.h"
#include "http/json_body.h"
#include "registry/purpose_view.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr char kStaffPurpose[] = "support";

Error BadRequest(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

AccessContext ContextFor(const HttpRequest& request, const Principal* principal) {
  // The purpose may be declared by the caller (X-Purpose) and is recorded in the audit trail.
  std::string purpose = request.Header("x-purpose");
  if (purpose.empty() || purpose.size() > 64) purpose = kStaffPurpose;
  return AccessContext{*principal, purpose, request.request_id};
}

json SubjectJson(const SubjectView& view) {
  json identities = json::array();
  for (const auto& id : view.identities) {
    identities.push_back({{"kind", id.kind}, {"value", id.value}});
  }
  json attributes = json::array();
  for (const auto& a : view.attributes) {
    json provenance = json::parse(a.provenance, nullptr, /*allow_exceptions=*/false);
    if (provenance.is_discarded()) provenance = json::object();
    attributes.push_back({{"name", a.name},
                          {"value", a.value},
                          {"provenance", provenance},
                          {"created_at", FormatRfc3339(a.created_at)}});
  }
  return {{"id", view.id},
          {"created_at", FormatRfc3339(view.created_at)},
          {"identities", identities},
          {"attributes", attributes}};
}

Result<NewSubject> ParseNewSubject(const json& body) {
  if (!body.is_object()) return BadRequest("invalid_subject", "the body must be a JSON object");
  for (const auto& [key, _] : body.items()) {
    if (key != "identities" && key != "attributes") {
      return BadRequest("unknown_member",
                        "unknown member '" + key + "'; the body has 'identities' and 'attributes'");
    }
  }
  NewSubject subject;
  auto identities = body.find("identities");
  if (identities == body.end() || !identities->is_object() || identities->empty()) {
    return BadRequest("invalid_subject",
                      "'identities' must be an object with at least one of email, phone, "
                      "customer_id");
  }
  for (const auto& [kind, value] : identities->items()) {
    if (!value.is_string()) {
      return BadRequest("invalid_identity", "identity '" + kind + "' must be a string");
    }
    subject.identities.push_back({kind, value.get<std::string>()});
  }
  auto attributes = body.find("attributes");
  if (attributes != body.end()) {
    if (!attributes->is_object()) {
      return BadRequest("invalid_attribute", "'attributes' must be an object of strings");
    }
    for (const auto& [name, value] : attributes->items()) {
      if (!value.is_string()) {
        return BadRequest("invalid_attribute", "attribute '" + name + "' must be a string");
      }
      subject.attributes.emplace_back(name, value.get<std::string>());
    }
  }
  return subject;
}

HttpResponse Respond(const Result<json>& result, int status, const HttpRequest& request) {
  if (!result.ok()) return ProblemResponse(result.error(), request.request_id);
  return JsonResponse(status, result->dump());
}

Result<json> CreateSubject(SubjectRegistry& registry, const HttpRequest& request,
                           const Principal* principal) {
  PD_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  PD_ASSIGN_OR_RETURN(NewSubject subject, ParseNewSubject(body));
  PD_ASSIGN_OR_RETURN(SubjectView view, registry.Create(ContextFor(request, principal), subject));
  return SubjectJson(view);
}

// The identity named by ?email=ADDRESS or ?identity=KIND:VALUE, or nullopt when neither is given.
Result<std::optional<IdentityValue>> IdentityQuery(const HttpRequest& request) {
  if (auto email = request.Query("email")) {
    return std::optional<IdentityValue>(IdentityValue{"email", *email});
  }
  auto given = request.Query("identity");
  if (!given) return std::optional<IdentityValue>();
  auto colon = given->find(':');
  if (colon == std::string::npos) {
    return BadRequest("invalid_identity",
                      "write the identity as KIND:VALUE, e.g. identity=email:ada@example.com");
  }
  return std::optional<IdentityValue>(
      IdentityValue{given->substr(0, colon), given->substr(colon + 1)});
}

Result<json> FindSubjects(SubjectRegistry& registry, const HttpRequest& request,
                          const Principal* principal) {
  PD_ASSIGN_OR_RETURN(auto given, IdentityQuery(request));
  if (!given) {
    return BadRequest("missing_identity",
                      "give the identity to look up: ?identity=KIND:VALUE or ?email=ADDRESS");
  }
  const IdentityValue& identity = *given;
  PD_ASSIGN_OR_RETURN(auto found,
                      registry.FindByIdentity(ContextFor(request, principal), identity));
  json subjects = json::array();
  for (const auto& view : found) subjects.push_back(SubjectJson(view));
  return json{{"subjects", subjects}};
}

// A query parameter holding a whole number from min to max, or nullopt.
std::optional<int64_t> WholeNumber(const std::string& text, int64_t min, int64_t max) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t n = std::stoll(text);
  if (n < min || n > max) return std::nullopt;
  return n;
}

Result<AuditQuery> ParseAuditQuery(const HttpRequest& request) {
  AuditQuery query;
  if (auto limit = request.Query("limit")) {
    auto n = WholeNumber(*limit, 1, 1000);
    if (!n) return BadRequest("invalid_limit", "limit must be a whole number from 1 to 1000");
    query.limit = static_cast<int>(*n);
  }
  if (auto cursor = request.Query("cursor")) {
    auto n = WholeNumber(*cursor, 0, INT64_MAX / 2);
    if (!n) return BadRequest("invalid_cursor", "cursor must be a next_cursor value from a page");
    query.after_seq = *n;
  }
  if (auto v = request.Query("actor")) query.actor = *v;
  if (auto v = request.Query("object")) query.object = *v;
  if (auto v = request.Query("action")) query.action = *v;
  if (auto v = request.Query("since")) {
    PD_ASSIGN_OR_RETURN(query.since, ParseRfc3339(*v));
  }
  if (auto v = request.Query("until")) {
    PD_ASSIGN_OR_RETURN(query.until, ParseRfc3339(*v));
  }
  return query;
}

Result<json> ListAudit(Store& store, const AuditLog& audit, const HttpRequest& request,
                       const Principal& reader) {
  PD_ASSIGN_OR_RETURN(AuditQuery query, ParseAuditQuery(request));
  // One more than asked tells whether a next page exists.
  AuditQuery probe = query;
  probe.limit = query.limit + 1;
  PD_ASSIGN_OR_RETURN(auto rows, audit.List(store, reader, request.request_id, probe));
  bool more = static_cast<int>(rows.size()) > query.limit;
  if (more) rows.pop_back();
  json entries = json::array();
  for (const auto& r : rows) {
    json detail = r.detail.empty() ? json(nullptr)
                                   : json::parse(r.detail, nullptr, /*allow_exceptions=*/false);
    if (detail.is_discarded()) detail = r.detail;
    entries.push_back({{"seq", r.seq},
                       {"time", FormatRfc3339(r.time)},
                       {"actor", r.actor},
                       {"role", r.role},
                       {"action", r.action},
                       {"object", r.object},
                       {"purpose", r.purpose},
                       {"request_id", r.request_id},
                       {"detail", detail},
                       {"prev_hash", r.prev_hash},
                       {"hash", r.hash}});
  }
  json next = more ? json(std::to_string(rows.back().seq)) : json(nullptr);
  return json{{"entries", entries}, {"next_cursor", next}};
}

json SuppressionJson(const SuppressionRecord& entry) {
  return {{"kind", entry.kind},
          {"index", ToHex(entry.blind_index)},
          {"reason", entry.reason},
          {"created_at", FormatRfc3339(entry.created_at)}};
}

Result<json> ListSuppressions(const SuppressionList& list, const HttpRequest& request,
                              const Principal* principal) {
  AccessContext ctx = ContextFor(request, principal);
  PD_ASSIGN_OR_RETURN(auto identity, IdentityQuery(request));
  if (identity) {
    PD_ASSIGN_OR_RETURN(auto found, list.Find(ctx, *identity));
    json entries = json::array();
    if (found) entries.push_back(SuppressionJson(*found));
    return json{{"entries", entries}, {"next_cursor", nullptr}};
  }
  int limit = 100;
  if (auto given = request.Query("limit")) {
    auto n = WholeNumber(*given, 1, 1000);
    if (!n) return BadRequest("invalid_limit", "limit must be a whole number from 1 to 1000");
    limit = static_cast<int>(*n);
  }
  PD_ASSIGN_OR_RETURN(SuppressionPage page,
                      list.List(ctx, request.Query("cursor").value_or(""), limit));
  json entries = json::array();
  for (const auto& entry : page.entries) entries.push_back(SuppressionJson(entry));
  return json{{"entries", entries},
              {"total", page.total},
              {"next_cursor", page.next.empty() ? json(nullptr) : json(page.next)}};
}

}  // namespace

void AddSubjectRoutes(Router& router, SubjectRegistry& registry, const PolicyHolder& policy) {
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/admin/subjects",
                   .roles = SubjectDataRoles(),
                   .handler =
                       [&registry](const HttpRequest& req, const Principal* who) {
                         return Respond(CreateSubject(registry, req, who), 201, req);
                       },
                   .idempotent = true});
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/subjects",
                   .roles = SubjectDataRoles(),
                   .handler = [&registry](const HttpRequest& req, const Principal* who) {
                     return Respond(FindSubjects(registry, req, who), 200, req);
                   }});
  std::vector<std::string> readers = SubjectDataRoles();
  readers.insert(readers.end(), MarketingViewRoles().begin(), MarketingViewRoles().end());
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/subjects/{id}",
                   .roles = readers,
                   .handler = [&registry, &policy](const HttpRequest& req, const Principal* who) {
                     const std::string& id = req.path_params.at("id");
                     AccessContext ctx = ContextFor(req, who);
                     auto view =
                         RoleIn(who->role, MarketingViewRoles())
                             ? registry.GetFiltered(ctx, id, MarketingViewFilter(policy.Current()))
                             : registry.Get(ctx, id);
                     if (!view.ok()) return ProblemResponse(view.error(), req.request_id);
                     return JsonResponse(200, SubjectJson(*view).dump());
                   }});
}

void AddAuditRoutes(Router& router, Store& store, const AuditLog& audit) {
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/audit",
                   .roles = AuditReaderRoles(),
                   .handler = [&store, &audit](const HttpRequest& req, const Principal* who) {
                     return Respond(ListAudit(store, audit, req, *who), 200, req);
                   }});
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/audit/verify",
                   .roles = AuditReaderRoles(),
                   .handler = [&store, &audit](const HttpRequest& req, const Principal* who) {
                     auto report = audit.VerifyFor(store, *who, req.request_id);
                     if (!report.ok()) return ProblemResponse(report.error(), req.request_id);
                     json out = {{"intact", report->intact}, {"checked", report->checked}};
                     if (!report->intact) {
                       out["first_broken_seq"] = report->first_broken_seq;
                       out["reason"] = report->reason;
                     }
                     return JsonResponse(200, out.dump());
                   }});
}

void AddSuppressionRoutes(Router& router, Store& store, const SubjectRegistry& registry,
                          const AuditLog& audit) {
  auto list = std::make_shared<const SuppressionList>(store, registry, audit);
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/suppressions",
                   .roles = SuppressionReadRoles(),
                   .handler = [list](const HttpRequest& req, const Principal* who) {
                     return Respond(ListSuppressions(*list, req, who), 200, req);
                   }});
}

}  // namespace privacyd
