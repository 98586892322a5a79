#include "http/consent_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "consent/mail_delivery.h"
#include "core/parallel.h"
#include "core/percent_encoding.h"
#include "core/rate_limiter.h"
#include "core/user_agent.h"
#include "http/accept_language.h"
#include "http/consent_check_request.h"
#include "http/consent_pages.h"
#include "http/form_fields.h"
#include "http/json_body.h"
#include "registry/identity.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr char kEmailSubjectPrefix[] = "email:";
constexpr Micros kPreferencesLinkValidity = 30LL * 86400 * kMicrosPerSecond;
constexpr int kAudienceDefaultLimit = 1000;
constexpr int kAudienceMaxLimit = 10000;
// Below this many items a part of a check's answer is not worth a thread of its own.
constexpr size_t kMinBodyPart = 4096;
constexpr size_t kMinKeptAnswerBuffer = 1 << 20;
constexpr size_t kMaxKeptAnswerBuffers = 128 << 20;
// A check body up to this size (some twenty addresses) may run on the I/O thread
// (Route::run_inline): its answer takes tens of microseconds.
constexpr size_t kInlineCheckBytes = 1024;

std::string PageLanguage(const HttpRequest& request) {
  std::string lang = NegotiateLanguage(request.Header("accept-language"), ConsentPageLanguages());
  return lang.empty() ? ConsentPageLanguages().front() : lang;
}

// The topic names of a comma list, in `language`; unknown ids are skipped.
std::vector<std::string> TopicNames(const std::string& list, const std::string& language,
                                    const Policy& policy) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    auto topic = policy.topics.find(list.substr(start, comma - start));
    if (topic != policy.topics.end()) names.push_back(TextIn(topic->second.name, language, policy));
    start = comma + 1;
  }
  return names;
}

HttpResponse LinkProblemPage(const Error& error, const std::string& language,
                             const Policy& policy) {
  ConsentPageVars vars;
  vars.controller = policy.controller.name;
  return RenderConsentPage(
      error.code() == "link_expired" ? ConsentPage::kExpiredLink : ConsentPage::kInvalidLink,
      language, vars);
}

// The bearer link of a Preference Center request. Errors (kUnauthenticated):
// "preferences_link_required", "invalid_link", "link_expired".
Result<LinkClaims> PreferencesClaims(const HttpRequest& request, const ConsentLedger& ledger,
                                     Micros now) {
  std::string authorization = request.Header("authorization");
  std::string scheme = authorization.substr(0, 7);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (authorization.size() <= 7 || scheme != "bearer ") {
    return Error(ErrorKind::kUnauthenticated, "preferences_link_required",
                 "send the token of a Preference Center link as Authorization: Bearer TOKEN");
  }
  std::string token = authorization.substr(7);
  size_t first = token.find_first_not_of(' ');
  size_t last = token.find_last_not_of(' ');
  token = first == std::string::npos ? "" : token.substr(first, last - first + 1);
  auto claims = ledger.links().Verify(token, now);
  if (!claims.ok()) {
    // An expired link is as good as none: the person needs a new one either way.
    return Error(ErrorKind::kUnauthenticated, claims.error().code(), claims.error().message());
  }
  if (claims->purpose != LinkPurpose::kPreferences ||
      claims->subject_id.rfind(kEmailSubjectPrefix, 0) == 0) {
    return Error(ErrorKind::kUnauthenticated, "invalid_link",
                 "this link does not open the Preference Center; use the one from an email");
  }
  return claims;
}

json TopicStatesJson(const std::vector<TopicState>& states, const Policy& policy,
                     const std::string& language) {
  json topics = json::array();
  for (const auto& state : states) {
    const SubscriptionTopic& topic = policy.topics.at(state.topic);
    json t = {{"id", state.topic},
              {"kind", topic.kind == TopicKind::kMarketing ? "marketing" : "service"},
              {"name", TextIn(topic.name, language, policy)},
              {"description", TextIn(topic.description, language, policy)},
              {"subscribed", state.subscribed},
              {"state", ConsentVerdictName(state.verdict)},
              {"pending_confirmation", state.pending},
              {"by_default", state.by_default}};
    if (state.since) t["since"] = FormatRfc3339(*state.since);
    if (!state.method.empty()) t["method"] = state.method;
    topics.push_back(std::move(t));
  }
  return topics;
}

json EventJson(const ConsentEventRecord& e) {
  json evidence = json::parse(e.evidence, nullptr, false);
  return {{"seq", e.seq},
          {"time", FormatRfc3339(e.created_at)},
          {"target", e.target},
          {"action", e.action},
          {"method", e.method},
          {"regime", e.regime},
          {"statement_version", e.statement_version},
          {"notice_hash", e.notice_hash},
          {"language", e.language},
          {"country", e.country},
          {"user_agent", e.user_agent},
          {"request_id", e.request_id},
          {"actor", e.actor},
          {"evidence", evidence.is_object() ? evidence : json::object()}};
}

class ConsentRoutes {
 public:
  explicit ConsentRoutes(const ConsentRouteServices& services)
      : ledger_(services.ledger),
        policy_(services.policy),
        geo_(services.geo),
        mailto_(services.unsubscribe_mailto),
        code_limiter_(services.ledger.clock(), kCodeRequestsPerClient, kCodeWindow) {}

