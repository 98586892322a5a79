#include "collect/enrichment_import.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "collect/import_history.h"
#include "testing/collection_fixture.h"

namespace privacyd {
namespace {

std::shared_ptr<const Policy> WithNewSubjects() {
  return testing::ExamplePolicyWith("    purposes: [enrichment]\n",
                                    "    purposes: [enrichment]\n    new_subjects: true\n");
}

class EnrichmentImportTest : public testing::CollectionFixture {
 protected:
  void SetUp() override {
    CollectionFixture::SetUp();
    collector_ = std::make_unique<Collector>(policy_, *registry_, nullptr, clock_, random_);
    history_ = std::make_unique<ImportHistory>(*store_, clock_);
    importer_ = std::make_unique<EnrichmentImporter>(*collector_, policy_, random_, history_.get());
  }

  // Someone who filled in the contact form.
  std::string Person(const std::string& email) {
    Submission s;
    s["name"].text = "Known Person";
    s["email"].text = email;
    auto outcome = collector_->Collect("contact", s, Submitter{});
    EXPECT_TRUE(outcome.ok() && outcome->receipt);
    return outcome.ok() && outcome->receipt ? outcome->receipt->subject_id : "";
  }

  Result<ImportSummary> Import(const std::string& csv, std::vector<ImportRow>& rows) {
    std::istringstream in(csv);
    ImportOptions options{"zoominfo", "", &marketing_, "req_1"};
    return importer_->Import(in, options,
                             [&rows](const ImportRow& row, uint64_t) { rows.push_back(row); });
  }

  std::unique_ptr<Collector> collector_;
  std::unique_ptr<ImportHistory> history_;
  std::unique_ptr<EnrichmentImporter> importer_;
  Principal marketing_{"usr_3", "mia", "marketing"};
};

TEST_F(EnrichmentImportTest, CombinesDeclaredColumnsWithThePeopleWeHoldAndSkipsWhomItMayNotTouch) {
  const std::string known = Person("known@example.com");
  const std::string erased = Person("erased@example.com");
  const std::string objected = Person("objected@example.com");
  const std::string restricted = Person("restricted@example.com");
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(tx.MarkSubjectErased(erased, clock_.Now()));
                    PD_RETURN_IF_ERROR(tx.SetSubjectRestricted(restricted, clock_.Now()));
                    return tx.AddSuppression({"email",
                                              keyring_->BlindIndex("email", "objected@example.com"),
                                              "objection", clock_.Now()});
                  })
                  .ok());

  std::vector<ImportRow> rows;
  auto summary = Import(
      "Email,Company,Job_Title,LinkedIn_URL\n"
      "KNOWN@example.com,Contoso,CISO,https://linkedin.example/known\n"
      "erased@example.com,Erased Ltd,CEO,\n"
      "objected@example.com,Objecting Inc,CTO,\n"
      "restricted@example.com,Restricted AG,CFO,\n"
      "new@example.com,New Corp,COO,\n"
      "not-an-address,Broken,Intern,\n",
      rows);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->ignored_columns, std::vector<std::string>{"linkedin_url"});
  EXPECT_EQ(summary->rows, 6u);
  EXPECT_EQ(summary->merged, 1u);
  EXPECT_EQ(summary->added, 0u);
  EXPECT_EQ(summary->skipped, 4u);
  EXPECT_EQ(summary->refused, 1u);
  std::vector<std::tuple<size_t, std::string, std::string>> got;
  for (const auto& r : rows) got.emplace_back(r.line, r.outcome, r.reason);
  std::vector<std::tuple<size_t, std::string, std::string>> want = {
      {2, "merged", ""},
      {3, "skipped", "erased"},
      {4, "skipped", "objected"},
      {5, "skipped", "restricted"},
      {6, "skipped", "unknown_person"},
      {7, "refused", ""}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(rows[0].subject_id, known);
  EXPECT_EQ(rows[5].problems.at(0).field, "email");
  EXPECT_EQ(rows[5].problems.at(0).code, "invalid_format");

  SubjectView view = Read(known);
  ASSERT_EQ(view.attributes.size(), 5u);  // name and email from the form; 3 from the vendor
  EXPECT_EQ(view.attributes[3].name, "company");
  EXPECT_EQ(view.attributes[3].value, "Contoso");
  auto provenance = nlohmann::json::parse(view.attributes[3].provenance);
  EXPECT_EQ(provenance["source"], "enrichment:zoominfo");
  EXPECT_EQ(provenance["channel"], "enrichment_import");
  EXPECT_EQ(provenance["import"], summary->id);
  EXPECT_EQ(provenance["purposes"], nlohmann::json::array({"enrichment"}));
  for (const auto& id : {restricted, objected}) EXPECT_EQ(Read(id).attributes.size(), 2u);
}

TEST_F(EnrichmentImportTest, AddsPeopleOnlyWhereThePolicySaysSoAndKeepsRowOrder) {
  policy_.Replace(WithNewSubjects());
  std::string csv = "email,phone\n";
  for (int i = 0; i < 100; ++i) {
    csv += "p" + std::to_string(i) + "@example.com,+44 20 7946 0" +
           std::to_string(1000 + i).substr(1) + "\n";
  }
  std::vector<ImportRow> rows;
  auto summary = Import(csv, rows);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->added, 100u);
  ASSERT_EQ(rows.size(), 100u);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].line, i + 2);
  auto provenance = nlohmann::json::parse(Read(rows[7].subject_id).attributes[0].provenance);
  EXPECT_EQ(provenance["source"], "enrichment:zoominfo");
}

