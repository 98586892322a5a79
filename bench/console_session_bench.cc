// Staff console sign-in and per-request session authentication.
//
// BM_RefusePassword/known:1 is a wrong password for a real user (one argon2id verification, the
// baseline); /known:0 is the same attempt for a user that does not exist, which verifies against
// a dummy hash so that the two take the same time (they must read alike, docs/console.md).
// BM_AuthenticateBearer is the baseline of a staff request with an API token; BM_ResumeCookie is
// the same request with the console's session cookie (a read, no write within the minute).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "core/random.h"
#include "staff/staff_directory.h"
#include "staff/staff_sessions.h"
#include "store/sqlite/sqlite_store.h"

namespace privacyd {
namespace {

constexpr char kPassword[] = "the bench user's password";

struct Fixture {
  std::string dir;
  std::unique_ptr<SqliteStore> store;
  SystemClock clock;
  SecureRandom random;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<StaffDirectory> staff;
  std::unique_ptr<StaffSessions> sessions;
  std::string token;
  std::string cookie;
};

void Die(const char* what, const Error& error) {
  std::fprintf(stderr, "%s: %s: %s\n", what, error.code().c_str(), error.message().c_str());
  std::exit(1);
}

Fixture& Get() {
  static Fixture* f = [] {
    auto* f = new Fixture;
    std::string pattern =
        (std::filesystem::temp_directory_path() / "privacyd_console_bench_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::exit(1);
    f->dir = pattern;
    SqliteOptions options;
    options.path = f->dir + "/bench.db";
    auto store = SqliteStore::Open(options);
    if (!store.ok()) Die("open", store.error());
    f->store = std::move(store).value();
    if (Status s = f->store->Migrate(); !s.ok()) Die("migrate", s.error());
    f->audit = std::make_unique<AuditLog>(f->clock);
    f->staff = std::make_unique<StaffDirectory>(*f->store, *f->audit, f->clock, f->random);
    f->sessions =
        std::make_unique<StaffSessions>(*f->store, *f->staff, *f->audit, f->clock, f->random);
    StaffActor actor{"bench", "admin", ""};
    if (auto u = f->staff->AddUser(actor, "sam", "support_agent", std::string(kPassword));
        !u.ok()) {
      Die("user", u.error());
    }
    auto token = f->staff->CreateToken(actor, "sam", "bench", std::nullopt);
    if (!token.ok()) Die("token", token.error());
    f->token = token->token;
    auto started = f->sessions->StartWithPassword("sam", kPassword, "");
    if (!started.ok()) Die("sign in", started.error());
    f->cookie = started->cookie_value;
    return f;
  }();
  return *f;
}

void BM_RefusePassword(benchmark::State& state) {
  Fixture& f = Get();
  std::string name = state.range(0) ? "sam" : "nobody";
  // The dummy hash is made once, on first use: not part of what is measured.
  (void)f.staff->AuthenticatePassword("nobody", "warm up");
  for (auto _ : state) {
    auto refused = f.staff->AuthenticatePassword(name, "not the password at all");
    if (refused.ok()) std::exit(1);
    benchmark::DoNotOptimize(refused);
  }
}
BENCHMARK(BM_RefusePassword)->ArgName("known")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void BM_AuthenticateBearer(benchmark::State& state) {
  Fixture& f = Get();
  for (auto _ : state) {
    auto principal = f.staff->Authenticate(f.token);
    if (!principal.ok()) Die("bearer", principal.error());
    benchmark::DoNotOptimize(principal);
  }
}
BENCHMARK(BM_AuthenticateBearer)->Unit(benchmark::kMicrosecond);

void BM_ResumeCookie(benchmark::State& state) {
  Fixture& f = Get();
  for (auto _ : state) {
    auto session = f.sessions->Resume(f.cookie);
    if (!session.ok()) Die("resume", session.error());
    benchmark::DoNotOptimize(session);
  }
}
BENCHMARK(BM_ResumeCookie)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
