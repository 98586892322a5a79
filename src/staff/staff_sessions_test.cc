#include "staff/staff_sessions.h"

#include <gtest/gtest.h>

#include "crypto/secret.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

constexpr char kPassword[] = "a long enough password";
constexpr Micros kMinute = 60 * kMicrosPerSecond;

class StaffSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    staff_ = std::make_unique<StaffDirectory>(*store_, audit_, clock_, random_);
    sessions_ = std::make_unique<StaffSessions>(*store_, *staff_, audit_, clock_, random_);
    ASSERT_TRUE(staff_->AddUser(cli_, "alice", "support_agent", std::string(kPassword)).ok());
    ASSERT_TRUE(staff_->AddUser(cli_, "tokenonly", "admin", std::nullopt).ok());
  }

  std::vector<AuditRecord> AuditEntries(const std::string& action) {
    auto all = *ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
      AuditQuery q;
      q.limit = 1000;
      return tx.ListAudit(q);
    });
    std::vector<AuditRecord> out;
    for (auto& e : all) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }

  StartedStaffSession SignIn() {
    auto started = sessions_->StartWithPassword("alice", kPassword, "req_1");
    EXPECT_TRUE(started.ok()) << started.error().message();
    return *started;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeClock clock_;
  SeededRandom random_{7};
  AuditLog audit_{clock_};
  std::unique_ptr<StaffDirectory> staff_;
  std::unique_ptr<StaffSessions> sessions_;
  StaffActor cli_{"cli:root", "admin", ""};
};

TEST_F(StaffSessionsTest, PasswordSignInStoresOnlyTheHashAndAuditsTheStart) {
  Micros start = clock_.Now();
  StartedStaffSession started = SignIn();
  const StaffSessionRecord& r = started.session.record;
  std::string secret = started.cookie_value.substr(r.id.size() + 1);
  EXPECT_EQ(started.cookie_value, r.id + "." + secret);
  EXPECT_EQ(secret.size(), 64u);  // 256 bits in hex
  EXPECT_EQ(r.secret_hash, ToHex(Sha256(secret)));
  EXPECT_EQ(r.expires_at, start + 12 * 60 * kMinute);
  EXPECT_EQ(started.session.csrf_token, StaffSessions::CsrfToken(secret));
  EXPECT_EQ(started.session.csrf_token.size(), 64u);
  EXPECT_EQ(started.session.principal.user_name, "alice");
  EXPECT_EQ(started.session.principal.role, "support_agent");

  auto stored = *ReadValue<std::optional<StaffSessionRecord>>(
      *store_, [&](Tx& tx) { return tx.GetStaffSession(r.id); });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->secret_hash, ToHex(Sha256(secret)));
  EXPECT_EQ(stored->method, "password");

  auto entries = AuditEntries("staff.session.start");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "alice");
  EXPECT_EQ(entries[0].role, "support_agent");
  EXPECT_EQ(entries[0].object, "session:" + r.id);
  EXPECT_EQ(entries[0].request_id, "req_1");
  EXPECT_EQ(entries[0].detail, R"({"method":"password"})");
}