TEST_F(EnrichmentImportTest, RefusesWhatCannotBeImportedAtAll) {
  std::vector<ImportRow> rows;
  std::istringstream csv("email\nx@example.com\n");
  ImportOptions bad_vendor{"Zoom Info!", "", &marketing_, ""};
  EXPECT_EQ(importer_->Import(csv, bad_vendor, nullptr).error().code(), "invalid_vendor");
  Principal agent{"usr_1", "sam", "support_agent"};
  ImportOptions as_agent{"zoominfo", "", &agent, ""};
  EXPECT_EQ(importer_->Import(csv, as_agent, nullptr).error().code(), "forbidden");
  ImportOptions other_point{"zoominfo", "contact", &marketing_, ""};
  EXPECT_EQ(importer_->Import(csv, other_point, nullptr).error().code(),
            "collection_point_not_found");
  EXPECT_EQ(Import("email,EMAIL\n", rows).error().code(), "invalid_csv");
  EXPECT_EQ(Import("", rows).error().code(), "invalid_csv");
}

}  // namespace
}  // namespace privacyd

namespace privacyd {
namespace {

TEST_F(EnrichmentImportTest, RecordsEachImportWithTheRowsThatNeedAttentionAndNoValues) {
  Person("known@example.com");
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) {
                    return tx.AddSuppression({"email",
                                              keyring_->BlindIndex("email", "objected@example.com"),
                                              "objection", clock_.Now()});
                  })
                  .ok());
  std::vector<ImportRow> rows;
  const Micros started = clock_.Now();
  auto summary = Import(
      "email,company,fax\nknown@example.com,Contoso,1\nobjected@example.com,Objecting Inc,2\n"
      "not-an-address,Broken,3\n",
      rows);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  // A header alone imports nothing, and an import refused before its rows is not recorded.
  EXPECT_EQ(Import("", rows).error().code(), "invalid_csv");

  auto page = history_->List(marketing_, "", 10);
  ASSERT_TRUE(page.ok()) << page.error().message();
  ASSERT_EQ(page->imports.size(), 1u);
  EXPECT_EQ(page->next, "");
  const ImportRecord& record = page->imports[0];
  EXPECT_EQ(record.id, summary->id);
  EXPECT_EQ(record.vendor, "zoominfo");
  EXPECT_EQ(record.point, "enrichment");
  EXPECT_EQ(record.actor, "mia");
  EXPECT_EQ(record.started_at, started);
  EXPECT_EQ(record.outcome, "completed");
  EXPECT_EQ(record.error, "");
  EXPECT_EQ(
      std::make_tuple(record.rows, record.merged, record.added, record.skipped, record.refused),
      std::make_tuple(3, 1, 0, 1, 1));
  EXPECT_EQ(record.ignored_columns, R"(["fax"])");
  auto exceptions = nlohmann::json::parse(record.exceptions);
  ASSERT_EQ(exceptions.size(), 2u);
  EXPECT_EQ(exceptions[0],
            nlohmann::json::parse(R"({"line": 3, "outcome": "skipped", "reason": "objected"})"));
  EXPECT_EQ(exceptions[1]["line"], 4);
  EXPECT_EQ(exceptions[1]["outcome"], "refused");
  EXPECT_EQ(exceptions[1]["errors"][0]["field"], "email");
  EXPECT_EQ(exceptions[1]["errors"][0]["code"], "invalid_format");
  EXPECT_EQ(record.exceptions.find("not-an-address"), std::string::npos);
  EXPECT_EQ(record.exceptions.find("Broken"), std::string::npos);

  auto same = history_->Get(marketing_, summary->id);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->exceptions, record.exceptions);
  EXPECT_EQ(history_->Get(marketing_, "imp_unknown").error().code(), "import_not_found");
  Principal agent{"usr_9", "sam", "support_agent"};
  EXPECT_EQ(history_->List(agent, "", 10).error().code(), "forbidden");
  EXPECT_EQ(history_->Get(agent, summary->id).error().code(), "forbidden");
  EXPECT_EQ(history_->List(marketing_, "x", 10).error().code(), "invalid_cursor");
}

TEST_F(EnrichmentImportTest, RecordsAnImportThatAMalformedRowStoppedWithWhatItStored) {
  policy_.Replace(WithNewSubjects());
  std::vector<ImportRow> rows;
  auto summary = Import("email\na@example.com\nb@example.com\n\"c@example.com\n", rows);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code(), "invalid_csv");
  EXPECT_EQ(rows.size(), 2u);
  auto page = history_->List(marketing_, "", 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->imports.size(), 1u);
  EXPECT_EQ(page->imports[0].outcome, "failed");
  EXPECT_EQ(page->imports[0].error, "invalid_csv");
  EXPECT_EQ(page->imports[0].rows, 2);
  EXPECT_EQ(page->imports[0].added, 2);
}

TEST_F(EnrichmentImportTest, ImportsArePagedNewestFirst) {
  policy_.Replace(WithNewSubjects());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    std::vector<ImportRow> rows;
    auto summary = Import("email\np" + std::to_string(i) + "@example.com\n", rows);
    ASSERT_TRUE(summary.ok());
    ids.push_back(summary->id);
  }
  auto first = history_->List(marketing_, "", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->imports.size(), 2u);
  EXPECT_EQ(first->imports[0].id, ids[2]);
  EXPECT_EQ(first->imports[1].id, ids[1]);
  ASSERT_NE(first->next, "");
  auto second = history_->List(marketing_, first->next, 2);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->imports.size(), 1u);
  EXPECT_EQ(second->imports[0].id, ids[0]);
  EXPECT_EQ(second->next, "");
}

}  // namespace
}  // namespace privacyd
