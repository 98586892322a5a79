#include "consent/mail_delivery.h"

#include <gtest/gtest.h>

#include <set>

#include "policy/policy_versions.h"
#include "testing/consent_fixture.h"
#include "testing/fake_mail_transport.h"

namespace privacyd {
namespace {

class MailDeliveryTest : public testing::ConsentFixture {
 protected:
  void SetUp() override {
    ConsentFixture::SetUp();
    delivery_ = std::make_unique<MailDelivery>(
        *store_, *registry_, policy_, *ledger_, *outbox_, transport_, nullptr,
        MailDeliverySettings{"Privacy Team <privacy@mail.example.com>",
                             "unsubscribe@mail.example.com"},
        audit_, clock_);
  }

  // Runs every queued job of `kind` not run before, as the runner would; their statuses.
  std::vector<Status> Run(const std::string& kind) {
    std::vector<Status> out;
    auto jobs = ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(JobState::kQueued, 1000); });
    for (const auto& job : *jobs) {
      if (job.kind != kind || !ran_.insert(job.id).second) continue;
      if (kind == kMailJob) out.push_back(delivery_->SendQueued(job));
      if (kind == kReferralEmailJob) out.push_back(delivery_->SendReferral(job));
      if (kind == kChangeNoticeJob) out.push_back(delivery_->FanOutChangeNotice(job));
    }
    return out;
  }

  // The value of header `name` in a rendered message ("" when absent), unfolded.
  static std::string Header(const std::string& rendered, const std::string& name) {
    std::string head = rendered.substr(0, rendered.find("\r\n\r\n"));
    size_t at = ("\r\n" + head).find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    std::string value;
    size_t pos = at + name.size() + 2;
    for (;;) {
      size_t end = head.find("\r\n", pos);
      value += head.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (end == std::string::npos || (head[end + 2] != ' ' && head[end + 2] != '\t')) break;
      pos = end + 2;
    }
    return value;
  }

  std::set<int64_t> ran_;
  testing::FakeMailTransport transport_;
  std::unique_ptr<MailDelivery> delivery_;
};

TEST_F(MailDeliveryTest, TheDoubleOptInMailCarriesItsConfirmLinkAndNoUnsubscribeHeaders) {
  std::string id = Person("anna@example.de", "gdpr");
  ASSERT_TRUE(FormTopics(id, {"newsletter"}).ok());
  auto statuses = Run(kMailJob);
  ASSERT_EQ(statuses.size(), 1u);
  ASSERT_TRUE(statuses[0].ok()) << statuses[0].error().message();
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].recipient, "anna@example.de");
  EXPECT_EQ(sent[0].envelope_from, "privacy@mail.example.com");
  EXPECT_EQ(Header(sent[0].rendered, "To"), "anna@example.de");
  EXPECT_EQ(Header(sent[0].rendered, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(Header(sent[0].rendered, "List-Unsubscribe"), "");
  // German, as the form was: the quoted-printable body holds the confirm link.
  EXPECT_NE(sent[0].rendered.find("https://privacy.example.com/c/"), std::string::npos);
  auto trail = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    q.action = "mail.sent";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(trail->size(), 1u);
  EXPECT_EQ(trail->back().object, "subject:" + id);
  EXPECT_EQ(trail->back().detail.find("anna"), std::string::npos);
}

TEST_F(MailDeliveryTest, MailToAnErasedPersonOrOneWhoUnsubscribedMeanwhileIsDropped) {
  std::string anna = Person("anna@example.de", "gdpr");
  ASSERT_TRUE(FormTopics(anna, {"newsletter"}).ok());
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(tx.MarkSubjectErased(anna, clock_.Now()));
                    return tx.DeleteSubjectData(anna);
                  })
                  .ok());
  // Marketing mail queued for someone who then unsubscribed.
  std::string bob = Person("bob@example.com", "ccpa");
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) {
                    OutgoingMail mail;
                    mail.subject_id = bob;
                    mail.template_name = "statement_change";
                    mail.language = "en";
                    mail.topic = "newsletter";
                    mail.vars = {{"version", "2"},
                                 {"effective_date", "2026-12-01"},
                                 {"changes", nlohmann::json::array()},
                                 {"statement_url", "https://x.example/s"}};
                    return StatusOf(outbox_->Enqueue(tx, mail));
                  })
                  .ok());
  ASSERT_TRUE(ledger_->Change(bob, "newsletter", "withdraw", Source(kMethodOneClick)).ok());
  for (const Status& s : Run(kMailJob)) EXPECT_TRUE(s.ok());
  EXPECT_EQ(transport_.attempts(), 0);
}

