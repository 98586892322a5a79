// The fixed words of the rendered statement in each language privacyd writes (en, de, fr): names
// of rights, recipient roles, safeguards, channels, legal bases, data categories, countries and
// regimes. Each entry holds its three translations side by side, so a translator reviews one line
// and a missing translation is visible in review (and caught by statement_vocabulary_test.cc).
//
// Everything here is static data; all functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace privacyd {

// A language the statement can be written in.
enum class Lang { kEn, kDe, kFr };

// "en" -> kEn, ...; nullopt for a language privacyd has no words for.
std::optional<Lang> ParseLang(std::string_view code);
// kEn -> "en", ...: the inverse of ParseLang.
const char* LangCode(Lang lang);
// The languages privacyd has words for: "en", "de", "fr".
const std::vector<std::string>& SupportedStatementLanguages();

// One fixed text in each language.
struct Phrase {
  const char* en;
  const char* de;
  const char* fr;

  const char* In(Lang lang) const {
    switch (lang) {
      case Lang::kEn:
        return en;
      case Lang::kDe:
        return de;
      case Lang::kFr:
        return fr;
    }
    return en;
  }
};

const Phrase& RightPhrase(Right right);                    // "Erasure (deletion)"
const Phrase& RecipientRolePhrase(RecipientRole role);     // "Partners"
const Phrase& SafeguardPhrase(Safeguard safeguard);        // "standard contractual clauses ..."
const Phrase& ChannelPhrase(Channel channel);              // "Over the telephone"
const Phrase& LegalBasisPhrase(LegalBasis basis);          // "our legitimate interests"
const Phrase& RetentionStartPhrase(RetentionStart start);  // "after our last interaction"

// Readable names for fideslang data categories ("user.contact.email" -> "Email address"), for
// the categories the example policy uses; nullptr for any other key (the caller then falls back
// to the taxonomy's English name).
const Phrase* CategoryPhrase(std::string_view category_key);
// Country names by ISO 3166-1 alpha-2 code, for the countries the example policy names; nullptr
// for others (the caller shows the code, which reads the same in every language).
const Phrase* CountryPhrase(std::string_view iso2);
// Where a regime applies, by regime id ("gdpr" -> "EEA"), for every regime privacyd ships;
// nullptr for an unknown id.
const Phrase* RegimePhrase(std::string_view regime_id);
// Where a representative's region is, with its preposition ("EEA" -> "in the European Economic
// Area (EEA)", "im Europäischen Wirtschaftsraum (EWR)"); nullptr for regions other than EEA, EU,
// UK and CH.
const Phrase* RegionPhrase(std::string_view region);
// The name of a month, 1..12 ("August", "August", "août").
const Phrase& MonthPhrase(int month);

// What a material change of the policy means for a reader, by DiffPolicies' reason
// (PolicyChange::why: "new recipient" -> "we share data with a new recipient"); a generic phrase
// for a reason it does not know.
const Phrase& MaterialChangePhrase(std::string_view why);

// The category keys CategoryPhrase knows, for tests.
std::vector<std::string> TranslatedCategoryKeys();

}  // namespace privacyd
