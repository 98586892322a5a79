#include "http/statement_routes.h"

#include "http/accept_language.h"
#include "statement/statement_renderer.h"

namespace privacyd {
namespace {

enum class Format { kHtml, kMarkdown };

HttpResponse RenderStatement(const PolicyHolder& holder, Format format,
                             const HttpRequest& request) {
  std::shared_ptr<const Policy> policy = holder.Current();
  std::string lang;
  if (auto asked = request.Query("lang")) {
    lang = *asked;
  } else {
    lang = NegotiateLanguage(request.Header("accept-language"), policy->languages);
    if (lang.empty() && !policy->languages.empty()) lang = policy->languages.front();
  }
  auto rendered =
      format == Format::kHtml
          ? RenderStatementHtml(*policy, lang, Taxonomy::Default(), Jurisdictions::Default())
          : RenderStatementMarkdown(*policy, lang, Taxonomy::Default(), Jurisdictions::Default());
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

void AddStatementRoutes(Router& router, const PolicyHolder& policy) {
  // Rendering the example takes well under a millisecond (bench/statement_bench.cc), so the
  // routes render per request on the I/O thread, with no cache to invalidate on reload.
  router.Add(Route{
      .method = "GET",
      .pattern = "/statement",
      .roles = {},
      .blocking = false,
      .handler = [&policy](
                     const HttpRequest& request,
                     const Principal*) { return RenderStatement(policy, Format::kHtml, request); },
  });
  router.Add(Route{
      .method = "GET",
      .pattern = "/statement.md",
      .roles = {},
      .blocking = false,
      .handler =
          [&policy](const HttpRequest& request, const Principal*) {
            return RenderStatement(policy, Format::kMarkdown, request);
          },
  });
}

}  // namespace privacyd
