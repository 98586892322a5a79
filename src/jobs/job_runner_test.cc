#include "jobs/job_runner.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "jobs/job_metrics.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

using std::chrono::milliseconds;

// Polls `done` until it holds or `limit` passes; the runner's threads are real.
bool WaitFor(const std::function<bool()>& done, milliseconds limit = milliseconds(20000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

class JobRunnerTest : public ::testing::Test {
 protected:
  JobRunnerTest() {
    backoff_.full_jitter = false;
    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_stream_);
    log_ = std::make_shared<spdlog::logger>("jobs_test", log_sink_);
    log_->set_pattern("%l %v");
  }

  JobRunnerOptions Options() {
    JobRunnerOptions options;
    options.worker_prefix = "test";
    options.log = log_;
    return options;
  }

  int64_t Count(JobState state) {
    auto n = ReadValue<int64_t>(*store_, [&](Tx& tx) { return tx.CountJobs(state); });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  JobRecord Get(int64_t id) {
    auto job = ReadValue<std::optional<JobRecord>>(*store_, [&](Tx& tx) { return tx.GetJob(id); });
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() && job->has_value() ? **job : JobRecord{};
  }

  std::string Logged() {
    log_->flush();
    return log_stream_.str();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_ = testing::OpenTestStore(dir_.path());
  FakeClock clock_;
  SeededRandom random_{3};
  BackoffPolicy backoff_;
  JobQueue queue_{*store_, clock_, random_, backoff_};
  std::ostringstream log_stream_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> log_;
};

TEST_F(JobRunnerTest, RunsEachJobExactlyOnceAcrossTwoThreads) {
  constexpr int kJobs = 200;
  std::mutex mu;
  std::map<int64_t, int> runs;
  std::map<std::string, int> by_worker;
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(runner
                  .Register("export",
                            [&](const JobRecord& job, JobContext& context) -> Status {
                              std::lock_guard<std::mutex> lock(mu);
                              ++runs[job.id];
                              ++by_worker[context.worker()];
                              return Ok();
                            })
                  .ok());
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(queue_.Enqueue("export", "{\"n\":" + std::to_string(i) + "}").ok());
  }
  ASSERT_TRUE(runner.Start(2).ok());
  EXPECT_TRUE(WaitFor([&] { return Count(JobState::kDone) == kJobs; }));
  runner.Stop();

  EXPECT_EQ(Count(JobState::kDone), kJobs);
  EXPECT_EQ(Count(JobState::kQueued), 0);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(runs.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, n] : runs) EXPECT_EQ(n, 1) << "job " << id;
  for (const auto& [worker, n] : by_worker) {
    EXPECT_TRUE(worker == "test:0" || worker == "test:1") << worker;
  }
  std::string metrics;
  runner.AppendMetrics(metrics);
  EXPECT_NE(metrics.find("privacyd_job_executions_total{kind=\"export\",outcome=\"done\"} 200\n"),
            std::string::npos)
      << metrics;
}

TEST_F(JobRunnerTest, StopWaitsForTheRunningHandlerAndRecordsItsOutcome) {
  std::atomic<bool> entered{false};
  std::atomic<bool> saw_shutdown{false};
  std::atomic<bool> finished{false};
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(runner
                  .Register("export",
                            [&](const JobRecord&, JobContext& context) -> Status {
                              entered = true;
                              saw_shutdown = WaitFor([&] { return context.ShutdownRequested(); });
                              EXPECT_TRUE(context.Heartbeat().ok());
                              std::this_thread::sleep_for(milliseconds(50));
                              finished = true;
                              return Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start(1).ok());
  auto id = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(id.ok());
  runner.Notify();
  ASSERT_TRUE(WaitFor([&] { return entered.load(); }));
  runner.Stop();
  EXPECT_TRUE(saw_shutdown);
  EXPECT_TRUE(finished);
  EXPECT_EQ(Get(*id).state, JobState::kDone);
  runner.Stop();  // idempotent
}

TEST_F(JobRunnerTest, KindsWithoutAHandlerStayQueued) {
  std::atomic<int> runs{0};
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(runner
                  .Register("export",
                            [&](const JobRecord&, JobContext&) -> Status {
                              ++runs;
                              return Ok();
                            })
                  .ok());
  auto other = queue_.Enqueue("mail", "{}");
  auto mine = queue_.Enqueue("export", "{}");
  ASSERT_TRUE(other.ok() && mine.ok());
  ASSERT_TRUE(runner.Start(2).ok());
  ASSERT_TRUE(WaitFor([&] { return Get(*mine).state == JobState::kDone; }));
  runner.Stop();
  EXPECT_EQ(runs, 1);
  JobRecord mail = Get(*other);
  EXPECT_EQ(mail.state, JobState::kQueued);
  EXPECT_EQ(mail.attempts, 0);
  EXPECT_EQ(mail.claimed_by, "");
}

TEST_F(JobRunnerTest, AFailingJobIsRetriedAfterBackoffThenDeadLettered) {
  std::atomic<int> runs{0};
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(runner
                  .Register("mail",
                            [&](const JobRecord&, JobContext&) -> Status {
                              ++runs;
                              return Error(ErrorKind::kUnavailable, "smtp_unavailable",
                                           "the mail server did not answer");
                            })
                  .ok());
  auto id = queue_.Enqueue("mail", R"({"to":"sub_secret_person"})", "", std::nullopt, 2);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(runner.Start(2).ok());
  ASSERT_TRUE(WaitFor([&] { return runs == 1 && Get(*id).state == JobState::kQueued; }));
  // Not due before the backoff has passed on the (fake) clock, however often workers look.
  runner.Notify();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(runs, 1);
  clock_.Advance(2 * kMicrosPerSecond);
  runner.Notify();
  ASSERT_TRUE(WaitFor([&] { return Get(*id).state == JobState::kDead; }));
  runner.Stop();

  EXPECT_EQ(runs, 2);
  JobRecord job = Get(*id);
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(job.last_error, "smtp_unavailable: the mail server did not answer");
  std::string logged = Logged();
  EXPECT_NE(logged.find("warning job " + std::to_string(*id) +
                        " (mail) failed on attempt 1/2, "
                        "will retry: the mail server did not answer [smtp_unavailable]"),
            std::string::npos)
      << logged;
  EXPECT_NE(logged.find("error job " + std::to_string(*id) +
                        " (mail) failed on its last "
                        "attempt 2/2, moved to dead"),
            std::string::npos)
      << logged;
  EXPECT_EQ(logged.find("sub_secret_person"), std::string::npos) << "payloads are never logged";

  std::string metrics;
  runner.AppendMetrics(metrics);
  EXPECT_NE(metrics.find("privacyd_job_executions_total{kind=\"mail\",outcome=\"retry\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("privacyd_job_executions_total{kind=\"mail\",outcome=\"dead\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("privacyd_jobs{state=\"dead\"} 1\n"), std::string::npos);
}

TEST_F(JobRunnerTest, AThrowingHandlerCountsAsAFailureWithoutItsText) {
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(runner
                  .Register("export",
                            [](const JobRecord&, JobContext&) -> Status {
                              throw std::runtime_error("parse error near 'alice@example.com'");
                            })
                  .ok());
  auto id = queue_.Enqueue("export", "{}", "", std::nullopt, 1);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(runner.Start(1).ok());
  ASSERT_TRUE(WaitFor([&] { return Get(*id).state == JobState::kDead; }));
  runner.Stop();
  EXPECT_EQ(Get(*id).last_error,
            "job_handler_threw: the handler threw an exception instead of returning an error");
  EXPECT_EQ(Logged().find("alice@example.com"), std::string::npos);
}

TEST_F(JobRunnerTest, AJobAbandonedByCrashedWorkersIsDeadLetteredNotRun) {
  auto id = queue_.Enqueue("export", "{}", "", std::nullopt, 1);
  ASSERT_TRUE(id.ok());
  // A previous process claimed it and died.
  ASSERT_TRUE(queue_.Claim({"export"}, "crashed:1:0", 60 * kMicrosPerSecond).ok());
  clock_.Advance(60 * kMicrosPerSecond + 1);

  std::atomic<int> runs{0};
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(runner
                  .Register("export",
                            [&](const JobRecord&, JobContext&) -> Status {
                              ++runs;
                              return Ok();
                            })
                  .ok());
  ASSERT_TRUE(runner.Start(1).ok());
  ASSERT_TRUE(WaitFor([&] { return Get(*id).state == JobState::kDead; }));
  runner.Stop();
  EXPECT_EQ(runs, 0);
  std::string metrics;
  runner.AppendMetrics(metrics);
  EXPECT_NE(
      metrics.find("privacyd_job_executions_total{kind=\"export\",outcome=\"abandoned\"} 1\n"),
      std::string::npos)
      << metrics;
}

TEST_F(JobRunnerTest, WithoutHandlersTheRunnerIdlesWithoutTouchingTheStore) {
  ASSERT_TRUE(queue_.Enqueue("export", "{}").ok());
  const uint64_t writes_before = store_->Stats().writes;
  JobRunnerOptions options = Options();
  options.poll_interval = milliseconds(5);
  JobRunner runner(queue_, options);
  ASSERT_TRUE(runner.Start(2).ok());
  runner.Notify();
  std::this_thread::sleep_for(milliseconds(50));  // ten poll intervals
  runner.Stop();
  EXPECT_EQ(store_->Stats().writes, writes_before);
  EXPECT_EQ(Count(JobState::kQueued), 1);
}

TEST_F(JobRunnerTest, RegisterAndStartRefuseMisuse) {
  JobRunner runner(queue_, Options());
  auto ok_handler = [](const JobRecord&, JobContext&) -> Status { return Ok(); };
  Status empty = runner.Register("", ok_handler);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), "invalid_job_handler");
  Status null_handler = runner.Register("export", nullptr);
  ASSERT_FALSE(null_handler.ok());
  EXPECT_EQ(null_handler.error().code(), "invalid_job_handler");
  ASSERT_TRUE(runner.Register("export", ok_handler).ok());
  Status twice = runner.Register("export", ok_handler);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), "job_handler_exists");

  Status no_threads = runner.Start(0);
  ASSERT_FALSE(no_threads.ok());
  EXPECT_EQ(no_threads.error().code(), "invalid_job_workers");
  ASSERT_TRUE(runner.Start(1).ok());
  Status again = runner.Start(1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), "job_runner_started");
  Status late = runner.Register("mail", ok_handler);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), "job_runner_started");
  runner.Stop();
}

