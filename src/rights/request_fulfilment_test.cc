// Completing a request carries out its rights on the verified subject (request_service.h).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zip.h>

#include "crypto/sealing.h"
#include "crypto/secret.h"
#include "guard/guard.h"
#include "policy/period.h"
#include "rights/access_package.h"
#include "rights/erasure.h"
#include "rights/package_transfer.h"
#include "rights/request_service.h"
#include "rights/rights_fixture.h"

namespace privacyd {
namespace {

using nlohmann::json;

const Principal kOfficer{"usr_o", "olga", "privacy_officer"};
const Principal kAgent{"usr_a", "sam", "support_agent"};
constexpr Micros kHour = 3600LL * kMicrosPerSecond;

class RequestFulfilmentTest : public testing::FulfilmentFixture {
 protected:
  // A portal request verified with the code mailed to `email`: its id and token.
  std::pair<std::string, std::string> Verified(std::vector<std::string> rights,
                                               const std::string& email) {
    NewRequest in;
    in.rights = std::move(rights);
    in.email = email;
    in.country = "DE";
    in.language = "de";
    auto view = service_->Submit(in, nullptr, "hr_1");
    EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().code());
    if (!view.ok()) return {};
    auto verified = service_->Verify(view->id, LastCode(view->id));
    EXPECT_TRUE(verified.ok()) << (verified.ok() ? "" : verified.error().code());
    if (!verified.ok()) return {};
    return {view->id, verified->token};
  }

  // The variables of the mail of `template_name` queued for the request, opened with its key.
  std::vector<json> MailVars(const std::string& id, const std::string& template_name) {
    std::vector<json> out;
    auto jobs = *ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
    for (const auto& job : jobs) {
      if (job.kind != kRequestMailJob) continue;
      json p = json::parse(job.payload);
      if (p["request"] != id || p["template"] != template_name) continue;
      RequestRecord r = Row(id);
      SecretBytes key = *keyring_->Unwrap("request", r.id, r.master_key_id, r.wrapped_key);
      std::string sealed;
      EXPECT_TRUE(FromHex(p["vars"].get<std::string>(), &sealed));
      auto vars =
          Open(key, sealed, "request:" + id + ":mail:" + p["message_id"].get<std::string>());
      EXPECT_TRUE(vars.ok());
      if (vars.ok()) out.push_back(json::parse(*vars));
    }
    return out;
  }

  std::string LastCode(const std::string& id) {
    auto codes = MailVars(id, "one_time_code");
    EXPECT_FALSE(codes.empty()) << "no code mailed";
    return codes.empty() ? "" : codes.back()["code"].get<std::string>();
  }

  RequestRecord Row(const std::string& id) {
    auto row =
        ReadValue<std::optional<RequestRecord>>(*store_, [&](Tx& tx) { return tx.GetRequest(id); });
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? **row : RequestRecord{};
  }

  std::optional<RequestPackageRecord> Package(const std::string& id) {
    return *ReadValue<std::optional<RequestPackageRecord>>(
        *store_, [&](Tx& tx) { return tx.GetRequestPackage(id); });
  }

  // The size of the request's stored package, opened.
  size_t OpenedPackageSize(const std::string& id) {
    auto package = Package(id);
    if (!package) return 0;
    RequestRecord r = Row(id);
    SecretBytes key = *keyring_->Unwrap("request", r.id, r.master_key_id, r.wrapped_key);
    auto zip = Open(key, package->sealed, "request:" + id + ":package");
    return zip.ok() ? zip->size() : 0;
  }

  std::vector<JobRecord> PurgeJobs() {
    std::vector<JobRecord> out;
    auto jobs = *ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
    for (auto& job : jobs) {
      if (job.kind == kRequestPackagePurgeJob) out.push_back(job);
    }
    return out;
  }

  template <class R>
  static std::string Code(const R& result) {
    return result.ok() ? "ok" : result.error().code();
  }

