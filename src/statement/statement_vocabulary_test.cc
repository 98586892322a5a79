#include "statement/statement_vocabulary.h"

#include <gtest/gtest.h>

#include <cstring>

#include "policy/example_policy.h"
#include "policy/jurisdictions.h"
#include "policy/policy_loader.h"

namespace privacyd {
namespace {

void ExpectComplete(const Phrase& phrase, const std::string& what) {
  for (Lang lang : {Lang::kEn, Lang::kDe, Lang::kFr}) {
    ASSERT_NE(phrase.In(lang), nullptr) << what;
    EXPECT_GT(std::strlen(phrase.In(lang)), 0u) << what;
  }
}

TEST(StatementVocabularyTest, EveryEnumHasAWordInEveryLanguage) {
  for (Right r :
       {Right::kAccess, Right::kRectification, Right::kErasure, Right::kPortability,
        Right::kRestriction, Right::kObjection, Right::kWithdrawConsent, Right::kComplaint}) {
    ExpectComplete(RightPhrase(r), RightName(r));
  }
  for (RecipientRole r :
       {RecipientRole::kProcessor, RecipientRole::kSubProcessor, RecipientRole::kPartner,
        RecipientRole::kAffiliate, RecipientRole::kAuthority, RecipientRole::kSuccessor}) {
    ExpectComplete(RecipientRolePhrase(r), RecipientRoleName(r));
  }
  for (Safeguard s : {Safeguard::kAdequacy, Safeguard::kScc, Safeguard::kDpf, Safeguard::kBcr,
                      Safeguard::kIntercompanyAgreement}) {
    ExpectComplete(SafeguardPhrase(s), SafeguardName(s));
  }
  for (Channel c :
       {Channel::kWebForm, Channel::kEmailResponse, Channel::kForum, Channel::kPhone,
        Channel::kEvent, Channel::kEnrichmentImport, Channel::kReferral, Channel::kCandidate}) {
    ExpectComplete(ChannelPhrase(c), ChannelName(c));
  }
  for (LegalBasis b : {LegalBasis::kConsent, LegalBasis::kContract, LegalBasis::kLegalObligation,
                       LegalBasis::kVitalInterests, LegalBasis::kPublicTask,
                       LegalBasis::kLegitimateInterests, LegalBasis::kNotice}) {
    ExpectComplete(LegalBasisPhrase(b), LegalBasisName(b));
  }
  for (RetentionStart s : {RetentionStart::kCollection, RetentionStart::kLastInteraction,
                           RetentionStart::kEndOfRelationship, RetentionStart::kPurposeFulfilled}) {
    ExpectComplete(RetentionStartPhrase(s), RetentionStartName(s));
  }
  for (int m = 1; m <= 12; ++m) ExpectComplete(MonthPhrase(m), std::to_string(m));
}

TEST(StatementVocabularyTest, EveryRegimeHasAnArea) {
  for (const Regime* regime : Jurisdictions::Default().Regimes()) {
    const Phrase* phrase = RegimePhrase(regime->id);
    ASSERT_NE(phrase, nullptr) << regime->id;
    ExpectComplete(*phrase, regime->id);
  }
}

// Every category, country and region the example policy names has its own words, so that its
// German and French pages need no English fallback.
TEST(StatementVocabularyTest, CoversEverythingTheExamplePolicyNames) {
  PolicyLoad load =
      LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default());
  ASSERT_TRUE(load.ok());
  const Policy& p = *load.policy;
  std::vector<std::string> categories = p.data_categories;
  categories.insert(categories.end(), p.prohibited_categories.begin(),
                    p.prohibited_categories.end());
  for (const auto& [_, point] : p.collection_points) {
    for (const auto& field : point.fields) categories.push_back(field.category);
  }
  for (const auto& key : categories) {
    const Phrase* phrase = CategoryPhrase(key);
    ASSERT_NE(phrase, nullptr) << key;
    ExpectComplete(*phrase, key);
    EXPECT_NE(Taxonomy::Default().Find(TaxonomyKind::kDataCategory, key), nullptr) << key;
  }
  for (const auto& [_, recipient] : p.recipients) {
    for (const auto& country : recipient.countries) {
      ASSERT_NE(CountryPhrase(country), nullptr) << country;
    }
  }
  for (const auto& [_, vendor] : p.cookie_vendors) {
    ASSERT_NE(CountryPhrase(vendor.country), nullptr) << vendor.country;
  }
  for (const auto& rep : p.representatives) ASSERT_NE(RegionPhrase(rep.region), nullptr);
  for (const auto& key : TranslatedCategoryKeys()) {
    EXPECT_NE(Taxonomy::Default().Find(TaxonomyKind::kDataCategory, key), nullptr) << key;
  }
}

TEST(StatementVocabularyTest, ParsesOnlyTheLanguagesItHasWordsFor) {
  EXPECT_EQ(ParseLang("en"), Lang::kEn);
  EXPECT_EQ(ParseLang("de"), Lang::kDe);
  EXPECT_EQ(ParseLang("fr"), Lang::kFr);
  EXPECT_EQ(ParseLang("es"), std::nullopt);
  EXPECT_EQ(ParseLang("EN"), std::nullopt);
  EXPECT_EQ(SupportedStatementLanguages(), (std::vector<std::string>{"en", "de", "fr"}));
}

}  // namespace
}  // namespace privacyd
