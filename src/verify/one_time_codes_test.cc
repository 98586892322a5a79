#include "verify/one_time_codes.h"

#include <gtest/gtest.h>

#include "keys/key_manager.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

class OneTimeCodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    auto keyring = OpenKeyring(dir_.path(), *store_, random_, true);
    ASSERT_TRUE(keyring.ok());
    keyring_ = *keyring;
    codes_ = std::make_unique<OneTimeCodes>(*keyring_, clock_, random_);
  }

  Result<IssuedCode> Issue(const std::string& index = "idx-ana") {
    return WriteValue<IssuedCode>(
        *store_, [&](Tx& tx) { return codes_->Issue(tx, "preferences", index, "sub_ana"); });
  }

  CodeCheck Verify(const std::string& code, const std::string& index = "idx-ana") {
    auto check = WriteValue<CodeCheck>(
        *store_, [&](Tx& tx) { return codes_->Verify(tx, "preferences", index, code); });
    EXPECT_TRUE(check.ok());
    return check.ok() ? *check : CodeCheck{};
  }

  static std::string Wrong(const std::string& code) {
    std::string w = code;
    w[5] = w[5] == '9' ? '0' : static_cast<char>(w[5] + 1);
    return w;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<const Keyring> keyring_;
  FakeClock clock_;
  SecureRandom random_;
  std::unique_ptr<OneTimeCodes> codes_;
};

TEST_F(OneTimeCodesTest, TheRightCodeWorksOnceAndIsNotStoredInTheClear) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  ASSERT_EQ(issued->code.size(), 6u);
  EXPECT_EQ(issued->code.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_EQ(issued->expires_at, clock_.Now() + 15 * 60 * kMicrosPerSecond);
  auto row = ReadValue<std::optional<VerificationCodeRecord>>(
      *store_, [](Tx& tx) { return tx.LatestVerificationCode("preferences", "idx-ana"); });
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->code_hash.size(), 32u);
  EXPECT_EQ((*row)->code_hash.find(issued->code), std::string::npos);

  CodeCheck ok = Verify(issued->code);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.subject_id, "sub_ana");
  CodeCheck again = Verify(issued->code);
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.failure, "invalid_code");
  // Another address's code does not open this one.
  EXPECT_EQ(Verify(issued->code, "idx-bob").failure, "invalid_code");
}

TEST_F(OneTimeCodesTest, FiveWrongAttemptsRetireTheCodeEvenForTheRightOne) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  for (int left = 4; left >= 1; --left) {
    CodeCheck wrong = Verify(Wrong(issued->code));
    EXPECT_EQ(wrong.failure, "invalid_code");
    EXPECT_EQ(wrong.attempts_left, left);
    EXPECT_EQ(wrong.ToError().code(), "invalid_code");
    EXPECT_EQ(wrong.ToError().kind(), ErrorKind::kUnauthenticated);
  }
  EXPECT_EQ(Verify(Wrong(issued->code)).failure, "code_attempts_exhausted");
  CodeCheck right = Verify(issued->code);
  EXPECT_FALSE(right.ok);
  EXPECT_EQ(right.failure, "code_attempts_exhausted");
  // A new code starts afresh and retires the old one.
  auto fresh = Issue();
  ASSERT_TRUE(fresh.ok());
  if (fresh->code != issued->code) {
    EXPECT_EQ(Verify(issued->code).failure, "invalid_code");
  }
  EXPECT_TRUE(Verify(fresh->code).ok);
}

TEST_F(OneTimeCodesTest, CodesExpireAfterFifteenMinutes) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  clock_.Advance(15 * 60 * kMicrosPerSecond);
  CodeCheck late = Verify(issued->code);
  EXPECT_EQ(late.failure, "code_expired");
  EXPECT_EQ(late.ToError().code(), "code_expired");
}

TEST_F(OneTimeCodesTest, AtMostFiveCodesPerAddressAndHour) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Issue().ok()) << i;
  auto sixth = Issue();
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().code(), "too_many_codes");
  EXPECT_EQ(sixth.error().kind(), ErrorKind::kResourceExhausted);
  EXPECT_TRUE(Issue("idx-bob").ok());  // other addresses are not held up
  clock_.Advance(3600 * kMicrosPerSecond);
  EXPECT_TRUE(Issue().ok());
  // Expired codes are purged in bounded batches.
  auto purged = WriteValue<int64_t>(
      *store_, [&](Tx& tx) { return tx.DeleteExpiredVerificationCodes(clock_.Now(), 3); });
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 3);
}

}  // namespace
}  // namespace privacyd
