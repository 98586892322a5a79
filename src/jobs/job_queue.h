// JobQueue: durable jobs in the store, for long work that must survive a restart (exports,
// erasure across systems, mail, retention sweeps).
//
// A job is a row in the store: a kind (which handler runs it), a JSON payload owned by that
// kind, and a state: queued -> running -> done, or back to queued with a later run_at after a
// failure, or dead (a dead letter) once its attempts are used up. Enqueue inside the caller's
// transaction, so that a job exists exactly when the change that needs it is committed.
//
// Retries back off exponentially with full jitter (BackoffPolicy). A worker that dies while
// running a job stops heartbeating; once the lease has passed, the next Claim (by any worker)
// takes the job over. Every claim counts as an attempt, so a job whose workers keep crashing is
// moved to dead instead of running more than max_attempts times.
//
// This class holds no mutable state of its own: every method is thread-safe to the extent the
// store and the injected clock and random source are (all of ours are).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "store/store.h"

namespace privacyd {

// How long a failed job waits before its next attempt.
//
// The ceiling after the n-th failed attempt (n >= 1) is min(cap, base * factor^(n-1)): with the
// defaults 2 s, 4 s, 8 s, ... reaching the 1 h cap at the 12th failure. With full jitter
// ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015) the delay is drawn uniformly
// from [0, ceiling], so jobs that failed together (a mail server down) do not all retry in the
// same instant; without it the delay is the ceiling itself.
struct BackoffPolicy {
  Micros base = 2 * kMicrosPerSecond;
  double factor = 2.0;
  Micros cap = 3600 * kMicrosPerSecond;
  bool full_jitter = true;

  // The largest delay after `attempts` failed attempts (values below 1 count as 1).
  Micros Ceiling(int attempts) const;
};

// What one Claim found.
struct ClaimedJob {
  // The job to run now, claimed by the worker (attempts already counts this run), or nullopt
  // when nothing is due.
  std::optional<JobRecord> job;
  // Jobs that were due but had been claimed more than max_attempts times (their workers kept
  // dying) and were moved to dead on the way, as they were before that move.
  std::vector<JobRecord> dead_lettered;
};

class JobQueue {
 public:
  static constexpr int kDefaultMaxAttempts = 8;
  // last_error keeps at most this many bytes of an error.
  static constexpr size_t kMaxErrorBytes = 1024;

  // `store`, `clock` and `random` are not owned and must outlive the queue. `random` is used
  // only for jitter.
  JobQueue(Store& store, const Clock& clock, Random& random, BackoffPolicy backoff = {});

  // Enqueues a job inside `tx` (rolled back with it) and returns its id. `payload_json` is an
  // opaque JSON document for the kind's handler; it may reference people by id, so it is never
  // logged. With a non-empty `dedupe_key` that some job (in any state) already has, nothing is
  // inserted and that job's id is returned. `run_at` defaults to now.
  // Errors: kInvalidArgument "invalid_job" for an empty kind or max_attempts below 1; the
  // store's errors unchanged.
  Result<int64_t> Enqueue(Tx& tx, const std::string& kind, const std::string& payload_json,
                          const std::string& dedupe_key = "",
                          std::optional<Micros> run_at = std::nullopt,
                          int max_attempts = kDefaultMaxAttempts) const;
  // The same in a write transaction of its own. A runner polling the store picks the job up
  // within its poll interval; call JobRunner::Notify() afterwards to have it start sooner.
  Result<int64_t> Enqueue(const std::string& kind, const std::string& payload_json,
                          const std::string& dedupe_key = "",
                          std::optional<Micros> run_at = std::nullopt,
                          int max_attempts = kDefaultMaxAttempts) const;

  // Claims the earliest due job of one of `kinds` for `worker`: a queued job whose run_at has
  // come, or a running one whose heartbeat is older than `lease` (its worker died). `kinds`
  // must not be empty (kInvalidArgument "no_job_kinds"): a runner claims only what it can run.
  Result<ClaimedJob> Claim(const std::vector<std::string>& kinds, const std::string& worker,
                           Micros lease) const;

  // Keeps `worker`'s claim on a running job alive. kFailedPrecondition "job_not_claimed" when
  // the job is no longer running under `worker` (its lease ran out and another worker took it,
  // or it finished).
  Status Heartbeat(int64_t job_id, const std::string& worker) const;
  // Marks a claimed job done. Errors as for Heartbeat.
  Status Complete(const JobRecord& job, const std::string& worker) const;
  // Records a failed run of a claimed job (`job` as Claim returned it): back to queued at
  // NextRetry(job.attempts, now), or to dead when job.attempts >= job.max_attempts. last_error
  // becomes "code: message" of `error`, cut to kMaxErrorBytes. Errors as for Heartbeat.
  Status Fail(const JobRecord& job, const std::string& worker, const Error& error) const;

  // True when a failure of `job` (as claimed) moves it to dead rather than back to queued.
  static bool IsLastAttempt(const JobRecord& job) { return job.attempts >= job.max_attempts; }

  // When a job that has failed `attempts` times (its attempts counter after the failed run) may
  // run again: now + a delay drawn per the backoff policy.
  Micros NextRetry(int attempts, Micros now) const;

  Store& store() const { return store_; }
  const BackoffPolicy& backoff() const { return backoff_; }

 private:
  Store& store_;
  const Clock& clock_;
  Random& random_;
  const BackoffPolicy backoff_;
};

}  // namespace privacyd
