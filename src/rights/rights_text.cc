#include "rights/rights_text.h"

#include <nlohmann/json.hpp>
#include <string>

#include "policy/period.h"

namespace privacyd {

std::string IdentityCategory(std::string_view kind) {
  if (kind == "email") return "user.contact.email";
  if (kind == "phone") return "user.contact.phone_number";
  return "user.unique_id";
}

std::string AttributeCategory(const Policy& policy, const std::string& name,
                              const std::string& provenance) {
  auto p = nlohmann::json::parse(provenance, nullptr, /*allow_exceptions=*/false);
  if (!p.is_object()) return "";
  auto point = policy.collection_points.find(p.value("point", ""));
  if (point == policy.collection_points.end()) return "";
  for (const auto& field : point->second.fields) {
    if (field.name == name) return field.category;
  }
  return "";
}

bool CategoryCovers(std::string_view ancestor, std::string_view category) {
  if (ancestor.empty()) return false;
  return category == ancestor ||
         (category.size() > ancestor.size() && category.starts_with(ancestor) &&
          category[ancestor.size()] == '.');
}

std::string DurationText(const Duration& d, Lang lang) {
  struct Unit {
    int n;
    Phrase one;
    Phrase many;
  };
  const Unit units[] = {{d.years, {"year", "Jahr", "an"}, {"years", "Jahre", "ans"}},
                        {d.months, {"month", "Monat", "mois"}, {"months", "Monate", "mois"}},
                        {d.days, {"day", "Tag", "jour"}, {"days", "Tage", "jours"}}};
  static constexpr Phrase kAnd{" and ", " und ", " et "};
  std::string out;
  for (const auto& unit : units) {
    if (unit.n == 0) continue;
    if (!out.empty()) out += kAnd.In(lang);
    out += std::to_string(unit.n) + " " + (unit.n == 1 ? unit.one : unit.many).In(lang);
  }
  return out;
}

std::string DateText(Micros at, Lang lang) {
  time_t seconds = static_cast<time_t>(at / 1'000'000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  const std::string day = std::to_string(tm.tm_mday);
  const std::string month = MonthPhrase(tm.tm_mon + 1).In(lang);
  const std::string year = std::to_string(tm.tm_year + 1900);
  switch (lang) {
    case Lang::kDe:
      return day + ". " + month + " " + year;
    case Lang::kFr:
      return (tm.tm_mday == 1 ? "1er" : day) + " " + month + " " + year;
    case Lang::kEn:
      break;
  }
  return day + " " + month + " " + year;
}

Micros AddDuration(Micros at, const Duration& d) {
  return AddPeriod(at, Period{d.years * 12 + d.months, d.days}, PeriodRule::kEu1182_71);
}

}  // namespace privacyd
