#include "policy/decisions.h"

#include <gtest/gtest.h>

#include "policy/example_policy.h"
#include "policy/period.h"
#include "policy/policy_holder.h"
#include "policy/policy_loader.h"

namespace privacyd {
namespace {

std::shared_ptr<const Policy> ExamplePolicy() {
  static const std::shared_ptr<const Policy> policy = [] {
    PolicyLoad load = LoadPolicyText(kExamplePolicy, "policy.yaml", Taxonomy::Default(),
                                     Jurisdictions::Default());
    EXPECT_TRUE(load.ok());
    return load.policy;
  }();
  return policy;
}

std::shared_ptr<const DecisionTables> Compile(const Policy& policy) {
  return DecisionTables::Compile(policy, Taxonomy::Default(), Jurisdictions::Default());
}

// One question and its expected answer. Arguments by question:
//   collect:   point, field
//   use:       category, purpose, regime or country, consent
//   disclose:  recipient, purpose, origin, destination ("" = all), category...
//   retention: category, purpose
struct Row {
  std::string question;
  std::vector<std::string> args;
  bool allowed;
  std::string reason;
  std::string clause;
};

Result<Decision> Ask(const DecisionTables& t, const Row& row) {
  const auto& a = row.args;
  if (row.question == "collect") return t.Collect(a.at(0), a.at(1));
  if (row.question == "use") {
    auto consent = ParseConsentState(a.at(3));
    if (!consent.ok()) return consent.error();
    return t.Use(a.at(0), a.at(1), a.at(2), *consent);
  }
  if (row.question == "disclose") {
    DiscloseQuestion q{a.at(0), a.at(1), {a.begin() + 4, a.end()}, a.at(2), a.at(3), {}};
    return t.Disclose(q);
  }
  auto answer = t.Retention(a.at(0), a.at(1));
  if (!answer.ok()) return answer.error();
  return answer->decision;
}

const Row kRows[] = {
    // collect
    {"collect",
     {"contact", "message"},
     true,
     "declared",
     "collection_points.contact.fields.message"},
    {"collect", {"contact", "ssn"}, false, "undeclared_field", "collection_points.contact.fields"},
    {"collect",
     {"contact", "phone"},
     false,
     "undeclared_field",
     "collection_points.contact.fields"},
    {"collect",
     {"partner_inquiry", "phone"},
     true,
     "declared",
     "collection_points.partner_inquiry.fields.phone"},
    {"collect",
     {"referral", "referred_email"},
     true,
     "declared",
     "collection_points.referral.fields.referred_email"},
    {"collect",
     {"careers", "experience"},
     true,
     "declared",
     "collection_points.careers.fields.experience"},
    {"collect",
     {"white_paper", "message"},
     false,
     "undeclared_field",
     "collection_points.white_paper.fields"},
    // use: consent for marketing where the regime is opt-in, legitimate interests elsewhere
    {"use",
     {"user.contact.email", "marketing_email", "gdpr", "none"},
     false,
     "consent_required",
     "purposes.marketing_email.legal_basis.gdpr"},
    {"use",
     {"user.contact.email", "marketing_email", "gdpr", "granted"},
     true,
     "consent_granted",
     "purposes.marketing_email.legal_basis.gdpr"},
    {"use",
     {"user.contact.email", "marketing_email", "gdpr", "withdrawn"},
     false,
     "consent_required",
     "purposes.marketing_email.legal_basis.gdpr"},
    {"use",
     {"user.contact.email", "marketing_email", "ccpa", "none"},
     true,
     "legitimate_interests",
     "purposes.marketing_email.legal_basis.default"},
    {"use",
     {"user.contact.email", "marketing_email", "gdpr", "objected"},
     false,
     "objected",
     "purposes.marketing_email.data_use"},
    {"use",
     {"user.contact.email", "marketing_email", "ccpa", "objected"},
     false,
     "objected",
     "purposes.marketing_email.data_use"},
    {"use",
     {"user.contact.email", "marketing_email", "uk_gdpr", "objected"},
     false,
     "objected",
     "purposes.marketing_email.data_use"},
    {"use",
     {"user.contact.email", "marketing_email", "DE", "none"},
     false,
     "consent_required",
     "purposes.marketing_email.legal_basis.gdpr"},
    {"use",
     {"user.contact.email", "marketing_email", "US-CA", "none"},
     true,
     "legitimate_interests",
     "purposes.marketing_email.legal_basis.default"},
    {"use",
     {"user.device.ip_address", "marketing_email", "ccpa", "granted"},
     false,
     "category_not_in_purpose",
     "purposes.marketing_email.categories"},
    {"use",
     {"user.government_id", "respond_to_inquiries", "gdpr", "granted"},
     false,
     "prohibited_category",
     "prohibited_categories"},
    // a purpose listing user.contact.address covers user.contact.address.country, not user.contact
    {"use",
     {"user.contact.address.country", "respond_to_inquiries", "gdpr", "none"},
     true,
     "legitimate_interests",
     "purposes.respond_to_inquiries.legal_basis.default"},
    {"use",
     {"user.contact", "respond_to_inquiries", "gdpr", "none"},
     false,
     "category_not_in_purpose",
     "purposes.respond_to_inquiries.categories"},
    {"use",
     {"user.name", "trial", "gdpr", "objected"},
     true,
     "contract",
     "purposes.trial.legal_basis.default"},
    {"use",
     {"user.content.private", "respond_to_inquiries", "gdpr", "objected"},
     false,
     "objected",
     "purposes.respond_to_inquiries.legal_basis.default"},
    {"use",
     {"user.device.cookie_id", "site_operation", "uk_gdpr", "none"},
     false,
     "consent_required",
     "purposes.site_operation.legal_basis.uk_gdpr"},
    {"use",
     {"user.device.cookie_id", "advertising", "ccpa", "objected"},
     false,
     "objected",
     "purposes.advertising.data_use"},
    // disclose
    {"disclose",
     {"google", "site_operation", "DE", "", "user.device.cookie_id"},
     true,
     "dpf",
     "recipients.google.safeguards"},
    {"disclose",
     {"marketing_partners", "marketing_email", "DE", "IN", "user.contact.email"},
     true,
     "scc",
     "recipients.marketing_partners.safeguards"},
    {"disclose",
     {"marketing_partners", "marketing_email", "DE", "", "user.contact.email"},
     true,
     "scc",
     "recipients.marketing_partners.safeguards"},
    {"disclose",
     {"marketing_partners", "marketing_email", "DE", "GB", "user.contact.email"},
     true,
     "adequacy",
     "recipients.marketing_partners.countries"},
    {"disclose",
     {"marketing_partners", "marketing_email", "DE", "JP", "user.contact.email"},
     false,
     "not_a_recipient_country",
     "recipients.marketing_partners.countries"},
    {"disclose",
     {"authorities", "marketing_email", "DE", "", "user.contact.email"},
     false,
     "purpose_not_allowed_for_recipient",
     "recipients.authorities.purposes"},
    {"disclose",
     {"authorities", "legal_and_security", "DE", "", "user.contact.email"},
     true,
     "adequacy",
     "recipients.authorities.countries"},
    {"disclose",
     {"google", "site_operation", "DE", "", "user.contact.email"},
     false,
     "not_a_recipient_category",
     "recipients.google.categories"},
    {"disclose",
     {"marketing_partners", "marketing_email", "DE", "", "user.contact.email",
      "user.contact.phone_number"},
     false,
     "not_a_recipient_category",
     "recipients.marketing_partners.categories"},
    {"disclose",
     {"service_providers", "site_operation", "DE", "", "user.contact.email"},
     false,
     "category_not_in_purpose",
     "purposes.site_operation.categories"},
    {"disclose",
     {"google", "site_operation", "US", "", "user.device.cookie_id"},
     true,
     "no_transfer_rule",
     "recipients.google.countries"},
    {"disclose",
     {"affiliates", "recruitment", "GB", "", "user.professional_information"},
     true,
     "intercompany_agreement",
     "recipients.affiliates.safeguards"},
    {"disclose",
     {"successor", "respond_to_inquiries", "FR", "", "user.name"},
     true,
     "adequacy",
     "recipients.successor.countries"},
    {"disclose",
     {"google", "site_operation", "DE", "", "user.government_id"},
     false,
     "prohibited_category",
     "prohibited_categories"},
    // retention
    {"retention",
     {"user.contact.email", "respond_to_inquiries"},
     true,
     "retention_rule",
     "purposes.respond_to_inquiries.retention"},
    {"retention",
     {"user.device.ip_address", "respond_to_inquiries"},
     false,
     "category_not_in_purpose",
     "purposes.respond_to_inquiries.categories"},
    {"retention",
     {"user.contact.email", "referral"},
     true,
     "retention_rule",
     "purposes.referral.retention"},
    {"retention",
     {"user.government_id", "referral"},
     false,
     "prohibited_category",
     "prohibited_categories"},
};

TEST(DecisionTables, AnswersTheExamplePolicyAsWrittenByHand) {
  auto tables = Compile(*ExamplePolicy());
  EXPECT_EQ(tables->policy_version(), "2024-08");
  for (const Row& row : kRows) {
    std::string what = row.question;
    for (const auto& a : row.args) what += " " + a;
    auto decision = Ask(*tables, row);
    ASSERT_TRUE(decision.ok()) << what << ": " << decision.error().message();
    EXPECT_EQ(decision->allowed, row.allowed) << what;
    EXPECT_EQ(ReasonName(decision->clause.reason), row.reason) << what;
    EXPECT_EQ(decision->clause.key, row.clause) << what;
  }
}

TEST(DecisionTables, RetentionNamesTheRule) {
  auto tables = Compile(*ExamplePolicy());
  auto answer = tables->Retention("user.contact.email", "respond_to_inquiries");
  ASSERT_TRUE(answer.ok());
  ASSERT_NE(answer->rule, nullptr);
  EXPECT_EQ(answer->rule->keep.years, 2);
  EXPECT_EQ(answer->rule->from, RetentionStart::kLastInteraction);
  auto cookie = tables->Retention("user.device.cookie_id", "site_operation");
  ASSERT_TRUE(cookie.ok());
  ASSERT_NE(cookie->rule, nullptr);
  EXPECT_EQ(cookie->rule->keep.months, 26);
  EXPECT_EQ(cookie->rule->from, RetentionStart::kCollection);
  auto refused = tables->Retention("user.device.ip_address", "respond_to_inquiries");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->rule, nullptr);
}

TEST(DecisionTables, IdQueriesAgreeWithNamedOnes) {
  auto tables = Compile(*ExamplePolicy());
  auto email = tables->FindCategory("user.contact.email");
  auto marketing = tables->FindPurpose("marketing_email");
  auto gdpr = tables->FindRegime("gdpr");
  auto partners = tables->FindRecipient("marketing_partners");
  auto de = tables->FindOrigin("de");
  ASSERT_TRUE(email.ok() && marketing.ok() && gdpr.ok() && partners.ok() && de.ok());
  Decision use = tables->Use(*email, *marketing, *gdpr, ConsentState::kGranted);
  EXPECT_TRUE(use.allowed);
  EXPECT_EQ(use.clause.key, "purposes.marketing_email.legal_basis.gdpr");
  CategoryId categories[] = {*email};
  Decision disclose = tables->Disclose(*partners, *marketing, categories, *de);
  EXPECT_TRUE(disclose.allowed);
  EXPECT_EQ(disclose.clause.reason, Reason::kScc);
  // A subdivision of an EEA country is judged as its country.
  auto bavaria = tables->FindOrigin("DE-BY");
  ASSERT_TRUE(bavaria.ok());
  EXPECT_EQ(*bavaria, *de);
}

TEST(DecisionTables, UnknownNamesAreErrorsWithASuggestion) {
  auto tables = Compile(*ExamplePolicy());
  auto point = tables->Collect("contcat", "message");
  ASSERT_FALSE(point.ok());
  EXPECT_EQ(point.error().code(), "unknown_point");
  EXPECT_EQ(point.error().message(),
            "no collection point is called 'contcat'; did you mean 'contact'?");
  auto purpose = tables->Use("user.contact.email", "marketing_emial", "gdpr", ConsentState::kNone);
  ASSERT_FALSE(purpose.ok());
  EXPECT_EQ(purpose.error().code(), "unknown_purpose");
  EXPECT_NE(purpose.error().message().find("did you mean 'marketing_email'?"), std::string::npos);
  auto category = tables->Retention("user.contact.emial", "referral");
  ASSERT_FALSE(category.ok());
  EXPECT_EQ(category.error().code(), "unknown_category");
  EXPECT_NE(category.error().message().find("did you mean 'user.contact.email'?"),
            std::string::npos);
  auto regime = tables->Use("user.contact.email", "marketing_email", "gdp", ConsentState::kNone);
  ASSERT_FALSE(regime.ok());
  EXPECT_EQ(regime.error().code(), "unknown_regime");
  EXPECT_NE(regime.error().message().find("did you mean 'gdpr'?"), std::string::npos);
  auto origin = tables->Disclose({"google", "site_operation", {"user.device.cookie_id"}, "XX"});
  ASSERT_FALSE(origin.ok());
  EXPECT_EQ(origin.error().code(), "unknown_country");
  auto none = tables->Disclose({"google", "site_operation", {}, "DE"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), "no_categories");
  auto consent = ParseConsentState("maybe");
  ASSERT_FALSE(consent.ok());
  EXPECT_EQ(consent.error().code(), "invalid_consent_state");
}

TEST(DecisionTables, TransfersAreJudgedAtTheGivenTime) {
  auto tables = Compile(*ExamplePolicy());
  // Before the EU-US DPF adequacy decision (2023-07-10), Google's transfers rest on its SCCs.
  auto before = ParseDate("2023-01-01");
  ASSERT_TRUE(before.ok());
  DiscloseQuestion q{"google", "site_operation", {"user.device.cookie_id"}, "DE", "", *before};
  auto decision = tables->Disclose(q);
  ASSERT_TRUE(decision.ok());
  EXPECT_TRUE(decision->allowed);
  EXPECT_EQ(decision->clause.reason, Reason::kScc);
  EXPECT_EQ(decision->clause.key, "recipients.google.safeguards");
}

TEST(DecisionTables, TransferWithoutSafeguardIsRefused) {
  Policy policy = *ExamplePolicy();
  policy.recipients.at("google").safeguards = {};
  auto tables = Compile(policy);
  auto decision = tables->Disclose({"google", "site_operation", {"user.device.cookie_id"}, "DE"});
  ASSERT_TRUE(decision.ok());
  EXPECT_FALSE(decision->allowed);
  EXPECT_EQ(decision->clause.reason, Reason::kTransferWithoutSafeguard);
  EXPECT_EQ(decision->clause.key, "recipients.google.safeguards");
  // Data of people outside the EEA, UK and Switzerland may go.
  auto us = tables->Disclose({"google", "site_operation", {"user.device.cookie_id"}, "US"});
  ASSERT_TRUE(us.ok());
  EXPECT_TRUE(us->allowed);
}

// `sells_data: false` refuses any disclosure for a purpose whose data use is third-party
// sharing, except sharing the law compels.
TEST(DecisionTables, NoSaleWhenThePolicySaysSo) {
  Policy policy = *ExamplePolicy();
  Purpose sale = policy.purposes.at("marketing_email");
  sale.id = "list_rental";
  sale.data_use = "third_party_sharing";
  policy.purposes["list_rental"] = sale;
  Purpose compelled = sale;
  compelled.id = "court_order";
  compelled.data_use = "third_party_sharing.legal_obligation";
  policy.purposes["court_order"] = compelled;
  policy.recipients.at("marketing_partners").purposes = {"list_rental", "court_order"};
  DiscloseQuestion rental{"marketing_partners", "list_rental", {"user.contact.email"}, "US"};
  DiscloseQuestion order{"marketing_partners", "court_order", {"user.contact.email"}, "US"};

  auto no_sale = Compile(policy);
  auto refused = no_sale->Disclose(rental);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->clause.reason, Reason::kSaleProhibited);
  EXPECT_EQ(refused->clause.key, "sells_data");
  auto compelled_answer = no_sale->Disclose(order);
  ASSERT_TRUE(compelled_answer.ok());
  EXPECT_TRUE(compelled_answer->allowed);