  // GET /u/{token}: what the link would do, and a button; never changes anything (mail
  // scanners fetch links).
  HttpResponse UnsubscribePage(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = UnsubscribeClaims(request.path_params.at("token"), *policy);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    ConsentPageVars vars;
    vars.controller = policy->controller.name;
    vars.form_action = request.path;
    if (claims->subject_id.rfind(kEmailSubjectPrefix, 0) == 0) {
      return RenderConsentPage(ConsentPage::kNeverContactAsk, lang, vars);
    }
    vars.topic = TopicName(*claims, lang, *policy);
    return RenderConsentPage(ConsentPage::kUnsubscribeAsk, lang, vars);
  }

  // POST /u/{token}: RFC 8058 one-click (List-Unsubscribe=One-Click as multipart/form-data or
  // urlencoded, no cookie, no redirect), or the button of the page above. Idempotent.
  HttpResponse Unsubscribe(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = UnsubscribeClaims(request.path_params.at("token"), *policy);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    auto fields = ParseFormFields(request);
    if (!fields.ok()) return ProblemResponse(fields.error(), request.request_id);
    auto one_click = fields->find("List-Unsubscribe");
    if (one_click == fields->end() || one_click->second != "One-Click") {
      return ProblemResponse(400, "one_click_body_required",
                             "post the body List-Unsubscribe=One-Click (RFC 8058)",
                             request.request_id);
    }
    const bool from_page = fields->count("via") && fields->find("via")->second == "page";
    ConsentSource source =
        ConsentSourceOf(request, geo_, *policy, from_page ? kMethodEmailLink : kMethodOneClick);
    source.language = lang;
    if (!claims->message_id.empty()) source.evidence["message_id"] = claims->message_id;
    ConsentPageVars vars;
    vars.controller = policy->controller.name;
    if (claims->subject_id.rfind(kEmailSubjectPrefix, 0) == 0) {
      Status s = ledger_.SuppressAddress(claims->subject_id.substr(6), source);
      if (!s.ok()) return LinkProblemPage(s.error(), lang, *policy);
      return RenderConsentPage(ConsentPage::kNeverContactDone, lang, vars);
    }
    auto changed = ledger_.Change(claims->subject_id, claims->topic, "withdraw", source,
                                  /*confirm_by_mail=*/from_page);
    // Someone erased since has nothing left to unsubscribe: the answer is the same.
    if (!changed.ok() && changed.error().code() != "subject_not_found") {
      return ProblemResponse(changed.error(), request.request_id);
    }
    vars.topic = TopicName(*claims, lang, *policy);
    if (changed.ok() && from_page) {
      vars.preferences_url = ledger_.PreferencesUrl(claims->subject_id, kPreferencesLinkValidity);
    }
    return RenderConsentPage(ConsentPage::kUnsubscribed, lang, vars);
  }

  // GET /c/{token}: the double opt-in question and its button.
  HttpResponse ConfirmPage(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = ConfirmClaims(request);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    ConsentPageVars vars;
    vars.controller = policy->controller.name;
    vars.form_action = request.path;
    vars.topics = TopicNames(claims->topic, lang, *policy);
    return RenderConsentPage(ConsentPage::kConfirmAsk, lang, vars);
  }

  // POST /c/{token}: the confirmation itself.
  HttpResponse Confirm(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = ConfirmClaims(request);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    ConsentSource source = ConsentSourceOf(request, geo_, *policy, kMethodDoubleOptIn);
    source.language = lang;
    auto granted = ledger_.Confirm(*claims, source);
    ConsentPageVars vars;
    vars.controller = policy->controller.name;
    if (!granted.ok() || granted->empty()) {
      if (!granted.ok() && granted.error().code() != "subject_not_found") {
        return ProblemResponse(granted.error(), request.request_id);
      }
      return RenderConsentPage(ConsentPage::kNothingToConfirm, lang, vars);
    }
    std::string list;
    for (const auto& t : *granted) list += (list.empty() ? "" : ",") + t;
    vars.topics = TopicNames(list, lang, *policy);
    vars.preferences_url = ledger_.PreferencesUrl(claims->subject_id, kPreferencesLinkValidity);
    return RenderConsentPage(ConsentPage::kConfirmed, lang, vars);
  }

  // GET /a/{token}: the question whether to write to the new address from now on.
  HttpResponse AddressPage(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = ConfirmClaims(request, LinkPurpose::kAddress);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    ConsentPageVars vars;
    vars.controller = policy->controller.name;
    vars.form_action = request.path;
    return RenderConsentPage(ConsentPage::kAddressAsk, lang, vars);
  }

  // POST /a/{token}: the confirmation, from the new mailbox.
  HttpResponse ConfirmAddress(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = ConfirmClaims(request, LinkPurpose::kAddress);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    ConsentSource source = ConsentSourceOf(request, geo_, *policy, kMethodDoubleOptIn);
    source.language = lang;
    Status done = ledger_.ConfirmAddressChange(*claims, source);
    ConsentPageVars vars;
    vars.controller = policy->controller.name;
    if (done.ok()) {
      vars.preferences_url = ledger_.PreferencesUrl(claims->subject_id, kPreferencesLinkValidity);
      return RenderConsentPage(ConsentPage::kAddressChanged, lang, vars);
    }
    const std::string& code = done.error().code();
    if (code == "address_taken") return RenderConsentPage(ConsentPage::kAddressTaken, lang, vars);
    if (code == "address_change_not_pending" || code == "subject_not_found") {
      return RenderConsentPage(ConsentPage::kAddressNotPending, lang, vars);
    }
    return ProblemResponse(done.error(), request.request_id);
  }

