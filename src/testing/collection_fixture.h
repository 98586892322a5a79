// Test support: what the collection points stand on (a migrated store, a keyring, the audit
// trail, a subject registry, a policy holder with the example policy) in a temporary directory.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "keys/key_manager.h"
#include "policy/example_policy.h"
#include "policy/policy_holder.h"
#include "policy/policy_loader.h"
#include "registry/subject_registry.h"
#include "testing/test_store.h"

namespace privacyd::testing {

// The example policy with the first occurrence of `from` replaced by `to` (none when empty).
inline std::shared_ptr<const Policy> ExamplePolicyWith(const std::string& from = "",
                                                       const std::string& to = "") {
  std::string text(kExamplePolicy);
  if (!from.empty()) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
  }
  PolicyLoad load = LoadPolicyText(text, "example", Taxonomy::Default(), Jurisdictions::Default());
  EXPECT_TRUE(load.policy) << (load.diagnostics.empty() ? "" : load.diagnostics[0].Format());
  return load.policy;
}

class CollectionFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenTestStore(dir_.path());
    auto keyring = OpenKeyring(dir_.path(), *store_, random_, true);
    ASSERT_TRUE(keyring.ok());
    keyring_ = *keyring;
    registry_ = std::make_unique<SubjectRegistry>(*store_, keyring_, audit_, clock_, random_);
  }

  // The subject as a privacy officer reads it (all of it).
  SubjectView Read(const std::string& id) {
    AccessContext officer{{"usr_2", "olga", "privacy_officer"}, "support", "req_2"};
    auto view = registry_->Get(officer, id);
    EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().message());
    return view.ok() ? *view : SubjectView{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<const Keyring> keyring_;
  FakeClock clock_;  // 2026-01-01
  SecureRandom random_;
  AuditLog audit_{clock_};
  std::unique_ptr<SubjectRegistry> registry_;
  PolicyHolder policy_{ExamplePolicyWith()};
};

}  // namespace privacyd::testing
