#include "consent/consent_ledger.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "testing/consent_fixture.h"

namespace privacyd {
namespace {

using ConsentLedgerTest = testing::ConsentFixture;

TEST_F(ConsentLedgerTest, AFormSubscriptionInAnOptInRegimeWaitsForItsDoubleOptIn) {
  std::string id = Person("anna@example.de", "gdpr");
  ASSERT_TRUE(FormTopics(id, {"newsletter"}).ok());
  auto events = Events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].target, "topic:newsletter");
  EXPECT_EQ(events[0].action, "request");
  EXPECT_EQ(events[0].method, "collection_form");
  EXPECT_EQ(events[0].regime, "gdpr");
  EXPECT_EQ(events[0].language, "de");
  EXPECT_EQ(events[0].country, "DE");
  EXPECT_EQ(events[0].user_agent, "firefox");
  EXPECT_EQ(events[0].notice_hash.size(), 64u);
  EXPECT_EQ(events[0].notice_hash,
            ConsentLedger::NoticeHash(*policy_.Current(), "topic:newsletter", "de"));
  EXPECT_NE(events[0].notice_hash,
            ConsentLedger::NoticeHash(*policy_.Current(), "topic:newsletter", "en"));
  EXPECT_EQ(Verdict("newsletter", "anna@example.de"), "no_consent");

  auto jobs = MailJobs();
  ASSERT_EQ(jobs.size(), 1u);
  auto queued = Outbox::Parse(jobs[0].payload);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->template_name, "double_opt_in");
  EXPECT_EQ(queued->subject_id, id);
  EXPECT_EQ(queued->language, "de");
  // The payload keeps the link sealed: no URL, no token in the clear.
  EXPECT_EQ(jobs[0].payload.find("https://"), std::string::npos);
  auto vars =
      ReadValue<nlohmann::json>(*store_, [&](Tx& tx) { return outbox_->OpenVars(tx, *queued); });
  ASSERT_TRUE(vars.ok());
  EXPECT_EQ((*vars)["topics"], nlohmann::json::array({"Newsletter"}));
  std::string url = (*vars)["confirm_url"];
  ASSERT_EQ(url.rfind("https://privacy.example.com/c/", 0), 0u) << url;
  auto claims = links_->Verify(url.substr(url.rfind('/') + 1), clock_.Now());
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->purpose, LinkPurpose::kConfirm);
  EXPECT_EQ(claims->topic, "newsletter");

  auto granted = ledger_->Confirm(*claims, Source("ignored"));
  ASSERT_TRUE(granted.ok());
  EXPECT_EQ(*granted, std::vector<std::string>{"newsletter"});
  EXPECT_EQ(Events(id).back().method, "double_opt_in");
  EXPECT_EQ(Verdict("newsletter", "anna@example.de"), "allowed");
  // Confirming twice grants nothing more.
  EXPECT_TRUE(ledger_->Confirm(*claims, Source("ignored"))->empty());
  EXPECT_EQ(Events(id).size(), 2u);
}

TEST_F(ConsentLedgerTest, AFormSubscriptionInAnOptOutRegimeIsGrantedAtOnce) {
  std::string id = Person("bob@example.com", "ccpa");
  // Silence already allows marketing under the CCPA: the person is mailed until they object.
  EXPECT_EQ(Verdict("newsletter", "bob@example.com"), "allowed");
  ASSERT_TRUE(FormTopics(id, {"newsletter"}).ok());
  auto events = Events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "grant");
  EXPECT_TRUE(MailJobs().empty());
  // The Trust Center Update is opt-in whatever the regime.
  EXPECT_EQ(Verdict("trust_center_update", "bob@example.com"), "no_consent");
}

TEST_F(ConsentLedgerTest, UnsubscribingIsIdempotentAndConfirmedByMailOnce) {
  std::string id = Person("carl@example.com", "ccpa");
  auto first = ledger_->Change(id, "newsletter", "withdraw", Source(kMethodOneClick), true);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto second = ledger_->Change(id, "newsletter", "withdraw", Source(kMethodOneClick), true);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_EQ(Events(id).size(), 1u);
  EXPECT_EQ(MailJobs().size(), 1u);
  EXPECT_EQ(Verdict("newsletter", "carl@example.com"), "no_consent");
  // The other marketing topic still stands under the CCPA.
  EXPECT_EQ(Verdict("product_alerts", "carl@example.com"), "allowed");
  ASSERT_TRUE(ledger_->Change(id, "*", "withdraw", Source(kMethodOneClick)).ok());
  EXPECT_EQ(Verdict("product_alerts", "carl@example.com"), "no_consent");
}

