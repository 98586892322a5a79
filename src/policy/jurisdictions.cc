#include "policy/jurisdictions.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>

#include "policy/jurisdiction_data.h"

namespace privacyd {
namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// "US" of "US-CA"; the whole code when it has no subdivision.
std::string_view CountryPart(std::string_view code) { return code.substr(0, code.find('-')); }

bool IsAlpha2(std::string_view code) {
  return code.size() == 2 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// ISO 3166-2 subdivision codes are the country, a hyphen and one to three letters or digits.
bool IsSubdivision(std::string_view code) {
  if (code.size() < 4 || code.size() > 6 || code[2] != '-') return false;
  return IsAlpha2(code.substr(0, 2)) && std::all_of(code.begin() + 3, code.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

// Errors in the data name the file and line, so that a reviewer can go straight to the entry.
class Reader {
 public:
  explicit Reader(const YamlSource& source) : source_(source) {}

  Error Bad(const YAML::Node& at, const std::string& what) const {
    std::string where = source_.name;
    if (at.IsDefined() && at.Mark().line >= 0) {
      where += ":" + std::to_string(at.Mark().line + 1);
    }
    return Error(ErrorKind::kInvalidArgument, "invalid_jurisdiction_data", where + ": " + what);
  }

  Result<YAML::Node> Load() const {
    try {
      YAML::Node root = YAML::Load(std::string(source_.text));
      if (!root.IsMap()) return Bad(root, "the document must be a mapping");
      return root;
    } catch (const YAML::Exception& e) {
      return Error(ErrorKind::kInvalidArgument, "invalid_jurisdiction_data",
                   source_.name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }

  // Fails when `map` has a key outside `allowed`, which catches misspelt keys.
  Status OnlyKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                  const std::string& entry) const {
    if (!map.IsMap()) return Bad(map, entry + " must be a mapping");
    for (const auto& item : map) {
      const std::string key = item.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Bad(item.first, entry + ": unknown key '" + key + "'");
      }
    }
    return Ok();
  }

  Result<YAML::Node> Child(const YAML::Node& map, const std::string& key,
                           const std::string& entry) const {
    if (!map.IsMap()) return Bad(map, entry + " must be a mapping");
    const YAML::Node child = map[key];
    if (!child.IsDefined() || child.IsNull()) return Bad(map, entry + ": '" + key + "' is missing");
    return child;
  }

  Result<std::string> String(const YAML::Node& map, const std::string& key,
                             const std::string& entry) const {
    PD_ASSIGN_OR_RETURN(YAML::Node child, Child(map, key, entry));
    if (!child.IsScalar()) return Bad(child, entry + ": '" + key + "' must be a single value");
    return child.Scalar();
  }

  // Like String, but an absent key is the empty string.
  Result<std::string> OptionalString(const YAML::Node& map, const std::string& key,
                                     const std::string& entry) const {
    if (!map[key].IsDefined() || map[key].IsNull()) return std::string();
    return String(map, key, entry);
  }

  Result<int> NonNegativeInt(const YAML::Node& node, const std::string& what) const {
    const std::string text = node.IsScalar() ? node.Scalar() : "";
    if (text.empty() || text.size() > 6 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Bad(node, what + " must be a whole number of at least 0");
    }
    return std::stoi(text);
  }

  Result<Period> ReadPeriod(const YAML::Node& map, const std::string& key,
                            const std::string& entry) const {
    PD_ASSIGN_OR_RETURN(YAML::Node node, Child(map, key, entry));
    const std::string what = entry + ": '" + key + "'";
    if (!node.IsMap() || node.size() == 0) {
      return Bad(node, what + " must be a period such as {months: 1} or {days: 45}");
    }
    PD_RETURN_IF_ERROR(OnlyKeys(node, {"months", "days"}, what));
    Period period;
    if (node["months"].IsDefined()) {
      PD_ASSIGN_OR_RETURN(period.months, NonNegativeInt(node["months"], what + " months"));
    }
    if (node["days"].IsDefined()) {
      PD_ASSIGN_OR_RETURN(period.days, NonNegativeInt(node["days"], what + " days"));
    }
    return period;
  }

  Result<Micros> Date(const YAML::Node& map, const std::string& key,
                      const std::string& entry) const {
    PD_ASSIGN_OR_RETURN(std::string text, String(map, key, entry));
    auto date = ParseDate(text);
    if (!date.ok()) return Bad(map[key], entry + ": '" + key + "': " + date.error().message());
    return *date;
  }

  const std::string& name() const { return source_.name; }

 private:
  const YamlSource& source_;
};

Result<MarketingConsent> ParseMarketing(const Reader& reader, const YAML::Node& map,
                                        const std::string& entry) {
  PD_ASSIGN_OR_RETURN(std::string text, reader.String(map, "marketing_email", entry));
  if (text == "opt_in") return MarketingConsent::kOptIn;
  if (text == "opt_out") return MarketingConsent::kOptOut;
  return reader.Bad(map["marketing_email"],
                    entry + ": marketing_email must be opt_in or opt_out, not '" + text + "'");
}

Result<PeriodRule> ParseRule(const Reader& reader, const YAML::Node& map,
                             const std::string& entry) {
  PD_ASSIGN_OR_RETURN(std::string text, reader.String(map, "period_rule", entry));
  if (text == "eu_1182_71") return PeriodRule::kEu1182_71;
  if (text == "calendar_days") return PeriodRule::kCalendarDays;
  return reader.Bad(
      map["period_rule"],
      entry + ": period_rule must be eu_1182_71 or calendar_days, not '" + text + "'");
}

}  // namespace

const Jurisdictions& Jurisdictions::Default() {
  static const Jurisdictions* const kDefault = [] {
    auto parsed = FromYaml(EmbeddedSources());
    if (!parsed.ok()) {
      std::fprintf(stderr, "embedded jurisdiction data is invalid: %s\n",
                   parsed.error().message().c_str());
      std::abort();
    }
    return new Jurisdictions(std::move(parsed).value());
  }();
  return *kDefault;
}

JurisdictionSources Jurisdictions::EmbeddedSources() {
  return JurisdictionSources{
      .regimes = {"regimes.yml", kJurisdictionRegimes},
      .countries = {"countries.yml", kJurisdictionCountries},
      .iso_countries = {"iso3166.yml", kIsoCountries},
      .adequacy_lists = {{"adequacy/eu.yml", kAdequacyEu},
                         {"adequacy/uk.yml", kAdequacyUk},
                         {"adequacy/ch.yml", kAdequacyCh}},
  };
}

Result<Jurisdictions> Jurisdictions::FromYaml(const JurisdictionSources& sources) {
  // The parser checks node types before converting, so yaml-cpp should not throw past Load();
  // this keeps its exceptions inside the module if a case was missed.
  try {
    return Parse(sources);
  } catch (const YAML::Exception& e) {
    return Error(ErrorKind::kInvalidArgument, "invalid_jurisdiction_data",
                 "jurisdiction data: " + e.msg);
  }
}

Result<Jurisdictions> Jurisdictions::Parse(const JurisdictionSources& sources) {
  Jurisdictions out;
  std::vector<std::string> as_of_dates;
  auto read_as_of = [&](const Reader& reader, const YAML::Node& root) -> Status {
    PD_ASSIGN_OR_RETURN(Micros date, reader.Date(root, "as_of", "the file"));
    PD_ASSIGN_OR_RETURN(std::string source, reader.String(root, "source", "the file"));
    if (source.empty()) return reader.Bad(root, "the file: 'source' is empty");
    as_of_dates.push_back(FormatDate(date));
    return Ok();
  };

  // ISO 3166-1 first: every other file's codes are checked against it.
  {
    const Reader reader(sources.iso_countries);
    PD_ASSIGN_OR_RETURN(YAML::Node root, reader.Load());
    PD_RETURN_IF_ERROR(reader.OnlyKeys(root, {"as_of", "source", "countries"}, "the file"));
    PD_RETURN_IF_ERROR(read_as_of(reader, root));
    PD_ASSIGN_OR_RETURN(YAML::Node countries, reader.Child(root, "countries", "the file"));
    if (!countries.IsMap()) return reader.Bad(countries, "'countries' must be a mapping");
    for (const auto& item : countries) {
      const std::string code = item.first.Scalar();
      if (!IsAlpha2(code)) {
        return reader.Bad(item.first, "'" + code + "' is not two upper-case letters");
      }
      out.iso_countries_.insert(code);
    }
  }

  auto check_country = [&](const Reader& reader, const YAML::Node& at,
                           const std::string& code) -> Status {
    if (!out.iso_countries_.contains(code)) {
      return reader.Bad(at, "'" + code + "' is not an ISO 3166-1 alpha-2 country code");
    }
    return Ok();
  };

  {
    const Reader reader(sources.regimes);
    PD_ASSIGN_OR_RETURN(YAML::Node root, reader.Load());
    PD_RETURN_IF_ERROR(reader.OnlyKeys(root, {"as_of", "source", "regimes"}, "the file"));
    PD_RETURN_IF_ERROR(read_as_of(reader, root));
    PD_ASSIGN_OR_RETURN(YAML::Node regimes, reader.Child(root, "regimes", "the file"));
    if (!regimes.IsMap()) return reader.Bad(regimes, "'regimes' must be a mapping");
    for (const auto& item : regimes) {
      Regime regime;
      regime.id = item.first.Scalar();
      const std::string entry = "regime '" + regime.id + "'";
      const YAML::Node& map = item.second;
      if (!map.IsMap()) return reader.Bad(item.first, entry + " must be a mapping");
      PD_RETURN_IF_ERROR(
          reader.OnlyKeys(map,
                          {"name", "marketing_email", "request_deadline", "request_extension",
                           "period_rule", "minimum_age", "adequacy_list", "source", "note"},
                          entry));
      PD_ASSIGN_OR_RETURN(regime.name, reader.String(map, "name", entry));
      PD_ASSIGN_OR_RETURN(regime.source, reader.String(map, "source", entry));
      PD_ASSIGN_OR_RETURN(regime.note, reader.OptionalString(map, "note", entry));
      PD_ASSIGN_OR_RETURN(regime.marketing_email, ParseMarketing(reader, map, entry));
      PD_ASSIGN_OR_RETURN(regime.deadline, reader.ReadPeriod(map, "request_deadline", entry));
      PD_ASSIGN_OR_RETURN(regime.extension, reader.ReadPeriod(map, "request_extension", entry));
      PD_ASSIGN_OR_RETURN(regime.rule, ParseRule(reader, map, entry));
      PD_ASSIGN_OR_RETURN(YAML::Node age, reader.Child(map, "minimum_age", entry));
      PD_ASSIGN_OR_RETURN(regime.minimum_age,
                          reader.NonNegativeInt(age, entry + ": 'minimum_age'"));
      PD_ASSIGN_OR_RETURN(regime.adequacy_list, reader.OptionalString(map, "adequacy_list", entry));
      if (regime.deadline == Period{}) {
        return reader.Bad(map["request_deadline"], entry + ": 'request_deadline' must not be 0");
      }
      if (regime.rule == PeriodRule::kCalendarDays &&
          (regime.deadline.months != 0 || regime.extension.months != 0)) {
        return reader.Bad(map["period_rule"],
                          entry + ": a calendar_days regime states its periods in days");
      }
      out.regimes_.emplace(regime.id, std::move(regime));
    }
  }

  {
    const Reader reader(sources.countries);
    PD_ASSIGN_OR_RETURN(YAML::Node root, reader.Load());
    PD_RETURN_IF_ERROR(reader.OnlyKeys(root, {"as_of", "source", "fallback", "map"}, "the file"));
    PD_RETURN_IF_ERROR(read_as_of(reader, root));
    PD_ASSIGN_OR_RETURN(out.fallback_, reader.String(root, "fallback", "the file"));
    if (!out.regimes_.contains(out.fallback_)) {
      return reader.Bad(root["fallback"], "fallback names unknown regime '" + out.fallback_ +
                                              "' (not in " + sources.regimes.name + ")");
    }
    PD_ASSIGN_OR_RETURN(YAML::Node map, reader.Child(root, "map", "the file"));
    if (!map.IsMap()) return reader.Bad(map, "'map' must be a mapping");
    for (const auto& item : map) {
      const std::string code = item.first.Scalar();
      if (!IsAlpha2(code) && !IsSubdivision(code)) {
        return reader.Bad(item.first, "'" + code +
                                          "' is neither an upper-case ISO 3166-1 code (\"DE\") "
                                          "nor a subdivision (\"US-CA\")");
      }
      PD_RETURN_IF_ERROR(check_country(reader, item.first, std::string(CountryPart(code))));
      const std::string regime = item.second.IsScalar() ? item.second.Scalar() : "";
      if (!out.regimes_.contains(regime)) {
        return reader.Bad(item.first, "'" + code + "' names unknown regime '" + regime +
                                          "' (not in " + sources.regimes.name + ")");
      }
      if (!out.country_regime_.emplace(code, regime).second) {
        return reader.Bad(item.first, "'" + code + "' is listed twice");
      }
    }
  }

  for (const YamlSource& source : sources.adequacy_lists) {
    const Reader reader(source);
    PD_ASSIGN_OR_RETURN(YAML::Node root, reader.Load());
    PD_RETURN_IF_ERROR(
        reader.OnlyKeys(root, {"as_of", "source", "list", "same_area", "decisions"}, "the file"));
    PD_RETURN_IF_ERROR(read_as_of(reader, root));
    AdequacyList list;
    PD_ASSIGN_OR_RETURN(list.id, reader.String(root, "list", "the file"));
    if (out.adequacy_lists_.contains(list.id)) {
      return reader.Bad(root["list"], "adequacy list '" + list.id + "' is defined twice");
    }

    PD_ASSIGN_OR_RETURN(YAML::Node area, reader.Child(root, "same_area", "the file"));
    PD_RETURN_IF_ERROR(reader.OnlyKeys(area, {"note", "countries"}, "same_area"));
    PD_ASSIGN_OR_RETURN(YAML::Node area_countries, reader.Child(area, "countries", "same_area"));
    if (!area_countries.IsSequence() || area_countries.size() == 0) {
      return reader.Bad(area_countries, "same_area: 'countries' must be a non-empty list");
    }
    for (const auto& country : area_countries) {
      const std::string code = country.IsScalar() ? country.Scalar() : "";
      PD_RETURN_IF_ERROR(check_country(reader, country, code));
      list.same_area.insert(code);
    }

    PD_ASSIGN_OR_RETURN(YAML::Node decisions, reader.Child(root, "decisions", "the file"));
    if (!decisions.IsSequence()) return reader.Bad(decisions, "'decisions' must be a list");
    for (const auto& node : decisions) {
      Decision decision;
      PD_ASSIGN_OR_RETURN(decision.country, reader.String(node, "country", "decision"));
      const std::string entry = "decision for '" + decision.country + "'";
      PD_RETURN_IF_ERROR(
          reader.OnlyKeys(node, {"country", "since", "until", "requires", "note"}, entry));
      PD_RETURN_IF_ERROR(check_country(reader, node, decision.country));
      if (list.same_area.contains(decision.country)) {
        return reader.Bad(node, entry + ": the country is already in same_area");
      }
      PD_ASSIGN_OR_RETURN(decision.since, reader.Date(node, "since", entry));
      if (node["until"].IsDefined()) {
        PD_ASSIGN_OR_RETURN(Micros until, reader.Date(node, "until", entry));
        if (until <= decision.since) {
          return reader.Bad(node["until"], entry + ": 'until' must be after 'since'");
        }
        decision.until = until;
      }
      PD_ASSIGN_OR_RETURN(std::string requires_text,
                          reader.OptionalString(node, "requires", entry));
      if (!requires_text.empty() && requires_text != "dpf") {
        // An unknown condition cannot be checked, so it must not be silently treated as met.
        return reader.Bad(node["requires"],
                          entry + ": 'requires' may only be dpf, not '" + requires_text + "'");
      }
      decision.requires_dpf = requires_text == "dpf";
      list.decisions.push_back(std::move(decision));
    }
    std::string id = list.id;
    out.adequacy_lists_.emplace(std::move(id), std::move(list));
  }

  for (const auto& [id, regime] : out.regimes_) {
    if (!regime.adequacy_list.empty() && !out.adequacy_lists_.contains(regime.adequacy_list)) {
      return Error(ErrorKind::kInvalidArgument, "invalid_jurisdiction_data",
                   sources.regimes.name + ": regime '" + id + "' names unknown adequacy list '" +
                       regime.adequacy_list + "'");
    }
  }

  out.as_of_ = *std::min_element(as_of_dates.begin(), as_of_dates.end());
  return out;
}

std::vector<const Regime*> Jurisdictions::Regimes() const {
  std::vector<const Regime*> out;
  for (const auto& [id, regime] : regimes_) out.push_back(&regime);
  return out;
}

const Regime* Jurisdictions::FindRegime(std::string_view id) const {
  auto it = regimes_.find(id);
  return it == regimes_.end() ? nullptr : &it->second;
}

const Regime& Jurisdictions::RegimeFor(std::string_view country_or_subdivision) const {
  const std::string code = Upper(country_or_subdivision);
  auto it = country_regime_.find(code);
  if (it == country_regime_.end()) it = country_regime_.find(CountryPart(code));
  const std::string& id = it == country_regime_.end() ? fallback_ : it->second;
  return regimes_.find(id)->second;
}

bool Jurisdictions::IsKnownCountry(std::string_view iso2) const {
  return iso_countries_.contains(Upper(iso2));
}

Jurisdictions::AdequacyAnswer Jurisdictions::Adequacy(std::string_view origin,
                                                      std::string_view destination, Micros at,
                                                      bool recipient_dpf_certified) const {
  const Regime& regime = RegimeFor(origin);
  if (regime.adequacy_list.empty()) {
    return {true, "no_transfer_rule",
            "regime '" + regime.id + "' has no transfer restriction that privacyd enforces"};
  }
  const AdequacyList& list = adequacy_lists_.find(regime.adequacy_list)->second;
  const std::string country(CountryPart(Upper(destination)));
  if (!IsKnownCountry(country)) {
    return {false, "none",
            "'" + std::string(destination) +
                "' is not an ISO 3166-1 country, so no adequacy "
                "decision can apply"};
  }
  if (list.same_area.contains(country)) {
    return {true, "same_area", country + " is in the same area as the origin (" + list.id + ")"};
  }
  bool needs_dpf = false;
  for (const Decision& decision : list.decisions) {
    if (decision.country != country || at < decision.since ||
        (decision.until && at >= *decision.until)) {
      continue;
    }
    const std::string basis = list.id + ":" + country + " since " + FormatDate(decision.since);
    if (!decision.requires_dpf) return {true, "adequacy:" + basis, "adequacy decision " + basis};
    if (recipient_dpf_certified) {
      return {true, "dpf:" + basis,
              "adequacy decision " + basis + " for a DPF-certified recipient"};
    }
    needs_dpf = true;
  }
  if (needs_dpf) {
    return {false, "none",
            "the " + list.id + " adequacy decision for " + country +
                " covers only recipients certified under the Data Privacy Framework"};
  }
  return {false, "none",
          "no " + list.id + " adequacy decision for " + country + " in force on " + FormatDate(at)};
}

std::vector<std::string> Jurisdictions::MappedCodes() const {
  std::vector<std::string> codes;
  codes.reserve(country_regime_.size());
  for (const auto& [code, regime] : country_regime_) codes.push_back(code);
  return codes;
}

}  // namespace privacyd
