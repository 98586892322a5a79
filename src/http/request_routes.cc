#include "http/request_routes.h"

#include <sodium.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/rate_limiter.h"
#include "http/accept_language.h"
#include "http/consent_pages.h"
#include "http/json_body.h"
#include "policy/period.h"
#include "rights/rights_text.h"
#include "statement/statement_vocabulary.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
// Intake, code and verification requests one client address may make per window.
constexpr int kPublicCallsPerClient = 30;
constexpr Micros kClientWindow = 600 * kMicrosPerSecond;
// A base64 authorisation document of 5 MiB, with room for the rest of the body.
constexpr size_t kMaxStaffIntakeBody = 8 * 1024 * 1024;

Error BadRequest(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

json ViewJson(const RequestView& v) {
  json out = {{"id", v.id},
              {"rights", v.rights},
              {"state", v.state},
              {"channel", v.channel},
              {"regime", v.regime},
              {"language", v.language},
              {"received_at", FormatRfc3339(v.received_at)},
              {"due_at", FormatRfc3339(v.due_at)},
              {"original_due_at", FormatRfc3339(v.original_due_at)},
              {"max_due_at", FormatRfc3339(v.max_due_at)},
              {"extended", v.extended},
              {"agent", v.agent},
              {"has_document", v.has_document},
              {"needs_confirmation", v.needs_confirmation}};
  if (!v.route.empty()) out["route"] = v.route;
  if (!v.outcome.empty()) out["outcome"] = v.outcome;
  if (v.verified_at) out["verified_at"] = FormatRfc3339(*v.verified_at);
  if (v.closed_at) out["closed_at"] = FormatRfc3339(*v.closed_at);
  if (v.download_until) out["download_until"] = FormatRfc3339(*v.download_until);
  if (!v.transfer_host.empty()) out["transfer_host"] = v.transfer_host;
  if (!v.identities.empty()) {
    json identities = json::array();
    for (const auto& i : v.identities) {
      json identity = {{"kind", i.kind}, {"attested", i.attested}};
      if (i.attested_at) identity["attested_at"] = FormatRfc3339(*i.attested_at);
      if (!i.attested_by.empty()) identity["attested_by"] = i.attested_by;
      if (!i.value.empty()) identity["value"] = i.value;
      identities.push_back(std::move(identity));
    }
    out["identities"] = std::move(identities);
  }
  if (!v.complaint_routes.empty()) {
    json routes = json::array();
    for (const auto& r : v.complaint_routes) {
      routes.push_back({{"id", r.id},
                        {"name", r.name},
                        {"url", r.url},
                        {"dpf_dispute_resolution", r.dpf_dispute_resolution}});
    }
    out["complaint_routes"] = routes;
  }
  return out;
}

HttpResponse NoStore(HttpResponse response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

std::string BearerToken(const HttpRequest& request) {
  std::string authorization = request.Header("authorization");
  if (authorization.size() <= 7) return "";
  std::string scheme = authorization.substr(0, 7);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return "";
  std::string token = authorization.substr(7);
  size_t first = token.find_first_not_of(' ');
  size_t last = token.find_last_not_of(' ');
  return first == std::string::npos ? "" : token.substr(first, last - first + 1);
}

// A list of strings, or an error naming the member.
Result<std::vector<std::string>> Strings(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return std::vector<std::string>{};
  if (!it->is_array()) {
    return BadRequest("invalid_request", std::string("'") + name + "' must be a list of strings");
  }
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (!item.is_string()) {
      return BadRequest("invalid_request", std::string("'") + name + "' must be a list of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::string> OptionalText(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return BadRequest("invalid_request", std::string("'") + name + "' must be a string");
  }
  return it->get<std::string>();
}

Status OnlyMembers(const json& body, std::initializer_list<const char*> allowed) {
  for (const auto& [key, _] : body.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      std::string all;
      for (const char* a : allowed) all += std::string(all.empty() ? "" : ", ") + a;
      return BadRequest("unknown_member",
                        "unknown member '" + key.substr(0, 40) + "'; the body has " + all);
    }
  }
  return Ok();
}

// The members common to both intakes.
Result<NewRequest> ParseRequest(const json& body) {
  NewRequest out;
  PD_ASSIGN_OR_RETURN(out.rights, Strings(body, "rights"));
  PD_ASSIGN_OR_RETURN(out.email, OptionalText(body, "email"));
  PD_ASSIGN_OR_RETURN(out.country, OptionalText(body, "country"));
  PD_ASSIGN_OR_RETURN(out.language, OptionalText(body, "language"));
  PD_ASSIGN_OR_RETURN(out.transfer_url, OptionalText(body, "transfer_url"));
  if (out.email.empty()) {
    return BadRequest("invalid_identity", "send the person's email address as 'email'");
  }
  if (auto it = body.find("identities"); it != body.end() && !it->is_null()) {
    const Error malformed =
        BadRequest("invalid_request",
                   "'identities' must be an object such as {\"phone\": \"+49 30 1234567\"}");
    if (!it->is_object()) return malformed;
    for (const auto& [kind, value] : it->items()) {
      if (value.is_null()) continue;
      if (!value.is_string()) return malformed;
      // An empty field of a form is no identity.
      if (!value.get<std::string>().empty()) out.identities[kind] = value.get<std::string>();
    }
  }
  return out;
}

// The problem of a failed intake; an identity's names the member it is about ("field").
HttpResponse IntakeProblem(const Error& error, const std::string& field,
                           const std::string& request_id) {
  if (field.empty()) return ProblemResponse(error, request_id);
  return ProblemResponse(HttpStatusFor(error.kind()), error.code(), error.message(), request_id,
                         json{{"field", field}});
}

class RequestRoutes {
 public:
  RequestRoutes(RequestService& service, const Clock& clock, const RequestEvidenceBuilder* evidence)
      : service_(service),
        clock_(clock),
        evidence_(evidence),
        limiter_(clock, kPublicCallsPerClient, kClientWindow) {}

  bool WithinClientLimit(const HttpRequest& request) {
    return limiter_.Allow(request.client_address.empty() ? request.remote_address
                                                         : request.client_address);
  }

  HttpResponse ClientLimited(const HttpRequest& request) {
    HttpResponse response = ProblemResponse(
        Error(ErrorKind::kResourceExhausted, "too_many_requests",
              "too many requests from this address; wait ten minutes and try again"),
        request.request_id);
    response.headers.emplace_back("Retry-After", "600");
    return response;
  }

  // POST /v1/requests
  HttpResponse Submit(const HttpRequest& request) {
    if (!WithinClientLimit(request)) return ClientLimited(request);
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object()) {
      return ProblemResponse(BadRequest("invalid_request", "the body must be a JSON object"),
                             request.request_id);
    }
    if (Status s = OnlyMembers(
            *body, {"rights", "email", "country", "language", "transfer_url", "identities"});
        !s.ok()) {
      return ProblemResponse(s.error(), request.request_id);
    }
    auto parsed = ParseRequest(*body);
    if (!parsed.ok()) return ProblemResponse(parsed.error(), request.request_id);
    std::string field;
    auto view = service_.Submit(*parsed, nullptr, request.request_id, &field);
    if (!view.ok()) return IntakeProblem(view.error(), field, request.request_id);
    return NoStore(JsonResponse(201, ViewJson(*view).dump()));
  }

  // POST /v1/requests/{id}/code
  HttpResponse Resend(const HttpRequest& request) {
    if (!WithinClientLimit(request)) return ClientLimited(request);
    Status s = service_.ResendCode(request.path_params.at("id"));
    if (!s.ok()) return ProblemResponse(s.error(), request.request_id);
    return JsonResponse(202, json{{"sent_if_open", true}, {"expires_in_minutes", 15}}.dump());
  }

  // POST /v1/requests/{id}/verify
  HttpResponse Verify(const HttpRequest& request) {
    if (!WithinClientLimit(request)) return ClientLimited(request);
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object() || !body->value("code", json()).is_string()) {
      return ProblemResponse(BadRequest("invalid_request", "send {\"code\": \"123456\"}"),
                             request.request_id);
    }
    std::string duplicate_of;
    auto verified = service_.Verify(request.path_params.at("id"),
                                    (*body)["code"].get<std::string>(), &duplicate_of);
    if (!verified.ok()) {
      if (verified.error().code() == "duplicate_request" && !duplicate_of.empty()) {
        return ProblemResponse(409, "duplicate_request", verified.error().message(),
                               request.request_id, json{{"open_request_id", duplicate_of}});
      }
      return ProblemResponse(verified.error(), request.request_id);
    }
    return NoStore(JsonResponse(
        200, json{{"token", verified->token}, {"request", ViewJson(verified->request)}}.dump()));
  }

  // GET /r/{token}: the link beside a mailed code asks first (a link scanner that fetches it
  // must not verify anything), in the person's language.
  HttpResponse LinkPage(const HttpRequest& request) {
    auto view = service_.LinkedRequest(request.path_params.at("token"));
    if (!view.ok()) return LinkProblem(request, view.error());
    ConsentPageVars vars = PageVars(*view);
    vars.form_action = request.path;
    return RenderConsentPage(ConsentPage::kRequestConfirmAsk, view->language, vars);
  }

  // POST /r/{token}: the confirmation, as entering the code would.
  HttpResponse ConfirmByLink(const HttpRequest& request) {
    if (!WithinClientLimit(request)) return ClientLimited(request);
    auto verified = service_.VerifyByLink(request.path_params.at("token"));
    if (!verified.ok()) return LinkProblem(request, verified.error());
    return RenderConsentPage(ConsentPage::kRequestConfirmed, verified->request.language,
                             PageVars(verified->request));
  }

  // GET /v1/requests/{id}
  HttpResponse Get(const HttpRequest& request) {
    auto view = service_.ForToken(request.path_params.at("id"), BearerToken(request));
    if (!view.ok()) return ProblemResponse(view.error(), request.request_id);
    return NoStore(JsonResponse(200, ViewJson(*view).dump()));
  }

  // GET /v1/requests/{id}/download
  HttpResponse Download(const HttpRequest& request) {
    const std::string& id = request.path_params.at("id");
    auto zip = service_.Download(id, BearerToken(request));
    if (!zip.ok()) {
      // The package existed and its window closed: gone for good, not merely absent.
      if (zip.error().code() == "download_expired") {
        return NoStore(
            ProblemResponse(410, "download_expired", zip.error().message(), request.request_id));
      }
      return NoStore(ProblemResponse(zip.error(), request.request_id));
    }
    HttpResponse response;
    response.status = 200;
    response.content_type = "application/zip";
    response.body = std::move(zip).value();
    // The id is "req_" and hex: safe in a quoted filename.
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"privacy-data-" + id + ".zip\"");
    return NoStore(std::move(response));
  }

  // POST /v1/requests/{id}/withdraw
  HttpResponse Withdraw(const HttpRequest& request) {
    auto view = service_.WithdrawByPerson(request.path_params.at("id"), BearerToken(request));
    if (!view.ok()) return ProblemResponse(view.error(), request.request_id);
    return NoStore(JsonResponse(200, ViewJson(*view).dump()));
  }

  // POST /v1/admin/requests
  HttpResponse StaffSubmit(const HttpRequest& request, const Principal* principal) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object()) {
      return ProblemResponse(BadRequest("invalid_request", "the body must be a JSON object"),
                             request.request_id);
    }
    if (Status s = OnlyMembers(*body, {"rights", "email", "country", "language", "transfer_url",
                                       "identities", "channel", "received_at", "identity_verified",
                                       "agent", "authorisation_document"});
        !s.ok()) {
      return ProblemResponse(s.error(), request.request_id);
    }
    auto parsed = ParseRequest(*body);
    if (!parsed.ok()) return ProblemResponse(parsed.error(), request.request_id);
    NewRequest in = std::move(parsed).value();
    auto channel = OptionalText(*body, "channel");
    auto received = OptionalText(*body, "received_at");
    auto document = OptionalText(*body, "authorisation_document");
    for (const auto* r : {&channel, &received, &document}) {
      if (!r->ok()) return ProblemResponse(r->error(), request.request_id);
    }
    if (channel->empty()) {
      return ProblemResponse(
          BadRequest("channel_not_offered", "say how the request came in: 'channel'"),
          request.request_id);
    }
    in.channel = *channel;
    if (!received->empty()) {
      // A date ("2026-01-31", midnight UTC) or an RFC 3339 time.
      auto at = received->size() == 10 ? ParseDate(*received) : ParseRfc3339(*received);
      if (!at.ok()) {
        return ProblemResponse(BadRequest("invalid_received_at",
                                          "'received_at' must be a date (2026-01-31) or an "
                                          "RFC 3339 time"),
                               request.request_id);
      }
      in.received_at = *at;
    }
    for (const char* flag : {"identity_verified", "agent"}) {
      auto it = body->find(flag);
      if (it != body->end() && !it->is_boolean()) {
        return ProblemResponse(
            BadRequest("invalid_request", std::string("'") + flag + "' must be true or false"),
            request.request_id);
      }
    }
    in.attested = body->value("identity_verified", false);
    in.agent = body->value("agent", false);
    if (!document->empty()) {
      std::string bytes(document->size(), '\0');
      size_t length = 0;
      if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(),
                            document->data(), document->size(), nullptr, &length, nullptr,
                            sodium_base64_VARIANT_ORIGINAL) != 0) {
        return ProblemResponse(
            BadRequest("invalid_document", "'authorisation_document' must be base64 (RFC 4648)"),
            request.request_id);
      }
      bytes.resize(length);
      in.document = std::move(bytes);
    }
    std::string field;
    auto view = service_.Submit(in, principal, request.request_id, &field);
    if (!view.ok()) return IntakeProblem(view.error(), field, request.request_id);
    return JsonResponse(201, ViewJson(*view).dump());
  }

  // GET /v1/admin/requests
  HttpResponse List(const HttpRequest& request, const Principal* principal) {
    RequestQuery query;
    query.limit = kDefaultPageSize;
    query.state = request.Query("state").value_or("");
    query.right = request.Query("right").value_or("");
    if (auto due = request.Query("due_before")) {
      auto at = due->size() == 10 ? ParseDate(*due) : ParseRfc3339(*due);
      if (!at.ok()) {
        return ProblemResponse(
            BadRequest("invalid_due_before", "'due_before' must be a date or an RFC 3339 time"),
            request.request_id);
      }
      query.due_before = *at;
    }
    if (auto overdue = request.Query("overdue")) {
      if (*overdue != "true" && *overdue != "false") {
        return ProblemResponse(BadRequest("invalid_overdue", "'overdue' must be true or false"),
                               request.request_id);
      }
      if (*overdue == "true") query.overdue_at = clock_.Now();
    }
    if (auto limit = request.Query("limit")) {
      int n = 0;
      if (limit->empty() || limit->size() > 4 ||
          limit->find_first_not_of("0123456789") != std::string::npos ||
          (n = std::stoi(*limit)) < 1 || n > kMaxPageSize) {
        return ProblemResponse(BadRequest("invalid_limit", "'limit' must be 1 to 500"),
                               request.request_id);
      }
      query.limit = n;
    }
    if (auto cursor = request.Query("cursor")) {
      // "<due micros>.<id>", as given in next_cursor.
      size_t dot = cursor->find('.');
      bool ok = dot != std::string::npos && dot > 0 && dot < 20 &&
                cursor->substr(0, dot).find_first_not_of("0123456789") == std::string::npos;
      if (!ok) {
        return ProblemResponse(
            BadRequest("invalid_cursor", "use the next_cursor of the previous page"),
            request.request_id);
      }
      query.after_due = std::stoll(cursor->substr(0, dot));
      query.after_id = cursor->substr(dot + 1);
    }
    // One person's requests, by the address or the telephone number staff were given.
    IdentityValue lookup;
    auto email = request.Query("email");
    auto phone = request.Query("phone");
    if (email && phone) {
      return ProblemResponse(
          BadRequest("invalid_request", "look requests up by 'email' or by 'phone', not both"),
          request.request_id);
    }
    if (email) lookup = {"email", *email};
    if (phone) lookup = {"phone", *phone};
    auto page = service_.List(*principal, query, lookup, request.request_id);
    if (!page.ok()) return ProblemResponse(page.error(), request.request_id);
    json items = json::array();
    for (const auto& v : page->requests) items.push_back(ViewJson(v));
    json out = {{"requests", items}};
    if (page->next_due) out["next_cursor"] = std::to_string(*page->next_due) + "." + page->next_id;
    return JsonResponse(200, out.dump());
  }

  // GET /v1/admin/requests/{id}
  HttpResponse StaffGet(const HttpRequest& request, const Principal* principal) {
    std::vector<RequestEventView> timeline;
    auto view =
        service_.Get(*principal, request.path_params.at("id"), &timeline, request.request_id);
    if (!view.ok()) return ProblemResponse(view.error(), request.request_id);
    json out = ViewJson(*view);
    json events = json::array();
    for (const auto& e : timeline) {
      json event = {{"seq", e.seq},         {"at", FormatRfc3339(e.at)}, {"actor", e.actor},
                    {"from", e.from_state}, {"to", e.to_state},          {"action", e.action}};
      if (!e.reason.empty()) event["reason"] = e.reason;
      events.push_back(std::move(event));
    }
    out["timeline"] = events;
    return JsonResponse(200, out.dump());
  }

  // GET /v1/admin/requests/{id}/evidence[?format=json|html]
  HttpResponse Evidence(const HttpRequest& request, const Principal* principal) {
    const std::string format = request.Query("format").value_or("json");
    if (format != "json" && format != "html") {
      return ProblemResponse(BadRequest("invalid_format", "'format' must be json or html"),
                             request.request_id);
    }
    auto evidence =
        evidence_->Build(*principal, request.path_params.at("id"), format, request.request_id);
    if (!evidence.ok()) return ProblemResponse(evidence.error(), request.request_id);
    HttpResponse response;
    if (format == "html") {
      response.content_type = "text/html; charset=utf-8";
      response.body = EvidenceHtml(*evidence);
      response.headers.emplace_back("Content-Language", "en");
      // The page has no scripts and loads nothing: a browser is told to refuse anything else.
      response.headers.emplace_back("Content-Security-Policy",
                                    "default-src 'none'; style-src 'unsafe-inline'; "
                                    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    } else {
      response = JsonResponse(200, EvidenceJson(*evidence));
    }
    return NoStore(std::move(response));
  }

  // POST /v1/admin/requests/{id}/identities/{kind}/attest
  HttpResponse Attest(const HttpRequest& request, const Principal* principal) {
    // No body is needed; an empty JSON object is accepted too.
    if (!request.body.empty()) {
      auto body = ParseJsonBody(request);
      if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
      if (!body->is_object() || !body->empty()) {
        return ProblemResponse(BadRequest("invalid_request", "send no body, or {}"),
                               request.request_id);
      }
    }
    std::string duplicate_of;
    auto view =
        service_.AttestIdentity(*principal, request.path_params.at("id"),
                                request.path_params.at("kind"), request.request_id, &duplicate_of);
    if (!view.ok()) {
      if (view.error().code() == "duplicate_request" && !duplicate_of.empty()) {
        return ProblemResponse(409, "duplicate_request", view.error().message(), request.request_id,
                               json{{"open_request_id", duplicate_of}});
      }
      return ProblemResponse(view.error(), request.request_id);
    }
    return JsonResponse(200, ViewJson(*view).dump());
  }

  // POST /v1/admin/requests/{id}/extend
  HttpResponse Extend(const HttpRequest& request, const Principal* principal) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object()) {
      return ProblemResponse(BadRequest("invalid_request", "send {\"reason\": \"...\"}"),
                             request.request_id);
    }
    if (Status s = OnlyMembers(*body, {"reason", "until"}); !s.ok()) {
      return ProblemResponse(s.error(), request.request_id);
    }
    auto reason = OptionalText(*body, "reason");
    auto until_text = OptionalText(*body, "until");
    if (!reason.ok()) return ProblemResponse(reason.error(), request.request_id);
    if (!until_text.ok()) return ProblemResponse(until_text.error(), request.request_id);
    std::optional<Micros> until;
    if (!until_text->empty()) {
      auto at = ParseRfc3339(*until_text);
      if (!at.ok()) {
        return ProblemResponse(BadRequest("invalid_until", "'until' must be an RFC 3339 time"),
                               request.request_id);
      }
      until = *at;
    }
    auto view = service_.Extend(*principal, request.path_params.at("id"), *reason, until,
                                request.request_id);
    if (!view.ok()) return ProblemResponse(view.error(), request.request_id);
    return JsonResponse(200, ViewJson(*view).dump());
  }

  // POST /v1/admin/requests/{id}/transition
  HttpResponse Transition(const HttpRequest& request, const Principal* principal) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object() || !body->value("action", json()).is_string()) {
      return ProblemResponse(
          BadRequest("invalid_request", "send {\"action\": \"start\"} (and a 'reason')"),
          request.request_id);
    }
    if (Status s = OnlyMembers(*body, {"action", "reason"}); !s.ok()) {
      return ProblemResponse(s.error(), request.request_id);
    }
    auto reason = OptionalText(*body, "reason");
    if (!reason.ok()) return ProblemResponse(reason.error(), request.request_id);
    auto view =
        service_.Transition(*principal, request.path_params.at("id"),
                            (*body)["action"].get<std::string>(), *reason, request.request_id);
    if (!view.ok()) return ProblemResponse(view.error(), request.request_id);
    return JsonResponse(200, ViewJson(*view).dump());
  }

 private:
  ConsentPageVars PageVars(const RequestView& view) const {
    ConsentPageVars vars;
    vars.controller = service_.ControllerName();
    vars.request = view.id;
    vars.due = DateText(view.due_at, ParseLang(view.language).value_or(Lang::kEn));
    return vars;
  }

  // The page for a link that does not work: not valid, expired, or used up (a used or replaced
  // code, a closed request); other errors as problems.
  HttpResponse LinkProblem(const HttpRequest& request, const Error& error) const {
    ConsentPageVars vars;
    vars.controller = service_.ControllerName();
    std::string lang = NegotiateLanguage(request.Header("accept-language"), ConsentPageLanguages());
    if (lang.empty()) lang = ConsentPageLanguages().front();
    const std::string& code = error.code();
    if (code == "invalid_link") return RenderConsentPage(ConsentPage::kInvalidLink, lang, vars);
    if (code == "link_expired") return RenderConsentPage(ConsentPage::kExpiredLink, lang, vars);
    if (code == "invalid_code" || code == "code_expired" || code == "code_attempts_exhausted" ||
        code == "request_not_found") {
      return RenderConsentPage(ConsentPage::kRequestNotConfirmed, lang, vars);
    }
    return ProblemResponse(error, request.request_id);
  }

  RequestService& service_;
  const Clock& clock_;
  const RequestEvidenceBuilder* evidence_;
  RateLimiter limiter_;
};

}  // namespace