  RequestView Complete(const std::string& id) {
    auto done = service_->Transition(kOfficer, id, "complete", "", "hr_3");
    EXPECT_TRUE(done.ok()) << (done.ok() ? "" : done.error().code());
    return done.ok() ? *done : RequestView{};
  }

  // Erika's portability request with an address to send the package to, verified and started;
  // "" on failure.
  std::string StartedTransfer() {
    Erika();
    NewRequest in;
    in.rights = {"portability"};
    in.email = "erika@qzx.example";
    in.transfer_url = "https://import.example.net/in";
    auto view = service_->Submit(in, nullptr, "hr_1");
    EXPECT_TRUE(view.ok());
    if (!view.ok()) return "";
    EXPECT_EQ(Code(service_->Verify(view->id, LastCode(view->id))), "ok");
    EXPECT_EQ(Code(service_->Transition(kOfficer, view->id, "start", "", "")), "ok");
    return view->id;
  }

  std::vector<RequestEventView> Timeline(const std::string& id) {
    std::vector<RequestEventView> timeline;
    EXPECT_TRUE(service_->Get(kOfficer, id, &timeline, "req_read").ok());
    return timeline;
  }

  std::vector<std::string> Actions(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : Timeline(id)) out.push_back(e.action + ":" + e.to_state);
    return out;
  }

  std::vector<json> FulfilAudit() {
    std::vector<json> out;
    for (const auto& a : AuditOf("request.fulfil")) out.push_back(json::parse(a.detail));
    return out;
  }

  std::optional<SubjectRecord> SubjectRow(const std::string& id) {
    return *ReadValue<std::optional<SubjectRecord>>(*store_,
                                                    [&](Tx& tx) { return tx.GetSubject(id); });
  }
};

TEST_F(RequestFulfilmentTest, TheAccessPackageIsOfferedToTheTokenUntilItsWindowClosesThenDeleted) {
  Erika();
  auto [id, token] = Verified({"access"}, "erika@qzx.example");
  EXPECT_EQ(Code(service_->Download(id, token)), "download_not_available");
  ASSERT_EQ(Code(service_->Transition(kOfficer, id, "start", "", "")), "ok");
  EXPECT_EQ(Code(service_->Download(id, token)), "download_not_available");
  RequestView done = Complete(id);
  EXPECT_EQ(done.state, "completed");
  EXPECT_EQ(done.outcome, "fulfilled");
  const Micros completed = clock_.Now();
  // The person's view says until when; another request's view, without a package, does not.
  auto mine = service_->ForToken(id, token);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->download_until, completed + 168 * kHour);

  auto zip = service_->Download(id, token);
  ASSERT_TRUE(zip.ok()) << zip.error().code();
  EXPECT_EQ(zip->substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(zip->find("data.json"), std::string::npos);  // names are stored as they are
  // At rest it is sealed with the request's key.
  auto row = Package(id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->created_at, completed);
  EXPECT_EQ(row->expires_at, completed + 168 * kHour);
  EXPECT_EQ(row->sealed.find("data.json"), std::string::npos);
  RequestRecord request = Row(id);
  SecretBytes key = *keyring_->Unwrap("request", id, request.master_key_id, request.wrapped_key);
  EXPECT_EQ(*Open(key, row->sealed, "request:" + id + ":package"), *zip);
  auto jobs = PurgeJobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].run_at, completed + 168 * kHour);
  EXPECT_EQ(json::parse(jobs[0].payload), (json{{"request", id}}));

  // Nobody else opens it: not another token, not another person's token, not another id.
  auto [other_id, other_token] = Verified({"access"}, "max@qzx.example");
  EXPECT_EQ(Code(service_->Download(id, other_token)), "request_not_found");
  EXPECT_EQ(Code(service_->Download(id, "rqt_" + std::string(64, '0'))), "request_not_found");
  EXPECT_EQ(Code(service_->Download(id, "")), "request_not_found");
  EXPECT_EQ(Code(service_->Download("req_nope", token)), "request_not_found");
  EXPECT_EQ(Code(service_->Download(other_id, other_token)), "download_not_available");
  EXPECT_EQ(service_->ForToken(other_id, other_token)->download_until, std::nullopt);

  // The step is evidenced with counts only.
  EXPECT_EQ(Actions(id),
            (std::vector<std::string>{"intake:received", "send_code:awaiting_verification",
                                      "verify:verified", "start:in_progress", "package:in_progress",
                                      "fulfil_access:in_progress", "complete:completed"}));
  auto audit = FulfilAudit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["right"], "access");
  EXPECT_EQ(audit[0]["bytes"], zip->size());
  EXPECT_GT(audit[0]["values"].get<size_t>(), 0u);
  EXPECT_EQ(AuditOf("request.download").size(), 1u);
  // The person is told, with the last day of the download.
  EXPECT_EQ(MailVars(id, "request_completed"),
            (std::vector<json>{{{"request_id", id},
                                {"download_until", FormatDate(completed + 168 * kHour)},
                                {"reasons", ""}}}));

  // Until the window closes; the purge job then deletes it, and the answer is 410's code.
  clock_.Set(completed + 168 * kHour - 1);
  ASSERT_TRUE(service_->PurgePackageIfExpired(id).ok());
  EXPECT_TRUE(Package(id).has_value());
  EXPECT_EQ(Code(service_->Download(id, token)), "ok");
  clock_.Set(completed + 168 * kHour);
  EXPECT_EQ(service_->ForToken(id, token)->download_until, std::nullopt);  // even before the purge
  ASSERT_TRUE(service_->PurgePackageIfExpired(id).ok());
  EXPECT_FALSE(Package(id).has_value());
  EXPECT_EQ(Code(service_->Download(id, token)), "download_expired");
  EXPECT_EQ(Code(service_->Download(id, other_token)), "request_not_found");
  EXPECT_EQ(AuditOf("request.package_purged").size(), 1u);
}

