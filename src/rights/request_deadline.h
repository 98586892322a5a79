// The answer deadline of a data subject request: from the date of receipt, by the regime the
// person is under, as the policy promises it, never later than the statute allows.
#pragma once

#include "core/clock.h"
#include "policy/jurisdictions.h"
#include "policy/policy.h"

namespace privacyd {

struct RequestDeadline {
  Micros due_at = 0;      // the answer is due by then
  Micros max_due_at = 0;  // the latest an extension may reach; == due_at when none is allowed
  PeriodRule rule = PeriodRule::kCalendarDays;
};

// The deadline of a request received at `received_at` from a person under `regime`.
//
// The period is the policy's promise for the regime (rights.deadlines.<regime>, else
// rights.deadlines.default), else the regime's statutory one; a promise longer than the statute
// is cut to it (the policy validator already refuses such promises, except for the fallback
// regime). The extension is counted from the end of the original deadline (GDPR Art. 12(3)) and
// is likewise the smaller of the promise and the statute: a promise without an extension, or a
// statute without one (Swiss FADP), allows none. Months follow the regime's rule (EU 1182/71:
// 31 January + 1 month = 28 February, or 29 February in a leap year).
//
// A change of regime (the person turns out to live elsewhere) is a new call with the same
// `received_at`: the deadline always runs from receipt.
RequestDeadline DeadlineFor(const Policy& policy, const Regime& regime, Micros received_at);

}  // namespace privacyd
