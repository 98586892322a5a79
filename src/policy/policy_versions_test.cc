#include "policy/policy_versions.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/policy_loader.h"
#include "testing/fixtures.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

std::string Example() { return testing::ReadSourceFile("examples/policy.yaml"); }

std::string Edit(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

class PolicyVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing::OpenTestStore(dir_.path()); }

  std::shared_ptr<const Policy> Load(const std::string& yaml) {
    PolicyLoad load =
        LoadPolicyText(yaml, "policy.yaml", Taxonomy::Default(), Jurisdictions::Default());
    EXPECT_TRUE(load.ok());
    return load.policy;
  }

  std::vector<JobRecord> Jobs() {
    return *ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 100); });
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeClock clock_;
  SeededRandom random_{5};
  AuditLog audit_{clock_};
};

TEST_F(PolicyVersionsTest, StoresNewVersionsAndNotifiesOnlyMaterialChanges) {
  JobQueue jobs(*store_, clock_, random_);
  PolicyVersions versions(*store_, jobs, audit_, clock_, Taxonomy::Default(),
                          Jurisdictions::Default());
  const std::string v1 = Example();
  auto first = versions.Apply(*Load(v1), "cli:root");
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(first->newly_stored);
  EXPECT_FALSE(first->record.material);
  EXPECT_FALSE(first->notice_job.has_value());

  // The same version with the same text again: nothing new.
  auto again = versions.Apply(*Load(v1), "cli:root");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->newly_stored);

  // A changed text under the same version is refused.
  auto sneaky = versions.Apply(*Load(Edit(v1, "191 Spring Street", "200 Spring Street")), "x");
  ASSERT_FALSE(sneaky.ok());
  EXPECT_EQ(sneaky.error().code(), "policy_version_unchanged");

  // An editorial change under a new version: stored, no notice.
  clock_.Advance(kMicrosPerSecond);
  std::string v2 = Edit(Edit(v1, "version: \"2024-08\"", "version: \"2024-09\""),
                        "191 Spring Street", "200 Spring Street");
  auto editorial = versions.Apply(*Load(v2), "alice");
  ASSERT_TRUE(editorial.ok());
  EXPECT_TRUE(editorial->newly_stored);
  EXPECT_FALSE(editorial->record.material);
  EXPECT_FALSE(editorial->notice_job.has_value());
  EXPECT_TRUE(Jobs().empty());

  // A material change: stored with its changes and one durable notice job.
  clock_.Advance(kMicrosPerSecond);
  std::string v3 = Edit(Edit(v2, "version: \"2024-09\"", "version: \"2025-01\""),
                        "    countries: [US]\n", "    countries: [US, IN]\n");
  auto material = versions.Apply(*Load(v3), "alice");
  ASSERT_TRUE(material.ok());
  EXPECT_TRUE(material->record.material);
  ASSERT_TRUE(material->notice_job.has_value());
  auto jobs_now = Jobs();
  ASSERT_EQ(jobs_now.size(), 1u);
  EXPECT_EQ(jobs_now[0].kind, "statement.change_notice");
  EXPECT_EQ(jobs_now[0].payload, R"({"topics":["trust_center_update"],"version":"2025-01"})");
  EXPECT_NE(material->record.changes.find("\"clause\":\"recipients.google.countries\""),
            std::string::npos);

  auto list = versions.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].version, "2025-01");
  EXPECT_EQ((*list)[2].version, "2024-08");

  auto trail = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    q.action = "policy.apply";
    return tx.ListAudit(q);
  });
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 3u);
  EXPECT_EQ((*trail)[2].object, "policy:2025-01");
  EXPECT_EQ((*trail)[2].detail, R"({"changes":2,"material":true,"version":"2025-01"})");
}

}  // namespace
}  // namespace privacyd
