#include "policy/taxonomy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace privacyd {

extern const std::string_view kFideslangDataCategories;
extern const std::string_view kFideslangDataUses;
extern const std::string_view kFideslangDataSubjects;

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kCategory = TaxonomyKind::kDataCategory;
constexpr auto kUse = TaxonomyKind::kDataUse;
constexpr auto kSubject = TaxonomyKind::kDataSubject;

// Counts the entries of a fideslang data file independently of the parser: one
// "  fides_key: " line per entry.
size_t CountEntries(std::string_view text) {
  size_t count = 0;
  for (size_t pos = text.find("\n  fides_key: "); pos != std::string_view::npos;
       pos = text.find("\n  fides_key: ", pos + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string> Keys(const std::vector<const TaxonomyEntry*>& entries) {
  std::vector<std::string> keys;
  for (const TaxonomyEntry* entry : entries) keys.push_back(entry->key);
  return keys;
}

TEST(TaxonomyTest, DefaultHasEveryEntryOfTheDataFiles) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  // fideslang 3.2.0: 101 active and 22 deprecated categories, 56 uses, 15 subjects.
  EXPECT_EQ(taxonomy.All(kCategory).size(), 123u);
  EXPECT_EQ(taxonomy.All(kUse).size(), 56u);
  EXPECT_EQ(taxonomy.All(kSubject).size(), 15u);
  EXPECT_EQ(taxonomy.All(kCategory).size(), CountEntries(kFideslangDataCategories));
  EXPECT_EQ(taxonomy.All(kUse).size(), CountEntries(kFideslangDataUses));
  EXPECT_EQ(taxonomy.All(kSubject).size(), CountEntries(kFideslangDataSubjects));
  EXPECT_EQ(taxonomy.version(), "fideslang 3.2.0");
}

TEST(TaxonomyTest, DefaultIsBuiltOnceAndSharedAcrossThreads) {
  std::vector<const Taxonomy*> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] { seen[i] = &Taxonomy::Default(); });
  }
  for (auto& thread : threads) thread.join();
  for (const Taxonomy* taxonomy : seen) EXPECT_EQ(taxonomy, &Taxonomy::Default());
}

TEST(TaxonomyTest, EveryParentInTheDefaultExistsAndIsTheKeyPrefix) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  for (TaxonomyKind kind : {kCategory, kUse, kSubject}) {
    for (const TaxonomyEntry* entry : taxonomy.All(kind)) {
      EXPECT_FALSE(entry->name.empty()) << entry->key;
      EXPECT_FALSE(entry->description.empty()) << entry->key;
      if (entry->parent.empty()) {
        EXPECT_EQ(entry->key.find('.'), std::string::npos) << entry->key;
        continue;
      }
      EXPECT_NE(taxonomy.Find(kind, entry->parent), nullptr) << entry->key;
      EXPECT_EQ(entry->key, entry->parent + "." + entry->key.substr(entry->parent.size() + 1))
          << entry->key;
      EXPECT_TRUE(taxonomy.Covers(kind, entry->parent, entry->key)) << entry->key;
    }
  }
}

