#include "jobs/job_runner.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace privacyd {
namespace {

constexpr std::array<const char*, 5> kOutcomes = {"abandoned", "dead", "done", "lost", "retry"};

std::string DefaultWorkerPrefix() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    return "localhost:" + std::to_string(getpid());
  }
  return std::string(host.data()) + ":" + std::to_string(getpid());
}

}  // namespace

Status JobContext::Heartbeat() { return runner_.queue_.Heartbeat(job_id_, worker_); }

bool JobContext::ShutdownRequested() const { return runner_.ShutdownRequested(); }

JobRunner::JobRunner(JobQueue& queue, JobRunnerOptions options)
    : queue_(queue),
      options_(std::move(options)),
      worker_prefix_(options_.worker_prefix.empty() ? DefaultWorkerPrefix()
                                                    : options_.worker_prefix) {}

JobRunner::~JobRunner() { Stop(); }

Status JobRunner::Register(const std::string& kind, JobHandler handler) {
  if (started_) {
    return Error(ErrorKind::kFailedPrecondition, "job_runner_started",
                 "register job handlers before starting the runner");
  }
  if (kind.empty() || !handler) {
    return Error(ErrorKind::kInvalidArgument, "invalid_job_handler",
                 "a job handler needs a kind and a function");
  }
  if (!handlers_.emplace(kind, std::move(handler)).second) {
    return Error(ErrorKind::kAlreadyExists, "job_handler_exists",
                 "a handler for job kind " + kind + " is already registered");
  }
  kinds_.push_back(kind);
  return Ok();
}

Status JobRunner::Start(int threads) {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (started_) {
    return Error(ErrorKind::kFailedPrecondition, "job_runner_started",
                 "the job runner was already started");
  }
  if (threads < 1) {
    return Error(ErrorKind::kInvalidArgument, "invalid_job_workers",
                 "the job runner needs at least one worker thread");
  }
  started_ = true;
  {
    // Every series starts at zero, so that rate() sees the first run of each kind.
    std::lock_guard<std::mutex> lock(stats_mu_);
    for (const std::string& kind : kinds_) {
      for (const char* outcome : kOutcomes) executions_.emplace(std::make_pair(kind, outcome), 0);
    }
  }
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
  heartbeat_thread_ = std::thread([this] { HeartbeatLoop(); });
  return Ok();
}

void JobRunner::Notify() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    ++notify_generation_;
  }
  wake_cv_.notify_all();
}

void JobRunner::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    // Set under wake_mu_ so that no worker can check the flag and then miss the wake-up.
    std::lock_guard<std::mutex> lock(wake_mu_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  // Heartbeats continue until the last handler has returned, so that no job loses its claim
  // while it finishes.
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    heartbeat_stop_ = true;
  }
  wake_cv_.notify_all();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
}

std::string JobRunner::WorkerId(int index) const {
  return worker_prefix_ + ":" + std::to_string(index);
}

void JobRunner::AppendMetrics(std::string& out) const {
  AppendJobMetrics(queue_.store(), out);
  JobExecutionCounts counts;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    counts = executions_;
  }
  AppendJobExecutionMetrics(counts, out);
}

