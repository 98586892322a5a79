#include "http/ropa_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "policy/example_policy.h"
#include "policy/policy_loader.h"

namespace privacyd {
namespace {

class RopaRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { AddRopaRoutes(router_, policy_, clock_); }

  HttpResponse Get(std::multimap<std::string, std::string> query) {
    HttpRequest request;
    request.method = "GET";
    request.path = "/v1/admin/ropa";
    request.query = std::move(query);
    request.request_id = "req-1";
    Principal auditor{"u1", "audrey", "auditor"};
    return router_.routes().front().handler(request, &auditor);
  }

  static std::string Header(const HttpResponse& response, const std::string& name) {
    for (const auto& [n, v] : response.headers) {
      if (n == name) return v;
    }
    return "";
  }

  FakeClock clock_;
  PolicyHolder policy_{
      LoadPolicyText(kExamplePolicy, "policy.yaml", Taxonomy::Default(), Jurisdictions::Default())
          .policy};
  Router router_;
};

TEST_F(RopaRoutesTest, RolesAreAdminPrivacyOfficerAndAuditor) {
  ASSERT_EQ(router_.routes().size(), 1u);
  auto roles = router_.routes().front().roles;
  std::sort(roles.begin(), roles.end());
  EXPECT_EQ(roles, (std::vector<std::string>{"admin", "auditor", "privacy_officer"}));
}

TEST_F(RopaRoutesTest, JsonByDefaultWithoutAttachment) {
  HttpResponse response = Get({});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(Header(response, "Content-Disposition"), "");
  EXPECT_EQ(nlohmann::json::parse(response.body)["activities"].size(),
            policy_.Current()->purposes.size());
}

TEST_F(RopaRoutesTest, XlsxIsABinaryAttachmentNamedAfterTheVersion) {
  HttpResponse response = Get({{"format", "xlsx"}, {"lang", "fr"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(Header(response, "Content-Disposition"), "attachment; filename=\"ropa-2024-08.xlsx\"");
  EXPECT_EQ(response.body.substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST_F(RopaRoutesTest, CsvAttachment) {
  HttpResponse response = Get({{"format", "csv"}});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(Header(response, "Content-Disposition"), "attachment; filename=\"ropa-2024-08.csv\"");
}

TEST_F(RopaRoutesTest, RefusesAnUnknownFormatOrLanguage) {
  HttpResponse format = Get({{"format", "pdf"}});
  EXPECT_EQ(format.status, 400);
  EXPECT_EQ(nlohmann::json::parse(format.body)["code"], "invalid_format");
  HttpResponse lang = Get({{"lang", "es"}});
  EXPECT_EQ(lang.status, 400);
  EXPECT_EQ(nlohmann::json::parse(lang.body)["code"], "unsupported_language");
}

}  // namespace
}  // namespace privacyd