TEST(TaxonomyTest, FindsKnownKeysWithTheirParents) {
  const Taxonomy& taxonomy = Taxonomy::Default();

  const TaxonomyEntry* email = taxonomy.Find(kCategory, "user.contact.email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->key, "user.contact.email");
  EXPECT_EQ(email->name, "User Contact Email");
  EXPECT_EQ(email->description, "User's contact email address.");
  EXPECT_EQ(email->parent, "user.contact");

  const TaxonomyEntry* user = taxonomy.Find(kCategory, "user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->parent, "");
  // A description folded over two lines in the file reads as one sentence.
  EXPECT_EQ(user->description,
            "Data related to the user of the system, either provided directly or derived based "
            "on their usage.");

  const TaxonomyEntry* advertising = taxonomy.Find(kUse, "marketing.advertising");
  ASSERT_NE(advertising, nullptr);
  EXPECT_EQ(advertising->name, "Advertising, Marketing or Promotion");
  EXPECT_EQ(advertising->parent, "marketing");

  const TaxonomyEntry* mail = taxonomy.Find(kUse, "marketing.communications.email");
  ASSERT_NE(mail, nullptr);
  EXPECT_EQ(mail->parent, "marketing.communications");
  EXPECT_EQ(mail->name, "Marketing Email Communications");

  const TaxonomyEntry* customer = taxonomy.Find(kSubject, "customer");
  ASSERT_NE(customer, nullptr);
  EXPECT_EQ(customer->name, "Customer");
  EXPECT_EQ(customer->parent, "");
  EXPECT_NE(taxonomy.Find(kSubject, "prospect"), nullptr);

  // Deprecated 2.x keys are still there, so older policies resolve.
  EXPECT_NE(taxonomy.Find(kCategory, "user.biometric"), nullptr);
  EXPECT_NE(taxonomy.Find(kCategory, "user.biometrics"), nullptr);
}

TEST(TaxonomyTest, FindIsExactAndPerKind) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  EXPECT_EQ(taxonomy.Find(kCategory, "user.contact.emial"), nullptr);
  EXPECT_EQ(taxonomy.Find(kCategory, "User.Contact.Email"), nullptr);
  EXPECT_EQ(taxonomy.Find(kCategory, "user.cont"), nullptr);
  EXPECT_EQ(taxonomy.Find(kCategory, ""), nullptr);
  EXPECT_EQ(taxonomy.Find(kUse, "user.contact.email"), nullptr);
  EXPECT_EQ(taxonomy.Find(kCategory, "marketing"), nullptr);
  EXPECT_EQ(taxonomy.Find(kCategory, "customer"), nullptr);
}

TEST(TaxonomyTest, CoversSelfAndDescendantsOnly) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  EXPECT_TRUE(taxonomy.Covers(kCategory, "user.contact.email", "user.contact.email"));
  EXPECT_TRUE(taxonomy.Covers(kCategory, "user.contact", "user.contact.email"));
  EXPECT_TRUE(taxonomy.Covers(kCategory, "user", "user.contact.address.city"));
  EXPECT_TRUE(taxonomy.Covers(kUse, "marketing", "marketing.communications.email"));
  EXPECT_TRUE(taxonomy.Covers(kUse, "marketing.advertising", "marketing.advertising.first_party"));
  EXPECT_TRUE(taxonomy.Covers(kSubject, "customer", "customer"));

  // Not upwards, not sideways, not across roots.
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.contact", "user"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.contact.email", "user.contact"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.contact.email", "user.contact.phone_number"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.contact", "user.account.username"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "system", "user.contact.email"));
  EXPECT_FALSE(taxonomy.Covers(kUse, "marketing", "essential.service.notifications.email"));
  EXPECT_FALSE(taxonomy.Covers(kSubject, "customer", "prospect"));

  // A string prefix is not an ancestor: "user.biometric" (deprecated) is a real key and a prefix
  // of "user.biometrics.fingerprint", yet not its parent.
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.biometric", "user.biometrics.fingerprint"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.cont", "user.contact"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user.cont", "user.contact.email"));

  // Unknown keys and the wrong kind cover nothing.
  EXPECT_FALSE(taxonomy.Covers(kCategory, "user", "user.contact.emial"));
  EXPECT_FALSE(taxonomy.Covers(kCategory, "", "user"));
  EXPECT_FALSE(taxonomy.Covers(kUse, "user", "user.contact"));
}

TEST(TaxonomyTest, SuggestsTheClosestKnownKey) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  EXPECT_EQ(taxonomy.Suggest(kCategory, "user.contact.emial"), "user.contact.email");
  EXPECT_EQ(taxonomy.Suggest(kCategory, "user.contact.emal"), "user.contact.email");
  EXPECT_EQ(taxonomy.Suggest(kCategory, "User.Contact.Email"), "user.contact.email");
  EXPECT_EQ(taxonomy.Suggest(kUse, "marketting"), "marketing");
  EXPECT_EQ(taxonomy.Suggest(kUse, "marketing.communication.email"),
            "marketing.communications.email");
  EXPECT_EQ(taxonomy.Suggest(kSubject, "custmer"), "customer");
  EXPECT_EQ(taxonomy.Suggest(kSubject, "prospects"), "prospect");
  // The right last segment under a wrong or missing parent.
  EXPECT_EQ(taxonomy.Suggest(kCategory, "user.email"), "user.contact.email");
  EXPECT_EQ(taxonomy.Suggest(kCategory, "user.contact.city"), "user.contact.address.city");
  EXPECT_EQ(taxonomy.Suggest(kUse, "marketing.email"), "marketing.communications.email");
  EXPECT_EQ(taxonomy.Suggest(kSubject, "Customer"), "customer");
  // A known key is its own suggestion.
  EXPECT_EQ(taxonomy.Suggest(kCategory, "user.contact"), "user.contact");
}

