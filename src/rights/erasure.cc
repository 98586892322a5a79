#include "rights/erasure.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "rights/rights_text.h"
#include "statement/statement_vocabulary.h"

namespace privacyd {
namespace {

const Lang kLangs[] = {Lang::kEn, Lang::kDe, Lang::kFr};

std::string Fill(std::string text, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string slot = "{" + std::to_string(i) + "}";
    for (size_t at = text.find(slot); at != std::string::npos; at = text.find(slot, at)) {
      text.replace(at, slot.size(), args[i]);
      at += args[i].size();
    }
  }
  return text;
}

constexpr Phrase kHoldReason{
    "Kept because of a legal hold (reference {0}): this data may be needed to establish, "
    "exercise or defend legal claims.",
    "Aufbewahrt wegen einer rechtlichen Aufbewahrungsanordnung (Aktenzeichen {0}): Diese Daten "
    "werden möglicherweise zur Geltendmachung, Ausübung oder Verteidigung von Rechtsansprüchen "
    "benötigt.",
    "Conservé en raison d'une mesure de conservation à des fins juridiques (référence {0}) : ces "
    "données peuvent être nécessaires à la constatation, à l'exercice ou à la défense de droits "
    "en justice."};
constexpr Phrase kStatutoryUntil{
    "Kept until {0}: the law obliges us to keep data collected for \"{1}\" for {2}. {3}",
    "Aufbewahrt bis zum {0}: Das Gesetz verpflichtet uns, für „{1}“ erhobene Daten {2} lang "
    "aufzubewahren. {3}",
    "Conservé jusqu'au {0} : la loi nous oblige à conserver pendant {2} les données collectées "
    "pour « {1} ». {3}"};
constexpr Phrase kStatutoryFrom{
    "Kept for {0} {1}: the law obliges us to keep data collected for \"{2}\" that long. {3}",
    "Aufbewahrt für {0} {1}: Das Gesetz verpflichtet uns, für „{2}“ erhobene Daten so lange "
    "aufzubewahren. {3}",
    "Conservé pendant {0} {1} : la loi nous oblige à conserver aussi longtemps les données "
    "collectées pour « {2} ». {3}"};

std::string Trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

Result<ErasureReport> Erasure::Erase(const AccessContext& ctx, const std::string& subject_id,
                                     const ErasureOptions& options) const {
  for (const auto& hold : options.legal_holds) {
    if (hold.id.empty()) {
      return Error(ErrorKind::kInvalidArgument, "invalid_legal_hold",
                   "a legal hold needs its reference (id), e.g. the case number");
    }
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  const Micros now = clock_.Now();

  std::vector<KeptValue> kept;
  std::set<std::string> statutory_purposes_kept;  // purposes some kept attribute was held for
  std::map<std::string, size_t> found;
  auto keep = [&](const ErasableValue& value) -> bool {
    const std::string category = value.identity
                                     ? IdentityCategory(value.name)
                                     : AttributeCategory(*policy, value.name, value.provenance);
    ++found[category.empty() ? "other" : category];
    KeptValue k;
    k.field = value.name;
    k.identity = value.identity;
    k.category = category;
    for (const auto& hold : options.legal_holds) {
      bool covered = hold.categories.empty();
      for (const auto& c : hold.categories) covered = covered || CategoryCovers(c, category);
      if (!covered) continue;
      k.exemption = "legal_hold:" + hold.id;
      for (Lang lang : kLangs) {
        auto given = hold.reason.find(LangCode(lang));
        k.reason[LangCode(lang)] = given != hold.reason.end() && !given->second.empty()
                                       ? given->second
                                       : Fill(kHoldReason.In(lang), {hold.id});
      }
      kept.push_back(std::move(k));
      return true;
    }
    // Statutory retention: attributes by the purposes they were collected for; identities with
    // the attributes kept under such a purpose (seen first).
    std::vector<std::string> purposes;
    if (value.identity) {
      purposes.assign(statutory_purposes_kept.begin(), statutory_purposes_kept.end());
    } else {
      auto p = nlohmann::json::parse(value.provenance, nullptr, /*allow_exceptions=*/false);
      if (p.is_object() && p.contains("purposes") && p["purposes"].is_array()) {
        for (const auto& id : p["purposes"]) {
          if (id.is_string()) purposes.push_back(id.get<std::string>());
        }
      }
    }
    for (const auto& purpose_id : purposes) {
      auto it = policy->purposes.find(purpose_id);
      if (it == policy->purposes.end() || !it->second.retention.statutory) continue;
      const Purpose& purpose = it->second;
      bool in_scope = false;
      for (const auto& c : purpose.categories) in_scope = in_scope || CategoryCovers(c, category);
      if (!in_scope) continue;
      std::optional<Micros> until;
      if (purpose.retention.from == RetentionStart::kCollection) {
        until = AddDuration(value.created_at, purpose.retention.keep);
        if (*until <= now) continue;  // the period is over: nothing keeps it any more
      }
      k.exemption = "statutory_retention:" + purpose.id;
      k.until = until;
      for (Lang lang : kLangs) {
        const std::string code = LangCode(lang);
        const std::string name = TextIn(purpose.name, code, *policy);
        const std::string duration = DurationText(purpose.retention.keep, lang);
        auto reason = purpose.retention.reason.find(code);
        const std::string why = reason != purpose.retention.reason.end() ? reason->second : "";
        k.reason[code] =
            until ? Trim(Fill(kStatutoryUntil.In(lang),
                              {DateText(*until, lang), name, duration, why}))
                  : Trim(Fill(kStatutoryFrom.In(lang),
                              {duration, RetentionStartPhrase(purpose.retention.from).In(lang),
                               name, why}));
      }
      if (!value.identity) statutory_purposes_kept.insert(purpose.id);
      kept.push_back(std::move(k));
      return true;
    }
    return false;
  };

  nlohmann::json detail = nlohmann::json::object();
  if (!options.legal_holds.empty()) {
    nlohmann::json holds = nlohmann::json::array();
    for (const auto& hold : options.legal_holds) holds.push_back(hold.id);
    detail["legal_holds"] = holds;
  }
  PD_ASSIGN_OR_RETURN(ErasureOutcome outcome, registry_.Erase(ctx, subject_id, keep, detail));

  ErasureReport report;
  report.subject_id = subject_id;
  report.outcome = outcome.kept.empty() ? "completed" : "partially_completed";
  report.attributes_deleted = outcome.attributes_deleted;
  report.identities_cleared = outcome.identities_cleared;
  report.referral_addresses_deleted = outcome.referral_addresses_deleted;
  report.key_destroyed = outcome.key_destroyed;
  report.kept = std::move(kept);
  report.found = std::move(found);
  return report;
}

}  // namespace privacyd
