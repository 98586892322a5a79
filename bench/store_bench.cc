// Durable small-write throughput of the SQLite store under concurrency.
//
// BM_DurableInsert/max_batch:256 is the group-committing store; /max_batch:1 is the baseline of
// one transaction (and one fsync) per Write. Both run 64 writer threads, each inserting one
// ~100-byte attribute per Write. The database lives in $PRIVACYD_BENCH_DIR (default: the system
// temp dir), which must be on the disk whose fsync cost is to be measured.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace privacyd {
namespace {

constexpr int kWriterThreads = 64;

std::unique_ptr<SqliteStore> g_store;
std::string g_dir;

void Die(const char* what, const Error& error) {
  std::fprintf(stderr, "%s: %s: %s\n", what, error.code().c_str(), error.message().c_str());
  std::exit(1);
}

void SetUpStore(const benchmark::State& state) {
  const char* base = std::getenv("PRIVACYD_BENCH_DIR");
  std::string pattern =
      (base != nullptr ? std::string(base) : std::filesystem::temp_directory_path().string()) +
      "/privacyd_store_bench_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  g_dir = pattern;
  SqliteOptions options;
  options.path = g_dir + "/bench.db";
  options.max_batch = static_cast<int>(state.range(0));
  auto store = SqliteStore::Open(options);
  if (!store.ok()) Die("open", store.error());
  g_store = std::move(store).value();
  if (Status s = g_store->Migrate(); !s.ok()) Die("migrate", s.error());
  Status s = g_store->Write([](Tx& tx) {
    return tx.InsertSubject({"sub_bench", 1'767'225'600'000'000LL, std::nullopt});
  });
  if (!s.ok()) Die("subject", s.error());
}

void TearDownStore(const benchmark::State&) {
  g_store.reset();
  std::error_code ignored;
  std::filesystem::remove_all(g_dir, ignored);
}

void BM_DurableInsert(benchmark::State& state) {
  // ~100 bytes per row: a sealed value of 64 bytes plus name and provenance.
  const AttributeRecord row{0,
                            "sub_bench",
                            "company",
                            std::string(64, 's'),
                            "{\"source\":\"form\"}",
                            1'767'225'600'000'000LL};
  for (auto _ : state) {
    auto id = WriteValue<int64_t>(*g_store, [&](Tx& tx) { return tx.InsertAttribute(row); });
    if (!id.ok()) {
      state.SkipWithError(id.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(*id);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    StoreStats stats = g_store->Stats();
    if (stats.commits > 0) {
      state.counters["rows_per_commit"] =
          static_cast<double>(stats.writes) / static_cast<double>(stats.commits);
    }
  }
}

BENCHMARK(BM_DurableInsert)
    ->ArgName("max_batch")
    ->Arg(256)
    ->Arg(1)
    ->Threads(kWriterThreads)
    ->UseRealTime()
    ->MinTime(2.0)
    ->Setup(SetUpStore)
    ->Teardown(TearDownStore);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