TEST(TaxonomyTest, SuggestsNothingForNonsense) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  EXPECT_EQ(taxonomy.Suggest(kCategory, "qwertyuiop"), std::nullopt);
  EXPECT_EQ(taxonomy.Suggest(kCategory, "zz"), std::nullopt);
  EXPECT_EQ(taxonomy.Suggest(kCategory, ""), std::nullopt);
  EXPECT_EQ(taxonomy.Suggest(kUse, "bananas.for.everyone"), std::nullopt);
  EXPECT_EQ(taxonomy.Suggest(kSubject, "martian"), std::nullopt);
  // A right last segment under an unrelated parent is not a near miss.
  EXPECT_EQ(taxonomy.Suggest(kUse, "bananas.email"), std::nullopt);
  // Keys of another kind are not suggested.
  EXPECT_EQ(taxonomy.Suggest(kUse, "user.contact.email"), std::nullopt);
}

TEST(TaxonomyTest, ChildrenAreDirectAndInFileOrder) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  EXPECT_THAT(Keys(taxonomy.Children(kCategory, "user.contact")),
              ElementsAre("user.contact.address", "user.contact.email", "user.contact.phone_number",
                          "user.contact.url", "user.contact.social_url", "user.contact.fax_number",
                          "user.contact.organization"));
  EXPECT_THAT(Keys(taxonomy.Children(kUse, "marketing.communications")),
              ElementsAre("marketing.communications.email", "marketing.communications.sms"));
  EXPECT_THAT(Keys(taxonomy.Children(kCategory, "")), ElementsAre("system", "user"));
  EXPECT_EQ(taxonomy.Children(kUse, "").size(), 12u);
  EXPECT_EQ(taxonomy.Children(kSubject, "").size(), 15u);
  EXPECT_TRUE(taxonomy.Children(kCategory, "user.contact.email").empty());
  EXPECT_TRUE(taxonomy.Children(kCategory, "no.such.key").empty());
}

TEST(TaxonomyTest, AllIsInFileOrder) {
  const Taxonomy& taxonomy = Taxonomy::Default();
  auto categories = Keys(taxonomy.All(kCategory));
  EXPECT_EQ(categories.front(), "system");
  EXPECT_EQ(categories.back(), "user.unique_id.probablistic");
  auto uses = Keys(taxonomy.All(kUse));
  EXPECT_EQ(uses.front(), "analytics");
  EXPECT_EQ(uses.back(), "train_ai_system");
  EXPECT_EQ(Keys(taxonomy.All(kSubject)).front(), "anonymous_user");
  EXPECT_EQ(taxonomy.All(kUse), taxonomy.All(kUse));
}

// Small texts in fideslang's shape for FromYaml.
constexpr char kCategories[] = R"(data_category:
- fides_key: user
  name: User Data
  description: Data about the user.
  parent_key: null
- fides_key: user.contact
  name: Contact Data
  description: Contact data.
  parent_key: user
- fides_key: user.contact.email
  name: Email
  description: An email address.
  parent_key: user.contact
)";
constexpr char kUses[] = R"(data_use:
- fides_key: marketing
  name: Marketing
  parent_key: null
)";
constexpr char kSubjects[] = R"(data_subject:
- fides_key: customer
  name: Customer
)";

