#include "http/scan_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "testing/fake_guard.h"

namespace privacyd {
namespace {

using guard::FindingType;
using nlohmann::json;

class ScanRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { AddScanRoutes(router_, &guard_); }

  HttpResponse Post(const std::string& body) {
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/scan";
    request.headers["content-type"] = "application/json";
    request.body = body;
    request.request_id = "req-1";
    Principal officer{"u1", "olga", "privacy_officer"};
    auto match = router_.Match("POST", "/v1/scan");
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
    return match.route->handler(request, &officer);
  }
  HttpResponse Post(const json& body) { return Post(body.dump()); }

  static std::string Code(const HttpResponse& response) {
    EXPECT_EQ(response.content_type, "application/problem+json");
    return json::parse(response.body).value("code", "");
  }

  testing::FakeGuard guard_{{{"111-22-3333", FindingType::kUsSsn, 0.95, "format"},
                             {"a@b.c", FindingType::kEmail, 0.8, "format"}}};
  Router router_;
};

TEST_F(ScanRoutesTest, RolesAreAdminPrivacyOfficerAndSupportAgent) {
  ASSERT_EQ(router_.routes().size(), 1u);
  auto roles = router_.routes().front().roles;
  std::sort(roles.begin(), roles.end());
  EXPECT_EQ(roles, (std::vector<std::string>{"admin", "privacy_officer", "support_agent"}));
  EXPECT_TRUE(router_.routes().front().blocking);
}

TEST_F(ScanRoutesTest, AnswersFindingsWithOffsetsAndNeverTheText) {
  HttpResponse response = Post(json{{"text", "ssn 111-22-3333, mail a@b.c"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(json::parse(response.body), json::parse(R"({"findings": [{"type": "US_SSN",
              "category": "user.government_id.national_identification_number",
              "start": 4, "end": 15, "score": 0.95, "validator": "format"}],
              "sensitive": true})"));
  EXPECT_EQ(response.body.find("111-22-3333"), std::string::npos);
  // Only sensitive types unless asked.
  EXPECT_FALSE(guard_.last_types().Contains(FindingType::kEmail));
  EXPECT_TRUE(guard_.last_types().Contains(FindingType::kUsSsn));
}

TEST_F(ScanRoutesTest, TypesChooseWhatIsLookedFor) {
  HttpResponse response = Post(json{{"text", "ssn 111-22-3333, mail a@b.c"}, {"types", {"EMAIL"}}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body),
            json::parse(R"({"findings": [{"type": "EMAIL", "category": "user.contact.email",
              "start": 22, "end": 27, "score": 0.8, "validator": "format"}],
              "sensitive": false})"));
  EXPECT_TRUE(guard_.last_types().Contains(FindingType::kEmail));
  EXPECT_FALSE(guard_.last_types().Contains(FindingType::kUsSsn));

  response = Post(json{{"text", "a@b.c 111-22-3333"}, {"types", {"EMAIL", "US_SSN"}}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["findings"].size(), 2u);
  EXPECT_EQ(json::parse(response.body)["sensitive"], true);
}

TEST_F(ScanRoutesTest, CleanTextHasNoFindings) {
  HttpResponse response = Post(json{{"text", ""}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body), json::parse(R"({"findings": [], "sensitive": false})"));
}

TEST_F(ScanRoutesTest, TextWithNulBytesIsScanned) {
  HttpResponse response = Post(std::string(R"({"text": "\u0000x 111-22-3333"})"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["findings"][0]["start"], 3);
}

TEST_F(ScanRoutesTest, MalformedRequestsAreRefusedWithStableCodesBeforeScanning) {
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"", 400, "invalid_json"},
      {"{\"text\": ", 400, "invalid_json"},
      {"[\"text\"]", 400, "invalid_scan_request"},
      {"{}", 400, "missing_member"},
      {R"({"types": ["US_SSN"]})", 400, "missing_member"},
      {R"({"text": 42})", 400, "invalid_member"},
      {R"({"text": null})", 400, "invalid_member"},
      {R"({"text": ["a"]})", 400, "invalid_member"},
      {R"({"text": "a", "extra": 1})", 400, "unknown_member"},
      {R"({"text": "a", "types": "US_SSN"})", 400, "invalid_member"},
      {R"({"text": "a", "types": []})", 400, "invalid_member"},
      {R"({"text": "a", "types": [1]})", 400, "invalid_member"},
      {R"({"text": "a", "types": ["US_SSN,IBAN"]})", 400, "invalid_member"},
      {R"({"text": "a", "types": ["NOPE"]})", 400, "unknown_finding_type"},
      {R"({"text": "a", "types": ["US_SSN", "US_SNN"]})", 400, "unknown_finding_type"},
  };
  for (const auto& c : cases) {
    HttpResponse response = Post(c.body);
    EXPECT_EQ(response.status, c.status) << c.body << ": " << response.body;
    EXPECT_EQ(Code(response), c.code) << c.body;
  }
  EXPECT_EQ(guard_.scans(), 0u);
}

TEST_F(ScanRoutesTest, TextOverTheLimitIs413) {
  HttpResponse at_limit = Post(json{{"text", std::string(kMaxScanTextBytes, 'x')}});
  EXPECT_EQ(at_limit.status, 200) << at_limit.body;
  HttpResponse over = Post(json{{"text", std::string(kMaxScanTextBytes + 1, 'x')}});
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(Code(over), "text_too_large");
  EXPECT_EQ(guard_.scans(), 1u);
}

TEST(ScanRoutes, WithoutAGuardTheRouteIs503) {
  Router router;
  AddScanRoutes(router, nullptr);
  HttpRequest request;
  request.body = R"({"text": "a"})";
  Principal admin{"u1", "ada", "admin"};
  HttpResponse response = router.routes().front().handler(request, &admin);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(json::parse(response.body)["code"], "scanner_unavailable");
}

}  // namespace
}  // namespace privacyd
