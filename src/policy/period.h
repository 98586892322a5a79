// Civil-date arithmetic for legal deadlines: "one month from receipt", "45 days", on the UTC
// calendar. Timestamps are privacyd Micros (microseconds since the Unix epoch, UTC).
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace privacyd {

// A legal period: whole months, then whole days. Both may be zero ("no extension").
struct Period {
  int months = 0;
  int days = 0;

  bool operator==(const Period&) const = default;
};

// How a statute counts its periods.
enum class PeriodRule {
  // Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c), used for GDPR and UK GDPR deadlines: a
  // period in months ends on the same day-number of the final month, or on that month's last day
  // when it has no such day (31 January + 1 month = 28 or 29 February).
  kEu1182_71,
  // Plain calendar days, weekends and holidays included (CCPA, LGPD, PIPEDA, FADP).
  kCalendarDays,
};

// Returns `start` moved by `period`: first the months, on the calendar, with the day clamped to
// the last day of the resulting month when it has no such day (30 November + 3 months =
// 28 February, or 29 February in a leap year; 29 February 2028 + 12 months = 28 February 2029);
// then the days. The time of day is kept, so a request received at 10:00 is due at 10:00.
//
// Both rules add months this way; kCalendarDays statutes state their periods in days, and the
// rule is kept so that a deadline can say how it was counted.
//
// Not applied, on purpose: Regulation 1182/71 Art. 3(4) moves a period that ends on a public
// holiday, Saturday or Sunday to the end of the next working day. Public holidays differ per
// member state (and per region within some), the deadline is the latest moment by which the
// controller must answer, and answering on the earlier date is always compliant; so privacyd
// keeps the stricter, unmoved date. For the same reason it keeps the time of day rather than
// extending to the end of the final day as Art. 3(2) would.
Micros AddPeriod(Micros start, Period period, PeriodRule rule);

// The latest answer date when the controller uses the extension: the extension is added to the
// end of the original deadline (GDPR Art. 12(3): "extended by two further months"). This is never
// later than adding the combined period to `start` (31 January + 1 month = 28 February, + 2 months
// = 28 April, where 31 January + 3 months would be 30 April), so it is the stricter reading.
Micros ExtendedDeadline(Micros start, Period deadline, Period extension, PeriodRule rule);

// The UTC calendar date of `t` as "2026-02-28".
std::string FormatDate(Micros t);

// Parses "YYYY-MM-DD" (a valid calendar date, digits only) to midnight UTC of that day. Returns
// kInvalidArgument "invalid_date" otherwise.
Result<Micros> ParseDate(std::string_view text);

}  // namespace privacyd