TEST_F(ConsentLedgerTest, AnObjectionSuppressesEveryIdentityAndOutlivesErasure) {
  std::string id = Person("dora@example.com", "ccpa");
  auto changed = ledger_->Change(id, "", "object", Source(kMethodPreferenceCenter));
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Verdict("newsletter", "dora@example.com"), "objected");
  EXPECT_FALSE(*ledger_->Change(id, "", "object", Source(kMethodPreferenceCenter)));
  // A form subscription now only asks for confirmation.
  ASSERT_TRUE(FormTopics(id, {"newsletter"}).ok());
  EXPECT_EQ(Events(id).back().action, "request");
  EXPECT_EQ(Verdict("newsletter", "dora@example.com"), "objected");

  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(tx.MarkSubjectErased(id, clock_.Now()));
                    return tx.DeleteSubjectData(id);
                  })
                  .ok());
  EXPECT_EQ(Verdict("newsletter", id), "erased");
  // The ledger outlives the erasure as proof; the blind index still finds the erased subject.
  EXPECT_FALSE(Events(id).empty());
  EXPECT_EQ(Verdict("newsletter", "dora@example.com"), "erased");
  // An address on the suppression list that no subject holds (its rows were purged, or it was
  // listed from a file) is reported as suppressed, one nobody knows as unknown.
  auto index = registry_->IdentityIndex({"email", "eve@example.com"});
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) {
                    return tx.AddSuppression({"email", *index, "objection", clock_.Now()});
                  })
                  .ok());
  EXPECT_EQ(Verdict("newsletter", "eve@example.com"), "suppressed");
  EXPECT_EQ(Verdict("newsletter", "nobody-here@example.com"), "unknown");
}

TEST_F(ConsentLedgerTest, AVerifiedGrantAfterAnObjectionLiftsItForThatTopicOnly) {
  std::string id = Person("finn@example.com", "ccpa");
  ASSERT_TRUE(ledger_->Change(id, "", "object", Source(kMethodPreferenceCenter)).ok());
  clock_.Advance(kMicrosPerSecond);
  // A staff-entered grant is not the person's own verified act: it changes nothing.
  auto by_staff = ledger_->Change(id, "newsletter", "grant", Source(kMethodStaffPhone));
  ASSERT_TRUE(by_staff.ok());
  EXPECT_FALSE(*by_staff);
  EXPECT_EQ(Verdict("newsletter", "finn@example.com"), "objected");
  ASSERT_TRUE(ledger_->Change(id, "newsletter", "grant", Source(kMethodPreferenceCenter)).ok());
  EXPECT_EQ(Verdict("newsletter", "finn@example.com"), "allowed");
  EXPECT_EQ(Verdict("product_alerts", "finn@example.com"), "objected");
}

TEST_F(ConsentLedgerTest, ChecksAreForSendersAndAuditedWithCountsOnly) {
  Person("gina@example.com", "ccpa");
  AccessContext support{{"usr_s", "sam", "support_agent"}, "support", "req_s"};
  EXPECT_EQ(ledger_->Check(support, "newsletter", {"gina@example.com"}).error().code(),
            "forbidden");
  AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
  EXPECT_EQ(ledger_->Check(sender, "nope", {"gina@example.com"}).error().code(), "unknown_topic");
  auto items = ledger_->Check(sender, "newsletter",
                              {"gina@example.com", "GINA@Example.com", "not an email", "sub_x"});
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(ConsentVerdictName((*items)[0].verdict), std::string("allowed"));
  EXPECT_EQ(ConsentVerdictName((*items)[1].verdict), std::string("allowed"));
  EXPECT_EQ(ConsentVerdictName((*items)[2].verdict), std::string("unknown"));
  EXPECT_EQ(ConsentVerdictName((*items)[3].verdict), std::string("unknown"));
  auto trail = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    q.action = "consent.check";
    return tx.ListAudit(q);
  });
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 1u);
  EXPECT_EQ(trail->back().object, "topic:newsletter");
  EXPECT_EQ(trail->back().detail.find("gina"), std::string::npos);
  auto detail = nlohmann::json::parse(trail->back().detail);
  EXPECT_EQ(detail["checked"], 4);
  EXPECT_EQ(detail["verdicts"]["allowed"], 2);
  EXPECT_EQ(detail["verdicts"]["unknown"], 2);
}

