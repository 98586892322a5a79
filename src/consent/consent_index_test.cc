#include "consent/consent_index.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "consent/check_audit.h"
#include "crypto/secret.h"
#include "testing/consent_fixture.h"

namespace privacyd {
namespace {

class ConsentIndexTest : public testing::ConsentFixture {
 protected:
  void SetUp() override {
    ConsentFixture::SetUp();
    index_ = std::make_unique<ConsentIndex>(*store_, policy_, Jurisdictions::Default());
  }

  // The index's verdict for each identity (email or subject id), or nullopt when it did not
  // answer.
  std::optional<std::vector<std::string>> FromIndex(const std::string& topic,
                                                    const std::vector<std::string>& identities,
                                                    ConsentIndex* index = nullptr) {
    std::vector<std::string> out;
    auto answered =
        (index ? index : index_.get())->Read(topic, [&](const ConsentIndex::View& view) {
          for (const auto& identity : identities) {
            ConsentVerdict verdict;
            if (identity.starts_with("sub_")) {
              verdict = view.BySubjectId(identity);
            } else {
              auto key = registry_->IdentityIndex({"email", identity});
              verdict = key.ok() ? view.ByEmailIndex(*key, nullptr) : ConsentVerdict::kUnknown;
            }
            out.push_back(ConsentVerdictName(verdict));
          }
        });
    EXPECT_TRUE(answered.ok());
    if (!answered.ok() || !*answered) return std::nullopt;
    return out;
  }

  // The ledger's check on the store, without the index.
  std::vector<std::string> FromStore(const std::string& topic,
                                     const std::vector<std::string>& identities) {
    AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
    auto items = ledger_->Check(sender, topic, identities);
    EXPECT_TRUE(items.ok());
    std::vector<std::string> out;
    if (items.ok()) {
      for (const auto& item : *items) out.push_back(ConsentVerdictName(item.verdict));
    }
    return out;
  }

