// The audit of senders' consent checks, written once a second per sender and topic instead of
// once per check.
//
// A check of one identity costs microseconds from the in-memory index; a durable audit entry of
// its own would cost a commit, and commits are what bounds single checks per second on a disk.
// So checks are counted in memory and each interval one entry per (sender, role, topic,
// purpose) records how many checks were made, how many identities they covered, the verdicts
// counted, the first and last request id and the window they fall in: the same facts the
// entries of single checks held (counts, never identities), grouped by the second.
//
// The price: the counts of the last interval before a crash are lost (a graceful stop flushes
// them). A deployment that wants an entry per check sets consent.check_audit to "per_check"
// (docs/consent.md).
//
// Thread safety: Add, Flush and Stop may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace privacyd {

struct CheckAuditEntry {
  std::string actor;  // the sender's user name
  std::string role;
  std::string topic;
  std::string purpose;
  std::string request_id;
  int64_t checked = 0;                      // identities in the check
  std::map<std::string, int64_t> verdicts;  // verdict name -> count
  std::string answered_by;                  // "index" or "store"
};

class CheckAudit {
 public:
  CheckAudit(Store& store, const AuditLog& audit, const Clock& clock)
      : store_(store), audit_(audit), clock_(clock) {}
  ~CheckAudit();  // Stop()
  CheckAudit(const CheckAudit&) = delete;
  CheckAudit& operator=(const CheckAudit&) = delete;

  // Counts one check.
  void Add(const CheckAuditEntry& entry);

  // Writes one audit entry per group counted since the last flush, in one transaction. On a
  // store error the counts are kept for the next flush.
  Status Flush();

  // A thread that flushes every `interval`; Stop() ends it and flushes what is left.
  void Start(std::chrono::milliseconds interval = std::chrono::seconds(1));
  void Stop();

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  struct Group {
    int64_t checks = 0;
    int64_t checked = 0;
    std::map<std::string, int64_t> verdicts;
    std::map<std::string, int64_t> answered_by;
    std::string first_request_id;
    std::string last_request_id;
    Micros from = 0;
    Micros to = 0;
  };

  Store& store_;
  const AuditLog& audit_;
  const Clock& clock_;

  std::mutex mutex_;
  std::map<Key, Group> pending_;  // guarded by mutex_
  std::mutex flush_mutex_;        // one flush at a time, so entries keep their order

  std::mutex loop_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by loop_mutex_
  std::thread thread_;
};

}  // namespace privacyd
