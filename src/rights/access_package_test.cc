#include "rights/access_package.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <sstream>

#include "rights/rights_fixture.h"
#include "sharing/disclosure_log.h"

namespace privacyd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The files of a zip, by name, read back with libzip.
std::map<std::string, std::string> Unzip(const std::string& bytes) {
  std::map<std::string, std::string> files;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  EXPECT_NE(source, nullptr);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  EXPECT_NE(archive, nullptr) << zip_error_strerror(&error);
  if (archive == nullptr) {
    zip_source_free(source);
    return files;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st);
    zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    std::string content(st.size, '\0');
    EXPECT_EQ(zip_fread(file, content.data(), st.size), static_cast<zip_int64_t>(st.size));
    zip_fclose(file);
    files[st.name] = std::move(content);
  }
  zip_close(archive);
  return files;
}

class AccessPackageTest : public testing::RightsFixture {
 protected:
  void SetUp() override {
    RightsFixture::SetUp();
    auto guard = guard::Guard::Create({});
    ASSERT_TRUE(guard.ok()) << guard.error().message();
    guard_ = std::move(guard).value();
    package_ = std::make_unique<AccessPackage>(*registry_, policy_, *guard_, clock_);
  }

  std::string Erika() {
    std::string erika = Submit(
        "contact", {{"name", "Erika Mustermann"},
                    {"email", "erika@example.com"},
                    {"company", "=HYPERLINK(\"http://evil.example\",\"x\")"},
                    {"country", "DE"},
                    {"message",
                     "Bitte Max (max.muster@example.org, +1 650-253-0000) in Kopie; "
                     "mich erreichen Sie unter erika@example.com. <script>alert(1)</script>"}});
    clock_.Advance(60 * kMicrosPerSecond);
    EXPECT_EQ(Submit("referral", {{"referrer_name", "Erika Mustermann"},
                                  {"referrer_email", "erika@example.com"},
                                  {"referred_email", "kollege@example.net"},
                                  {"age_confirmed", "true"}}),
              erika);
    return erika;
  }

  std::unique_ptr<guard::Guard> guard_;
  std::unique_ptr<AccessPackage> package_;
};