  // Runs `sql` on a connection of its own, as another process would.
  void ExecElsewhere(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "privacyd.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::unique_ptr<ConsentIndex> index_;
};

const std::vector<std::string> kTopics = {"newsletter", "product_alerts", "trust_center_update"};

TEST_F(ConsentIndexTest, AnswersNothingBeforeItIsBuilt) {
  Person("ana@example.com", "ccpa");
  EXPECT_EQ(FromIndex("newsletter", {"ana@example.com"}), std::nullopt);
  ASSERT_TRUE(index_->Build().ok());
  EXPECT_EQ(FromIndex("newsletter", {"ana@example.com"}), (std::vector<std::string>{"allowed"}));
  // A topic the policy does not declare is not the index's to answer.
  EXPECT_EQ(FromIndex("no_such_topic", {"ana@example.com"}), std::nullopt);
}

// The batch look-up answers what one look-up at a time answers, for every position of a batch
// (the look-ahead's start, middle and end), with empty keys and unknown addresses among them.
TEST_F(ConsentIndexTest, BatchLookUpsAnswerAsSingleOnes) {
  std::vector<std::string> keys;
  for (int i = 0; i < 70; ++i) {
    const std::string email = "p" + std::to_string(i) + "@example.com";
    if (i % 5 != 4) Person(email, i % 2 == 0 ? "ccpa" : "gdpr");  // allowed, or no consent
    keys.push_back(i % 7 == 6 ? "" : *registry_->IdentityIndex({"email", email}));
  }
  ASSERT_TRUE(index_->Build().ok());
  for (const auto& [first, end] :
       {std::pair<size_t, size_t>{0, 70}, {0, 3}, {5, 30}, {69, 70}, {10, 10}}) {
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    auto answered = index_->Read("newsletter", [&](const ConsentIndex::View& view) {
      std::vector<size_t> seen;
      std::map<ConsentVerdict, int> verdicts;
      view.ByEmailIndexes(views, first, end,
                          [&](size_t i, ConsentVerdict verdict, std::string_view subject_id) {
                            seen.push_back(i);
                            ++verdicts[verdict];
                            std::string single_id;
                            EXPECT_EQ(verdict, view.ByEmailIndex(keys[i], &single_id)) << i;
                            EXPECT_EQ(subject_id, single_id) << i;
                            EXPECT_EQ(subject_id.empty(), verdict != ConsentVerdict::kAllowed);
                          });
      std::vector<size_t> want;
      for (size_t i = first; i < end; ++i) {
        if (!keys[i].empty()) want.push_back(i);
      }
      EXPECT_EQ(seen, want) << first << ".." << end;
      if (end - first == 70) {  // the whole list has every kind of answer
        EXPECT_EQ(verdicts[ConsentVerdict::kAllowed], 24);
        EXPECT_EQ(verdicts[ConsentVerdict::kNoConsent], 24);
        EXPECT_EQ(verdicts[ConsentVerdict::kUnknown], 12);
      }
    });
    ASSERT_TRUE(answered.ok() && *answered);
  }
}

// The property: after any mix of changes, made through privacyd or behind its back, the index
// answers exactly what the store answers, both by catching up and when built afresh.
TEST_F(ConsentIndexTest, AgreesWithTheStoreAfterEveryRoundOfRandomChanges) {
  ASSERT_TRUE(index_->Build().ok());
  std::mt19937_64 rng(20261127);
  const std::vector<std::string> regimes = {"gdpr", "ccpa", "other", "lgpd", ""};
  const std::vector<std::string> targets = {"topic:newsletter", "topic:product_alerts",
                                            "topic:trust_center_update", "marketing",
                                            "sale_sharing"};
  const std::vector<std::string> actions = {"grant", "withdraw", "object", "request"};
  const std::vector<std::string> methods = {"collection_form", "preference_center", "one_click",
                                            "double_opt_in", "staff_phone"};
  std::vector<std::string> emails;
  std::vector<std::string> ids;
  int answers = 0;
  for (int round = 0; round < 12; ++round) {
    for (int p = 0; p < 12; ++p) {
      std::string email = "r" + std::to_string(round) + "p" + std::to_string(p) + "@example.org";
      emails.push_back(email);
      ids.push_back(Person(email, regimes[rng() % regimes.size()]));
    }
    // Addresses nobody holds, some of them suppressed.
    emails.push_back("nobody" + std::to_string(round) + "@example.net");
    for (int change = 0; change < 40; ++change) {
      const std::string id = ids[rng() % ids.size()];
      ASSERT_TRUE(store_
                      ->Write([&](Tx& tx) -> Status {
                        PD_ASSIGN_OR_RETURN(auto identities, tx.ListIdentities(id));
                        switch (rng() % 8) {
                          case 0:
                            return tx.AddSuppression(
                                {"email", identities[0].blind_index, "complaint", clock_.Now()});
                          case 1:
                            return tx.SetSubjectRestricted(
                                id, rng() % 2 ? std::optional<Micros>(clock_.Now()) : std::nullopt);
                          case 2:
                            return rng() % 3 == 0
                                       ? tx.MarkSubjectErased(id, clock_.Now())
                                       : tx.SetSubjectRegime(id, regimes[rng() % regimes.size()]);
                          case 3: {
                            // A second address for the person, sometimes suppressed before.
                            std::string extra = "extra" + std::to_string(rng()) + "@example.org";
                            auto key = registry_->IdentityIndex({"email", extra});
                            PD_RETURN_IF_ERROR(StatusOf(key));
                            if (rng() % 2) {
                              PD_RETURN_IF_ERROR(
                                  tx.AddSuppression({"email", *key, "objection", clock_.Now()}));
                            }
                            emails.push_back(extra);
                            return tx.InsertIdentity({id, "email", *key, "sealed", clock_.Now()});
                          }
                          case 4: {
                            auto key = registry_->IdentityIndex({"email", emails.back()});
                            PD_RETURN_IF_ERROR(StatusOf(key));
                            return tx.AddSuppression({"email", *key, "objection", clock_.Now()});
                          }
                          default: {
                            ConsentEventRecord e;
                            e.subject_id = id;
                            e.target = targets[rng() % targets.size()];
                            e.action = actions[rng() % actions.size()];
                            e.method = methods[rng() % methods.size()];
                            e.created_at = clock_.Now();
                            return StatusOf(tx.AppendConsentEvent(e));
                          }
                        }
                      })
                      .ok());
      clock_.Advance(kMicrosPerSecond);
    }
    std::vector<std::string> everyone = emails;
    everyone.insert(everyone.end(), ids.begin(), ids.end());
    everyone.push_back("sub_nobody");
    everyone.push_back("not an address");
    for (const auto& topic : kTopics) {
      auto indexed = FromIndex(topic, everyone);
      ASSERT_TRUE(indexed.has_value());
      ASSERT_EQ(*indexed, FromStore(topic, everyone)) << "round " << round << " topic " << topic;
      answers += static_cast<int>(everyone.size());
    }
  }
  // Built afresh from the store, it answers the same.
  ConsentIndex fresh(*store_, policy_, Jurisdictions::Default());
  ASSERT_TRUE(fresh.Build().ok());
  std::vector<std::string> everyone = emails;
  everyone.insert(everyone.end(), ids.begin(), ids.end());
  for (const auto& topic : kTopics) {
    auto built = FromIndex(topic, everyone, &fresh);
    ASSERT_TRUE(built.has_value());
    EXPECT_EQ(FromIndex(topic, everyone), built) << topic;
  }
  EXPECT_GT(answers, 3000);
}

TEST_F(ConsentIndexTest, CatchesUpWithChangesAnotherProcessMade) {
  std::string ana = Person("ana@example.com", "ccpa");
  Person("ben@example.com", "ccpa");
  auto key = [&](const std::string& email) {
    return ToHex(*registry_->IdentityIndex({"email", email}));
  };
  ExecElsewhere("INSERT INTO suppressions VALUES ('email', x'" + key("carl@example.com") +
                "', 'objection', 0)");
  ASSERT_TRUE(index_->Build().ok());
  const std::vector<std::string> people = {"ana@example.com", "ben@example.com", "carl@example.com",
                                           ana};
  EXPECT_EQ(FromIndex("newsletter", people),
            (std::vector<std::string>{"allowed", "allowed", "suppressed", "allowed"}));
  // Another process removes Ben's address, lifts Carl's suppression and lists Ana's address.
  ExecElsewhere("DELETE FROM identities WHERE blind_index = x'" + key("ben@example.com") + "'");
  ExecElsewhere("DELETE FROM suppressions WHERE blind_index = x'" + key("carl@example.com") + "'");
  ExecElsewhere("INSERT INTO suppressions VALUES ('email', x'" + key("ana@example.com") +
                "', 'complaint', 1)");
  EXPECT_EQ(FromIndex("newsletter", people),
            (std::vector<std::string>{"suppressed", "unknown", "unknown", "suppressed"}));
  EXPECT_EQ(FromIndex("newsletter", people), FromStore("newsletter", people));
}

TEST_F(ConsentIndexTest, AnotherPolicyInForceSendsChecksToTheStoreUntilRebuilt) {
  std::string ana = Person("ana@example.com", "ccpa");
  ASSERT_TRUE(index_->Build().ok());
  ledger_->UseIndex(index_.get());
  EXPECT_EQ(Verdict("newsletter", "ana@example.com"), "allowed");
  // The newsletter becomes opt-in everywhere.
  auto changed = testing::ExamplePolicyWith(
      "    purpose: marketing_email\n    name: {en: Newsletter",
      "    purpose: marketing_email\n    default: opt_in\n    name: {en: Newsletter");
  policy_.Replace(changed);
  EXPECT_EQ(FromIndex("newsletter", {"ana@example.com"}), std::nullopt);
  EXPECT_EQ(Verdict("newsletter", "ana@example.com"), "no_consent");  // from the store
  EXPECT_FALSE(index_->GetStats().ready);
  ASSERT_TRUE(index_->Build().ok());
  EXPECT_TRUE(index_->GetStats().ready);
  EXPECT_EQ(FromIndex("newsletter", {"ana@example.com", ana}),
            (std::vector<std::string>{"no_consent", "no_consent"}));
  auto trail = ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
    AuditQuery q;
    q.action = "consent.check";
    return tx.ListAudit(q);
  });
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 2u);
  EXPECT_EQ(nlohmann::json::parse((*trail)[0].detail)["answered_by"], "index");
  EXPECT_EQ(nlohmann::json::parse((*trail)[1].detail)["answered_by"], "store");
}