TEST_F(RequestFulfilmentTest, AccessAndErasureTogetherKeepThePackageAcrossAFailedCompletion) {
  const std::string erika = Erika();
  auto [id, token] = Verified({"access", "erasure"}, "erika@qzx.example");
  ASSERT_EQ(Code(service_->Transition(kOfficer, id, "start", "", "")), "ok");
  // A support agent may build the package but not erase: the request stays open, and its
  // package, already stored, is not offered.
  EXPECT_EQ(Code(service_->Transition(kAgent, id, "complete", "", "")), "forbidden");
  EXPECT_EQ(Row(id).state, "in_progress");
  EXPECT_TRUE(Package(id).has_value());
  EXPECT_EQ(Code(service_->Download(id, token)), "download_not_available");
  // The erasure happened, but closing the request did not (as if the daemon stopped between).
  Erasure erasure(*registry_, policy_, clock_);
  ASSERT_TRUE(erasure.Erase(officer_, erika).ok());
  // Completing again finds nobody to pack, but the package made before the erasure is there.
  RequestView done = Complete(id);
  EXPECT_EQ(done.state, "completed");
  EXPECT_EQ(done.outcome, "fulfilled");
  auto zip = service_->Download(id, token);
  ASSERT_TRUE(zip.ok()) << zip.error().code();
  EXPECT_EQ(zip->substr(0, 2), "PK");
  auto audit = FulfilAudit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0], (json{{"right", "access"}, {"skipped", "subject_not_found"}}));
  EXPECT_EQ(audit[1]["right"], "erasure");
  EXPECT_EQ(audit[1]["attributes_deleted"], 0);
  auto mails = MailVars(id, "request_completed");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["download_until"], FormatDate(Package(id)->expires_at));
}

