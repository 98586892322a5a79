#include "rights/request_service.h"

#include <gtest/gtest.h>

#include "crypto/sealing.h"
#include "crypto/secret.h"
#include "testing/collection_fixture.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr Micros kDay = 86'400LL * kMicrosPerSecond;
constexpr Micros kMinute = 60LL * kMicrosPerSecond;

const Principal kAgent{"usr_a", "sam", "support_agent"};
const Principal kOfficer{"usr_o", "olga", "privacy_officer"};
const Principal kMarketing{"usr_m", "mia", "marketing"};

struct Mail {
  std::string request;
  std::string to;
  std::string template_name;
  std::string language;
  json vars;
};

class RequestServiceTest : public testing::CollectionFixture {
 protected:
  void SetUp() override {
    CollectionFixture::SetUp();
    codes_ = std::make_unique<OneTimeCodes>(*keyring_, clock_, random_);
    Make(RequestSettings{});
  }

  void Make(RequestSettings settings) {
    service_ = std::make_unique<RequestService>(*store_, *registry_, keyring_, policy_,
                                                Jurisdictions::Default(), audit_, *codes_, clock_,
                                                random_, std::move(settings));
  }

  NewRequest Portal(std::vector<std::string> rights, const std::string& email = "ann@qzx.example",
                    const std::string& country = "DE") {
    NewRequest r;
    r.rights = std::move(rights);
    r.email = email;
    r.country = country;
    r.language = "de";
    return r;
  }

  RequestView Submit(std::vector<std::string> rights, const std::string& email = "ann@qzx.example",
                     const std::string& country = "DE") {
    auto view = service_->Submit(Portal(std::move(rights), email, country), nullptr, "hr_1");
    EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().code());
    return view.ok() ? *view : RequestView{};
  }

  RequestRecord Row(const std::string& id) {
    auto row =
        ReadValue<std::optional<RequestRecord>>(*store_, [&](Tx& tx) { return tx.GetRequest(id); });
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? **row : RequestRecord{};
  }

  std::vector<RequestEventRecord> Events(const std::string& id) {
    return *ReadValue<std::vector<RequestEventRecord>>(
        *store_, [&](Tx& tx) { return tx.ListRequestEvents(id); });
  }

  std::vector<std::string> Transitions(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : Events(id)) out.push_back(e.action + ":" + e.to_state);
    return out;
  }

  std::vector<JobRecord> Jobs(const std::string& kind) {
    auto jobs = *ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
    std::vector<JobRecord> out;
    for (auto& j : jobs) {
      if (j.kind == kind) out.push_back(j);
    }
    return out;
  }

  // The request mail queued so far, opened with the request's key.
  std::vector<Mail> Mails() {
    std::vector<Mail> out;
    for (const auto& job : Jobs(kRequestMailJob)) {
      json p = json::parse(job.payload);
      RequestRecord r = Row(p["request"].get<std::string>());
      SecretBytes key = *keyring_->Unwrap("request", r.id, r.master_key_id, r.wrapped_key);
      std::string sealed;
      EXPECT_TRUE(FromHex(p["vars"].get<std::string>(), &sealed));
      auto vars =
          Open(key, sealed, "request:" + r.id + ":mail:" + p["message_id"].get<std::string>());
      EXPECT_TRUE(vars.ok());
      out.push_back({r.id, p["to"], p["template"], p["language"], json::parse(*vars)});
    }
    return out;
  }

  // The latest code mailed (for `request`, or for any).
  std::string LastCode(const std::string& request = "") {
    auto mails = Mails();
    for (auto it = mails.rbegin(); it != mails.rend(); ++it) {
      if (it->template_name == "one_time_code" && (request.empty() || it->request == request)) {
        return it->vars["code"];
      }
    }
    ADD_FAILURE() << "no code mailed";
    return "";
  }

  std::string WrongCode() {
    std::string code = LastCode();
    code[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);
    return code;
  }

  VerifiedRequest Verify(const std::string& id) {
    auto verified = service_->Verify(id, LastCode(id));
    EXPECT_TRUE(verified.ok()) << (verified.ok() ? "" : verified.error().code());
    return verified.ok() ? *verified : VerifiedRequest{};
  }

  template <class R>
  static std::string Code(const R& result) {
    return result.ok() ? "ok" : result.error().code();
  }

  std::unique_ptr<OneTimeCodes> codes_;
  std::unique_ptr<RequestService> service_;
};

TEST_F(RequestServiceTest, PortalIntakeAwaitsVerificationWithACodeMailAndAPurgeJob) {
  const Micros now = clock_.Now();
  RequestView view = Submit({"access", "erasure"});
  EXPECT_EQ(view.id.rfind("req_", 0), 0u);
  EXPECT_EQ(view.state, "awaiting_verification");
  RequestRecord r = Row(view.id);
  EXPECT_EQ(r.rights, (std::vector<std::string>{"access", "erasure"}));
  EXPECT_EQ(r.channel, "portal");
  EXPECT_EQ(r.regime, "gdpr");
  EXPECT_EQ(r.language, "de");
  EXPECT_EQ(r.identity_kind, "email");
  EXPECT_EQ(r.blind_index, *registry_->IdentityIndex({"email", "ann@qzx.example"}));
  EXPECT_EQ(r.subject_id, "");  // nobody holds the address
  EXPECT_EQ(r.received_at, now);
  EXPECT_EQ(FormatRfc3339(r.due_at), "2026-02-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(r.max_due_at), "2026-04-01T00:00:00.000Z");
  EXPECT_TRUE(r.token_hash.empty());
  EXPECT_FALSE(r.verified_at.has_value());
  // The address is sealed, not stored in clear.
  EXPECT_EQ(r.sealed_contact.find("ann@qzx.example"), std::string::npos);
  EXPECT_EQ(Transitions(view.id),
            (std::vector<std::string>{"intake:received", "send_code:awaiting_verification"}));
  auto mails = Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "requester");
  EXPECT_EQ(mails[0].template_name, "one_time_code");
  EXPECT_EQ(mails[0].language, "de");
  EXPECT_EQ(mails[0].vars["code"].get<std::string>().size(), 6u);
  auto purge = Jobs(kRequestPurgeJob);
  ASSERT_EQ(purge.size(), 1u);
  EXPECT_EQ(purge[0].run_at, now + 72 * 3600 * kMicrosPerSecond);
  EXPECT_EQ(json::parse(purge[0].payload)["request"], view.id);
}

