#include "rights/restriction.h"

#include <gtest/gtest.h>

#include "rights/rights_fixture.h"

namespace privacyd {
namespace {

class RestrictionTest : public testing::RightsFixture {
 protected:
  UseDecision Use(const std::string& subject, ProcessingUse use) {
    auto d = ReadValue<UseDecision>(*store_, [&](Tx& tx) { return MayUse(tx, subject, use); });
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : UseDecision{};
  }
};

TEST_F(RestrictionTest, RestrictedPeopleAreOnlyStoredUntilTheRestrictionIsLifted) {
  // Under the CCPA, marketing email is opt-out: silence allows the newsletter.
  const std::string anna = Person("anna@example.com", "ccpa");
  EXPECT_EQ(Verdict("newsletter", "anna@example.com"), "allowed");
  EXPECT_TRUE(Use(anna, ProcessingUse::kMarketing).allowed);

  ASSERT_TRUE(registry_->SetRestricted(agent_, anna, true, "accuracy_contested").ok());
  EXPECT_EQ(Verdict("newsletter", "anna@example.com"), "restricted");
  for (ProcessingUse use :
       {ProcessingUse::kMarketing, ProcessingUse::kSharing, ProcessingUse::kEnrichment,
        ProcessingUse::kAnalytics, ProcessingUse::kService}) {
    UseDecision d = Use(anna, use);
    EXPECT_FALSE(d.allowed) << ProcessingUseName(use);
    EXPECT_EQ(d.reason, "restricted") << ProcessingUseName(use);
  }
  for (ProcessingUse use :
       {ProcessingUse::kStorage, ProcessingUse::kLegalClaims, ProcessingUse::kOwnRequest}) {
    EXPECT_TRUE(Use(anna, use).allowed) << ProcessingUseName(use);
  }

  ASSERT_TRUE(registry_->SetRestricted(agent_, anna, false, "").ok());
  EXPECT_EQ(Verdict("newsletter", "anna@example.com"), "allowed");
  EXPECT_TRUE(Use(anna, ProcessingUse::kSharing).allowed);

  auto set = AuditOf("subject.restrict");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].object, "subject:" + anna);
  EXPECT_EQ(set[0].detail, R"({"changed":true,"reason":"accuracy_contested"})");
  auto lifted = AuditOf("subject.unrestrict");
  ASSERT_EQ(lifted.size(), 1u);
  EXPECT_EQ(lifted[0].detail, R"({"changed":true})");
}

TEST_F(RestrictionTest, ErasedAndUnknownSubjectsAnswerForThemselves) {
  SubjectRecord erased{"sub_e", 0, 5, std::nullopt, ""};
  EXPECT_EQ(MayUse(erased, ProcessingUse::kOwnRequest).reason, "erased");
  EXPECT_TRUE(MayUse(erased, ProcessingUse::kLegalClaims).allowed);
  EXPECT_EQ(Use("sub_nobody", ProcessingUse::kStorage).reason, "unknown");
}

TEST_F(RestrictionTest, MarketingCannotRestrictAndErasedSubjectsCannotBeRestricted) {
  const std::string anna = Person("anna@example.com", "gdpr");
  AccessContext marketing{{"usr_m", "mia", "marketing"}, "marketing", "req_m"};
  auto refused = registry_->SetRestricted(marketing, anna, true, "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "forbidden");
  ASSERT_TRUE(registry_->Erase(officer_, anna, nullptr, {}).ok());
  auto gone = registry_->SetRestricted(agent_, anna, true, "");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), "subject_not_found");
}

}  // namespace
}  // namespace privacyd
