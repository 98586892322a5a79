#include "statement/statement_renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "policy/example_policy.h"
#include "policy/policy_loader.h"

namespace privacyd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::shared_ptr<const Policy> ExamplePolicy() {
  static const std::shared_ptr<const Policy> policy = [] {
    PolicyLoad load =
        LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default());
    EXPECT_TRUE(load.ok());
    return load.policy;
  }();
  return policy;
}

std::string Markdown(const Policy& policy, const std::string& lang) {
  auto md = RenderStatementMarkdown(policy, lang, Taxonomy::Default(), Jurisdictions::Default());
  EXPECT_TRUE(md.ok()) << (md.ok() ? "" : md.error().message());
  return md.ok() ? *md : std::string();
}

std::string Html(const Policy& policy, const std::string& lang) {
  auto html = RenderStatementHtml(policy, lang, Taxonomy::Default(), Jurisdictions::Default());
  EXPECT_TRUE(html.ok()) << (html.ok() ? "" : html.error().message());
  return html.ok() ? *html : std::string();
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The sections of the seed statement's table of contents (plus retention, which it has as a
// section of its own), in order, as headings in each language.
const std::map<std::string, std::vector<std::string>> kHeadings = {
    {"en",
     {"## What type of Personal Data do we collect and how do we use it?",
      "## How do we share Personal Data?", "## Where is my Personal Data transferred?",
      "## How secure is my Personal Data?", "## What kind of technical data do we collect?",
      "## What about cookies?", "## How long will you use my Personal Data?",
      "## What is your commitment to children's online privacy?", "## What about external links?",
      "## What are my data subject rights and how do I exercise them?",
      "## What about changes to this Privacy Statement?", "## How do I contact you?"}},
    {"de",
     {"## Welche personenbezogenen Daten erheben wir und wie verwenden wir sie?",
      "## Wie geben wir personenbezogene Daten weiter?",
      "## Wohin werden meine personenbezogenen Daten übermittelt?",
      "## Wie sicher sind meine personenbezogenen Daten?",
      "## Welche technischen Daten erheben wir?", "## Wie verwenden wir Cookies?",
      "## Wie lange verwenden Sie meine personenbezogenen Daten?",
      "## Wie schützen Sie die Privatsphäre von Kindern im Internet?",
      "## Was gilt für externe Links?",
      "## Welche Rechte habe ich als betroffene Person und wie übe ich sie aus?",
      "## Was gilt bei Änderungen dieser Datenschutzerklärung?",
      "## Wie kann ich Sie kontaktieren?"}},
    {"fr",
     {"## Quelles données personnelles collectons-nous et comment les utilisons-nous ?",
      "## Comment partageons-nous les données personnelles ?",
      "## Où mes données personnelles sont-elles transférées ?",
      "## Mes données personnelles sont-elles en sécurité ?",
      "## Quelles données techniques collectons-nous ?", "## Comment utilisons-nous les cookies ?",
      "## Combien de temps utilisez-vous mes données personnelles ?",
      "## Quel est votre engagement envers la vie privée des enfants en ligne ?",
      "## Qu'en est-il des liens externes ?", "## Quels sont mes droits et comment les exercer ?",
      "## Qu'en est-il des modifications de la présente déclaration ?",
      "## Comment vous contacter ?"}},
};

TEST(StatementRendererTest, EverySectionHeadingAppearsInOrderInEachLanguage) {
  for (const auto& [lang, headings] : kHeadings) {
    std::string md = Markdown(*ExamplePolicy(), lang);
    size_t last = 0;
    for (const auto& heading : headings) {
      size_t at = md.find("\n" + heading + "\n");
      ASSERT_NE(at, std::string::npos) << lang << ": " << heading;
      EXPECT_GT(at, last) << lang << ": out of order: " << heading;
      last = at;
    }
    EXPECT_EQ(Count(md, "\n## "), headings.size()) << lang;
    EXPECT_EQ(md.rfind("# ", 0), 0u) << lang << ": the title comes first";
  }
}

TEST(StatementRendererTest, CarriesTheExamplesFacts) {
  std::string md = Markdown(*ExamplePolicy(), "en");
  EXPECT_THAT(md, HasSubstr("# Privacy Statement\n"));
  EXPECT_THAT(md, HasSubstr("[dpo@mimecast.com](mailto:dpo@mimecast.com)"));
  EXPECT_THAT(md, HasSubstr("**Mimecast Germany GmbH**"));
  EXPECT_THAT(md, HasSubstr("**Mimecast Netherlands B.V.**"));
  EXPECT_THAT(md, HasSubstr("**Mimecast France SARL**"));
  EXPECT_THAT(md, HasSubstr("children under the age of 18."));
  EXPECT_THAT(md, HasSubstr("within one month of receiving your request"));
  EXPECT_THAT(md, HasSubstr("extended by a further two months"));
  EXPECT_THAT(md, HasSubstr("JAMS, our U.S.-based Data Privacy Framework dispute resolution"));
  EXPECT_THAT(md, HasSubstr("(https://www.jamsadr.com/DPF-Dispute-Resolution)"));
  EXPECT_THAT(md, HasSubstr("subscribe to the topic “Trust Center Update”"));
  EXPECT_THAT(md, HasSubstr("We do not sell or rent your Personal Data to third parties."));
  EXPECT_THAT(md, HasSubstr("Version 2024-08, effective 1 August 2024."));
  EXPECT_THAT(md,
              HasSubstr("Data Privacy Framework list](https://www.dataprivacyframework.gov/list)"));
}

TEST(StatementRendererTest, PurposesShowLegalBasisPerRegimeAndRetentionInWords) {
  std::string md = Markdown(*ExamplePolicy(), "en");
  EXPECT_THAT(md, HasSubstr("Legal basis: your consent (EEA, Brazil, Canada, Switzerland, United "
                            "Kingdom); elsewhere, our legitimate interests."));
  EXPECT_THAT(md, HasSubstr("**Responding to your inquiries**: 2 years after our last "
                            "interaction. Two years after our last exchange"));
  EXPECT_THAT(md, HasSubstr("**Sending a referral on your behalf**: 30 days after collection."));
  EXPECT_THAT(md, HasSubstr("**Providing, improving and administering the Site**: 26 months "
                            "after collection."));
}

TEST(StatementRendererTest, SharingTransfersCookiesAndRightsComeFromThePolicy) {
  std::string md = Markdown(*ExamplePolicy(), "en");
  EXPECT_THAT(md, HasSubstr("### Partners\n\n- **Our partners**: To allow them"));
  EXPECT_THAT(md, HasSubstr("### Successors\n"));
  EXPECT_THAT(md, HasSubstr("**Google (Analytics and advertising)**: United States. Safeguards: "
                            "certification of the recipient under the Data Privacy Framework; "
                            "standard contractual clauses"));
  EXPECT_THAT(md, HasSubstr("an intercompany agreement that incorporates the standard contractual "
                            "clauses"));
  EXPECT_THAT(md, HasSubstr("**Google Analytics** (United States): [privacy "
                            "policy](https://policies.google.com/privacy), [opt "
                            "out](https://tools.google.com/dlpage/gaoptout)"));
  EXPECT_THAT(md, HasSubstr("- Government-issued ID numbers"));
  EXPECT_THAT(md, HasSubstr("**Over the telephone**: Telephone call"));
  EXPECT_THAT(md, HasSubstr("- Erasure: to have your Personal Data deleted"));
  EXPECT_THAT(md, HasSubstr("We may ask you to verify your identity"));
  EXPECT_THAT(md, HasSubstr("- Brazil: 15 days\n"));
  EXPECT_THAT(md, HasSubstr("- Canada: 30 days, extendable by 30 days\n"));
}

TEST(StatementRendererTest, GermanAndFrenchCarryTheFactsInTheirLanguage) {
  std::string de = Markdown(*ExamplePolicy(), "de");
  EXPECT_THAT(de, HasSubstr("# Datenschutzerklärung\n"));
  EXPECT_THAT(de, HasSubstr("unsere Antwortfrist beträgt ein Monat"));
  EXPECT_THAT(de, HasSubstr("um weitere zwei Monate verlängert"));
  EXPECT_THAT(de, HasSubstr("Kindern unter 18 Jahren"));
  EXPECT_THAT(de, HasSubstr("2 Jahre nach unserem letzten Kontakt"));
  EXPECT_THAT(de, HasSubstr("Version 2024-08, gültig ab 1. August 2024."));
  EXPECT_THAT(de, HasSubstr("„Trust Center Update“"));
  std::string fr = Markdown(*ExamplePolicy(), "fr");
  EXPECT_THAT(fr, HasSubstr("dans un délai de un mois"));
  EXPECT_THAT(fr, HasSubstr("prolongé de deux mois supplémentaires"));
  EXPECT_THAT(fr, HasSubstr("moins de 18 ans"));
  EXPECT_THAT(fr, HasSubstr("en vigueur à compter du 1er août 2024"));
  for (const auto* md : {&de, &fr}) {
    EXPECT_THAT(*md, HasSubstr("dpo@mimecast.com"));
    EXPECT_THAT(*md, HasSubstr("JAMS"));
    EXPECT_THAT(*md, HasSubstr("Mimecast Netherlands B.V."));
  }
}

// Words of the English fixed text that must never appear on a German or French page. Proper
// names in the policy's own data (company names, "Data Privacy Framework", "Trust Center
// Update", "Google Analytics") are not translated and are not in this list. Entities (names,
// addresses, register entries) are single-language strings in the policy model, so their exact
// values are taken out of the page before the check: they are data, not fixed words.
TEST(StatementRendererTest, GermanAndFrenchPagesHaveNoEnglishWords) {
  const std::vector<std::string> markers = {" the ",
                                            " and ",
                                            " our ",
                                            " your ",
                                            " you ",
                                            " we ",
                                            "We ",
                                            " of ",
                                            " to ",
                                            " with ",
                                            "What ",
                                            "How ",
                                            "Where ",
                                            "Personal Data",
                                            "legitimate",
                                            "your consent",
                                            " years",
                                            " months",
                                            " days",
                                            "after ",
                                            "Legal basis",
                                            "Safeguards",
                                            "Email:",
                                            "Telephone",
                                            "Partners",
                                            "Service providers",
                                            "Affiliates",
                                            "Authorities",
                                            "Successors",
                                            "Erasure",
                                            "Access:",
                                            "opt out",
                                            "privacy policy",
                                            "United States",
                                            "United Kingdom",
                                            "effective",
                                            "elsewhere",
                                            "Your name",
                                            "Job title",
                                            "Country",
                                            "Political opinions",
                                            "Health information",
                                            "standard contractual",
                                            "adequacy",
                                            "intercompany",
                                            "within",
                                            "extended",
                                            "Version 2024-08, effective"};
  for (const std::string lang : {"de", "fr"}) {
    std::string md = Markdown(*ExamplePolicy(), lang);
    std::vector<const Entity*> entities = {&ExamplePolicy()->controller};
    for (const auto& rep : ExamplePolicy()->representatives) entities.push_back(&rep);
    for (const Entity* entity : entities) {
      for (const std::string* value : {&entity->address, &entity->registration}) {
        if (value->empty()) continue;
        for (size_t at = md.find(*value); at != std::string::npos; at = md.find(*value)) {
          md.erase(at, value->size());
        }
      }
    }
    for (const auto& marker : markers) {
      EXPECT_EQ(md.find(marker), std::string::npos)
          << lang << " page contains English '" << marker
          << "' near: " << md.substr(md.find(marker) > 60 ? md.find(marker) - 60 : 0, 140);
    }
  }
}

TEST(StatementRendererTest, PolicyTextCannotInjectMarkdownOrHtml) {
  auto policy = std::make_shared<Policy>(*ExamplePolicy());
  policy->texts["security"]["en"] =
      "<script>alert(1)</script> *bold* _it_ [x](javascript:alert(1)) &amp; `code`\n# Heading";
  policy->controller.name = "1. <b>Evil</b> | Corp";
  policy->title["en"] = "<img src=x onerror=alert(1)>";
  policy->dpo.portal_url = "javascript:alert(1)";
  std::string md = Markdown(*policy, "en");
  EXPECT_THAT(md, HasSubstr("\\<script\\>alert(1)\\</script\\> \\*bold\\* \\_it\\_ "
                            "\\[x\\](javascript:alert(1)) \\&amp; \\`code\\` # Heading"));

  std::string html = Html(*policy, "en");
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<em>")));
  EXPECT_THAT(html, Not(HasSubstr("<code>")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"javascript")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; *bold* _it_ "
                              "[x](javascript:alert(1)) &amp;amp; `code` # Heading"));
  EXPECT_THAT(html, HasSubstr("<title>&lt;img src=x onerror=alert(1)&gt; – 1. &lt;b&gt;Evil"));
  EXPECT_EQ(Count(html, "<h1"), 1u);
}