TEST_F(RequestServiceTest, IntakeRefusesBadInputWithStableCodes) {
  auto submit = [&](NewRequest r) { return Code(service_->Submit(r, nullptr, "")); };
  EXPECT_EQ(submit(Portal({})), "rights_required");
  EXPECT_EQ(submit(Portal({"access", "forget_me"})), "unknown_right");
  EXPECT_EQ(submit(Portal({"access", "access"})), "duplicate_right");
  EXPECT_EQ(submit(Portal({"complaint", "access"})), "complaint_with_other_rights");
  EXPECT_EQ(submit(Portal({"access"}, "not-an-address")), "invalid_identity");
  EXPECT_EQ(submit(Portal({"access"}, "ann@qzx.example", "XX")), "invalid_country");
  NewRequest austrian = Portal({"access"});
  austrian.language = "DE-at";
  auto de = service_->Submit(austrian, nullptr, "");
  ASSERT_TRUE(de.ok());
  EXPECT_EQ(de->language, "de");
  NewRequest klingon = Portal({"access"});
  klingon.language = "tlh";
  EXPECT_EQ(submit(klingon), "unsupported_language");
  NewRequest agent = Portal({"access"});
  agent.agent = true;
  EXPECT_EQ(submit(agent), "document_required");
  // A right the statement does not offer.
  policy_.Replace(testing::ExamplePolicyWith("portability, restriction", "restriction"));
  EXPECT_EQ(submit(Portal({"portability"})), "right_not_offered");
  // Nothing was stored but the one valid request.
  EXPECT_EQ(Jobs(kRequestMailJob).size(), 1u);
  EXPECT_EQ(Code(service_->Submit(Portal({"access"}), &kMarketing, "")), "forbidden");
}

TEST_F(RequestServiceTest, TheCodeGivesATokenThatAloneOpensTheRequest) {
  RequestView mine = Submit({"access"});
  RequestView theirs = Submit({"access"}, "bob@qzx.example");
  VerifiedRequest verified = Verify(mine.id);
  EXPECT_EQ(verified.token.rfind("rqt_", 0), 0u);
  EXPECT_EQ(verified.request.state, "verified");
  RequestRecord r = Row(mine.id);
  EXPECT_EQ(r.state, "verified");
  EXPECT_EQ(r.verified_at, clock_.Now());
  EXPECT_EQ(r.token_hash, Sha256(verified.token));  // only the hash is kept
  auto status = service_->ForToken(mine.id, verified.token);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state, "verified");
  EXPECT_EQ(status->due_at, r.due_at);
  // Another request's id, an unknown id, a wrong or empty token: the same answer.
  for (auto [id, token] :
       std::vector<std::pair<std::string, std::string>>{{theirs.id, verified.token},
                                                        {"req_unknown", verified.token},
                                                        {mine.id, verified.token + "x"},
                                                        {mine.id, ""},
                                                        {theirs.id, ""}}) {
    auto other = service_->ForToken(id, token);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(other.error().code(), "request_not_found");
  }
  // Verifying again (a lost token) replaces the token.
  ASSERT_TRUE(service_->ResendCode(mine.id).ok());
  VerifiedRequest again = Verify(mine.id);
  EXPECT_EQ(Code(service_->ForToken(mine.id, verified.token)), "request_not_found");
  EXPECT_TRUE(service_->ForToken(mine.id, again.token).ok());
  EXPECT_EQ(Transitions(mine.id),
            (std::vector<std::string>{"intake:received", "send_code:awaiting_verification",
                                      "verify:verified"}));
}

TEST_F(RequestServiceTest, BruteForceOfTheCodeIsStoppedAfterFiveAttempts) {
  RequestView view = Submit({"erasure"});
  const std::string right = LastCode();
  const std::string wrong = WrongCode();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Code(service_->Verify(view.id, wrong)), "invalid_code") << i;
  }
  EXPECT_EQ(Code(service_->Verify(view.id, wrong)), "code_attempts_exhausted");
  // Even the right code no longer works: a new one is needed.
  EXPECT_EQ(Code(service_->Verify(view.id, right)), "code_attempts_exhausted");
  EXPECT_EQ(Row(view.id).state, "awaiting_verification");
  ASSERT_TRUE(service_->ResendCode(view.id).ok());
  EXPECT_EQ(Code(service_->Verify(view.id, LastCode())), "ok");
  // Unknown ids are answered like wrong codes; resending to them says nothing either.
  EXPECT_EQ(Code(service_->Verify("req_nope", "123456")), "invalid_code");
  EXPECT_TRUE(service_->ResendCode("req_nope").ok());
}

TEST_F(RequestServiceTest, TheLinkBesideTheCodeVerifiesOnceAndOnlyForItsStep) {
  SeededRandom random(7);
  LinkSigner links({LinkKey{"0a0b0c0d", NewSymmetricKey(random)}});
  service_->UseLinks(&links, "https://privacy.qzx.example");
  RequestView view = Submit({"access"});
  const std::string url = Mails().back().vars["confirm_url"];
  const std::string prefix = "https://privacy.qzx.example/r/";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  const std::string token = url.substr(prefix.size());
  // The page that asks names the request and changes nothing.
  auto linked = service_->LinkedRequest(token);
  ASSERT_TRUE(linked.ok()) << linked.error().code();
  EXPECT_EQ(linked->id, view.id);
  EXPECT_EQ(Row(view.id).state, "awaiting_verification");
  // The link verifies like the code, and gives the request token.
  auto verified = service_->VerifyByLink(token);
  ASSERT_TRUE(verified.ok()) << verified.error().code();
  EXPECT_EQ(verified->request.state, "verified");
  EXPECT_EQ(Code(service_->ForToken(view.id, verified->token)), "ok");
  // Once: the code it carries is used up.
  EXPECT_EQ(Code(service_->VerifyByLink(token)), "invalid_code");
  // It cannot confirm the request later: work that needs a fresh code mails a new link.
  ASSERT_EQ(Code(service_->Transition(kAgent, view.id, "start", "", "")), "ok");
  EXPECT_TRUE(service_->Get(kAgent, view.id, nullptr, "")->needs_confirmation);
  EXPECT_EQ(Code(service_->VerifyByLink(token)), "invalid_code");
  const std::string fresh = Mails().back().vars["confirm_url"];
  ASSERT_NE(fresh, url);
  ASSERT_EQ(Code(service_->VerifyByLink(fresh.substr(prefix.size()))), "ok");
  EXPECT_FALSE(service_->Get(kAgent, view.id, nullptr, "")->needs_confirmation);

  // Tampered, of another purpose, or past the code's expiry: refused.
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Code(service_->VerifyByLink(tampered)), "invalid_link");
  EXPECT_EQ(Code(service_->LinkedRequest(tampered)), "invalid_link");
  std::string other = links.Sign({LinkPurpose::kConfirm, view.id, "", "123456", 0});
  EXPECT_EQ(Code(service_->VerifyByLink(other)), "invalid_link");
  RequestView late = Submit({"erasure"}, "lou@qzx.example");
  const std::string late_url = Mails().back().vars["confirm_url"];
  clock_.Advance(16 * kMinute);
  EXPECT_EQ(Code(service_->VerifyByLink(late_url.substr(prefix.size()))), "link_expired");
  EXPECT_EQ(Row(late.id).state, "awaiting_verification");
}

