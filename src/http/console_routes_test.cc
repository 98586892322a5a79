#include "http/console_routes.h"

#include <gtest/gtest.h>

#include <set>

#include "web/web_assets.h"
#include "web/web_build.h"

namespace privacyd {
namespace {

HttpResponse Get(const Router& router, const std::string& path) {
  RouteMatch match = router.Match("GET", path);
  EXPECT_EQ(match.outcome, RouteMatch::Outcome::kMatched) << path;
  if (match.outcome != RouteMatch::Outcome::kMatched) return {};
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  request.path_params = match.params;
  return match.route->handler(request, nullptr);
}

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// Every console page the build made has a route, and every route a page, in every language.
TEST(ConsoleRoutes, ServeExactlyTheBuiltPages) {
  std::set<std::string> built;
  for (size_t i = 0; i < WebAssetCount(); ++i) {
    const WebAsset& asset = WebAssetAt(i);
    if (asset.key.rfind("console/", 0) == 0) built.insert(std::string(asset.key));
  }
  std::set<std::string> routed;
  for (const auto& lang : WebLanguages()) {
    for (const auto& path : ConsolePagePaths()) routed.insert("console/" + lang + "/" + path);
  }
  EXPECT_EQ(routed, built);

  Router router;
  AddConsoleRoutes(router);
  for (const auto& key : built) {
    HttpResponse page = Get(router, "/" + key);
    EXPECT_EQ(page.status, 200) << key;
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8") << key;
    EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache") << key;
    EXPECT_EQ(HeaderOf(page, "Content-Language"), key.substr(8, 2)) << key;
    EXPECT_EQ(page.body, InflateWebAsset(*FindWebAsset(key))) << key;
  }
}

TEST(ConsoleRoutes, RedirectALanguageWithoutItsSlashAndRefuseAnUnknownOne) {
  Router router;
  AddConsoleRoutes(router);
  HttpResponse redirect = Get(router, "/console/fr");
  EXPECT_EQ(redirect.status, 303);
  EXPECT_EQ(HeaderOf(redirect, "Location"), "/console/fr/");
  HttpResponse root = Get(router, "/console/");
  EXPECT_EQ(root.status, 303);
  EXPECT_EQ(HeaderOf(root, "Location"), "/console/en/");
  EXPECT_EQ(Get(router, "/console/xx/audit").status, 404);
  EXPECT_EQ(Get(router, "/console/assets/app.css").status, 404);
}

}  // namespace
}  // namespace privacyd
