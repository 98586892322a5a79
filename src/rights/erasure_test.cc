#include "rights/erasure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "rights/rights_fixture.h"

namespace privacyd {
namespace {

using ::testing::HasSubstr;

std::string FileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class ErasureTest : public testing::RightsFixture {
 protected:
  std::string Erika() {
    return Submit("contact", {{"name", "Erika Mustermann"},
                              {"email", "erika@example.com"},
                              {"company", "Musterfirma Unikat GmbH"},
                              {"message", "Bitte rufen Sie mich zurück"}});
  }
  std::string Quote(const std::string& email) {
    return Submit("quote", {{"name", "Erika Mustermann"},
                            {"email", email},
                            {"company", "Angebotsfirma Unikat AG"},
                            {"country", "DE"},
                            {"age_confirmed", "true"},
                            {"requirements", "500 Lizenzen"}});
  }
  void SetUp() override {
    RightsFixture::SetUp();
    erasure_ = std::make_unique<Erasure>(*registry_, policy_, clock_);
  }
  std::unique_ptr<Erasure> erasure_;
};

TEST_F(ErasureTest, ShredsTheKeyAndLeavesNothingReadableInTheDatabaseFile) {
  const std::string erika = Erika();
  ASSERT_FALSE(erika.empty());
  DataKeyRecord key;
  std::vector<std::string> sealed;
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    PD_ASSIGN_OR_RETURN(auto k, tx.GetDataKey(erika));
                    key = *k;
                    PD_ASSIGN_OR_RETURN(auto ids, tx.ListIdentities(erika));
                    for (const auto& i : ids) sealed.push_back(i.sealed_value);
                    PD_ASSIGN_OR_RETURN(auto attrs, tx.ListAttributes(erika));
                    for (const auto& a : attrs) sealed.push_back(a.sealed_value);
                    return Ok();
                  })
                  .ok());
  ASSERT_EQ(sealed.size(), 5u);  // email identity; name, email, company, message

  auto report = erasure_->Erase(officer_, erika);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->outcome, "completed");
  EXPECT_EQ(report->attributes_deleted, 4u);
  EXPECT_EQ(report->identities_cleared, 1u);
  EXPECT_TRUE(report->key_destroyed);
  EXPECT_TRUE(report->kept.empty());

  // Nobody can read the person any more, not even the system doors.
  auto read = registry_->Get(officer_, erika);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), "subject_not_found");
  auto opened = ReadValue<std::string>(
      *store_, [&](Tx& tx) { return registry_->OpenFor(tx, erika, sealed[1], "x"); });
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), "subject_not_found");
  auto retained = registry_->GetRetained(officer_, erika);
  ASSERT_FALSE(retained.ok());
  EXPECT_EQ(retained.error().code(), "subject_not_found");

  // The tombstone: the identity row stays without its value; the subject is marked erased.
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    PD_ASSIGN_OR_RETURN(auto ids, tx.ListIdentities(erika));
                    EXPECT_EQ(ids.size(), 1u);
                    EXPECT_TRUE(ids[0].sealed_value.empty());
                    PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(erika));
                    EXPECT_TRUE(subject.value_or(SubjectRecord{}).erased_at.has_value());
                    return Ok();
                  })
                  .ok());

  // The audit entry counts, and names no value.
  auto entries = AuditOf("subject.erase");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].object, "subject:" + erika);
  EXPECT_EQ(entries[0].actor, "olga");
  auto detail = nlohmann::json::parse(entries[0].detail);
  EXPECT_EQ(detail["attributes_deleted"], 4);
  EXPECT_EQ(detail["identities_cleared"], 1);
  EXPECT_EQ(detail["key_destroyed"], true);
  EXPECT_EQ(entries[0].detail.find("erika"), std::string::npos);

  // The file itself, with the WAL copied back: neither the values, their sealed forms nor the
  // wrapped key is left anywhere in it.
  store_->Close();
  const auto db_path = dir_.path() / "privacyd.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  std::string bytes = FileBytes(db_path);
  const auto wal = dir_.path() / "privacyd.db-wal";
  if (std::filesystem::exists(wal)) bytes += FileBytes(wal);
  ASSERT_GT(bytes.size(), 4096u);
  for (const char* plain :
       {"Erika Mustermann", "erika@example.com", "Musterfirma Unikat", "Bitte rufen Sie mich"}) {
    EXPECT_EQ(bytes.find(plain), std::string::npos) << plain;
  }
  EXPECT_EQ(bytes.find(key.wrapped), std::string::npos) << "the wrapped data key";
  for (const auto& s : sealed) EXPECT_EQ(bytes.find(s), std::string::npos) << "a sealed value";
}

