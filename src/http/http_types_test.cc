#include "http/http_types.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace privacyd {
namespace {

TEST(HttpStatusForTest, MapsEveryKind) {
  EXPECT_EQ(HttpStatusFor(ErrorKind::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(ErrorKind::kInternal), 500);
}

TEST(ProblemResponseTest, BuildsProblemJsonFromError) {
  HttpResponse response = ProblemResponse(
      Error(ErrorKind::kNotFound, "subject_not_found", "No subject has this id."), "req_1");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body, nlohmann::json({{"type", "urn:privacyd:problem:subject_not_found"},
                                  {"title", "Not Found"},
                                  {"status", 404},
                                  {"detail", "No subject has this id."},
                                  {"code", "subject_not_found"},
                                  {"request_id", "req_1"}}));
}

TEST(ProblemResponseTest, ExplicitStatus) {
  HttpResponse response = ProblemResponse(415, "unsupported_media_type", "Send JSON.", "r");
  EXPECT_EQ(response.status, 415);
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["title"], "Unsupported Media Type");
  EXPECT_EQ(body["code"], "unsupported_media_type");
}

TEST(ProblemResponseTest, InvalidUtf8InMessageDoesNotThrow) {
  HttpResponse response =
      ProblemResponse(Error(ErrorKind::kInternal, "x", std::string("bad \xff byte")), "r");
  EXPECT_EQ(response.status, 500);
  EXPECT_TRUE(nlohmann::json::accept(response.body));
}

TEST(JsonResponseTest, SetsStatusAndType) {
  HttpResponse response = JsonResponse(201, R"({"id":"x"})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":"x"})");
}

}  // namespace
}  // namespace privacyd