TEST_F(ConsentLedgerTest, APreferencesCodeIsMailedOnlyToKnownAddressesAndOpensThePreferences) {
  std::string id = Person("hana@example.com", "ccpa");
  ASSERT_TRUE(
      ledger_->SendPreferencesCode("Hana@Example.com", Source(kMethodPreferenceCenter)).ok());
  ASSERT_TRUE(
      ledger_->SendPreferencesCode("stranger@example.com", Source(kMethodPreferenceCenter)).ok());
  auto jobs = MailJobs();
  ASSERT_EQ(jobs.size(), 1u);  // nothing goes to the stranger
  auto queued = Outbox::Parse(jobs[0].payload);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->template_name, "one_time_code");
  EXPECT_EQ(queued->subject_id, id);
  auto vars =
      ReadValue<nlohmann::json>(*store_, [&](Tx& tx) { return outbox_->OpenVars(tx, *queued); });
  ASSERT_TRUE(vars.ok());
  std::string code = (*vars)["code"];
  EXPECT_EQ((*vars)["minutes"], 15);
  EXPECT_EQ((*vars)["purpose_text"], "Ihr Präferenz-Center öffnen");
  // The code is nowhere in the job in the clear.
  EXPECT_EQ(jobs[0].payload.find(code), std::string::npos);

  std::string wrong = code;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  auto refused = ledger_->PreferencesTokenForCode("hana@example.com", wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "invalid_code");
  auto token = ledger_->PreferencesTokenForCode("hana@example.com", code);
  ASSERT_TRUE(token.ok()) << token.error().message();
  auto claims = links_->Verify(*token, clock_.Now());
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->purpose, LinkPurpose::kPreferences);
  EXPECT_EQ(claims->subject_id, id);
  EXPECT_EQ(claims->expires_at, clock_.Now() + ConsentLedger::kCodeSessionValidity);
  // Used once; and whatever the stranger's code was, it opens nothing.
  EXPECT_EQ(ledger_->PreferencesTokenForCode("hana@example.com", code).error().code(),
            "invalid_code");
  EXPECT_EQ(ledger_->SendPreferencesCode("not an address", Source("x")).error().code(),
            "invalid_identity");
}

