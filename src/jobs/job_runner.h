// JobRunner: worker threads that run durable jobs (job_queue.h) with the handler registered for
// each job's kind.
//
// Each worker claims a due job, runs its handler, and marks the job done when the handler
// returns Ok, or fails it (retry with backoff, or dead letter) when it returns an error. A
// separate thread heartbeats every running job every lease/3, so a job keeps its claim while its
// handler works and loses it lease seconds after this process dies, when another worker (here
// or on another node) takes it over. Kinds without a handler are never claimed here.
//
// Idle workers sleep until the poll interval passes or Notify() is called; with no handler
// registered they do not touch the store at all.
//
// Failures are logged with the job's id, kind and error code and message only, never its
// payload: payloads may reference people.
//
// Lifecycle: Register handlers, then Start(threads), later Stop() (also run by the destructor).
// Register and Start are not thread-safe with each other; Notify, Stop, AppendMetrics and
// ShutdownRequested may be called from any thread at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"
#include "jobs/job_metrics.h"
#include "jobs/job_queue.h"
#include "store/store.h"

namespace spdlog {
class logger;
}

namespace privacyd {

class JobRunner;

// What a running handler may ask of the runner. Valid only during the handler call.
class JobContext {
 public:
  // Refreshes the job's claim now. The runner already does so every lease/3, so a handler
  // needs this only to learn early that it lost the claim (kFailedPrecondition
  // "job_not_claimed": another worker took the job over), in which case it should stop and
  // return any error; its outcome will not be recorded.
  Status Heartbeat();
  // True once Stop() has been called. A long handler should return soon after: an error leads
  // to a retry with backoff (counting as an attempt), Ok marks the job done.
  bool ShutdownRequested() const;
  const std::string& worker() const { return worker_; }

 private:
  friend class JobRunner;
  JobContext(JobRunner& runner, int64_t job_id, std::string worker)
      : runner_(runner), job_id_(job_id), worker_(std::move(worker)) {}

  JobRunner& runner_;
  int64_t job_id_;
  std::string worker_;
};

// Runs one job. Returns Ok when the job's work is done; an error otherwise (its code and
// message are stored as the job's last_error and logged, so they must not contain personal
// data). A handler may run again for the same job after a crash or a lost claim, so its work
// must be idempotent. Exceptions are caught and treated as kInternal "job_handler_threw".
using JobHandler = std::function<Status(const JobRecord& job, JobContext& context)>;

struct JobRunnerOptions {
  // How long an idle worker sleeps before looking for due jobs again (Notify wakes it sooner).
  std::chrono::milliseconds poll_interval{250};
  // A running job whose heartbeat is older than this is taken to be abandoned. Heartbeats are
  // sent every lease/3.
  Micros lease = 60 * kMicrosPerSecond;
  // Worker ids are "<prefix>:<thread index>"; empty = "<hostname>:<pid>".
  std::string worker_prefix;
  // Where failures are logged; nullptr = spdlog's default logger.
  std::shared_ptr<spdlog::logger> log;
};

class JobRunner {
 public:
  // `queue` is not owned and must outlive the runner.
  explicit JobRunner(JobQueue& queue, JobRunnerOptions options = {});
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Before Start only. Errors: kInvalidArgument "invalid_job_handler" (empty kind or handler),
  // kAlreadyExists "job_handler_exists", kFailedPrecondition "job_runner_started".
  Status Register(const std::string& kind, JobHandler handler);

  // Starts `threads` workers and the heartbeat thread. Errors: kInvalidArgument
  // "invalid_job_workers" (threads < 1), kFailedPrecondition "job_runner_started" (also after
  // Stop: a runner runs once).
  Status Start(int threads);

  // Wakes idle workers to look for due jobs now, e.g. after committing an Enqueue.
  void Notify();

  // Graceful stop: workers claim nothing more; running handlers are heartbeated until they
  // return (they see ShutdownRequested()) and their outcome is recorded; then every thread is
  // joined. Idempotent; blocks for as long as the slowest running handler takes.
  void Stop();

  bool ShutdownRequested() const { return stopping_.load(); }

  // Appends the jobs' series in the Prometheus text format (see AppendJobMetrics) plus
  //   privacyd_job_executions_total{kind,outcome}  counter, runs finished by this process:
  //     outcome "done" (handler Ok), "retry" (error, requeued with backoff), "dead" (error on
  //     the last attempt), "abandoned" (moved to dead at claim: too many crashed runs), "lost"
  //     (the claim had passed to another worker before the outcome could be recorded).
  void AppendMetrics(std::string& out) const;

  // The worker id of thread `index` (for tests and logs).
  std::string WorkerId(int index) const;

 private:
  friend class JobContext;

  void WorkerLoop(int index);
  void HeartbeatLoop();
  void RunJob(const JobRecord& job, const std::string& worker);
  void CountExecution(const std::string& kind, const char* outcome);
  spdlog::logger& log() const;

  JobQueue& queue_;
  const JobRunnerOptions options_;
  std::string worker_prefix_;
  std::map<std::string, JobHandler> handlers_;  // fixed once started
  std::vector<std::string> kinds_;              // keys of handlers_, passed to Claim

  std::atomic<bool> stopping_{false};
  bool started_ = false;

  std::mutex wake_mu_;
  std::condition_variable wake_cv_;  // idle workers and the heartbeat thread wait here
  uint64_t notify_generation_ = 0;   // guarded by wake_mu_

  mutable std::mutex running_mu_;
  std::map<int64_t, std::string> running_;  // job id -> worker, for the heartbeat thread

  mutable std::mutex stats_mu_;
  JobExecutionCounts executions_;

  std::mutex stop_mu_;  // serialises Stop
  std::vector<std::thread> workers_;
  std::thread heartbeat_thread_;
  bool heartbeat_stop_ = false;  // guarded by wake_mu_
};

}  // namespace privacyd
