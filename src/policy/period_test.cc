#include "policy/period.h"

#include <gtest/gtest.h>

#include <string>

namespace privacyd {
namespace {

Micros At(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : 0;
}

std::string Due(const std::string& start, Period period, PeriodRule rule = PeriodRule::kEu1182_71) {
  return FormatDate(AddPeriod(At(start), period, rule));
}

TEST(PeriodTest, MonthEndsOnSameDayNumber) {
  EXPECT_EQ(Due("2026-01-15T00:00:00Z", {.months = 1}), "2026-02-15");
  EXPECT_EQ(Due("2026-12-15T00:00:00Z", {.months = 1}), "2027-01-15");
}

TEST(PeriodTest, MonthClampsToLastDayOfShorterMonth) {
  EXPECT_EQ(Due("2026-01-31T00:00:00Z", {.months = 1}), "2026-02-28");
  EXPECT_EQ(Due("2028-01-31T00:00:00Z", {.months = 1}), "2028-02-29");
  EXPECT_EQ(Due("2026-03-31T00:00:00Z", {.months = 1}), "2026-04-30");
  EXPECT_EQ(Due("2026-11-30T00:00:00Z", {.months = 3}), "2027-02-28");
  EXPECT_EQ(Due("2027-11-30T00:00:00Z", {.months = 3}), "2028-02-29");
  EXPECT_EQ(Due("2028-02-29T00:00:00Z", {.months = 12}), "2029-02-28");
}

TEST(PeriodTest, DaysAreCalendarDaysAcrossMonthAndYearEnds) {
  // CCPA: 45 days from 20 December 2026.
  EXPECT_EQ(Due("2026-12-20T00:00:00Z", {.days = 45}, PeriodRule::kCalendarDays), "2027-02-03");
  // LGPD: 15 days across the end of January.
  EXPECT_EQ(Due("2026-01-25T00:00:00Z", {.days = 15}, PeriodRule::kCalendarDays), "2026-02-09");
  // Leap day counted.
  EXPECT_EQ(Due("2028-02-20T00:00:00Z", {.days = 10}, PeriodRule::kCalendarDays), "2028-03-01");
}

TEST(PeriodTest, MonthsAreAddedBeforeDays) {
  // 30 Jan + 1 month = 28 Feb, + 1 day = 1 Mar; days first would give 31 Jan + 1 month = 28 Feb.
  EXPECT_EQ(Due("2026-01-30T00:00:00Z", {.months = 1, .days = 1}), "2026-03-01");
}

TEST(PeriodTest, ZeroPeriodIsStart) {
  const Micros start = At("2026-05-17T08:00:00Z");
  EXPECT_EQ(AddPeriod(start, {}, PeriodRule::kCalendarDays), start);
}

TEST(PeriodTest, TimeOfDayIsKept) {
  EXPECT_EQ(AddPeriod(At("2026-01-31T09:30:15.250Z"), {.months = 1}, PeriodRule::kEu1182_71),
            At("2026-02-28T09:30:15.250Z"));
  EXPECT_EQ(AddPeriod(At("2026-12-20T23:59:59.999Z"), {.days = 45}, PeriodRule::kCalendarDays),
            At("2027-02-03T23:59:59.999Z"));
}

TEST(PeriodTest, ExtensionRunsFromTheEndOfTheOriginalDeadline) {
  EXPECT_EQ(FormatDate(ExtendedDeadline(At("2026-01-15T12:00:00Z"), {.months = 1}, {.months = 2},
                                        PeriodRule::kEu1182_71)),
            "2026-04-15");
  // 31 Jan -> 28 Feb -> 28 Apr: earlier than 31 Jan + 3 months (30 Apr), the stricter reading.
  EXPECT_EQ(FormatDate(ExtendedDeadline(At("2026-01-31T12:00:00Z"), {.months = 1}, {.months = 2},
                                        PeriodRule::kEu1182_71)),
            "2026-04-28");
  EXPECT_EQ(FormatDate(ExtendedDeadline(At("2026-12-20T00:00:00Z"), {.days = 45}, {.days = 45},
                                        PeriodRule::kCalendarDays)),
            "2027-03-20");
}

TEST(PeriodTest, WeekendDeadlineIsNotMovedToNextWorkingDay) {
  // 28 February 2026 is a Saturday; Regulation 1182/71 Art. 3(4) would move it to Monday 2 March.
  EXPECT_EQ(Due("2026-01-31T00:00:00Z", {.months = 1}), "2026-02-28");
}

TEST(PeriodTest, FormatDate) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(At("2026-02-28T23:59:59.999Z")), "2026-02-28");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
}

TEST(PeriodTest, ParseDate) {
  auto date = ParseDate("2023-07-10");
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(*date, At("2023-07-10T00:00:00Z"));
  EXPECT_EQ(FormatDate(*date), "2023-07-10");
}

TEST(PeriodTest, ParseDateRejectsMalformedOrImpossibleDates) {
  for (const char* text : {"", "2026-02-30", "2026-13-01", "2026-2-01", "2026/02/01", "+026-01-01",
                           "2026-01-0a", "2026-01-01T00:00:00Z"}) {
    auto date = ParseDate(text);
    ASSERT_FALSE(date.ok()) << text;
    EXPECT_EQ(date.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(date.error().code(), "invalid_date");
  }
}

}  // namespace
}  // namespace privacyd
