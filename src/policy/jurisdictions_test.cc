#include "policy/jurisdictions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace privacyd {
namespace {

using ::testing::HasSubstr;

Micros At(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : 0;
}

const Jurisdictions& J() { return Jurisdictions::Default(); }

std::string RegimeId(std::string_view code) { return J().RegimeFor(code).id; }

TEST(JurisdictionsTest, EmbeddedDataLoads) {
  auto parsed = Jurisdictions::FromYaml(Jurisdictions::EmbeddedSources());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->as_of(), "2026-11-26");
  EXPECT_EQ(J().as_of(), "2026-11-26");
}

TEST(JurisdictionsTest, RegimeForCountry) {
  EXPECT_EQ(RegimeId("DE"), "gdpr");
  EXPECT_EQ(RegimeId("NO"), "gdpr");
  EXPECT_EQ(RegimeId("IS"), "gdpr");
  EXPECT_EQ(RegimeId("LI"), "gdpr");
  EXPECT_EQ(RegimeId("GR"), "gdpr");
  EXPECT_EQ(RegimeId("RE"), "gdpr");  // Reunion, an EU outermost region
  EXPECT_EQ(RegimeId("GB"), "uk_gdpr");
  EXPECT_EQ(RegimeId("CH"), "swiss_fadp");
  EXPECT_EQ(RegimeId("BR"), "lgpd");
  EXPECT_EQ(RegimeId("CA"), "pipeda");
}

TEST(JurisdictionsTest, EveryEeaStateIsGdpr) {
  for (const char* code :
       {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
        "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO"}) {
    EXPECT_EQ(RegimeId(code), "gdpr") << code;
  }
}

TEST(JurisdictionsTest, RegimeForSubdivisionFallsBackToCountryThenOther) {
  EXPECT_EQ(RegimeId("US-CA"), "ccpa");
  EXPECT_EQ(RegimeId("US-VA"), "vcdpa");
  EXPECT_EQ(RegimeId("US-CO"), "cpa_colorado");
  EXPECT_EQ(RegimeId("US-CT"), "ctdpa");
  EXPECT_EQ(RegimeId("US-UT"), "ucpa");
  EXPECT_EQ(RegimeId("US-TX"), "tdpsa");
  EXPECT_EQ(RegimeId("US-OR"), "ocpa");
  EXPECT_EQ(RegimeId("US-NY"), "other");
  EXPECT_EQ(RegimeId("US"), "other");
  EXPECT_EQ(RegimeId("CA-QC"), "pipeda");
  EXPECT_EQ(RegimeId("DE-BY"), "gdpr");
}

TEST(JurisdictionsTest, RegimeForIsCaseInsensitive) {
  EXPECT_EQ(RegimeId("us-ca"), "ccpa");
  EXPECT_EQ(RegimeId("Us-Ca"), "ccpa");
  EXPECT_EQ(RegimeId("de"), "gdpr");
}

TEST(JurisdictionsTest, UnknownOrEmptyFallsBackToOther) {
  EXPECT_EQ(RegimeId("ZZ"), "other");
  EXPECT_EQ(RegimeId(""), "other");
  EXPECT_EQ(RegimeId("not a country"), "other");
  EXPECT_EQ(RegimeId("IN"), "other");
}