  static HttpResponse Unauthorized(const Error& error, const HttpRequest& request) {
    HttpResponse response = ProblemResponse(error, request.request_id);
    if (response.status == 401) {
      response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"preferences\"");
    }
    return response;
  }

  // GET /p/{token}: the minimal Preference Center page behind the links in our mail.
  HttpResponse PreferencesPage(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = PageClaims(request);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    return RenderPreferences(request, claims->subject_id, lang, /*saved=*/false);
  }

  // POST /p/{token}: the page's form. Checked topics are subscribed, unchecked ones
  // unsubscribed; "unsubscribe_all" and "object" as in PUT /v1/preferences.
  HttpResponse SavePreferencesPage(const HttpRequest& request) const {
    auto policy = policy_.Current();
    const std::string lang = PageLanguage(request);
    auto claims = PageClaims(request);
    if (!claims.ok()) return LinkProblemPage(claims.error(), lang, *policy);
    auto fields = ParseFormFields(request);
    if (!fields.ok()) return ProblemResponse(fields.error(), request.request_id);
    auto states = ledger_.TopicStates(claims->subject_id);
    if (!states.ok()) return LinkProblemPage(states.error(), lang, *policy);
    std::set<std::string> checked;
    for (auto [it, end] = fields->equal_range("topic"); it != end; ++it) checked.insert(it->second);
    ConsentSource source = ConsentSourceOf(request, geo_, *policy, kMethodPreferenceCenter);
    source.language = lang;
    std::vector<ConsentChange> changes;
    bool objected = false;
    for (const auto& s : *states) objected = objected || s.verdict == ConsentVerdict::kObjected;
    if (fields->count("object") && !objected) changes.emplace_back("", "object");
    if (fields->count("unsubscribe_all")) {
      changes.emplace_back("*", "withdraw");
    } else {
      for (const auto& state : *states) {
        bool want = checked.count(state.topic) > 0;
        if (want && !state.subscribed) changes.emplace_back(state.topic, "grant");
        if (!want && state.subscribed) changes.emplace_back(state.topic, "withdraw");
      }
    }
    auto changed = ledger_.ChangeAll(claims->subject_id, changes, source,
                                     /*confirm_by_mail=*/false, Gpc(request));
    if (!changed.ok()) return ProblemResponse(changed.error(), request.request_id);
    return RenderPreferences(request, claims->subject_id, lang, /*saved=*/true);
  }

  HttpResponse GetPreferences(const HttpRequest& request) const {
    auto claims = PreferencesClaims(request, ledger_, Now());
    if (!claims.ok()) return Unauthorized(claims.error(), request);
    return PreferencesResponse(request, claims->subject_id);
  }

  // PUT /v1/preferences {"topics": {"newsletter": true, ...}, "unsubscribe_all": true,
  // "object": true}: applied in that order of strength (objection first).
  HttpResponse PutPreferences(const HttpRequest& request) const {
    auto claims = PreferencesClaims(request, ledger_, Now());
    if (!claims.ok()) return Unauthorized(claims.error(), request);
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    auto policy = policy_.Current();
    auto bad = [&](const std::string& detail) {
      return ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_preferences", detail),
                             request.request_id);
    };
    if (!body->is_object()) return bad("send an object with topics, unsubscribe_all or object");
    std::vector<ConsentChange> changes;
    for (const auto& [key, value] : body->items()) {
      if (key == "object" || key == "unsubscribe_all") {
        if (!value.is_boolean()) return bad("'" + key + "' is true or false");
      } else if (key == "email") {
        if (!value.is_string()) return bad("'email' is the new address, a string");
      } else if (key == "topics") {
        if (!value.is_object()) return bad("'topics' maps topic ids to true or false");
        for (const auto& [topic, on] : value.items()) {
          if (!policy->topics.count(topic)) {
            return ProblemResponse(Error(ErrorKind::kInvalidArgument, "unknown_topic",
                                         "the policy has no subscription topic '" + topic + "'"),
                                   request.request_id);
          }
          if (!on.is_boolean()) return bad("topics." + topic + " is true or false");
        }
      } else {
        return bad("unknown member '" + key + "'; use topics, unsubscribe_all, object or email");
      }
    }
    if (body->value("object", false)) changes.emplace_back("", "object");
    if (body->value("unsubscribe_all", false)) changes.emplace_back("*", "withdraw");
    if (body->contains("topics")) {
      for (const auto& [topic, on] : (*body)["topics"].items()) {
        changes.emplace_back(topic, on.get<bool>() ? "grant" : "withdraw");
      }
    }
    ConsentSource source = ConsentSourceOf(request, geo_, *policy, kMethodPreferenceCenter);
    // A new address is checked first: a malformed one changes nothing else either.
    std::optional<std::string> new_email;
    if (body->contains("email")) {
      new_email = (*body)["email"].get<std::string>();
      if (auto valid = NormalizeIdentity("email", *new_email); !valid.ok()) {
        return ProblemResponse(valid.error(), request.request_id);
      }
    }
    auto changed = ledger_.ChangeAll(claims->subject_id, changes, source,
                                     /*confirm_by_mail=*/false, Gpc(request));
    if (!changed.ok()) return ProblemResponse(changed.error(), request.request_id);
    bool confirmation_sent = false;
    if (new_email) {
      auto requested = ledger_.RequestAddressChange(claims->subject_id, *new_email, source);
      if (!requested.ok()) return ProblemResponse(requested.error(), request.request_id);
      confirmation_sent = *requested;
    }
    return PreferencesResponse(request, claims->subject_id, confirmation_sent);
  }

  // Codes are limited per address in the store; per client address here, so that one client
  // cannot walk through many addresses (or codes) either.
  static constexpr int kCodeRequestsPerClient = 20;
  static constexpr Micros kCodeWindow = 600 * kMicrosPerSecond;

  HttpResponse ClientLimited(const HttpRequest& request) const {
    HttpResponse response = ProblemResponse(
        Error(ErrorKind::kResourceExhausted, "too_many_requests",
              "too many code requests from this address; wait ten minutes and try again"),
        request.request_id);
    response.headers.emplace_back("Retry-After", "600");
    return response;
  }

  bool WithinClientLimit(const HttpRequest& request) const {
    return code_limiter_.Allow(request.client_address.empty() ? request.remote_address
                                                              : request.client_address);
  }

  // POST /v1/preferences/code {"email"}: a one-time code by mail, if we hold the address.
  HttpResponse SendCode(const HttpRequest& request) const {
    if (!WithinClientLimit(request)) return ClientLimited(request);
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object() || !body->value("email", json()).is_string()) {
      return ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_preferences",
                                   "send {\"email\": \"you@example.com\"}"),
                             request.request_id);
    }
    auto policy = policy_.Current();
    ConsentSource source = ConsentSourceOf(request, geo_, *policy, kMethodPreferenceCenter);
    Status s = ledger_.SendPreferencesCode((*body)["email"].get<std::string>(), source);
    if (!s.ok()) return ProblemResponse(s.error(), request.request_id);
    return JsonResponse(202, json{{"sent_if_known", true}, {"expires_in_minutes", 15}}.dump());
  }

  // POST /v1/preferences/session {"email", "code"}: the code for a Preference Center token.
  HttpResponse OpenWithCode(const HttpRequest& request) const {
    if (!WithinClientLimit(request)) return ClientLimited(request);
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    if (!body->is_object() || !body->value("email", json()).is_string() ||
        !body->value("code", json()).is_string()) {
      return ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_preferences",
                                   "send {\"email\": \"you@example.com\", \"code\": \"123456\"}"),
                             request.request_id);
    }
    auto token = ledger_.PreferencesTokenForCode((*body)["email"].get<std::string>(),
                                                 (*body)["code"].get<std::string>());
    if (!token.ok()) return Unauthorized(token.error(), request);
    json out = {{"token", *token},
                {"expires_at", FormatRfc3339(Now() + ConsentLedger::kCodeSessionValidity)}};
    HttpResponse response = JsonResponse(200, out.dump());
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }

  // GET /v1/preferences/receipt: the person's consent receipt.
  HttpResponse PersonReceipt(const HttpRequest& request) const {
    auto claims = PreferencesClaims(request, ledger_, Now());
    if (!claims.ok()) return Unauthorized(claims.error(), request);
    auto receipt = ledger_.Receipt(claims->subject_id);
    if (!receipt.ok()) return ProblemResponse(receipt.error(), request.request_id);
    HttpResponse response = JsonResponse(200, receipt->dump());
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }

  HttpResponse StaffReceipt(const HttpRequest& request, const Principal* principal) const {
    AccessContext ctx{*principal, "consent", request.request_id};
    auto receipt = ledger_.ReceiptForStaff(ctx, request.path_params.at("id"));
    if (!receipt.ok()) return ProblemResponse(receipt.error(), request.request_id);
    return JsonResponse(200, receipt->dump());
  }

  // POST /v1/admin/subjects/{id}/consent {"topic", "action", "method", "received_on"}: a change
  // received by letter or phone.
  HttpResponse StaffChange(const HttpRequest& request, const Principal* principal) const {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    auto text = [&](const char* key) {
      return body->is_object() && body->value(key, json()).is_string()
                 ? (*body)[key].get<std::string>()
                 : std::string();
    };
    const std::string action = text("action");
    const std::string topic = action == "object" ? "" : text("topic");
    const std::string received_on = text("received_on");
    bool date_ok = received_on.empty() ||
                   (received_on.size() == 10 && received_on[4] == '-' && received_on[7] == '-' &&
                    std::all_of(received_on.begin(), received_on.end(), [](char c) {
                      return std::isdigit(static_cast<unsigned char>(c)) || c == '-';
                    }));
    if (!body->is_object() || action.empty() || (action != "object" && topic.empty()) || !date_ok) {
      return ProblemResponse(
          Error(ErrorKind::kInvalidArgument, "invalid_consent_change",
                "send {\"topic\": \"newsletter\" (or \"*\"), \"action\": \"grant\", \"withdraw\" "
                "or \"object\", \"method\": \"staff_letter\" or \"staff_phone\", \"received_on\": "
                "\"YYYY-MM-DD\"}"),
          request.request_id);
    }
    AccessContext ctx{*principal, "consent", request.request_id};
    auto changed = ledger_.ChangeForPerson(ctx, request.path_params.at("id"), topic, action,
                                           text("method"), received_on);
    if (!changed.ok()) return ProblemResponse(changed.error(), request.request_id);
    return JsonResponse(200, json{{"changed", *changed}}.dump());
  }

  HttpResponse History(const HttpRequest& request, const Principal* principal) const {
    AccessContext ctx{*principal, "consent", request.request_id};
    const std::string& id = request.path_params.at("id");
    auto events = ledger_.History(ctx, id);
    if (!events.ok()) return ProblemResponse(events.error(), request.request_id);
    auto policy = policy_.Current();
    json out = {{"subject_id", id}, {"events", json::array()}};
    for (const auto& e : *events) out["events"].push_back(EventJson(e));
    return JsonResponse(200, out.dump());
  }

  // POST /v1/consent/check {"topic", "identities": [...], "message_id"?}
  HttpResponse Check(const HttpRequest& request, const Principal* principal) const {
    auto body = ParseConsentCheckRequest(request.body, request.body.capacity());
    if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
    AccessContext ctx{*principal, "marketing", request.request_id};
    auto items = ledger_.Check(ctx, body->topic, body->identities);
    if (!items.ok()) return ProblemResponse(items.error(), request.request_id);
    auto parts = ConsentCheckBody(ledger_, mailto_, body->topic, body->message_id, body->identities,
                                  *items, answer_buffers_.get());
    HttpResponse response = JsonResponse(200, std::move(parts.front()));
    response.body_tail.assign(std::make_move_iterator(parts.begin() + 1),
                              std::make_move_iterator(parts.end()));
    response.recycle = [buffers = answer_buffers_](std::vector<std::string> sent) {
      for (auto& part : sent) buffers->Give(std::move(part));
    };
    return response;
  }

  // GET /v1/consent/audience/{topic}?after=CURSOR&limit=N: NDJSON, one allowed person a line.
  HttpResponse Audience(const HttpRequest& request, const Principal* principal) const {
    int limit = kAudienceDefaultLimit;
    if (auto given = request.Query("limit")) {
      char* end = nullptr;
      long n = std::strtol(given->c_str(), &end, 10);
      if (given->empty() || *end != '\0' || n < 1 || n > kAudienceMaxLimit) {
        return ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_limit",
                                     "limit is a number from 1 to 10000"),
                               request.request_id);
      }
      limit = static_cast<int>(n);
    }
    const std::string topic = request.path_params.at("topic");
    AccessContext ctx{*principal, "marketing", request.request_id};
    auto page = ledger_.Audience(ctx, topic, request.Query("after").value_or(""), limit);
    if (!page.ok()) return ProblemResponse(page.error(), request.request_id);
    const std::string message_id = request.Query("message_id").value_or("");
    HttpResponse response;
    response.content_type = "application/x-ndjson";
    for (const auto& member : page->members) {
      auto headers =
          MailDelivery::HeadersFor(ledger_, mailto_, member.subject_id, topic, message_id);
      response.body += json{{"subject_id", member.subject_id},
                            {"email", member.email},
                            {"unsubscribe_url", headers.url},
                            {"list_unsubscribe", headers.list_unsubscribe},
                            {"list_unsubscribe_post", headers.list_unsubscribe_post}}
                           .dump();
      response.body += '\n';
    }
    if (!page->next.empty()) {
      response.headers.emplace_back("X-Next-Cursor", page->next);
      std::string next = "/v1/consent/audience/" + PercentEncode(topic) +
                         "?after=" + PercentEncode(page->next) + "&limit=" + std::to_string(limit);
      if (!message_id.empty()) next += "&message_id=" + PercentEncode(message_id);
      response.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
    }
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }

  // POST /v1/webhooks/unsubscribe-mail: a message sent to the List-Unsubscribe mailto address,
  // as the mail server received it (message/rfc822). Its Subject carries the link's token.
  HttpResponse InboundMail(const HttpRequest& request) const {
    std::string subject = HeaderOfMessage(request.body, "subject");
    std::string lower = subject;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = lower.find("unsubscribe ");
    if (at == std::string::npos) {
      return ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_link",
                                   "the message's Subject holds no unsubscribe token"),
                             request.request_id);
    }
    std::string token = subject.substr(at + 12);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
    auto policy = policy_.Current();
    auto claims = UnsubscribeClaims(token, *policy);
    if (!claims.ok()) {
      return ProblemResponse(
          Error(ErrorKind::kInvalidArgument, "invalid_link", "the unsubscribe token is not valid"),
          request.request_id);
    }
    ConsentSource source;
    source.method = kMethodMailto;
    source.request_id = request.request_id;
    if (!claims->message_id.empty()) source.evidence["message_id"] = claims->message_id;
    bool changed = false;
    if (claims->subject_id.rfind(kEmailSubjectPrefix, 0) == 0) {
      Status s = ledger_.SuppressAddress(claims->subject_id.substr(6), source);
      if (!s.ok()) return ProblemResponse(s.error(), request.request_id);
      changed = true;
    } else {
      auto done = ledger_.Change(claims->subject_id, claims->topic, "withdraw", source);
      if (!done.ok() && done.error().code() != "subject_not_found") {
        return ProblemResponse(done.error(), request.request_id);
      }
      changed = done.ok() && *done;
    }
    return JsonResponse(200, json{{"unsubscribed", true}, {"changed", changed}}.dump());
  }

 private:
  Micros Now() const { return ledger_.clock().Now(); }
  static bool Gpc(const HttpRequest& request) { return request.Header("sec-gpc") == "1"; }

  // The claims of an unsubscribe token whose topic `policy` (the snapshot the caller goes on
  // using) still has.
  Result<LinkClaims> UnsubscribeClaims(const std::string& token, const Policy& policy) const {
    auto claims = ledger_.links().Verify(token, Now());
    if (!claims.ok()) return claims.error();
    if (claims->purpose != LinkPurpose::kUnsubscribe ||
        (claims->topic != "*" && !policy.topics.count(claims->topic))) {
      return Error(ErrorKind::kInvalidArgument, "invalid_link", "not an unsubscribe link");
    }
    return claims;
  }

  // The topic's name in `language`; "" for all marketing.
  static std::string TopicName(const LinkClaims& claims, const std::string& language,
                               const Policy& policy) {
    auto topic = policy.topics.find(claims.topic);
    return topic == policy.topics.end() ? "" : TextIn(topic->second.name, language, policy);
  }

  Result<LinkClaims> PageClaims(const HttpRequest& request) const {
    auto claims = ledger_.links().Verify(request.path_params.at("token"), Now());
    if (!claims.ok()) return claims.error();
    if (claims->purpose != LinkPurpose::kPreferences ||
        claims->subject_id.rfind(kEmailSubjectPrefix, 0) == 0) {
      return Error(ErrorKind::kInvalidArgument, "invalid_link", "not a Preference Center link");
    }
    return claims;
  }

  HttpResponse RenderPreferences(const HttpRequest& request, const std::string& subject_id,
                                 const std::string& lang, bool saved) const {
    auto policy = policy_.Current();
    auto states = ledger_.TopicStates(subject_id);
    if (!states.ok()) return LinkProblemPage(states.error(), lang, *policy);
    PreferencesPageVars vars;
    vars.controller = policy->controller.name;
    vars.saved = saved;
    vars.form_action = request.path;
    for (const auto& state : *states) {
      const SubscriptionTopic& topic = policy->topics.at(state.topic);
      vars.topics.push_back({state.topic, TextIn(topic.name, lang, *policy),
                             TextIn(topic.description, lang, *policy), state.subscribed,
                             state.pending});
      vars.objected = vars.objected || state.verdict == ConsentVerdict::kObjected;
    }
    return RenderPreferencesPage(lang, vars);
  }

  Result<LinkClaims> ConfirmClaims(const HttpRequest& request,
                                   LinkPurpose purpose = LinkPurpose::kConfirm) const {
    auto claims = ledger_.links().Verify(request.path_params.at("token"), Now());
    if (!claims.ok()) return claims.error();
    if (claims->purpose != purpose) {
      return Error(ErrorKind::kInvalidArgument, "invalid_link", "not a confirmation link");
    }
    return claims;
  }

  // `address_confirmation_sent`: a PUT asked for a new address (the answer says so whether or
  // not a mail went, see ConsentLedger::RequestAddressChange).
  HttpResponse PreferencesResponse(const HttpRequest& request, const std::string& subject_id,
                                   bool address_confirmation_sent = false) const {
    auto policy = policy_.Current();
    std::string lang = NegotiateLanguage(request.Header("accept-language"), policy->languages);
    if (lang.empty()) lang = policy->languages.front();
    auto states = ledger_.TopicStates(subject_id);
    if (!states.ok()) return ProblemResponse(states.error(), request.request_id);
    bool objected = false;
    for (const auto& s : *states) objected = objected || s.verdict == ConsentVerdict::kObjected;
    json out = {{"language", lang},
                {"objected_to_marketing", objected},
                {"topics", TopicStatesJson(*states, *policy, lang)}};
    if (address_confirmation_sent) out["address_change"] = "confirmation_sent";
    HttpResponse response = JsonResponse(200, out.dump());
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("Content-Language", lang);
    return response;
  }

  // The unfolded value of header `name` (lower case) of an RFC 5322 message, or "".
  static std::string HeaderOfMessage(const std::string& message, const std::string& name) {
    std::string value;
    bool in = false;
    size_t pos = 0;
    while (pos < message.size()) {
      size_t end = message.find('\n', pos);
      if (end == std::string::npos) end = message.size();
      std::string line = message.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) break;  // end of the header section
      if (line[0] == ' ' || line[0] == '\t') {
        if (in) value += line;
      } else {
        size_t colon = line.find(':');
        std::string field = colon == std::string::npos ? "" : line.substr(0, colon);
        for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        in = field == name && value.empty();
        if (in) value = line.substr(colon + 1);
      }
      pos = end + 1;
    }
    size_t first = value.find_first_not_of(" \t");
    return first == std::string::npos ? "" : value.substr(first);
  }

  const ConsentLedger& ledger_;
  const PolicyHolder& policy_;
  const IpCountry* geo_;
  std::string mailto_;
  mutable RateLimiter code_limiter_;
  // The strings of big answers, kept between checks: some 100 MB serve four checks of 100,000
  // at a time (core/string_pool.h says why).
  std::shared_ptr<StringPool> answer_buffers_ =
      std::make_shared<StringPool>(kMinKeptAnswerBuffer, kMaxKeptAnswerBuffers);
};

}  // namespace