TEST_F(RequestFulfilmentTest, ADownloadAfterTheWindowDeletesThePackageEvenBeforeThePurgeJob) {
  Erika();
  auto [id, token] = Verified({"portability"}, "erika@qzx.example");
  ASSERT_EQ(Code(service_->Transition(kOfficer, id, "start", "", "")), "ok");
  Complete(id);
  ASSERT_TRUE(Package(id).has_value());
  clock_.Advance(168 * kHour);
  EXPECT_EQ(Code(service_->Download(id, token)), "download_expired");
  EXPECT_FALSE(Package(id).has_value());
  EXPECT_EQ(Code(service_->Download(id, token)), "download_expired");
  ASSERT_TRUE(service_->PurgePackageIfExpired(id).ok());
  EXPECT_EQ(AuditOf("request.package_purged").size(), 1u);
}

TEST_F(RequestFulfilmentTest, ErasureErasesTheSubjectAndCompletes) {
  const std::string erika = Erika();
  const std::string id = Started({"erasure"}, "erika@qzx.example");
  RequestView done = Complete(id);
  EXPECT_EQ(done.state, "completed");
  EXPECT_EQ(done.outcome, "fulfilled");
  auto subject = SubjectRow(erika);
  ASSERT_TRUE(subject.has_value());
  EXPECT_TRUE(subject->erased_at.has_value());
  EXPECT_EQ(Verdict("newsletter", "erika@qzx.example"), "erased");
  EXPECT_EQ(Actions(id),
            (std::vector<std::string>{"intake:received", "verify:verified", "start:in_progress",
                                      "fulfil_erasure:in_progress", "complete:completed"}));
  auto audit = FulfilAudit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0], (json{{"right", "erasure"},
                            {"attributes_deleted", 4},
                            {"identities_cleared", 1},
                            {"referral_addresses_deleted", 0},
                            {"key_destroyed", true},
                            {"kept", 0},
                            {"categories",
                             {{"user.contact.email", 2},
                              {"user.contact.organization", 1},
                              {"user.content.private", 1},
                              {"user.name", 1}}},
                            {"kept_values", json::array()}}));
}

TEST_F(RequestFulfilmentTest, StatutoryRetentionMakesTheRequestPartiallyCompletedWithTheReason) {
  policy_.Replace(testing::WithStatutoryQuotes());
  const std::string erika = Erika();
  ASSERT_EQ(Submit("quote", {{"name", "Erika Mustermann"},
                             {"email", "erika@qzx.example"},
                             {"company", "Angebotsfirma Unikat AG"},
                             {"country", "DE"},
                             {"age_confirmed", "true"},
                             {"requirements", "500 Lizenzen"}}),
            erika);
  const std::string id = Started({"erasure"}, "erika@qzx.example");
  RequestView done = Complete(id);
  EXPECT_EQ(done.state, "partially_completed");
  EXPECT_EQ(done.outcome, "partially_fulfilled");
  EXPECT_TRUE(SubjectRow(erika)->erased_at.has_value());
  // The person is told why, in their language, sealed like every other reason.
  auto timeline = Timeline(id);
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(timeline.back().action, "complete");
  EXPECT_EQ(timeline.back().to_state, "partially_completed");
  EXPECT_EQ(timeline.back().reason,
            "Aufbewahrt bis zum 1. Januar 2028: Das Gesetz verpflichtet uns, für „Erstellung "
            "eines Angebots“ erhobene Daten 2 Jahre lang aufzubewahren. Das Handelsrecht "
            "schreibt es vor.");
  RequestRecord row = *ReadValue<RequestRecord>(*store_, [&](Tx& tx) -> Result<RequestRecord> {
    PD_ASSIGN_OR_RETURN(auto r, tx.GetRequest(id));
    return *r;
  });
  EXPECT_EQ(row.sealed_reason.find("Handelsrecht"), std::string::npos);
  auto audit = FulfilAudit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["attributes_deleted"], 4);
  EXPECT_EQ(audit[0]["kept"], 6);
  EXPECT_EQ(audit[0]["key_destroyed"], false);
  auto mails = MailVars(id, "request_completed");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["download_until"], "");
  EXPECT_EQ(mails[0]["reasons"], timeline.back().reason);
  // Completing again is refused: the request is closed.
  EXPECT_EQ(service_->Transition(kOfficer, id, "complete", "", "").error().code(),
            "illegal_transition");
}