TEST(JurisdictionsTest, RegimeValues) {
  const Regime* gdpr = J().FindRegime("gdpr");
  ASSERT_NE(gdpr, nullptr);
  EXPECT_EQ(gdpr->marketing_email, MarketingConsent::kOptIn);
  EXPECT_EQ(gdpr->deadline, (Period{.months = 1}));
  EXPECT_EQ(gdpr->extension, (Period{.months = 2}));
  EXPECT_EQ(gdpr->rule, PeriodRule::kEu1182_71);
  EXPECT_EQ(gdpr->minimum_age, 16);
  EXPECT_EQ(gdpr->adequacy_list, "eu");
  EXPECT_THAT(gdpr->source, HasSubstr("Art. 12(3)"));

  const Regime* uk = J().FindRegime("uk_gdpr");
  ASSERT_NE(uk, nullptr);
  EXPECT_EQ(uk->minimum_age, 13);
  EXPECT_EQ(uk->adequacy_list, "uk");

  const Regime* ch = J().FindRegime("swiss_fadp");
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->marketing_email, MarketingConsent::kOptIn);
  EXPECT_EQ(ch->deadline, (Period{.days = 30}));
  EXPECT_EQ(ch->extension, Period{});
  EXPECT_EQ(ch->adequacy_list, "ch");

  const Regime* ccpa = J().FindRegime("ccpa");
  ASSERT_NE(ccpa, nullptr);
  EXPECT_EQ(ccpa->marketing_email, MarketingConsent::kOptOut);
  EXPECT_EQ(ccpa->deadline, (Period{.days = 45}));
  EXPECT_EQ(ccpa->extension, (Period{.days = 45}));
  EXPECT_EQ(ccpa->rule, PeriodRule::kCalendarDays);
  EXPECT_EQ(ccpa->adequacy_list, "");
  EXPECT_THAT(ccpa->source, HasSubstr("1798.130(a)(2)"));

  const Regime* lgpd = J().FindRegime("lgpd");
  ASSERT_NE(lgpd, nullptr);
  EXPECT_EQ(lgpd->marketing_email, MarketingConsent::kOptIn);
  EXPECT_EQ(lgpd->deadline, (Period{.days = 15}));
  EXPECT_EQ(lgpd->extension, Period{});

  const Regime* pipeda = J().FindRegime("pipeda");
  ASSERT_NE(pipeda, nullptr);
  EXPECT_EQ(pipeda->marketing_email, MarketingConsent::kOptIn);
  EXPECT_EQ(pipeda->deadline, (Period{.days = 30}));
  EXPECT_EQ(pipeda->extension, (Period{.days = 30}));

  const Regime* other = J().FindRegime("other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->marketing_email, MarketingConsent::kOptOut);
  EXPECT_EQ(other->deadline, (Period{.days = 30}));
  EXPECT_EQ(other->minimum_age, 16);

  EXPECT_EQ(J().FindRegime("nope"), nullptr);
}

TEST(JurisdictionsTest, DeadlinesFromRegimes) {
  const Regime& gdpr = J().RegimeFor("FR");
  EXPECT_EQ(FormatDate(AddPeriod(At("2026-01-31T10:00:00Z"), gdpr.deadline, gdpr.rule)),
            "2026-02-28");
  EXPECT_EQ(FormatDate(ExtendedDeadline(At("2026-01-15T10:00:00Z"), gdpr.deadline, gdpr.extension,
                                        gdpr.rule)),
            "2026-04-15");
  const Regime& ccpa = J().RegimeFor("US-CA");
  EXPECT_EQ(FormatDate(AddPeriod(At("2026-12-20T10:00:00Z"), ccpa.deadline, ccpa.rule)),
            "2027-02-03");
  const Regime& lgpd = J().RegimeFor("BR");
  EXPECT_EQ(FormatDate(AddPeriod(At("2026-03-25T10:00:00Z"), lgpd.deadline, lgpd.rule)),
            "2026-04-09");
}

TEST(JurisdictionsTest, IsKnownCountry) {
  EXPECT_TRUE(J().IsKnownCountry("DE"));
  EXPECT_TRUE(J().IsKnownCountry("de"));
  EXPECT_TRUE(J().IsKnownCountry("AX"));
  EXPECT_TRUE(J().IsKnownCountry("SS"));  // South Sudan, assigned 2011
  EXPECT_FALSE(J().IsKnownCountry("ZZ"));
  EXPECT_FALSE(J().IsKnownCountry("XK"));  // Kosovo: user-assigned, not ISO 3166-1
  EXPECT_FALSE(J().IsKnownCountry("UK"));  // exceptionally reserved; the code is GB
  EXPECT_FALSE(J().IsKnownCountry("EL"));  // the EU's code for Greece; ISO is GR
  EXPECT_FALSE(J().IsKnownCountry(""));
  EXPECT_FALSE(J().IsKnownCountry("DEU"));
}

