#include "jobs/job_metrics.h"

#include <array>
#include <string_view>

#include "core/prometheus_text.h"

namespace privacyd {
namespace {

constexpr std::array<JobState, 4> kStates = {JobState::kQueued, JobState::kRunning, JobState::kDone,
                                             JobState::kDead};

}  // namespace

void AppendJobMetrics(Store& store, std::string& out) {
  out += "# HELP privacyd_jobs Jobs in the store by state.\n";
  out += "# TYPE privacyd_jobs gauge\n";
  std::array<int64_t, kStates.size()> counts{};
  Status read = store.Read([&](Tx& tx) -> Status {
    for (size_t i = 0; i < kStates.size(); ++i) {
      PD_ASSIGN_OR_RETURN(counts[i], tx.CountJobs(kStates[i]));
    }
    return Ok();
  });
  if (!read.ok()) return;
  for (size_t i = 0; i < kStates.size(); ++i) {
    out += "privacyd_jobs{state=\"";
    out += JobStateName(kStates[i]);
    out += "\"} ";
    out += std::to_string(counts[i]);
    out += '\n';
  }
}

void AppendJobExecutionMetrics(const JobExecutionCounts& counts, std::string& out) {
  out +=
      "# HELP privacyd_job_executions_total Job runs finished by this process, by kind and "
      "outcome.\n";
  out += "# TYPE privacyd_job_executions_total counter\n";
  for (const auto& [key, n] : counts) {
    out += "privacyd_job_executions_total{kind=\"" + PrometheusLabel(key.first) + "\",outcome=\"" +
           PrometheusLabel(key.second) + "\"} " + std::to_string(n) + '\n';
  }
}

}  // namespace privacyd
