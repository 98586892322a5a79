#include "http/system_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "http/openapi.h"

namespace privacyd {
namespace {

HttpResponse Call(const Router& router, const std::string& method, const std::string& path) {
  RouteMatch match = router.Match(method, path);
  EXPECT_EQ(match.outcome, RouteMatch::Outcome::kMatched) << path;
  HttpRequest request;
  request.method = method;
  request.path = path;
  request.request_id = "req_test";
  return match.route->handler(request, nullptr);
}

TEST(SystemRoutesTest, HealthzIsOkAndNonBlocking) {
  Router router;
  Metrics metrics;
  AddSystemRoutes(router, metrics, [] { return Ok(); });
  HttpResponse response = Call(router, "GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"ok"})");
  EXPECT_FALSE(router.Match("GET", "/healthz").route->blocking);
  EXPECT_TRUE(router.Match("GET", "/healthz").route->roles.empty());
}

TEST(SystemRoutesTest, ReadyzReportsReadiness) {
  Router router;
  Metrics metrics;
  bool ready = false;
  AddSystemRoutes(router, metrics, [&]() -> Status {
    if (ready) return Ok();
    return Error(ErrorKind::kUnavailable, "store_unavailable", "The store is not reachable.");
  });
  HttpResponse not_ready = Call(router, "GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.content_type, "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(not_ready.body);
  EXPECT_EQ(body["code"], "not_ready");
  EXPECT_EQ(body["detail"], "The store is not reachable.");
  ready = true;
  HttpResponse now_ready = Call(router, "GET", "/readyz");
  EXPECT_EQ(now_ready.status, 200);
  EXPECT_EQ(now_ready.body, R"({"status":"ready"})");
}

TEST(SystemRoutesTest, MetricsIsPrometheusText) {
  Router router;
  Metrics metrics;
  AddSystemRoutes(router, metrics, nullptr);
  metrics.ObserveRequest("/healthz", "GET", 200, 0.001);
  HttpResponse response = Call(router, "GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("privacyd_http_requests_total{route=\"/healthz\""),
            std::string::npos);
}

TEST(SystemRoutesTest, ServesOpenApiDocument) {
  Router router;
  Metrics metrics;
  AddSystemRoutes(router, metrics, nullptr);
  HttpResponse response = Call(router, "GET", "/openapi.json");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, std::string(kOpenApiJson));
  nlohmann::json doc = nlohmann::json::parse(response.body);
  EXPECT_EQ(doc["openapi"], "3.1.0");
}

// Every registered route must be documented, with its roles as x-roles.
TEST(SystemRoutesTest, EveryRouteIsInTheOpenApiDocument) {
  Router router;
  Metrics metrics;
  AddSystemRoutes(router, metrics, nullptr);
  nlohmann::json doc = nlohmann::json::parse(kOpenApiJson);
  for (const Route& route : router.routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern;
    ASSERT_TRUE(doc["paths"][route.pattern].contains(method))
        << route.method << " " << route.pattern;
    const auto& operation = doc["paths"][route.pattern][method];
    EXPECT_TRUE(operation.contains("operationId")) << route.pattern;
    EXPECT_EQ(operation.value("x-roles", nlohmann::json::array()), nlohmann::json(route.roles))
        << route.pattern;
  }
}

TEST(OpenApiDocumentTest, DocumentsTheStaffEndpoints) {
  nlohmann::json doc = nlohmann::json::parse(kOpenApiJson);
  const auto& paths = doc["paths"];
  EXPECT_TRUE(paths["/v1/admin/subjects"].contains("post"));
  EXPECT_TRUE(paths["/v1/admin/subjects"].contains("get"));
  EXPECT_TRUE(paths["/v1/admin/subjects/{id}"].contains("get"));
  EXPECT_EQ(paths["/v1/admin/audit"]["get"]["x-roles"], nlohmann::json({"auditor", "admin"}));
  EXPECT_TRUE(doc["components"]["schemas"].contains("Problem"));
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
}

}  // namespace
}  // namespace privacyd
