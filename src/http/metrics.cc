#include "http/metrics.h"

#include <fmt/format.h>

#include <cmath>

#include "core/prometheus_text.h"

namespace privacyd {

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also catches NaN
  RequestKey key{std::string(route), std::string(method), status};
  std::atomic<uint64_t>* counter = nullptr;
  Histogram* histogram = nullptr;
  {
    std::shared_lock lock(mu_);
    auto it = requests_.find(key);
    if (it != requests_.end()) counter = it->second.get();
    auto hit = latency_.find(route);
    if (hit != latency_.end()) histogram = hit->second.get();
  }
  if (counter == nullptr || histogram == nullptr) {
    std::unique_lock lock(mu_);
    auto& c = requests_[key];
    if (!c) c = std::make_unique<std::atomic<uint64_t>>(0);
    counter = c.get();
    auto hit = latency_.find(route);
    if (hit == latency_.end()) {
      hit = latency_.emplace(std::string(route), std::make_unique<Histogram>()).first;
    }
    histogram = hit->second.get();
  }
  counter->fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      histogram->buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  histogram->count.fetch_add(1, std::memory_order_relaxed);
  histogram->sum_nanos.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)),
                                 std::memory_order_relaxed);
}

void Metrics::AddCollector(std::function<void(std::string& out)> collector) {
  std::lock_guard lock(collectors_mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  {
    std::shared_lock lock(mu_);
    out +=
        "# HELP privacyd_http_requests_total HTTP requests answered, by route pattern, method "
        "and status.\n"
        "# TYPE privacyd_http_requests_total counter\n";
    for (const auto& [key, counter] : requests_) {
      const auto& [route, method, status] = key;
      out += fmt::format(
          "privacyd_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
          PrometheusLabel(route), PrometheusLabel(method), status,
          counter->load(std::memory_order_relaxed));
    }
    out +=
        "# HELP privacyd_http_request_duration_seconds Time from the start of a request to the "
        "end of its response, by route pattern.\n"
        "# TYPE privacyd_http_request_duration_seconds histogram\n";
    for (const auto& [route, histogram] : latency_) {
      std::string label = PrometheusLabel(route);
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        cumulative += histogram->buckets[i].load(std::memory_order_relaxed);
        out += fmt::format(
            "privacyd_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", label,
            PrometheusValue(kLatencyBuckets[i]), cumulative);
      }
      uint64_t count = histogram->count.load(std::memory_order_relaxed);
      out += fmt::format(
          "privacyd_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", label,
          count);
      out += fmt::format(
          "privacyd_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label,
          PrometheusValue(
              static_cast<double>(histogram->sum_nanos.load(std::memory_order_relaxed)) / 1e9));
      out += fmt::format("privacyd_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label,
                         count);
    }
  }
  out += fmt::format(
      "# HELP privacyd_http_connections Open client connections.\n"
      "# TYPE privacyd_http_connections gauge\n"
      "privacyd_http_connections {}\n",
      connections_.load(std::memory_order_relaxed));
  std::lock_guard lock(collectors_mu_);
  for (const auto& collector : collectors_) collector(out);
  return out;
}

}  // namespace privacyd
