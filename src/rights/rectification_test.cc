// Rectification (GDPR Art. 16): who may correct what and what the audit trail keeps of it
// (SubjectRegistry::Rectify), and the checks a corrected value passes (Rectification).
#include "rights/rectification.h"

#include <gtest/gtest.h>

#include "rights/rights_fixture.h"

namespace privacyd {
namespace {

class RectificationTest : public testing::RightsFixture {
 protected:
  int64_t IdOf(const std::string& subject, const std::string& name) {
    for (const auto& a : Read(subject).attributes) {
      if (a.name == name) return a.id;
    }
    return 0;
  }
};

TEST_F(RectificationTest, StaffCorrectAValueAndTheAuditKeepsBothProvenancesButNoValue) {
  const std::string erika = Submit(
      "contact",
      {{"name", "Erika Mustermman"}, {"email", "erika@example.com"}, {"company", "Altfirma"}});
  const int64_t name_id = IdOf(erika, "name");
  ASSERT_NE(name_id, 0);
  clock_.Advance(3600 * kMicrosPerSecond);

  auto fixed = registry_->Rectify(agent_, Rectifier::kStaff, erika, name_id, "Erika Mustermann");
  ASSERT_TRUE(fixed.ok()) << fixed.error().message();
  EXPECT_EQ(fixed->value.value, "Erika Mustermann");

  SubjectView view = Read(erika);
  ASSERT_EQ(view.attributes[0].name, "name");
  EXPECT_EQ(view.attributes[0].value, "Erika Mustermann");
  EXPECT_EQ(view.attributes[0].id, name_id);
  auto provenance = nlohmann::json::parse(view.attributes[0].provenance);
  EXPECT_EQ(provenance["source"], "direct");
  EXPECT_EQ(provenance["point"], "contact");
  EXPECT_EQ(provenance["rectified_by"], "staff:sam");
  EXPECT_EQ(provenance["rectified_at"], "2026-01-01T01:00:00.000Z");
  EXPECT_EQ(provenance["request"], "req_43");

  auto entries = AuditOf("subject.rectify");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "sam");
  EXPECT_EQ(entries[0].object, "subject:" + erika);
  auto detail = nlohmann::json::parse(entries[0].detail);
  EXPECT_EQ(detail["attribute"], "name");
  EXPECT_EQ(detail["by"], "staff");
  EXPECT_EQ(detail["old_provenance"], nlohmann::json::parse(fixed->old_provenance));
  EXPECT_FALSE(detail["old_provenance"].contains("rectified_by"));
  EXPECT_EQ(detail["new_provenance"], provenance);
  EXPECT_EQ(entries[0].detail.find("Mustermman"), std::string::npos);
  EXPECT_EQ(entries[0].detail.find("Mustermann"), std::string::npos);
}

TEST_F(RectificationTest, ThePersonCorrectsOnlyWhatTheyGaveThemselves) {
  const std::string erika =
      Submit("contact", {{"name", "Erika"}, {"email", "erika@example.com"}, {"company", "Alt"}});
  AccessContext person{{"", "", ""}, "rights_request", "dsr_7"};
  auto fixed =
      registry_->Rectify(person, Rectifier::kSubject, erika, IdOf(erika, "company"), "Neu GmbH");
  ASSERT_TRUE(fixed.ok()) << fixed.error().message();
  auto entries = AuditOf("subject.rectify");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "subject:" + erika);
  EXPECT_TRUE(IsSelfAsserted(fixed->value.provenance));

  // What staff entered is not the person's to change.
  auto staff_value = registry_->Create(agent_, {{{"email", "max@example.com"}}, {{"vip", "yes"}}});
  ASSERT_TRUE(staff_value.ok());
  auto refused = registry_->Rectify(person, Rectifier::kSubject, staff_value->id,
                                    IdOf(staff_value->id, "vip"), "no");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "not_self_asserted");

  AccessContext no_request{{"", "", ""}, "rights_request", ""};
  auto anonymous =
      registry_->Rectify(no_request, Rectifier::kSubject, erika, IdOf(erika, "name"), "X");
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.error().code(), "request_required");
  AccessContext marketing{{"usr_m", "mia", "marketing"}, "marketing", "req_m"};
  EXPECT_EQ(registry_->Rectify(marketing, Rectifier::kStaff, erika, IdOf(erika, "name"), "X")
                .error()
                .code(),
            "forbidden");
  EXPECT_EQ(registry_->Rectify(agent_, Rectifier::kStaff, erika, 999999, "X").error().code(),
            "attribute_not_found");
}

TEST_F(RectificationTest, ACorrectionPassesTheChecksOfItsCollectionPoint) {
  testing::FakeGuard guard({{"1234 5678 9012 3456", guard::FindingType::kCreditCard}});
  Rectification rectification(*registry_, policy_, &guard);
  const std::string erika =
      Submit("contact",
             {{"name", "Erika"}, {"email", "erika@example.com"}, {"message", "Bitte um Rückruf"}});
  const int64_t message = IdOf(erika, "message");

  auto refused = rectification.Correct(agent_, Rectifier::kStaff, erika, message,
                                       "Meine Karte: 1234 5678 9012 3456");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "sensitive_data");
  EXPECT_EQ(refused.error().message().find("1234"), std::string::npos);
  EXPECT_TRUE(AuditOf("subject.rectify").empty());
  EXPECT_EQ(Read(erika).attributes[2].value, "Bitte um Rückruf");

  auto fixed = rectification.Correct(agent_, Rectifier::kStaff, erika, message,
                                     "Bitte um Rückruf am Montag");
  ASSERT_TRUE(fixed.ok()) << fixed.error().message();
  EXPECT_EQ(Read(erika).attributes[2].value, "Bitte um Rückruf am Montag");

  auto identity = rectification.Correct(agent_, Rectifier::kStaff, erika, IdOf(erika, "email"),
                                        "erika@example.org");
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.error().code(), "identity_not_rectifiable");

  Rectification blind(*registry_, policy_, nullptr);
  EXPECT_EQ(blind.Correct(agent_, Rectifier::kStaff, erika, message, "x").error().code(),
            "scanner_unavailable");
  EXPECT_TRUE(
      blind.Correct(agent_, Rectifier::kStaff, erika, IdOf(erika, "name"), "Erika M.").ok());
}

TEST(SelfAsserted, ReadsTheProvenance) {
  EXPECT_TRUE(IsSelfAsserted(R"({"source":"direct","point":"contact"})"));
  EXPECT_FALSE(IsSelfAsserted(R"({"source":"direct","via":"webhook:mailer"})"));
  EXPECT_FALSE(IsSelfAsserted(R"({"source":"enrichment:zoominfo","import":"imp_1"})"));
  EXPECT_FALSE(IsSelfAsserted(R"({"source":"staff:sam"})"));
  EXPECT_TRUE(IsSelfAsserted(R"({"source":"staff:sam","rectified_by":"subject"})"));
  EXPECT_FALSE(IsSelfAsserted("not json"));
}

}  // namespace
}  // namespace privacyd
