#include "policy/policy_loader.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace privacyd {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(PRIVACYD_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

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
  EXPECT_EQ(fields,
            (std::vector<std::string>{"name", "email", "company", "job_title", "country", "message"}));
  EXPECT_TRUE(contact.fields.back().free_text);
  EXPECT_EQ(contact.topics, std::vector<std::string>{"newsletter"});
  EXPECT_EQ(p.purposes.at("marketing_email").legal_basis.at("gdpr"), LegalBasis::kConsent);
  EXPECT_TRUE(p.topics.count("trust_center_update"));
  EXPECT_EQ(p.rights.rights.size(), 8u);
}

}  // namespace
}  // namespace privacyd
