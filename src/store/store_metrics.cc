#include "store/store_metrics.h"

#include <fmt/format.h>

#include "core/prometheus_text.h"

namespace privacyd {

void AppendStoreMetrics(const StoreStats& stats, std::string& out) {
  out += "# HELP privacyd_store_commits_total Write transactions committed.\n";
  out += "# TYPE privacyd_store_commits_total counter\n";
  out += fmt::format("privacyd_store_commits_total {}\n", stats.commits);
  out += "# HELP privacyd_store_writes_total Write calls committed (several per transaction).\n";
  out += "# TYPE privacyd_store_writes_total counter\n";
  out += fmt::format("privacyd_store_writes_total {}\n", stats.writes);
  out += "# HELP privacyd_store_write_failures_total Write calls that failed.\n";
  out += "# TYPE privacyd_store_write_failures_total counter\n";
  out += fmt::format("privacyd_store_write_failures_total {}\n", stats.write_failures);
  out += "# HELP privacyd_store_commit_seconds Time to commit one write transaction.\n";
  out += "# TYPE privacyd_store_commit_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < stats.commit_bounds.size() && i < stats.commit_buckets.size(); ++i) {
    cumulative = stats.commit_buckets[i];
    out += fmt::format("privacyd_store_commit_seconds_bucket{{le=\"{}\"}} {}\n",
                       PrometheusValue(stats.commit_bounds[i]), cumulative);
  }
  uint64_t total = stats.commit_buckets.empty() ? 0 : stats.commit_buckets.back();
  out += fmt::format("privacyd_store_commit_seconds_bucket{{le=\"+Inf\"}} {}\n", total);
  out += fmt::format("privacyd_store_commit_seconds_sum {}\n", stats.commit_seconds_sum);
  out += fmt::format("privacyd_store_commit_seconds_count {}\n", total);
}

}  // namespace privacyd