TEST_F(MailDeliveryTest, AChangeNoticeGoesToSubscribersWithOneClickUnsubscribeHeaders) {
  std::string subscriber = Person("sub@example.com", "ccpa");
  Person("other@example.com", "ccpa");  // not subscribed to the Trust Center Update
  ASSERT_TRUE(
      ledger_->Change(subscriber, "trust_center_update", "grant", Source(kMethodPreferenceCenter))
          .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(
                        tx.InsertPolicyVersion({"2027-01", clock_.Now(), clock_.Now(), "src", true,
                                                R"([{"clause":"purposes.x","kind":"added",)"
                                                R"("before":"","after":"x","material":true,)"
                                                R"("why":"new purpose"}])"}));
                    JobRecord job;
                    job.kind = kChangeNoticeJob;
                    job.payload = R"({"version":"2027-01","topics":["trust_center_update"]})";
                    job.run_at = clock_.Now();
                    return StatusOf(tx.EnqueueJob(job));
                  })
                  .ok());
  for (const Status& s : Run(kChangeNoticeJob)) ASSERT_TRUE(s.ok()) << s.error().message();
  // Fanning out again (a retry after a crash) queues nothing twice.
  ASSERT_TRUE(
      delivery_
          ->FanOutChangeNotice(
              {0, kChangeNoticeJob, R"({"version":"2027-01","topics":["trust_center_update"]})"})
          .ok());
  // In the subscriber's language (the Preference Center was German), in the statement's words.
  auto jobs = MailJobs();
  ASSERT_EQ(jobs.size(), 1u);
  auto queued = Outbox::Parse(jobs[0].payload);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->language, "de");
  auto vars =
      ReadValue<nlohmann::json>(*store_, [&](Tx& tx) { return outbox_->OpenVars(tx, *queued); });
  ASSERT_TRUE(vars.ok());
  EXPECT_EQ((*vars)["changes"],
            nlohmann::json::array({"wir nutzen Daten für einen neuen Zweck (x)"}));
  for (const Status& s : Run(kMailJob)) ASSERT_TRUE(s.ok()) << s.error().message();
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].recipient, "sub@example.com");
  EXPECT_EQ(Header(sent[0].rendered, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  std::string list = Header(sent[0].rendered, "List-Unsubscribe");
  ASSERT_EQ(list.rfind("<https://privacy.example.com/u/", 0), 0u) << list;
  EXPECT_NE(list.find(">, <mailto:unsubscribe@mail.example.com?subject=unsubscribe%20"),
            std::string::npos)
      << list;
  // The link unsubscribes exactly this person from exactly this topic, for this message.
  std::string url = list.substr(1, list.find('>') - 1);
  auto claims = links_->Verify(url.substr(url.rfind('/') + 1), clock_.Now());
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->purpose, LinkPurpose::kUnsubscribe);
  EXPECT_EQ(claims->subject_id, subscriber);
  EXPECT_EQ(claims->topic, "trust_center_update");
  EXPECT_EQ(Header(sent[0].rendered, "Message-ID"), "<" + claims->message_id + ">");
}

TEST_F(MailDeliveryTest, ARelayFailureFailsTheJobSoItIsRetried) {
  std::string id = Person("anna@example.de", "gdpr");
  ASSERT_TRUE(FormTopics(id, {"newsletter"}).ok());
  transport_.FailNext(Error(ErrorKind::kUnavailable, "smtp_temporary_failure", "451"));
  auto statuses = Run(kMailJob);
  ASSERT_EQ(statuses.size(), 1u);
  ASSERT_FALSE(statuses[0].ok());
  EXPECT_EQ(statuses[0].error().code(), "smtp_temporary_failure");
  EXPECT_TRUE(transport_.sent().empty());
}

TEST_F(MailDeliveryTest, AReferralIsSentOnceAndItsAddressForgotten) {
  Collected data;
  data.identities = {{"email", "referrer@example.com"}};
  data.provenance = "{}";
  data.referred_emails = {"colleague@example.com", "objector@example.com"};
  data.point = "referral";
  // The second colleague objected before (as if they had been a subject once).
  auto index = registry_->IdentityIndex({"email", "objector@example.com"});
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) {
                    return tx.AddSuppression({"email", *index, "objection", clock_.Now()});
                  })
                  .ok());
  AccessContext pub{{"", "", ""}, "collection", "req_c"};
  auto into = registry_->Collect(pub, data);
  ASSERT_TRUE(into.ok());
  EXPECT_EQ(into->referrals_queued, 1u);  // the objector is not even queued
  for (const Status& s : Run(kReferralEmailJob)) ASSERT_TRUE(s.ok()) << s.error().message();
  auto sent = transport_.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].recipient, "colleague@example.com");
  std::string list = Header(sent[0].rendered, "List-Unsubscribe");
  std::string url = list.substr(1, list.find('>') - 1);
  auto claims = links_->Verify(url.substr(url.rfind('/') + 1), clock_.Now());
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->subject_id.rfind("email:", 0), 0u);
  // The address is gone from the store; running the job again sends nothing.
  auto referral_index = keyring_->BlindIndex("referral", "colleague@example.com");
  auto record = ReadValue<std::optional<ReferralRecord>>(
      *store_, [&](Tx& tx) { return tx.GetReferral(referral_index); });
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_TRUE((*record)->sealed_address.empty());
  EXPECT_TRUE((*record)->sent_at.has_value());
  JobRecord again{0, kReferralEmailJob, nlohmann::json{{"referral", ToHex(referral_index)}}.dump()};
  EXPECT_TRUE(delivery_->SendReferral(again).ok());
  EXPECT_EQ(transport_.sent().size(), 1u);
}

}  // namespace
}  // namespace privacyd
