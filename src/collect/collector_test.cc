#include "collect/collector.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/secret.h"
#include "testing/collection_fixture.h"
#include "testing/fake_guard.h"

namespace privacyd {
namespace {

using guard::FindingType;
using nlohmann::json;

Submission Form(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Submission s;
  for (const auto& [name, value] : fields) s[name].text = value;
  return s;
}

class CollectorTest : public testing::CollectionFixture {
 protected:
  void SetUp() override {
    CollectionFixture::SetUp();
    collector_ = std::make_unique<Collector>(policy_, *registry_, &guard_, clock_, random_);
  }

  CollectionOutcome Collect(const std::string& point, const Submission& s,
                            CollectionDoor door = CollectionDoor::kPublic,
                            const Principal* who = nullptr) {
    Submitter submitter;
    submitter.door = door;
    submitter.principal = who;
    submitter.request_id = "req_1";
    auto outcome = collector_->Collect(point, s, submitter);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message();
    return outcome.ok() ? *outcome : CollectionOutcome{};
  }

  int64_t Count(const std::string& what) {
    return *ReadValue<int64_t>(*store_, [&](Tx& tx) -> Result<int64_t> {
      AuditQuery q;
      q.limit = 1000;
      PD_ASSIGN_OR_RETURN(auto audit, tx.ListAudit(q));
      if (what == "audit") return static_cast<int64_t>(audit.size());
      int64_t n = 0;
      for (const auto& a : audit) {
        if (a.action == "subject.collect") ++n;
      }
      return n;
    });
  }

