#include "http/router.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

Route MakeRoute(std::string method, std::string pattern) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = [](const HttpRequest&, const Principal*) { return HttpResponse(); };
  return route;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(MakeRoute("GET", "/healthz"));
    router_.Add(MakeRoute("GET", "/v1/admin/subjects"));
    router_.Add(MakeRoute("POST", "/v1/admin/subjects"));
    router_.Add(MakeRoute("GET", "/v1/admin/subjects/{id}"));
    router_.Add(MakeRoute("DELETE", "/v1/admin/subjects/{id}"));
    router_.Add(MakeRoute("GET", "/v1/admin/subjects/{id}/requests/{request_id}"));
    router_.Add(MakeRoute("GET", "/v1/admin/subjects/search"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  RouteMatch match = router_.Match("GET", "/healthz");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.route->pattern, "/healthz");
  EXPECT_TRUE(match.params.empty());
}

TEST_F(RouterTest, BindsPathParams) {
  RouteMatch match = router_.Match("GET", "/v1/admin/subjects/sub_1/requests/req_2");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.route->pattern, "/v1/admin/subjects/{id}/requests/{request_id}");
  EXPECT_EQ(match.params.at("id"), "sub_1");
  EXPECT_EQ(match.params.at("request_id"), "req_2");
}

TEST_F(RouterTest, ChoosesMethod) {
  RouteMatch match = router_.Match("POST", "/v1/admin/subjects");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.route->method, "POST");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameterWhateverTheOrder) {
  RouteMatch match = router_.Match("GET", "/v1/admin/subjects/search");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.route->pattern, "/v1/admin/subjects/search");
}

TEST_F(RouterTest, ParameterDoesNotMatchEmptySegment) {
  EXPECT_EQ(router_.Match("GET", "/v1/admin/subjects/").outcome, RouteMatch::Outcome::kNotFound);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  EXPECT_EQ(router_.Match("GET", "/nope").outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/healthz/extra").outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/").outcome, RouteMatch::Outcome::kNotFound);
}

TEST_F(RouterTest, WrongMethodIsMethodNotAllowedWithAllow) {
  RouteMatch match = router_.Match("PUT", "/v1/admin/subjects/sub_1");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(match.AllowHeader(), "DELETE, GET, HEAD");
  EXPECT_EQ(match.route, nullptr);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  RouteMatch match = router_.Match("HEAD", "/v1/admin/subjects/sub_1");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.route->method, "GET");
  EXPECT_EQ(match.params.at("id"), "sub_1");
}

TEST_F(RouterTest, RoutesKeepsRegistrationOrder) {
  ASSERT_EQ(router_.routes().size(), 7u);
  EXPECT_EQ(router_.routes()[0].pattern, "/healthz");
  EXPECT_EQ(router_.routes()[6].pattern, "/v1/admin/subjects/search");
}

}  // namespace
}  // namespace privacyd
