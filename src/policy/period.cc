#include "policy/period.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace privacyd {
namespace {

namespace chr = std::chrono;

using SysMicros = chr::sys_time<chr::microseconds>;

// The digits of text[pos, pos + len) as a number, or -1 when any is not a digit.
int Digits(std::string_view text, size_t pos, size_t len) {
  int value = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

// `rule` does not change the arithmetic (see the header); it is part of the signature so that
// callers state how their statute counts and a future rule can differ without changing them.
Micros AddPeriod(Micros start, Period period, PeriodRule /*rule*/) {
  const SysMicros time{chr::microseconds(start)};
  const chr::sys_days day = chr::floor<chr::days>(time);
  const chr::microseconds time_of_day = time - day;

  const chr::year_month_day date{day};
  const chr::year_month month =
      chr::year_month(date.year(), date.month()) + chr::months(period.months);
  const chr::day last =
      chr::year_month_day_last(month.year(), chr::month_day_last(month.month())).day();
  const chr::sys_days moved =
      chr::sys_days(chr::year_month_day(month.year(), month.month(), std::min(date.day(), last))) +
      chr::days(period.days);
  return (moved + time_of_day).time_since_epoch().count();
}

Micros ExtendedDeadline(Micros start, Period deadline, Period extension, PeriodRule rule) {
  return AddPeriod(AddPeriod(start, deadline, rule), extension, rule);
}

std::string FormatDate(Micros t) {
  const chr::year_month_day date{chr::floor<chr::days>(SysMicros(chr::microseconds(t)))};
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

Result<Micros> ParseDate(std::string_view text) {
  const Error invalid(ErrorKind::kInvalidArgument, "invalid_date",
                      "'" + std::string(text) + "' is not a date in the form YYYY-MM-DD");
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return invalid;
  const int y = Digits(text, 0, 4);
  const int m = Digits(text, 5, 2);
  const int d = Digits(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return invalid;
  const chr::year_month_day date{chr::year(y), chr::month(static_cast<unsigned>(m)),
                                 chr::day(static_cast<unsigned>(d))};
  if (!date.ok()) return invalid;
  return chr::duration_cast<chr::microseconds>(chr::sys_days(date).time_since_epoch()).count();
}

}  // namespace privacyd