// What lets the server answer a small check on its I/O thread (Route::run_inline).
TEST_F(ConsentIndexTest, ChecksAreAnsweredFromMemoryOnlyWhenBuiltAndCountedNotWritten) {
  Person("ana@example.com", "ccpa");
  EXPECT_FALSE(ledger_->ChecksAreAnsweredFromMemory());  // no index
  ledger_->UseIndex(index_.get());
  EXPECT_FALSE(index_->Ready());
  EXPECT_FALSE(ledger_->ChecksAreAnsweredFromMemory());  // not built
  ASSERT_TRUE(index_->Build().ok());
  EXPECT_TRUE(index_->Ready());
  EXPECT_FALSE(ledger_->ChecksAreAnsweredFromMemory());  // each check writes an audit entry
  CheckAudit counts(*store_, audit_, clock_);
  ledger_->AuditChecksWith(&counts);
  EXPECT_TRUE(ledger_->ChecksAreAnsweredFromMemory());
  policy_.Replace(testing::ExamplePolicyWith(
      "    purpose: marketing_email\n    name: {en: Newsletter",
      "    purpose: marketing_email\n    default: opt_in\n    name: {en: Newsletter"));
  EXPECT_FALSE(index_->Ready());
  EXPECT_FALSE(ledger_->ChecksAreAnsweredFromMemory());  // built for the policy before
  ASSERT_TRUE(index_->Build().ok());
  EXPECT_TRUE(ledger_->ChecksAreAnsweredFromMemory());
  ledger_->AuditChecksWith(nullptr);
}

