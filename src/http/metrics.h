// Metrics: the HTTP server's counters, rendered in the Prometheus text exposition format 0.0.4.
//
//   privacyd_http_requests_total{route,method,status}      counter
//   privacyd_http_request_duration_seconds{route}          histogram (kLatencyBuckets)
//   privacyd_http_connections                              gauge, open client connections
//
// `route` is the matched pattern ("/v1/admin/subjects/{id}") or "unmatched", never the raw
// path, so label cardinality stays bounded and no personal data reaches the metrics.
// Other modules append their own series with AddCollector.
//
// Thread safety: every method may be called from any thread. Observations of a series that
// already exists take a shared lock and update atomics; only the first observation of a new
// label set takes the exclusive lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace privacyd {

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets, the Prometheus client defaults.
  static constexpr std::array<double, 11> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                             0.5,   1,    2.5,   5,    10};

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Records one finished request.
  void ObserveRequest(std::string_view route, std::string_view method, int status, double seconds);
  void ConnectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }

  // Registers a function that appends complete exposition lines (HELP, TYPE, samples, each
  // ending in '\n') to `out`. Collectors run in registration order on every RenderPrometheus(),
  // on the rendering thread, and must be thread-safe; they must not call back into Metrics.
  void AddCollector(std::function<void(std::string& out)> collector);

  // The text exposition (Content-Type "text/plain; version=0.0.4"): series sorted by label.
  std::string RenderPrometheus() const;

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kLatencyBuckets.size()> buckets{};  // not cumulative
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_nanos{0};
  };
  using RequestKey = std::tuple<std::string, std::string, int>;  // route, method, status

  mutable std::shared_mutex mu_;
  std::map<RequestKey, std::unique_ptr<std::atomic<uint64_t>>, std::less<>> requests_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> latency_;
  std::atomic<int64_t> connections_{0};

  mutable std::mutex collectors_mu_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

}  // namespace privacyd
