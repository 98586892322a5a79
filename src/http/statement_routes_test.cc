#include "http/statement_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/example_policy.h"
#include "policy/policy_loader.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

using ::testing::HasSubstr;

class StatementRoutesTest : public ::testing::Test {
 protected:
  StatementRoutesTest()
      : policy_(
            LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default())
                .policy) {
    EXPECT_TRUE(versions_.Apply(*policy_.Current(), "test").ok());
    AddStatementRoutes(router_, policy_, versions_);
  }

  // Applies the example with `from` replaced by `to` as a new version and puts it in force.
  void ApplyEdited(const std::string& version, const std::string& from, const std::string& to) {
    std::string text(kExamplePolicy);
    const std::string old_version = "version: \"2024-08\"";
    text.replace(text.find(old_version), old_version.size(), "version: \"" + version + "\"");
    text.replace(text.find(from), from.size(), to);
    PolicyLoad load = LoadPolicyText(text, "edited", Taxonomy::Default(), Jurisdictions::Default());
    ASSERT_TRUE(load.ok());
    ASSERT_TRUE(versions_.Apply(*load.policy, "test").ok());
    policy_.Replace(load.policy);
  }

  HttpResponse Get(const std::string& path, const std::string& lang = "",
                   const std::string& accept_language = "") {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.request_id = "req-1";
    if (!lang.empty()) request.query.emplace("lang", lang);
    if (!version_.empty()) request.query.emplace("version", version_);
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
  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = testing::OpenTestStore(dir_.path());
  FakeClock clock_;
  SeededRandom random_{3};
  AuditLog audit_{clock_};
  JobQueue jobs_{*store_, clock_, random_};
  PolicyVersions versions_{
      *store_, jobs_, audit_, clock_, Taxonomy::Default(), Jurisdictions::Default()};
  std::string version_;
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

TEST_F(StatementRoutesTest, MaterialChangeCarriesANoticeInEveryLanguage) {
  HttpResponse before = Get("/statement.md", "en");
  EXPECT_THAT(before.body, ::testing::Not(HasSubstr("changes our practices")));
  ApplyEdited("2025-01", "    countries: [US]\n", "    countries: [US, IN]\n");
  HttpResponse en = Get("/statement.md", "en");
  ASSERT_EQ(en.status, 200);
  EXPECT_THAT(en.body, HasSubstr("**Important: this version changes our practices.** Compared "
                                 "with version 2024-08:"));
  EXPECT_THAT(en.body, HasSubstr("- data goes to a new country (IN)"));
  EXPECT_THAT(Get("/statement.md", "de").body, HasSubstr("- Daten gehen in ein neues Land (IN)"));
  EXPECT_THAT(Get("/statement.md", "fr").body,
              HasSubstr("des données sont transférées vers un nouveau pays (IN)"));
}

TEST_F(StatementRoutesTest, EditorialChangeCarriesNoNotice) {
  ApplyEdited("2024-09", "191 Spring Street", "200 Spring Street");
  EXPECT_THAT(Get("/statement.md", "en").body, ::testing::Not(HasSubstr("changes our practices")));
}

TEST_F(StatementRoutesTest, EarlierVersionsRemainRenderable) {
  ApplyEdited("2025-01", "191 Spring Street", "200 Spring Street");
  EXPECT_THAT(Get("/statement.md", "en").body, HasSubstr("200 Spring Street"));
  version_ = "2024-08";
  HttpResponse old = Get("/statement.md", "en");
  ASSERT_EQ(old.status, 200);
  EXPECT_THAT(old.body, HasSubstr("191 Spring Street"));
  EXPECT_THAT(old.body, HasSubstr("version 2024-08"));
  version_ = "1999-01";
  HttpResponse missing = Get("/statement", "en");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("statement_version_not_found"));
}

}  // namespace
}  // namespace privacyd