TEST_F(ConsentIndexTest, TheLedgersCheckGivesTheSubjectOfEachAllowedAddress) {
  std::string ana = Person("ana@example.com", "ccpa");
  std::string dora = Person("dora@example.com", "gdpr");
  ASSERT_TRUE(index_->Build().ok());
  ledger_->UseIndex(index_.get());
  AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
  auto items =
      ledger_->Check(sender, "newsletter", {"ANA@example.com", "dora@example.com", dora, ana});
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ((*items)[0].verdict, ConsentVerdict::kAllowed);
  EXPECT_EQ((*items)[0].subject_id, ana);
  EXPECT_EQ((*items)[1].verdict, ConsentVerdict::kNoConsent);
  EXPECT_EQ((*items)[1].subject_id, "");
  EXPECT_EQ((*items)[2].verdict, ConsentVerdict::kNoConsent);
  EXPECT_EQ((*items)[3].verdict, ConsentVerdict::kAllowed);
  EXPECT_EQ((*items)[3].subject_id, ana);
  // A withdrawal is seen by the very next check.
  ASSERT_TRUE(ledger_->Change(ana, "newsletter", "withdraw", Source(kMethodPreferenceCenter)).ok());
  EXPECT_EQ(Verdict("newsletter", "ana@example.com"), "no_consent");
}

// The index keeps ids of up to 30 characters (privacyd's own) in fixed cells; a longer one,
// from a store written by other means, is kept apart and answered all the same.
TEST_F(ConsentIndexTest, AnIdLongerThanPrivacydsOwnIsAnsweredAsAnyOther) {
  const std::string ana = Person("ana@example.com", "ccpa");
  const std::string ben = Person("ben@example.com", "ccpa");
  const std::string long_id = "sub_" + std::string(60, 'L');
  for (const std::string table : {"identities", "attributes", "data_keys", "consent_events"}) {
    ExecElsewhere("UPDATE " + table + " SET subject_id = '" + long_id + "' WHERE subject_id = '" +
                  ana + "'");
  }
  ExecElsewhere("UPDATE subjects SET id = '" + long_id + "' WHERE id = '" + ana + "'");
  ASSERT_TRUE(index_->Build().ok());
  ledger_->UseIndex(index_.get());
  AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
  auto items =
      ledger_->Check(sender, "newsletter", {"ana@example.com", "ben@example.com", long_id, ana});
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ((*items)[0].verdict, ConsentVerdict::kAllowed);
  EXPECT_EQ((*items)[0].subject_id, long_id);
  EXPECT_EQ((*items)[1].subject_id, ben);
  EXPECT_EQ((*items)[2].verdict, ConsentVerdict::kAllowed);
  EXPECT_EQ((*items)[2].subject_id, long_id);
  EXPECT_EQ((*items)[3].verdict, ConsentVerdict::kUnknown);  // the old id is no one's
  // Removed behind the index's back, the long id answers "unknown" from the next check on.
  ExecElsewhere("DELETE FROM identities WHERE subject_id = '" + long_id + "'");
  ExecElsewhere("DELETE FROM consent_events WHERE subject_id = '" + long_id + "'");
  ExecElsewhere("DELETE FROM attributes WHERE subject_id = '" + long_id + "'");
  ExecElsewhere("DELETE FROM data_keys WHERE subject_id = '" + long_id + "'");
  ExecElsewhere("DELETE FROM subjects WHERE id = '" + long_id + "'");
  EXPECT_EQ(FromIndex("newsletter", {long_id, "ana@example.com", ben}),
            (std::vector<std::string>{"unknown", "unknown", "allowed"}));
}