TEST(JurisdictionsTest, EveryMappedCodeIsAnIsoCountry) {
  const auto codes = J().MappedCodes();
  ASSERT_FALSE(codes.empty());
  for (const std::string& code : codes) {
    EXPECT_TRUE(J().IsKnownCountry(code.substr(0, 2))) << code;
    EXPECT_TRUE(code.size() == 2 || code[2] == '-') << code;
  }
}

TEST(JurisdictionsTest, AdequacySameArea) {
  auto answer = J().Adequacy("DE", "FR", At("2026-06-01T00:00:00Z"), false);
  EXPECT_TRUE(answer.adequate);
  EXPECT_EQ(answer.basis, "same_area");
  EXPECT_EQ(J().Adequacy("NO", "IE", At("2026-06-01T00:00:00Z"), false).basis, "same_area");
  EXPECT_EQ(J().Adequacy("de", "gp", At("2026-06-01T00:00:00Z"), false).basis, "same_area");
  EXPECT_EQ(J().Adequacy("GB", "GB", At("2026-06-01T00:00:00Z"), false).basis, "same_area");
  EXPECT_EQ(J().Adequacy("CH", "CH", At("2026-06-01T00:00:00Z"), false).basis, "same_area");
}

TEST(JurisdictionsTest, AdequacyDecisionOfTheOriginList) {
  auto japan = J().Adequacy("DE", "JP", At("2026-06-01T00:00:00Z"), false);
  EXPECT_TRUE(japan.adequate);
  EXPECT_EQ(japan.basis, "adequacy:eu:JP since 2019-01-23");

  auto before = J().Adequacy("DE", "JP", At("2019-01-22T23:59:59Z"), false);
  EXPECT_FALSE(before.adequate);
  EXPECT_EQ(before.basis, "none");

  auto uk = J().Adequacy("FR", "GB", At("2026-06-01T00:00:00Z"), false);
  EXPECT_TRUE(uk.adequate);
  EXPECT_EQ(uk.basis, "adequacy:eu:GB since 2021-06-28");
  // The renewed UK decision has a sunset on 27 December 2031.
  EXPECT_FALSE(J().Adequacy("FR", "GB", At("2031-12-27T00:00:00Z"), false).adequate);

  auto eea_from_uk = J().Adequacy("GB", "DE", At("2026-06-01T00:00:00Z"), false);
  EXPECT_TRUE(eea_from_uk.adequate);
  EXPECT_EQ(eea_from_uk.basis, "adequacy:uk:DE since 2021-01-01");

  EXPECT_EQ(J().Adequacy("GB", "KR", At("2026-06-01T00:00:00Z"), false).basis,
            "adequacy:uk:KR since 2022-12-19");
  EXPECT_EQ(J().Adequacy("CH", "GB", At("2026-06-01T00:00:00Z"), false).basis,
            "adequacy:ch:GB since 2023-09-01");
}

TEST(JurisdictionsTest, NoAdequacy) {
  auto india = J().Adequacy("DE", "IN", At("2026-06-01T00:00:00Z"), true);
  EXPECT_FALSE(india.adequate);
  EXPECT_EQ(india.basis, "none");
  EXPECT_THAT(india.detail, HasSubstr("no eu adequacy decision for IN"));

  EXPECT_FALSE(J().Adequacy("CH", "JP", At("2026-06-01T00:00:00Z"), false).adequate);
  EXPECT_FALSE(J().Adequacy("DE", "ZZ", At("2026-06-01T00:00:00Z"), true).adequate);
  EXPECT_FALSE(J().Adequacy("DE", "", At("2026-06-01T00:00:00Z"), true).adequate);
}

