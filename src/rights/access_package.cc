#include "rights/access_package.h"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <deque>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/markup.h"
#include "registry/identity.h"
#include "rights/rights_text.h"
#include "statement/statement_vocabulary.h"

namespace privacyd {
namespace {

using nlohmann::json;

Lang ChooseLang(const std::string& asked, const Policy& policy) {
  if (auto lang = ParseLang(asked)) return *lang;
  for (const auto& code : policy.languages) {
    if (auto lang = ParseLang(code)) return *lang;
  }
  return Lang::kEn;
}

// The words of the page, each in the three languages.
constexpr Phrase kRedacted{"[redacted]", "[geschwärzt]", "[masqué]"};
constexpr Phrase kTitle{"Your personal data held by {0}", "Ihre personenbezogenen Daten bei {0}",
                        "Vos données personnelles détenues par {0}"};
constexpr Phrase kIntro{
    "This copy was made on {0} in answer to your request. The file data.json holds the same "
    "data in machine-readable form, and one CSV file per data category holds it in tables.",
    "Diese Kopie wurde am {0} auf Ihre Anfrage hin erstellt. Die Datei data.json enthält "
    "dieselben Daten in maschinenlesbarer Form, und je eine CSV-Datei pro Datenkategorie enthält "
    "sie als Tabelle.",
    "Cette copie a été établie le {0} en réponse à votre demande. Le fichier data.json contient "
    "les mêmes données sous une forme lisible par machine, et un fichier CSV par catégorie de "
    "données les présente sous forme de tableau."};
constexpr Phrase kYourData{"The data we hold about you", "Die Daten, die wir über Sie speichern",
                           "Les données que nous détenons sur vous"};
constexpr Phrase kColCategory{"Category", "Kategorie", "Catégorie"};
constexpr Phrase kColValue{"Value", "Wert", "Valeur"};
constexpr Phrase kColCollected{"Collected on", "Erhoben am", "Collectée le"};
constexpr Phrase kColSource{"Source", "Herkunft", "Source"};
constexpr Phrase kIdentity{"Identifies you", "Identifiziert Sie", "Vous identifie"};
constexpr Phrase kOtherCategory{"Other data", "Sonstige Daten", "Autres données"};
constexpr Phrase kStaffEntry{"Entered by our staff", "Von unseren Mitarbeitenden erfasst",
                             "Saisie par notre personnel"};
constexpr Phrase kRedactions{"Other people's data", "Daten anderer Personen",
                             "Données d'autres personnes"};
constexpr Phrase kRedactionsNone{"Nothing had to be removed to protect other people.",
                                 "Zum Schutz anderer Personen musste nichts entfernt werden.",
                                 "Rien n'a dû être retiré pour protéger d'autres personnes."};
constexpr Phrase kRedactionsSome{
    "To protect other people, we removed {0} of their email addresses or telephone numbers "
    "from this copy, shown as {1}:",
    "Zum Schutz anderer Personen haben wir {0} ihrer E-Mail-Adressen oder Telefonnummern aus "
    "dieser Kopie entfernt, gekennzeichnet als {1}:",
    "Pour protéger d'autres personnes, nous avons retiré de cette copie {0} de leurs adresses "
    "électroniques ou numéros de téléphone, signalés par {1} :"};
constexpr Phrase kReferralsField{"addresses of people you recommended to us",
                                 "Adressen von Personen, die Sie uns empfohlen haben",
                                 "adresses des personnes que vous nous avez recommandées"};
constexpr Phrase kReferrals{"People you recommended to us", "Von Ihnen empfohlene Personen",
                            "Personnes que vous nous avez recommandées"};
constexpr Phrase kReferralSent{"we wrote to them once", "wir haben ihnen einmal geschrieben",
                               "nous leur avons écrit une fois"};
constexpr Phrase kReferralPending{"not written to yet", "noch nicht angeschrieben",
                                  "pas encore contactée"};
constexpr Phrase kPurposes{"Why we process your data", "Warum wir Ihre Daten verarbeiten",
                           "Pourquoi nous traitons vos données"};
constexpr Phrase kLegalBasis{"Legal basis", "Rechtsgrundlage", "Base juridique"};
constexpr Phrase kCategories{"Categories of data", "Datenkategorien", "Catégories de données"};
constexpr Phrase kRecipients{"Who may receive your data", "Wer Ihre Daten erhalten kann",
                             "Qui peut recevoir vos données"};
constexpr Phrase kNoRecipients{"No recipients.", "Keine Empfänger.", "Aucun destinataire."};
constexpr Phrase kDisclosed{"Who received your data", "Wer Ihre Daten erhalten hat",
                            "Qui a reçu vos données"};
constexpr Phrase kNoDisclosures{"Your data has not been disclosed to anyone.",
                                "Ihre Daten wurden niemandem offengelegt.",
                                "Vos données n'ont été communiquées à personne."};
constexpr Phrase kDisclosedFor{"for", "für", "pour"};
constexpr Phrase kSources{"Where your data comes from", "Woher Ihre Daten stammen",
                          "D'où proviennent vos données"};
constexpr Phrase kRetention{"How long we keep your data", "Wie lange wir Ihre Daten aufbewahren",
                            "Combien de temps nous conservons vos données"};
constexpr Phrase kTransfers{"Transfers to other countries", "Übermittlungen in andere Länder",
                            "Transferts vers d'autres pays"};
constexpr Phrase kNoTransfers{"None.", "Keine.", "Aucun."};
constexpr Phrase kSafeguards{"safeguards", "Garantien", "garanties"};
constexpr Phrase kRights{"Your rights", "Ihre Rechte", "Vos droits"};
constexpr Phrase kContactDpo{"Our data protection officer: {0}",
                             "Unser Datenschutzbeauftragter: {0}",
                             "Notre délégué à la protection des données : {0}"};
constexpr Phrase kComplaints{"Where you can complain", "Wo Sie sich beschweren können",
                             "Où vous pouvez introduire une réclamation"};
constexpr Phrase kConsents{"Your consents and objections", "Ihre Einwilligungen und Widersprüche",
                           "Vos consentements et oppositions"};
constexpr Phrase kRestricted{"The processing of your data is restricted since {0}.",
                             "Die Verarbeitung Ihrer Daten ist seit dem {0} eingeschränkt.",
                             "Le traitement de vos données est limité depuis le {0}."};

constexpr Phrase kGrant{"consent given", "Einwilligung erteilt", "consentement donné"};
constexpr Phrase kWithdraw{"consent withdrawn", "Einwilligung widerrufen", "consentement retiré"};
constexpr Phrase kObject{"objection", "Widerspruch", "opposition"};
constexpr Phrase kAsked{"confirmation requested", "Bestätigung angefragt", "confirmation demandée"};
constexpr Phrase kAllMarketing{"all our marketing", "unsere gesamte Werbung",
                               "toute notre prospection"};
constexpr Phrase kSaleSharing{"sale and sharing of your data", "Verkauf und Weitergabe Ihrer Daten",
                              "vente et partage de vos données"};

// A ledger event in words: "Einwilligung erteilt: Newsletter".
std::string EventText(const ConsentEventRecord& e, const Policy& policy, Lang lang,
                      const std::string& code) {
  const Phrase* action = &kAsked;
  if (e.action == "grant") action = &kGrant;
  if (e.action == "withdraw") action = &kWithdraw;
  if (e.action == "object") action = &kObject;
  std::string target = e.target;
  if (e.target == "marketing") {
    target = kAllMarketing.In(lang);
  } else if (e.target == "sale_sharing") {
    target = kSaleSharing.In(lang);
  } else if (e.target.starts_with("topic:")) {
    auto topic = policy.topics.find(e.target.substr(6));
    if (topic != policy.topics.end()) target = TextIn(topic->second.name, code, policy);
  } else if (e.target.starts_with("purpose:")) {
    auto purpose = policy.purposes.find(e.target.substr(8));
    if (purpose != policy.purposes.end()) target = TextIn(purpose->second.name, code, policy);
  }
  return std::string(action->In(lang)) + ": " + target;
}

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

std::string CategoryName(const std::string& key, Lang lang) {
  if (key.empty()) return kOtherCategory.In(lang);
  if (const Phrase* p = CategoryPhrase(key)) return p->In(lang);
  return key;  // a taxonomy key reads the same in every language
}

// One stored value as the package shows it.
struct Item {
  std::string field;  // attribute name or identity kind
  bool identity = false;
  std::string category;  // "" when unknown
  std::string value;     // redacted
  Micros collected_at = 0;
  const json* provenance = nullptr;  // object; shared by the values stored together
  std::string provenance_text;       // the same, serialised once per distinct provenance
  size_t redacted = 0;
};

struct Pack {
  Lang lang = Lang::kEn;
  std::vector<Item> items;
  std::map<std::string, size_t> redacted_by_field;
  size_t redactions = 0;
};

// Replaces the email addresses and phone numbers in `text` that are not the person's own.
size_t Redact(const guard::Guard& guard, const std::set<std::string>& own, const char* marker,
              std::string& text) {
  static const guard::TypeSet kTypes = [] {
    guard::TypeSet t;
    t.Add(guard::FindingType::kEmail);
    t.Add(guard::FindingType::kPhone);
    return t;
  }();
  std::vector<guard::Finding> findings = guard.Scan(text, kTypes);
  if (findings.empty()) return 0;
  std::string out;
  size_t at = 0;
  size_t redacted = 0;
  for (const auto& f : findings) {
    if (f.start < at) continue;  // overlaps what was just replaced
    const std::string found = text.substr(f.start, f.end - f.start);
    const char* kind = f.type == guard::FindingType::kEmail ? "email" : "phone";
    auto normalized = NormalizeIdentity(kind, found);
    if (normalized.ok() && own.count(std::string(kind) + ":" + *normalized)) continue;
    out.append(text, at, f.start - at);
    out += marker;
    at = f.end;
    ++redacted;
  }
  if (redacted == 0) return 0;
  out.append(text, at, std::string::npos);
  text = std::move(out);
  return redacted;
}

json ProvenanceOf(const std::string& text) {
  json p = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return p.is_object() ? p : json::object();
}

std::string Iso(Micros t) { return FormatRfc3339(t); }

// data.json: see docs/access-package.md. The values, the bulk of it, are written by hand with
// each distinct provenance serialised once: building them as one JSON tree costs a copy of their
// provenance each, and most of the package's time.
std::string DataJson(const Policy& policy, const SubjectExport& data,
                     const std::vector<SubjectRecord>& subjects, const Pack& pack,
                     const std::vector<std::pair<std::string, std::string>>& csv_files,
                     Micros now) {
  json doc;
  doc["format"] = "privacyd.access_package";
  doc["format_version"] = 1;
  doc["generated_at"] = Iso(now);
  doc["language"] = LangCode(pack.lang);
  doc["controller"] = policy.controller.name;
  doc["statement_version"] = policy.version;
  json subject = {{"id", data.subject.id},
                  {"created_at", Iso(data.subject.created_at)},
                  {"regime", data.subject.regime},
                  {"restricted_since", nullptr}};
  if (data.subject.restricted_at) subject["restricted_since"] = Iso(*data.subject.restricted_at);
  doc["subject"] = subject;
  // Every record of the person the package covers (more than one when a request found them by
  // different identities), the leading one first.
  json records = json::array();
  for (const auto& s : subjects) {
    records.push_back(
        {{"id", s.id},
         {"created_at", Iso(s.created_at)},
         {"regime", s.regime},
         {"restricted_since", s.restricted_at ? json(Iso(*s.restricted_at)) : json(nullptr)}});
  }
  doc["subjects"] = std::move(records);
  json identities = json::array();
  for (const auto& item : pack.items) {
    if (item.identity) {
      identities.push_back(
          {{"kind", item.field}, {"category", item.category}, {"value", item.value}});
    }
  }
  doc["identities"] = std::move(identities);
  json referrals = json::array();
  for (const auto& r : data.referrals) {
    referrals.push_back({{"point", r.point},
                         {"created_at", Iso(r.created_at)},
                         {"sent_at", r.sent_at ? json(Iso(*r.sent_at)) : json(nullptr)},
                         {"address", kRedacted.In(pack.lang)}});
  }
  doc["referrals"] = std::move(referrals);
  json events = json::array();
  for (const auto& e : data.consent_events) {
    events.push_back({{"target", e.target},
                      {"action", e.action},
                      {"method", e.method},
                      {"regime", e.regime},
                      {"statement_version", e.statement_version},
                      {"language", e.language},
                      {"country", e.country},
                      {"at", Iso(e.created_at)}});
  }
  doc["consent_events"] = std::move(events);
  json disclosures = json::array();
  for (const auto& d : data.disclosures) {
    auto recipient = policy.recipients.find(d.recipient);
    disclosures.push_back(
        {{"recipient", d.recipient},
         {"recipient_name", recipient != policy.recipients.end()
                                ? json(TextIn(recipient->second.name, LangCode(pack.lang), policy))
                                : json(nullptr)},
         {"purpose", d.purpose},
         {"categories", d.categories},
         {"disclosed_at", Iso(d.disclosed_at)}});
  }
  doc["disclosures"] = std::move(disclosures);
  json by_field = json::object();
  for (const auto& [field, n] : pack.redacted_by_field) by_field[field] = n;
  doc["redactions"] = {
      {"total", pack.redactions}, {"marker", kRedacted.In(pack.lang)}, {"by_field", by_field}};
  json files = json::array();
  for (const auto& [name, category] : csv_files) {
    files.push_back({{"file", name}, {"category", category}});
  }
  doc["category_files"] = std::move(files);
  std::string out = doc.dump();
  out.pop_back();  // the closing brace: the values follow
  out += ",\"values\":[";
  bool first = true;
  for (const auto& item : pack.items) {
    if (item.identity) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"field\":" + json(item.field).dump();
    out += ",\"category\":" + (item.category.empty() ? "null" : json(item.category).dump());
    out += ",\"value\":" + json(item.value).dump();
    out += ",\"collected_at\":\"" + Iso(item.collected_at) + "\"";
    out += ",\"provenance\":" + item.provenance_text;
    out += ",\"redacted\":" + std::to_string(item.redacted) + "}";
  }
  out += "]}\n";
  return out;
}

std::string Csv(const std::vector<const Item*>& items) {
  std::string out = "field,value,collected_at,source,point,purposes\r\n";
  for (const Item* item : items) {
    std::string purposes;
    const json& provenance = *item->provenance;
    if (provenance.contains("purposes") && provenance["purposes"].is_array()) {
      for (const auto& p : provenance["purposes"]) {
        if (!p.is_string()) continue;
        purposes += (purposes.empty() ? "" : " ") + p.get<std::string>();
      }
    }
    out += CsvCell(item->field) + "," + CsvCell(item->value) + "," +
           CsvCell(item->identity ? "" : Iso(item->collected_at)) + "," +
           CsvCell(item->identity ? "identity" : provenance.value("source", "")) + "," +
           CsvCell(provenance.value("point", "")) + "," + CsvCell(purposes) + "\r\n";
  }
  return out;
}

class Html {
 public:
  explicit Html(Lang lang) : lang_(lang) {}
  void Raw(std::string_view s) { out_ += s; }
  void Text(std::string_view s) { out_ += EscapeMarkup(s); }
  void H2(const Phrase& p) { Tag("h2", p.In(lang_)); }
  void P(const std::string& s) { Tag("p", s); }
  void Tag(const char* tag, const std::string& s) {
    out_ += "<";
    out_ += tag;
    out_ += ">";
    Text(s);
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }
  void List(const std::vector<std::string>& items) {
    out_ += "<ul>\n";
    for (const auto& i : items) Tag("li", i);
    out_ += "</ul>\n";
  }
  std::string& str() { return out_; }