TEST_F(RequestFulfilmentTest, RestrictionMakesTheConsentCheckAnswerRestricted) {
  const std::string anna = Person("anna@qzx.example", "ccpa");
  EXPECT_EQ(Verdict("newsletter", "anna@qzx.example"), "allowed");
  const std::string id = Started({"restriction"}, "anna@qzx.example");
  RequestView done = Complete(id);
  EXPECT_EQ(done.state, "completed");
  EXPECT_EQ(done.outcome, "fulfilled");
  EXPECT_EQ(Verdict("newsletter", "anna@qzx.example"), "restricted");
  EXPECT_TRUE(SubjectRow(anna)->restricted_at.has_value());
  auto audit = FulfilAudit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0], (json{{"right", "restriction"}, {"changed", true}}));
}

TEST_F(RequestFulfilmentTest, ObjectionAndWithdrawalGoThroughTheLedger) {
  Person("carl@qzx.example", "ccpa");
  Person("dora@qzx.example", "ccpa");
  EXPECT_EQ(Verdict("product_alerts", "carl@qzx.example"), "allowed");
  Complete(Started({"withdraw_consent"}, "carl@qzx.example"));
  EXPECT_EQ(Verdict("newsletter", "carl@qzx.example"), "no_consent");
  EXPECT_EQ(Verdict("product_alerts", "carl@qzx.example"), "no_consent");
  const std::string dora = Started({"objection"}, "dora@qzx.example");
  Complete(dora);
  EXPECT_EQ(Verdict("newsletter", "dora@qzx.example"), "objected");
  EXPECT_EQ(Actions(dora).at(3), "fulfil_objection:in_progress");
  auto audit = FulfilAudit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0], (json{{"right", "withdraw_consent"}, {"changed", true}}));
  EXPECT_EQ(audit[1], (json{{"right", "objection"}, {"changed", true}}));
}

TEST_F(RequestFulfilmentTest, AnIdentityWithoutDataCompletesSayingNoDataIsHeld) {
  const std::string id = Started({"erasure", "restriction"}, "nobody@qzx.example");
  RequestView done = Complete(id);
  EXPECT_EQ(done.state, "completed");
  EXPECT_EQ(done.outcome, "no_data_held");
  EXPECT_TRUE(FulfilAudit().empty());
  EXPECT_TRUE(MailVars(id, "request_completed").empty());
}

TEST_F(RequestFulfilmentTest, ObjectionWithoutALedgerLeavesTheRequestOpen) {
  Person("dora@qzx.example", "ccpa");
  const std::string id = Started({"objection"}, "dora@qzx.example");
  service_->UseConsent(nullptr);
  auto refused = service_->Transition(kOfficer, id, "complete", "", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "consent_unavailable");
  service_->UseConsent(ledger_.get());
  EXPECT_EQ(Complete(id).state, "completed");
}

// A transport that records what it was given and answers as told.
class FakeTransport : public PackageTransport {
 public:
  Result<int> Post(const std::string& url, const std::string& body,
                   const std::string& request_id) override {
    posts.push_back({url, body, request_id});
    if (!answer.ok()) return answer.error();
    return *answer;
  }
  struct Sent {
    std::string url, body, request_id;
  };
  std::vector<Sent> posts;
  Result<int> answer = 201;
};

