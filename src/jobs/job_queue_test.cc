#include "jobs/job_queue.h"

#include <gtest/gtest.h>

#include <set>

#include "testing/test_store.h"

namespace privacyd {
namespace {

constexpr Micros kSecond = kMicrosPerSecond;
constexpr Micros kLease = 60 * kSecond;

BackoffPolicy NoJitter() {
  BackoffPolicy policy;
  policy.full_jitter = false;
  return policy;
}

class JobQueueTest : public ::testing::Test {
 protected:
  JobRecord Get(int64_t id) {
    auto job = ReadValue<std::optional<JobRecord>>(*store_, [&](Tx& tx) { return tx.GetJob(id); });
    EXPECT_TRUE(job.ok());
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() && job->has_value() ? **job : JobRecord{};
  }

  int64_t Count(JobState state) {
    auto n = ReadValue<int64_t>(*store_, [&](Tx& tx) { return tx.CountJobs(state); });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  // Claims for `worker`; expects the claim itself to succeed.
  ClaimedJob Claim(const std::string& worker, std::vector<std::string> kinds = {"export"}) {
    auto claimed = queue_.Claim(kinds, worker, kLease);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message();
    return claimed.ok() ? std::move(claimed).value() : ClaimedJob{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = testing::OpenTestStore(dir_.path());
  FakeClock clock_;
  SeededRandom random_{42};
  JobQueue queue_{*store_, clock_, random_, NoJitter()};
};

TEST_F(JobQueueTest, EnqueueInsideATransactionRollsBackWithIt) {
  Status s = store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(queue_.Enqueue(tx, "export", R"({"subject":"sub_1"})"));
    return Error(ErrorKind::kFailedPrecondition, "later_step_failed", "the change was refused");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "later_step_failed");
  EXPECT_EQ(Count(JobState::kQueued), 0);

  int64_t id = 0;
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_ASSIGN_OR_RETURN(id, queue_.Enqueue(tx, "export", R"({"n":1})"));
                    return Ok();
                  })
                  .ok());
  JobRecord job = Get(id);
  EXPECT_EQ(job.kind, "export");
  EXPECT_EQ(job.payload, R"({"n":1})");
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.attempts, 0);
  EXPECT_EQ(job.max_attempts, 8);
  EXPECT_EQ(job.run_at, clock_.Now());
  EXPECT_EQ(job.created_at, clock_.Now());
}

TEST_F(JobQueueTest, DedupeKeyReturnsTheExistingJob) {
  auto first = queue_.Enqueue("export", "{}", "export:sub_1");
  auto second = queue_.Enqueue("export", R"({"other":true})", "export:sub_1");
  auto other = queue_.Enqueue("export", "{}", "export:sub_2");
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  EXPECT_EQ(*second, *first);
  EXPECT_NE(*other, *first);
  EXPECT_EQ(Count(JobState::kQueued), 2);
  EXPECT_EQ(Get(*first).payload, "{}");
}

TEST_F(JobQueueTest, EnqueueRefusesAnEmptyKindOrNoAttempts) {
  auto no_kind = queue_.Enqueue("", "{}");
  ASSERT_FALSE(no_kind.ok());
  EXPECT_EQ(no_kind.error().code(), "invalid_job");
  auto no_attempts = queue_.Enqueue("export", "{}", "", std::nullopt, 0);
  ASSERT_FALSE(no_attempts.ok());
  EXPECT_EQ(no_attempts.error().code(), "invalid_job");
  EXPECT_EQ(Count(JobState::kQueued), 0);
}

TEST_F(JobQueueTest, EnqueueAtALaterTimeIsNotClaimableBefore) {
  auto id = queue_.Enqueue("export", "{}", "", clock_.Now() + 10 * kSecond);
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(Claim("w1").job.has_value());
  clock_.Advance(10 * kSecond);
  ClaimedJob claimed = Claim("w1");
  ASSERT_TRUE(claimed.job.has_value());
  EXPECT_EQ(claimed.job->id, *id);
}

TEST(BackoffPolicyTest, ScheduleIsExactWithoutJitter) {
  FakeClock clock;
  SeededRandom random(1);
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  JobQueue queue(*store, clock, random, NoJitter());
  const Micros now = 5'000'000;
  EXPECT_EQ(queue.NextRetry(1, now), now + 2 * kSecond);
  EXPECT_EQ(queue.NextRetry(2, now), now + 4 * kSecond);
  EXPECT_EQ(queue.NextRetry(3, now), now + 8 * kSecond);
  EXPECT_EQ(queue.NextRetry(4, now), now + 16 * kSecond);
  EXPECT_EQ(queue.NextRetry(11, now), now + 2048 * kSecond);
  EXPECT_EQ(queue.NextRetry(12, now), now + 3600 * kSecond);  // 4096 s, capped at an hour
  EXPECT_EQ(queue.NextRetry(1000, now), now + 3600 * kSecond);
  EXPECT_EQ(queue.NextRetry(0, now), now + 2 * kSecond);
}

