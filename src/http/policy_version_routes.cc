#include "http/policy_version_routes.h"

#include <nlohmann/json.hpp>

#include "core/markup.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

json VersionJson(const PolicyVersionRecord& r) {
  json changes = json::parse(r.changes, nullptr, /*allow_exceptions=*/false);
  if (changes.is_discarded()) changes = json::array();
  return {{"version", r.version},
          {"effective_date", FormatRfc3339(r.effective_date).substr(0, 10)},
          {"applied_at", FormatRfc3339(r.applied_at)},
          {"material", r.material},
          {"changes", changes}};
}

// An Atom feed (RFC 4287) with one entry per statement version, newest first.
std::string AtomFeed(const Policy& policy, const std::vector<PolicyVersionRecord>& versions,
                     const std::string& public_url) {
  const std::string lang = policy.languages.empty() ? "en" : policy.languages.front();
  auto title_it = policy.title.find(lang);
  std::string title = title_it == policy.title.end() ? "Privacy Statement" : title_it->second;
  std::string updated = versions.empty() ? FormatRfc3339(policy.effective_date)
                                         : FormatRfc3339(versions.front().applied_at);
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"" +
      EscapeMarkup(lang) + "\">\n";
  out += "  <id>" + EscapeMarkup(public_url) + "/statement</id>\n";
  out += "  <title>" + EscapeMarkup(policy.controller.name + ": " + title) + "</title>\n";
  out += "  <updated>" + updated + "</updated>\n";
  out += "  <author><name>" + EscapeMarkup(policy.controller.name) + "</name></author>\n";
  out += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"" +
         EscapeMarkup(public_url + "/statement/feed.atom") + "\"/>\n";
  out += "  <link rel=\"alternate\" type=\"text/html\" href=\"" +
         EscapeMarkup(public_url + "/statement") + "\"/>\n";
  for (const auto& v : versions) {
    json changes = json::parse(v.changes, nullptr, false);
    std::string summary;
    if (changes.is_array()) {
      for (const auto& c : changes) {
        if (!c.value("material", false)) continue;
        summary += "- " + c.value("clause", "") + ": " + c.value("kind", "") + " (" +
                   c.value("why", "") + ")\n";
      }
    }
    if (summary.empty()) summary = v.material ? "Material changes." : "Editorial changes only.";
    out += "  <entry>\n";
    out += "    <id>" + EscapeMarkup(public_url + "/statement?version=" + v.version) + "</id>\n";
    out += "    <title>" +
           EscapeMarkup(title + " " + v.version + (v.material ? " (material changes)" : "")) +
           "</title>\n";
    out += "    <updated>" + FormatRfc3339(v.applied_at) + "</updated>\n";
    out += "    <published>" + FormatRfc3339(v.effective_date) + "</published>\n";
    out += "    <link rel=\"alternate\" type=\"text/html\" href=\"" +
           EscapeMarkup(public_url + "/statement?version=" + v.version) + "\"/>\n";
    out += "    <summary>" + EscapeMarkup(summary) + "</summary>\n";
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

// The diagnostics of one severity: [{"line", "column", "key", "message"}].
json Diagnostics(const PolicyLoad& load, PolicyDiagnostic::Severity severity) {
  json out = json::array();
  for (const auto& d : load.diagnostics) {
    if (d.severity != severity) continue;
    out.push_back({{"line", d.line}, {"column", d.column}, {"key", d.key}, {"message", d.message}});
  }
  return out;
}

HttpResponse PolicyRefused(const PolicyApplyOutcome& outcome, const std::string& request_id) {
  HttpResponse response = ProblemResponse(*outcome.error, request_id);
  if (outcome.error->code() == "policy_invalid") response.status = 422;
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    body["status"] = response.status;
    body["errors"] = Diagnostics(outcome.load, PolicyDiagnostic::Severity::kError);
    response.body = body.dump();
  }
  return response;
}

}  // namespace