 private:
  Lang lang_;
  std::string out_;
};

std::string IndexHtml(const Policy& policy, const SubjectExport& data, const Pack& pack,
                      Micros now) {
  const Lang lang = pack.lang;
  const std::string code = LangCode(lang);
  auto text = [&](const LocalizedText& t) { return TextIn(t, code, policy); };
  Html h(lang);
  h.Raw("<!DOCTYPE html>\n<html lang=\"" + code + "\">\n<head>\n<meta charset=\"utf-8\">\n");
  // Nothing runs and nothing is fetched: the page is read offline, from the zip.
  h.Raw(
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n");
  const std::string title = Fill(kTitle.In(lang), {policy.controller.name});
  h.Tag("title", title);
  h.Raw(
      "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
      "line-height:1.5}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;"
      "padding:.3rem;text-align:left;vertical-align:top}td{white-space:pre-wrap}</style>\n"
      "</head>\n<body>\n<main>\n");
  h.Tag("h1", title);
  h.P(Fill(kIntro.In(lang), {DateText(now, lang)}));
  if (data.subject.restricted_at) {
    h.P(Fill(kRestricted.In(lang), {DateText(*data.subject.restricted_at, lang)}));
  }

  // The data.
  h.H2(kYourData);
  h.Raw("<table>\n<thead><tr><th scope=\"col\">");
  h.Text(kColCategory.In(lang));
  h.Raw("</th><th scope=\"col\">");
  h.Text(kColValue.In(lang));
  h.Raw("</th><th scope=\"col\">");
  h.Text(kColCollected.In(lang));
  h.Raw("</th><th scope=\"col\">");
  h.Text(kColSource.In(lang));
  h.Raw("</th></tr></thead>\n<tbody>\n");
  std::set<std::string> point_ids;
  for (const auto& item : pack.items) {
    std::string source;
    if (item.identity) {
      source = kIdentity.In(lang);
    } else if (auto point = policy.collection_points.find(item.provenance->value("point", ""));
               point != policy.collection_points.end()) {
      source = text(point->second.name);
      point_ids.insert(point->first);
    } else {
      source = kStaffEntry.In(lang);
    }
    h.Raw("<tr><td>");
    h.Text(CategoryName(item.category, lang));
    h.Raw("</td><td>");
    h.Text(item.value);
    h.Raw("</td><td>");
    h.Text(item.identity ? "" : DateText(item.collected_at, lang));
    h.Raw("</td><td>");
    h.Text(source);
    h.Raw("</td></tr>\n");
  }
  h.Raw("</tbody>\n</table>\n");

  if (!data.referrals.empty()) {
    h.H2(kReferrals);
    std::vector<std::string> lines;
    for (const auto& r : data.referrals) {
      lines.push_back(std::string(kRedacted.In(lang)) + " (" + DateText(r.created_at, lang) + ", " +
                      (r.sent_at ? kReferralSent : kReferralPending).In(lang) + ")");
    }
    h.List(lines);
  }

  h.H2(kRedactions);
  if (pack.redactions == 0) {
    h.P(kRedactionsNone.In(lang));
  } else {
    h.P(Fill(kRedactionsSome.In(lang), {std::to_string(pack.redactions), kRedacted.In(lang)}));
    std::vector<std::string> lines;
    for (const auto& [field, n] : pack.redacted_by_field) {
      std::string name = field == "referrals" ? kReferralsField.In(lang) : field;
      for (const auto& item : pack.items) {
        if (item.field == field && !item.identity) name = CategoryName(item.category, lang);
      }
      lines.push_back(name + ": " + std::to_string(n));
    }
    h.List(lines);
  }

  // Art. 15 information. The purposes the values were collected for; for values entered by
  // staff, every purpose that uses one of their categories.
  std::set<std::string> categories;
  for (const auto& item : pack.items) {
    if (!item.category.empty()) categories.insert(item.category);
  }
  std::set<std::string> purpose_ids;
  for (const auto& item : pack.items) {
    const json& provenance = *item.provenance;
    if (!provenance.contains("purposes") || !provenance["purposes"].is_array()) continue;
    for (const auto& p : provenance["purposes"]) {
      if (p.is_string() && policy.purposes.count(p.get<std::string>())) {
        purpose_ids.insert(p.get<std::string>());
      }
    }
  }
  if (purpose_ids.empty()) {
    for (const auto& [id, purpose] : policy.purposes) {
      for (const auto& c : purpose.categories) {
        for (const auto& held : categories) {
          if (CategoryCovers(c, held)) purpose_ids.insert(id);
        }
      }
    }
  }
  const std::string regime = data.subject.regime.empty() ? "default" : data.subject.regime;
  h.H2(kPurposes);
  {
    std::vector<std::string> lines;
    for (const auto& id : purpose_ids) {
      const Purpose& p = policy.purposes.at(id);
      std::string line = text(p.name);
      if (std::string d = text(p.description); !d.empty()) line += ": " + d;
      auto basis = p.legal_basis.find(regime);
      if (basis == p.legal_basis.end()) basis = p.legal_basis.find("default");
      if (basis != p.legal_basis.end()) {
        line += " (" + std::string(kLegalBasis.In(lang)) + ": " +
                LegalBasisPhrase(basis->second).In(lang) + ")";
      }
      lines.push_back(line);
    }
    h.List(lines);
  }
  h.H2(kCategories);
  {
    std::vector<std::string> lines;
    for (const auto& c : categories) lines.push_back(CategoryName(c, lang));
    h.List(lines);
  }
  std::vector<const Recipient*> recipients;
  for (const auto& [id, r] : policy.recipients) {
    bool serves = false;
    for (const auto& p : r.purposes) serves = serves || purpose_ids.count(p) > 0;
    if (serves) recipients.push_back(&r);
  }
  h.H2(kRecipients);
  if (recipients.empty()) {
    h.P(kNoRecipients.In(lang));
  } else {
    std::vector<std::string> lines;
    for (const Recipient* r : recipients) {
      std::string line = text(r->name) + " (" + RecipientRolePhrase(r->role).In(lang) + ")";
      if (std::string d = text(r->description); !d.empty()) line += ": " + d;
      lines.push_back(line);
    }
    h.List(lines);
  }
  // The recipients actually disclosed to (the disclosure log), apart from those who may be.
  h.H2(kDisclosed);
  if (data.disclosures.empty()) {
    h.P(kNoDisclosures.In(lang));
  } else {
    std::vector<std::string> lines;
    for (const auto& d : data.disclosures) {
      auto recipient = policy.recipients.find(d.recipient);
      std::string line =
          recipient != policy.recipients.end() ? text(recipient->second.name) : d.recipient;
      if (recipient != policy.recipients.end()) {
        line += " (" + std::string(RecipientRolePhrase(recipient->second.role).In(lang)) + ")";
      }
      line += ", " + DateText(d.disclosed_at, lang);
      auto purpose = policy.purposes.find(d.purpose);
      line += ", " + std::string(kDisclosedFor.In(lang)) + " " +
              (purpose != policy.purposes.end() ? text(purpose->second.name) : d.purpose) + ": ";
      std::string names;
      for (const auto& c : d.categories)
        names += (names.empty() ? "" : ", ") + CategoryName(c, lang);
      lines.push_back(line + names);
    }
    h.List(lines);
  }
  h.H2(kSources);
  {
    std::vector<std::string> lines;
    for (const auto& id : point_ids) {
      const CollectionPoint& point = policy.collection_points.at(id);
      lines.push_back(text(point.name) + ": " + ChannelPhrase(point.channel).In(lang));
    }
    bool staff = false;
    for (const auto& item : pack.items) {
      staff = staff || (!item.identity && !item.provenance->contains("point"));
    }
    if (staff) lines.push_back(kStaffEntry.In(lang));
    h.List(lines);
  }
  h.H2(kRetention);
  {
    std::vector<std::string> lines;
    for (const auto& id : purpose_ids) {
      const Purpose& p = policy.purposes.at(id);
      std::string line = text(p.name) + ": " + DurationText(p.retention.keep, lang) + " " +
                         RetentionStartPhrase(p.retention.from).In(lang);
      if (std::string why = text(p.retention.reason); !why.empty()) line += ". " + why;
      lines.push_back(line);
    }
    h.List(lines);
  }
  h.H2(kTransfers);
  {
    std::vector<std::string> lines;
    for (const Recipient* r : recipients) {
      if (r->safeguards.empty()) continue;
      std::string countries;
      for (const auto& c : r->countries) {
        const Phrase* name = CountryPhrase(c);
        countries += (countries.empty() ? "" : ", ") + (name ? std::string(name->In(lang)) : c);
      }
      std::string safeguards;
      for (Safeguard s : r->safeguards) {
        safeguards += (safeguards.empty() ? "" : "; ") + std::string(SafeguardPhrase(s).In(lang));
      }
      lines.push_back(text(r->name) + " (" + countries + "): " + kSafeguards.In(lang) + ": " +
                      safeguards);
    }
    if (lines.empty()) {
      h.P(kNoTransfers.In(lang));
    } else {
      h.List(lines);
    }
  }
  h.H2(kRights);
  {
    std::vector<std::string> lines;
    for (Right r : policy.rights.rights) lines.push_back(RightPhrase(r).In(lang));
    h.List(lines);
    if (!policy.dpo.email.empty()) h.P(Fill(kContactDpo.In(lang), {policy.dpo.email}));
  }
  h.H2(kComplaints);
  {
    std::vector<std::string> lines;
    for (const auto& route : policy.complaint_routes) {
      bool applies = route.regimes.empty() || data.subject.regime.empty();
      for (const auto& r : route.regimes) applies = applies || r == data.subject.regime;
      if (!applies) continue;
      lines.push_back(text(route.name) + (route.url.empty() ? "" : ": " + route.url));
    }
    h.List(lines);
  }
  if (!data.consent_events.empty()) {
    h.H2(kConsents);
    std::vector<std::string> lines;
    for (const auto& e : data.consent_events) {
      lines.push_back(DateText(e.created_at, lang) + ": " + EventText(e, policy, lang, code));
    }
    h.List(lines);
  }
  h.Raw("</main>\n</body>\n</html>\n");
  return std::move(h.str());
}

Result<std::string> Zip(const std::vector<std::pair<std::string, std::string>>& files, Micros now) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer == nullptr) {
    return Error(ErrorKind::kInternal, "zip_failed", "cannot create the package's buffer");
  }
  zip_source_keep(buffer);  // read back after zip_close
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_source_free(buffer);
    return Error(ErrorKind::kInternal, "zip_failed", "cannot open the package for writing");
  }
  auto fail = [&](const char* what) {
    std::string message = std::string(what) + ": " + zip_strerror(archive);
    zip_discard(archive);
    zip_source_free(buffer);
    return Error(ErrorKind::kInternal, "zip_failed", message);
  };
  for (const auto& [name, content] : files) {
    // The contents live in `files` until zip_close has read them.
    zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
    if (source == nullptr) return fail("cannot add a file");
    zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      return fail("cannot add a file");
    }
    // Fastest deflate: the text compresses about tenfold all the same, in a third of the time.
    if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 1) !=
            0 ||
        zip_file_set_mtime(archive, static_cast<zip_uint64_t>(index),
                           static_cast<time_t>(now / kMicrosPerSecond), 0) != 0) {
      return fail("cannot set a file's attributes");
    }
  }
  if (zip_close(archive) != 0) return fail("cannot write the package");
  std::string bytes;
  if (zip_source_open(buffer) != 0 || zip_source_seek(buffer, 0, SEEK_END) != 0) {
    zip_source_free(buffer);
    return Error(ErrorKind::kInternal, "zip_failed", "cannot read the package back");
  }
  zip_int64_t size = zip_source_tell(buffer);
  zip_source_seek(buffer, 0, SEEK_SET);
  bytes.resize(size > 0 ? static_cast<size_t>(size) : 0);
  zip_int64_t read = zip_source_read(buffer, bytes.data(), bytes.size());
  zip_source_close(buffer);
  zip_source_free(buffer);
  if (read != size) {
    return Error(ErrorKind::kInternal, "zip_failed", "cannot read the package back");
  }
  return bytes;
}

}  // namespace