TEST_F(ConsentLedgerTest, TheReceiptRecordsEachPurposeItsStateAndHowItCameAbout) {
  std::string id = Person("rita@example.de", "gdpr");
  ASSERT_TRUE(FormTopics(id, {"newsletter"}).ok());
  LinkClaims confirm{LinkPurpose::kConfirm, id, "newsletter", "", clock_.Now() + 1000};
  ASSERT_TRUE(ledger_->Confirm(confirm, Source("x")).ok());
  clock_.Advance(kMicrosPerSecond);
  AccessContext agent{{"usr_s", "sam", "support_agent"}, "consent", "req_s"};
  auto by_letter = ledger_->ChangeForPerson(agent, id, "trust_center_update", "grant",
                                            kMethodStaffLetter, "2026-01-02");
  ASSERT_TRUE(by_letter.ok());
  EXPECT_TRUE(*by_letter);
  EXPECT_EQ(
      ledger_->ChangeForPerson(agent, id, "newsletter", "grant", "email_link", "").error().code(),
      "invalid_consent_method");
  AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_m"};
  EXPECT_EQ(ledger_->ChangeForPerson(sender, id, "newsletter", "withdraw", kMethodStaffPhone, "")
                .error()
                .code(),
            "forbidden");

  auto receipt = ledger_->Receipt(id);
  ASSERT_TRUE(receipt.ok());
  const nlohmann::json& r = *receipt;
  EXPECT_EQ(r["schema"], "ISO/IEC TS 27560:2023 consent record");
  EXPECT_EQ(r["pii_principal_id"], id);
  EXPECT_EQ(r["jurisdiction"], "gdpr");
  EXPECT_EQ(r["notice"]["statement_version"], policy_.Current()->version);
  EXPECT_EQ(r["pii_controllers"][0]["name"], policy_.Current()->controller.name);
  std::map<std::string, nlohmann::json> consents;
  for (const auto& c : r["consents"]) consents[c["topic"]] = c;
  ASSERT_EQ(consents.size(), 3u);
  const auto& newsletter = consents["newsletter"];
  EXPECT_EQ(newsletter["state"], "given");
  EXPECT_EQ(newsletter["consent_type"], "expressed_verified");
  EXPECT_EQ(newsletter["may_be_sent"], true);
  EXPECT_EQ(newsletter["purpose"]["legal_basis"], "consent");
  EXPECT_EQ(newsletter["purpose"]["data_use"], "marketing.communications.email");
  ASSERT_EQ(newsletter["events"].size(), 2u);
  EXPECT_EQ(newsletter["events"][0]["action"], "request");
  EXPECT_EQ(newsletter["events"][1]["method"], "double_opt_in");
  EXPECT_EQ(newsletter["events"][1]["notice_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(consents["product_alerts"]["state"], "not_given");
  EXPECT_EQ(consents["trust_center_update"]["state"], "given");
  EXPECT_EQ(consents["trust_center_update"]["consent_type"], "expressed");
  EXPECT_EQ(consents["trust_center_update"]["events"][0]["actor"], "staff");

  ASSERT_TRUE(ledger_->Change(id, "", "object", Source(kMethodPreferenceCenter)).ok());
  auto after = ledger_->ReceiptForStaff(agent, id);
  ASSERT_TRUE(after.ok());
  int refused = 0;
  for (const auto& c : (*after)["consents"]) {
    if (c["topic"] == "newsletter" && c["state"] == "refused") ++refused;
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ((*after)["direct_marketing_objections"].size(), 1u);
  EXPECT_EQ(ledger_->ReceiptForStaff(sender, id).error().code(), "forbidden");
}

TEST_F(ConsentLedgerTest, SeveralChangesAreAllOrNothingAndMayCarryAGpcSignal) {
  std::string id = Person("ivo@example.com", "ccpa");
  auto refused = ledger_->ChangeAll(id, {{"newsletter", "withdraw"}, {"no_such_topic", "grant"}},
                                    Source(kMethodPreferenceCenter));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "unknown_topic");
  EXPECT_TRUE(Events(id).empty());
  auto done = ledger_->ChangeAll(
      id,
      {{"newsletter", "withdraw"}, {"trust_center_update", "grant"}, {"newsletter", "withdraw"}},
      Source(kMethodPreferenceCenter), false, /*gpc=*/true);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*done, 2u);  // the repeated withdrawal changes nothing
  auto events = Events(id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].target, "topic:newsletter");
  EXPECT_EQ(events[1].target, "topic:trust_center_update");
  EXPECT_EQ(events[2].target, "sale_sharing");
  EXPECT_EQ(events[2].method, "gpc");
}