TEST_F(JobRunnerTest, WorkerIdsNameHostProcessAndThread) {
  JobRunner runner(queue_);
  std::string id = runner.WorkerId(1);
  std::string suffix = ":" + std::to_string(getpid()) + ":1";
  ASSERT_GT(id.size(), suffix.size());
  EXPECT_EQ(id.substr(id.size() - suffix.size()), suffix);
}

TEST_F(JobRunnerTest, MetricsTextForAKnownState) {
  // queued: 2, running: 1, done: 1, dead: 1.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue_.Enqueue("export", "{}").ok());
  const Micros lease = 60 * kMicrosPerSecond;
  auto done = queue_.Claim({"export"}, "w", lease);
  ASSERT_TRUE(done.ok() && done->job.has_value());
  ASSERT_TRUE(queue_.Complete(*done->job, "w").ok());
  auto dead = queue_.Claim({"export"}, "w", lease);
  ASSERT_TRUE(dead.ok() && dead->job.has_value());
  dead->job->attempts = dead->job->max_attempts;  // as on its last attempt
  ASSERT_TRUE(queue_.Fail(*dead->job, "w", Error(ErrorKind::kInternal, "x", "y")).ok());
  ASSERT_TRUE(queue_.Claim({"export"}, "w", lease).ok());

  std::string out;
  AppendJobMetrics(*store_, out);
  EXPECT_EQ(out,
            "# HELP privacyd_jobs Jobs in the store by state.\n"
            "# TYPE privacyd_jobs gauge\n"
            "privacyd_jobs{state=\"queued\"} 2\n"
            "privacyd_jobs{state=\"running\"} 1\n"
            "privacyd_jobs{state=\"done\"} 1\n"
            "privacyd_jobs{state=\"dead\"} 1\n");

  std::string executions;
  AppendJobExecutionMetrics({{{"export", "done"}, 3}, {{"odd\"kind\\", "retry"}, 1}}, executions);
  EXPECT_EQ(executions,
            "# HELP privacyd_job_executions_total Job runs finished by this process, by kind and "
            "outcome.\n"
            "# TYPE privacyd_job_executions_total counter\n"
            "privacyd_job_executions_total{kind=\"export\",outcome=\"done\"} 3\n"
            "privacyd_job_executions_total{kind=\"odd\\\"kind\\\\\",outcome=\"retry\"} 1\n");
}

TEST_F(JobRunnerTest, ExecutionCountersOfRegisteredKindsStartAtZero) {
  JobRunner runner(queue_, Options());
  ASSERT_TRUE(
      runner.Register("export", [](const JobRecord&, JobContext&) -> Status { return Ok(); }).ok());
  ASSERT_TRUE(runner.Start(1).ok());
  runner.Stop();
  std::string out;
  runner.AppendMetrics(out);
  for (const char* outcome : {"abandoned", "dead", "done", "lost", "retry"}) {
    EXPECT_NE(out.find(std::string("privacyd_job_executions_total{kind=\"export\",outcome=\"") +
                       outcome + "\"} 0\n"),
              std::string::npos)
        << outcome;
  }
}

}  // namespace
}  // namespace privacyd
