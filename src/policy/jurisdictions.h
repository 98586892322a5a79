// Which privacy regime applies to a person, by where they are, and whether a transfer of their
// data to another country needs a safeguard beyond an adequacy decision.
//
// The facts (regimes, deadlines, the country-to-regime map, ISO 3166-1 codes, the EU, UK and
// Swiss adequacy lists) live in reviewable YAML under data/jurisdictions/, each file with an
// `as_of` date and the legal instrument it follows; Default() is that data compiled in.
//
// Country arguments are ISO 3166-1 alpha-2 codes ("DE") or ISO 3166-2 subdivisions ("US-CA"),
// compared case-insensitively.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "policy/period.h"

namespace privacyd {

enum class MarketingConsent {
  kOptIn,   // marketing email needs the person's prior consent
  kOptOut,  // marketing email may be sent until the person objects
};

struct Regime {
  std::string id;      // "gdpr", "ccpa", "other", ...
  std::string name;    // "EU General Data Protection Regulation (EEA)"
  std::string source;  // the articles the values below come from
  std::string note;    // caveats recorded with the data; may be empty
  MarketingConsent marketing_email = MarketingConsent::kOptIn;
  Period deadline;   // to answer a data subject request, from receipt
  Period extension;  // the further period allowed, from the end of `deadline`; may be zero
  PeriodRule rule = PeriodRule::kCalendarDays;
  int minimum_age = 16;       // default minimum age for the person's own consent
  std::string adequacy_list;  // "eu", "uk", "ch", or "" when no transfer rule applies
};

// The text of one YAML document and the name its errors are reported under ("countries.yml").
struct YamlSource {
  std::string name;
  std::string_view text;
};

struct JurisdictionSources {
  YamlSource regimes;
  YamlSource countries;
  YamlSource iso_countries;
  std::vector<YamlSource> adequacy_lists;
};

class Jurisdictions {
 public:
  // The compiled-in data, parsed on first use. Thread-safe. The embedded files are checked by
  // the unit tests; if they were ever invalid this aborts with the error, as that is our bug.
  static const Jurisdictions& Default();

  // The embedded files as sources, e.g. to replace one of them and call FromYaml.
  static JurisdictionSources EmbeddedSources();

  // Parses and cross-checks the documents. Returns kInvalidArgument "invalid_jurisdiction_data"
  // with a message naming the file, line and entry when a document is malformed, a key is
  // unknown or missing, a code is not ISO 3166-1, a country names an unknown regime, a regime
  // names an unknown adequacy list, or a date or period is invalid.
  static Result<Jurisdictions> FromYaml(const JurisdictionSources& sources);

  // The regime with this id, or nullptr.
  const Regime* FindRegime(std::string_view id) const;

  // Every regime, ordered by id.
  std::vector<const Regime*> Regimes() const;

  // The regime for a country ("DE") or subdivision ("US-CA"). A subdivision without an entry of
  // its own falls back to its country ("US-NY" -> "US"), and anything unmapped, unknown or empty
  // to the fallback regime (`other`). Case-insensitive. Never fails.
  const Regime& RegimeFor(std::string_view country_or_subdivision) const;

  // Whether `iso2` is an officially assigned ISO 3166-1 alpha-2 code. Case-insensitive.
  bool IsKnownCountry(std::string_view iso2) const;

  struct AdequacyAnswer {
    bool adequate = false;
    // Stable, machine-readable:
    //   "same_area"                          destination under the same law (EEA -> EEA)
    //   "adequacy:eu:JP since 2019-01-23"    an adequacy decision of the origin's list
    //   "dpf:eu:US since 2023-07-10"         an adequacy decision that requires, and got, a
    //                                        Data Privacy Framework certified recipient
    //   "no_transfer_rule"                   the origin's regime has no transfer rule here
    //   "none"                               no adequacy: another safeguard is needed
    std::string basis;
    // A sentence for a person, e.g. why the answer is "none".
    std::string detail;
  };

  // Whether a transfer of data of a person in `origin` to a recipient in `destination` needs no
  // further safeguard at time `at`: the destination is in the same area as the origin (EEA ->
  // EEA), or has an adequacy decision of the origin regime's list in force at `at` (`since` <=
  // at < `until`); a decision that requires DPF counts only when `recipient_dpf_certified`.
  // Origins whose regime has no adequacy list (outside the EEA, UK and Switzerland) are always
  // adequate with basis "no_transfer_rule". A subdivision destination ("US-CA") is judged by its
  // country.
  AdequacyAnswer Adequacy(std::string_view origin, std::string_view destination, Micros at,
                          bool recipient_dpf_certified) const;

  // Every key of the country map ("DE", "US-CA"), sorted.
  std::vector<std::string> MappedCodes() const;

  // The oldest `as_of` date of the files: the data is no fresher than that ("2026-11-26").
  const std::string& as_of() const { return as_of_; }

 private:
  struct Decision {
    std::string country;
    Micros since = 0;
    std::optional<Micros> until;
    bool requires_dpf = false;
  };
  struct AdequacyList {
    std::string id;
    std::set<std::string, std::less<>> same_area;
    std::vector<Decision> decisions;
  };

  Jurisdictions() = default;
  static Result<Jurisdictions> Parse(const JurisdictionSources& sources);

  std::map<std::string, Regime, std::less<>> regimes_;
  std::map<std::string, std::string, std::less<>> country_regime_;  // code -> regime id
  std::string fallback_;
  std::set<std::string, std::less<>> iso_countries_;
  std::map<std::string, AdequacyList, std::less<>> adequacy_lists_;
  std::string as_of_;
};

}  // namespace privacyd