TEST(JurisdictionsTest, UnitedStatesNeedsDpfAndTheDecisionInForce) {
  // EU: EU-US Data Privacy Framework, 10 July 2023.
  auto certified = J().Adequacy("DE", "US", At("2023-07-10T00:00:00Z"), true);
  EXPECT_TRUE(certified.adequate);
  EXPECT_EQ(certified.basis, "dpf:eu:US since 2023-07-10");
  auto uncertified = J().Adequacy("DE", "US", At("2026-06-01T00:00:00Z"), false);
  EXPECT_FALSE(uncertified.adequate);
  EXPECT_EQ(uncertified.basis, "none");
  EXPECT_THAT(uncertified.detail, HasSubstr("Data Privacy Framework"));
  EXPECT_FALSE(J().Adequacy("DE", "US", At("2023-07-09T23:59:59Z"), true).adequate);
  EXPECT_EQ(J().Adequacy("DE", "US-CA", At("2026-06-01T00:00:00Z"), true).basis,
            "dpf:eu:US since 2023-07-10");

  // UK: UK Extension to the DPF, 12 October 2023.
  EXPECT_FALSE(J().Adequacy("GB", "US", At("2023-10-11T23:59:59Z"), true).adequate);
  EXPECT_EQ(J().Adequacy("GB", "US", At("2023-10-12T00:00:00Z"), true).basis,
            "dpf:uk:US since 2023-10-12");
  EXPECT_FALSE(J().Adequacy("GB", "US", At("2026-06-01T00:00:00Z"), false).adequate);

  // Switzerland: Swiss-US DPF, 15 September 2024.
  EXPECT_FALSE(J().Adequacy("CH", "US", At("2024-09-14T23:59:59Z"), true).adequate);
  EXPECT_EQ(J().Adequacy("CH", "US", At("2024-09-15T00:00:00Z"), true).basis,
            "dpf:ch:US since 2024-09-15");
  EXPECT_FALSE(J().Adequacy("CH", "US", At("2026-06-01T00:00:00Z"), false).adequate);
}

TEST(JurisdictionsTest, OriginWithoutTransferRuleIsAlwaysAdequate) {
  auto answer = J().Adequacy("US", "IN", At("2026-06-01T00:00:00Z"), false);
  EXPECT_TRUE(answer.adequate);
  EXPECT_EQ(answer.basis, "no_transfer_rule");
  EXPECT_TRUE(J().Adequacy("US-CA", "CN", At("2026-06-01T00:00:00Z"), false).adequate);
  EXPECT_TRUE(J().Adequacy("BR", "IN", At("2026-06-01T00:00:00Z"), false).adequate);
}

