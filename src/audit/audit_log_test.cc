#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include "testing/test_store.h"

namespace privacyd {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing::OpenTestStore(dir_.path()); }

  AuditRecord Append(const std::string& action, const std::string& object) {
    AuditRecord out;
    EXPECT_TRUE(store_
                    ->Write([&](Tx& tx) -> Status {
                      PD_ASSIGN_OR_RETURN(out, log_.Append(tx, {"alice", "admin", action, object,
                                                                "support", "req_1", ""}));
                      return Ok();
                    })
                    .ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeClock clock_{1'000'000};
  AuditLog log_{clock_};
};

TEST_F(AuditLogTest, ChainsEntriesInOrder) {
  AuditRecord first = Append("subject.create", "subject:sub_1");
  clock_.Advance(5);
  AuditRecord second = Append("subject.read", "subject:sub_1");
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.prev_hash, "");
  EXPECT_EQ(first.time, 1'000'000);
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.time, 1'000'005);
  EXPECT_EQ(first.hash, AuditLog::ComputeHash(first));
  EXPECT_EQ(first.hash.size(), 64u);

  auto report = log_.Verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact);
  EXPECT_EQ(report->checked, 2);
}

TEST_F(AuditLogTest, ListChecksTheRoleAndRecordsTheRead) {
  Append("subject.read", "subject:sub_1");
  Append("subject.read", "subject:sub_2");
  AuditQuery query;
  query.object = "subject:sub_2";
  auto denied = log_.List(*store_, {"usr_1", "sam", "support_agent"}, "req_2", query);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), "forbidden");

  auto rows = log_.List(*store_, {"usr_2", "audrey", "auditor"}, "req_3", query);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].seq, 2);
  AuditQuery reads;
  reads.action = "audit.read";
  auto recorded = log_.List(*store_, {"usr_3", "root", "admin"}, "req_4", reads);
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->size(), 1u);  // audrey's read; this one is appended after listing
  EXPECT_EQ((*recorded)[0].actor, "audrey");
  EXPECT_EQ((*recorded)[0].request_id, "req_3");
  EXPECT_EQ((*recorded)[0].detail, R"({"entries":1})");
}

TEST_F(AuditLogTest, EmptyTrailVerifies) {
  auto report = log_.Verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact);
  EXPECT_EQ(report->checked, 0);
}

TEST_F(AuditLogTest, HashCoversEveryField) {
  AuditRecord r{7, 123, "alice", "admin", "a", "o", "p", "req", "{}", "prev", ""};
  std::string h = AuditLog::ComputeHash(r);
  for (auto mutate : std::vector<std::function<void(AuditRecord&)>>{
           [](AuditRecord& x) { x.seq = 8; }, [](AuditRecord& x) { x.time = 124; },
           [](AuditRecord& x) { x.actor = "alicf"; }, [](AuditRecord& x) { x.role = "x"; },
           [](AuditRecord& x) { x.action = "b"; }, [](AuditRecord& x) { x.object = "q"; },
           [](AuditRecord& x) { x.purpose = "q"; }, [](AuditRecord& x) { x.request_id = "r"; },
           [](AuditRecord& x) { x.detail = "{ }"; },
           [](AuditRecord& x) { x.prev_hash = "prew"; }}) {
    AuditRecord copy = r;
    mutate(copy);
    EXPECT_NE(AuditLog::ComputeHash(copy), h);
  }
}

TEST_F(AuditLogTest, VerifyForChecksTheRoleAndRecordsTheCheckAfterTheEntriesItWalked) {
  Append("subject.read", "subject:sub_1");
  Append("subject.read", "subject:sub_2");
  auto denied = log_.VerifyFor(*store_, {"usr_1", "sam", "support_agent"}, "req_2");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), "forbidden");

  auto report = log_.VerifyFor(*store_, {"usr_2", "audrey", "auditor"}, "req_3");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact);
  EXPECT_EQ(report->checked, 2);
  auto rows = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    return tx.ListAudit(q);
  });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);  // the refused check left nothing
  EXPECT_EQ(rows->back().action, "audit.verified");
  EXPECT_EQ(rows->back().actor, "audrey");
  EXPECT_EQ(rows->back().request_id, "req_3");
  EXPECT_EQ(rows->back().detail, R"({"checked":2,"intact":true})");
}

// Rebuilds the store's audit rows through the Tx interface with one of them altered.
TEST_F(AuditLogTest, VerifyNamesTheFirstAlteredEntry) {
  for (int i = 0; i < 5; ++i) Append("subject.read", "subject:sub_" + std::to_string(i));
  // A second store holding a copy of the chain with entry 3 altered.
  testing::TempDir other_dir;
  auto other = testing::OpenTestStore(other_dir.path());
  auto rows = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    return tx.ListAudit(q);
  });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 5u);
  (*rows)[2].object = "subject:sub_X";
  ASSERT_TRUE(other
                  ->Write([&](Tx& tx) -> Status {
                    for (const auto& r : *rows) PD_RETURN_IF_ERROR(tx.AppendAudit(r));
                    return Ok();
                  })
                  .ok());
  auto report = log_.Verify(*other);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_EQ(report->checked, 2);
  EXPECT_NE(report->reason.find("altered"), std::string::npos);
}

TEST_F(AuditLogTest, VerifyDetectsARemovedEntry) {
  for (int i = 0; i < 4; ++i) Append("subject.read", "subject:sub_" + std::to_string(i));
  testing::TempDir other_dir;
  auto other = testing::OpenTestStore(other_dir.path());
  auto rows = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    return tx.ListAudit(q);
  });
  ASSERT_TRUE(rows.ok());
  rows->erase(rows->begin() + 1);
  ASSERT_TRUE(other
                  ->Write([&](Tx& tx) -> Status {
                    for (const auto& r : *rows) PD_RETURN_IF_ERROR(tx.AppendAudit(r));
                    return Ok();
                  })
                  .ok());
  auto report = log_.Verify(*other);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->first_broken_seq, 3);
  EXPECT_NE(report->reason.find("removed"), std::string::npos);
}

}  // namespace
}  // namespace privacyd
