// IP to country over Debian's tor-geoipdb tables (/usr/share/tor, or the directory in
// PRIVACYD_GEOIP_DIR).
//
// BM_LoadTor is the time to read, validate and index both files, and reports the heap the
// loaded tables keep (heap_MiB, from mallinfo2 around one load); its label is the source().
// BM_Lookup answers 65,536 addresses, one per iteration: the first address of ranges picked at
// random (fixed seed) from the files themselves, so every search walks the whole table, as
// text; items_per_second is lookups per second, on one thread and on two threads sharing the
// one table, and answered_share the share of lookups that found a country. BM_Baseline_InetPton
// parses the same texts with inet_pton alone, the least a lookup that starts from text can cost.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "geo/ip_country.h"

namespace privacyd {
namespace {

constexpr size_t kAddresses = 65536;

std::filesystem::path TorDir() {
  const char* dir = std::getenv("PRIVACYD_GEOIP_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/tor";
}

size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// The first address of `count` ranges of `file`, picked at random, as text.
std::vector<std::string> SampleAddresses(const std::filesystem::path& file, bool v4, size_t count) {
  std::ifstream in(file);
  std::vector<std::string> lows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string low = line.substr(0, line.find(','));
    if (v4) {
      const auto value = static_cast<uint32_t>(std::stoul(low));
      char text[INET_ADDRSTRLEN];
      in_addr a{htonl(value)};
      inet_ntop(AF_INET, &a, text, sizeof text);
      low = text;
    }
    lows.push_back(low);
  }
  std::vector<std::string> sample;
  if (lows.empty()) return sample;
  std::mt19937_64 random(20260625);
  std::uniform_int_distribution<size_t> pick(0, lows.size() - 1);
  for (size_t i = 0; i < count; ++i) sample.push_back(lows[pick(random)]);
  return sample;
}

struct Fixture {
  std::unique_ptr<IpCountry> table;
  std::vector<std::string> v4;
  std::vector<std::string> v6;
  std::string error;
};

const Fixture& Shared() {
  static const Fixture fixture = [] {
    Fixture f;
    auto loaded = IpCountry::LoadTor(TorDir());
    if (!loaded.ok()) {
      f.error = loaded.error().message();
      return f;
    }
    f.table = std::move(loaded).value();
    f.v4 = SampleAddresses(TorDir() / "geoip", true, kAddresses);
    f.v6 = SampleAddresses(TorDir() / "geoip6", false, kAddresses);
    return f;
  }();
  return fixture;
}

void BM_LoadTor(benchmark::State& state) {
  size_t heap = 0;
  for (auto _ : state) {
    const size_t before = HeapInUse();
    auto loaded = IpCountry::LoadTor(TorDir());
    if (!loaded.ok()) {
      state.SkipWithError(loaded.error().message().c_str());
      return;
    }
    heap = HeapInUse() - before;
    state.SetLabel((*loaded)->source());
    benchmark::DoNotOptimize(loaded);
  }
  state.counters["heap_MiB"] = static_cast<double>(heap) / (1024.0 * 1024.0);
}
BENCHMARK(BM_LoadTor)->Unit(benchmark::kMillisecond);

void BM_Lookup(benchmark::State& state) {
  const Fixture& f = Shared();
  if (f.table == nullptr) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const std::vector<std::string>& addresses = state.range(0) == 4 ? f.v4 : f.v6;
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  size_t found = 0;
  for (auto _ : state) {
    auto country = f.table->Lookup(addresses[i++ % addresses.size()]);
    found += country.has_value();
    benchmark::DoNotOptimize(country);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["answered_share"] =
      benchmark::Counter(static_cast<double>(found), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Lookup)->ArgName("ipv")->Arg(4)->Arg(6);
BENCHMARK(BM_Lookup)->ArgName("ipv")->Arg(4)->Arg(6)->Threads(2)->UseRealTime();

void BM_Baseline_InetPton(benchmark::State& state) {
  const Fixture& f = Shared();
  if (f.table == nullptr) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const bool v4 = state.range(0) == 4;
  const std::vector<std::string>& addresses = v4 ? f.v4 : f.v6;
  size_t i = 0;
  unsigned char out[16];
  for (auto _ : state) {
    const int ok =
        inet_pton(v4 ? AF_INET : AF_INET6, addresses[i++ % addresses.size()].c_str(), out);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Baseline_InetPton)->ArgName("ipv")->Arg(4)->Arg(6);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