TEST_F(StaffSessionsTest, EveryRefusalIsTheSameErrorAndIsAuditedWithoutTheSecret) {
  auto token = staff_->CreateToken(cli_, "alice", "ci", std::nullopt);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(staff_->AddUser(cli_, "bob", "admin", std::string(kPassword)).ok());
  ASSERT_TRUE(staff_->DisableUser(cli_, "bob").ok());

  std::string message;
  for (auto [name, password] :
       std::vector<std::pair<std::string, std::string>>{{"alice", "wrong password, long"},
                                                        {"nobody", kPassword},
                                                        {"bob", kPassword},
                                                        {"tokenonly", kPassword},
                                                        {"Not A Name!", kPassword}}) {
    auto refused = sessions_->StartWithPassword(name, password, "req_x");
    ASSERT_FALSE(refused.ok()) << name;
    EXPECT_EQ(refused.error().kind(), ErrorKind::kUnauthenticated) << name;
    EXPECT_EQ(refused.error().code(), "invalid_credentials") << name;
    if (message.empty()) message = refused.error().message();
    EXPECT_EQ(refused.error().message(), message) << name;
  }
  std::string tampered = token->token;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  auto refused = sessions_->StartWithToken(tampered, "req_y");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "invalid_credentials");
  EXPECT_EQ(refused.error().message(), message);

  auto entries = AuditEntries("staff.session.refused");
  ASSERT_EQ(entries.size(), 6u);
  std::vector<std::string> objects;
  for (const auto& e : entries) {
    objects.push_back(e.object);
    EXPECT_EQ(e.actor, "anonymous");
    EXPECT_EQ(e.detail.find(kPassword), std::string::npos);
    EXPECT_EQ(e.detail.find(tampered), std::string::npos);
  }
  EXPECT_EQ(objects, (std::vector<std::string>{"user_name:alice", "user_name:nobody",
                                               "user_name:bob", "user_name:tokenonly", "", ""}));
  EXPECT_EQ(entries[0].detail, R"({"method":"password"})");
  EXPECT_EQ(entries[5].detail, R"({"method":"token"})");
  EXPECT_TRUE(AuditEntries("staff.session.start").empty());
}

TEST_F(StaffSessionsTest, TokenSignInActsAsTheTokensUser) {
  auto token = staff_->CreateToken(cli_, "tokenonly", "console", std::nullopt);
  ASSERT_TRUE(token.ok());
  auto started = sessions_->StartWithToken(token->token, "req_2");
  ASSERT_TRUE(started.ok()) << started.error().message();
  EXPECT_EQ(started->session.principal.user_name, "tokenonly");
  EXPECT_EQ(started->session.record.method, "token");
  auto resumed = sessions_->Resume(started->cookie_value);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->principal.role, "admin");
  EXPECT_EQ(AuditEntries("staff.session.start")[0].detail, R"({"method":"token"})");
}

TEST_F(StaffSessionsTest, TamperedOrMalformedCookiesOpenNothing) {
  StartedStaffSession started = SignIn();
  std::string tampered = started.cookie_value;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  for (const std::string& cookie :
       {tampered, std::string("garbage"), std::string(".abc"), std::string("ses_unknown.abcd"),
        started.session.record.id + "." + started.session.record.secret_hash,
        started.cookie_value + "x"}) {
    auto resumed = sessions_->Resume(cookie);
    ASSERT_FALSE(resumed.ok()) << cookie;
    EXPECT_EQ(resumed.error().code(), "session_required") << cookie;
  }
  EXPECT_TRUE(sessions_->Resume(started.cookie_value).ok());
}

TEST_F(StaffSessionsTest, IdleSessionsEndAndUseRenewsThemAtMostOnceAMinute) {
  StartedStaffSession started = SignIn();
  const std::string& id = started.session.record.id;
  auto last_used = [&] {
    return (*ReadValue<std::optional<StaffSessionRecord>>(
                *store_, [&](Tx& tx) { return tx.GetStaffSession(id); }))
        ->last_used_at;
  };
  Micros start = clock_.Now();
  clock_.Advance(30 * kMicrosPerSecond);
  ASSERT_TRUE(sessions_->Resume(started.cookie_value).ok());
  EXPECT_EQ(last_used(), start);  // within the minute: not written
  clock_.Advance(29 * kMinute);
  ASSERT_TRUE(sessions_->Resume(started.cookie_value).ok());
  EXPECT_EQ(last_used(), start + 30 * kMicrosPerSecond + 29 * kMinute);
  // 29 minutes idle: still live; 30: ended.
  clock_.Advance(29 * kMinute);
  ASSERT_TRUE(sessions_->Resume(started.cookie_value).ok());
  clock_.Advance(30 * kMinute);
  EXPECT_EQ(sessions_->Resume(started.cookie_value).error().code(), "session_required");
}

