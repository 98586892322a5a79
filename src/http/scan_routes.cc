#include "http/scan_routes.h"

#include <nlohmann/json.hpp>
#include <string>

#include "http/json_body.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

Error BadRequest(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

// The types of the optional `types` member: every sensitive type when it is absent.
Result<guard::TypeSet> TypesMember(const json& body) {
  auto it = body.find("types");
  if (it == body.end()) return guard::TypeSet::Sensitive();
  if (!it->is_array() || it->empty()) {
    return BadRequest("invalid_member",
                      "'types' must be a non-empty array of finding type names, e.g. "
                      "[\"US_SSN\", \"IBAN\"]; leave it out to look for every sensitive type");
  }
  guard::TypeSet types;
  for (const auto& item : *it) {
    if (!item.is_string()) {
      return BadRequest("invalid_member", "'types' must hold strings, e.g. \"US_SSN\"");
    }
    const std::string& name = item.get_ref<const std::string&>();
    // One name per item: TypeSet::Parse would also split "US_SSN,IBAN" at the comma.
    if (name.find(',') != std::string::npos) {
      return BadRequest("invalid_member",
                        "'types' holds one type name per item; write [\"US_SSN\", \"IBAN\"]");
    }
    PD_ASSIGN_OR_RETURN(guard::TypeSet one, guard::TypeSet::Parse(name));
    if (one.empty()) return BadRequest("invalid_member", "'types' holds an empty name");
    for (size_t i = 0; i < guard::kFindingTypeCount; ++i) {
      auto type = static_cast<guard::FindingType>(i);
      if (one.Contains(type)) types.Add(type);
    }
  }
  return types;
}

json FindingsJson(const std::vector<guard::Finding>& findings) {
  json out = json::array();
  bool sensitive = false;
  for (const auto& f : findings) {
    sensitive = sensitive || guard::IsSensitive(f.type);
    out.push_back({{"type", std::string(guard::FindingTypeName(f.type))},
                   {"category", std::string(guard::FindingTypeCategory(f.type))},
                   {"start", f.start},
                   {"end", f.end},
                   {"score", f.score},
                   {"validator", std::string(f.validator)}});
  }
  return {{"findings", std::move(out)}, {"sensitive", sensitive}};
}

HttpResponse Scan(const guard::Guard& guard, const HttpRequest& request) {
  auto problem = [&request](const Error& error) {
    return ProblemResponse(error, request.request_id);
  };
  auto body = ParseJsonBody(request);
  if (!body.ok()) return problem(body.error());
  if (!body->is_object()) {
    return problem(
        BadRequest("invalid_scan_request", "the body must be a JSON object: {\"text\": \"...\"}"));
  }
  for (const auto& [key, _] : body->items()) {
    if (key != "text" && key != "types") {
      return problem(BadRequest("unknown_member",
                                "unknown member '" + key + "'; the body has 'text' and 'types'"));
    }
  }
  auto text = body->find("text");
  if (text == body->end()) return problem(BadRequest("missing_member", "'text' is required"));
  if (!text->is_string()) {
    return problem(BadRequest("invalid_member", "'text' must be a string"));
  }
  const std::string& value = text->get_ref<const std::string&>();
  if (value.size() > kMaxScanTextBytes) {
    return ProblemResponse(413, "text_too_large",
                           "'text' is " + std::to_string(value.size()) +
                               " bytes of UTF-8; at most " + std::to_string(kMaxScanTextBytes) +
                               " are scanned at once: split it and scan the parts",
                           request.request_id);
  }
  auto types = TypesMember(*body);
  if (!types.ok()) return problem(types.error());
  return JsonResponse(200, FindingsJson(guard.Scan(value, *types)).dump());
}

}  // namespace

void AddScanRoutes(Router& router, const guard::Guard* guard) {
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/scan",
                   .roles = ScanRoles(),
                   // Scanning a large text is CPU work: keep it off the I/O threads.
                   .blocking = true,
                   .handler = [guard](const HttpRequest& request, const Principal*) {
                     if (guard == nullptr) {
                       return ProblemResponse(503, "scanner_unavailable",
                                              "this server was started without the "
                                              "sensitive-data guard; restart it",
                                              request.request_id);
                     }
                     return Scan(*guard, request);
                   }});
}

}  // namespace privacyd
