// The evidence of a request (request_evidence.h).
#include "rights/request_evidence.h"

#include <gtest/gtest.h>

#include "crypto/sealing.h"
#include "crypto/secret.h"
#include "guard/guard.h"
#include "jobs/job_queue.h"
#include "rights/access_package.h"
#include "rights/request_mail.h"
#include "rights/rights_fixture.h"
#include "testing/fake_mail_transport.h"

namespace privacyd {
namespace {

using nlohmann::json;

const Principal kOfficer{"usr_o", "olga", "privacy_officer"};
const Principal kMarketing{"usr_m", "mia", "marketing"};
constexpr Micros kHour = 3600LL * kMicrosPerSecond;
constexpr Micros kDay = 24 * kHour;

class RequestEvidenceTest : public testing::FulfilmentFixture {
 protected:
  void SetUp() override {
    FulfilmentFixture::SetUp();
    mail_ =
        std::make_unique<RequestMail>(*store_, keyring_, policy_, transport_, nullptr,
                                      "privacy@example.com", "mail.example.com", audit_, clock_);
    evidence_ = std::make_unique<RequestEvidenceBuilder>(*store_, *service_, audit_, policy_,
                                                         clock_, "mail.example.com");
  }

  // Runs every due request mail job through the fake transport, as the job runner does: sent,
  // the job is done; refused, it is tried again later, or is dead after its last attempt.
  void SendMail() {
    JobQueue queue(*store_, clock_, random_);
    for (;;) {
      auto claimed = queue.Claim({kRequestMailJob}, "test", kHour);
      ASSERT_TRUE(claimed.ok());
      if (!claimed->job) return;
      Status sent = mail_->Send(*claimed->job);
      Status recorded = sent.ok() ? queue.Complete(*claimed->job, "test")
                                  : queue.Fail(*claimed->job, "test", sent.error());
      ASSERT_TRUE(recorded.ok());
    }
  }

  // The code of the last one-time code mail queued for the request, opened with its key.
  std::string LastCode(const std::string& id) {
    std::string code;
    auto jobs = *ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
    for (const auto& job : jobs) {
      if (job.kind != kRequestMailJob) continue;
      json p = json::parse(job.payload);
      if (p["request"] != id || p["template"] != "one_time_code") continue;
      auto r = *ReadValue<std::optional<RequestRecord>>(*store_,
                                                        [&](Tx& tx) { return tx.GetRequest(id); });
      SecretBytes key = *keyring_->Unwrap("request", r->id, r->master_key_id, r->wrapped_key);
      std::string sealed;
      EXPECT_TRUE(FromHex(p["vars"].get<std::string>(), &sealed));
      auto vars =
          Open(key, sealed, "request:" + id + ":mail:" + p["message_id"].get<std::string>());
      EXPECT_TRUE(vars.ok());
      if (vars.ok()) code = json::parse(*vars)["code"].get<std::string>();
    }
    return code;
  }