TEST_F(RequestFulfilmentTest, APortabilityPackageGoesToTheThirdPartyOnceTheRequestIsClosed) {
  Erika();
  NewRequest in;
  in.rights = {"access"};
  in.email = "erika@qzx.example";
  in.transfer_url = "https://import.example.net/in";
  EXPECT_EQ(Code(service_->Submit(in, nullptr, "hr_0")), "transfer_url_not_expected");
  in.rights = {"portability"};
  in.transfer_url = "http://import.example.net/in";
  EXPECT_EQ(Code(service_->Submit(in, nullptr, "hr_0")), "invalid_transfer_url");
  in.transfer_url = "https://Import.Example.net/in?who=erika";
  auto view = service_->Submit(in, nullptr, "hr_1");
  ASSERT_TRUE(view.ok()) << view.error().code();
  EXPECT_EQ(view->transfer_host, "import.example.net");
  const std::string id = view->id;
  // Sealed: the address is nowhere in the row in clear.
  EXPECT_EQ(Row(id).sealed_transfer.find("import"), std::string::npos);
  ASSERT_EQ(Code(service_->Verify(id, LastCode(id))), "ok");
  ASSERT_EQ(Code(service_->Transition(kOfficer, id, "start", "", "")), "ok");

  FakeTransport transport;
  // Nothing is sent before the request is closed: the job waits.
  EXPECT_EQ(Code(service_->Transfer(id, transport, false)), "request_not_closed");
  EXPECT_TRUE(transport.posts.empty());
  EXPECT_EQ(Complete(id).state, "completed");
  auto jobs = *ReadValue<std::vector<JobRecord>>(
      *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
  EXPECT_EQ(std::count_if(jobs.begin(), jobs.end(),
                          [](const JobRecord& j) { return j.kind == kRequestTransferJob; }),
            1);

  // A failed attempt is tried again: nothing is recorded yet.
  transport.answer =
      Error(ErrorKind::kUnavailable, "transfer_refused", "the destination answered HTTP 503");
  EXPECT_EQ(Code(service_->Transfer(id, transport, false)), "transfer_refused");
  transport.answer = 201;
  ASSERT_EQ(Code(service_->Transfer(id, transport, false)), "ok");
  ASSERT_EQ(transport.posts.size(), 2u);
  EXPECT_EQ(transport.posts[1].url, "https://Import.Example.net/in?who=erika");
  EXPECT_EQ(transport.posts[1].request_id, id);
  EXPECT_EQ(transport.posts[1].body.substr(0, 2), "PK");  // the zip
  EXPECT_EQ(transport.posts[1].body.size(), OpenedPackageSize(id));
  auto timeline = Timeline(id);
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(timeline.back().action, "transfer");
  EXPECT_EQ(timeline.back().reason, "import.example.net (HTTP 201)");
  auto audit = AuditOf("request.transfer");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(json::parse(audit[0].detail), (json{{"host", "import.example.net"},
                                                {"bytes", transport.posts[1].body.size()},
                                                {"status", 201}}));
  // Delivered once: a repeated job sends nothing more.
  ASSERT_EQ(Code(service_->Transfer(id, transport, false)), "ok");
  EXPECT_EQ(transport.posts.size(), 2u);
}

TEST_F(RequestFulfilmentTest, TheTransferIsQueuedOnlyWhenTheRequestCloses) {
  const std::string id = StartedTransfer();
  ASSERT_FALSE(id.empty());
  auto transfers = [&] {
    auto jobs = *ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
    return std::count_if(jobs.begin(), jobs.end(),
                         [](const JobRecord& j) { return j.kind == kRequestTransferJob; });
  };
  // The closing transaction fails after the package was built and stored.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() / "privacyd.db").c_str(), &db), SQLITE_OK);
  const char* block =
      "CREATE TRIGGER no_close BEFORE UPDATE OF state ON requests WHEN NEW.state = 'completed' "
      "BEGIN SELECT RAISE(ABORT, 'closing blocked'); END";
  ASSERT_EQ(sqlite3_exec(db, block, nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_FALSE(service_->Transition(kOfficer, id, "complete", "", "hr_3").ok());
  EXPECT_TRUE(Package(id).has_value());
  EXPECT_EQ(transfers(), 0);  // no job that could find the request still open
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER no_close", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Complete(id).state, "completed");
  EXPECT_EQ(transfers(), 1);
}

TEST_F(RequestFulfilmentTest, ATransferThatKeepsFailingIsRecordedForStaffOnItsLastAttempt) {
  const std::string id = StartedTransfer();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Complete(id).state, "completed");
  FakeTransport transport;
  transport.answer = Error(ErrorKind::kUnavailable, "transfer_failed",
                           "cannot deliver the package: Timeout was reached");
  EXPECT_EQ(Code(service_->Transfer(id, transport, false)), "transfer_failed");
  ASSERT_EQ(Code(service_->Transfer(id, transport, true)), "ok");
  auto timeline = Timeline(id);
  EXPECT_EQ(timeline.back().action, "transfer_failed");
  EXPECT_EQ(timeline.back().reason,
            "import.example.net: cannot deliver the package: Timeout was reached");
  auto audit = AuditOf("request.transfer_failed");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(json::parse(audit[0].detail)["error"], "transfer_failed");
  EXPECT_TRUE(AuditOf("request.transfer").empty());
}

// Other identities: a phone given with a request finds data only once staff attested it, and
// then every right is carried out on each subject found.

class RequestIdentitiesFulfilmentTest : public RequestFulfilmentTest {
 protected:
  // Someone who called: known to us by their phone number only (the staff's phone point).
  std::string Caller() {
    Submission s;
    s["name"].text = "Erika Mustermann";
    s["phone"].text = "+49 30 901820";
    s["notes"].text = "Rückruf wegen Angebot";
    Submitter by;
    by.door = CollectionDoor::kStaff;
    by.principal = &kAgent;
    auto outcome = collector_->Collect("phone", s, by);
    EXPECT_TRUE(outcome.ok() && outcome->receipt);
    return outcome.ok() && outcome->receipt ? outcome->receipt->subject_id : "";
  }

  // A portal request by `email` naming the caller's phone, verified by its code.
  std::string WithPhone(std::vector<std::string> rights, const std::string& email) {
    NewRequest in;
    in.rights = std::move(rights);
    in.email = email;
    in.country = "DE";
    in.language = "de";
    in.identities["phone"] = "030 901820";
    auto view = service_->Submit(in, nullptr, "hr_1");
    EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().code());
    if (!view.ok()) return "";
    EXPECT_TRUE(service_->Verify(view->id, LastCode(view->id)).ok());
    EXPECT_EQ(Code(service_->Transition(kOfficer, view->id, "start", "", "")), "ok");
    return view->id;
  }

  // data.json of the request's package.
  json PackageData(const std::string& id) {
    auto package = Package(id);
    EXPECT_TRUE(package.has_value());
    if (!package) return json();
    RequestRecord r = Row(id);
    SecretBytes key = *keyring_->Unwrap("request", r.id, r.master_key_id, r.wrapped_key);
    auto zip = Open(key, package->sealed, "request:" + id + ":package");
    EXPECT_TRUE(zip.ok());
    return zip.ok() ? json::parse(ZipEntry(*zip, "data.json")) : json();
  }

  static std::string ZipEntry(const std::string& zip, const std::string& name) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(zip.data(), zip.size(), 0, &error);
    zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
    EXPECT_NE(archive, nullptr);
    if (archive == nullptr) return "";
    std::string out;
    zip_stat_t st;
    if (zip_stat(archive, name.c_str(), 0, &st) == 0) {
      zip_file_t* f = zip_fopen(archive, name.c_str(), 0);
      out.resize(st.size);
      zip_fread(f, out.data(), st.size);
      zip_fclose(f);
    }
    zip_close(archive);
    return out;
  }

  json IdentitiesAudit() {
    auto entries = AuditOf("request.identities");
    EXPECT_FALSE(entries.empty());
    return entries.empty() ? json() : json::parse(entries.back().detail);
  }
};

