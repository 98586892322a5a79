#include "http/ropa_routes.h"

#include "policy/jurisdictions.h"
#include "policy/ropa.h"
#include "policy/ropa_format.h"
#include "policy/taxonomy.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

// A file name part made only of characters that need no quoting in Content-Disposition.
std::string SafeFilePart(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
    out += safe ? c : '_';
  }
  return out.empty() ? "policy" : out;
}

HttpResponse GetRopa(const PolicyHolder& holder, const Clock& clock, const HttpRequest& request) {
  auto format = ParseRopaFormat(request.Query("format").value_or("json"));
  if (!format.ok()) return ProblemResponse(format.error(), request.request_id);
  std::shared_ptr<const Policy> policy = holder.Current();
  auto ropa = BuildRopa(*policy, Taxonomy::Default(), Jurisdictions::Default(),
                        request.Query("lang").value_or(""), clock.Now());
  if (!ropa.ok()) return ProblemResponse(ropa.error(), request.request_id);
  auto body = RenderRopa(*ropa, *format);
  if (!body.ok()) return ProblemResponse(body.error(), request.request_id);

  HttpResponse response;
  response.content_type = RopaMediaType(*format);
  response.body = std::move(*body);
  if (*format != RopaFormat::kJson) {
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"ropa-" +
                                                             SafeFilePart(policy->version) + "." +
                                                             RopaExtension(*format) + "\"");
  }
  return response;
}

}  // namespace

void AddRopaRoutes(Router& router, const PolicyHolder& policy, const Clock& clock) {
  router.Add(Route{.method = "GET",
                   .pattern = "/v1/admin/ropa",
                   .roles = RopaReaderRoles(),
                   // Pure computation on the in-memory policy, but the XLSX goes through a
                   // temporary file: keep it off the I/O threads.
                   .blocking = true,
                   .handler = [&policy, &clock](const HttpRequest& req, const Principal*) {
                     return GetRopa(policy, clock, req);
                   }});
}

}  // namespace privacyd
