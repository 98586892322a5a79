// The policy the daemon enforces right now. Readers take a snapshot (a shared_ptr that stays
// valid however long they hold it); a reload swaps the whole policy at once, so no request
// ever sees half of an old policy and half of a new one. Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "policy/policy.h"

namespace privacyd {

class PolicyHolder {
 public:
  explicit PolicyHolder(std::shared_ptr<const Policy> policy) : policy_(std::move(policy)) {}

  std::shared_ptr<const Policy> Current() const { return std::atomic_load(&policy_); }
  // Makes `policy` current. Callers validate it first (LoadPolicy* refuse invalid policies).
  void Replace(std::shared_ptr<const Policy> policy) { std::atomic_store(&policy_, std::move(policy)); }

 private:
  std::shared_ptr<const Policy> policy_;
};

}  // namespace privacyd