ConsentSource ConsentSourceOf(const HttpRequest& request, const IpCountry* geo,
                              const Policy& policy, std::string method) {
  ConsentSource source;
  source.method = std::move(method);
  if (geo != nullptr)
    source.country = geo->Lookup(request.client_address.empty() ? request.remote_address
                                                                : request.client_address)
                         .value_or("");
  source.user_agent = UserAgentFamily(request.Header("user-agent"));
  source.language = NegotiateLanguage(request.Header("accept-language"), policy.languages);
  source.request_id = request.request_id;
  return source;
}

namespace {

// `text` as a JSON string, quotes included, escaped as nlohmann::json::dump escapes it (the text
// is valid UTF-8: it came from a parsed JSON document or from privacyd).
void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Runs of characters that need no escape (all of a usual address) are copied whole.
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[(c >> 4) & 0xf];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

}  // namespace

std::vector<std::string> ConsentCheckBody(const ConsentLedger& ledger, const std::string& mailto,
                                          const std::string& topic, const std::string& message_id,
                                          std::span<const std::string_view> identities,
                                          std::span<const ConsentCheckItem> items,
                                          StringPool* buffers) {
  // The parts of every allowed entry that do not depend on the person, escaped once. The link
  // is MailDelivery::HeadersFor's: the URL, and a mailto whose subject percent-encodes
  // "unsubscribe TOKEN" (a token is base64url, which percent-encoding leaves as it is).
  std::string url_prefix;  // JSON string content, no quotes
  AppendJsonString(url_prefix, ledger.public_url() + "/u/");
  url_prefix = url_prefix.substr(1, url_prefix.size() - 2);
  std::string mailto_prefix;
  if (!mailto.empty()) {
    AppendJsonString(mailto_prefix, ", <mailto:" + mailto + "?subject=" +
                                        PercentEncode("unsubscribe ") /* "unsubscribe%20" */);
    mailto_prefix = mailto_prefix.substr(1, mailto_prefix.size() - 2);
  }
  const LinkSigner& links = ledger.links();

  // Each part of the items writes its allowed and its refused entries into strings of its own,
  // which are sent as they are, one after the other (HttpResponse::body_tail): joining them
  // would copy the whole answer once more into memory fresh from the kernel. Every entry but
  // the first of its list starts with a comma; a part knows from the counts whether an earlier
  // part wrote any.
  struct Piece {
    size_t allowed_count = 0;
    bool allowed_after_others = false;  // an earlier part has allowed entries
    bool refused_after_others = false;  // an earlier part has refused entries
    std::string allowed;
    std::string refused;
  };
  const size_t parts = PartsFor(items.size(), kMinBodyPart);
  std::vector<Piece> pieces(parts);
  size_t allowed_before = 0;
  size_t refused_before = 0;
  for (size_t part = 0; part < parts; ++part) {
    auto [first, end] = PartRange(items.size(), parts, part);
    Piece& piece = pieces[part];
    for (size_t i = first; i < end; ++i)
      piece.allowed_count += items[i].verdict == ConsentVerdict::kAllowed;
    piece.allowed_after_others = allowed_before > 0;
    piece.refused_after_others = refused_before > 0;
    allowed_before += piece.allowed_count;
    refused_before += (end - first) - piece.allowed_count;
  }
  RunParts(parts, [&](size_t part) {
    auto [first, end] = PartRange(items.size(), parts, part);
    Piece& piece = pieces[part];
    // An allowed identity takes some 400 bytes (its link three times), a refused one some 60.
    const size_t allowed_bytes =
        piece.allowed_count * (3 * (url_prefix.size() + 110) + mailto_prefix.size() + 160);
    const size_t refused_bytes = (end - first - piece.allowed_count) * 72;
    if (buffers != nullptr) {
      piece.allowed = buffers->Take(allowed_bytes);
      piece.refused = buffers->Take(refused_bytes);
    } else {
      piece.allowed.reserve(allowed_bytes);
      piece.refused.reserve(refused_bytes);
    }
    bool allowed_comma = piece.allowed_after_others;
    bool refused_comma = piece.refused_after_others;
    std::string token;
    for (size_t i = first; i < end; ++i) {
      if (items[i].verdict != ConsentVerdict::kAllowed) {
        std::string& out = piece.refused;
        out += refused_comma ? ",{\"identity\":" : "{\"identity\":";
        refused_comma = true;
        AppendJsonString(out, identities[i]);
        out += ",\"reason\":\"";
        out += ConsentVerdictName(items[i].verdict);
        out += "\"}";
        continue;
      }
      token.clear();
      links.AppendToken(LinkPurpose::kUnsubscribe, items[i].subject_id, topic, message_id, 0,
                        token);
      std::string& out = piece.allowed;
      out += allowed_comma ? ",{\"identity\":" : "{\"identity\":";
      allowed_comma = true;
      AppendJsonString(out, identities[i]);
      out += ",\"list_unsubscribe\":\"<";
      out += url_prefix;
      out += token;
      out += '>';
      if (!mailto_prefix.empty()) {
        out += mailto_prefix;
        out += token;
        out += '>';
      }
      out += "\",\"list_unsubscribe_post\":\"List-Unsubscribe=One-Click\",\"subject_id\":";
      AppendJsonString(out, items[i].subject_id);
      out += ",\"unsubscribe_url\":\"";
      out += url_prefix;
      out += token;
      out += "\"}";
    }
  });

  std::vector<std::string> out;
  out.reserve(2 * parts + 3);
  out.emplace_back("{\"allowed\":[");
  for (auto& piece : pieces) out.push_back(std::move(piece.allowed));
  out.push_back("],\"checked\":" + std::to_string(items.size()) + ",\"refused\":[");
  for (auto& piece : pieces) out.push_back(std::move(piece.refused));
  std::string tail = "],\"topic\":";
  AppendJsonString(tail, topic);
  tail += '}';
  out.push_back(std::move(tail));
  return out;
}