TEST(BackoffPolicyTest, FullJitterStaysWithinTheCeiling) {
  FakeClock clock;
  SeededRandom random(7);
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  JobQueue queue(*store, clock, random);  // default policy: full jitter
  ASSERT_TRUE(queue.backoff().full_jitter);
  const Micros now = 5'000'000;
  for (int attempts = 1; attempts <= 14; ++attempts) {
    const Micros ceiling = queue.backoff().Ceiling(attempts);
    std::set<Micros> seen;
    for (int i = 0; i < 100; ++i) {
      Micros at = queue.NextRetry(attempts, now);
      EXPECT_GE(at, now);
      EXPECT_LE(at, now + ceiling);
      seen.insert(at);
    }
    EXPECT_GT(seen.size(), 90u) << "attempts " << attempts;  // actually spread out
  }
}

TEST_F(JobQueueTest, FailureRequeuesAtTheBackoffTimeAndNotBefore) {
  auto id = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(id.ok());
  ClaimedJob claimed = Claim("w1");
  ASSERT_TRUE(claimed.job.has_value());
  EXPECT_EQ(claimed.job->attempts, 1);
  const Micros failed_at = clock_.Now();
  ASSERT_TRUE(queue_
                  .Fail(*claimed.job, "w1",
                        Error(ErrorKind::kUnavailable, "smtp_unavailable",
                              "the mail server "
                              "refused"))
                  .ok());

  JobRecord job = Get(*id);
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.run_at, failed_at + 2 * kSecond);
  EXPECT_EQ(job.last_error, "smtp_unavailable: the mail server refused");
  EXPECT_EQ(job.claimed_by, "");

  clock_.Advance(2 * kSecond - 1);
  EXPECT_FALSE(Claim("w2").job.has_value());
  clock_.Advance(1);
  ClaimedJob again = Claim("w2");
  ASSERT_TRUE(again.job.has_value());
  EXPECT_EQ(again.job->id, *id);
  EXPECT_EQ(again.job->attempts, 2);

  // The second failure waits twice as long.
  const Micros second_failure = clock_.Now();
  ASSERT_TRUE(queue_.Fail(*again.job, "w2", Error(ErrorKind::kInternal, "oops", "again")).ok());
  EXPECT_EQ(Get(*id).run_at, second_failure + 4 * kSecond);
}

TEST_F(JobQueueTest, LastFailedAttemptMovesTheJobToDead) {
  auto id = queue_.Enqueue("export", "{}", "", std::nullopt, 2);
  ASSERT_TRUE(id.ok());
  ClaimedJob first = Claim("w1");
  ASSERT_TRUE(first.job.has_value());
  EXPECT_FALSE(JobQueue::IsLastAttempt(*first.job));
  ASSERT_TRUE(queue_.Fail(*first.job, "w1", Error(ErrorKind::kInternal, "e1", "first")).ok());
  clock_.Advance(2 * kSecond);
  ClaimedJob second = Claim("w1");
  ASSERT_TRUE(second.job.has_value());
  EXPECT_TRUE(JobQueue::IsLastAttempt(*second.job));
  ASSERT_TRUE(queue_.Fail(*second.job, "w1", Error(ErrorKind::kInternal, "e2", "second")).ok());

  JobRecord job = Get(*id);
  EXPECT_EQ(job.state, JobState::kDead);
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(job.last_error, "e2: second");
  clock_.Advance(3600 * kSecond);
  EXPECT_FALSE(Claim("w1").job.has_value());
  EXPECT_EQ(Count(JobState::kDead), 1);
}

TEST_F(JobQueueTest, LongErrorsAreCutAtACharacterBoundary) {
  auto id = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(id.ok());
  ClaimedJob claimed = Claim("w1");
  ASSERT_TRUE(claimed.job.has_value());
  // "c: " is 3 bytes, then 2-byte characters: byte 1024 falls inside one.
  std::string message;
  for (int i = 0; i < 600; ++i) message += "\xC3\xA9";
  ASSERT_TRUE(queue_.Fail(*claimed.job, "w1", Error(ErrorKind::kInternal, "c", message)).ok());
  std::string stored = Get(*id).last_error;
  EXPECT_EQ(stored.size(), 1023u);
  EXPECT_EQ(stored.substr(0, 5), "c: \xC3\xA9");
  EXPECT_EQ(stored.substr(stored.size() - 2), "\xC3\xA9");
}

TEST_F(JobQueueTest, CompleteMarksDoneAndOnlyTheClaimingWorkerMayRecord) {
  auto id = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(id.ok());
  ClaimedJob claimed = Claim("w1");
  ASSERT_TRUE(claimed.job.has_value());
  Status wrong = queue_.Complete(*claimed.job, "w2");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), "job_not_claimed");
  ASSERT_TRUE(queue_.Complete(*claimed.job, "w1").ok());
  EXPECT_EQ(Get(*id).state, JobState::kDone);
  EXPECT_FALSE(Claim("w1").job.has_value());
}

