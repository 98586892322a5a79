// Fulfilling data subject rights on the data privacyd holds, each beside a baseline in the same
// run:
//   BM_AccessPackage           the access package (zip: data.json, a CSV per category,
//                              index.html, with other people's addresses redacted) of one
//                              subject with 10,000 stored values, in German; target <= 200 ms
//   BM_Baseline_ReadSubject    the same subject read and opened through the registry
//                              (SubjectRegistry::Get: the same 10,000 rows, decrypted, audited),
//                              without packaging
//   BM_Erase                   the erasure of one subject (an identity and 10 values, a
//                              referral), one durable transaction with its audit entry;
//                              target <= 10 ms
//   BM_Baseline_DeleteOneRow   one durable transaction deleting one attribute row
// The store (SQLite, WAL, synchronous=FULL) lives in $PRIVACYD_BENCH_DIR (default: the system
// temp dir), which should be on the disk whose fsync is to be measured. Times are wall time.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_registry.h"
#include "collect/collector.h"
#include "guard/guard.h"
#include "rights/access_package.h"
#include "rights/erasure.h"

namespace privacyd {
namespace {

constexpr int kValues = 10'000;

struct World : BenchRegistry {
  std::unique_ptr<guard::Guard> guard;
  std::string big_subject;
  int next_person = 0;

  World() : BenchRegistry("rights_bench") {
    auto g = guard::Guard::Create({});
    if (!g.ok()) DieOf("guard", g.error());
    guard = std::move(g).value();
    big_subject = BuildBigSubject();
  }

  // 10,000 values as the contact form stores them: names, companies, job titles, countries and
  // messages, one message in ten naming a colleague by address.
  std::string BuildBigSubject() {
    const std::string provenance =
        R"({"source":"direct","point":"contact","channel":"web_form",)"
        R"("collected_at":"2026-01-01T00:00:00Z","purposes":["respond_to_inquiries"]})";
    const char* fields[] = {"name", "company", "job_title", "country", "message"};
    std::string id;
    for (int done = 0; done < kValues;) {
      Collected data;
      data.identities = {{"email", "big.subject@example.com"}};
      data.provenance = provenance;
      for (int i = 0; i < 200 && done < kValues; ++i, ++done) {
        const char* field = fields[done % 5];
        std::string value;
        if (std::string(field) == "message") {
          value = "Message " + std::to_string(done) +
                  ": please send the quote for our renewal, and call me back next week.";
          if (done % 50 == 4)
            value += " Copy my colleague c" + std::to_string(done) + "@example.org.";
        } else {
          value = std::string(field) + " value number " + std::to_string(done);
        }
        data.attributes.emplace_back(field, std::move(value));
      }
      auto into = registry->Collect(AccessContext{{"", "", ""}, "collection", "bench"}, data);
      if (!into.ok()) DieOf("collect", into.error());
      id = into->subject_id;
    }
    return id;
  }

  // A typical person: an email, the ten values of two form submissions, one referral.
  std::string NewPerson() {
    Collected data;
    const std::string n = std::to_string(next_person++);
    data.identities = {{"email", "person" + n + "@example.com"}};
    data.provenance =
        R"({"source":"direct","point":"contact","purposes":["respond_to_inquiries"]})";
    for (const char* f : {"name", "company", "job_title", "country", "message"}) {
      data.attributes.emplace_back(f, std::string(f) + " of person " + n);
      data.attributes.emplace_back(f, std::string(f) + " again of person " + n);
    }
    data.referred_emails = {"colleague" + n + "@example.org"};
    data.point = "referral";
    auto into = registry->Collect(AccessContext{{"", "", ""}, "collection", "bench"}, data);
    if (!into.ok()) DieOf("collect", into.error());
    return into->subject_id;
  }
};

World& TheWorld() {
  static World* world = new World();  // built once, on first use; removed at exit
  static struct Cleanup {
    ~Cleanup() { delete world; }
  } cleanup;
  return *world;
}

const AccessContext kOfficer{{"usr_b", "bench", "privacy_officer"}, "rights_request", "bench"};

void BM_AccessPackage(benchmark::State& state) {
  World& w = TheWorld();
  AccessPackage package(*w.registry, *w.policy, *w.guard, w.clock);
  size_t bytes = 0;
  AccessPackageInfo info;
  for (auto _ : state) {
    auto zip = package.Build(kOfficer, w.big_subject, "de", &info);
    if (!zip.ok()) {
      state.SkipWithError(zip.error().message().c_str());
      break;
    }
    bytes = zip->size();
    benchmark::DoNotOptimize(zip->data());
  }
  state.counters["values"] = static_cast<double>(info.values);
  state.counters["redactions"] = static_cast<double>(info.redactions);
  state.counters["zip_KB"] = static_cast<double>(bytes) / 1024.0;
}
BENCHMARK(BM_AccessPackage)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

void BM_Baseline_ReadSubject(benchmark::State& state) {
  World& w = TheWorld();
  size_t values = 0;
  for (auto _ : state) {
    auto view = w.registry->Get(kOfficer, w.big_subject);
    if (!view.ok()) {
      state.SkipWithError(view.error().message().c_str());
      break;
    }
    values = view->attributes.size() + view->identities.size();
    benchmark::DoNotOptimize(view->attributes.data());
  }
  state.counters["values"] = static_cast<double>(values);
}
BENCHMARK(BM_Baseline_ReadSubject)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

void BM_Erase(benchmark::State& state) {
  World& w = TheWorld();
  Erasure erasure(*w.registry, *w.policy, w.clock);
  for (auto _ : state) {
    state.PauseTiming();
    const std::string person = w.NewPerson();
    state.ResumeTiming();
    auto report = erasure.Erase(kOfficer, person);
    if (!report.ok() || report->attributes_deleted != 10) {
      state.SkipWithError(report.ok() ? "unexpected counts" : report.error().message().c_str());
      break;
    }
  }
}
BENCHMARK(BM_Erase)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

void BM_Baseline_DeleteOneRow(benchmark::State& state) {
  World& w = TheWorld();
  for (auto _ : state) {
    state.PauseTiming();
    const std::string person = w.NewPerson();
    auto rows = ReadValue<std::vector<AttributeRecord>>(
        *w.store, [&](Tx& tx) { return tx.ListAttributes(person); });
    if (!rows.ok() || rows->empty())
      DieOf("rows", rows.ok() ? Error(ErrorKind::kInternal, "", "none") : rows.error());
    const int64_t row = rows->front().id;
    state.ResumeTiming();
    Status s = w.store->Write([&](Tx& tx) { return tx.DeleteAttribute(person, row); });
    if (!s.ok()) {
      state.SkipWithError(s.error().message().c_str());
      break;
    }
  }
}
BENCHMARK(BM_Baseline_DeleteOneRow)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