void AddRequestRoutes(Router& router, RequestService& service, const Clock& clock,
                      const RequestEvidenceBuilder* evidence) {
  auto routes = std::make_shared<RequestRoutes>(service, clock, evidence);
  auto add = [&](std::string method, std::string pattern, std::vector<std::string> roles,
                 Handler handler, bool idempotent = false, size_t max_body = 0) {
    Route route;
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    route.roles = std::move(roles);
    route.handler = std::move(handler);
    route.idempotent = idempotent;
    route.max_body_bytes = max_body;
    router.Add(std::move(route));
  };
  add("POST", "/v1/requests", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Submit(r); });
  add("GET", "/v1/requests/{id}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Get(r); });
  add("GET", "/v1/requests/{id}/download", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Download(r); });
  add("POST", "/v1/requests/{id}/code", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Resend(r); });
  add("POST", "/v1/requests/{id}/verify", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Verify(r); });
  // The link beside a mailed code: a page that asks, then a form post that verifies.
  add("GET", "/r/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->LinkPage(r); });
  {
    Route route;
    route.method = "POST";
    route.pattern = "/r/{token}";
    route.handler = [routes](const HttpRequest& r, const Principal*) {
      return routes->ConfirmByLink(r);
    };
    route.content_types = {"application/x-www-form-urlencoded", "multipart/form-data"};
    router.Add(std::move(route));
  }
  add("POST", "/v1/requests/{id}/withdraw", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Withdraw(r); });
  add(
      "POST", "/v1/admin/requests", RequestStaffRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->StaffSubmit(r, p); },
      /*idempotent=*/true, kMaxStaffIntakeBody);
  add("GET", "/v1/admin/requests", RequestStaffRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->List(r, p); });
  add("GET", "/v1/admin/requests/{id}", RequestStaffRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->StaffGet(r, p); });
  if (evidence != nullptr) {
    add("GET", "/v1/admin/requests/{id}/evidence", RequestStaffRoles(),
        [routes](const HttpRequest& r, const Principal* p) { return routes->Evidence(r, p); });
  }
  add("POST", "/v1/admin/requests/{id}/identities/{kind}/attest", RequestStaffRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->Attest(r, p); });
  add("POST", "/v1/admin/requests/{id}/extend", RequestDecisionRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->Extend(r, p); });
  add("POST", "/v1/admin/requests/{id}/transition", RequestStaffRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->Transition(r, p); });
}

}  // namespace privacyd