  testing::FakeMailTransport transport_;
  std::unique_ptr<RequestMail> mail_;
  std::unique_ptr<RequestEvidenceBuilder> evidence_;
};

TEST_F(RequestEvidenceTest, AnErasureWithStatutoryRetentionShowsEveryStepWhatWasKeptAndWhy) {
  policy_.Replace(testing::WithStatutoryQuotes());
  Erika();
  Submit("quote", {{"name", "Erika Mustermann"},
                   {"email", "erika@qzx.example"},
                   {"company", "Angebotsfirma Unikat AG"},
                   {"country", "DE"},
                   {"age_confirmed", "true"},
                   {"requirements", "500 Lizenzen"}});
  const std::string id = Started({"erasure"}, "erika@qzx.example");
  clock_.Advance(kDay);
  ASSERT_TRUE(service_->Extend(kOfficer, id, "Many systems <to> check", std::nullopt, "hr_4").ok());
  clock_.Advance(kDay);
  ASSERT_EQ(service_->Transition(kOfficer, id, "complete", "", "hr_5")->state,
            "partially_completed");
  SendMail();
  clock_.Advance(kHour);

  auto built = evidence_->Build(kOfficer, id, "json", "hr_6");
  ASSERT_TRUE(built.ok()) << built.error().code();
  const RequestEvidence& e = *built;
  EXPECT_EQ(e.identity, "email on file");
  std::vector<std::string> steps;
  for (const auto& s : e.steps) {
    steps.push_back(s.action + ":" + s.actor.Label() + ":" + s.to_state + ":" + s.reason);
  }
  EXPECT_EQ(steps, (std::vector<std::string>{
                       "intake:olga:received:",
                       "verify:olga:verified:identity checked by staff",
                       "start:olga:in_progress:",
                       "extend:olga:in_progress:Many systems <to> check",
                       "fulfil_erasure:olga:in_progress:",
                       "complete:olga:partially_completed:" + e.steps.back().reason,
                   }));
  EXPECT_NE(e.steps.back().reason.find("Handelsrecht"), std::string::npos);
  EXPECT_EQ(e.steps[3].at, 1'767'225'600LL * kMicrosPerSecond + kDay);

  ASSERT_EQ(e.findings.size(), 1u);
  const EvidenceFinding& f = e.findings[0];
  EXPECT_EQ(f.right, "erasure");
  EXPECT_EQ(f.actor.kind, "staff");
  EXPECT_EQ(f.actor.name, "olga");
  EXPECT_EQ(f.counts, (std::map<std::string, int64_t>{{"attributes_deleted", 4},
                                                      {"identities_cleared", 0},
                                                      {"kept", 6},
                                                      {"referral_addresses_deleted", 0}}));
  EXPECT_EQ(f.flags, (std::map<std::string, bool>{{"key_destroyed", false}}));
  int64_t found = 0;
  for (const auto& [category, n] : f.categories) found += n;
  EXPECT_EQ(found, 10);  // the 4 deleted and the 6 kept
  ASSERT_EQ(f.kept.size(), 6u);
  for (const auto& k : f.kept) {
    EXPECT_EQ(k.exemption, "statutory_retention:quote") << k.field;
    EXPECT_EQ(k.reason,
              "statutory retention for \"Providing a quote\": Commercial law requires it.");
  }
  EXPECT_EQ(f.kept.back().field, "email");
  EXPECT_TRUE(f.kept.back().identity);
  EXPECT_EQ(f.kept.back().category, "user.contact.email");

  std::vector<std::string> mail;
  for (const auto& m : e.mail) mail.push_back(m.template_name + ":" + m.recipient);
  EXPECT_EQ(mail, (std::vector<std::string>{"request_extended:the person",
                                            "request_completed:the person"}));
  ASSERT_EQ(transport_.sent().size(), 2u);
  EXPECT_NE(transport_.sent()[0].rendered.find("Message-ID: <" + e.mail[0].message_id + ">"),
            std::string::npos);

  EXPECT_EQ(e.deadline.received_at, 1'767'225'600LL * kMicrosPerSecond);
  EXPECT_EQ(FormatRfc3339(e.deadline.original_due_at), "2026-02-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(e.deadline.due_at), "2026-04-01T00:00:00.000Z");
  EXPECT_TRUE(e.deadline.extended);
  EXPECT_EQ(e.deadline.status, "met");
  EXPECT_EQ(e.generated_by, "olga");

  const std::string text = EvidenceJson(e);
  EXPECT_EQ(text.find("erika"), std::string::npos);
  EXPECT_EQ(text.find("Erika"), std::string::npos);
  EXPECT_EQ(text.find("Lizenzen"), std::string::npos);
  json doc = json::parse(text);
  EXPECT_EQ(doc["request"]["identity"], "email on file");
  EXPECT_EQ(doc["deadline"]["extended_due_at"], "2026-04-01T00:00:00.000Z");
  EXPECT_EQ(doc["deadline"]["met"], true);
  EXPECT_EQ(doc["steps"][3]["actor"],
            (json{{"kind", "staff"}, {"label", "olga"}, {"name", "olga"}}));
  EXPECT_EQ(doc["findings"][0]["kept"][0]["until"], "2028-01-01T00:00:00.000Z");

  // The view itself is audited, and is no step of the evidence.
  auto views = AuditOf("request.evidence");
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].actor, "olga");
  EXPECT_EQ(views[0].object, "request:" + id);
  EXPECT_EQ(views[0].request_id, "hr_6");
  EXPECT_EQ(views[0].detail, R"({"format":"json"})");
  EXPECT_EQ(evidence_->Build(kOfficer, id, "html", "hr_7")->steps.size(), e.steps.size());
}

TEST_F(RequestEvidenceTest, AnAccessRequestListsTheCategoriesPackedAndTheDownloads) {
  Erika();
  NewRequest in;
  in.rights = {"access"};
  in.email = "erika@qzx.example";
  in.country = "DE";
  auto view = service_->Submit(in, nullptr, "hr_1");
  ASSERT_TRUE(view.ok());
  SendMail();
  const std::string code = LastCode(view->id);
  auto verified = service_->Verify(view->id, code);
  ASSERT_TRUE(verified.ok()) << verified.error().code();
  ASSERT_TRUE(service_->Transition(kOfficer, view->id, "start", "", "").ok());
  ASSERT_TRUE(service_->Transition(kOfficer, view->id, "complete", "", "").ok());
  ASSERT_TRUE(service_->Download(view->id, verified->token).ok());

  auto e = evidence_->Build(kOfficer, view->id, "json", "");
  ASSERT_TRUE(e.ok());
  std::vector<std::string> steps;
  for (const auto& s : e->steps) steps.push_back(s.action + ":" + s.actor.kind);
  EXPECT_EQ(steps, (std::vector<std::string>{"intake:person", "send_code:system", "verify:person",
                                             "start:staff", "package:system", "fulfil_access:staff",
                                             "complete:staff"}));
  ASSERT_EQ(e->findings.size(), 1u);
  EXPECT_EQ(e->findings[0].right, "access");
  EXPECT_EQ(e->findings[0].counts.at("values"), 5);
  // The contact form keeps the address as a value too, besides the identity.
  EXPECT_EQ(e->findings[0].categories,
            (std::map<std::string, int64_t>{{"user.contact.email", 2},
                                            {"user.contact.organization", 1},
                                            {"user.content.private", 1},
                                            {"user.name", 1}}));
  // The code went out; the answer is still queued, and says so.
  ASSERT_EQ(e->mail.size(), 2u);
  EXPECT_EQ(e->mail[0].template_name, "one_time_code");
  EXPECT_EQ(e->mail[0].state, "sent");
  EXPECT_EQ(e->mail[1].template_name, "request_completed");
  EXPECT_EQ(e->mail[1].state, "queued");
  EXPECT_EQ(e->mail[1].sent_at, 0);
  EXPECT_EQ(e->mail[1].attempts, 0);
  EXPECT_EQ(e->downloads.size(), 1u);
  EXPECT_EQ(e->deadline.status, "met");
}

TEST_F(RequestEvidenceTest, MailThatNeverWentOutIsListedAsFailedWithItsError) {
  Erika();
  const std::string id = Started({"restriction"}, "erika@qzx.example");
  ASSERT_TRUE(service_->Transition(kOfficer, id, "complete", "", "").ok());
  transport_.FailNext(Error(ErrorKind::kUnavailable, "smtp_rejected", "550 mailbox unavailable"),
                      100);
  for (int attempt = 0; attempt < JobQueue::kDefaultMaxAttempts; ++attempt) {
    SendMail();
    clock_.Advance(2 * kHour);  // past the longest backoff
  }
  auto e = evidence_->Build(kOfficer, id, "json", "");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->mail.size(), 1u);
  const EvidenceMail& m = e->mail[0];
  EXPECT_EQ(m.template_name, "request_completed");
  EXPECT_EQ(m.recipient, "the person");
  EXPECT_EQ(m.state, "failed");
  EXPECT_EQ(m.attempts, JobQueue::kDefaultMaxAttempts);
  EXPECT_EQ(m.error, "smtp_rejected");
  json doc = json::parse(EvidenceJson(*e));
  EXPECT_EQ(doc["mail"][0]["state"], "failed");
  EXPECT_EQ(doc["mail"][0]["sent_at"], nullptr);
  EXPECT_EQ(doc["mail"][0]["error"], "smtp_rejected");
  EXPECT_EQ(doc["mail"][0]["message_id"], m.message_id);
  const std::string html = EvidenceHtml(*evidence_->Build(kOfficer, id, "html", ""));
  EXPECT_NE(html.find("failed (queued "), std::string::npos);
}

TEST_F(RequestEvidenceTest, TheDeadlineIsOverdueWhenOpenPastItAndMissedWhenClosedAfterIt) {
  Erika();
  const std::string id = Started({"restriction"}, "erika@qzx.example");
  clock_.Advance(40 * kDay);
  EXPECT_EQ(evidence_->Build(kOfficer, id, "json", "")->deadline.status, "overdue");
  ASSERT_TRUE(service_->Transition(kOfficer, id, "complete", "", "").ok());
  auto e = evidence_->Build(kOfficer, id, "json", "");
  EXPECT_EQ(e->deadline.status, "missed");
  EXPECT_FALSE(e->deadline.extended);
  EXPECT_EQ(json::parse(EvidenceJson(*e))["deadline"]["met"], false);
  EXPECT_EQ(json::parse(EvidenceJson(*e))["deadline"]["extended_due_at"], nullptr);
  ASSERT_EQ(e->findings.size(), 1u);
  EXPECT_EQ(e->findings[0].flags, (std::map<std::string, bool>{{"changed", true}}));
}

TEST_F(RequestEvidenceTest, OnlyStaffOfTheQueueMaySeeItAndUnknownIdsAreNotFound) {
  Erika();
  const std::string id = Started({"restriction"}, "erika@qzx.example");
  EXPECT_EQ(evidence_->Build(kMarketing, id, "json", "").error().code(), "forbidden");
  EXPECT_EQ(evidence_->Build(kOfficer, "req_nope", "json", "").error().code(), "request_not_found");
  EXPECT_TRUE(AuditOf("request.evidence").empty());
}

TEST_F(RequestEvidenceTest, TheHtmlPageIsEscapedPrintableAndNamesNoAddress) {
  Erika();
  const std::string id = Started({"restriction"}, "erika@qzx.example");
  clock_.Advance(kDay);
  ASSERT_TRUE(
      service_->Extend(kOfficer, id, "<script>alert(1)</script> & more", std::nullopt, "").ok());
  auto e = evidence_->Build(kOfficer, id, "html", "");
  ASSERT_TRUE(e.ok());
  const std::string html = EvidenceHtml(*e);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("<dt>Identity</dt><dd>email on file</dd>"), std::string::npos);
  EXPECT_NE(html.find("<dt>Extended due date</dt><dd>2026-04-01T00:00:00.000Z</dd>"),
            std::string::npos);
  EXPECT_EQ(html.find("erika"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);  // self-contained
  EXPECT_EQ(AuditOf("request.evidence").at(0).detail, R"({"format":"html"})");
}

}  // namespace
}  // namespace privacyd