TEST_F(JobQueueTest, AJobWhoseWorkerDiedIsTakenOverAfterTheLease) {
  auto id = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(id.ok());
  ClaimedJob claimed = Claim("w1");
  ASSERT_TRUE(claimed.job.has_value());

  // A heartbeat half-way keeps the claim for another lease.
  clock_.Advance(kLease / 2);
  ASSERT_TRUE(queue_.Heartbeat(*id, "w1").ok());
  clock_.Advance(kLease);
  EXPECT_FALSE(Claim("w2").job.has_value());

  // w1 dies: no more heartbeats. One microsecond past the lease the job is due again.
  clock_.Advance(kLease / 2 + 1);
  ClaimedJob taken = Claim("w2");
  ASSERT_TRUE(taken.job.has_value());
  EXPECT_EQ(taken.job->id, *id);
  EXPECT_EQ(taken.job->claimed_by, "w2");
  EXPECT_EQ(taken.job->attempts, 2);

  // The old worker, should it wake up, can no longer record anything.
  Status late = queue_.Complete(*claimed.job, "w1");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), "job_not_claimed");
  Status late_heartbeat = queue_.Heartbeat(*id, "w1");
  ASSERT_FALSE(late_heartbeat.ok());
  EXPECT_EQ(late_heartbeat.error().code(), "job_not_claimed");
  ASSERT_TRUE(queue_.Complete(*taken.job, "w2").ok());
}

TEST_F(JobQueueTest, AJobWhoseWorkersKeepCrashingGoesDeadInsteadOfRunningAgain) {
  auto crashing = queue_.Enqueue("export", R"({"n":1})", "", std::nullopt, 2);
  ASSERT_TRUE(crashing.ok());
  clock_.Advance(1);
  auto next = queue_.Enqueue("export", R"({"n":2})");
  ASSERT_TRUE(next.ok());

  ClaimedJob c1 = Claim("w1");
  ASSERT_TRUE(c1.job.has_value());
  EXPECT_EQ(c1.job->id, *crashing);
  clock_.Advance(kLease + 1);  // w1 crashed
  ClaimedJob c2 = Claim("w2");
  ASSERT_TRUE(c2.job.has_value());
  EXPECT_EQ(c2.job->id, *crashing);
  EXPECT_EQ(c2.job->attempts, 2);
  ClaimedJob other = Claim("w9");  // the other job, done meanwhile
  ASSERT_TRUE(other.job.has_value());
  EXPECT_EQ(other.job->id, *next);
  ASSERT_TRUE(queue_.Complete(*other.job, "w9").ok());
  clock_.Advance(kLease + 1);  // w2 crashed too

  ClaimedJob c3 = Claim("w3");
  EXPECT_FALSE(c3.job.has_value());
  ASSERT_EQ(c3.dead_lettered.size(), 1u);
  EXPECT_EQ(c3.dead_lettered[0].id, *crashing);
  EXPECT_EQ(c3.dead_lettered[0].attempts, 3);
  JobRecord job = Get(*crashing);
  EXPECT_EQ(job.state, JobState::kDead);
  EXPECT_EQ(job.last_error,
            "job_abandoned: claimed 3 times (max_attempts 2) without finishing: its workers "
            "stopped heartbeating mid-run");
}

TEST_F(JobQueueTest, AnAbandonedJobDoesNotHideTheNextDueOne) {
  auto crashing = queue_.Enqueue("export", "{}", "", std::nullopt, 1);
  ASSERT_TRUE(crashing.ok());
  ASSERT_TRUE(Claim("w1").job.has_value());
  clock_.Advance(kLease + 1);
  auto next = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(next.ok());

  ClaimedJob claimed = Claim("w2");
  ASSERT_EQ(claimed.dead_lettered.size(), 1u);
  EXPECT_EQ(claimed.dead_lettered[0].id, *crashing);
  ASSERT_TRUE(claimed.job.has_value());
  EXPECT_EQ(claimed.job->id, *next);
  EXPECT_EQ(claimed.job->attempts, 1);
}

TEST_F(JobQueueTest, ClaimTakesOnlyTheGivenKindsAndNeedsSome) {
  ASSERT_TRUE(queue_.Enqueue("mail", "{}").ok());
  EXPECT_FALSE(Claim("w1", {"export"}).job.has_value());
  auto none = queue_.Claim({}, "w1", kLease);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), "no_job_kinds");
  EXPECT_EQ(Count(JobState::kQueued), 1);
  ClaimedJob mail = Claim("w1", {"export", "mail"});
  ASSERT_TRUE(mail.job.has_value());
  EXPECT_EQ(mail.job->kind, "mail");
}

}  // namespace
}  // namespace privacyd