TEST(StatementRendererTest, HtmlIsACompleteSelfContainedDocument) {
  for (const std::string lang : {"en", "de", "fr"}) {
    std::string html = Html(*ExamplePolicy(), lang);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"" + lang + "\">", 0), 0u);
    EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
    EXPECT_THAT(html, HasSubstr("<style>"));
    EXPECT_THAT(html, HasSubstr("@media print"));
    EXPECT_THAT(html, HasSubstr("</html>\n"));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
    EXPECT_THAT(html, Not(HasSubstr("src=")));
    EXPECT_THAT(html, Not(HasSubstr("<link")));
    EXPECT_EQ(Count(html, "<h1>"), 1u);
    EXPECT_EQ(Count(html, "<h2 id=\""), 12u);
    EXPECT_THAT(html, HasSubstr("<h2 id=\"contact\">"));
    EXPECT_THAT(html, HasSubstr("href=\"#contact\""));
  }
  EXPECT_THAT(Html(*ExamplePolicy(), "en"),
              HasSubstr("<title>Privacy Statement – Mimecast Services Limited</title>"));
}

TEST(StatementRendererTest, UnknownLanguageIsRefusedNamingThePolicysLanguages) {
  for (const std::string lang : {"es", "", "EN", "en-GB"}) {
    auto md = RenderStatementMarkdown(*ExamplePolicy(), lang, Taxonomy::Default(),
                                      Jurisdictions::Default());
    ASSERT_FALSE(md.ok()) << lang;
    EXPECT_EQ(md.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(md.error().code(), "unsupported_language");
    EXPECT_THAT(md.error().message(), HasSubstr("en, de, fr"));
  }
  auto only_en = std::make_shared<Policy>(*ExamplePolicy());
  only_en->languages = {"en"};
  auto html = RenderStatementHtml(*only_en, "de", Taxonomy::Default(), Jurisdictions::Default());
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().code(), "unsupported_language");
}

TEST(StatementRendererTest, CategoriesWithoutATranslationFallBackToTheTaxonomyName) {
  auto policy = std::make_shared<Policy>(*ExamplePolicy());
  policy->data_categories.push_back("user.financial");
  std::string md = Markdown(*policy, "de");
  const TaxonomyEntry* entry =
      Taxonomy::Default().Find(TaxonomyKind::kDataCategory, "user.financial");
  ASSERT_NE(entry, nullptr);
  EXPECT_THAT(md, HasSubstr("- " + entry->name + "\n"));
}

}  // namespace
}  // namespace privacyd