TEST_F(StaffSessionsTest, SessionsEndAfterTwelveHoursHoweverBusy) {
  StartedStaffSession started = SignIn();
  for (int i = 0; i < 12 * 60 / 20 - 1; ++i) {
    clock_.Advance(20 * kMinute);
    ASSERT_TRUE(sessions_->Resume(started.cookie_value).ok()) << i;
  }
  clock_.Advance(20 * kMinute);  // 12 h after the start
  EXPECT_EQ(sessions_->Resume(started.cookie_value).error().code(), "session_required");
}

TEST_F(StaffSessionsTest, SigningOutEndsTheSessionOnce) {
  StartedStaffSession started = SignIn();
  auto view = sessions_->Resume(started.cookie_value);
  ASSERT_TRUE(view.ok());
  ASSERT_TRUE(sessions_->SignOut(*view, "req_3").ok());
  EXPECT_EQ(sessions_->Resume(started.cookie_value).error().code(), "session_required");
  EXPECT_EQ(sessions_->SignOut(*view, "req_4").error().code(), "session_required");
  auto ends = AuditEntries("staff.session.end");
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].actor, "alice");
  EXPECT_EQ(ends[0].object, "session:" + started.session.record.id);
  EXPECT_EQ(ends[0].detail, R"({"reason":"signed_out"})");
}

TEST_F(StaffSessionsTest, DisablingTheUserEndsEverySessionOfIt) {
  StartedStaffSession first = SignIn();
  clock_.Advance(kMicrosPerSecond);  // sessions are listed in start order
  StartedStaffSession second = SignIn();
  ASSERT_TRUE(staff_->DisableUser(cli_, "alice").ok());
  EXPECT_EQ(sessions_->Resume(first.cookie_value).error().code(), "session_required");
  EXPECT_EQ(sessions_->Resume(second.cookie_value).error().code(), "session_required");
  auto ends = AuditEntries("staff.session.end");
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0].actor, "cli:root");
  EXPECT_EQ(ends[0].object, "session:" + first.session.record.id);
  EXPECT_EQ(ends[0].detail, R"({"reason":"disabled"})");
  EXPECT_EQ(ends[1].object, "session:" + second.session.record.id);
  EXPECT_TRUE(sessions_->ListLive("alice")->empty());
}

TEST_F(StaffSessionsTest, SigningInSweepsExpiredSessionsAndAuditsTheirEnd) {
  StartedStaffSession old = SignIn();
  StartedStaffSession ended = SignIn();
  ASSERT_TRUE(sessions_->SignOut(*sessions_->Resume(ended.cookie_value), "req_5").ok());
  clock_.Advance(31 * kMinute);
  StartedStaffSession fresh = SignIn();
  auto stored = *ReadValue<std::vector<StaffSessionRecord>>(
      *store_, [](Tx& tx) { return tx.ListStaffSessions(""); });
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, fresh.session.record.id);
  auto ends = AuditEntries("staff.session.end");
  ASSERT_EQ(ends.size(), 2u);  // signed out, then the idle one expired
  EXPECT_EQ(ends[1].object, "session:" + old.session.record.id);
  EXPECT_EQ(ends[1].actor, "system");
  EXPECT_EQ(ends[1].detail, R"({"reason":"expired"})");
}

TEST_F(StaffSessionsTest, OperatorsListAndEndLiveSessions) {
  StartedStaffSession first = SignIn();
  StartedStaffSession second = SignIn();
  auto live = sessions_->ListLive("alice");
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ(sessions_->ListLive("nobody").error().code(), "user_not_found");
  ASSERT_TRUE(sessions_->End(cli_, first.session.record.id).ok());
  EXPECT_EQ(sessions_->End(cli_, first.session.record.id).error().code(), "session_not_found");
  EXPECT_EQ(sessions_->Resume(first.cookie_value).error().code(), "session_required");
  EXPECT_EQ(*sessions_->EndAllOf(cli_, "alice"), 1);
  EXPECT_EQ(sessions_->Resume(second.cookie_value).error().code(), "session_required");
  EXPECT_TRUE(sessions_->ListLive("")->empty());
}

}  // namespace
}  // namespace privacyd