TEST_F(RequestServiceTest, WithoutLinksTheMailCarriesTheCodeOnly) {
  Submit({"access"});
  EXPECT_EQ(Mails().back().vars["confirm_url"], "");
  EXPECT_EQ(Code(service_->VerifyByLink("anything")), "invalid_link");
}

TEST_F(RequestServiceTest, ExpiredCodesAndTheHourlyLimitPerAddress) {
  RequestView view = Submit({"access"});
  clock_.Advance(16 * kMinute);
  EXPECT_EQ(Code(service_->Verify(view.id, LastCode())), "code_expired");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(service_->ResendCode(view.id).ok()) << i;
  Status sixth = service_->ResendCode(view.id);
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().code(), "too_many_codes");
  EXPECT_EQ(sixth.error().kind(), ErrorKind::kResourceExhausted);
}

TEST_F(RequestServiceTest, DuplicatesAreToldOnlyToWhoeverProvedTheAddress) {
  RequestView first = Submit({"access"});
  Verify(first.id);
  // An unverified caller learns nothing: the second request is accepted like any other.
  RequestView second = Submit({"access", "erasure"});
  EXPECT_EQ(second.state, "awaiting_verification");
  std::string duplicate_of;
  auto verified = service_->Verify(second.id, LastCode(), &duplicate_of);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(verified.error().code(), "duplicate_request");
  EXPECT_EQ(duplicate_of, first.id);
  RequestRecord r = Row(second.id);
  EXPECT_EQ(r.state, "withdrawn");
  EXPECT_EQ(r.outcome, "duplicate");
  EXPECT_TRUE(r.token_hash.empty());
  // Another right of the same person is no duplicate.
  RequestView third = Submit({"objection"});
  EXPECT_EQ(Code(service_->Verify(third.id, LastCode())), "ok");
  // Staff are told at once.
  NewRequest letter = Portal({"access"});
  letter.channel = "post";
  auto staff = service_->Submit(letter, &kAgent, "");
  ASSERT_FALSE(staff.ok());
  EXPECT_EQ(staff.error().code(), "duplicate_request");
  EXPECT_NE(staff.error().message().find(first.id), std::string::npos);
}

TEST_F(RequestServiceTest, StaffIntakeRunsTheDeadlineFromTheDateOfReceipt) {
  NewRequest letter = Portal({"rectification"}, "carl@qzx.example", "FR");
  letter.channel = "post";
  letter.received_at = *ParseRfc3339("2025-12-31T00:00:00Z");
  letter.attested = true;
  auto view = service_->Submit(letter, &kAgent, "hr_2");
  ASSERT_TRUE(view.ok()) << view.error().code();
  EXPECT_EQ(view->state, "verified");
  EXPECT_EQ(view->channel, "post");
  EXPECT_EQ(FormatRfc3339(view->due_at), "2026-01-31T00:00:00.000Z");
  EXPECT_EQ(Transitions(view->id),
            (std::vector<std::string>{"intake:received", "verify:verified"}));
  EXPECT_EQ(Events(view->id)[1].actor, "sam");
  EXPECT_TRUE(Jobs(kRequestMailJob).empty());  // nothing to verify

  NewRequest phone = letter;
  phone.channel = "phone";  // not in the example policy's intake
  EXPECT_EQ(Code(service_->Submit(phone, &kAgent, "")), "channel_not_offered");
  NewRequest future = letter;
  future.received_at = clock_.Now() + kDay;
  EXPECT_EQ(Code(service_->Submit(future, &kAgent, "")), "invalid_received_at");

  NewRequest agent = Portal({"access"}, "dora@qzx.example");
  agent.channel = "email";
  agent.agent = true;
  agent.document = std::string("%PDF-1.7 power of attorney\0", 27);
  auto by_agent = service_->Submit(agent, &kAgent, "");
  ASSERT_TRUE(by_agent.ok()) << by_agent.error().code();
  EXPECT_TRUE(by_agent->agent);
  EXPECT_TRUE(by_agent->has_document);
  RequestRecord r = Row(by_agent->id);
  EXPECT_EQ(r.sealed_document.find("power of attorney"), std::string::npos);
  SecretBytes key = *keyring_->Unwrap("request", r.id, r.master_key_id, r.wrapped_key);
  EXPECT_EQ(*Open(key, r.sealed_document, "request:" + r.id + ":document"), agent.document);
}

