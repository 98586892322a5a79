// Every subject's consent verdict for every topic of the policy, in memory, so that a sender's
// check of a million addresses is a hash look-up per address instead of queries.
//
// Coherence. The store logs every change that may alter a verdict (a subject created, erased,
// restricted or moved to another regime; an identity added or removed; a suppression; a consent
// event) in its consent change log, whichever code or process wrote it (store.h,
// ListConsentChanges). Before it answers, the index applies the rows logged after the last one
// it applied, recomputing each subject named there from the same facts and with the same rules
// as the store path (LoadConsentFacts, DecideTopic), in a read transaction begun after the
// caller's. A check therefore sees every change committed before it began, as a check on the
// store would.
//
// The verdicts are computed under one policy. When another policy comes into force the index
// rebuilds itself in the background and answers nothing until it is done (Read returns false;
// callers then ask the store). The first build runs in the background too, so the daemon is
// ready at once.
//
// Memory: per subject its id, one byte per topic and a slot in two open-addressing tables of
// 24-byte entries (email blind indexes, subject ids); about 110 bytes a subject with the example
// policy's topics (docs/PERFORMANCE.md). Email blind indexes are keyed by their first 128 bits.
//
// Thread safety: every method may be called from any thread. Only one process may prune the
// change log: the daemon holding the data directory, which prunes only what it has applied.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "consent/consent_rules.h"
#include "core/result.h"
#include "policy/jurisdictions.h"
#include "policy/policy_holder.h"
#include "store/store.h"

namespace privacyd {

class ConsentIndex {
  struct State;

 public:
  ConsentIndex(Store& store, PolicyHolder& policy, const Jurisdictions& jurisdictions);
  ~ConsentIndex();  // Stop()
  ConsentIndex(const ConsentIndex&) = delete;
  ConsentIndex& operator=(const ConsentIndex&) = delete;

  // Builds the index for the policy in force, in the calling thread. Store errors.
  Status Build();

  // Starts a thread that builds the index, then every `interval` applies the change log and
  // prunes what it applied (so single checks rarely find much to apply), and rebuilds when
  // another policy comes into force. Stop() ends it; both are idempotent.
  void Start(std::chrono::milliseconds interval = std::chrono::seconds(5));
  void Stop();

  // A consistent view of the verdicts of one topic.
  class View {
   public:
    // The verdict for the email address whose blind index is `blind_index` (raw HMAC bytes);
    // `subject_id`, when not null, gets the subject holding it when the verdict is allowed
    // (empty otherwise).
    ConsentVerdict ByEmailIndex(std::string_view blind_index, std::string* subject_id) const;
    // ByEmailIndex for keys[first, end) (raw blind indexes; "" entries are skipped), faster than
    // one at a time: each look-up's memory is fetched while earlier keys are answered. Calls
    // `fn(i, verdict, subject_id)` in order; subject_id is set for an allowed verdict only, and
    // valid during the call.
    using EmailVerdictFn =
        std::function<void(size_t i, ConsentVerdict verdict, std::string_view subject_id)>;
    void ByEmailIndexes(std::span<const std::string_view> keys, size_t first, size_t end,
                        const EmailVerdictFn& fn) const;
    // The verdict for a subject id ("unknown" when no subject has it).
    ConsentVerdict BySubjectId(std::string_view subject_id) const;

   private:
    friend class ConsentIndex;
    View(const State& state, size_t topic) : state_(state), topic_(topic) {}
    const State& state_;
    size_t topic_;
  };

  // Catches up with the store, then calls `fn` with a view of `topic` (a topic id of the policy
  // in force) under a shared lock. Returns false, without calling `fn`, when the index is not
  // built for the policy in force or does not know the topic. Store errors.
  Result<bool> Read(const std::string& topic, const std::function<void(const View&)>& fn);

  // True when Read would answer from memory now: built for the policy in force.
  bool Ready() const;

  struct Stats {
    bool ready = false;
    size_t subjects = 0;
    size_t email_identities = 0;
    int64_t applied_seq = 0;
    size_t bytes = 0;  // heap held by the index, estimated
    int64_t builds = 0;
  };
  Stats GetStats() const;

 private:
  Result<std::unique_ptr<State>> Load(std::shared_ptr<const Policy> policy);
  // Applies the change log after the state's applied seq. The caller holds mutex_ exclusively.
  Status Apply(Tx& tx, State& state);
  Status CatchUp();
  Status Prune();
  void RequestRebuild();
  void Loop(std::chrono::milliseconds interval);

  Store& store_;
  PolicyHolder& policy_;
  const Jurisdictions& jurisdictions_;

  mutable std::shared_mutex mutex_;
  std::unique_ptr<State> state_;  // guarded by mutex_
  std::atomic<int64_t> builds_{0};

  std::mutex loop_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;        // guarded by loop_mutex_
  bool rebuild_wanted_ = false;  // guarded by loop_mutex_
  int64_t pruned_through_ = 0;   // the loop thread's own
  std::thread thread_;
};

// The index's stats in the Prometheus text format: privacyd_consent_index_ready (1 when checks
// are answered from memory), _subjects, _email_identities, _bytes, _applied_seq, _builds_total.
void AppendConsentIndexMetrics(const ConsentIndex::Stats& stats, std::string& out);

}  // namespace privacyd