TEST_F(AccessPackageTest, HoldsDataJsonACsvPerCategoryAndAGermanPageWithOthersRedacted) {
  const std::string erika = Erika();
  AccessPackageInfo info;
  auto zip = package_->Build(agent_, erika, "de", &info);
  ASSERT_TRUE(zip.ok()) << zip.error().message();
  EXPECT_EQ(info.language, "de");
  EXPECT_EQ(info.redactions, 3u);
  EXPECT_EQ(info.redacted_by_field,
            (std::map<std::string, size_t>{{"message", 2}, {"referrals", 1}}));

  auto files = Unzip(*zip);
  std::vector<std::string> names;
  for (const auto& [name, _] : files) names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"data.json", "index.html", "user.contact.address.country.csv",
                                      "user.contact.email.csv", "user.contact.organization.csv",
                                      "user.content.private.csv", "user.name.csv"}));

  // Nobody else's address or number is anywhere in the package.
  for (const auto& [name, content] : files) {
    EXPECT_THAT(content, Not(HasSubstr("max.muster@example.org"))) << name;
    EXPECT_THAT(content, Not(HasSubstr("650-253-0000"))) << name;
    EXPECT_THAT(content, Not(HasSubstr("kollege@example.net"))) << name;
  }

  auto data = nlohmann::json::parse(files["data.json"]);
  EXPECT_EQ(data["format"], "privacyd.access_package");
  EXPECT_EQ(data["format_version"], 1);
  EXPECT_EQ(data["language"], "de");
  EXPECT_EQ(data["subject"]["id"], erika);
  EXPECT_EQ(data["identities"],
            nlohmann::json::parse(R"([{"kind":"email","category":"user.contact.email",)"
                                  R"("value":"erika@example.com"}])"));
  ASSERT_EQ(data["values"].size(), 7u);  // contact: 5; referral: referrer_name, referrer_email
  const auto& message = data["values"][4];
  EXPECT_EQ(message["field"], "message");
  EXPECT_EQ(message["category"], "user.content.private");
  EXPECT_EQ(message["value"],
            "Bitte Max ([geschwärzt], [geschwärzt]) in Kopie; mich erreichen Sie unter "
            "erika@example.com. <script>alert(1)</script>");
  EXPECT_EQ(message["redacted"], 2);
  EXPECT_EQ(message["collected_at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(message["provenance"]["point"], "contact");
  EXPECT_EQ(message["provenance"]["source"], "direct");
  ASSERT_EQ(data["referrals"].size(), 1u);
  EXPECT_EQ(data["referrals"][0]["address"], "[geschwärzt]");
  EXPECT_EQ(data["referrals"][0]["point"], "referral");
  EXPECT_EQ(data["redactions"],
            nlohmann::json::parse(R"({"total":3,"marker":"[geschwärzt]",)"
                                  R"("by_field":{"message":2,"referrals":1}})"));
  EXPECT_EQ(data["category_files"].size(), 5u);

  // CSV: RFC 4180 quoting, CRLF, and a formula turned into text.
  EXPECT_EQ(files["user.contact.organization.csv"],
            "field,value,collected_at,source,point,purposes\r\n"
            "company,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","
            "2026-01-01T00:00:00.000Z,direct,contact,respond_to_inquiries\r\n");
  EXPECT_THAT(files["user.contact.email.csv"],
              HasSubstr("email,erika@example.com,,identity,,\r\n"));

  // The page: German, escaped, no script, nothing fetched from elsewhere.
  const std::string& html = files["index.html"];
  EXPECT_THAT(html, HasSubstr("<html lang=\"de\">"));
  EXPECT_THAT(html, HasSubstr("Ihre personenbezogenen Daten bei Mimecast Services Limited"));
  EXPECT_THAT(html, HasSubstr("<h2>Warum wir Ihre Daten verarbeiten</h2>"));
  EXPECT_THAT(html, HasSubstr("Beantwortung Ihrer Anfragen"));
  EXPECT_THAT(html, HasSubstr("<h2>Wie lange wir Ihre Daten aufbewahren</h2>"));
  EXPECT_THAT(html, HasSubstr("2 Jahre nach unserem letzten Kontakt"));
  EXPECT_THAT(html, HasSubstr("<h2>Ihre Rechte</h2>"));
  EXPECT_THAT(html, HasSubstr("<h2>Wo Sie sich beschweren können</h2>"));
  EXPECT_THAT(html, HasSubstr("<h2>Übermittlungen in andere Länder</h2>"));
  EXPECT_THAT(html, HasSubstr("haben wir 3 ihrer E-Mail-Adressen oder Telefonnummern"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  for (const char* english : {"Your personal data", "Why we process", "How long", "Your rights",
                              "Collected on", "Legal basis", "redacted", "Where you can",
                              "Responding to your inquiries", "after our last"}) {
    EXPECT_THAT(html, Not(HasSubstr(english))) << english;
  }

  // The read is audited, without values.
  auto entries = AuditOf("subject.export");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].detail, R"({"consent_events":0,"referrals":1,"values":8})");
}

TEST_F(AccessPackageTest, ConsentEventsAreListedInThePersonsWords) {
  const std::string anna = Person("anna@example.com", "gdpr");
  ASSERT_TRUE(FormTopics(anna, {"newsletter"}).ok());
  auto files = Unzip(*package_->Build(agent_, anna, "de"));
  const std::string& html = files["index.html"];
  EXPECT_THAT(html, HasSubstr("<h2>Ihre Einwilligungen und Widersprüche</h2>"));
  EXPECT_THAT(html, HasSubstr("1. Januar 2026: "));
  EXPECT_THAT(html, Not(HasSubstr("topic:")));
  auto data = nlohmann::json::parse(files["data.json"]);
  ASSERT_FALSE(data["consent_events"].empty());
  EXPECT_EQ(data["consent_events"][0]["target"], "topic:newsletter");
}

TEST_F(AccessPackageTest, EnglishAndFrenchPagesAndAnUnknownLanguageFallsBack) {
  const std::string erika = Erika();
  auto en = Unzip(*package_->Build(agent_, erika, "en"));
  EXPECT_THAT(en["index.html"], HasSubstr("<h2>Why we process your data</h2>"));
  EXPECT_THAT(en["index.html"], HasSubstr("[redacted]"));
  auto fr = Unzip(*package_->Build(agent_, erika, "fr"));
  EXPECT_THAT(fr["index.html"], HasSubstr("<html lang=\"fr\">"));
  EXPECT_THAT(fr["index.html"], HasSubstr("<h2>Vos droits</h2>"));
  auto other = Unzip(*package_->Build(agent_, erika, "xx"));
  EXPECT_THAT(other["index.html"], HasSubstr("<html lang=\"en\">"));
}

TEST_F(AccessPackageTest, WritesTheFilePrivatelyAndRefusesWhoMayNotRead) {
  const std::string erika = Erika();
  const std::string path = (dir_.path() / "package.zip").string();
  ASSERT_TRUE(package_->WriteTo(agent_, erika, "de", path).ok());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  EXPECT_EQ(Unzip(bytes.str()).size(), 7u);

  AccessContext marketing{{"usr_m", "mia", "marketing"}, "marketing", "req_m"};
  EXPECT_EQ(package_->Build(marketing, erika, "de").error().code(), "forbidden");
  ASSERT_TRUE(registry_->Erase(officer_, erika, nullptr, {}).ok());
  EXPECT_EQ(package_->Build(agent_, erika, "de").error().code(), "subject_not_found");
}

// Runs tests/rights/package_oracle.py (Python's zipfile, json, csv and html.parser) on a
// package file and returns what it printed, parsed.
nlohmann::json RunOracle(const std::string& package_file) {
  std::string command = std::string("/usr/bin/python3 ") + PRIVACYD_SOURCE_DIR +
                        "/tests/rights/package_oracle.py '" + package_file + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  return nlohmann::json::parse(out, nullptr, false);
}

TEST_F(AccessPackageTest, PythonsZipCsvAndHtmlReadersAgree) {
  const std::string erika = Erika();
  const std::string path = (dir_.path() / "package.zip").string();
  ASSERT_TRUE(package_->WriteTo(agent_, erika, "fr", path).ok());
  nlohmann::json oracle = RunOracle(path);
  ASSERT_TRUE(oracle.is_object());
  EXPECT_EQ(oracle["bad_member"], nullptr);
  EXPECT_EQ(oracle["files"].size(), 7u);
  EXPECT_EQ(oracle["data"]["format"], "privacyd.access_package");
  EXPECT_EQ(oracle["data"]["language"], "fr");
  EXPECT_EQ(oracle["data"]["values"], 7);
  EXPECT_EQ(oracle["data"]["identities"], 1);
  EXPECT_EQ(oracle["data"]["redactions"]["total"], 3);
  EXPECT_EQ(oracle["data"]["redactions"]["marker"], "[masqué]");
  for (const auto& [name, table] : oracle["csv"].items()) {
    EXPECT_EQ(
        table["header"],
        nlohmann::json::parse(R"(["field","value","collected_at","source","point","purposes"])"))
        << name;
    EXPECT_EQ(table["columns"], nlohmann::json::array({6})) << name;
  }
  // The quoted formula comes back as one cell, defused.
  const auto& company = oracle["csv"]["user.contact.organization.csv"]["cells"][0];
  EXPECT_EQ(company[1], "'=HYPERLINK(\"http://evil.example\",\"x\")");
  EXPECT_EQ(oracle["csv"]["user.content.private.csv"]["cells"][0][1],
            "Bitte Max ([masqué], [masqué]) in Kopie; mich erreichen Sie unter "
            "erika@example.com. <script>alert(1)</script>");
  EXPECT_EQ(oracle["html"]["lang"], "fr");
  EXPECT_EQ(
      oracle["html"]["tags"],
      nlohmann::json::parse(R"({"script":0,"link":0,"img":0,"iframe":0,"object":0,"embed":0})"));
  EXPECT_EQ(oracle["html"]["external"], 0);
}

TEST_F(AccessPackageTest, TheRecipientsActuallyDisclosedToAreListedApartFromThoseWhoMayBe) {
  const std::string erika = Erika();
  const std::string path = (dir_.path() / "package.zip").string();
  ASSERT_TRUE(package_->WriteTo(agent_, erika, "de", path).ok());
  nlohmann::json before = RunOracle(path);
  EXPECT_EQ(before["data"]["disclosures"], nlohmann::json::array());
  EXPECT_EQ(before["html"]["sections"]["Wer Ihre Daten erhalten hat"],
            nlohmann::json::array({"Ihre Daten wurden niemandem offengelegt."}));

  DisclosureLog log(*registry_, policy_, clock_, random_);
  NewDisclosure d;
  d.recipient = "service_providers";
  d.purpose = "respond_to_inquiries";
  d.categories = {"user.name", "user.contact.email"};
  d.origin = "DE";
  ASSERT_TRUE(log.Record(agent_, erika, d).ok());
  ASSERT_TRUE(package_->WriteTo(agent_, erika, "de", path).ok());
  nlohmann::json after = RunOracle(path);
  EXPECT_EQ(
      after["data"]["disclosures"],
      nlohmann::json::parse(
          R"([["service_providers","respond_to_inquiries",["user.name","user.contact.email"]]])"));
  const auto& disclosed = after["html"]["sections"]["Wer Ihre Daten erhalten hat"];
  ASSERT_EQ(disclosed.size(), 1u);
  const std::string line = disclosed[0].get<std::string>();
  EXPECT_EQ(line.rfind("Externe Dienstleister (", 0), 0u) << line;
  EXPECT_NE(line.find("1. Januar 2026"), std::string::npos) << line;
  // The recipients who may receive the data are still listed, apart.
  EXPECT_FALSE(after["html"]["sections"]["Wer Ihre Daten erhalten kann"].empty());
}

TEST(CsvCell, QuotesAndDefusesFormulas) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell(""), "");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(CsvCell("=1+1"), "'=1+1");
  EXPECT_EQ(CsvCell("+49 30 1"), "'+49 30 1");
  EXPECT_EQ(CsvCell("-2"), "'-2");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("\tx"), "'\tx");
  EXPECT_EQ(CsvCell("a=b"), "a=b");
}

}  // namespace
}  // namespace privacyd