TEST_F(RequestServiceTest, WorkflowWithConfirmationAndApproval) {
  RequestView view = Submit({"erasure"});
  Verify(view.id);
  EXPECT_EQ(Code(service_->Transition(kAgent, view.id, "complete", "", "")), "illegal_transition");
  EXPECT_EQ(Code(service_->Transition(kAgent, view.id, "finish", "", "")), "unknown_action");
  EXPECT_EQ(Code(service_->Transition(kMarketing, view.id, "start", "", "")), "forbidden");
  auto started = service_->Transition(kAgent, view.id, "start", "", "hr_3");
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->state, "in_progress");
  EXPECT_TRUE(started->needs_confirmation);
  // Erasure needs approval, and first the person's fresh code.
  EXPECT_EQ(Code(service_->Transition(kAgent, view.id, "complete", "", "")), "approval_required");
  ASSERT_EQ(Code(service_->Transition(kAgent, view.id, "request_approval", "", "")), "ok");
  EXPECT_EQ(Code(service_->Transition(kAgent, view.id, "approve", "", "")), "forbidden");
  EXPECT_EQ(Code(service_->Transition(kOfficer, view.id, "approve", "", "")),
            "confirmation_required");
  VerifiedRequest confirmed = Verify(view.id);  // the code mailed when work started
  EXPECT_FALSE(confirmed.request.needs_confirmation);
  auto approved = service_->Transition(kOfficer, view.id, "approve", "", "hr_4");
  ASSERT_TRUE(approved.ok()) << approved.error().code();
  EXPECT_EQ(approved->state, "completed");
  EXPECT_EQ(approved->outcome, "no_data_held");
  EXPECT_EQ(approved->closed_at, clock_.Now());
  EXPECT_EQ(Transitions(view.id),
            (std::vector<std::string>{"intake:received", "send_code:awaiting_verification",
                                      "verify:verified", "start:in_progress",
                                      "request_approval:awaiting_approval",
                                      "confirm:awaiting_approval", "approve:completed"}));
  // Closed is closed.
  EXPECT_EQ(Code(service_->Transition(kAgent, view.id, "withdraw", "", "")), "illegal_transition");
  // Each staff transition is audited without personal data.
  auto audit = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.object = "request:" + view.id;
    q.limit = 100;
    return tx.ListAudit(q);
  });
  std::vector<std::string> actions;
  for (const auto& a : audit) {
    if (a.action.rfind("request.", 0) == 0) actions.push_back(a.actor + ":" + a.action);
    EXPECT_EQ(a.detail.find("ann@"), std::string::npos);
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"subject:request.intake", "system:request.send_code",
                                      "subject:request.verify", "sam:request.start",
                                      "sam:request.request_approval", "subject:request.token",
                                      "olga:request.identities", "olga:request.approve"}));
}

TEST_F(RequestServiceTest, QueueOfOnePersonIsFoundByAddressAndTheLookUpIsAudited) {
  RequestView a = Submit({"access"});
  Submit({"erasure"}, "mo@qzx.example");
  clock_.Advance(kDay);
  RequestView b = Submit({"objection"});
  Verify(b.id);
  // The address as the person might type it finds both of their requests, by due date, and not
  // the other person's.
  auto mine = service_->List(kAgent, {}, {"email", " Ann@QZX.example "}, "hr_find");
  ASSERT_TRUE(mine.ok()) << mine.error().code();
  ASSERT_EQ(mine->requests.size(), 2u);
  EXPECT_EQ(mine->requests[0].id, a.id);
  EXPECT_EQ(mine->requests[1].id, b.id);
  // The other filters still apply, and paging works within one person's requests.
  auto verified =
      service_->List(kAgent, {.state = "verified"}, {"email", "ann@qzx.example"}, "hr_2");
  ASSERT_EQ(verified->requests.size(), 1u);
  EXPECT_EQ(verified->requests[0].id, b.id);
  auto first = service_->List(kAgent, {.limit = 1}, {"email", "ann@qzx.example"}, "hr_3");
  ASSERT_EQ(first->requests.size(), 1u);
  ASSERT_TRUE(first->next_due.has_value());
  auto second =
      service_->List(kAgent, {.after_due = first->next_due, .after_id = first->next_id, .limit = 1},
                     {"email", "ann@qzx.example"}, "hr_4");
  ASSERT_EQ(second->requests.size(), 1u);
  EXPECT_EQ(second->requests[0].id, b.id);
  EXPECT_TRUE(
      service_->List(kAgent, {}, {"email", "nobody@qzx.example"}, "hr_5")->requests.empty());
  EXPECT_EQ(Code(service_->List(kAgent, {}, {"email", "not an address"}, "hr_6")),
            "invalid_identity");
  EXPECT_EQ(Code(service_->List(kMarketing, {}, {"email", "ann@qzx.example"}, "hr_7")),
            "forbidden");
  // Each look-up is audited with whether it found anything, never the address.
  auto audit = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.action = "request.search";
    q.limit = 100;
    return tx.ListAudit(q);
  });
  ASSERT_EQ(audit.size(), 5u);
  EXPECT_EQ(audit[0].actor, "sam");
  EXPECT_EQ(audit[0].request_id, "hr_find");
  EXPECT_EQ(audit[0].detail, R"({"found":true,"lookup":"email"})");
  EXPECT_EQ(audit[4].request_id, "hr_5");
  EXPECT_EQ(audit[4].detail, R"({"found":false,"lookup":"email"})");
}

TEST_F(RequestServiceTest, RefusalNeedsAnOfficerAndAReasonThatIsKeptSealed) {
  RequestView view = Submit({"objection"});
  Verify(view.id);
  EXPECT_EQ(Code(service_->Transition(kOfficer, view.id, "refuse", "", "")), "reason_required");
  EXPECT_EQ(Code(service_->Transition(kAgent, view.id, "refuse", "manifestly unfounded", "")),
            "forbidden");
  auto refused = service_->Transition(kOfficer, view.id, "refuse", "manifestly unfounded", "");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->state, "refused");
  RequestRecord r = Row(view.id);
  EXPECT_EQ(r.sealed_reason.find("unfounded"), std::string::npos);
  std::vector<RequestEventView> timeline;
  ASSERT_TRUE(service_->Get(kAgent, view.id, &timeline, "req_read").ok());
  ASSERT_FALSE(timeline.empty());
  EXPECT_EQ(timeline.back().action, "refuse");
  EXPECT_EQ(timeline.back().reason, "manifestly unfounded");
  EXPECT_EQ(timeline.back().actor, "olga");
  // The read is audited, under the HTTP request that made it.
  auto audit = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.object = "request:" + view.id;
    q.action = "request.read";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].actor, "sam");
  EXPECT_EQ(audit[0].request_id, "req_read");
  EXPECT_EQ(audit[0].detail, R"({"timeline":true})");
  // Objection needs neither confirmation nor approval.
  RequestView other = Submit({"objection"}, "eve@qzx.example");
  Verify(other.id);
  ASSERT_EQ(Code(service_->Transition(kAgent, other.id, "start", "", "")), "ok");
  EXPECT_EQ(Code(service_->Transition(kAgent, other.id, "complete", "", "")), "ok");
}

