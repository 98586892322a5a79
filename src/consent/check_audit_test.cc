#include "consent/check_audit.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/consent_fixture.h"

namespace privacyd {
namespace {

class CheckAuditTest : public testing::ConsentFixture {
 protected:
  std::vector<AuditRecord> Entries() {
    return *ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
      AuditQuery q;
      q.action = "consent.check";
      return tx.ListAudit(q);
    });
  }
};

TEST_F(CheckAuditTest, ChecksAreCountedIntoOneEntryPerSenderAndTopicAtEachFlush) {
  CheckAudit audit(*store_, audit_, clock_);
  ledger_->AuditChecksWith(&audit);
  Person("ana@example.com", "ccpa");
  AccessContext mia{{"usr_m", "mia", "marketing"}, "marketing", "req_1"};
  ASSERT_TRUE(ledger_->Check(mia, "newsletter", {"ana@example.com", "nobody@example.com"}).ok());
  clock_.Advance(kMicrosPerSecond);
  mia.request_id = "req_2";
  ASSERT_TRUE(ledger_->Check(mia, "newsletter", {"ana@example.com"}).ok());
  AccessContext max{{"usr_x", "max", "marketing"}, "marketing", "req_3"};
  ASSERT_TRUE(ledger_->Check(max, "newsletter", {"ana@example.com"}).ok());
  // Nothing is written before the flush.
  EXPECT_TRUE(Entries().empty());
  ASSERT_TRUE(audit.Flush().ok());
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].actor, "max");
  EXPECT_EQ(entries[1].actor, "mia");
  EXPECT_EQ(entries[1].object, "topic:newsletter");
  EXPECT_EQ(entries[1].request_id, "req_2");
  auto detail = nlohmann::json::parse(entries[1].detail);
  EXPECT_EQ(detail["checks"], 2);
  EXPECT_EQ(detail["checked"], 3);
  EXPECT_EQ(detail["verdicts"], (nlohmann::json{{"allowed", 2}, {"unknown", 1}}));
  EXPECT_EQ(detail["answered_by"], (nlohmann::json{{"store", 2}}));
  EXPECT_EQ(detail["first_request_id"], "req_1");
  EXPECT_EQ(detail["last_request_id"], "req_2");
  EXPECT_EQ(detail["from"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(detail["to"], "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(entries[1].detail.find("ana"), std::string::npos);
  // A flush with nothing counted writes nothing; the next checks start a new entry.
  ASSERT_TRUE(audit.Flush().ok());
  EXPECT_EQ(Entries().size(), 2u);
  ASSERT_TRUE(ledger_->Check(mia, "product_alerts", {"ana@example.com"}).ok());
  audit.Stop();  // flushes what is left
  entries = Entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2].object, "topic:product_alerts");
  EXPECT_EQ(nlohmann::json::parse(entries[2].detail)["checks"], 1);
}

// The real store, whose writes fail while `failing` is set (a full disk, say).
class FailingWrites final : public Store {
 public:
  explicit FailingWrites(Store& store) : store_(store) {}
  Status Write(const std::function<Status(Tx&)>& fn) override {
    if (failing) return Error(ErrorKind::kUnavailable, "disk_full", "no space left");
    return store_.Write(fn);
  }
  Status Read(const std::function<Status(Tx&)>& fn) override { return store_.Read(fn); }
  Status Migrate() override { return store_.Migrate(); }
  Result<int> SchemaVersion() override { return store_.SchemaVersion(); }
  int LatestSchemaVersion() const override { return store_.LatestSchemaVersion(); }
  Status Ping() override { return store_.Ping(); }
  StoreStats Stats() const override { return store_.Stats(); }
  void Close() override { store_.Close(); }
  bool failing = false;

 private:
  Store& store_;
};

TEST_F(CheckAuditTest, CountsSurviveAFailedFlush) {
  FailingWrites store(*store_);
  CheckAudit audit(store, audit_, clock_);
  audit.Add({"mia", "marketing", "newsletter", "marketing", "req_1", 5, {{"allowed", 5}}, "index"});
  store.failing = true;
  EXPECT_FALSE(audit.Flush().ok());
  clock_.Advance(kMicrosPerSecond);
  audit.Add({"mia", "marketing", "newsletter", "marketing", "req_2", 1, {{"unknown", 1}}, "index"});
  store.failing = false;
  ASSERT_TRUE(audit.Flush().ok());
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  auto detail = nlohmann::json::parse(entries[0].detail);
  EXPECT_EQ(detail["checks"], 2);
  EXPECT_EQ(detail["checked"], 6);
  EXPECT_EQ(detail["verdicts"], (nlohmann::json{{"allowed", 5}, {"unknown", 1}}));
  EXPECT_EQ(detail["first_request_id"], "req_1");
  EXPECT_EQ(detail["last_request_id"], "req_2");
  EXPECT_EQ(detail["from"], "2026-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace privacyd
