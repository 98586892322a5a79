#include "store/store_metrics.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(StoreMetrics, RendersCountersAndTheCumulativeCommitHistogram) {
  StoreStats stats;
  stats.commits = 3;
  stats.writes = 7;
  stats.write_failures = 1;
  stats.commit_bounds = {0.001, 0.01};
  stats.commit_buckets = {1, 2, 3};  // cumulative per bound, then +Inf
  stats.commit_seconds_sum = 0.0125;
  std::string out;
  AppendStoreMetrics(stats, out);
  EXPECT_NE(out.find("privacyd_store_commits_total 3\n"), std::string::npos);
  EXPECT_NE(out.find("privacyd_store_writes_total 7\n"), std::string::npos);
  EXPECT_NE(out.find("privacyd_store_write_failures_total 1\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE privacyd_store_commit_seconds histogram\n"
                     "privacyd_store_commit_seconds_bucket{le=\"0.001\"} 1\n"
                     "privacyd_store_commit_seconds_bucket{le=\"0.01\"} 2\n"
                     "privacyd_store_commit_seconds_bucket{le=\"+Inf\"} 3\n"
                     "privacyd_store_commit_seconds_sum 0.0125\n"
                     "privacyd_store_commit_seconds_count 3\n"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace privacyd