TEST_F(RequestServiceTest, ExtensionRules) {
  clock_.Set(*ParseRfc3339("2026-01-31T10:00:00Z"));
  RequestView view = Submit({"access"});
  EXPECT_EQ(FormatRfc3339(view.due_at), "2026-02-28T10:00:00.000Z");
  Verify(view.id);
  EXPECT_EQ(Code(service_->Extend(kAgent, view.id, "complex", std::nullopt, "")), "forbidden");
  EXPECT_EQ(Code(service_->Extend(kOfficer, view.id, "", std::nullopt, "")), "reason_required");
  EXPECT_EQ(Code(service_->Extend(kOfficer, view.id, "complex",
                                  *ParseRfc3339("2026-04-29T10:00:00Z"), "")),
            "extension_too_long");
  EXPECT_EQ(Code(service_->Extend(kOfficer, view.id, "complex",
                                  *ParseRfc3339("2026-02-27T10:00:00Z"), "")),
            "extension_too_short");
  EXPECT_EQ(Code(service_->Extend(kOfficer, "req_none", "complex", std::nullopt, "")),
            "request_not_found");
  auto extended =
      service_->Extend(kOfficer, view.id, "many systems to search", std::nullopt, "hr_5");
  ASSERT_TRUE(extended.ok()) << extended.error().code();
  // Two months from the end of the original deadline.
  EXPECT_EQ(FormatRfc3339(extended->due_at), "2026-04-28T10:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(extended->original_due_at), "2026-02-28T10:00:00.000Z");
  EXPECT_TRUE(extended->extended);
  EXPECT_EQ(Code(service_->Extend(kOfficer, view.id, "again", std::nullopt, "")),
            "already_extended");
  auto mails = Mails();
  ASSERT_FALSE(mails.empty());
  EXPECT_EQ(mails.back().to, "requester");
  EXPECT_EQ(mails.back().template_name, "request_extended");
  EXPECT_EQ(mails.back().language, "de");
  EXPECT_EQ(mails.back().vars["due_date"], "2026-04-28");
  EXPECT_EQ(mails.back().vars["reason"], "many systems to search");

  // After the due date it is too late.
  RequestView late = Submit({"access"}, "fay@qzx.example");
  clock_.Set(late.due_at);
  EXPECT_EQ(Code(service_->Extend(kOfficer, late.id, "complex", std::nullopt, "")),
            "extension_after_due");
  // A regime without extension (Swiss FADP in the example policy).
  RequestView swiss = Submit({"access"}, "gus@qzx.example", "CH");
  EXPECT_EQ(swiss.regime, "swiss_fadp");
  EXPECT_EQ(Code(service_->Extend(kOfficer, swiss.id, "complex", std::nullopt, "")),
            "extension_not_available");
}

TEST_F(RequestServiceTest, UnverifiedRequestsArePurgedLeavingOnlyACount) {
  RequestView stale = Submit({"access"});
  RequestView verified = Submit({"access"}, "hal@qzx.example");
  Verify(verified.id);
  clock_.Advance(71 * 3600 * kMicrosPerSecond);
  ASSERT_TRUE(service_->PurgeIfUnverified(stale.id).ok());
  EXPECT_TRUE(ReadValue<std::optional<RequestRecord>>(*store_, [&](Tx& tx) {
                return tx.GetRequest(stale.id);
              })->has_value());  // not yet
  clock_.Advance(1 * 3600 * kMicrosPerSecond);
  ASSERT_TRUE(service_->PurgeIfUnverified(stale.id).ok());
  ASSERT_TRUE(service_->PurgeIfUnverified(verified.id).ok());
  ASSERT_TRUE(service_->PurgeIfUnverified(stale.id).ok());  // idempotent
  EXPECT_FALSE(ReadValue<std::optional<RequestRecord>>(*store_, [&](Tx& tx) {
                 return tx.GetRequest(stale.id);
               })->has_value());
  EXPECT_TRUE(Events(stale.id).empty());
  EXPECT_EQ(Row(verified.id).state, "verified");
  EXPECT_EQ(*ReadValue<std::optional<std::string>>(
                *store_, [](Tx& tx) { return tx.GetMeta(kPurgedUnverifiedMeta); }),
            std::optional<std::string>("1"));
  // A shorter window from the settings.
  RequestSettings quick;
  quick.unverified_ttl = 10 * kMinute;
  Make(quick);
  RequestView soon = Submit({"access"}, "ivy@qzx.example");
  clock_.Advance(10 * kMinute);
  ASSERT_TRUE(service_->PurgeIfUnverified(soon.id).ok());
  EXPECT_EQ(*ReadValue<std::optional<std::string>>(
                *store_, [](Tx& tx) { return tx.GetMeta(kPurgedUnverifiedMeta); }),
            std::optional<std::string>("2"));
}

TEST_F(RequestServiceTest, CustomersEndUsersAreRoutedToTheirController) {
  RequestView view = Submit({"access"}, "user@mail.example.com", "DE");
  EXPECT_EQ(view.state, "awaiting_verification");  // nothing told before verification
  VerifiedRequest verified = Verify(view.id);
  EXPECT_EQ(verified.request.state, "completed");
  EXPECT_EQ(verified.request.outcome, "routed_to_controller");
  EXPECT_EQ(verified.request.route, "tenant:example_customer");
  auto mails = Mails();
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_EQ(mails[1].to, "tenant:example_customer");
  EXPECT_EQ(mails[1].template_name, "request_tenant_routed");
  EXPECT_EQ(mails[1].vars["email"], "user@mail.example.com");
  EXPECT_EQ(mails[2].to, "requester");
  EXPECT_EQ(mails[2].template_name, "request_processor_notice");
  EXPECT_NE(mails[2].vars["end_user_text"].get<std::string>().find("Systemadministrator"),
            std::string::npos);
  EXPECT_EQ(Transitions(view.id).back(), "route_to_controller:completed");
}

TEST_F(RequestServiceTest, ComplaintsGoToTheDpoWithTheRoutesOfThePersonsRegime) {
  RequestView view = Submit({"complaint"}, "kim@qzx.example", "GB");
  EXPECT_EQ(view.regime, "uk_gdpr");
  ASSERT_EQ(view.complaint_routes.size(), 2u);
  EXPECT_EQ(view.complaint_routes[0].url, "https://ico.org.uk/make-a-complaint/");
  EXPECT_TRUE(view.complaint_routes[1].dpf_dispute_resolution);
  VerifiedRequest verified = Verify(view.id);
  EXPECT_EQ(verified.request.state, "verified");
  EXPECT_EQ(verified.request.route, "dpo");
  auto mails = Mails();
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_EQ(mails[1].to, "dpo");
  EXPECT_EQ(mails[1].template_name, "request_complaint_dpo");
  EXPECT_EQ(mails[2].template_name, "request_complaint_received");
  EXPECT_EQ(mails[2].vars["routes"].size(), 2u);
  // Someone under a regime without those routes gets none.
  RequestView us = Submit({"complaint"}, "lou@qzx.example", "US-CA");
  EXPECT_TRUE(us.complaint_routes.empty());
}

TEST_F(RequestServiceTest, QueueFiltersOverdueListAndMetrics) {
  RequestView a = Submit({"access"});
  clock_.Advance(kDay);
  RequestView b = Submit({"erasure"}, "mo@qzx.example");
  Verify(b.id);
  auto page = service_->List(kAgent, {.limit = 1});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->requests.size(), 1u);
  EXPECT_EQ(page->requests[0].id, a.id);
  ASSERT_TRUE(page->next_due.has_value());
  auto rest =
      service_->List(kAgent, {.after_due = page->next_due, .after_id = page->next_id, .limit = 1});
  ASSERT_EQ(rest->requests.size(), 1u);
  EXPECT_EQ(rest->requests[0].id, b.id);
  EXPECT_FALSE(rest->next_due.has_value());
  EXPECT_EQ(service_->List(kAgent, {.state = "verified"})->requests.size(), 1u);
  EXPECT_EQ(service_->List(kAgent, {.right = "erasure"})->requests[0].id, b.id);
  EXPECT_EQ(Code(service_->List(kMarketing, {})), "forbidden");

  EXPECT_TRUE(service_->Overdue(100)->empty());
  clock_.Set(a.due_at + 1);
  auto overdue = service_->Overdue(100);
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].id, a.id);
  std::string metrics;
  service_->AppendMetrics(metrics);
  EXPECT_NE(metrics.find("privacyd_requests{state=\"awaiting_verification\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("privacyd_requests{state=\"verified\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("privacyd_requests{state=\"completed\"} 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("privacyd_requests_overdue 1\n"), std::string::npos);
  // b is due a day after a.
  EXPECT_NE(metrics.find("privacyd_requests_due_within_7_days 1\n"), std::string::npos);
}

TEST_F(RequestServiceTest, ThePersonMayWithdrawWithTheToken) {
  RequestView view = Submit({"restriction"});
  VerifiedRequest verified = Verify(view.id);
  EXPECT_EQ(Code(service_->WithdrawByPerson(view.id, "rqt_wrong")), "request_not_found");
  auto withdrawn = service_->WithdrawByPerson(view.id, verified.token);
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ(withdrawn->state, "withdrawn");
  EXPECT_EQ(withdrawn->outcome, "withdrawn_by_person");
  EXPECT_EQ(Code(service_->WithdrawByPerson(view.id, verified.token)), "illegal_transition");
}

// Other identities (rights.identities): sealed with the request, refused when the policy does
// not take them or they are malformed, attested by staff, found by the queue and for duplicates.

NewRequest WithPhone(NewRequest r, const std::string& phone) {
  r.identities["phone"] = phone;
  return r;
}

TEST_F(RequestServiceTest, APhoneIsKeptSealedWithTheRequestAndReadInItsCountry) {
  auto view = service_->Submit(WithPhone(Portal({"access"}), "030 12345678"), nullptr, "hr_1");
  ASSERT_TRUE(view.ok()) << view.error().message();
  ASSERT_EQ(view->identities.size(), 1u);
  EXPECT_EQ(view->identities[0].kind, "phone");
  EXPECT_FALSE(view->identities[0].attested);
  EXPECT_EQ(view->identities[0].value, "");  // not shown back
  auto rows = *ReadValue<std::vector<RequestIdentityRecord>>(
      *store_, [&](Tx& tx) { return tx.ListRequestIdentities(view->id); });
  ASSERT_EQ(rows.size(), 1u);
  // Read in Germany, the request's country, and indexed in E.164 like the registry's.
  EXPECT_EQ(rows[0].blind_index, *registry_->IdentityIndex({"phone", "+493012345678"}));
  EXPECT_EQ(rows[0].sealed_value.find("12345678"), std::string::npos);
  EXPECT_FALSE(rows[0].attested_at.has_value());
  // Staff see it opened, with whether it was attested.
  auto staff = service_->Get(kAgent, view->id, nullptr, "hr_2");
  ASSERT_TRUE(staff.ok());
  ASSERT_EQ(staff->identities.size(), 1u);
  EXPECT_EQ(staff->identities[0].value, "+493012345678");
  // The intake's audit entry names the kind only.
  auto intake = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.action = "request.intake";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(intake.size(), 1u);
  EXPECT_EQ(json::parse(intake[0].detail)["identities"], json::array({"phone"}));
  EXPECT_EQ(intake[0].detail.find("12345678"), std::string::npos);
}

TEST_F(RequestServiceTest, IdentitiesThePolicyDoesNotTakeOrThatAreMalformedAreRefused) {
  auto refused = [&](NewRequest r, std::string* field) {
    auto view = service_->Submit(r, nullptr, "", field);
    EXPECT_FALSE(view.ok());
    return view.ok() ? std::string("ok") : view.error().code() + "|" + view.error().message();
  };
  std::string field;
  // Malformed: the field is named, the value never echoed.
  std::string bad = refused(WithPhone(Portal({"access"}), "+49 30 12"), &field);
  EXPECT_EQ(bad.substr(0, bad.find('|')), "invalid_identity");
  EXPECT_EQ(field, "identities.phone");
  EXPECT_NE(bad.find("identities.phone: "), std::string::npos);
  EXPECT_EQ(bad.find("+49 30 12"), std::string::npos);
  // A national number needs the request's country.
  field.clear();
  bad = refused(WithPhone(Portal({"access"}, "ann@qzx.example", ""), "030 12345678"), &field);
  EXPECT_EQ(bad.substr(0, bad.find('|')), "invalid_identity");
  EXPECT_EQ(field, "identities.phone");
  // A kind the example policy does not take, and one that is no identity.
  NewRequest customer = Portal({"access"});
  customer.identities["customer_id"] = "C-1042";
  bad = refused(customer, &field);
  EXPECT_EQ(bad.substr(0, bad.find('|')), "identity_not_allowed");
  EXPECT_EQ(field, "identities.customer_id");
  NewRequest passport = Portal({"access"});
  passport.identities["passport"] = "X123";
  bad = refused(passport, &field);
  EXPECT_EQ(bad.substr(0, bad.find('|')), "unknown_identity_kind");
  EXPECT_EQ(field, "identities.passport");
  // The email's own errors name it.
  bad = refused(Portal({"access"}, "not-an-address"), &field);
  EXPECT_EQ(field, "email");
  // A policy that takes only the email refuses a phone.
  policy_.Replace(
      testing::ExamplePolicyWith("  identities: [email, phone]", "  identities: [email]"));
  bad = refused(WithPhone(Portal({"access"}), "+49 30 12345678"), &field);
  EXPECT_EQ(bad.substr(0, bad.find('|')), "identity_not_allowed");
  EXPECT_EQ(field, "identities.phone");
  // Nothing of any of them was stored, mailed or audited.
  EXPECT_TRUE(Jobs(kRequestMailJob).empty());
  EXPECT_TRUE(service_->List(kAgent, {})->requests.empty());
}

TEST_F(RequestServiceTest, StaffAttestAnIdentityOnceAndOnlyOnAnOpenRequest) {
  RequestView view =
      *service_->Submit(WithPhone(Portal({"access"}), "+49 30 12345678"), nullptr, "hr_1");
  EXPECT_EQ(Code(service_->AttestIdentity(kMarketing, view.id, "phone", "")), "forbidden");
  EXPECT_EQ(Code(service_->AttestIdentity(kAgent, "req_none", "phone", "")), "request_not_found");
  EXPECT_EQ(Code(service_->AttestIdentity(kAgent, view.id, "customer_id", "")),
            "identity_not_found");
  EXPECT_EQ(Code(service_->AttestIdentity(kAgent, view.id, "email", "")), "identity_not_found");
  clock_.Advance(kMinute);
  auto attested = service_->AttestIdentity(kAgent, view.id, "phone", "hr_attest");
  ASSERT_TRUE(attested.ok()) << attested.error().code();
  ASSERT_EQ(attested->identities.size(), 1u);
  EXPECT_TRUE(attested->identities[0].attested);
  EXPECT_EQ(attested->identities[0].attested_by, "sam");
  EXPECT_EQ(attested->identities[0].attested_at, clock_.Now());
  EXPECT_EQ(attested->identities[0].value, "+493012345678");
  // Again: nothing changes.
  clock_.Advance(kMinute);
  auto again = service_->AttestIdentity(kOfficer, view.id, "phone", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->identities[0].attested_by, "sam");
  EXPECT_EQ(Transitions(view.id).back(), "attest_identity:awaiting_verification");
  std::vector<RequestEventView> timeline;
  ASSERT_TRUE(service_->Get(kAgent, view.id, &timeline, "").ok());
  EXPECT_EQ(timeline.back().reason, "phone");
  EXPECT_EQ(timeline.back().actor, "sam");
  auto audit = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.action = "request.identity.attest";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].actor, "sam");
  EXPECT_EQ(audit[0].object, "request:" + view.id);
  EXPECT_EQ(audit[0].request_id, "hr_attest");
  EXPECT_EQ(audit[0].detail, R"({"kind":"phone"})");
  // A closed request takes no attestation.
  RequestView closed = *service_->Submit(
      WithPhone(Portal({"access"}, "bo@qzx.example"), "+49 30 87654321"), nullptr, "");
  ASSERT_TRUE(service_->Transition(kAgent, closed.id, "withdraw", "", "").ok());
  EXPECT_EQ(Code(service_->AttestIdentity(kAgent, closed.id, "phone", "")), "illegal_transition");
  // Staff who check the identity at entry attest every identity with the email.
  NewRequest letter = WithPhone(Portal({"erasure"}, "cy@qzx.example"), "+49 30 11223344");
  letter.channel = "post";
  letter.attested = true;
  auto entered = service_->Submit(letter, &kOfficer, "");
  ASSERT_TRUE(entered.ok()) << entered.error().code();
  ASSERT_EQ(entered->identities.size(), 1u);
  EXPECT_TRUE(entered->identities[0].attested);
  EXPECT_EQ(entered->identities[0].attested_by, "olga");
}

TEST_F(RequestServiceTest, DuplicatesAreFoundByAnyIdentityButThePortalIsNotToldByAPhone) {
  RequestView first =
      *service_->Submit(WithPhone(Portal({"access"}), "+49 30 12345678"), nullptr, "");
  Verify(first.id);
  // Staff entering a request by the same phone for the same right are told, whatever the email.
  NewRequest call = WithPhone(Portal({"access", "erasure"}, "other@qzx.example"), "030 12345678");
  call.channel = "post";
  EXPECT_EQ(Code(service_->Submit(call, &kAgent, "")), "duplicate_request");
  call.rights = {"objection"};
  EXPECT_EQ(Code(service_->Submit(call, &kAgent, "")), "ok");
  // At the portal the phone proves nothing: whoever verifies another address is not told about
  // the first request by its phone.
  RequestView second = *service_->Submit(
      WithPhone(Portal({"access"}, "mallory@qzx.example"), "+49 30 12345678"), nullptr, "");
  EXPECT_EQ(Verify(second.id).request.state, "verified");
  // Once staff attested the phone on one request, attesting it on another open one for the
  // same right is a duplicate.
  ASSERT_TRUE(service_->AttestIdentity(kAgent, first.id, "phone", "").ok());
  std::string duplicate_of;
  EXPECT_EQ(Code(service_->AttestIdentity(kAgent, second.id, "phone", "", &duplicate_of)),
            "duplicate_request");
  EXPECT_EQ(duplicate_of, first.id);
}

TEST_F(RequestServiceTest, QueueOfOnePersonIsFoundByPhone) {
  RequestView a = *service_->Submit(WithPhone(Portal({"access"}), "+49 30 12345678"), nullptr, "");
  Submit({"erasure"}, "mo@qzx.example");
  auto found = service_->List(kAgent, {}, {"phone", "+49 (30) 1234-5678"}, "hr_find");
  ASSERT_TRUE(found.ok()) << found.error().code();
  ASSERT_EQ(found->requests.size(), 1u);
  EXPECT_EQ(found->requests[0].id, a.id);
  EXPECT_TRUE(service_->List(kAgent, {}, {"phone", "+49 30 87654321"}, "")->requests.empty());
  EXPECT_EQ(Code(service_->List(kAgent, {}, {"phone", "12"}, "")), "invalid_identity");
  EXPECT_EQ(Code(service_->List(kAgent, {}, {"passport", "X"}, "")), "unknown_identity_kind");
  auto audit = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.action = "request.search";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].detail, R"({"found":true,"lookup":"phone"})");
  EXPECT_EQ(audit[1].detail, R"({"found":false,"lookup":"phone"})");
}

