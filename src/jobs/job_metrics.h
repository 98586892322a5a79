// The jobs' series for /metrics, in the Prometheus text exposition format 0.0.4:
//
//   privacyd_jobs{state}                          gauge, jobs in the store by state (queued,
//                                                 running, done, dead), across every node
//   privacyd_job_executions_total{kind,outcome}   counter, runs finished by one process
//
// Dead jobs are dead letters: they stay in the store for an operator to look at, so a rising
// privacyd_jobs{state="dead"} is worth an alert.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "store/store.h"

namespace privacyd {

// Appends privacyd_jobs (HELP, TYPE and one sample per state) to `out`, counted in one read
// transaction. When the store cannot answer, only HELP and TYPE are appended: an absent
// sample, not a wrong one.
void AppendJobMetrics(Store& store, std::string& out);

// (kind, outcome) -> runs.
using JobExecutionCounts = std::map<std::pair<std::string, std::string>, uint64_t>;

// Appends privacyd_job_executions_total (HELP, TYPE, one sample per entry in map order).
void AppendJobExecutionMetrics(const JobExecutionCounts& counts, std::string& out);

}  // namespace privacyd
