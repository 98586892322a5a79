#include "policy/policy_diff.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/policy_loader.h"
#include "testing/fixtures.h"

namespace privacyd {
namespace {

std::string Example() { return testing::ReadSourceFile("examples/policy.yaml"); }

std::shared_ptr<const Policy> LoadOrDie(const std::string& yaml) {
  PolicyLoad load = LoadPolicyText(yaml, "p.yaml", Taxonomy::Default(), Jurisdictions::Default());
  std::string errors;
  for (const auto& d : load.diagnostics) errors += d.Format() + "\n";
  EXPECT_TRUE(load.ok()) << errors;
  return load.policy;
}

struct DiffCase {
  const char* name;
  const char* from;
  const char* to;
  const char* clause;
  PolicyChange::Kind kind;
  bool material;
};

// One edit of the example policy and the one change (besides the version) it must produce.
const DiffCase kCases[] = {
    {"new recipient country", "    countries: [US]\n", "    countries: [US, IN]\n",
     "recipients.google.countries", PolicyChange::Kind::kAdded, true},
    {"longer retention", "      keep: {months: 26}", "      keep: {months: 38}",
     "purposes.site_operation.retention", PolicyChange::Kind::kChanged, true},
    {"shorter retention", "      keep: {months: 26}", "      keep: {months: 14}",
     "purposes.site_operation.retention", PolicyChange::Kind::kChanged, false},
    {"basis away from consent",
     "      gdpr: consent\n      uk_gdpr: consent\n    retention:\n      keep: {months: 26}",
     "      gdpr: consent\n      uk_gdpr: legitimate_interests\n    retention:\n      keep: "
     "{months: 26}",
     "purposes.site_operation.legal_basis.uk_gdpr", PolicyChange::Kind::kChanged, true},
    {"basis towards consent",
     "legal_basis: {default: contract}\n    retention:\n      keep: {years: 2}\n      from: "
     "end_of_relationship",
     "legal_basis: {default: consent}\n    retention:\n      keep: {years: 2}\n      from: "
     "end_of_relationship",
     "purposes.trial.legal_basis.default", PolicyChange::Kind::kChanged, false},
    {"lower minimum age", "minimum_age: 18", "minimum_age: 16", "minimum_age",
     PolicyChange::Kind::kChanged, true},
    {"higher minimum age", "minimum_age: 18", "minimum_age: 21", "minimum_age",
     PolicyChange::Kind::kChanged, false},
    {"new data category", "  - user.privacy_preferences ",
     "  - user.contact.fax_number\n  - user.privacy_preferences ", "data_categories",
     PolicyChange::Kind::kAdded, true},
    {"prohibited category dropped", "  - user.criminal_history\n", "", "prohibited_categories",
     PolicyChange::Kind::kRemoved, true},
    {"reworded text", "We will occasionally update this Privacy Statement",
     "From time to time we update this Privacy Statement", "texts.changes",
     PolicyChange::Kind::kChanged, false},
    {"new DPO address", "191 Spring Street", "200 Spring Street", "dpo.postal_address",
     PolicyChange::Kind::kChanged, false},
    {"recipient gets a new purpose", "    purposes: [site_operation, advertising]",
     "    purposes: [site_operation, advertising, site_security]", "recipients.google.purposes",
     PolicyChange::Kind::kAdded, true},
    {"recipient removed category",
     "    categories: [user.device.cookie_id, user.device.ip_address, "
     "user.behavior.browsing_history]",
     "    categories: [user.device.cookie_id, user.behavior.browsing_history]",
     "recipients.google.categories", PolicyChange::Kind::kRemoved, false},
};

TEST(PolicyDiff, ClassifiesEachChange) {
  const std::string example = Example();
  auto before = LoadOrDie(example);
  ASSERT_TRUE(before);
  EXPECT_TRUE(DiffPolicies(*before, *before).empty());
  for (const auto& c : kCases) {
    std::string edited = example;
    size_t at = edited.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.name;
    edited.replace(at, std::string(c.from).size(), c.to);
    auto after = LoadOrDie(edited);
    ASSERT_TRUE(after) << c.name;
    auto changes = DiffPolicies(*before, *after);
    ASSERT_EQ(changes.size(), 1u) << c.name << ": "
                                  << (changes.empty() ? "" : FormatChange(changes[1]));
    EXPECT_EQ(changes[0].clause, c.clause) << c.name;
    EXPECT_EQ(changes[0].kind, c.kind) << c.name << ": " << FormatChange(changes[0]);
    EXPECT_EQ(changes[0].material, c.material) << c.name << ": " << FormatChange(changes[0]);
  }
}

TEST(PolicyDiff, FormatsAnEditorialChange) {
  std::string example = Example();
  auto before = LoadOrDie(example);
  std::string edited = example;
  const std::string old_version = "version: \"2024-08\"";
  edited.replace(edited.find(old_version), old_version.size(), "version: \"2025-01\"");
  auto after = LoadOrDie(edited);
  auto changes = DiffPolicies(*before, *after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(FormatChange(changes[0]), "editorial: statement.version: 2024-08 -> 2025-01");
}

}  // namespace
}  // namespace privacyd
