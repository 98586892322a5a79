// The jurisdiction data files under data/jurisdictions/, embedded at build time (see
// CMakeLists.txt). Each is the unparsed YAML text; Jurisdictions parses and validates them.
#pragma once

#include <string_view>

namespace privacyd {

extern const std::string_view kJurisdictionRegimes;    // data/jurisdictions/regimes.yml
extern const std::string_view kJurisdictionCountries;  // data/jurisdictions/countries.yml
extern const std::string_view kIsoCountries;           // data/jurisdictions/iso3166.yml
extern const std::string_view kAdequacyEu;             // data/jurisdictions/adequacy/eu.yml
extern const std::string_view kAdequacyUk;             // data/jurisdictions/adequacy/uk.yml
extern const std::string_view kAdequacyCh;             // data/jurisdictions/adequacy/ch.yml

}  // namespace privacyd
