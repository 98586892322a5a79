// The staff queue of data subject requests at scale: one page (50, the default) of
// GET /v1/admin/requests, i.e. RequestService::List over the SQLite store, with each filter the
// route offers, over 100,000 open requests, beside the same page over 1,000 requests (the
// baseline) in the same run. Target: at most 50 ms per page.
//
//   BM_QueuePage/<requests>/<filter>
//     filter 0  no filter (the first page in due order)
//     filter 1  state=in_progress
//     filter 2  right=access (in about half of the requests)
//     filter 3  right=complaint (a rare right: about 1 request in 50)
//     filter 4  due_before=<the middle of the due dates>
//     filter 5  overdue=true (now = the middle of the due dates)
//     filter 6  cursor deep in the list (after 90% of the requests in due order)
//     filter 7  state=verified and right=complaint after 50% of the list: no request matches,
//               so every verified request after the cursor is read (the worst case)
//
// Requests are inserted directly (open states, rights, 120 days of due dates, sealed columns
// filled with placeholder bytes: the list never opens them). The store (SQLite, WAL) lives in
// $PRIVACYD_BENCH_DIR (default: the system temp dir). Times are wall time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "bench_registry.h"
#include "policy/jurisdictions.h"
#include "rights/request_service.h"
#include "verify/one_time_codes.h"

namespace privacyd {
namespace {

constexpr Micros kDay = 86'400LL * kMicrosPerSecond;
constexpr Micros kStart = 1'767'225'600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr int kPage = 50;

// A store with `count` open requests and a RequestService over it.
struct Queue : BenchRegistry {
  std::unique_ptr<OneTimeCodes> codes;
  std::unique_ptr<RequestService> service;
  std::vector<std::pair<Micros, std::string>> order;  // (due_at, id) of every request, sorted

  explicit Queue(int count) : BenchRegistry("queue_bench") {
    codes = std::make_unique<OneTimeCodes>(*keyring, clock, random);
    service =
        std::make_unique<RequestService>(*store, *registry, keyring, *policy,
                                         Jurisdictions::Default(), *audit, *codes, clock, random);
    Fill(count);
  }

  void Fill(int count) {
    static const char* kStates[] = {"awaiting_verification", "verified", "in_progress",
                                    "in_progress", "awaiting_approval"};
    static const std::vector<std::vector<std::string>> kRights = {
        {"access"}, {"erasure"},       {"access", "erasure"}, {"objection"}, {"portability"},
        {"access"}, {"rectification"}, {"restriction"},       {"access"},    {"erasure"}};
    const std::string placeholder(48, 'x');
    for (int done = 0; done < count;) {
      Status s = store->Write([&](Tx& tx) -> Status {
        for (int i = 0; i < 1000 && done < count; ++i, ++done) {
          RequestRecord r;
          r.id = NewId(random, "req");
          r.rights = done % 50 == 7 ? std::vector<std::string>{"complaint"}
                                    : kRights[done % kRights.size()];
          r.state = kStates[(done / 3) % 5];
          r.channel = done % 4 == 0 ? "email" : "portal";
          r.regime = "gdpr";
          r.language = "en";
          r.identity_kind = "email";
          r.blind_index = placeholder + std::to_string(done);
          r.master_key_id = "mk";
          r.wrapped_key = placeholder;
          r.sealed_contact = placeholder;
          // Received over 120 days, in no particular order of insertion.
          r.received_at =
              kStart + (static_cast<int64_t>(done) * 7919 % count) * (120 * kDay) / count;
          r.original_due_at = r.received_at + 30 * kDay;
          r.due_at = r.original_due_at;
          r.max_due_at = r.received_at + 90 * kDay;
          r.created_at = r.received_at;
          r.updated_at = r.received_at;
          if (r.state != "awaiting_verification") r.verified_at = r.received_at + kDay;
          order.emplace_back(r.due_at, r.id);
          PD_RETURN_IF_ERROR(tx.InsertRequest(r));
        }
        return Ok();
      });
      if (!s.ok()) DieOf("insert", s.error());
    }
    std::sort(order.begin(), order.end());
  }

  RequestQuery QueryFor(int filter) const {
    RequestQuery q;
    q.limit = kPage;
    const Micros middle = order[order.size() / 2].first;
    switch (filter) {
      case 1:
        q.state = "in_progress";
        break;
      case 2:
        q.right = "access";
        break;
      case 3:
        q.right = "complaint";
        break;
      case 4:
        q.due_before = middle;
        break;
      case 5:
        q.overdue_at = middle;
        break;
      case 6:
        q.after_due = order[order.size() * 9 / 10].first;
        q.after_id = order[order.size() * 9 / 10].second;
        break;
      case 7:
        q.state = "verified";
        q.right = "complaint";
        q.after_due = order[order.size() / 2].first;
        q.after_id = order[order.size() / 2].second;
        break;
      default:
        break;
    }
    return q;
  }
};

Queue& QueueOf(int count) {
  static std::map<int, Queue*>* queues = new std::map<int, Queue*>();
  static struct Cleanup {
    ~Cleanup() {
      for (auto& [n, q] : *queues) delete q;
    }
  } cleanup;
  auto it = queues->find(count);
  if (it == queues->end()) it = queues->emplace(count, new Queue(count)).first;
  return *it->second;
}

const Principal kAgent{"usr_b", "bench", "support_agent"};

void BM_QueuePage(benchmark::State& state) {
  Queue& q = QueueOf(static_cast<int>(state.range(0)));
  const RequestQuery query = q.QueryFor(static_cast<int>(state.range(1)));
  size_t rows = 0;
  for (auto _ : state) {
    auto page = q.service->List(kAgent, query);
    if (!page.ok()) {
      state.SkipWithError(page.error().message().c_str());
      break;
    }
    rows = page->requests.size();
    benchmark::DoNotOptimize(page->requests.data());
  }
  state.counters["rows"] = static_cast<double>(rows);
}
// The baseline (1,000 requests) first, then the same filters over 100,000.
BENCHMARK(BM_QueuePage)
    ->ArgsProduct({{1'000, 100'000}, {0, 1, 2, 3, 4, 5, 6, 7}})
    ->ArgNames({"requests", "filter"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
