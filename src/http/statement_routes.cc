#include "http/statement_routes.h"

#include <algorithm>
#include <optional>

#include "http/accept_language.h"
#include "policy/policy_loader.h"
#include "statement/statement_renderer.h"

namespace privacyd {
namespace {

enum class Format { kHtml, kMarkdown };

// The policy of the version asked for (the one in force without `?version=`) and, when that
// version changed anything materially, its notice.
Result<std::shared_ptr<const Policy>> PolicyFor(const PolicyHolder& holder,
                                                PolicyVersions& versions,
                                                const HttpRequest& request,
                                                std::optional<ChangeNotice>& notice) {
  std::shared_ptr<const Policy> policy = holder.Current();
  PD_ASSIGN_OR_RETURN(auto history, versions.List());
  if (auto asked = request.Query("version"); asked && *asked != policy->version) {
    auto it = std::find_if(history.begin(), history.end(),
                           [&](const PolicyVersionRecord& r) { return r.version == *asked; });
    if (it == history.end()) {
      return Error(ErrorKind::kNotFound, "statement_version_not_found",
                   "no statement version is called '" + asked->substr(0, 64) +
                       "'; /statement/versions lists them");
    }
    PolicyLoad load = LoadPolicyText(it->source, "version " + it->version, Taxonomy::Default(),
                                     Jurisdictions::Default());
    if (!load.ok()) {
      return Error(ErrorKind::kDataLoss, "statement_version_unreadable",
                   "statement version " + it->version +
                       " no longer validates against this privacyd's taxonomy and law data");
    }
    policy = load.policy;
  }
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].version != policy->version || !history[i].material) continue;
    ChangeNotice n;
    if (i + 1 < history.size()) n.previous_version = history[i + 1].version;
    for (auto& change : ChangesFromJson(history[i].changes)) {
      if (change.material) n.material_changes.push_back(std::move(change));
    }
    notice = std::move(n);
  }
  return policy;
}

HttpResponse RenderStatement(const PolicyHolder& holder, PolicyVersions& versions, Format format,
                             const HttpRequest& request) {
  std::optional<ChangeNotice> notice;
  auto chosen = PolicyFor(holder, versions, request, notice);
  if (!chosen.ok()) return ProblemResponse(chosen.error(), request.request_id);
  std::shared_ptr<const Policy> policy = *chosen;
  const ChangeNotice* shown = notice ? &*notice : nullptr;
  std::string lang;
  if (auto asked = request.Query("lang")) {
    lang = *asked;
  } else {
    lang = NegotiateLanguage(request.Header("accept-language"), policy->languages);
    if (lang.empty() && !policy->languages.empty()) lang = policy->languages.front();
  }
  auto rendered =
      format == Format::kHtml
          ? RenderStatementHtml(*policy, lang, Taxonomy::Default(), Jurisdictions::Default(), shown)
          : RenderStatementMarkdown(*policy, lang, Taxonomy::Default(), Jurisdictions::Default(),
                                    shown);
  if (!rendered.ok()) {
    const Error& error = rendered.error();
    if (error.code() == "unsupported_language") {
      // The page in that language is a resource that does not exist.
      return ProblemResponse(Error(ErrorKind::kNotFound, error.code(), error.message()),
                             request.request_id);
    }
    return ProblemResponse(error, request.request_id);
  }
  HttpResponse response;
  response.content_type =
      format == Format::kHtml ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8";
  response.body = std::move(*rendered);
  response.headers.emplace_back("Content-Language", lang);
  response.headers.emplace_back("Vary", "Accept-Language");
  if (format == Format::kHtml) {
    // The page has no scripts and loads nothing: say so, so that a browser refuses anything else.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'none'; style-src 'unsafe-inline'; "
                                  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  }
  return response;
}

}  // namespace

void AddStatementRoutes(Router& router, const PolicyHolder& policy, PolicyVersions& versions) {
  // Rendering the example takes well under a millisecond (bench/statement_bench.cc), so the
  // routes render per request, with no cache to invalidate on reload; they read the version
  // history from the store, so they run on the worker pool.
  router.Add(Route{
      .method = "GET",
      .pattern = "/statement",
      .roles = {},
      .blocking = true,
      .handler =
          [&policy, &versions](const HttpRequest& request, const Principal*) {
            return RenderStatement(policy, versions, Format::kHtml, request);
          },
  });
  router.Add(Route{
      .method = "GET",
      .pattern = "/statement.md",
      .roles = {},
      .blocking = true,
      .handler =
          [&policy, &versions](const HttpRequest& request, const Principal*) {
            return RenderStatement(policy, versions, Format::kMarkdown, request);
          },
  });
}

}  // namespace privacyd
