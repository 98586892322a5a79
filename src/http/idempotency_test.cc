#include "http/idempotency.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "testing/test_store.h"

namespace privacyd {
namespace {

using nlohmann::json;

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [n, v] : response.headers) {
    if (n == name) return v;
  }
  return "";
}

class IdempotentHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(store_, nullptr); }

  // A handler that counts its runs and answers with a body naming the run.
  Handler Counting(int status = 201) {
    return [this, status](const HttpRequest&, const Principal*) {
      ++runs_;
      HttpResponse r = JsonResponse(status, json{{"run", runs_}}.dump());
      r.headers.emplace_back("Location", "/v1/things/" + std::to_string(runs_));
      return r;
    };
  }

  static HttpRequest Post(const std::string& body, const std::string& key) {
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/things";
    request.target = request.path;
    request.body = body;
    request.request_id = "req_test";
    if (!key.empty()) request.headers[kIdempotencyKeyHeader] = key;
    return request;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = testing::OpenTestStore(dir_.path());
  FakeClock clock_;
  SeededRandom random_{7};
  std::shared_ptr<IdempotencyKeys> keys_ =
      std::make_shared<IdempotencyKeys>(*store_, clock_, random_);
  Principal alice_{"usr_alice", "alice", "admin"};
  Principal bob_{"usr_bob", "bob", "admin"};
  int runs_ = 0;
};

TEST_F(IdempotentHandlerTest, WithoutAKeyTheHandlerRunsEveryTime) {
  Handler handler = MakeIdempotent(Counting(), keys_);
  EXPECT_EQ(handler(Post("{}", ""), &alice_).body, R"({"run":1})");
  EXPECT_EQ(handler(Post("{}", ""), &alice_).body, R"({"run":2})");
  EXPECT_EQ(runs_, 2);
}

TEST_F(IdempotentHandlerTest, ARetryReplaysTheFirstResponseExactly) {
  Handler handler = MakeIdempotent(Counting(), keys_);
  HttpResponse first = handler(Post(R"({"a":1})", "k1"), &alice_);
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(HeaderOf(first, kIdempotentReplayedHeader), "");

  HttpResponse again = handler(Post(R"({"a":1})", "k1"), &alice_);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.content_type, first.content_type);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(HeaderOf(again, "Location"), "/v1/things/1");
  EXPECT_EQ(HeaderOf(again, kIdempotentReplayedHeader), "true");
  EXPECT_EQ(again.headers.size(), first.headers.size() + 1);
}

TEST_F(IdempotentHandlerTest, ClientErrorsAreStoredAndReplayedToo) {
  Handler handler = MakeIdempotent(Counting(409), keys_);
  EXPECT_EQ(handler(Post("{}", "k1"), &alice_).status, 409);
  HttpResponse again = handler(Post("{}", "k1"), &alice_);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotentHandlerTest, AnotherBodyOrPathWithTheSameKeyIs422) {
  Handler handler = MakeIdempotent(Counting(), keys_);
  handler(Post(R"({"a":1})", "k1"), &alice_);
  HttpResponse other_body = handler(Post(R"({"a":2})", "k1"), &alice_);
  EXPECT_EQ(other_body.status, 422);
  EXPECT_EQ(other_body.content_type, "application/problem+json");
  EXPECT_EQ(json::parse(other_body.body)["code"], "idempotency_key_reused");
  HttpRequest other_path = Post(R"({"a":1})", "k1");
  other_path.path = "/v1/other";
  EXPECT_EQ(handler(other_path, &alice_).status, 422);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotentHandlerTest, ARetryDuringTheFirstRunIs409WithRetryAfter) {
  HttpResponse inner;
  Handler wrapped;
  wrapped = MakeIdempotent(
      [&](const HttpRequest& request, const Principal* who) {
        ++runs_;
        // The retry arrives while the first request is still in its handler.
        if (runs_ == 1) inner = wrapped(request, who);
        return JsonResponse(201, "{}");
      },
      keys_);
  EXPECT_EQ(wrapped(Post("{}", "k1"), &alice_).status, 201);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(inner.status, 409);
  EXPECT_EQ(json::parse(inner.body)["code"], "idempotency_key_in_use");
  EXPECT_EQ(HeaderOf(inner, "Retry-After"), "1");
}

TEST_F(IdempotentHandlerTest, ServerErrorsAndExceptionsFreeTheKey) {
  int status = 503;
  Handler handler = MakeIdempotent(
      [&](const HttpRequest&, const Principal*) {
        ++runs_;
        if (status == 0) throw std::runtime_error("boom");
        return JsonResponse(status, "{}");
      },
      keys_);
  EXPECT_EQ(handler(Post("{}", "k1"), &alice_).status, 503);
  status = 0;
  EXPECT_THROW(handler(Post("{}", "k1"), &alice_), std::runtime_error);
  status = 201;
  EXPECT_EQ(handler(Post("{}", "k1"), &alice_).status, 201);
  EXPECT_EQ(runs_, 3);
  HttpResponse replay = handler(Post("{}", "k1"), &alice_);
  EXPECT_EQ(HeaderOf(replay, kIdempotentReplayedHeader), "true");
  EXPECT_EQ(runs_, 3);
}

TEST_F(IdempotentHandlerTest, KeysAreScopedToTheCaller) {
  Handler handler = MakeIdempotent(Counting(), keys_);
  EXPECT_EQ(handler(Post("{}", "shared"), &alice_).body, R"({"run":1})");
  EXPECT_EQ(handler(Post("{}", "shared"), &bob_).body, R"({"run":2})");
  EXPECT_EQ(handler(Post("{}", "shared"), nullptr).body, R"({"run":3})");
  EXPECT_EQ(handler(Post("{}", "shared"), nullptr).body, R"({"run":3})");
  EXPECT_EQ(runs_, 3);
}

TEST_F(IdempotentHandlerTest, AMalformedKeyIs400AndTheHandlerDoesNotRun) {
  Handler handler = MakeIdempotent(Counting(), keys_);
  for (const std::string& key : {std::string(256, 'x'), std::string("bad\x01key")}) {
    HttpResponse response = handler(Post("{}", key), &alice_);
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(json::parse(response.body)["code"], "invalid_idempotency_key");
  }
  HttpRequest empty = Post("{}", "");
  empty.headers[kIdempotencyKeyHeader] = "";
  EXPECT_EQ(handler(empty, &alice_).status, 400);
  EXPECT_EQ(runs_, 0);
}

TEST(RequestFingerprintTest, CoversMethodPathAndBodyHash) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/v1/admin/subjects";
  request.target = "/v1/admin/subjects?ignored=1";
  request.body = "abc";
  EXPECT_EQ(RequestFingerprint(request),
            "POST /v1/admin/subjects "
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace privacyd
