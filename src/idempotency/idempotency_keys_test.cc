#include "idempotency/idempotency_keys.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/test_store.h"

namespace privacyd {
namespace {

using Outcome = IdempotencyDecision::Outcome;

constexpr char kFingerprint[] = "POST /v1/admin/subjects 0123abcd";

class IdempotencyKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(store_, nullptr); }

  IdempotencyDecision Begin(const std::string& principal, const std::string& key,
                            const std::string& fingerprint = kFingerprint) {
    auto decision = keys_.Begin(principal, key, fingerprint);
    EXPECT_TRUE(decision.ok()) << (decision.ok() ? "" : decision.error().message());
    return decision.ok() ? *decision : IdempotencyDecision{};
  }

  std::optional<IdempotencyRecord> Stored(const std::string& principal, const std::string& key) {
    return *ReadValue<std::optional<IdempotencyRecord>>(*store_, [&](Tx& tx) {
      return tx.GetIdempotencyKey(principal, IdempotencyKeys::StoredKey(key));
    });
  }

  static IdempotentResponse Created() {
    return {201, "application/json", R"([["Location","/v1/admin/subjects/sub_1"]])",
            R"({"id":"sub_1"})"};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = testing::OpenTestStore(dir_.path());
  FakeClock clock_;
  SeededRandom random_{7};
  IdempotencyKeys keys_{*store_, clock_, random_};
};

TEST_F(IdempotencyKeysTest, FirstUseProceedsAndACompletedResponseIsReplayed) {
  IdempotencyDecision first = Begin("usr_1", "key-1");
  ASSERT_EQ(first.outcome, Outcome::kProceed);
  EXPECT_EQ(first.record.principal, "usr_1");
  EXPECT_EQ(first.record.key, "key-1");
  EXPECT_EQ(first.record.fingerprint, kFingerprint);
  EXPECT_EQ(first.record.state, IdempotencyState::kInProgress);
  EXPECT_EQ(first.record.created_at, clock_.Now());
  EXPECT_EQ(first.record.expires_at, clock_.Now() + IdempotencyKeys::kRetention);
  ASSERT_TRUE(keys_.Complete(first.record, Created()).ok());

  clock_.Advance(kMicrosPerSecond);
  IdempotencyDecision retry = Begin("usr_1", "key-1");
  ASSERT_EQ(retry.outcome, Outcome::kReplay);
  EXPECT_EQ(retry.record.state, IdempotencyState::kCompleted);
  EXPECT_EQ(retry.record.status, 201);
  EXPECT_EQ(retry.record.content_type, "application/json");
  EXPECT_EQ(retry.record.headers, Created().headers);
  EXPECT_EQ(retry.record.body, Created().body);
  EXPECT_EQ(retry.record.created_at, first.record.created_at);
}

TEST_F(IdempotencyKeysTest, ARetryWhileTheFirstRunsIsInUse) {
  ASSERT_EQ(Begin("usr_1", "key-1").outcome, Outcome::kProceed);
  EXPECT_EQ(Begin("usr_1", "key-1").outcome, Outcome::kInUse);
  clock_.Advance(IdempotencyKeys::kInProgressLease - 1);
  EXPECT_EQ(Begin("usr_1", "key-1").outcome, Outcome::kInUse);
}

TEST_F(IdempotencyKeysTest, TheSameKeyForAnotherRequestIsReused) {
  IdempotencyDecision first = Begin("usr_1", "key-1");
  ASSERT_EQ(first.outcome, Outcome::kProceed);
  // Refused while in progress and once completed alike, and the stored response is not shown.
  EXPECT_EQ(Begin("usr_1", "key-1", "POST /v1/admin/subjects other").outcome, Outcome::kReused);
  ASSERT_TRUE(keys_.Complete(first.record, Created()).ok());
  EXPECT_EQ(Begin("usr_1", "key-1", "POST /v1/admin/subjects other").outcome, Outcome::kReused);
  EXPECT_EQ(Begin("usr_1", "key-1").outcome, Outcome::kReplay);
}

TEST_F(IdempotencyKeysTest, KeysBelongToTheirPrincipal) {
  IdempotencyDecision alice = Begin("usr_alice", "shared-key");
  ASSERT_EQ(alice.outcome, Outcome::kProceed);
  ASSERT_TRUE(keys_.Complete(alice.record, Created()).ok());
  EXPECT_EQ(Begin("usr_bob", "shared-key", "another request").outcome, Outcome::kProceed);
  EXPECT_EQ(Begin("public", "shared-key").outcome, Outcome::kProceed);
  EXPECT_EQ(Begin("usr_alice", "shared-key").outcome, Outcome::kReplay);
}

TEST_F(IdempotencyKeysTest, AbandonFreesTheKeyForARetry) {
  // What the HTTP layer does on a 5xx: the client may retry and the request runs again.
  IdempotencyDecision first = Begin("usr_1", "key-1");
  ASSERT_EQ(first.outcome, Outcome::kProceed);
  ASSERT_TRUE(keys_.Abandon(first.record).ok());
  EXPECT_EQ(Stored("usr_1", "key-1"), std::nullopt);
  EXPECT_TRUE(keys_.Abandon(first.record).ok());  // gone already: still fine

  IdempotencyDecision retry = Begin("usr_1", "key-1", "a different body this time");
  ASSERT_EQ(retry.outcome, Outcome::kProceed);
  ASSERT_TRUE(keys_.Complete(retry.record, Created()).ok());
  EXPECT_EQ(Begin("usr_1", "key-1", "a different body this time").outcome, Outcome::kReplay);
}

TEST_F(IdempotencyKeysTest, ACompletedResponseExpiresAfterTheRetention) {
  IdempotencyDecision first = Begin("usr_1", "key-1");
  ASSERT_TRUE(keys_.Complete(first.record, Created()).ok());
  clock_.Advance(IdempotencyKeys::kRetention - 1);
  EXPECT_EQ(Begin("usr_1", "key-1").outcome, Outcome::kReplay);
  clock_.Advance(1);
  // Expired: the lookup purges it and the key starts afresh, even for another request.
  IdempotencyDecision fresh = Begin("usr_1", "key-1", "another request");
  ASSERT_EQ(fresh.outcome, Outcome::kProceed);
  EXPECT_EQ(fresh.record.created_at, clock_.Now());
  EXPECT_EQ(fresh.record.fingerprint, "another request");
  auto stored = Stored("usr_1", "key-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->state, IdempotencyState::kInProgress);
  EXPECT_EQ(stored->created_at, clock_.Now());
}

TEST_F(IdempotencyKeysTest, TheStoreSeesNeitherTheKeyNorTheFingerprintNorTheResponse) {
  IdempotencyDecision first = Begin("usr_1", "key-1");
  EXPECT_EQ(first.record.key, "key-1");  // the caller sees what it gave
  IdempotentResponse response = Created();
  response.body = R"({"identities":[{"kind":"email","value":"ada@example.com"}]})";
  ASSERT_TRUE(keys_.Complete(first.record, response).ok());

  auto stored = Stored("usr_1", "key-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->key, IdempotencyKeys::StoredKey("key-1"));
  EXPECT_EQ(stored->key.find("key-1"), std::string::npos);
  EXPECT_EQ(stored->fingerprint.find("POST"), std::string::npos);
  EXPECT_EQ(stored->body.find("ada@example.com"), std::string::npos);
  EXPECT_EQ(stored->headers.find("Location"), std::string::npos);
  EXPECT_EQ(stored->status, 201);

  IdempotencyDecision replay = Begin("usr_1", "key-1");
  ASSERT_EQ(replay.outcome, Outcome::kReplay);
  EXPECT_EQ(replay.record.body, response.body);
  EXPECT_EQ(replay.record.headers, response.headers);

  // A stored response altered in the database does not open: an error, not garbage.
  IdempotencyRecord altered = *stored;
  altered.body.back() ^= 1;
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(
                        tx.DeleteIdempotencyKey("usr_1", stored->key, stored->created_at));
                    PD_RETURN_IF_ERROR(tx.InsertIdempotencyKey(altered));
                    return Ok();
                  })
                  .ok());
  auto moved = keys_.Begin("usr_1", "key-1", kFingerprint);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code(), "idempotency_record_corrupt");
}

