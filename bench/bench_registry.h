// A data directory for in-process benchmarks: a SQLite store (WAL) in a fresh directory under
// $PRIVACYD_BENCH_DIR (default: the system temp dir, which should be on the disk whose fsync is
// to be measured), its keyring, the audit log, the subject registry and the example policy, as
// the daemon wires them. The directory is removed when the object goes.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "core/clock.h"
#include "core/random.h"
#include "keys/key_manager.h"
#include "policy/example_policy.h"
#include "policy/policy_holder.h"
#include "policy/policy_loader.h"
#include "registry/subject_registry.h"
#include "store/sqlite/sqlite_store.h"

namespace privacyd {

[[noreturn]] inline void DieOf(const char* what, const Error& error) {
  std::fprintf(stderr, "%s: %s: %s\n", what, error.code().c_str(), error.message().c_str());
  std::exit(1);
}

struct BenchRegistry {
  std::string dir;
  std::unique_ptr<SqliteStore> store;
  std::shared_ptr<const Keyring> keyring;
  SystemClock clock;
  SecureRandom random;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<SubjectRegistry> registry;
  std::unique_ptr<PolicyHolder> policy;

  // `name` names the directory ("privacyd_<name>_XXXXXX").
  explicit BenchRegistry(const std::string& name) {
    const char* base = std::getenv("PRIVACYD_BENCH_DIR");
    std::string pattern =
        (base != nullptr ? std::string(base) : std::filesystem::temp_directory_path().string()) +
        "/privacyd_" + name + "_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    dir = pattern;
    SqliteOptions options;
    options.path = dir + "/privacyd.db";
    auto opened = SqliteStore::Open(options);
    if (!opened.ok()) DieOf("open", opened.error());
    store = std::move(opened).value();
    if (Status s = store->Migrate(); !s.ok()) DieOf("migrate", s.error());
    auto keys = OpenKeyring(dir, *store, random, true);
    if (!keys.ok()) DieOf("keyring", keys.error());
    keyring = *keys;
    audit = std::make_unique<AuditLog>(clock);
    registry = std::make_unique<SubjectRegistry>(*store, keyring, *audit, clock, random);
    PolicyLoad load =
        LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default());
    if (!load.policy) std::exit(1);
    policy = std::make_unique<PolicyHolder>(load.policy);
  }
  ~BenchRegistry() {
    store->Close();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  BenchRegistry(const BenchRegistry&) = delete;
  BenchRegistry& operator=(const BenchRegistry&) = delete;
};

}  // namespace privacyd
