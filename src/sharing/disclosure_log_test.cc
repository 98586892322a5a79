// The disclosure log (disclosure_log.h).
#include "sharing/disclosure_log.h"

#include <gtest/gtest.h>

#include "rights/erasure.h"
#include "rights/rights_fixture.h"

namespace privacyd {
namespace {

using nlohmann::json;

class DisclosureLogTest : public testing::RightsFixture {
 protected:
  void SetUp() override {
    RightsFixture::SetUp();
    log_ = std::make_unique<DisclosureLog>(*registry_, policy_, clock_, random_);
    erika_ = Submit("contact", {{"name", "Erika Mustermann"},
                                {"email", "erika@qzx.example"},
                                {"message", "Bitte rufen Sie mich zurück"}});
  }

  static NewDisclosure ToServiceProviders() {
    NewDisclosure d;
    d.recipient = "service_providers";
    d.purpose = "respond_to_inquiries";
    d.categories = {"user.name", "user.contact.email"};
    d.origin = "DE";
    d.request_id = "req_7";
    return d;
  }

  std::vector<DisclosureRecord> Stored() {
    return *ReadValue<std::vector<DisclosureRecord>>(
        *store_, [&](Tx& tx) { return tx.ListDisclosures(erika_); });
  }

  template <class R>
  static std::string Code(const R& r) {
    return r.ok() ? "ok" : r.error().code();
  }

  AccessContext auditor_{{"usr_x", "abe", "auditor"}, "audit", "req_x"};
  AccessContext marketing_{{"usr_m", "mia", "marketing"}, "marketing", "req_m"};
  std::unique_ptr<DisclosureLog> log_;
  std::string erika_;
};

TEST_F(DisclosureLogTest, AnAllowedDisclosureIsRecordedWithItsSafeguardAndAudited) {
  clock_.Advance(kMicrosPerSecond);
  auto d = log_->Record(agent_, erika_, ToServiceProviders());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->id.rfind("dsc_", 0), 0u);
  EXPECT_EQ(d->subject_id, erika_);
  EXPECT_EQ(d->actor, "sam");
  // Germany to the US, GB, IE and IN: the strongest safeguard any country needed.
  EXPECT_EQ(d->safeguard, "scc");
  EXPECT_EQ(d->disclosed_at, clock_.Now());
  auto stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, d->id);
  EXPECT_EQ(stored[0].categories, (std::vector<std::string>{"user.name", "user.contact.email"}));
  auto audit = AuditOf("subject.disclose");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].actor, "sam");
  EXPECT_EQ(audit[0].object, "subject:" + erika_);
  EXPECT_EQ(json::parse(audit[0].detail), (json{{"disclosure", d->id},
                                                {"recipient", "service_providers"},
                                                {"purpose", "respond_to_inquiries"},
                                                {"categories", {"user.name", "user.contact.email"}},
                                                {"origin", "DE"},
                                                {"safeguard", "scc"},
                                                {"request", "req_7"}}));
  auto listed = log_->List(auditor_, erika_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, d->id);
  ASSERT_EQ(AuditOf("subject.read_disclosures").size(), 1u);
  EXPECT_EQ(AuditOf("subject.read_disclosures")[0].detail, R"({"disclosures":1})");
}

TEST_F(DisclosureLogTest, WhatThePolicyDoesNotAllowIsRefusedAndNothingIsWritten) {
  NewDisclosure to_google = ToServiceProviders();
  to_google.recipient = "google";
  auto refused = log_->Record(officer_, erika_, to_google);
  EXPECT_EQ(Code(refused), "disclosure_not_allowed");
  EXPECT_NE(refused.error().message().find("purpose_not_allowed_for_recipient"), std::string::npos)
      << refused.error().message();
  NewDisclosure health = ToServiceProviders();
  health.categories = {"user.health_and_medical"};
  EXPECT_EQ(Code(log_->Record(officer_, erika_, health)), "disclosure_not_allowed");
  EXPECT_TRUE(Stored().empty());
  EXPECT_TRUE(AuditOf("subject.disclose").empty());
}

TEST_F(DisclosureLogTest, ARestrictedPersonsDataIsNotDisclosed) {
  ASSERT_TRUE(registry_->SetRestricted(officer_, erika_, true, "rights_request").ok());
  EXPECT_EQ(Code(log_->Record(officer_, erika_, ToServiceProviders())), "subject_restricted");
  EXPECT_TRUE(Stored().empty());
  ASSERT_TRUE(registry_->SetRestricted(officer_, erika_, false, "").ok());
  EXPECT_EQ(Code(log_->Record(officer_, erika_, ToServiceProviders())), "ok");
}

TEST_F(DisclosureLogTest, BadInputRolesAndUnknownSubjectsAreRefusedWithTheirCodes) {
  NewDisclosure d = ToServiceProviders();
  EXPECT_EQ(Code(log_->Record(marketing_, erika_, d)), "forbidden");
  EXPECT_EQ(Code(log_->Record(auditor_, erika_, d)), "forbidden");
  EXPECT_EQ(Code(log_->List(marketing_, erika_)), "forbidden");
  EXPECT_EQ(Code(log_->Record(officer_, "sub_nobody", d)), "subject_not_found");
  EXPECT_EQ(Code(log_->List(officer_, "sub_nobody")), "subject_not_found");
  d.recipient = "nobody_we_know";
  EXPECT_EQ(Code(log_->Record(officer_, erika_, d)), "unknown_recipient");
  d = ToServiceProviders();
  d.origin = "";
  EXPECT_EQ(Code(log_->Record(officer_, erika_, d)), "origin_required");
  d = ToServiceProviders();
  d.categories = {};
  EXPECT_EQ(Code(log_->Record(officer_, erika_, d)), "no_categories");
  d = ToServiceProviders();
  d.disclosed_at = clock_.Now() + kMicrosPerSecond;
  EXPECT_EQ(Code(log_->Record(officer_, erika_, d)), "invalid_disclosed_at");
  d = ToServiceProviders();
  d.request_id = "req 1; drop";
  EXPECT_EQ(Code(log_->Record(officer_, erika_, d)), "invalid_request_id");
  EXPECT_TRUE(Stored().empty());
}

TEST_F(DisclosureLogTest, ErasureKeepsTheLogAsEvidenceAndNothingMoreIsDisclosed) {
  ASSERT_TRUE(log_->Record(officer_, erika_, ToServiceProviders()).ok());
  Erasure erasure(*registry_, policy_, clock_);
  ASSERT_TRUE(erasure.Erase(officer_, erika_).ok());
  auto listed = log_->List(auditor_, erika_);
  ASSERT_TRUE(listed.ok()) << listed.error().code();
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(Code(log_->Record(officer_, erika_, ToServiceProviders())), "subject_not_found");
}

}  // namespace
}  // namespace privacyd
