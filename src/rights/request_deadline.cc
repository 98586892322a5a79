#include "rights/request_deadline.h"

#include <algorithm>

namespace privacyd {
namespace {

Period PeriodOf(const Duration& d) { return Period{d.years * 12 + d.months, d.days}; }

}  // namespace

RequestDeadline DeadlineFor(const Policy& policy, const Regime& regime, Micros received_at) {
  RequestDeadline out;
  out.rule = regime.rule;
  const Micros statute_due = AddPeriod(received_at, regime.deadline, regime.rule);
  const Micros statute_max =
      ExtendedDeadline(received_at, regime.deadline, regime.extension, regime.rule);
  auto promise = policy.rights.deadlines.find(regime.id);
  if (promise == policy.rights.deadlines.end()) promise = policy.rights.deadlines.find("default");
  if (promise == policy.rights.deadlines.end() || promise->second.deadline.empty()) {
    out.due_at = statute_due;
    out.max_due_at = statute_max;
    return out;
  }
  const Period deadline = PeriodOf(promise->second.deadline);
  const Period extension = PeriodOf(promise->second.extension);
  out.due_at = std::min(AddPeriod(received_at, deadline, regime.rule), statute_due);
  out.max_due_at =
      std::min(ExtendedDeadline(received_at, deadline, extension, regime.rule), statute_max);
  out.max_due_at = std::max(out.max_due_at, out.due_at);
  return out;
}

}  // namespace privacyd