void AddPolicyVersionRoutes(Router& router, PolicyVersions& versions, PolicyManager& manager,
                            PolicyHolder& holder, const std::string& public_url) {
  router.Add(Route{.method = "GET",
                   .pattern = "/statement/versions",
                   .handler = [&versions](const HttpRequest& req, const Principal*) {
                     auto list = versions.List();
                     if (!list.ok()) return ProblemResponse(list.error(), req.request_id);
                     json out = json::array();
                     for (const auto& v : *list) out.push_back(VersionJson(v));
                     return JsonResponse(200, json{{"versions", out}}.dump());
                   }});
  router.Add(
      Route{.method = "GET",
            .pattern = "/statement/feed.atom",
            .handler = [&versions, &holder, public_url](const HttpRequest& req, const Principal*) {
              auto list = versions.List();
              if (!list.ok()) return ProblemResponse(list.error(), req.request_id);
              HttpResponse response;
              response.content_type = "application/atom+xml; charset=utf-8";
              response.body = AtomFeed(*holder.Current(), *list, public_url);
              return response;
            }});
  router.Add(Route{.method = "POST",
                   .pattern = "/v1/admin/policy",
                   .roles = {"admin", "privacy_officer"},
                   .handler =
                       [&manager](const HttpRequest& req, const Principal* who) {
                         PolicyApplyOutcome outcome =
                             manager.ApplyText(req.body, "request body", who->user_name);
                         if (!outcome.applied) return PolicyRefused(outcome, req.request_id);
                         json out = VersionJson(outcome.applied->record);
                         out["newly_stored"] = outcome.applied->newly_stored;
                         out["warnings"] =
                             Diagnostics(outcome.load, PolicyDiagnostic::Severity::kWarning);
                         return JsonResponse(200, out.dump());
                       },
                   .content_types = {"application/yaml", "application/x-yaml", "text/yaml"}});
  // The version in force with its text and its validation report. Readable by those who may
  // apply a policy and by auditors: a policy holds no personal data.
  router.Add(Route{
      .method = "GET",
      .pattern = "/v1/admin/policy",
      .roles = PolicyReaderRoles(),
      .handler = [&versions, &manager, &holder](const HttpRequest& req, const Principal*) {
        const std::string version = holder.Current()->version;
        auto record = versions.Get(version);
        if (!record.ok()) return ProblemResponse(record.error(), req.request_id);
        if (!record->has_value()) {
          return ProblemResponse(Error(ErrorKind::kNotFound, "policy_version_not_found",
                                       "the policy in force has no stored version yet; it is "
                                       "recorded when the daemon applies it at start"),
                                 req.request_id);
        }
        const PolicyVersionRecord& r = **record;
        PolicyLoad load = manager.Validate(r.source, "policy " + r.version);
        json out = VersionJson(r);
        out["source"] = r.source;
        out["report"] = {{"errors", Diagnostics(load, PolicyDiagnostic::Severity::kError)},
                         {"warnings", Diagnostics(load, PolicyDiagnostic::Severity::kWarning)}};
        return JsonResponse(200, out.dump());
      }});
  // A dry run of POST /v1/admin/policy: the validation report of a policy and what applying it
  // would change against the policy in force. Changes nothing and is not audited.
  router.Add(Route{
      .method = "POST",
      .pattern = "/v1/admin/policy/validate",
      .roles = {"admin", "privacy_officer"},
      .handler =
          [&manager](const HttpRequest& req, const Principal*) {
            PolicyCheck check = manager.Check(req.body, "request body");
            json changes = json::parse(ChangesToJson(check.changes));
            json out = {{"valid", check.load.ok()},
                        {"errors", Diagnostics(check.load, PolicyDiagnostic::Severity::kError)},
                        {"warnings", Diagnostics(check.load, PolicyDiagnostic::Severity::kWarning)},
                        {"changes", changes},
                        {"material", check.material}};
            if (check.load.ok()) out["version"] = check.load.policy->version;
            return JsonResponse(200, out.dump());
          },
      .content_types = {"application/yaml", "application/x-yaml", "text/yaml"}});
}

}  // namespace privacyd