void JobRunner::WorkerLoop(int index) {
  const std::string worker = WorkerId(index);
  while (!stopping_) {
    uint64_t seen;
    {
      std::unique_lock<std::mutex> lock(wake_mu_);
      if (kinds_.empty()) {
        // Nothing this runner could run: sleep until Stop, without polling the store.
        wake_cv_.wait(lock, [&] { return stopping_.load(); });
        return;
      }
      seen = notify_generation_;
    }
    Result<ClaimedJob> claimed = queue_.Claim(kinds_, worker, options_.lease);
    if (!claimed.ok()) {
      log().warn("job worker {}: claiming failed: {} [{}]", worker, claimed.error().message(),
                 claimed.error().code());
    } else {
      for (const JobRecord& dead : claimed->dead_lettered) {
        log().error(
            "job {} ({}) moved to dead: claimed {} times (max_attempts {}), its workers "
            "stopped heartbeating [job_abandoned]",
            dead.id, dead.kind, dead.attempts, dead.max_attempts);
        CountExecution(dead.kind, "abandoned");
      }
      if (claimed->job.has_value()) {
        RunJob(*claimed->job, worker);
        continue;  // there may be more due work: look again before sleeping
      }
    }
    // A Notify since `seen` was read means new work may have been committed after the claim
    // looked: do not sleep then.
    std::unique_lock<std::mutex> lock(wake_mu_);
    wake_cv_.wait_for(lock, options_.poll_interval,
                      [&] { return stopping_.load() || notify_generation_ != seen; });
  }
}

void JobRunner::RunJob(const JobRecord& job, const std::string& worker) {
  {
    std::lock_guard<std::mutex> lock(running_mu_);
    running_[job.id] = worker;
  }
  JobContext context(*this, job.id, worker);
  Status result;
  try {
    result = handlers_.at(job.kind)(job, context);
  } catch (...) {
    // The exception's text is not kept: it may quote the payload.
    result = Error(ErrorKind::kInternal, "job_handler_threw",
                   "the handler threw an exception instead of returning an error");
  }
  {
    // Before the outcome is recorded, so the heartbeat thread does not report the finished job
    // as a lost claim.
    std::lock_guard<std::mutex> lock(running_mu_);
    running_.erase(job.id);
  }

  const char* outcome;
  Status recorded;
  if (result.ok()) {
    outcome = "done";
    recorded = queue_.Complete(job, worker);
  } else {
    const Error& error = result.error();
    if (JobQueue::IsLastAttempt(job)) {
      outcome = "dead";
      log().error("job {} ({}) failed on its last attempt {}/{}, moved to dead: {} [{}]", job.id,
                  job.kind, job.attempts, job.max_attempts, error.message(), error.code());
    } else {
      outcome = "retry";
      log().warn("job {} ({}) failed on attempt {}/{}, will retry: {} [{}]", job.id, job.kind,
                 job.attempts, job.max_attempts, error.message(), error.code());
    }
    recorded = queue_.Fail(job, worker, error);
  }
  if (!recorded.ok()) {
    // Usually the claim passed to another worker (this one stalled past the lease); otherwise
    // the store failed and the lease will hand the job to a worker again.
    outcome = "lost";
    log().warn("job {} ({}): outcome not recorded: {} [{}]", job.id, job.kind,
               recorded.error().message(), recorded.error().code());
  }
  CountExecution(job.kind, outcome);
}

void JobRunner::HeartbeatLoop() {
  const auto interval = std::chrono::microseconds(std::max<Micros>(options_.lease / 3, 1));
  std::unique_lock<std::mutex> lock(wake_mu_);
  for (;;) {
    wake_cv_.wait_for(lock, interval, [&] { return heartbeat_stop_; });
    if (heartbeat_stop_) return;
    lock.unlock();
    std::map<int64_t, std::string> running;
    {
      std::lock_guard<std::mutex> running_lock(running_mu_);
      running = running_;
    }
    for (const auto& [id, worker] : running) {
      Status s = queue_.Heartbeat(id, worker);
      if (s.ok()) continue;
      std::lock_guard<std::mutex> running_lock(running_mu_);
      if (running_.count(id) == 0) continue;  // finished meanwhile: nothing was lost
      log().warn("job {}: heartbeat failed: {} [{}]", id, s.error().message(), s.error().code());
    }
    lock.lock();
  }
}

void JobRunner::CountExecution(const std::string& kind, const char* outcome) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++executions_[std::make_pair(kind, std::string(outcome))];
}

spdlog::logger& JobRunner::log() const {
  return options_.log ? *options_.log : *spdlog::default_logger_raw();
}

}  // namespace privacyd