// Retention of closed requests (rights.records_retention).

TEST_F(RequestServiceTest, ClosedRequestsAreDeletedOnceTheirRetentionHasPassed) {
  // Closed on 2026-01-01 and on 2026-03-01; one stays open.
  RequestView early =
      *service_->Submit(WithPhone(Portal({"objection"}), "+49 30 12345678"), nullptr, "");
  Verify(early.id);
  ASSERT_TRUE(service_->Transition(kOfficer, early.id, "refuse", "unfounded", "").ok());
  RequestView open = Submit({"access"}, "olaf@qzx.example");
  clock_.Set(*ParseRfc3339("2026-03-01T00:00:00Z"));
  RequestView later = Submit({"access"}, "lena@qzx.example");
  ASSERT_TRUE(service_->Transition(kAgent, later.id, "withdraw", "", "").ok());
  const std::string early_index = Row(early.id).blind_index;

  // The example policy keeps them three years from closing: 2029-01-01 for the first.
  clock_.Set(*ParseRfc3339("2028-12-31T23:59:59Z"));
  EXPECT_EQ(*service_->SweepClosed(), 0);
  clock_.Set(*ParseRfc3339("2029-01-01T00:00:00Z"));
  EXPECT_EQ(*service_->SweepClosed(), 1);
  EXPECT_EQ(*service_->SweepClosed(), 0);  // idempotent
  auto gone = *ReadValue<std::optional<RequestRecord>>(
      *store_, [&](Tx& tx) { return tx.GetRequest(early.id); });
  EXPECT_FALSE(gone.has_value());
  EXPECT_TRUE(Events(early.id).empty());
  EXPECT_TRUE(ReadValue<std::vector<RequestIdentityRecord>>(*store_, [&](Tx& tx) {
                return tx.ListRequestIdentities(early.id);
              })->empty());
  // Its codes went too.
  EXPECT_EQ(*ReadValue<int64_t>(*store_,
                                [&](Tx& tx) {
                                  return tx.CountVerificationCodesSince(kRequestCodePurpose,
                                                                        early_index, 0);
                                }),
            0);
  EXPECT_EQ(Code(service_->Get(kAgent, early.id, nullptr, "")), "request_not_found");
  // The open one, though older, and the one closed later stay.
  EXPECT_EQ(Row(open.id).state, "awaiting_verification");
  EXPECT_EQ(Row(later.id).state, "withdrawn");
  // Audited per request, without personal data; counted.
  auto audit = *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) {
    AuditQuery q;
    q.action = "request.deleted";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].actor, "system");
  EXPECT_EQ(audit[0].object, "request:" + early.id);
  EXPECT_EQ(
      audit[0].detail,
      R"({"closed_at":"2026-01-01T00:00:00.000Z","reason":"records_retention","state":"refused"})");
  EXPECT_EQ(*ReadValue<std::optional<std::string>>(
                *store_, [](Tx& tx) { return tx.GetMeta(kDeletedAfterRetentionMeta); }),
            std::optional<std::string>("1"));
  std::string metrics;
  service_->AppendMetrics(metrics);
  EXPECT_NE(metrics.find("privacyd_requests_deleted_after_retention_total 1\n"), std::string::npos);
  // Three years from 2026-03-01.
  clock_.Set(*ParseRfc3339("2029-03-01T00:00:00Z"));
  EXPECT_EQ(*service_->SweepClosed(), 1);
  EXPECT_EQ(Row(open.id).state, "awaiting_verification");
}

