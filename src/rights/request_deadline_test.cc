#include "rights/request_deadline.h"

#include <gtest/gtest.h>

#include "testing/collection_fixture.h"

namespace privacyd {
namespace {

using testing::ExamplePolicyWith;

Micros At(const std::string& text) { return *ParseRfc3339(text); }
std::string Text(Micros t) { return FormatRfc3339(t); }

const Regime& R(const char* id) { return *Jurisdictions::Default().FindRegime(id); }

struct Row {
  const char* regime;
  const char* received;
  const char* due;
  const char* max_due;
};

// The example policy promises one month, extendable by two, by default (the statement's words),
// 30 days without extension under the Swiss FADP, 15 days under the LGPD, and 30 + 30 days under
// PIPEDA.
TEST(RequestDeadline, TableOfTheExamplePolicy) {
  auto policy = ExamplePolicyWith();
  const Row rows[] = {
      // EU 1182/71: 31 January + 1 month ends on the last day of February.
      {"gdpr", "2026-01-31T10:00:00.000Z", "2026-02-28T10:00:00.000Z", "2026-04-28T10:00:00.000Z"},
      // Leap year: 29 February; the extension runs from there.
      {"gdpr", "2028-01-31T10:00:00.000Z", "2028-02-29T10:00:00.000Z", "2028-04-29T10:00:00.000Z"},
      {"gdpr", "2028-02-29T08:00:00.000Z", "2028-03-29T08:00:00.000Z", "2028-05-29T08:00:00.000Z"},
      {"uk_gdpr", "2026-03-31T00:00:00.000Z", "2026-04-30T00:00:00.000Z",
       "2026-06-30T00:00:00.000Z"},
      // Year end.
      {"gdpr", "2026-12-31T23:59:00.000Z", "2027-01-31T23:59:00.000Z", "2027-03-31T23:59:00.000Z"},
      // Swiss FADP: the policy's 30 days, and no extension (neither promised nor statutory).
      {"swiss_fadp", "2026-01-31T10:00:00.000Z", "2026-03-02T10:00:00.000Z",
       "2026-03-02T10:00:00.000Z"},
      // LGPD: 15 days, no extension.
      {"lgpd", "2026-02-20T00:00:00.000Z", "2026-03-07T00:00:00.000Z", "2026-03-07T00:00:00.000Z"},
      // CCPA: the default promise (one month, then two more) is shorter than the statute's
      // 45 + 45 days, so the promise holds.
      {"ccpa", "2026-01-31T10:00:00.000Z", "2026-02-28T10:00:00.000Z", "2026-04-28T10:00:00.000Z"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.regime) + " " + row.received);
    RequestDeadline d = DeadlineFor(*policy, R(row.regime), At(row.received));
    EXPECT_EQ(Text(d.due_at), row.due);
    EXPECT_EQ(Text(d.max_due_at), row.max_due);
  }
}

// Without a promise in the policy the statute decides: CCPA 45 days, extendable by 45.
TEST(RequestDeadline, StatuteWhenThePolicyPromisesNothing) {
  auto policy = ExamplePolicyWith(
      "  deadlines:\n    default: {deadline: {months: 1}, extension: {months: 2}}\n"
      "    swiss_fadp: {deadline: {days: 30}}\n    lgpd: {deadline: {days: 15}}\n"
      "    pipeda: {deadline: {days: 30}, extension: {days: 30}}\n",
      "");
  ASSERT_NE(policy, nullptr);
  RequestDeadline ccpa = DeadlineFor(*policy, R("ccpa"), At("2026-01-31T10:00:00Z"));
  EXPECT_EQ(Text(ccpa.due_at), "2026-03-17T10:00:00.000Z");
  EXPECT_EQ(Text(ccpa.max_due_at), "2026-05-01T10:00:00.000Z");
  EXPECT_EQ(ccpa.rule, PeriodRule::kCalendarDays);
  RequestDeadline gdpr = DeadlineFor(*policy, R("gdpr"), At("2028-01-31T10:00:00Z"));
  EXPECT_EQ(Text(gdpr.due_at), "2028-02-29T10:00:00.000Z");
  EXPECT_EQ(Text(gdpr.max_due_at), "2028-04-29T10:00:00.000Z");
  EXPECT_EQ(gdpr.rule, PeriodRule::kEu1182_71);
}

// When the person turns out to be under another regime, the deadline is recomputed from the
// same date of receipt, not from the day of the switch.
TEST(RequestDeadline, RegimeSwitchRunsFromReceipt) {
  auto policy = ExamplePolicyWith();
  const Micros received = At("2026-01-31T10:00:00Z");
  RequestDeadline gdpr = DeadlineFor(*policy, R("gdpr"), received);
  RequestDeadline lgpd = DeadlineFor(*policy, R("lgpd"), received);
  EXPECT_EQ(Text(gdpr.due_at), "2026-02-28T10:00:00.000Z");
  EXPECT_EQ(Text(lgpd.due_at), "2026-02-15T10:00:00.000Z");
  EXPECT_EQ(lgpd.max_due_at, lgpd.due_at);
}

}  // namespace
}  // namespace privacyd