TEST_F(ConsentLedgerTest, ANewAddressCountsOnlyOnceConfirmedFromItsMailbox) {
  std::string id = Person("old@example.com", "ccpa");
  ConsentSource source = Source(kMethodPreferenceCenter);
  EXPECT_EQ(ledger_->RequestAddressChange(id, "not an address", source).error().code(),
            "invalid_identity");
  auto same = ledger_->RequestAddressChange(id, "OLD@example.com", source);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);
  EXPECT_TRUE(MailJobs().empty());
  // Someone else's address: the same answer, and nothing stored or sent.
  Person("taken@example.com", "ccpa");
  ASSERT_TRUE(ledger_->RequestAddressChange(id, "taken@example.com", source).ok());
  EXPECT_TRUE(MailJobs().empty());

  ASSERT_TRUE(*ledger_->RequestAddressChange(id, "first@example.com", source));
  ASSERT_TRUE(*ledger_->RequestAddressChange(id, "new@example.com", source));
  auto jobs = MailJobs();
  ASSERT_EQ(jobs.size(), 2u);
  auto queued = Outbox::Parse(jobs[1].payload);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->identity_kind, kPendingEmailKind);
  EXPECT_EQ(queued->template_name, "address_change");
  auto vars =
      ReadValue<nlohmann::json>(*store_, [&](Tx& tx) { return outbox_->OpenVars(tx, *queued); });
  ASSERT_TRUE(vars.ok());
  std::string url = (*vars)["confirm_url"];
  ASSERT_EQ(url.rfind("https://privacy.example.com/a/", 0), 0u) << url;
  auto claims = links_->Verify(url.substr(url.rfind('/') + 1), clock_.Now());
  ASSERT_TRUE(claims.ok());
  // Until confirmed, mail goes to the old address and the new one is nobody's.
  EXPECT_EQ(Verdict("newsletter", "old@example.com"), "allowed");
  EXPECT_EQ(Verdict("newsletter", "new@example.com"), "unknown");
  auto pending = ReadValue<std::optional<std::string>>(
      *store_, [&](Tx& tx) { return registry_->OpenIdentity(tx, id, kPendingEmailKind); });
  EXPECT_EQ(*pending, std::optional<std::string>("new@example.com"));

  // The link of the superseded request no longer works.
  auto first = Outbox::Parse(jobs[0].payload);
  auto first_vars =
      ReadValue<nlohmann::json>(*store_, [&](Tx& tx) { return outbox_->OpenVars(tx, *first); });
  std::string first_url = (*first_vars)["confirm_url"];
  auto first_claims = links_->Verify(first_url.substr(first_url.rfind('/') + 1), clock_.Now());
  EXPECT_EQ(ledger_->ConfirmAddressChange(*first_claims, Source(kMethodDoubleOptIn)).error().code(),
            "address_change_not_pending");

  ASSERT_TRUE(ledger_->ConfirmAddressChange(*claims, Source(kMethodDoubleOptIn)).ok());
  EXPECT_EQ(Verdict("newsletter", "old@example.com"), "unknown");
  EXPECT_EQ(Verdict("newsletter", "new@example.com"), "allowed");
  auto identities = ReadValue<std::vector<IdentityRecord>>(
      *store_, [&](Tx& tx) { return tx.ListIdentities(id); });
  ASSERT_EQ(identities->size(), 1u);
  EXPECT_EQ((*identities)[0].kind, "email");
  auto address = ReadValue<std::optional<std::string>>(
      *store_, [&](Tx& tx) { return registry_->OpenIdentity(tx, id, "email"); });
  EXPECT_EQ(*address, std::optional<std::string>("new@example.com"));
  // Following the link again changes nothing.
  EXPECT_TRUE(ledger_->ConfirmAddressChange(*claims, Source(kMethodDoubleOptIn)).ok());
  auto trail = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    q.action = "identity.changed";
    return tx.ListAudit(q);
  });
  ASSERT_EQ(trail->size(), 1u);
  EXPECT_EQ(trail->back().detail.find("example.com"), std::string::npos);
}

TEST_F(ConsentLedgerTest, AnAddressRegisteredMeanwhileIsNotTakenOver) {
  std::string id = Person("old@example.com", "ccpa");
  ASSERT_TRUE(
      *ledger_->RequestAddressChange(id, "new@example.com", Source(kMethodPreferenceCenter)));
  auto queued = Outbox::Parse(MailJobs()[0].payload);
  auto vars =
      ReadValue<nlohmann::json>(*store_, [&](Tx& tx) { return outbox_->OpenVars(tx, *queued); });
  std::string url = (*vars)["confirm_url"];
  auto claims = links_->Verify(url.substr(url.rfind('/') + 1), clock_.Now());
  std::string other = Person("new@example.com", "gdpr");
  EXPECT_EQ(ledger_->ConfirmAddressChange(*claims, Source(kMethodDoubleOptIn)).error().code(),
            "address_taken");
  EXPECT_EQ(Verdict("newsletter", "old@example.com"), "allowed");
}

// The property: over random ledgers, the check answers exactly what a plain replay of the
// history says, and in particular never allows anyone the replay refuses.
struct Model {
  bool erased = false;
  bool restricted = false;
  std::string regime;
  std::optional<Micros> suppressed_at;
  // Replayed history.
  struct Ev {
    std::string target, action, method;
    Micros at;
  };
  std::vector<Ev> events;