TEST_F(RequestServiceTest, WithoutARetentionClosedRequestsAreKept) {
  policy_.Replace(testing::ExamplePolicyWith("  records_retention: {years: 3}\n", ""));
  RequestView view = Submit({"access"});
  ASSERT_TRUE(service_->Transition(kAgent, view.id, "withdraw", "", "").ok());
  clock_.Advance(20 * 365 * kDay);
  EXPECT_EQ(*service_->SweepClosed(), 0);
  EXPECT_EQ(Row(view.id).state, "withdrawn");
}

TEST_F(RequestServiceTest, SweepsDeleteInBatches) {
  policy_.Replace(testing::ExamplePolicyWith("  records_retention: {years: 3}",
                                             "  records_retention: {days: 1}"));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    RequestView v = Submit({"access"}, "p" + std::to_string(i) + "@qzx.example");
    ASSERT_TRUE(service_->Transition(kAgent, v.id, "withdraw", "", "").ok());
    ids.push_back(v.id);
  }
  clock_.Advance(kDay);
  EXPECT_EQ(*service_->SweepClosed(2), 5);
  EXPECT_TRUE(service_->List(kAgent, {})->requests.empty());
  // The sweep runs again a day later, one run per day.
  ASSERT_TRUE(service_->ScheduleRetentionSweep(clock_.Now()).ok());
  ASSERT_TRUE(service_->ScheduleRetentionSweep(clock_.Now() + kMinute).ok());
  ASSERT_TRUE(service_->ScheduleRetentionSweep(clock_.Now() + kDay).ok());
  EXPECT_EQ(Jobs(kRequestRetentionSweepJob).size(), 2u);
}

}  // namespace
}  // namespace privacyd