TEST(TaxonomyFromYamlTest, BuildsFromTexts) {
  auto built = Taxonomy::FromYaml(kCategories, kUses, kSubjects, "test 1");
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(built->version(), "test 1");
  EXPECT_EQ(built->All(kCategory).size(), 3u);
  EXPECT_TRUE(built->Covers(kCategory, "user", "user.contact.email"));
  EXPECT_EQ(built->Find(kUse, "marketing")->description, "");
  EXPECT_NE(built->Find(kSubject, "customer"), nullptr);

  // Pointers stay valid when the taxonomy is moved.
  const TaxonomyEntry* email = built->Find(kCategory, "user.contact.email");
  Taxonomy moved = std::move(built).value();
  EXPECT_EQ(moved.Find(kCategory, "user.contact.email"), email);
}

TEST(TaxonomyFromYamlTest, AcceptsABareListAndAnEmptyText) {
  auto built = Taxonomy::FromYaml("- fides_key: user\n- fides_key: user.name\n  parent_key: user\n",
                                  "", "data_subject: []\n", "v");
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(built->All(kCategory).size(), 2u);
  EXPECT_TRUE(built->All(kUse).empty());
  EXPECT_TRUE(built->All(kSubject).empty());
}

TEST(TaxonomyFromYamlTest, RejectsAMissingParent) {
  auto built = Taxonomy::FromYaml(R"(data_category:
- fides_key: user
- fides_key: user.contact.email
  parent_key: user.contact
)",
                                  kUses, kSubjects, "v");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(built.error().code(), "taxonomy_invalid");
  EXPECT_THAT(built.error().message(), HasSubstr("data categories"));
  EXPECT_THAT(built.error().message(), HasSubstr("'user.contact.email'"));
  EXPECT_THAT(built.error().message(), HasSubstr("'user.contact', which is not defined"));
}

TEST(TaxonomyFromYamlTest, RejectsADuplicateKey) {
  auto built = Taxonomy::FromYaml(kCategories, R"(data_use:
- fides_key: marketing
- fides_key: marketing
)",
                                  kSubjects, "v");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(built.error().code(), "taxonomy_invalid");
  EXPECT_THAT(built.error().message(), HasSubstr("data uses"));
  EXPECT_THAT(built.error().message(), HasSubstr("'marketing' is defined twice"));
}

TEST(TaxonomyFromYamlTest, RejectsAParentThatIsNotTheKeyPrefix) {
  auto wrong = Taxonomy::FromYaml(R"(data_category:
- fides_key: user
- fides_key: system
- fides_key: user.name
  parent_key: system
)",
                                  kUses, kSubjects, "v");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), "taxonomy_invalid");
  EXPECT_THAT(wrong.error().message(), HasSubstr("'user.name' has parent_key 'system'"));

  auto missing = Taxonomy::FromYaml(kCategories, kUses, R"(data_subject:
- fides_key: customer.vip
)",
                                    "v");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "taxonomy_invalid");
  EXPECT_THAT(missing.error().message(), HasSubstr("data subjects"));
  EXPECT_THAT(missing.error().message(), HasSubstr("'customer.vip'"));
}

TEST(TaxonomyFromYamlTest, RejectsMalformedEntries) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"data_category:\n- name: No key\n", "entry 1 has no fides_key"},
      {"data_category:\n- fides_key: user\n- fides_key: user..name\n", "'user..name'"},
      {"data_category:\n- fides_key: user\n- just a string\n", "entry 2 is not a map"},
      {"data_category: 7\n", "expected a list of entries"},
      {"data_use:\n- fides_key: marketing\n", "expected a list under 'data_category'"},
      {"data_category: [\n", "not valid YAML"},
  };
  for (const Case& c : cases) {
    auto built = Taxonomy::FromYaml(c.text, kUses, kSubjects, "v");
    ASSERT_FALSE(built.ok()) << c.text;
    EXPECT_EQ(built.error().kind(), ErrorKind::kInvalidArgument) << c.text;
    EXPECT_EQ(built.error().code(), "taxonomy_invalid") << c.text;
    EXPECT_THAT(built.error().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(TaxonomyKindNameTest, NamesEachKind) {
  EXPECT_STREQ(TaxonomyKindName(kCategory), "data category");
  EXPECT_STREQ(TaxonomyKindName(kUse), "data use");
  EXPECT_STREQ(TaxonomyKindName(kSubject), "data subject");
}

}  // namespace
}  // namespace privacyd
