#include "jobs/job_queue.h"

#include <array>
#include <cmath>
#include <span>
#include <utility>

namespace privacyd {
namespace {

// "code: message", cut at a UTF-8 character boundary so the stored text stays valid.
std::string ErrorText(const Error& error) {
  std::string text = error.code().empty() ? error.message() : error.code() + ": " + error.message();
  if (text.size() <= JobQueue::kMaxErrorBytes) return text;
  size_t end = JobQueue::kMaxErrorBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

}  // namespace

Micros BackoffPolicy::Ceiling(int attempts) const {
  if (attempts < 1) attempts = 1;
  if (base <= 0 || cap <= 0) return 0;
  // In double, so that a large exponent saturates (to infinity) instead of overflowing; every
  // value below the cap is an exact multiple of base for integral factors.
  double delay = static_cast<double>(base) * std::pow(factor, attempts - 1);
  if (!(delay < static_cast<double>(cap))) return cap;
  return static_cast<Micros>(delay);
}

JobQueue::JobQueue(Store& store, const Clock& clock, Random& random, BackoffPolicy backoff)
    : store_(store), clock_(clock), random_(random), backoff_(backoff) {}

Result<int64_t> JobQueue::Enqueue(Tx& tx, const std::string& kind, const std::string& payload_json,
                                  const std::string& dedupe_key, std::optional<Micros> run_at,
                                  int max_attempts) const {
  if (kind.empty()) {
    return Error(ErrorKind::kInvalidArgument, "invalid_job", "a job needs a kind");
  }
  if (max_attempts < 1) {
    return Error(ErrorKind::kInvalidArgument, "invalid_job",
                 "max_attempts of a " + kind + " job must be at least 1");
  }
  const Micros now = clock_.Now();
  JobRecord job;
  job.kind = kind;
  job.payload = payload_json;
  job.dedupe_key = dedupe_key;
  job.max_attempts = max_attempts;
  job.run_at = run_at.value_or(now);
  job.created_at = now;
  job.updated_at = now;
  return tx.EnqueueJob(job);
}

Result<int64_t> JobQueue::Enqueue(const std::string& kind, const std::string& payload_json,
                                  const std::string& dedupe_key, std::optional<Micros> run_at,
                                  int max_attempts) const {
  return WriteValue<int64_t>(store_, [&](Tx& tx) {
    return Enqueue(tx, kind, payload_json, dedupe_key, run_at, max_attempts);
  });
}

Result<ClaimedJob> JobQueue::Claim(const std::vector<std::string>& kinds, const std::string& worker,
                                   Micros lease) const {
  if (kinds.empty()) {
    // The store reads an empty list as "any kind"; a runner must never take a job it has no
    // handler for.
    return Error(ErrorKind::kInvalidArgument, "no_job_kinds",
                 "claim needs the job kinds this worker can run");
  }
  const Micros now = clock_.Now();
  return WriteValue<ClaimedJob>(store_, [&](Tx& tx) -> Result<ClaimedJob> {
    ClaimedJob out;
    // ClaimJob counts attempts but does not look at max_attempts: a job whose workers crashed
    // (lease expired, never failed) comes back here with attempts past the limit. It must not
    // run again, so it goes to dead in the same transaction and the next due job is tried. Each
    // pass removes one job from the due set, so the loop ends.
    for (;;) {
      PD_ASSIGN_OR_RETURN(std::optional<JobRecord> claimed, tx.ClaimJob(kinds, worker, now, lease));
      if (!claimed.has_value()) return out;
      if (claimed->attempts <= claimed->max_attempts) {
        out.job = std::move(claimed);
        return out;
      }
      Error abandoned(ErrorKind::kInternal, "job_abandoned",
                      "claimed " + std::to_string(claimed->attempts) + " times (max_attempts " +
                          std::to_string(claimed->max_attempts) +
                          ") without finishing: its workers stopped heartbeating mid-run");
      PD_RETURN_IF_ERROR(tx.FailJob(claimed->id, worker, now, ErrorText(abandoned), std::nullopt));
      out.dead_lettered.push_back(std::move(*claimed));
    }
  });
}

Status JobQueue::Heartbeat(int64_t job_id, const std::string& worker) const {
  const Micros now = clock_.Now();
  return store_.Write([&](Tx& tx) { return tx.HeartbeatJob(job_id, worker, now); });
}

Status JobQueue::Complete(const JobRecord& job, const std::string& worker) const {
  const Micros now = clock_.Now();
  return store_.Write([&](Tx& tx) { return tx.CompleteJob(job.id, worker, now); });
}

Status JobQueue::Fail(const JobRecord& job, const std::string& worker, const Error& error) const {
  const Micros now = clock_.Now();
  std::optional<Micros> retry_at;
  if (!IsLastAttempt(job)) retry_at = NextRetry(job.attempts, now);
  const std::string text = ErrorText(error);
  return store_.Write([&](Tx& tx) { return tx.FailJob(job.id, worker, now, text, retry_at); });
}

Micros JobQueue::NextRetry(int attempts, Micros now) const {
  const Micros ceiling = backoff_.Ceiling(attempts);
  if (!backoff_.full_jitter || ceiling <= 0) return now + ceiling;
  std::array<uint8_t, 8> bytes{};
  random_.Fill(std::span<uint8_t>(bytes));
  uint64_t r = 0;
  for (uint8_t b : bytes) r = (r << 8) | b;
  // Modulo bias is below 2^-31 for ceilings up to an hour in microseconds: irrelevant here.
  return now + static_cast<Micros>(r % (static_cast<uint64_t>(ceiling) + 1));
}

}  // namespace privacyd
