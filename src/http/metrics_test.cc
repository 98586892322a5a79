#include "http/metrics.h"

#include <gtest/gtest.h>

#include "core/prometheus_text.h"

namespace privacyd {
namespace {

TEST(MetricsTest, RendersKnownObservationsExactly) {
  Metrics metrics;
  metrics.ObserveRequest("/healthz", "GET", 200, 0.003);
  metrics.ObserveRequest("/healthz", "GET", 200, 0.02);
  metrics.ObserveRequest("/v1/admin/subjects/{id}", "GET", 404, 1.5);
  metrics.ObserveRequest("unmatched", "GET", 404, 20);
  metrics.ConnectionOpened();
  metrics.ConnectionOpened();
  metrics.ConnectionClosed();
  metrics.AddCollector([](std::string& out) {
    out += "# HELP privacyd_store_commits_total Commits.\n";
    out += "# TYPE privacyd_store_commits_total counter\n";
    out += "privacyd_store_commits_total 7\n";
  });

  const std::string expected =
      "# HELP privacyd_http_requests_total HTTP requests answered, by route pattern, method "
      "and status.\n"
      "# TYPE privacyd_http_requests_total counter\n"
      "privacyd_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2\n"
      "privacyd_http_requests_total{route=\"/v1/admin/subjects/{id}\",method=\"GET\","
      "status=\"404\"} 1\n"
      "privacyd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"
      "# HELP privacyd_http_request_duration_seconds Time from the start of a request to the "
      "end of its response, by route pattern.\n"
      "# TYPE privacyd_http_request_duration_seconds histogram\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.01\"} 1\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.025\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.25\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.5\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"1\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"2.5\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"5\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2\n"
      "privacyd_http_request_duration_seconds_sum{route=\"/healthz\"} 0.023\n"
      "privacyd_http_request_duration_seconds_count{route=\"/healthz\"} 2\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.005\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.01\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.025\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.05\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.1\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.25\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"0.5\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"1\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"2.5\"} 1\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"5\"} 1\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"10\"} 1\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"/v1/admin/subjects/{id}\","
      "le=\"+Inf\"} 1\n"
      "privacyd_http_request_duration_seconds_sum{route=\"/v1/admin/subjects/{id}\"} 1.5\n"
      "privacyd_http_request_duration_seconds_count{route=\"/v1/admin/subjects/{id}\"} 1\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.005\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.01\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.025\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.05\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.1\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.25\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"0.5\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"1\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"2.5\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"5\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"10\"} 0\n"
      "privacyd_http_request_duration_seconds_bucket{route=\"unmatched\",le=\"+Inf\"} 1\n"
      "privacyd_http_request_duration_seconds_sum{route=\"unmatched\"} 20\n"
      "privacyd_http_request_duration_seconds_count{route=\"unmatched\"} 1\n"
      "# HELP privacyd_http_connections Open client connections.\n"
      "# TYPE privacyd_http_connections gauge\n"
      "privacyd_http_connections 1\n"
      "# HELP privacyd_store_commits_total Commits.\n"
      "# TYPE privacyd_store_commits_total counter\n"
      "privacyd_store_commits_total 7\n";
  EXPECT_EQ(metrics.RenderPrometheus(), expected);
}

TEST(MetricsTest, EmptyRenderHasHeadersAndGauge) {
  Metrics metrics;
  std::string out = metrics.RenderPrometheus();
  EXPECT_NE(out.find("# TYPE privacyd_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("privacyd_http_connections 0\n"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  EXPECT_EQ(PrometheusLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace privacyd