TEST_F(ConsentIndexTest, ABigCheckSplitOverTheCoresAnswersEachIdentityInOrder) {
  std::string ana = Person("ana@example.com", "ccpa");
  std::string dora = Person("dora@example.com", "gdpr");
  ASSERT_TRUE(index_->Build().ok());
  ledger_->UseIndex(index_.get());
  // 50,000 identities (more than one part's worth): a pattern of known, unknown, invalid and
  // subject-id entries, so that a misplaced answer shows.
  std::vector<std::string> identities;
  for (int i = 0; i < 50'000; ++i) {
    switch (i % 5) {
      case 0:
        identities.push_back(i % 10 == 0 ? "Ana@Example.com" : "dora@example.com");
        break;
      case 1:
        identities.push_back("nobody" + std::to_string(i) + "@example.com");
        break;
      case 2:
        identities.push_back(ana);
        break;
      case 3:
        identities.push_back("not an address " + std::to_string(i));
        break;
      default:
        identities.push_back("sub_missing" + std::to_string(i));
    }
  }
  AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
  auto items = ledger_->Check(sender, "newsletter", identities);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), identities.size());
  for (size_t i = 0; i < items->size(); ++i) {
    const ConsentCheckItem& item = (*items)[i];
    const bool ana_expected = (i % 5 == 0 && i % 10 == 0) || i % 5 == 2;
    const ConsentVerdict expected = ana_expected ? ConsentVerdict::kAllowed
                                    : i % 5 == 0 ? ConsentVerdict::kNoConsent
                                                 : ConsentVerdict::kUnknown;
    ASSERT_EQ(item.verdict, expected) << i << " " << identities[i];
    ASSERT_EQ(item.subject_id, ana_expected ? ana : "") << i;
  }
}

TEST_F(ConsentIndexTest, ItsThreadBuildsAppliesAndPrunesTheLog) {
  std::string ana = Person("ana@example.com", "ccpa");
  index_->Start(std::chrono::milliseconds(5));
  auto wait_for = [](const std::function<bool()>& done) {
    for (int i = 0; i < 2000 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  ASSERT_TRUE(wait_for([&] { return index_->GetStats().ready; }));
  EXPECT_EQ(index_->GetStats().subjects, 1u);
  EXPECT_EQ(index_->GetStats().email_identities, 1u);
  Person("ben@example.com", "gdpr");
  auto log_size = [&] {
    return ReadValue<std::vector<ConsentChangeRecord>>(
               *store_, [](Tx& tx) { return tx.ListConsentChanges(0, 100); })
        ->size();
  };
  // The thread applies Ben's rows and deletes them.
  ASSERT_TRUE(wait_for([&] { return log_size() == 0 && index_->GetStats().subjects == 2; }));
  EXPECT_GT(index_->GetStats().applied_seq, 0);
  std::string metrics;
  AppendConsentIndexMetrics(index_->GetStats(), metrics);
  EXPECT_NE(metrics.find("\nprivacyd_consent_index_ready 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nprivacyd_consent_index_subjects 2\n"), std::string::npos);
  EXPECT_NE(metrics.find("# TYPE privacyd_consent_index_builds_total counter\n"),
            std::string::npos);
  index_->Stop();
  index_->Stop();
  EXPECT_EQ(FromIndex("newsletter", {"ana@example.com", "ben@example.com"}),
            (std::vector<std::string>{"allowed", "no_consent"}));
}

}  // namespace
}  // namespace privacyd