void AddConsentRoutes(Router& router, const ConsentRouteServices& services) {
  auto routes = std::make_shared<ConsentRoutes>(services);
  auto add = [&](std::string method, std::string pattern, std::vector<std::string> roles,
                 Handler handler, std::vector<std::string> types = {"application/json"},
                 size_t max_body = 0,
                 std::function<bool(const HttpRequest&)> run_inline = nullptr) {
    Route route;
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    route.roles = std::move(roles);
    route.handler = std::move(handler);
    route.content_types = std::move(types);
    route.max_body_bytes = max_body;
    route.run_inline = std::move(run_inline);
    router.Add(std::move(route));
  };
  add("GET", "/u/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->UnsubscribePage(r); });
  add("POST", "/u/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Unsubscribe(r); },
      {"multipart/form-data", "application/x-www-form-urlencoded"});
  add("GET", "/c/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->ConfirmPage(r); });
  add("POST", "/c/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->Confirm(r); },
      {"multipart/form-data", "application/x-www-form-urlencoded"});
  add("GET", "/a/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->AddressPage(r); });
  add("POST", "/a/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->ConfirmAddress(r); },
      {"application/x-www-form-urlencoded", "multipart/form-data"});
  add("GET", "/p/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->PreferencesPage(r); });
  add("POST", "/p/{token}", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->SavePreferencesPage(r); },
      {"application/x-www-form-urlencoded", "multipart/form-data"});
  add("GET", "/v1/preferences", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->GetPreferences(r); });
  add("PUT", "/v1/preferences", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->PutPreferences(r); });
  add("POST", "/v1/preferences/code", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->SendCode(r); });
  add("POST", "/v1/preferences/session", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->OpenWithCode(r); });
  add("GET", "/v1/preferences/receipt", {},
      [routes](const HttpRequest& r, const Principal*) { return routes->PersonReceipt(r); });
  add("GET", "/v1/admin/subjects/{id}/consent/receipt", ConsentReadRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->StaffReceipt(r, p); });
  add("POST", "/v1/admin/subjects/{id}/consent", ConsentReadRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->StaffChange(r, p); });
  add("GET", "/v1/admin/subjects/{id}/consent", ConsentReadRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->History(r, p); });
  // 100,000 addresses of up to 254 bytes each, quoted and separated. A check of a few
  // addresses (a sender asking just before each mail) is answered on the I/O thread when the
  // index answers it and the audit only counts it: its work is a few microseconds.
  const ConsentLedger* ledger = &services.ledger;
  add(
      "POST", "/v1/consent/check", ConsentCheckRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->Check(r, p); },
      {"application/json"}, 32 * 1024 * 1024,
      [ledger](const HttpRequest& r) {
        return r.body.size() <= kInlineCheckBytes && ledger->ChecksAreAnsweredFromMemory();
      });
  add("GET", "/v1/consent/audience/{topic}", ConsentCheckRoles(),
      [routes](const HttpRequest& r, const Principal* p) { return routes->Audience(r, p); });
  add("POST", "/v1/webhooks/unsubscribe-mail", CollectionWebhookRoles(),
      [routes](const HttpRequest& r, const Principal*) { return routes->InboundMail(r); },
      {"message/rfc822", "text/plain"});
  Route gpc;
  gpc.method = "GET";
  gpc.pattern = "/.well-known/gpc.json";
  gpc.blocking = false;
  gpc.handler = [policy = &services.policy](const HttpRequest&, const Principal*) {
    // Global Privacy Control, section 4.2: the site honours the signal. lastUpdate is the
    // effective date of the statement that says so.
    HttpResponse response = JsonResponse(
        200, json{{"gpc", true},
                  {"lastUpdate", FormatRfc3339(policy->Current()->effective_date).substr(0, 10)}}
                 .dump());
    response.headers.emplace_back("Cache-Control", "max-age=86400");
    return response;
  };
  router.Add(std::move(gpc));
}

}  // namespace privacyd