TEST_F(RequestIdentitiesFulfilmentTest, AnUnattestedPhoneFindsNothingAnAttestedOneDoes) {
  Erika();
  const std::string caller = Caller();
  // Not attested: the package holds the email's subject only.
  const std::string first = WithPhone({"access"}, "erika@qzx.example");
  Complete(first);
  json data = PackageData(first);
  EXPECT_EQ(data["subjects"].size(), 1u);
  EXPECT_EQ(data.dump().find("Angebot"), std::string::npos);
  json used = IdentitiesAudit();
  EXPECT_EQ(used["subjects"], 1);
  EXPECT_EQ(used["identities"][1],
            json({{"kind", "phone"}, {"basis", "unattested"}, {"used", false}}));
  // Attested by staff: the caller's data joins it, in one package.
  const std::string second = WithPhone({"access"}, "erika@qzx.example");
  ASSERT_EQ(Code(service_->AttestIdentity(kAgent, second, "phone", "hr_a")), "ok");
  Complete(second);
  data = PackageData(second);
  ASSERT_EQ(data["subjects"].size(), 2u);
  EXPECT_EQ(data["subjects"][1]["id"], caller);
  EXPECT_NE(data.dump().find("Angebot"), std::string::npos);
  EXPECT_NE(data.dump().find("erika@qzx.example"), std::string::npos);
  used = IdentitiesAudit();
  EXPECT_EQ(used["subjects"], 2);
  EXPECT_EQ(used["identities"][0]["kind"], "email");
  EXPECT_EQ(used["identities"][1]["basis"], "attested");
  EXPECT_EQ(used["identities"][1]["attested_by"], "sam");
  EXPECT_EQ(used["identities"][1]["used"], true);
  EXPECT_EQ(used["identities"][1]["found"], true);
  // Erika's address and four values, the caller's number and three.
  EXPECT_EQ(FulfilAudit().back()["values"], 9);
}