TEST_F(ErasureTest, AnErasedPersonIsNotResurrectedByImportAndTheConsentCheckSaysErased) {
  const std::string erika = Erika();
  ASSERT_TRUE(erasure_->Erase(officer_, erika).ok());

  EnrichmentImporter importer(*collector_, policy_, random_);
  Principal marketing{"usr_m", "mia", "marketing"};
  std::istringstream csv("Email,Company\nErika@Example.com,Neue Firma\n");
  std::vector<ImportRow> rows;
  auto summary = importer.Import(csv, ImportOptions{"zoominfo", "", &marketing, "req_i"},
                                 [&rows](const ImportRow& row, uint64_t) { rows.push_back(row); });
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->skipped, 1u);
  EXPECT_EQ(summary->added, 0u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].outcome, "skipped");
  EXPECT_EQ(rows[0].reason, "erased");
  // A form submission does not bring the erased person back either: it starts someone new.
  EXPECT_EQ(Verdict("newsletter", "erika@example.com"), "erased");
}

TEST_F(ErasureTest, TheAddressOfAColleagueNotWrittenToYetGoesWithTheReferrer) {
  const std::string erika = Erika();
  ASSERT_EQ(Submit("referral", {{"referrer_name", "Erika Mustermann"},
                                {"referrer_email", "erika@example.com"},
                                {"referred_email", "kollege@example.net"},
                                {"age_confirmed", "true"}}),
            erika);
  auto report = erasure_->Erase(officer_, erika);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->referral_addresses_deleted, 1u);
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    PD_ASSIGN_OR_RETURN(auto referrals, tx.ListReferralsBy(erika));
                    EXPECT_EQ(referrals.size(), 1u);  // stays, so the address is never mailed
                    EXPECT_TRUE(referrals[0].sealed_address.empty());
                    PD_ASSIGN_OR_RETURN(auto address,
                                        registry_->OpenReferralAddress(tx, referrals[0]));
                    EXPECT_EQ(address, std::nullopt);
                    return Ok();
                  })
                  .ok());
}

TEST_F(ErasureTest, ErasingAgainChangesNothingAndSaysSo) {
  const std::string erika = Erika();
  ASSERT_TRUE(erasure_->Erase(officer_, erika).ok());
  auto again = erasure_->Erase(officer_, erika);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->outcome, "completed");
  EXPECT_EQ(again->attributes_deleted, 0u);
  EXPECT_EQ(again->identities_cleared, 0u);
  auto entries = AuditOf("subject.erase");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(entries[1].detail)["again"], true);
}

TEST_F(ErasureTest, OnlyOfficersAndAdminsErase) {
  const std::string erika = Erika();
  auto refused = erasure_->Erase(agent_, erika);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "forbidden");
  auto missing = erasure_->Erase(officer_, "sub_nobody");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "subject_not_found");
  auto bad_hold = erasure_->Erase(officer_, erika, {{{"", {}, {}}}});
  ASSERT_FALSE(bad_hold.ok());
  EXPECT_EQ(bad_hold.error().code(), "invalid_legal_hold");
}

