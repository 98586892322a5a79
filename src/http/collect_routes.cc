#include "http/collect_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collect/enrichment_import.h"
#include "core/percent_encoding.h"
#include "http/consent_routes.h"
#include "http/json_body.h"
#include "http/url_encoding.h"
#include "http/utf8.h"
#include "policy/jurisdictions.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";
constexpr char kForm[] = "application/x-www-form-urlencoded";

Error BadRequest(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

Result<Submission> FromJson(const HttpRequest& request) {
  PD_ASSIGN_OR_RETURN(json body, ParseJsonBody(request));
  if (!body.is_object()) {
    return BadRequest("invalid_submission",
                      "the body must be a JSON object of fields, e.g. {\"email\": \"...\"}");
  }
  Submission submission;
  for (const auto& [name, value] : body.items()) {
    SubmittedValue v;
    if (value.is_null()) continue;  // not sent
    if (value.is_string()) {
      v.text = value.get<std::string>();
    } else if (value.is_number()) {
      v.kind = SubmittedValue::Kind::kNumber;
      v.text = value.dump();
    } else if (value.is_boolean()) {
      v.kind = SubmittedValue::Kind::kBool;
      v.text = value.get<bool>() ? "true" : "false";
    } else if (value.is_array() && std::all_of(value.begin(), value.end(),
                                               [](const json& e) { return e.is_string(); })) {
      v.kind = SubmittedValue::Kind::kList;
      for (const auto& e : value) v.items.push_back(e.get<std::string>());
    } else {
      v.kind = SubmittedValue::Kind::kOther;
    }
    submission.emplace(name, std::move(v));
  }
  return submission;
}

Result<Submission> FromForm(const HttpRequest& request) {
  std::multimap<std::string, std::string> pairs;
  if (!ParseUrlEncoded(request.body, pairs)) {
    return BadRequest("invalid_form_encoding", "the form body contains a malformed percent escape");
  }
  Submission submission;
  for (auto& [name, value] : pairs) {
    if (!IsValidUtf8(name) || !IsValidUtf8(value)) {
      return BadRequest("invalid_utf8",
                        "the form is not valid UTF-8; send it encoded as UTF-8 "
                        "(<form accept-charset=\"utf-8\">)");
    }
    auto [it, inserted] = submission.emplace(name, SubmittedValue{});
    SubmittedValue& v = it->second;
    if (inserted) {
      v.text = value;
    } else if (name == kTopicsField) {  // a group of checkboxes repeats its name
      if (v.kind == SubmittedValue::Kind::kString) v.items.push_back(v.text);
      v.kind = SubmittedValue::Kind::kList;
      v.items.push_back(value);
    } else {
      return BadRequest("duplicate_field",
                        "the form sends '" + name + "' more than once; send each field once");
    }
  }
  return submission;
}

// The ISO country of the request's preferred language region ("de-CH" -> "CH"), if any: the
// country phone numbers without a country code are read in when the form has no country field.
std::string RequestCountry(const HttpRequest& request) {
  std::string header = request.Header("accept-language");
  std::string first = header.substr(0, header.find_first_of(",;"));
  size_t dash = first.find('-');
  if (dash == std::string::npos || first.size() != dash + 3) return "";
  std::string region = first.substr(dash + 1);
  std::transform(region.begin(), region.end(), region.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return Jurisdictions::Default().IsKnownCountry(region) ? region : "";
}

std::string OriginOf(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  return url.substr(0, url.find('/', scheme + 3));
}

std::string WithQuery(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

HttpResponse SeeOther(const std::string& location) {
  HttpResponse response;
  response.status = 303;
  response.content_type = "text/plain; charset=utf-8";
  response.body = "See " + location + "\n";
  response.headers.emplace_back("Location", location);
  return response;
}

json ReceiptJson(const CollectionReceipt& receipt, CollectionDoor door) {
  json stored = json::array();
  for (const auto& s : receipt.stored) {
    stored.push_back({{"field", s.field},
                      {"category", s.category},
                      {"purposes", s.purposes},
                      {"redacted", s.redacted}});
  }
  json out = {{"receipt", receipt.id},
              {"point", receipt.point},
              {"channel", receipt.channel},
              {"statement_version", receipt.statement_version},
              {"received_at", FormatRfc3339(receipt.received_at)},
              {"stored", stored},
              {"topics_requested", receipt.topics},
              {"flagged_for_review", receipt.flagged_for_review}};
  if (receipt.channel == "referral") out["referrals"] = receipt.referrals;
  // The public is not told whether it added to an existing person (that would tell anyone who
  // knows an address whether its owner is in our records); staff and integrations are.
  if (door != CollectionDoor::kPublic) {
    out["subject"] = receipt.subject_id;
    out["new_subject"] = receipt.new_subject;
  }
  return out;
}

HttpResponse Refused(const std::vector<FieldProblem>& problems, const std::string& request_id) {
  json errors = json::array();
  for (const auto& p : problems) {
    json e = {{"field", p.field}, {"code", p.code}, {"detail", p.detail}};
    if (p.code == "sensitive_data") {
      e["type"] = p.type;
      e["category"] = p.category;
      e["start"] = p.start;
      e["end"] = p.end;
    }
    errors.push_back(std::move(e));
  }
  std::string count = std::to_string(problems.size());
  return ProblemResponse(422, "submission_refused",
                         count + (problems.size() == 1 ? " field was" : " fields were") +
                             " refused and nothing was stored; `errors` says what to change",
                         request_id, json{{"errors", errors}});
}

class CollectDoor {
 public:
  CollectDoor(std::shared_ptr<Collector> collector, const PolicyHolder& policy, CollectionDoor door,
              std::string own_origin, const IpCountry* geo)
      : collector_(std::move(collector)),
        policy_(policy),
        door_(door),
        own_origin_(std::move(own_origin)),
        geo_(geo) {}

  HttpResponse Post(const HttpRequest& request, const Principal* principal) const {
    const std::string& point_id = request.path_params.at("point");
    std::shared_ptr<const Policy> policy = policy_.Current();
    auto found = policy->collection_points.find(point_id);
    const CollectionPoint* point =
        found == policy->collection_points.end() ? nullptr : &found->second;
    std::string origin = request.Header("origin");
    if (door_ == CollectionDoor::kPublic && point != nullptr && !origin.empty() &&
        !OriginAllowed(*point, origin)) {
      return ProblemResponse(403, "origin_not_allowed",
                             "this collection point does not take submissions from pages of " +
                                 origin + "; the policy lists the origins that may post to it",
                             request.request_id);
    }
    HttpResponse response = Handle(request, principal, point);
    if (door_ == CollectionDoor::kPublic && point != nullptr && !origin.empty()) {
      AddCorsHeaders(response, origin);
    }
    return response;
  }

  HttpResponse Preflight(const HttpRequest& request) const {
    const std::string& point_id = request.path_params.at("point");
    std::shared_ptr<const Policy> policy = policy_.Current();
    auto found = policy->collection_points.find(point_id);
    std::string origin = request.Header("origin");
    if (found == policy->collection_points.end() || DoorOf(found->second.channel) != door_) {
      return ProblemResponse(404, "collection_point_not_found",
                             "no public collection point is called '" + point_id + "'",
                             request.request_id);
    }
    if (origin.empty() || !OriginAllowed(found->second, origin) ||
        request.Header("access-control-request-method") != "POST") {
      return ProblemResponse(403, "origin_not_allowed",
                             "pages of this origin may not post to this collection point, or "
                             "the preflight does not ask for POST",
                             request.request_id);
    }
    HttpResponse response;
    response.status = 204;
    response.content_type = "text/plain";
    AddCorsHeaders(response, origin);
    response.headers.emplace_back("Access-Control-Allow-Methods", "POST");
    response.headers.emplace_back("Access-Control-Allow-Headers",
                                  "Content-Type, Idempotency-Key, X-Request-Id");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
    return response;
  }

 private:
  bool OriginAllowed(const CollectionPoint& point, const std::string& origin) const {
    if (origin == own_origin_) return true;
    return std::find(point.cors_origins.begin(), point.cors_origins.end(), origin) !=
           point.cors_origins.end();
  }

  static void AddCorsHeaders(HttpResponse& response, const std::string& origin) {
    response.headers.emplace_back("Access-Control-Allow-Origin", origin);
    response.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id");
    response.headers.emplace_back("Vary", "Origin");
  }

  HttpResponse Handle(const HttpRequest& request, const Principal* principal,
                      const CollectionPoint* point) const {
    if (request.body.size() > kMaxSubmissionBytes) {
      return ProblemResponse(413, "body_too_large",
                             "a submission is at most " + std::to_string(kMaxSubmissionBytes) +
                                 " bytes; shorten the free-text fields",
                             request.request_id);
    }
    const bool form = MediaType(request.Header("content-type")) == kForm;
    Result<Submission> submission = form ? FromForm(request) : FromJson(request);
    if (!submission.ok()) return ProblemResponse(submission.error(), request.request_id);
    Submitter submitter;
    submitter.door = door_;
    submitter.principal = principal;
    submitter.request_id = request.request_id;
    submitter.request_country = RequestCountry(request);
    // Staff and tools enter what others said: their own request says nothing of the person.
    if (door_ == CollectionDoor::kPublic) {
      ConsentSource origin = ConsentSourceOf(request, geo_, *policy_.Current(), "");
      submitter.ip_country = origin.country;
      submitter.user_agent = origin.user_agent;
      submitter.language = origin.language;
      submitter.gpc = request.Header("sec-gpc") == "1";
    }
    auto outcome = collector_->Collect(request.path_params.at("point"), *submission, submitter);
    if (!outcome.ok()) return ProblemResponse(outcome.error(), request.request_id);
    const bool redirect = form && point != nullptr && !point->success_url.empty();
    if (!outcome->receipt) {
      if (!redirect) return Refused(outcome->problems, request.request_id);
      // Only declared field names go into the address: never something the submitter made up.
      std::string fields;
      for (const auto& p : outcome->problems) {
        bool declared = std::any_of(point->fields.begin(), point->fields.end(),
                                    [&](const Field& f) { return f.name == p.field; });
        if (declared && fields.find(p.field) == std::string::npos) {
          fields += (fields.empty() ? "" : ",") + p.field;
        }
      }
      return SeeOther(WithQuery(point->failure_url, "error=" + outcome->problems.front().code +
                                                        "&fields=" + PercentEncode(fields, ",")));
    }
    if (redirect) {
      return SeeOther(WithQuery(point->success_url, "receipt=" + outcome->receipt->id));
    }
    return JsonResponse(201, ReceiptJson(*outcome->receipt, door_).dump());
  }

  std::shared_ptr<Collector> collector_;
  const PolicyHolder& policy_;
  CollectionDoor door_;
  std::string own_origin_;
  const IpCountry* geo_;
};

json ImportJson(const ImportSummary& summary, const std::vector<ImportRow>& rows) {
  json report = json::array();
  for (const auto& row : rows) report.push_back(ImportRowJson(row));
  return {{"import", summary.id},
          {"point", summary.point},
          {"vendor", summary.vendor},
          {"rows", summary.rows},
          {"merged", summary.merged},
          {"added", summary.added},
          {"skipped", summary.skipped},
          {"refused", summary.refused},
          {"ignored_columns", summary.ignored_columns},
          {"report", report}};
}

json ImportRecordJson(const ImportRecord& record, bool with_rows) {
  json out = {{"import", record.id},
              {"point", record.point},
              {"vendor", record.vendor},
              {"actor", record.actor},
              {"started_at", FormatRfc3339(record.started_at)},
              {"finished_at", FormatRfc3339(record.finished_at)},
              {"outcome", record.outcome},
              {"rows", record.rows},
              {"merged", record.merged},
              {"added", record.added},
              {"skipped", record.skipped},
              {"refused", record.refused},
              {"ignored_columns", json::parse(record.ignored_columns, nullptr, false)}};
  if (!record.error.empty()) out["error"] = record.error;
  if (with_rows) out["exceptions"] = json::parse(record.exceptions, nullptr, false);
  return out;
}

HttpResponse ListImports(const ImportHistory& history, const HttpRequest& request,
                         const Principal& reader) {
  int limit = 50;
  if (auto given = request.Query("limit")) {
    bool digits = !given->empty() && given->size() <= 4 &&
                  given->find_first_not_of("0123456789") == std::string::npos;
    limit = digits ? std::stoi(*given) : 0;
    if (limit < 1 || limit > 1000) {
      return ProblemResponse(400, "invalid_limit", "limit must be a whole number from 1 to 1000",
                             request.request_id);
    }
  }
  auto page = history.List(reader, request.Query("cursor").value_or(""), limit);
  if (!page.ok()) return ProblemResponse(page.error(), request.request_id);
  json imports = json::array();
  for (const auto& record : page->imports) {
    imports.push_back(ImportRecordJson(record, /*with_rows=*/false));
  }
  json out = {{"imports", imports},
              {"next_cursor", page->next.empty() ? json(nullptr) : json(page->next)}};
  return JsonResponse(200, out.dump());
}

HttpResponse Import(EnrichmentImporter& importer, const HttpRequest& request,
                    const Principal* principal) {
  if (!IsValidUtf8(request.body)) {
    return ProblemResponse(400, "invalid_utf8", "the CSV file must be UTF-8", request.request_id);
  }
  ImportOptions options;
  options.vendor = request.Query("vendor").value_or("");
  options.point = request.Query("point").value_or("");
  options.principal = principal;
  options.request_id = request.request_id;
  std::istringstream csv(request.body);
  std::vector<ImportRow> rows;
  auto summary = importer.Import(csv, options,
                                 [&rows](const ImportRow& row, uint64_t) { rows.push_back(row); });
  if (!summary.ok()) return ProblemResponse(summary.error(), request.request_id);
  return JsonResponse(200, ImportJson(*summary, rows).dump());
}

}  // namespace

void AddCollectRoutes(Router& router, std::shared_ptr<Collector> collector,
                      const PolicyHolder& policy, const std::string& public_url, Random& random,
                      std::shared_ptr<const ImportHistory> history, const IpCountry* geo) {
  const std::vector<std::string> kBodies = {kJson, kForm};
  auto door = [&](CollectionDoor which) {
    return std::make_shared<const CollectDoor>(collector, policy, which, OriginOf(public_url), geo);
  };
  auto open = door(CollectionDoor::kPublic);
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/collect/{point}",
                   .handler = [open](const HttpRequest& req,
                                     const Principal* who) { return open->Post(req, who); },
                   .content_types = kBodies});
  router.Add(Route{
      .method = "OPTIONS",
      .pattern = "/v1/collect/{point}",
      .blocking = false,
      .handler = [open](const HttpRequest& req, const Principal*) { return open->Preflight(req); },
      .content_types = {}});
  auto staff = door(CollectionDoor::kStaff);
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/admin/collect/{point}",
                   .roles = CollectionStaffRoles(),
                   .handler = [staff](const HttpRequest& req,
                                      const Principal* who) { return staff->Post(req, who); },
                   .content_types = kBodies,
                   .idempotent = true});
  auto hook = door(CollectionDoor::kWebhook);
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/webhooks/collect/{point}",
                   .roles = CollectionWebhookRoles(),
                   .handler = [hook](const HttpRequest& req,
                                     const Principal* who) { return hook->Post(req, who); },
                   .content_types = kBodies,
                   .idempotent = true});
  auto importer = std::make_shared<EnrichmentImporter>(*collector, policy, random, history.get());
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/admin/imports",
                   .roles = ImportRoles(),
                   .handler = [importer, collector, history](
                                  const HttpRequest& req,
                                  const Principal* who) { return Import(*importer, req, who); },
                   .content_types = {"text/csv"},
                   .idempotent = true});
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/imports",
                   .roles = ImportReportRoles(),
                   .handler = [history](const HttpRequest& req, const Principal* who) {
                     return ListImports(*history, req, *who);
                   }});
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/imports/{id}",
                   .roles = ImportReportRoles(),
                   .handler = [history](const HttpRequest& req, const Principal* who) {
                     auto found = history->Get(*who, req.path_params.at("id"));
                     if (!found.ok()) return ProblemResponse(found.error(), req.request_id);
                     return JsonResponse(200, ImportRecordJson(*found, /*with_rows=*/true).dump());
                   }});
}

}  // namespace privacyd