TEST_F(IdempotencyKeysTest, AnAbandonedInProgressKeyIsTakenOverAfterTheLease) {
  // The first request's process died: its record stays in progress until the lease runs out.
  IdempotencyDecision lost = Begin("usr_1", "key-1");
  ASSERT_EQ(lost.outcome, Outcome::kProceed);
  clock_.Advance(IdempotencyKeys::kInProgressLease);
  IdempotencyDecision taken = Begin("usr_1", "key-1");
  ASSERT_EQ(taken.outcome, Outcome::kProceed);
  EXPECT_EQ(taken.record.created_at, clock_.Now());

  // Should the first request finish after all, it cannot touch the new record.
  auto late = keys_.Complete(lost.record, Created());
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(late.error().code(), "idempotency_key_not_in_progress");
  ASSERT_TRUE(keys_.Abandon(lost.record).ok());
  auto stored = Stored("usr_1", "key-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->created_at, taken.record.created_at);
  EXPECT_EQ(Begin("usr_1", "key-1").outcome, Outcome::kInUse);
}

TEST_F(IdempotencyKeysTest, EachNewKeyPurgesABoundedBatchOfExpiredOnes) {
  const int old_keys = IdempotencyKeys::kPurgeBatch + 3;
  for (int i = 0; i < old_keys; ++i) {
    IdempotencyDecision d = Begin("usr_1", "old-" + std::to_string(i));
    ASSERT_EQ(d.outcome, Outcome::kProceed);
    ASSERT_TRUE(keys_.Complete(d.record, Created()).ok());
  }
  clock_.Advance(IdempotencyKeys::kRetention);
  ASSERT_EQ(Begin("usr_2", "new-1").outcome, Outcome::kProceed);
  int left = 0;
  for (int i = 0; i < old_keys; ++i) {
    if (Stored("usr_1", "old-" + std::to_string(i)).has_value()) ++left;
  }
  EXPECT_EQ(left, 3);
  ASSERT_EQ(Begin("usr_2", "new-2").outcome, Outcome::kProceed);
  for (int i = 0; i < old_keys; ++i) {
    EXPECT_EQ(Stored("usr_1", "old-" + std::to_string(i)), std::nullopt) << i;
  }
  EXPECT_TRUE(Stored("usr_2", "new-1").has_value());
}

TEST_F(IdempotencyKeysTest, MalformedKeysAreRefused) {
  for (const std::string& key :
       {std::string(), std::string(256, 'k'), std::string("tab\there"), std::string("del\x7f"),
        std::string("caf\xc3\xa9"), std::string("nul\0x", 5)}) {
    auto decision = keys_.Begin("usr_1", key, kFingerprint);
    ASSERT_FALSE(decision.ok()) << key;
    EXPECT_EQ(decision.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(decision.error().code(), "invalid_idempotency_key");
  }
  EXPECT_EQ(Begin("usr_1", std::string(255, 'k')).outcome, Outcome::kProceed);
  EXPECT_EQ(Begin("usr_1", "with space and ~!\"#").outcome, Outcome::kProceed);
  EXPECT_EQ(Begin("usr_1", "8e03978e-40d5-43e8-bc93-6894a57f9324").outcome, Outcome::kProceed);
}

}  // namespace
}  // namespace privacyd