std::string CsvCell(std::string_view value) {
  std::string cell;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    cell = "'";
  }
  cell.append(value);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

Result<std::string> AccessPackage::Build(const AccessContext& ctx, const std::string& subject_id,
                                         const std::string& language,
                                         AccessPackageInfo* info) const {
  return Build(ctx, std::vector<std::string>{subject_id}, language, info);
}

Result<std::string> AccessPackage::Build(const AccessContext& ctx,
                                         const std::vector<std::string>& subject_ids,
                                         const std::string& language,
                                         AccessPackageInfo* info) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  // The first subject still there leads (its record, regime and restriction, which data.json's
  // `subjects` gives for each); the others' data joins it.
  std::optional<SubjectExport> merged;
  std::vector<SubjectRecord> subjects;
  Error gone(ErrorKind::kNotFound, "subject_not_found", "no such subject");
  for (const auto& id : subject_ids) {
    Result<SubjectExport> one = registry_.Export(ctx, id);
    if (!one.ok()) {
      if (one.error().code() != "subject_not_found") return one.error();
      gone = one.error();
      continue;
    }
    subjects.push_back(one->subject);
    if (!merged) {
      merged = std::move(one).value();
      continue;
    }
    auto append = [](auto& to, auto& from) {
      to.insert(to.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
    };
    append(merged->view.identities, one->view.identities);
    append(merged->view.attributes, one->view.attributes);
    append(merged->referrals, one->referrals);
    append(merged->consent_events, one->consent_events);
    append(merged->disclosures, one->disclosures);
  }
  if (!merged) return gone;
  SubjectExport& data = *merged;
  if (subjects.size() > 1) {
    // In time order, as one history.
    std::stable_sort(data.consent_events.begin(), data.consent_events.end(),
                     [](const auto& a, const auto& b) { return a.created_at < b.created_at; });
    std::stable_sort(data.disclosures.begin(), data.disclosures.end(),
                     [](const auto& a, const auto& b) { return a.disclosed_at < b.disclosed_at; });
  }
  const Micros now = clock_.Now();

  Pack pack;
  pack.lang = ChooseLang(language, *policy);
  const char* marker = kRedacted.In(pack.lang);
  std::set<std::string> own;
  for (const auto& id : data.view.identities) own.insert(id.kind + ":" + id.value);
  // The fields of every collection point: their category, and whether they hold free text
  // (only those are scanned for other people).
  std::map<std::pair<std::string, std::string>, const Field*> fields;
  for (const auto& [id, point] : policy->collection_points) {
    for (const auto& field : point.fields) fields[{id, field.name}] = &field;
  }
  // Values stored together share their provenance: each distinct text is parsed once.
  std::unordered_map<std::string, std::pair<json, std::string>> provenances;
  static const json kNoProvenance = json::object();

  pack.items.reserve(data.view.identities.size() + data.view.attributes.size());
  for (auto& id : data.view.identities) {
    Item item;
    item.field = id.kind;
    item.identity = true;
    item.category = IdentityCategory(id.kind);
    item.value = std::move(id.value);
    item.provenance = &kNoProvenance;
    item.provenance_text = "{}";
    pack.items.push_back(std::move(item));
  }
  for (auto& a : data.view.attributes) {
    Item item;
    item.field = a.name;
    auto parsed = provenances.find(a.provenance);
    if (parsed == provenances.end()) {
      json p = ProvenanceOf(a.provenance);
      std::string text = p.dump();
      parsed =
          provenances.emplace(a.provenance, std::make_pair(std::move(p), std::move(text))).first;
    }
    item.provenance = &parsed->second.first;
    item.provenance_text = parsed->second.second;
    item.value = std::move(a.value);
    item.collected_at = a.created_at;
    auto field = fields.find({item.provenance->value("point", ""), a.name});
    if (field != fields.end()) item.category = field->second->category;
    // Values of no declared field (entered by staff) may hold anything: scanned as well.
    if (field == fields.end() || field->second->free_text) {
      item.redacted = Redact(guard_, own, marker, item.value);
      if (item.redacted > 0) {
        pack.redacted_by_field[item.field] += item.redacted;
        pack.redactions += item.redacted;
      }
    }
    pack.items.push_back(std::move(item));
  }
  if (!data.referrals.empty()) {
    pack.redacted_by_field["referrals"] += data.referrals.size();
    pack.redactions += data.referrals.size();
  }

  // One CSV per category, in category order; values of no known category in other.csv.
  std::map<std::string, std::vector<const Item*>> by_category;
  for (const auto& item : pack.items) by_category[item.category].push_back(&item);
  std::vector<std::pair<std::string, std::string>> csv_files;  // file, category
  std::vector<std::pair<std::string, std::string>> files;      // name, content
  files.reserve(by_category.size() + 2);
  files.emplace_back("index.html", "");
  files.emplace_back("data.json", "");
  for (const auto& [category, items] : by_category) {
    std::string name = (category.empty() ? "other" : category) + ".csv";
    csv_files.emplace_back(name, category);
    files.emplace_back(name, Csv(items));
  }
  files[0].second = IndexHtml(*policy, data, pack, now);
  files[1].second = DataJson(*policy, data, subjects, pack, csv_files, now);

  PD_ASSIGN_OR_RETURN(std::string zip, Zip(files, now));
  if (info != nullptr) {
    info->language = LangCode(pack.lang);
    info->subjects = subjects.size();
    info->values = pack.items.size();
    info->redactions = pack.redactions;
    info->redacted_by_field = pack.redacted_by_field;
    info->files.clear();
    for (const auto& f : files) info->files.push_back(f.first);
    info->categories.clear();
    for (const auto& [category, items] : by_category) {
      info->categories[category.empty() ? "other" : category] = items.size();
    }
  }
  return zip;
}

Status AccessPackage::WriteTo(const AccessContext& ctx, const std::string& subject_id,
                              const std::string& language, const std::string& path,
                              AccessPackageInfo* info) const {
  PD_ASSIGN_OR_RETURN(std::string bytes, Build(ctx, subject_id, language, info));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(ErrorKind::kUnavailable, "write_failed",
                 "cannot create the package file; check the directory and its permissions");
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Error(ErrorKind::kUnavailable, "write_failed",
                   "cannot write the package file; check the free space");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Error(ErrorKind::kUnavailable, "write_failed",
                 "cannot write the package file; check the free space");
  }
  return Ok();
}

}  // namespace privacyd
