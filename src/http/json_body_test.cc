#include "http/json_body.h"

#include <gtest/gtest.h>

#include <string>

namespace privacyd {
namespace {

HttpRequest WithBody(std::string body) {
  HttpRequest request;
  request.body = std::move(body);
  return request;
}

TEST(ParseJsonBodyTest, ParsesObject) {
  auto parsed = ParseJsonBody(WithBody(R"({"a": [1, {"b": null}], "c": "x"})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ((*parsed)["c"], "x");
  EXPECT_EQ((*parsed)["a"][0], 1);
}

TEST(ParseJsonBodyTest, SyntaxErrorGivesPosition) {
  auto parsed = ParseJsonBody(WithBody(R"({"a": 1,})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(parsed.error().code(), "invalid_json");
  EXPECT_NE(parsed.error().message().find("byte 9"), std::string::npos) << parsed.error().message();
}

TEST(ParseJsonBodyTest, ErrorDoesNotQuoteTheBody) {
  auto parsed = ParseJsonBody(WithBody(R"({"email": "ana@example.com" oops})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message().find("ana@"), std::string::npos);
}

TEST(ParseJsonBodyTest, EmptyBodyIsInvalid) {
  auto parsed = ParseJsonBody(WithBody("  \n"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), "invalid_json");
}

TEST(ParseJsonBodyTest, TrailingGarbageIsInvalid) {
  auto parsed = ParseJsonBody(WithBody("{} {}"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), "invalid_json");
}

TEST(ParseJsonBodyTest, DuplicateKeyIsInvalid) {
  auto parsed = ParseJsonBody(WithBody(R"({"a": {"x": 1, "y": 2}, "b": [{"x": 1}], "a": 3})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), "invalid_json");
  EXPECT_NE(parsed.error().message().find("duplicate"), std::string::npos);
}

TEST(ParseJsonBodyTest, SameKeyInSiblingObjectsIsFine) {
  auto parsed = ParseJsonBody(WithBody(R"([{"x": 1}, {"x": 2}, {"y": {"x": 3}}])"));
  EXPECT_TRUE(parsed.ok());
}

TEST(ParseJsonBodyTest, DepthLimit) {
  std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJsonBody(WithBody(ok)).ok());
  std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  auto parsed = ParseJsonBody(WithBody(deep));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), "json_too_deep");
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; ++i) objects += R"({"a":)";
  objects += "1" + std::string(kMaxJsonDepth + 1, '}');
  auto parsed_objects = ParseJsonBody(WithBody(objects));
  ASSERT_FALSE(parsed_objects.ok());
  EXPECT_EQ(parsed_objects.error().code(), "json_too_deep");
}

TEST(ParseJsonBodyTest, InvalidUtf8) {
  auto parsed = ParseJsonBody(WithBody("{\"a\": \"\xC0\xAF\"}"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), "invalid_utf8");
}

}  // namespace
}  // namespace privacyd
