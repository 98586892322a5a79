#include "http/policy_routes.h"

#include <nlohmann/json.hpp>
#include <set>

#include "http/json_body.h"
#include "policy/period.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

Error BadRequest(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

// The members each question takes; "question" is implied.
const std::map<std::string, std::set<std::string>>& QuestionMembers() {
  static const std::map<std::string, std::set<std::string>> kMembers = {
      {"collect", {"point", "field"}},
      {"use", {"category", "purpose", "regime", "country", "consent"}},
      {"disclose", {"recipient", "purpose", "categories", "origin", "destination", "at"}},
      {"retention", {"category", "purpose"}},
  };
  return kMembers;
}

// A required (or, with `required` false, optional) string member; "" when absent.
Result<std::string> StringMember(const json& body, const char* name, bool required = true) {
  auto it = body.find(name);
  if (it == body.end()) {
    if (!required) return std::string();
    return BadRequest("missing_member", std::string("'") + name + "' is required");
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return BadRequest("invalid_member", std::string("'") + name + "' must be a non-empty string");
  }
  return it->get<std::string>();
}

json DecisionJson(const Decision& d, const std::string& version) {
  return {{"allowed", d.allowed},
          {"reason", ReasonName(d.clause.reason)},
          {"clause", std::string(d.clause.key)},
          {"description", ReasonDescription(d.clause.reason)},
          {"policy_version", version}};
}

Result<json> Decide(const json& body, const DecisionTables& tables) {
  if (!body.is_object()) return BadRequest("invalid_question", "the body must be a JSON object");
  auto question = StringMember(body, "question");
  if (!question.ok()) return question.error();
  auto members = QuestionMembers().find(*question);
  if (members == QuestionMembers().end()) {
    return BadRequest("invalid_question",
                      "'question' must be one of collect, use, disclose, "
                      "retention");
  }
  for (const auto& [key, _] : body.items()) {
    if (key != "question" && !members->second.count(key)) {
      std::string known;
      for (const auto& m : members->second) known += (known.empty() ? "" : ", ") + m;
      return BadRequest("unknown_member",
                        "unknown member '" + key + "'; a " + *question + " question has " + known);
    }
  }
  const std::string& version = tables.policy_version();

  if (*question == "collect") {
    auto point = StringMember(body, "point");
    if (!point.ok()) return point.error();
    auto field = StringMember(body, "field");
    if (!field.ok()) return field.error();
    auto d = tables.Collect(*point, *field);
    if (!d.ok()) return d.error();
    return DecisionJson(*d, version);
  }
  if (*question == "use") {
    auto category = StringMember(body, "category");
    if (!category.ok()) return category.error();
    auto purpose = StringMember(body, "purpose");
    if (!purpose.ok()) return purpose.error();
    auto regime = StringMember(body, "regime", false);
    if (!regime.ok()) return regime.error();
    auto country = StringMember(body, "country", false);
    if (!country.ok()) return country.error();
    if (regime->empty() == country->empty()) {
      return BadRequest("invalid_question",
                        "name either 'regime' (\"gdpr\") or 'country' (\"DE\")");
    }
    auto consent_name = StringMember(body, "consent", false);
    if (!consent_name.ok()) return consent_name.error();
    auto consent = ParseConsentState(consent_name->empty() ? "none" : *consent_name);
    if (!consent.ok()) return consent.error();
    std::string who = *regime;
    if (who.empty()) {
      auto id = tables.RegimeForCountry(*country);
      if (!id.ok()) return id.error();
      who = *country;
    } else if (auto id = tables.FindRegime(who); !id.ok()) {
      return id.error();
    }
    auto d = tables.Use(*category, *purpose, who, *consent);
    if (!d.ok()) return d.error();
    return DecisionJson(*d, version);
  }
  if (*question == "disclose") {
    DiscloseQuestion q;
    auto recipient = StringMember(body, "recipient");
    if (!recipient.ok()) return recipient.error();
    auto purpose = StringMember(body, "purpose");
    if (!purpose.ok()) return purpose.error();
    auto origin = StringMember(body, "origin");
    if (!origin.ok()) return origin.error();
    auto destination = StringMember(body, "destination", false);
    if (!destination.ok()) return destination.error();
    auto at = StringMember(body, "at", false);
    if (!at.ok()) return at.error();
    auto categories = body.find("categories");
    if (categories == body.end() || !categories->is_array() || categories->empty()) {
      return BadRequest("invalid_member",
                        "'categories' must be a non-empty array of data category keys");
    }
    for (const auto& c : *categories) {
      if (!c.is_string()) {
        return BadRequest("invalid_member", "'categories' must hold strings");
      }
      q.categories.push_back(c.get<std::string>());
    }
    q.recipient = *recipient;
    q.purpose = *purpose;
    q.origin = *origin;
    q.destination = *destination;
    if (!at->empty()) {
      auto when = ParseDate(*at);
      if (!when.ok()) {
        return BadRequest("invalid_member", "'at' must be a date, YYYY-MM-DD");
      }
      q.at = *when;
    }
    auto d = tables.Disclose(q);
    if (!d.ok()) return d.error();
    return DecisionJson(*d, version);
  }
  auto category = StringMember(body, "category");
  if (!category.ok()) return category.error();
  auto purpose = StringMember(body, "purpose");
  if (!purpose.ok()) return purpose.error();
  auto answer = tables.Retention(*category, *purpose);
  if (!answer.ok()) return answer.error();
  json out = DecisionJson(answer->decision, version);
  if (answer->rule != nullptr) {
    const RetentionRule& rule = *answer->rule;
    json keep = json::object();
    if (rule.keep.years) keep["years"] = rule.keep.years;
    if (rule.keep.months) keep["months"] = rule.keep.months;
    if (rule.keep.days) keep["days"] = rule.keep.days;
    out["retention"] = {{"keep", keep}, {"from", RetentionStartName(rule.from)}};
  }
  return out;
}

}  // namespace

void AddPolicyRoutes(Router& router, PolicyHolder& policy) {
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/policy/decide",
                   .roles = AllRoles(),
                   .blocking = false,
                   .handler = [&policy](const HttpRequest& request, const Principal*) {
                     auto body = ParseJsonBody(request);
                     if (!body.ok()) return ProblemResponse(body.error(), request.request_id);
                     // One snapshot: the answer and its version come from the same policy.
                     auto snapshot = policy.Snapshot();
                     auto answer = Decide(*body, *snapshot->decisions);
                     if (!answer.ok()) return ProblemResponse(answer.error(), request.request_id);
                     return JsonResponse(200, answer->dump());
                   }});
}

}  // namespace privacyd
