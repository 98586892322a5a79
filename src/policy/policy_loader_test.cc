#include "policy/policy_loader.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "testing/fixtures.h"

namespace privacyd {
namespace {

std::string ReadSource(const std::string& relative) { return testing::ReadSourceFile(relative); }

PolicyLoad Load(const std::string& yaml) {
  return LoadPolicyText(yaml, "policy.yaml", Taxonomy::Default(), Jurisdictions::Default());
}

TEST(PolicyLoader, ExamplePolicyLoadsWithOnlyTheExpectedWarning) {
  PolicyLoad load = Load(ReadSource("examples/policy.yaml"));
  ASSERT_TRUE(load.ok());
  // The statement's general inquiry form asks for no age: exactly that is reported.
  ASSERT_EQ(load.diagnostics.size(), 1u) << load.diagnostics[1].Format();
  EXPECT_EQ(load.diagnostics[0].severity, PolicyDiagnostic::Severity::kWarning);
  EXPECT_EQ(load.diagnostics[0].key, "collection_points.contact.age_signal");
  const Policy& p = *load.policy;
  EXPECT_EQ(p.version, "2024-08");
  EXPECT_EQ(p.languages, (std::vector<std::string>{"en", "de", "fr"}));
  EXPECT_EQ(p.controller.name, "Mimecast Services Limited");
  EXPECT_EQ(p.representatives.size(), 3u);
  EXPECT_EQ(p.dpo.email, "dpo@mimecast.com");
  EXPECT_EQ(p.minimum_age, 18);
  EXPECT_TRUE(p.dpf_certified);
  EXPECT_FALSE(p.sells_data);
  const CollectionPoint& contact = p.collection_points.at("contact");
  std::vector<std::string> fields;
  for (const auto& f : contact.fields) fields.push_back(f.name);
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "email", "company", "job_title", "country",
                                              "message"}));
  EXPECT_TRUE(contact.fields.back().free_text);
  EXPECT_EQ(contact.topics, std::vector<std::string>{"newsletter"});
  EXPECT_EQ(p.purposes.at("marketing_email").legal_basis.at("gdpr"), LegalBasis::kConsent);
  EXPECT_TRUE(p.topics.count("trust_center_update"));
  EXPECT_EQ(p.rights.rights.size(), 8u);
  EXPECT_EQ(p.rights.identities, (std::vector<std::string>{"email", "phone"}));
  ASSERT_TRUE(p.rights.records_retention.has_value());
  EXPECT_EQ(p.rights.records_retention->years, 3);
}

TEST(PolicyLoader, RequestsTakeOnlyTheEmailAndClosedOnesAreKeptWithAWarningByDefault) {
  std::string text = ReadSource("examples/policy.yaml");
  for (const char* line : {"  identities: [email, phone]\n", "  records_retention: {years: 3}\n"}) {
    size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos);
    text.erase(at, std::string(line).size());
  }
  PolicyLoad load = Load(text);
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load.policy->rights.identities, std::vector<std::string>{"email"});
  EXPECT_FALSE(load.policy->rights.records_retention.has_value());
  const PolicyDiagnostic* warning = nullptr;
  for (const auto& d : load.diagnostics) {
    if (d.key == "rights.records_retention") warning = &d;
  }
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ(warning->severity, PolicyDiagnostic::Severity::kWarning);
  EXPECT_EQ(static_cast<size_t>(warning->line),
            1 + std::count(text.begin(), text.begin() + text.find("  available:"), '\n'));
}

}  // namespace
}  // namespace privacyd

namespace privacyd {
namespace {

size_t LineOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return 0;
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
}

TEST(PolicyCorpus, EveryBrokenPolicyGetsItsSpecificError) {
  const std::string example = ReadSource("examples/policy.yaml");
  YAML::Node corpus = YAML::Load(ReadSource("tests/policies/broken.yaml"));
  ASSERT_GE(corpus["cases"].size(), 20u);
  for (const auto& c : corpus["cases"]) {
    std::string name = c["name"].as<std::string>();
    std::string from = c["replace"]["from"].as<std::string>();
    std::string to = c["replace"]["to"].as<std::string>();
    size_t at = example.find(from);
    ASSERT_NE(at, std::string::npos) << name << ": the example has no '" << from << "'";
    std::string broken = example;
    broken.replace(at, from.size(), to);

    PolicyLoad load = Load(broken);
    EXPECT_FALSE(load.ok()) << name;
    std::string key = c["expect"]["key"].as<std::string>();
    std::string message = c["expect"]["message"].as<std::string>();
    const PolicyDiagnostic* found = nullptr;
    for (const auto& d : load.diagnostics) {
      if (d.severity == PolicyDiagnostic::Severity::kError && d.key == key &&
          d.message.find(message) != std::string::npos) {
        found = &d;
      }
    }
    std::string all;
    for (const auto& d : load.diagnostics) all += "\n  " + d.Format();
    ASSERT_NE(found, nullptr) << name << ": no error '" << key << ": ..." << message << "'" << all;
    EXPECT_EQ(found->file, "policy.yaml");
    if (c["expect"]["line_of"]) {
      EXPECT_EQ(static_cast<size_t>(found->line),
                LineOf(broken, c["expect"]["line_of"].as<std::string>()))
          << name << ": " << found->Format();
    }
  }
}

TEST(PolicyCorpus, AllErrorsAreReportedNotJustTheFirst) {
  std::string broken = ReadSource("examples/policy.yaml");
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"sells_data: false", "sels_data: false"},
           {"data_use: sales", "data_use: sale"},
           {"    countries: [US]\n", "    countries: [USA]\n"}}) {
    broken.replace(broken.find(from), from.size(), to);
  }
  PolicyLoad load = Load(broken);
  ASSERT_FALSE(load.ok());
  std::set<std::string> keys;
  for (const auto& d : load.diagnostics) keys.insert(d.key);
  EXPECT_TRUE(keys.count("sels_data"));
  EXPECT_TRUE(keys.count("purposes.quote.data_use"));
  EXPECT_TRUE(keys.count("recipients.google.countries"));
  EXPECT_EQ(load.errors(), 3u);
}

}  // namespace
}  // namespace privacyd
