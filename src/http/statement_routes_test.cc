#include "http/statement_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/example_policy.h"
#include "policy/policy_loader.h"

namespace privacyd {
namespace {

using ::testing::HasSubstr;

class StatementRoutesTest : public ::testing::Test {
 protected:
  StatementRoutesTest()
      : policy_(
            LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default())
                .policy) {
    AddStatementRoutes(router_, policy_);
  }

  HttpResponse Get(const std::string& path, const std::string& lang = "",
                   const std::string& accept_language = "") {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.request_id = "req-1";
    if (!lang.empty()) request.query.emplace("lang", lang);
    if (!accept_language.empty()) request.headers["accept-language"] = accept_language;
    RouteMatch match = router_.Match("GET", path);
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::kMatched) << path;
    return match.route->handler(request, nullptr);
  }

  static std::string Header(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  PolicyHolder policy_;
  Router router_;
};

TEST_F(StatementRoutesTest, NegotiatesTheLanguageFromAcceptLanguage) {
  HttpResponse response = Get("/statement", "", "fr-CH;q=0.4, de-DE, en;q=0.8");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Header(response, "Content-Language"), "de");
  EXPECT_EQ(Header(response, "Vary"), "Accept-Language");
  EXPECT_THAT(response.body, HasSubstr("<html lang=\"de\">"));
}

TEST_F(StatementRoutesTest, TheLangParameterWinsAndTheDefaultIsTheFirstLanguage) {
  EXPECT_EQ(Header(Get("/statement", "fr", "de"), "Content-Language"), "fr");
  EXPECT_EQ(Header(Get("/statement"), "Content-Language"), "en");
  EXPECT_EQ(Header(Get("/statement", "", "es, it;q=0.5"), "Content-Language"), "en");
}

TEST_F(StatementRoutesTest, MarkdownVariant) {
  HttpResponse response = Get("/statement.md", "de");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/markdown; charset=utf-8");
  EXPECT_EQ(response.body.rfind("# Datenschutzerklärung\n", 0), 0u);
}

TEST_F(StatementRoutesTest, UnsupportedLanguageIsANotFoundProblem) {
  for (const std::string path : {"/statement", "/statement.md"}) {
    HttpResponse response = Get(path, "es");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.content_type, "application/problem+json");
    EXPECT_THAT(response.body, HasSubstr("\"code\":\"unsupported_language\""));
    EXPECT_THAT(response.body, HasSubstr("en, de, fr"));
  }
}

}  // namespace
}  // namespace privacyd
