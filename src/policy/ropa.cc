#include "policy/ropa.h"

#include <algorithm>
#include <array>

namespace privacyd {
namespace {

// The record's fixed words in one language. The policy supplies its own texts in each of its
// languages; these are the words the record adds around them.
struct Words {
  const char* lang;
  std::array<const char*, 7> legal_basis;  // by LegalBasis
  std::array<const char*, 6> role;         // by RecipientRole
  std::array<const char*, 5> safeguard;    // by Safeguard
  std::array<const char*, 4> start;        // by RetentionStart
  const char* year;
  const char* years;
  const char* month;
  const char* months;
  const char* day;
  const char* days;
  const char* all_regimes;
  const char* other_regimes;
  const char* adequacy;      // "adequacy decision"
  const char* dpf_adequacy;  // adequacy that needs a DPF-certified recipient
  const char* since;
  const char* no_safeguard;
};

constexpr std::array<Words, 3> kWords = {{
    {"en",
     {"consent", "performance of a contract", "legal obligation", "vital interests", "public task",
      "legitimate interests", "notice at collection"},
     {"processor", "sub-processor", "partner", "affiliate", "public authority", "successor"},
     {"adequacy decision", "standard contractual clauses", "Data Privacy Framework certification",
      "binding corporate rules", "intercompany agreement"},
     {"after collection", "after the last interaction", "after the end of the relationship",
      "after the purpose is fulfilled"},
     "year",
     "years",
     "month",
     "months",
     "day",
     "days",
     "all regimes",
     "other regimes",
     "adequacy decision",
     "adequacy decision for Data Privacy Framework certified recipients (recipient certified)",
     "since",
     "no safeguard declared"},
    {"de",
     {"Einwilligung", "Vertragserfüllung", "rechtliche Verpflichtung", "lebenswichtige Interessen",
      "Wahrnehmung einer öffentlichen Aufgabe", "berechtigte Interessen",
      "Information bei Erhebung"},
     {"Auftragsverarbeiter", "Unterauftragsverarbeiter", "Partner", "Konzerngesellschaft",
      "Behörde", "Rechtsnachfolger"},
     {"Angemessenheitsbeschluss", "Standardvertragsklauseln",
      "Zertifizierung nach dem Data Privacy Framework",
      "verbindliche interne Datenschutzvorschriften", "konzerninterne Vereinbarung"},
     {"nach der Erhebung", "nach der letzten Interaktion", "nach dem Ende der Geschäftsbeziehung",
      "nach Erfüllung des Zwecks"},
     "Jahr",
     "Jahre",
     "Monat",
     "Monate",
     "Tag",
     "Tage",
     "alle Regelwerke",
     "andere Regelwerke",
     "Angemessenheitsbeschluss",
     "Angemessenheitsbeschluss für nach dem Data Privacy Framework zertifizierte Empfänger "
     "(Empfänger zertifiziert)",
     "seit",
     "keine Garantie angegeben"},
    {"fr",
     {"consentement", "exécution d'un contrat", "obligation légale", "intérêts vitaux",
      "mission d'intérêt public", "intérêts légitimes", "information lors de la collecte"},
     {"sous-traitant", "sous-traitant ultérieur", "partenaire", "société affiliée",
      "autorité publique", "successeur"},
     {"décision d'adéquation", "clauses contractuelles types",
      "certification Data Privacy Framework", "règles d'entreprise contraignantes",
      "accord intragroupe"},
     {"après la collecte", "après la dernière interaction", "après la fin de la relation",
      "après la réalisation de la finalité"},
     "an",
     "ans",
     "mois",
     "mois",
     "jour",
     "jours",
     "tous les régimes",
     "autres régimes",
     "décision d'adéquation",
     "décision d'adéquation pour les destinataires certifiés Data Privacy Framework "
     "(destinataire certifié)",
     "depuis",
     "aucune garantie déclarée"},
}};

// Words for a language the policy may name but we have no words for: English.
const Words& WordsFor(const std::string& language) {
  for (const auto& w : kWords) {
    if (language == w.lang) return w;
  }
  return kWords[0];
}

template <typename Enum, size_t N>
const char* Word(const std::array<const char*, N>& words, Enum value) {
  auto i = static_cast<size_t>(value);
  return i < N ? words[i] : "";
}

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string DurationText(const Duration& d, const Words& w) {
  std::vector<std::string> parts;
  auto add = [&parts](int n, const char* one, const char* many) {
    if (n != 0) parts.push_back(std::to_string(n) + " " + (n == 1 ? one : many));
  };
  add(d.years, w.year, w.years);
  add(d.months, w.month, w.months);
  add(d.days, w.day, w.days);
  return Join(parts, ", ");
}

std::string LegalBasisText(const std::map<std::string, LegalBasis>& bases, const Words& w) {
  std::vector<std::string> parts;
  for (const auto& [regime, basis] : bases) {
    if (regime != "default") parts.push_back(regime + ": " + Word(w.legal_basis, basis));
  }
  // The default reads last, as "everyone else".
  if (auto it = bases.find("default"); it != bases.end()) {
    parts.push_back(std::string(parts.empty() ? w.all_regimes : w.other_regimes) + ": " +
                    Word(w.legal_basis, it->second));
  }
  return Join(parts, "; ");
}

// "adequacy:eu:IL since 2011-01-31" -> "adequacy decision (since 2011-01-31)".
std::string AdequacyText(const std::string& basis, const Words& w) {
  std::string words = basis.rfind("dpf:", 0) == 0 ? w.dpf_adequacy : w.adequacy;
  auto since = basis.find(" since ");
  if (since != std::string::npos) {
    words += std::string(" (") + w.since + " " + basis.substr(since + 7) + ")";
  }
  return words;
}

std::vector<std::string> TaxonomyNames(const Taxonomy& taxonomy, TaxonomyKind kind,
                                       const std::vector<std::string>& keys) {
  std::vector<std::string> names;
  names.reserve(keys.size());
  for (const auto& key : keys) {
    const TaxonomyEntry* entry = taxonomy.Find(kind, key);
    names.push_back(entry && !entry->name.empty() ? entry->name : key);
  }
  return names;
}

std::vector<RopaTransfer> TransfersOf(const Recipient& recipient, const std::string& name,
                                      const Jurisdictions& jurisdictions, Micros at,
                                      const Words& w) {
  bool dpf_certified = std::find(recipient.safeguards.begin(), recipient.safeguards.end(),
                                 Safeguard::kDpf) != recipient.safeguards.end();
  std::vector<RopaTransfer> transfers;
  for (const auto& country : recipient.countries) {
    // Regimes with an adequacy list are the EEA's, the UK's and Switzerland's: inside them data
    // moves under one family of laws, so it is not a transfer to a third country.
    if (!jurisdictions.RegimeFor(country).adequacy_list.empty()) continue;
    RopaTransfer t;
    t.recipient_id = recipient.id;
    t.recipient_name = name;
    t.country = country;
    auto answer = jurisdictions.Adequacy(kRopaTransferOrigin, country, at, dpf_certified);
    if (answer.adequate) {
      t.adequate = true;
      t.basis = answer.basis;
      t.safeguard_text = AdequacyText(answer.basis, w);
    } else {
      // Without adequacy, DPF certification alone does not cover the destination.
      for (Safeguard s : recipient.safeguards) {
        if (s != Safeguard::kAdequacy && s != Safeguard::kDpf) t.safeguards.push_back(s);
      }
      std::vector<std::string> words;
      for (Safeguard s : t.safeguards) words.push_back(Word(w.safeguard, s));
      t.basis = t.safeguards.empty() ? "none" : "safeguards";
      t.safeguard_text = t.safeguards.empty() ? w.no_safeguard : Join(words, ", ");
    }
    transfers.push_back(std::move(t));
  }
  return transfers;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

Result<Ropa> BuildRopa(const Policy& policy, const Taxonomy& taxonomy,
                       const Jurisdictions& jurisdictions, const std::string& language, Micros at) {
  const std::string lang = !language.empty()          ? language
                           : policy.languages.empty() ? "en"
                                                      : policy.languages.front();
  if (!policy.languages.empty() && !Contains(policy.languages, lang)) {
    return Error(ErrorKind::kInvalidArgument, "unsupported_language",
                 "the policy has no texts in '" + lang +
                     "'; choose one of: " + Join(policy.languages, ", "));
  }
  const Words& w = WordsFor(lang);

  Ropa ropa;
  ropa.policy_version = policy.version;
  ropa.language = lang;
  ropa.as_of = at;
  ropa.controller = policy.controller;
  ropa.representatives = policy.representatives;
  ropa.dpo = policy.dpo;
  std::string security;
  if (auto it = policy.texts.find("security"); it != policy.texts.end()) {
    security = TextIn(it->second, lang, policy);
  }

  for (const auto& [id, purpose] : policy.purposes) {
    RopaActivity a;
    a.id = id;
    a.name = TextIn(purpose.name, lang, policy);
    a.description = TextIn(purpose.description, lang, policy);
    a.data_use = purpose.data_use;
    a.legal_basis = purpose.legal_basis;
    a.legal_basis_text = LegalBasisText(purpose.legal_basis, w);
    a.subject_keys = purpose.subjects;
    a.subject_names = TaxonomyNames(taxonomy, TaxonomyKind::kDataSubject, purpose.subjects);
    a.category_keys = purpose.categories;
    a.category_names = TaxonomyNames(taxonomy, TaxonomyKind::kDataCategory, purpose.categories);
    for (const auto& [rid, recipient] : policy.recipients) {
      if (!Contains(recipient.purposes, id)) continue;
      std::string name = TextIn(recipient.name, lang, policy);
      a.recipients.push_back({rid, name, recipient.role, Word(w.role, recipient.role)});
      auto transfers = TransfersOf(recipient, name, jurisdictions, at, w);
      a.transfers.insert(a.transfers.end(), transfers.begin(), transfers.end());
    }
    a.retention = purpose.retention;
    a.retention_text = DurationText(purpose.retention.keep, w);
    if (!a.retention_text.empty()) {
      a.retention_text += std::string(" ") + Word(w.start, purpose.retention.from);
    }
    std::string reason = TextIn(purpose.retention.reason, lang, policy);
    if (!reason.empty()) a.retention_text += (a.retention_text.empty() ? "" : ". ") + reason;
    a.security_measures = security;
    for (const auto& [cid, point] : policy.collection_points) {
      if (!Contains(point.purposes, id)) continue;
      a.collection_point_ids.push_back(cid);
      a.collection_point_names.push_back(TextIn(point.name, lang, policy));
    }
    ropa.activities.push_back(std::move(a));
  }
  return ropa;
}

}  // namespace privacyd