  testing::FakeGuard guard_{
      {{"diagnosed with diabetes", FindingType::kHealth}, {"078-05-1121", FindingType::kUsSsn}}};
  std::unique_ptr<Collector> collector_;
};

TEST_F(CollectorTest, StoresADeclaredWebFormWithProvenance) {
  auto outcome = Collect("white_paper", Form({{"name", "Ada Lovelace"},
                                              {"email", " Ada@Bücher.Example "},
                                              {"company", "Analytical Engines"},
                                              {"country", "gb"},
                                              {"age_confirmed", "on"}}));
  ASSERT_TRUE(outcome.receipt) << (outcome.problems.empty() ? "" : outcome.problems[0].code);
  const CollectionReceipt& r = *outcome.receipt;
  EXPECT_TRUE(r.new_subject);
  EXPECT_EQ(r.channel, "web_form");
  EXPECT_EQ(r.statement_version, policy_.Current()->version);
  ASSERT_EQ(r.stored.size(), 4u);  // job_title was not sent: nothing stored for it
  EXPECT_EQ(r.stored[1].field, "email");
  EXPECT_EQ(r.stored[1].category, "user.contact.email");
  EXPECT_EQ(r.stored[1].purposes, std::vector<std::string>{"respond_to_inquiries"});

  SubjectView view = Read(r.subject_id);
  ASSERT_EQ(view.identities.size(), 1u);
  EXPECT_EQ(view.identities[0].value, "ada@xn--bcher-kva.example");
  ASSERT_EQ(view.attributes.size(), 4u);
  EXPECT_EQ(view.attributes[3].name, "country");
  EXPECT_EQ(view.attributes[3].value, "GB");
  json provenance = json::parse(view.attributes[0].provenance);
  EXPECT_EQ(provenance["source"], "direct");
  EXPECT_EQ(provenance["point"], "white_paper");
  EXPECT_EQ(provenance["channel"], "web_form");
  EXPECT_EQ(provenance["collected_at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(provenance["statement_version"], policy_.Current()->version);
  EXPECT_EQ(provenance["purposes"], json::array({"respond_to_inquiries"}));
  EXPECT_EQ(provenance["receipt"], r.id);
  EXPECT_EQ(provenance["age_signal"], "age_confirmed");
  EXPECT_EQ(Count("collect"), 1);
}

TEST_F(CollectorTest, ASecondSubmissionMergesIntoTheSamePerson) {
  auto first = Collect("contact", Form({{"name", "Ada"}, {"email", "ada@example.com"}}));
  ASSERT_TRUE(first.receipt);
  auto second = Collect("partner_inquiry", Form({{"name", "Ada L."},
                                                 {"email", "ADA@example.com"},
                                                 {"phone", "030 901820"},
                                                 {"company", "Engines"},
                                                 {"country", "DE"},
                                                 {"age_confirmed", "true"}}));
  ASSERT_TRUE(second.receipt);
  EXPECT_EQ(second.receipt->subject_id, first.receipt->subject_id);
  EXPECT_FALSE(second.receipt->new_subject);
  SubjectView view = Read(first.receipt->subject_id);
  ASSERT_EQ(view.identities.size(), 2u);
  EXPECT_EQ(view.identities[1].kind, "phone");
  EXPECT_EQ(view.identities[1].value, "+4930901820");  // read in the form's country
  std::set<std::string> points;
  for (const auto& a : view.attributes) points.insert(json::parse(a.provenance)["point"]);
  EXPECT_EQ(points, (std::set<std::string>{"contact", "partner_inquiry"}));
  // Found again by the phone number alone.
  AccessContext agent{{"usr_1", "sam", "support_agent"}, "support", "req_3"};
  auto found = registry_->FindByIdentity(agent, {"phone", "+49 30 901820"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, first.receipt->subject_id);
}

TEST_F(CollectorTest, RefusesEveryOffendingFieldAndStoresNothing) {
  auto outcome = Collect("partner_inquiry", Form({{"name", "Ada"},
                                                  {"email", "not an address"},
                                                  {"phone", "12"},
                                                  {"country", "Germany"},
                                                  {"favourite_colour", "blue"},
                                                  {"age_confirmed", "on"}}));
  ASSERT_FALSE(outcome.receipt);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& p : outcome.problems) got.emplace_back(p.field, p.code);
  std::vector<std::pair<std::string, std::string>> want = {{"favourite_colour", "undeclared_field"},
                                                           {"email", "invalid_format"},
                                                           {"phone", "invalid_format"},
                                                           {"company", "missing_required"},
                                                           {"country", "invalid_format"}};
  EXPECT_EQ(got, want);
  for (const auto& p : outcome.problems) {
    EXPECT_EQ(p.detail.find("not an address"), std::string::npos) << p.detail;
    EXPECT_EQ(p.detail.find("blue"), std::string::npos) << p.detail;
  }
  EXPECT_EQ(Count("audit"), 0);
}

TEST_F(CollectorTest, TheAgeGateRefusesMinorsAndAsksForTheSignal) {
  auto minor = Collect("trial", Form({{"name", "Kid"},
                                      {"email", "kid@example.com"},
                                      {"company", "School"},
                                      {"job_title", "Pupil"},
                                      {"country", "FR"},
                                      {"age_confirmed", "off"}}));
  ASSERT_EQ(minor.problems.size(), 1u);
  EXPECT_EQ(minor.problems[0].field, "age_confirmed");
  EXPECT_EQ(minor.problems[0].code, "under_minimum_age");

  auto silent = Collect("trial", Form({{"name", "Kid"},
                                       {"email", "kid@example.com"},
                                       {"company", "School"},
                                       {"job_title", "Pupil"},
                                       {"country", "FR"}}));
  ASSERT_EQ(silent.problems.size(), 1u);
  EXPECT_EQ(silent.problems[0].code, "missing_required");
  EXPECT_EQ(Count("audit"), 0);
}

TEST_F(CollectorTest, BirthDatesAndAgesAreCheckedAgainstTheMinimumAndNotStored) {
  // The contact point, with a birth date instead of no signal (minimum age 18; today is
  // 2026-01-01).
  policy_.Replace(
      testing::ExamplePolicyWith("    topics: [newsletter]\n    cors_origins",
                                 "    topics: [newsletter]\n    age_signal: birth_date\n"
                                 "    cors_origins"));
  auto form = [](const char* birth) {
    return Form({{"name", "B"}, {"email", "b@example.com"}, {"birth_date", birth}});
  };
  auto under = Collect("contact", form("2008-01-02"));  // 17 until tomorrow
  ASSERT_EQ(under.problems.size(), 1u);
  EXPECT_EQ(under.problems[0].code, "under_minimum_age");
  EXPECT_EQ(Collect("contact", form("2008-02-30")).problems.at(0).code, "invalid_format");
  EXPECT_EQ(Collect("contact", form("2027-01-01")).problems.at(0).code, "invalid_format");
  auto adult = Collect("contact", form("2008-01-01"));  // 18 today
  ASSERT_TRUE(adult.receipt);
  for (const auto& a : Read(adult.receipt->subject_id).attributes) {
    EXPECT_NE(a.name, "birth_date");
  }
}

TEST_F(CollectorTest, FreeTextWithSensitiveDataIsRefusedWithCharacterOffsets) {
  auto outcome =
      Collect("contact", Form({{"name", "Zoë"},
                               {"email", "zoe@example.com"},
                               {"message", "Grüße! I was diagnosed with diabetes last year."}}));
  ASSERT_EQ(outcome.problems.size(), 1u);
  const FieldProblem& p = outcome.problems[0];
  EXPECT_EQ(p.field, "message");
  EXPECT_EQ(p.code, "sensitive_data");
  EXPECT_EQ(p.type, "HEALTH");
  EXPECT_EQ(p.category, "user.health");
  EXPECT_NE(p.detail.find("health information"), std::string::npos) << p.detail;
  EXPECT_EQ(p.start, 13u);  // characters: "Grüße! I was " is 13 characters and 15 bytes
  EXPECT_EQ(p.end, 36u);
  EXPECT_EQ(p.detail.find("diabetes"), std::string::npos);
  EXPECT_EQ(Count("audit"), 0);
}

TEST_F(CollectorTest, ARedactAndFlagPointStoresTheTextWithoutTheFinding) {
  policy_.Replace(testing::ExamplePolicyWith(
      "    public_facing: true\n",
      "    public_facing: true\n    on_sensitive_data: redact_and_flag\n"));
  auto outcome = Collect("community", Form({{"name", "Ann"},
                                            {"email", "ann@example.com"},
                                            {"post", "My SSN is 078-05-1121, help!"},
                                            {"age_confirmed", "yes"}}));
  ASSERT_TRUE(outcome.receipt);
  EXPECT_TRUE(outcome.receipt->flagged_for_review);
  SubjectView view = Read(outcome.receipt->subject_id);
  ASSERT_EQ(view.attributes.size(), 3u);
  EXPECT_EQ(view.attributes[2].value, "My SSN is [US_SSN], help!");
  json provenance = json::parse(view.attributes[2].provenance);
  EXPECT_EQ(provenance["review"], true);
  EXPECT_EQ(provenance["public_facing"], true);
  EXPECT_EQ(
      provenance["redactions"],
      json::parse(
          R"([{"field":"post","type":"US_SSN","category":"user.government_id.national_identification_number"}])"));
}

TEST_F(CollectorTest, EachChannelHasItsDoorAndStaffAreRecordedAsTheSource) {
  Submission call = Form({{"name", "Caller"}, {"phone", "+44 20 7946 0018"}});
  Submitter web;
  auto wrong = collector_->Collect("phone", call, web);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), "collection_point_not_found");
  EXPECT_NE(wrong.error().message().find("/v1/admin/collect/phone"), std::string::npos);

  Principal marketing{"usr_3", "mia", "marketing"};
  Submitter as_marketing{CollectionDoor::kStaff, &marketing, "req", ""};
  EXPECT_EQ(collector_->Collect("phone", call, as_marketing).error().code(), "forbidden");

  Principal agent{"usr_1", "sam", "support_agent"};
  auto entered = Collect("phone", call, CollectionDoor::kStaff, &agent);
  ASSERT_TRUE(entered.receipt);
  SubjectView view = Read(entered.receipt->subject_id);
  EXPECT_EQ(json::parse(view.attributes[0].provenance)["source"], "staff:sam");

  Principal tool{"usr_4", "survey-tool", "marketing"};
  auto answer = Collect("survey_response",
                        Form({{"email", "r@example.com"},
                              {"answers", "More reports please"},
                              {"age_confirmed", "true"}}),
                        CollectionDoor::kWebhook, &tool);
  ASSERT_TRUE(answer.receipt);
  json provenance = json::parse(Read(answer.receipt->subject_id).attributes[0].provenance);
  EXPECT_EQ(provenance["source"], "direct");
  EXPECT_EQ(provenance["via"], "webhook:survey-tool");
  EXPECT_EQ(provenance["channel"], "email_response");
}

TEST_F(CollectorTest, WrongTypesAndControlCharactersAreRefused) {
  Submission s = Form({{"name", "A\x01"}, {"email", "a@example.com"}});
  s["company"].kind = SubmittedValue::Kind::kNumber;
  s["company"].text = "42";
  s["message"].text = "line one\nline two";  // line breaks are fine in free text
  auto outcome = Collect("contact", s);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& p : outcome.problems) got.emplace_back(p.field, p.code);
  std::vector<std::pair<std::string, std::string>> want = {{"name", "control_characters"},
                                                           {"company", "invalid_type"}};
  EXPECT_EQ(got, want);
}

TEST_F(CollectorTest, TopicsMustBeOfferedByThePoint) {
  Submission s = Form({{"name", "T"}, {"email", "t@example.com"}});
  s["topics"].kind = SubmittedValue::Kind::kList;
  s["topics"].items = {"newsletter", "product_alerts"};
  auto refused = Collect("contact", s);
  ASSERT_EQ(refused.problems.size(), 1u);
  EXPECT_EQ(refused.problems[0].code, "undeclared_topic");
  s["topics"].items = {"newsletter", "newsletter"};
  auto accepted = Collect("contact", s);
  ASSERT_TRUE(accepted.receipt);
  EXPECT_EQ(accepted.receipt->topics, std::vector<std::string>{"newsletter"});
}

TEST_F(CollectorTest, AReferralWritesOnceToTheColleagueAndKeepsNothingElseOfThem) {
  auto refer = [&](const char* referrer, const char* colleague) {
    return Collect("referral", Form({{"referrer_name", "Rita"},
                                     {"referrer_email", referrer},
                                     {"referred_email", colleague},
                                     {"age_confirmed", "on"}}));
  };
  auto first = refer("rita@example.com", "Colleague@Example.com");
  ASSERT_TRUE(first.receipt);
  EXPECT_EQ(first.receipt->referrals, 1u);
  // The referrer's data only: the colleague's address is not one of their values.
  SubjectView rita = Read(first.receipt->subject_id);
  std::vector<std::string> names;
  for (const auto& a : rita.attributes) names.push_back(a.name);
  EXPECT_EQ(names, (std::vector<std::string>{"referrer_name", "referrer_email"}));
  // Someone else refers the same colleague: no second email.
  ASSERT_TRUE(refer("rob@example.com", "colleague@example.com").receipt);
  auto jobs = *ReadValue<std::vector<JobRecord>>(
      *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 10); });
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].kind, kReferralEmailJob);
  EXPECT_EQ(jobs[0].payload.find("colleague"), std::string::npos);  // only the blind index
  std::string index;
  ASSERT_TRUE(
      FromHex(nlohmann::json::parse(jobs[0].payload)["referral"].get<std::string>(), &index));
  auto referral = *ReadValue<std::optional<ReferralRecord>>(
      *store_, [&](Tx& tx) { return tx.GetReferral(index); });
  ASSERT_TRUE(referral);
  EXPECT_EQ(referral->referrer_id, first.receipt->subject_id);
  EXPECT_FALSE(referral->sealed_address.empty());
  EXPECT_EQ(referral->sealed_address.find("colleague"), std::string::npos);  // sealed
  // Nobody became a subject for the colleague.
  AccessContext agent{{"usr_1", "sam", "support_agent"}, "support", "req_3"};
  EXPECT_TRUE(registry_->FindByIdentity(agent, {"email", "colleague@example.com"})->empty());
}

TEST_F(CollectorTest, UnknownPointsAreNotFound) {
  auto outcome = collector_->Collect("contakt", Form({{"email", "a@example.com"}}), Submitter{});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), "collection_point_not_found");
  EXPECT_NE(outcome.error().message().find("did you mean 'contact'"), std::string::npos);
}

}  // namespace
}  // namespace privacyd
