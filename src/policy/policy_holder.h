// The policy the daemon enforces right now, with the decision tables compiled from it. Readers
// take a snapshot (shared_ptrs that stay valid however long they hold them); a reload swaps the
// policy and its tables at once, so no request ever sees half of an old policy and half of a new
// one, nor a policy with another policy's decisions. Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "policy/decisions.h"
#include "policy/policy.h"

namespace privacyd {

// A policy and the decision tables compiled from it.
struct EnforcedPolicy {
  std::shared_ptr<const Policy> policy;
  std::shared_ptr<const DecisionTables> decisions;
};

class PolicyHolder {
 public:
  // `decisions` must be compiled from `policy` (DecisionTables::Compile).
  PolicyHolder(std::shared_ptr<const Policy> policy,
               std::shared_ptr<const DecisionTables> decisions)
      : current_(std::make_shared<const EnforcedPolicy>(
            EnforcedPolicy{std::move(policy), std::move(decisions)})) {}
  // Compiles the tables against the default taxonomy and jurisdictions.
  explicit PolicyHolder(std::shared_ptr<const Policy> policy)
      : PolicyHolder(policy, CompileDefault(*policy)) {}

  // The policy and its tables, from the same load.
  std::shared_ptr<const EnforcedPolicy> Snapshot() const { return std::atomic_load(&current_); }
  std::shared_ptr<const Policy> Current() const { return Snapshot()->policy; }

  // Makes `policy` current with its tables. Callers validate it first (LoadPolicy* refuse invalid
  // policies) and compile the tables from it.
  void Replace(std::shared_ptr<const Policy> policy,
               std::shared_ptr<const DecisionTables> decisions) {
    std::atomic_store(&current_, std::make_shared<const EnforcedPolicy>(
                                     EnforcedPolicy{std::move(policy), std::move(decisions)}));
  }
  // The same, compiling the tables against the default taxonomy and jurisdictions.
  void Replace(std::shared_ptr<const Policy> policy) {
    auto decisions = CompileDefault(*policy);
    Replace(std::move(policy), std::move(decisions));
  }

 private:
  static std::shared_ptr<const DecisionTables> CompileDefault(const Policy& policy) {
    return DecisionTables::Compile(policy, Taxonomy::Default(), Jurisdictions::Default());
  }

  std::shared_ptr<const EnforcedPolicy> current_;
};

}  // namespace privacyd