// Replaces one embedded document with `text` and returns the load error message.
std::string LoadError(YamlSource JurisdictionSources::*field, const std::string& text) {
  JurisdictionSources sources = Jurisdictions::EmbeddedSources();
  (sources.*field).text = text;
  auto parsed = Jurisdictions::FromYaml(sources);
  if (parsed.ok()) return "loaded";
  EXPECT_EQ(parsed.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(parsed.error().code(), "invalid_jurisdiction_data");
  return parsed.error().message();
}

TEST(JurisdictionsFromYamlTest, CountryNamingUnknownRegime) {
  EXPECT_EQ(LoadError(&JurisdictionSources::countries,
                      "as_of: 2026-01-01\n"
                      "source: test\n"
                      "fallback: other\n"
                      "map:\n"
                      "  DE: gdpr\n"
                      "  US-CA: ccpaa\n"),
            "countries.yml:6: 'US-CA' names unknown regime 'ccpaa' (not in regimes.yml)");
}

TEST(JurisdictionsFromYamlTest, CountryCodeNotInIso) {
  EXPECT_EQ(LoadError(&JurisdictionSources::countries,
                      "as_of: 2026-01-01\nsource: test\nfallback: other\nmap:\n  XK: other\n"),
            "countries.yml:5: 'XK' is not an ISO 3166-1 alpha-2 country code");
  EXPECT_EQ(LoadError(&JurisdictionSources::countries,
                      "as_of: 2026-01-01\nsource: test\nfallback: other\nmap:\n  de: gdpr\n"),
            "countries.yml:5: 'de' is neither an upper-case ISO 3166-1 code (\"DE\") nor a "
            "subdivision (\"US-CA\")");
}

TEST(JurisdictionsFromYamlTest, UnknownFallback) {
  EXPECT_EQ(LoadError(&JurisdictionSources::countries,
                      "as_of: 2026-01-01\nsource: test\nfallback: nothing\nmap:\n  DE: gdpr\n"),
            "countries.yml:3: fallback names unknown regime 'nothing' (not in regimes.yml)");
}

TEST(JurisdictionsFromYamlTest, RegimeErrorsNameTheEntry) {
  const std::string head = "as_of: 2026-01-01\nsource: test\nregimes:\n  other:\n";
  const std::string good =
      "    name: Other\n    source: s\n    marketing_email: opt_out\n"
      "    request_deadline: {days: 30}\n    request_extension: {days: 0}\n"
      "    period_rule: calendar_days\n    minimum_age: 16\n";
  EXPECT_THAT(LoadError(&JurisdictionSources::regimes, head + good),
              HasSubstr("names unknown regime 'gdpr'"));
  EXPECT_EQ(LoadError(&JurisdictionSources::regimes, head + good + "    marketing_emial: opt_in\n"),
            "regimes.yml:12: regime 'other': unknown key 'marketing_emial'");
  EXPECT_EQ(
      LoadError(&JurisdictionSources::regimes,
                "as_of: 2026-01-01\nsource: test\nregimes:\n  other:\n    name: Other\n"
                "    source: s\n    marketing_email: maybe\n    request_deadline: {days: 30}\n"
                "    request_extension: {days: 0}\n    period_rule: calendar_days\n"
                "    minimum_age: 16\n"),
      "regimes.yml:7: regime 'other': marketing_email must be opt_in or opt_out, not 'maybe'");
  EXPECT_EQ(
      LoadError(&JurisdictionSources::regimes,
                "as_of: 2026-01-01\nsource: test\nregimes:\n  other:\n    name: Other\n"
                "    source: s\n    marketing_email: opt_out\n    request_deadline: {weeks: 4}\n"
                "    request_extension: {days: 0}\n    period_rule: calendar_days\n"
                "    minimum_age: 16\n"),
      "regimes.yml:8: regime 'other': 'request_deadline': unknown key 'weeks'");
  EXPECT_EQ(
      LoadError(&JurisdictionSources::regimes,
                "as_of: 2026-01-01\nsource: test\nregimes:\n  other:\n    name: Other\n"
                "    source: s\n    marketing_email: opt_out\n    request_deadline: {days: -3}\n"
                "    request_extension: {days: 0}\n    period_rule: calendar_days\n"
                "    minimum_age: 16\n"),
      "regimes.yml:8: regime 'other': 'request_deadline' days must be a whole number of at "
      "least 0");
}

TEST(JurisdictionsFromYamlTest, AdequacyErrors) {
  JurisdictionSources sources = Jurisdictions::EmbeddedSources();
  const std::string head =
      "as_of: 2026-01-01\nsource: test\nlist: eu\nsame_area:\n  countries: [DE]\ndecisions:\n";
  auto error = [&](const std::string& decisions) {
    const std::string text = head + decisions;
    sources.adequacy_lists[0].text = text;
    auto parsed = Jurisdictions::FromYaml(sources);
    return parsed.ok() ? std::string("loaded") : parsed.error().message();
  };
  EXPECT_EQ(error("  - {country: JP, since: 2019-01-23, requires: contract}\n"),
            "adequacy/eu.yml:7: decision for 'JP': 'requires' may only be dpf, not 'contract'");
  EXPECT_EQ(error("  - {country: JP, since: 2019-02-30}\n"),
            "adequacy/eu.yml:7: decision for 'JP': 'since': '2019-02-30' is not a date in the "
            "form YYYY-MM-DD");
  EXPECT_EQ(error("  - {country: JA, since: 2019-01-23}\n"),
            "adequacy/eu.yml:7: 'JA' is not an ISO 3166-1 alpha-2 country code");
  EXPECT_EQ(error("  - {country: JP, since: 2019-01-23, until: 2019-01-01}\n"),
            "adequacy/eu.yml:7: decision for 'JP': 'until' must be after 'since'");
  EXPECT_EQ(error("  - {country: JP, since: 2019-01-23}\n"), "loaded");
}

TEST(JurisdictionsFromYamlTest, MalformedYamlNamesTheFile) {
  EXPECT_THAT(LoadError(&JurisdictionSources::iso_countries, "countries: [unclosed\n"),
              HasSubstr("iso3166.yml:"));
  EXPECT_EQ(LoadError(&JurisdictionSources::iso_countries, "- a list\n"),
            "iso3166.yml:1: the document must be a mapping");
}

}  // namespace
}  // namespace privacyd