  policy.sells_data = true;
  auto sells = Compile(policy);
  auto allowed = sells->Disclose(rental);
  ASSERT_TRUE(allowed.ok());
  EXPECT_TRUE(allowed->allowed);
}

TEST(DecisionTables, EveryReasonHasANameAndADescription) {
  for (int r = 0; r <= static_cast<int>(Reason::kProhibitedCategory); ++r) {
    EXPECT_STRNE(ReasonName(static_cast<Reason>(r)), "");
    EXPECT_STRNE(ReasonDescription(static_cast<Reason>(r)), "");
  }
  EXPECT_STREQ(ReasonName(Reason::kPurposeNotAllowedForRecipient),
               "purpose_not_allowed_for_recipient");
}

TEST(PolicyHolder, SwapsThePolicyAndItsTablesTogether) {
  auto first = ExamplePolicy();
  PolicyHolder holder(first);
  auto before = holder.Snapshot();
  EXPECT_EQ(before->decisions->policy_version(), "2024-08");

  auto next = std::make_shared<Policy>(*first);
  next->version = "2025-01";
  holder.Replace(next, Compile(*next));
  auto after = holder.Snapshot();
  EXPECT_EQ(after->policy->version, "2025-01");
  EXPECT_EQ(after->decisions->policy_version(), "2025-01");
  EXPECT_EQ(holder.Current()->version, "2025-01");
  // A snapshot taken before stays whole.
  EXPECT_EQ(before->policy->version, "2024-08");
  EXPECT_EQ(before->decisions->policy_version(), "2024-08");
}

}  // namespace
}  // namespace privacyd
