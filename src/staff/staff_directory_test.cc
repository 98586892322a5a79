#include "staff/staff_directory.h"

#include <gtest/gtest.h>

#include "testing/test_store.h"

namespace privacyd {
namespace {

class StaffDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    staff_ = std::make_unique<StaffDirectory>(*store_, audit_, clock_, random_);
  }

  std::vector<AuditRecord> AuditEntries() {
    return *ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
      AuditQuery q;
      return tx.ListAudit(q);
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeClock clock_;
  SeededRandom random_{42};
  AuditLog audit_{clock_};
  std::unique_ptr<StaffDirectory> staff_;
  StaffActor cli_{"cli:root", "admin", ""};
};

TEST_F(StaffDirectoryTest, AddsUsersAndAuditsIt) {
  auto user = staff_->AddUser(cli_, "alice", "admin", "a long enough password");
  ASSERT_TRUE(user.ok()) << user.error().message();
  EXPECT_TRUE(user->password_hash.starts_with("$argon2id$"));
  EXPECT_EQ(staff_->AddUser(cli_, "alice", "auditor", "another long password").error().code(),
            "user_exists");
  EXPECT_EQ(staff_->AddUser(cli_, "Bob!", "admin", std::nullopt).error().code(),
            "invalid_user_name");
  EXPECT_EQ(staff_->AddUser(cli_, "bob", "root", std::nullopt).error().code(), "invalid_role");
  EXPECT_EQ(staff_->AddUser(cli_, "bob", "admin", "short").error().code(), "weak_password");

  auto entries = AuditEntries();
  ASSERT_EQ(entries.size(), 1u);  // refused attempts leave nothing behind
  EXPECT_EQ(entries[0].action, "user.create");
  EXPECT_EQ(entries[0].actor, "cli:root");
  EXPECT_EQ(entries[0].object, "user:" + user->id);
  EXPECT_EQ(entries[0].detail, R"({"name":"alice","role":"admin"})");
}

TEST_F(StaffDirectoryTest, TokensAuthenticateUntilRevokedExpiredOrDisabled) {
  ASSERT_TRUE(staff_->AddUser(cli_, "alice", "privacy_officer", std::nullopt).ok());
  auto issued = staff_->CreateToken(cli_, "alice", "ci", kMicrosPerSecond * 60);
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(issued->token.starts_with(issued->record.id + "."));
  EXPECT_EQ(issued->token.find(issued->record.secret_hash), std::string::npos);

  auto principal = staff_->Authenticate(issued->token);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->user_name, "alice");
  EXPECT_EQ(principal->role, "privacy_officer");

  std::string tampered = issued->token;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(staff_->Authenticate(tampered).error().code(), "invalid_token");
  EXPECT_EQ(staff_->Authenticate("garbage").error().code(), "invalid_token");
  EXPECT_EQ(staff_->Authenticate("tok_unknown.abcd").error().code(), "invalid_token");

  clock_.Advance(kMicrosPerSecond * 61);
  EXPECT_EQ(staff_->Authenticate(issued->token).error().kind(), ErrorKind::kUnauthenticated);

  auto second = staff_->CreateToken(cli_, "alice", "", std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(staff_->Authenticate(second->token).ok());
  ASSERT_TRUE(staff_->RevokeToken(cli_, second->record.id).ok());
  EXPECT_FALSE(staff_->Authenticate(second->token).ok());
  EXPECT_EQ(staff_->RevokeToken(cli_, "tok_nope").error().code(), "token_not_found");

  auto third = staff_->CreateToken(cli_, "alice", "", std::nullopt);
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(staff_->DisableUser(cli_, "alice").ok());
  EXPECT_FALSE(staff_->Authenticate(third->token).ok());
  EXPECT_EQ(staff_->CreateToken(cli_, "alice", "", std::nullopt).error().code(), "user_disabled");
  EXPECT_EQ(staff_->CreateToken(cli_, "nobody", "", std::nullopt).error().code(), "user_not_found");
}

// Tokens kept in memory (a daemon) while another process (the CLI) revokes and disables: each
// change is refused at the next request; only a change behind the directory's back waits out
// kTokenMemory.
TEST_F(StaffDirectoryTest, TokensKeptInMemoryFailAtOnceWhenAnotherProcessRevokesThem) {
  auto counter = [&] {
    auto opened = ChangeCounter::Open(dir_.path() / "staff.changes");
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    return std::move(opened).value();
  };
  auto daemon_changes = counter();
  auto cli_changes = counter();
  StaffDirectory daemon(*store_, audit_, clock_, random_, daemon_changes.get());
  StaffDirectory cli(*store_, audit_, clock_, random_, cli_changes.get());
  ASSERT_TRUE(cli.AddUser(cli_, "alice", "marketing", std::nullopt).ok());
  ASSERT_TRUE(cli.AddUser(cli_, "bob", "auditor", std::nullopt).ok());
  auto first = cli.CreateToken(cli_, "alice", "", std::nullopt);
  auto second = cli.CreateToken(cli_, "alice", "", std::nullopt);
  auto bobs = cli.CreateToken(cli_, "bob", "", std::nullopt);
  auto brief = cli.CreateToken(cli_, "bob", "", kMicrosPerSecond * 5);
  ASSERT_TRUE(first.ok() && second.ok() && bobs.ok() && brief.ok());
  for (const auto* issued : {&*first, &*second, &*bobs, &*brief}) {
    ASSERT_TRUE(daemon.Authenticate(issued->token).ok());
  }

  // A wrong secret for a token id in memory.
  std::string tampered = first->token;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(daemon.Authenticate(tampered).error().code(), "invalid_token");

  ASSERT_TRUE(cli.RevokeToken(cli_, first->record.id).ok());
  EXPECT_EQ(daemon.Authenticate(first->token).error().code(), "invalid_token");
  EXPECT_EQ(daemon.Authenticate(second->token)->user_name, "alice");
  ASSERT_TRUE(cli.DisableUser(cli_, "alice").ok());
  EXPECT_EQ(daemon.Authenticate(second->token).error().code(), "invalid_token");
  EXPECT_EQ(*cli_changes->Read(), 2u);

  // Expiry is checked on the token in memory too.
  clock_.Advance(kMicrosPerSecond * 6);
  EXPECT_EQ(daemon.Authenticate(brief->token).error().code(), "invalid_token");

  // A revocation written to the store directly (not announced) is seen once kTokenMemory has
  // passed since the token was read.
  ASSERT_TRUE(daemon.Authenticate(bobs->token).ok());
  ASSERT_TRUE(
      store_->Write([&](Tx& tx) { return tx.RevokeToken(bobs->record.id, clock_.Now()); }).ok());
  EXPECT_TRUE(daemon.Authenticate(bobs->token).ok());  // from memory
  clock_.Advance(StaffDirectory::kTokenMemory);
  EXPECT_EQ(daemon.Authenticate(bobs->token).error().code(), "invalid_token");
}

TEST_F(StaffDirectoryTest, PasswordLogin) {
  ASSERT_TRUE(staff_->AddUser(cli_, "alice", "auditor", "a long enough password").ok());
  EXPECT_TRUE(staff_->AuthenticatePassword("alice", "a long enough password").ok());
  EXPECT_EQ(staff_->AuthenticatePassword("alice", "wrong").error().code(), "invalid_credentials");
  EXPECT_EQ(staff_->AuthenticatePassword("bob", "a long enough password").error().code(),
            "invalid_credentials");
}

}  // namespace
}  // namespace privacyd
