#include "http/console_routes.h"

#include <memory>

#include "http/web_pages.h"
#include "web/web_assets.h"

namespace privacyd {
namespace {

HttpResponse NotFound(const HttpRequest& request) {
  return ProblemResponse(Error(ErrorKind::kNotFound, "not_found",
                               "no staff console page at this address; start at /console/"),
                         request.request_id);
}

// GET /console, /console/: to the language the browser prefers.
HttpResponse Root(const HttpRequest& request) {
  return SeeOther("/console/" + PreferredWebLanguage(request) + "/");
}

// GET /console/{lang}: the queue's address with its slash.
HttpResponse LanguageRoot(const HttpRequest& request) {
  const std::string& lang = request.path_params.at("lang");
  if (!IsWebLanguage(lang)) return NotFound(request);
  return SeeOther("/console/" + lang + "/");
}

// GET /console/{lang}/{page}
HttpResponse Page(const HttpRequest& request, const std::string& path) {
  const std::string& lang = request.path_params.at("lang");
  if (!IsWebLanguage(lang)) return NotFound(request);
  const WebAsset* asset = FindWebAsset("console/" + lang + "/" + path);
  if (asset == nullptr) return NotFound(request);
  HttpResponse response = ServeWebFile(request, *asset);
  response.headers.emplace_back("Content-Language", lang);
  return response;
}

// GET /console/assets/{name}: the assets the Privacy Center also serves, under the console's
// own prefix.
HttpResponse Asset(const HttpRequest& request) {
  const WebAsset* asset = FindWebAsset("assets/" + request.path_params.at("name"));
  if (asset == nullptr || !asset->immutable) return NotFound(request);
  return ServeWebFile(request, *asset);
}

}  // namespace

const std::vector<std::string>& ConsolePagePaths() {
  static const std::vector<std::string> kPaths = {
      "",        "signin", "request", "person", "suppressions",
      "imports", "import", "outbox",  "policy", "audit"};
  return kPaths;
}

void AddConsoleRoutes(Router& router) {
  // Everything comes from memory: the routes run on the I/O threads. They are public (no
  // roles): the pages hold no data, and the JSON routes their script calls check the role.
  auto add = [&](std::string pattern, Handler handler) {
    Route route;
    route.method = "GET";
    route.pattern = std::move(pattern);
    route.blocking = false;
    route.handler = std::move(handler);
    router.Add(std::move(route));
  };
  add("/console", [](const HttpRequest& r, const Principal*) { return Root(r); });
  add("/console/", [](const HttpRequest& r, const Principal*) { return Root(r); });
  add("/console/{lang}", [](const HttpRequest& r, const Principal*) { return LanguageRoot(r); });
  add("/console/assets/{name}", [](const HttpRequest& r, const Principal*) { return Asset(r); });
  for (const std::string& page : ConsolePagePaths()) {
    add("/console/{lang}/" + page,
        [page](const HttpRequest& r, const Principal*) { return Page(r, page); });
  }
}

}  // namespace privacyd