TEST_F(RequestIdentitiesFulfilmentTest, ASubjectKnownOnlyByPhoneIsFoundAndErased) {
  const std::string caller = Caller();
  // Nobody holds the address: without the phone this would be "no data held".
  const std::string id = WithPhone({"erasure", "restriction"}, "erika.neu@qzx.example");
  ASSERT_EQ(Code(service_->AttestIdentity(kAgent, id, "phone", "")), "ok");
  RequestView done = Complete(id);
  EXPECT_EQ(done.outcome, "fulfilled");
  auto subject = SubjectRow(caller);
  ASSERT_TRUE(subject.has_value());
  EXPECT_TRUE(subject->erased_at.has_value());
  auto erasure = FulfilAudit().back();
  EXPECT_EQ(erasure["right"], "erasure");
  EXPECT_EQ(erasure["attributes_deleted"], 3);
  EXPECT_EQ(erasure["identities_cleared"], 1);
  json used = IdentitiesAudit();
  EXPECT_EQ(used["identities"][0]["found"], false);
  EXPECT_EQ(used["identities"][1]["found"], true);
}

TEST_F(RequestIdentitiesFulfilmentTest, EachSubjectGetsEveryRight) {
  const std::string erika = Erika();
  const std::string caller = Caller();
  const std::string id = WithPhone({"restriction", "erasure"}, "erika@qzx.example");
  ASSERT_EQ(Code(service_->AttestIdentity(kAgent, id, "phone", "")), "ok");
  Complete(id);
  for (const auto& subject : {erika, caller}) {
    auto row = SubjectRow(subject);
    ASSERT_TRUE(row.has_value());
    EXPECT_TRUE(row->restricted_at.has_value()) << subject;
    EXPECT_TRUE(row->erased_at.has_value()) << subject;
  }
  auto steps = FulfilAudit();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["right"], "restriction");
  EXPECT_EQ(steps[0]["changed"], true);
  EXPECT_EQ(steps[1]["attributes_deleted"], 4 + 3);
}

}  // namespace
}  // namespace privacyd