TEST_F(ErasureTest, StatutoryRetentionKeepsExactlyTheQuoteWithItsReasonInEachLanguage) {
  policy_.Replace(testing::WithStatutoryQuotes());
  const std::string erika = Erika();
  ASSERT_EQ(Quote("erika@example.com"), erika);

  auto report = erasure_->Erase(officer_, erika);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->outcome, "partially_completed");
  EXPECT_FALSE(report->key_destroyed);
  // The inquiry's four values go; the quote's (name, email, company, country, requirements)
  // stay, with the email identity the records need to say whose they are.
  EXPECT_EQ(report->attributes_deleted, 4u);
  EXPECT_EQ(report->identities_cleared, 0u);
  ASSERT_EQ(report->kept.size(), 6u);
  std::vector<std::string> fields;
  for (const auto& k : report->kept) {
    fields.push_back(k.field);
    EXPECT_EQ(k.exemption, "statutory_retention:quote");
    ASSERT_TRUE(k.until.has_value());
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "email", "company", "country", "requirements",
                                              "email"}));
  EXPECT_TRUE(report->kept.back().identity);
  const KeptValue& company = report->kept[2];
  EXPECT_EQ(company.category, "user.contact.organization");
  EXPECT_EQ(company.reason.at("en"),
            "Kept until 1 January 2028: the law obliges us to keep data collected for "
            "\"Providing a quote\" for 2 years. Commercial law requires it.");
  EXPECT_EQ(company.reason.at("de"),
            "Aufbewahrt bis zum 1. Januar 2028: Das Gesetz verpflichtet uns, für „Erstellung "
            "eines Angebots“ erhobene Daten 2 Jahre lang aufzubewahren. Das Handelsrecht "
            "schreibt es vor.");
  EXPECT_THAT(company.reason.at("fr"), HasSubstr("Conservé jusqu'au 1er janvier 2028"));

  // The kept data is still readable (for staff who may), and only it.
  auto retained = registry_->GetRetained(officer_, erika);
  ASSERT_TRUE(retained.ok()) << retained.error().message();
  ASSERT_EQ(retained->attributes.size(), 5u);
  EXPECT_EQ(retained->attributes[2].value, "Angebotsfirma Unikat AG");
  ASSERT_EQ(retained->identities.size(), 1u);
  EXPECT_EQ(retained->identities[0].value, "erika@example.com");
  // Everyone else sees an erased person.
  EXPECT_EQ(registry_->Get(officer_, erika).error().code(), "subject_not_found");
  EXPECT_EQ(Verdict("newsletter", "erika@example.com"), "erased");

  // Once the period is over, erasing again takes the rest, and the key.
  clock_.Advance(2 * 366 * 24 * 3600 * kMicrosPerSecond);
  auto later = erasure_->Erase(officer_, erika);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->outcome, "completed");
  EXPECT_EQ(later->attributes_deleted, 5u);
  EXPECT_EQ(later->identities_cleared, 1u);
  EXPECT_TRUE(later->key_destroyed);
}

TEST_F(ErasureTest, ALegalHoldKeepsItsCategoriesOnly) {
  const std::string erika = Erika();
  LegalHold hold{"LG-Berlin-2026-17", {"user.contact.organization"}, {}};
  auto report = erasure_->Erase(officer_, erika, {{hold}});
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->outcome, "partially_completed");
  ASSERT_EQ(report->kept.size(), 1u);
  EXPECT_EQ(report->kept[0].field, "company");
  EXPECT_EQ(report->kept[0].exemption, "legal_hold:LG-Berlin-2026-17");
  EXPECT_FALSE(report->kept[0].until.has_value());
  EXPECT_THAT(report->kept[0].reason.at("de"), HasSubstr("Aktenzeichen LG-Berlin-2026-17"));
  EXPECT_EQ(report->attributes_deleted, 3u);
  EXPECT_EQ(report->identities_cleared, 1u);
  auto retained = registry_->GetRetained(officer_, erika);
  ASSERT_TRUE(retained.ok());
  ASSERT_EQ(retained->attributes.size(), 1u);
  EXPECT_EQ(retained->attributes[0].value, "Musterfirma Unikat GmbH");
  EXPECT_TRUE(retained->identities.empty());
  auto entry = AuditOf("subject.erase").at(0);
  auto detail = nlohmann::json::parse(entry.detail);
  EXPECT_EQ(detail["legal_holds"], nlohmann::json::array({"LG-Berlin-2026-17"}));
  EXPECT_EQ(detail["kept_fields"], nlohmann::json::array({"company"}));
}

TEST(StatutoryRetentionPolicy, NeedsALegalObligationAndAReasonInEveryLanguage) {
  std::string text(kExamplePolicy);
  const std::string from =
      "    legal_basis: {default: contract}\n"
      "    retention:\n"
      "      keep: {years: 2}\n"
      "      from: last_interaction\n"
      "  marketing_email:";
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(),
               "    legal_basis: {default: contract}\n"
               "    retention:\n"
               "      keep: {years: 2}\n"
               "      from: last_interaction\n"
               "      statutory: true\n"
               "      reason: {en: Tax law.}\n"
               "  marketing_email:");
  PolicyLoad load = LoadPolicyText(text, "p.yaml", Taxonomy::Default(), Jurisdictions::Default());
  EXPECT_FALSE(load.policy);
  std::string all;
  for (const auto& d : load.diagnostics) all += d.Format() + "\n";
  EXPECT_THAT(all, HasSubstr("purposes.quote.retention.statutory"));
  EXPECT_THAT(all, HasSubstr("legal_obligation"));
  EXPECT_THAT(all, HasSubstr("missing: de"));
}

}  // namespace
}  // namespace privacyd