  std::string Expect(const std::string& topic, bool marketing, bool silence_allows) const {
    if (erased) return "erased";
    if (restricted) return "restricted";
    std::optional<bool> say;  // the latest grant (true) or withdrawal (false)
    bool objected = false;
    bool suppressed = suppressed_at.has_value();
    for (const Ev& e : events) {
      bool verified = e.method == "preference_center" || e.method == "double_opt_in";
      if (e.target == "topic:" + topic && e.action == "grant") {
        say = true;
        if (verified) {
          objected = false;
          if (suppressed_at && e.at >= *suppressed_at) suppressed = false;
        }
      } else if (e.target == "topic:" + topic && e.action == "withdraw") {
        say = false;
      } else if (marketing && e.target == "marketing" &&
                 (e.action == "withdraw" || e.action == "object")) {
        say = false;
        if (e.action == "object") objected = true;
      }
    }
    if (marketing && objected) return "objected";
    if (marketing && suppressed) return "suppressed";
    if (say) return *say ? "allowed" : "no_consent";
    return silence_allows ? "allowed" : "no_consent";
  }
};

TEST_F(ConsentLedgerTest, CheckAgreesWithAPlainReplayOverRandomLedgers) {
  std::mt19937_64 rng(20261127);
  const std::vector<std::string> regimes = {"gdpr", "ccpa", "other", "lgpd", ""};
  const std::vector<std::string> targets = {"topic:newsletter", "topic:product_alerts",
                                            "topic:trust_center_update", "marketing",
                                            "sale_sharing"};
  const std::vector<std::string> actions = {"grant", "withdraw", "object", "request"};
  const std::vector<std::string> methods = {"collection_form", "preference_center", "one_click",
                                            "double_opt_in",   "staff_phone",       "gpc"};
  constexpr int kPeople = 150;
  std::vector<std::string> emails;
  std::map<std::string, Model> models;
  for (int p = 0; p < kPeople; ++p) {
    std::string email = "p" + std::to_string(p) + "@example.org";
    Model m;
    m.regime = regimes[rng() % regimes.size()];
    std::string id = Person(email, m.regime);
    int n = static_cast<int>(rng() % 7);
    ASSERT_TRUE(store_
                    ->Write([&](Tx& tx) -> Status {
                      Micros at = clock_.Now();
                      for (int i = 0; i < n; ++i) {
                        at += 1000 + static_cast<Micros>(rng() % 1000);
                        if (!m.suppressed_at && rng() % 10 == 0) {
                          m.suppressed_at = at++;
                          PD_ASSIGN_OR_RETURN(auto ids, tx.ListIdentities(id));
                          PD_RETURN_IF_ERROR(tx.AddSuppression(
                              {"email", ids[0].blind_index, "complaint", *m.suppressed_at}));
                        }
                        ConsentEventRecord e;
                        e.subject_id = id;
                        e.target = targets[rng() % targets.size()];
                        e.action = actions[rng() % actions.size()];
                        e.method = methods[rng() % methods.size()];
                        e.regime = m.regime;
                        e.created_at = at;
                        PD_RETURN_IF_ERROR(StatusOf(tx.AppendConsentEvent(e)));
                        m.events.push_back({e.target, e.action, e.method, at});
                      }
                      if (rng() % 12 == 0) {
                        m.restricted = true;
                        PD_RETURN_IF_ERROR(tx.SetSubjectRestricted(id, at));
                      }
                      if (rng() % 15 == 0) {
                        m.erased = true;
                        PD_RETURN_IF_ERROR(tx.MarkSubjectErased(id, at));
                      }
                      return Ok();
                    })
                    .ok());
    emails.push_back(email);
    models[email] = m;
  }
  // Silence, as the statement's regimes set it: marketing email is opt-out under the CCPA and
  // where no regime applies; consent everywhere else. The Trust Center Update is opt-in.
  auto silence = [](const std::string& topic, const std::string& regime) {
    if (topic == "trust_center_update") return false;
    return regime == "ccpa" || regime == "other";
  };
  AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
  int allowed = 0;
  for (const std::string topic : {"newsletter", "product_alerts", "trust_center_update"}) {
    auto items = ledger_->Check(sender, topic, emails);
    ASSERT_TRUE(items.ok());
    for (size_t i = 0; i < emails.size(); ++i) {
      const Model& m = models[emails[i]];
      std::string expected =
          m.Expect(topic, topic != "trust_center_update", silence(topic, m.regime));
      std::string got = ConsentVerdictName((*items)[i].verdict);
      ASSERT_EQ(got, expected) << emails[i] << " topic " << topic << " regime '" << m.regime << "'";
      if (got == "allowed") ++allowed;
    }
  }
  // The draw exercised both answers.
  EXPECT_GT(allowed, 20);
  EXPECT_LT(allowed, 3 * kPeople - 20);
}

}  // namespace
}  // namespace privacyd
