#include "http/disclosure_routes.h"

#include <nlohmann/json.hpp>

#include "http/json_body.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr char kPurpose[] = "disclosure";

Error BadRequest(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

AccessContext ContextFor(const HttpRequest& request, const Principal* principal) {
  return AccessContext{*principal, kPurpose, request.request_id};
}

json DisclosureJson(const DisclosureRecord& d) {
  return {{"id", d.id},
          {"subject_id", d.subject_id},
          {"recipient", d.recipient},
          {"purpose", d.purpose},
          {"categories", d.categories},
          {"origin", d.origin},
          {"safeguard", d.safeguard},
          {"request_id", d.request_id.empty() ? json(nullptr) : json(d.request_id)},
          {"actor", d.actor},
          {"disclosed_at", FormatRfc3339(d.disclosed_at)},
          {"recorded_at", FormatRfc3339(d.created_at)}};
}

Result<NewDisclosure> ParseDisclosure(const json& body) {
  if (!body.is_object()) {
    return BadRequest("invalid_request",
                      "send {\"recipient\", \"purpose\", \"categories\", \"origin\"}");
  }
  NewDisclosure out;
  for (const auto& [key, value] : body.items()) {
    auto text = [&, &key = key, &value = value]() -> Result<std::string> {
      if (!value.is_string()) {
        return BadRequest("invalid_request", "'" + key + "' must be a string");
      }
      return value.get<std::string>();
    };
    if (key == "recipient") {
      PD_ASSIGN_OR_RETURN(out.recipient, text());
    } else if (key == "purpose") {
      PD_ASSIGN_OR_RETURN(out.purpose, text());
    } else if (key == "origin") {
      PD_ASSIGN_OR_RETURN(out.origin, text());
    } else if (key == "request_id") {
      PD_ASSIGN_OR_RETURN(out.request_id, text());
    } else if (key == "disclosed_at") {
      PD_ASSIGN_OR_RETURN(std::string at, text());
      auto parsed = ParseRfc3339(at);
      if (!parsed.ok()) {
        return BadRequest("invalid_disclosed_at", "'disclosed_at' must be an RFC 3339 time");
      }
      out.disclosed_at = *parsed;
    } else if (key == "categories") {
      if (!value.is_array()) {
        return BadRequest("invalid_request", "'categories' must be a list of category keys");
      }
      for (const auto& c : value) {
        if (!c.is_string()) {
          return BadRequest("invalid_request", "'categories' must be a list of category keys");
        }
        out.categories.push_back(c.get<std::string>());
      }
    } else {
      return BadRequest("unknown_member",
                        "unknown member '" + key.substr(0, 40) +
                            "'; the body has recipient, purpose, categories, origin, "
                            "request_id, disclosed_at");
    }
  }
  if (out.recipient.empty() || out.purpose.empty()) {
    return BadRequest("invalid_request", "'recipient' and 'purpose' are required");
  }
  return out;
}

}  // namespace

void AddDisclosureRoutes(Router& router, const DisclosureLog& log) {
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/admin/subjects/{id}/disclosures",
                   .roles = DisclosureRoles(),
                   .handler =
                       [&log](const HttpRequest& req, const Principal* who) {
                         auto body = ParseJsonBody(req);
                         if (!body.ok()) return ProblemResponse(body.error(), req.request_id);
                         auto in = ParseDisclosure(*body);
                         if (!in.ok()) return ProblemResponse(in.error(), req.request_id);
                         auto recorded =
                             log.Record(ContextFor(req, who), req.path_params.at("id"), *in);
                         if (!recorded.ok())
                           return ProblemResponse(recorded.error(), req.request_id);
                         return JsonResponse(201, DisclosureJson(*recorded).dump());
                       },
                   .idempotent = true});
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/subjects/{id}/disclosures",
                   .roles = DisclosureReaderRoles(),
                   .handler = [&log](const HttpRequest& req, const Principal* who) {
                     auto list = log.List(ContextFor(req, who), req.path_params.at("id"));
                     if (!list.ok()) return ProblemResponse(list.error(), req.request_id);
                     json items = json::array();
                     for (const auto& d : *list) items.push_back(DisclosureJson(d));
                     return JsonResponse(200, json{{"disclosures", items}}.dump());
                   }});
}

}  // namespace privacyd
