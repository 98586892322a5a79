#include "policy/ropa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "policy/example_policy.h"
#include "policy/policy_loader.h"
#include "policy/ropa_format.h"

namespace privacyd {
namespace {

// 2026-01-01T00:00:00Z: after every adequacy decision the example relies on.
constexpr Micros kAt = 1767225600LL * 1000000;

std::shared_ptr<const Policy> Example() {
  static const PolicyLoad load =
      LoadPolicyText(kExamplePolicy, "policy.yaml", Taxonomy::Default(), Jurisdictions::Default());
  return load.policy;
}

Ropa Build(const std::string& language = "") {
  auto policy = Example();
  EXPECT_NE(policy, nullptr);
  auto ropa = BuildRopa(*policy, Taxonomy::Default(), Jurisdictions::Default(), language, kAt);
  EXPECT_TRUE(ropa.ok()) << ropa.error().message();
  return *ropa;
}

const RopaActivity& Activity(const Ropa& ropa, const std::string& id) {
  auto it = std::find_if(ropa.activities.begin(), ropa.activities.end(),
                         [&id](const RopaActivity& a) { return a.id == id; });
  if (it == ropa.activities.end()) throw std::runtime_error("no activity " + id);
  return *it;
}

size_t Column(const std::string& name) {
  const auto& columns = RopaColumns();
  return static_cast<size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
}

TEST(Ropa, HasOneActivityPerPurposeInIdOrder) {
  Ropa ropa = Build();
  ASSERT_EQ(ropa.activities.size(), Example()->purposes.size());
  EXPECT_EQ(ropa.activities.size(), 15u);
  EXPECT_EQ(ropa.activities.front().id, "advertising");
  EXPECT_EQ(ropa.language, "en");
  EXPECT_EQ(ropa.policy_version, "2024-08");
  EXPECT_EQ(ropa.controller.name, "Mimecast Services Limited");
  ASSERT_EQ(ropa.representatives.size(), 3u);
  EXPECT_EQ(ropa.dpo.email, "dpo@mimecast.com");
}

TEST(Ropa, MarketingEmailActivity) {
  Ropa ropa = Build();
  const RopaActivity& a = Activity(ropa, "marketing_email");
  EXPECT_EQ(a.name, "Newsletters, alerts and information about our Services");
  EXPECT_EQ(a.legal_basis.at("gdpr"), LegalBasis::kConsent);
  EXPECT_EQ(a.legal_basis_text,
            "gdpr: consent; lgpd: consent; pipeda: consent; swiss_fadp: consent; uk_gdpr: consent; "
            "other regimes: legitimate interests");
  EXPECT_EQ(a.subject_keys, (std::vector<std::string>{"prospect", "customer"}));
  EXPECT_EQ(a.subject_names, (std::vector<std::string>{"Prospect", "Customer"}));
  ASSERT_EQ(a.category_names.size(), 5u);
  EXPECT_EQ(a.category_names[1], "User Contact Email");

  std::vector<std::string> recipients;
  for (const auto& r : a.recipients) recipients.push_back(r.id);
  EXPECT_EQ(recipients, (std::vector<std::string>{"affiliates", "marketing_partners",
                                                  "service_providers", "successor"}));
  EXPECT_EQ(a.recipients[1].role, RecipientRole::kPartner);
  EXPECT_EQ(a.recipients[1].role_text, "partner");

  // India has no adequacy decision: the partners rely on standard contractual clauses.
  auto india = std::find_if(a.transfers.begin(), a.transfers.end(), [](const RopaTransfer& t) {
    return t.recipient_id == "marketing_partners" && t.country == "IN";
  });
  ASSERT_NE(india, a.transfers.end());
  EXPECT_FALSE(india->adequate);
  EXPECT_EQ(india->basis, "safeguards");
  EXPECT_EQ(india->safeguards, (std::vector<Safeguard>{Safeguard::kScc}));
  EXPECT_EQ(india->safeguard_text, "standard contractual clauses");
  // The EEA, the UK and Switzerland are not third countries.
  for (const auto& t : a.transfers) {
    EXPECT_NE(t.country, "GB");
    EXPECT_NE(t.country, "DE");
  }
  // Israel has an EU adequacy decision; the US one needs the recipient's DPF certification.
  auto israel = std::find_if(a.transfers.begin(), a.transfers.end(), [](const RopaTransfer& t) {
    return t.recipient_id == "marketing_partners" && t.country == "IL";
  });
  ASSERT_NE(israel, a.transfers.end());
  EXPECT_TRUE(israel->adequate);
  EXPECT_EQ(israel->safeguard_text.rfind("adequacy decision (since ", 0), 0u)
      << israel->safeguard_text;
  auto us = [&a](const std::string& recipient) {
    return *std::find_if(a.transfers.begin(), a.transfers.end(), [&](const RopaTransfer& t) {
      return t.recipient_id == recipient && t.country == "US";
    });
  };
  EXPECT_FALSE(us("marketing_partners").adequate);  // declares no DPF certification
  EXPECT_TRUE(us("service_providers").adequate);    // declares it
  EXPECT_EQ(us("service_providers").basis.rfind("dpf:eu:US", 0), 0u);

  EXPECT_EQ(a.retention_text, "2 years after the last interaction");
  EXPECT_EQ(a.security_measures.rfind("We have a dedicated internal security organization", 0), 0u);
}

TEST(Ropa, TableRowForMarketingEmail) {
  Ropa ropa = Build();
  auto rows = RopaTable(ropa);
  ASSERT_EQ(rows.size(), ropa.activities.size());
  auto row = *std::find_if(rows.begin(), rows.end(),
                           [](const auto& r) { return r[0] == "marketing_email"; });
  ASSERT_EQ(row.size(), RopaColumns().size());
  EXPECT_EQ(
      row[Column("Controller")],
      "Mimecast Services Limited, 1 Finsbury Ave Floor 4, London, EC2M 2PF, UK, Registered in "
      "England and Wales, 4901524");
  EXPECT_EQ(row[Column("Categories of data subjects")], "Prospect; Customer");
  EXPECT_EQ(row[Column("Recipients")],
            "Mimecast affiliates (affiliate); Our partners (partner); Third-party service "
            "providers (processor); A successor of Mimecast (successor)");
  const std::string& transfers = row[Column("Transfers to third countries")];
  EXPECT_NE(transfers.find("Our partners → US, AU, ZA, SG, IN: standard contractual clauses"),
            std::string::npos)
      << transfers;
  EXPECT_NE(transfers.find("Mimecast affiliates → US, AU, AE, ZA, SG, IN: intercompany agreement"),
            std::string::npos)
      << transfers;
  EXPECT_EQ(row[Column("Retention")], "2 years after the last interaction");
  EXPECT_EQ(row[Column("Collection points")].find("General inquiry"), std::string::npos);
}

TEST(Ropa, ReferralRetentionCarriesTheReason) {
  Ropa ropa = Build();
  const RopaActivity& a = Activity(ropa, "referral");
  EXPECT_EQ(a.retention_text,
            "30 days after collection. The referred address is kept only until the email is sent.");
}

TEST(Ropa, GermanUsesThePolicyTextsAndGermanWords) {
  Ropa ropa = Build("de");
  const RopaActivity& a = Activity(ropa, "marketing_email");
  EXPECT_EQ(a.name, "Newsletter, Hinweise und Informationen über unsere Dienste");
  EXPECT_NE(a.legal_basis_text.find("gdpr: Einwilligung"), std::string::npos);
  EXPECT_EQ(a.retention_text, "2 Jahre nach der letzten Interaktion");
  EXPECT_EQ(a.security_measures.rfind("Eine eigene interne Sicherheitsorganisation", 0), 0u);
}

TEST(Ropa, RefusesALanguageThePolicyDoesNotHave) {
  auto ropa = BuildRopa(*Example(), Taxonomy::Default(), Jurisdictions::Default(), "es", kAt);
  ASSERT_FALSE(ropa.ok());
  EXPECT_EQ(ropa.error().code(), "unsupported_language");
  EXPECT_EQ(ropa.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(ropa.error().message().find("en, de, fr"), std::string::npos);
}

TEST(RopaFormat, CsvFieldQuotesCommaQuoteAndNewline) {
  EXPECT_EQ(CsvField("plain text"), "plain text");
  EXPECT_EQ(CsvField("a, b"), "\"a, b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("one\ntwo"), "\"one\ntwo\"");
  EXPECT_EQ(CsvField("x,\"y\"\r\nz"), "\"x,\"\"y\"\"\r\nz\"");
  EXPECT_EQ(CsvField(""), "");
}

TEST(RopaFormat, CsvHasAHeaderAndOneLinePerActivity) {
  Ropa ropa = Build();
  ropa.activities.resize(1);
  ropa.activities[0].name = "Odd, \"quoted\"\nname";
  auto csv = RenderRopa(ropa, RopaFormat::kCsv);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->rfind("Activity ID,Activity,Controller,Representatives,", 0), 0u);
  EXPECT_NE(csv->find("\r\nadvertising,\"Odd, \"\"quoted\"\"\nname\",\"Mimecast Services"),
            std::string::npos)
      << *csv;
  EXPECT_EQ(csv->substr(csv->size() - 2), "\r\n");
}

TEST(RopaFormat, JsonHasTheActivitiesAndTheController) {
  auto text = RenderRopa(Build(), RopaFormat::kJson);
  ASSERT_TRUE(text.ok());
  auto doc = nlohmann::json::parse(*text);
  EXPECT_EQ(doc["activities"].size(), 15u);
  EXPECT_EQ(doc["controller"]["name"], "Mimecast Services Limited");
  EXPECT_EQ(doc["as_of"], "2026-01-01T00:00:00.000Z");
  const auto& marketing = *std::find_if(doc["activities"].begin(), doc["activities"].end(),
                                        [](const auto& a) { return a["id"] == "marketing_email"; });
  EXPECT_EQ(marketing["legal_basis"]["gdpr"], "consent");
  EXPECT_EQ(marketing["legal_basis"]["default"], "legitimate_interests");
  EXPECT_EQ(marketing["retention"]["years"], 2);
  EXPECT_EQ(marketing["retention"]["from"], "last_interaction");
}

TEST(RopaFormat, XlsxIsAZipWorkbookWithBothSheets) {
  auto bytes = RenderRopa(Build(), RopaFormat::kXlsx);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  ASSERT_GT(bytes->size(), 1000u);
  EXPECT_EQ(bytes->substr(0, 4), std::string("PK\x03\x04", 4));
  // The zip's directory lists its parts by name in clear text; the sheets' own names are
  // compressed inside workbook.xml, so look for the two worksheet parts.
  EXPECT_NE(bytes->find("xl/worksheets/sheet1.xml"), std::string::npos);
  EXPECT_NE(bytes->find("xl/worksheets/sheet2.xml"), std::string::npos);
}

TEST(RopaFormat, ParsesFormatNames) {
  EXPECT_EQ(*ParseRopaFormat("xlsx"), RopaFormat::kXlsx);
  auto bad = ParseRopaFormat("pdf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "invalid_format");
  EXPECT_STREQ(RopaExtension(RopaFormat::kCsv), "csv");
}

}  // namespace
}  // namespace privacyd
