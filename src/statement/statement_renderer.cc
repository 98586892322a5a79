#include "statement/statement_renderer.h"

#include <cmark-gfm.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#include "core/markup.h"
#include "policy/period.h"
#include "statement/statement_vocabulary.h"

namespace privacyd {
namespace {

// ---- Sections, in the order of the seed statement's table of contents ----

struct Section {
  const char* id;  // the HTML anchor
  Phrase heading;
};

constexpr Section kCollect{
    "collect",
    {"What type of Personal Data do we collect and how do we use it?",
     "Welche personenbezogenen Daten erheben wir und wie verwenden wir sie?",
     "Quelles données personnelles collectons-nous et comment les utilisons-nous ?"}};
constexpr Section kShare{
    "share",
    {"How do we share Personal Data?", "Wie geben wir personenbezogene Daten weiter?",
     "Comment partageons-nous les données personnelles ?"}};
constexpr Section kTransfer{"transfers",
                            {"Where is my Personal Data transferred?",
                             "Wohin werden meine personenbezogenen Daten übermittelt?",
                             "Où mes données personnelles sont-elles transférées ?"}};
constexpr Section kSecurity{
    "security",
    {"How secure is my Personal Data?", "Wie sicher sind meine personenbezogenen Daten?",
     "Mes données personnelles sont-elles en sécurité ?"}};
constexpr Section kTechnical{
    "technical-data",
    {"What kind of technical data do we collect?", "Welche technischen Daten erheben wir?",
     "Quelles données techniques collectons-nous ?"}};
constexpr Section kCookies{
    "cookies",
    {"What about cookies?", "Wie verwenden wir Cookies?", "Comment utilisons-nous les cookies ?"}};
constexpr Section kRetention{"retention",
                             {"How long will you use my Personal Data?",
                              "Wie lange verwenden Sie meine personenbezogenen Daten?",
                              "Combien de temps utilisez-vous mes données personnelles ?"}};
constexpr Section kChildren{"children",
                            {"What is your commitment to children's online privacy?",
                             "Wie schützen Sie die Privatsphäre von Kindern im Internet?",
                             "Quel est votre engagement envers la vie privée des enfants en "
                             "ligne ?"}};
constexpr Section kExternal{"external-links",
                            {"What about external links?", "Was gilt für externe Links?",
                             "Qu'en est-il des liens externes ?"}};
constexpr Section kRights{"rights",
                          {"What are my data subject rights and how do I exercise them?",
                           "Welche Rechte habe ich als betroffene Person und wie übe ich sie aus?",
                           "Quels sont mes droits et comment les exercer ?"}};
constexpr Section kChanges{"changes",
                           {"What about changes to this Privacy Statement?",
                            "Was gilt bei Änderungen dieser Datenschutzerklärung?",
                            "Qu'en est-il des modifications de la présente déclaration ?"}};
constexpr Section kContact{
    "contact",
    {"How do I contact you?", "Wie kann ich Sie kontaktieren?", "Comment vous contacter ?"}};

constexpr const Section* kSections[] = {&kCollect,   &kShare,   &kTransfer,  &kSecurity,
                                        &kTechnical, &kCookies, &kRetention, &kChildren,
                                        &kExternal,  &kRights,  &kChanges,   &kContact};

// ---- Sentences. {0}, {1}, ... are filled with text that is already escaped. ----

constexpr Phrase kVersionLine{"Version {0}, effective {1}.", "Version {0}, gültig ab {1}.",
                              "Version {0}, en vigueur à compter du {1}."};
constexpr Phrase kTopics{
    "Topics covered in this Privacy Statement:", "Themen dieser Datenschutzerklärung:",
    "Sujets traités dans la présente déclaration :"};
constexpr Phrase kControllerIs{
    "{0} is the controller for the Personal Data processed as described in this Privacy "
    "Statement. Registered office: {1}.",
    "{0} ist der Verantwortliche für die in dieser Datenschutzerklärung beschriebene Verarbeitung "
    "personenbezogener Daten. Sitz: {1}.",
    "{0} est le responsable du traitement des données personnelles décrit dans la présente "
    "déclaration. Siège social : {1}."};
constexpr Phrase kRepresentatives{"For individuals {0}, our local operating entities are:",
                                  "Für Personen {0} sind unsere lokalen Gesellschaften:",
                                  "Pour les personnes situées {0}, nos entités locales sont :"};
constexpr Phrase kRegionNamed{"in the region {0}", "in der Region {0}", "de la région {0}"};
constexpr Phrase kRegisteredAt{"registered office at {0}", "Sitz: {0}", "siège social : {0}"};
constexpr Phrase kDpf{
    "When we transfer Personal Data from the European Union, the United Kingdom and Switzerland "
    "to the United States, we comply with the EU-U.S. Data Privacy Framework, the UK Extension to "
    "it and the Swiss-U.S. Data Privacy Framework as set forth by the U.S. Department of "
    "Commerce, and we have certified that we adhere to the Data Privacy Framework Principles. "
    "Our certification is listed on the {0}.",
    "Wenn wir personenbezogene Daten aus der Europäischen Union, dem Vereinigten Königreich und "
    "der Schweiz in die Vereinigten Staaten übermitteln, halten wir den EU-US-Datenschutzrahmen "
    "(EU-U.S. Data Privacy Framework), seine Erweiterung auf das Vereinigte Königreich und den "
    "Datenschutzrahmen Schweiz-USA des US-Handelsministeriums ein; wir haben uns zur Einhaltung "
    "seiner Grundsätze zertifiziert. Unsere Zertifizierung ist in der {0} verzeichnet.",
    "Lorsque nous transférons des données personnelles de l'Union européenne, du Royaume-Uni et "
    "de la Suisse vers les États-Unis, nous respectons le cadre de protection des données "
    "UE-États-Unis (EU-U.S. Data Privacy Framework), son extension au Royaume-Uni et le cadre "
    "Suisse-États-Unis définis par le ministère du Commerce des États-Unis, et nous avons "
    "certifié notre adhésion à leurs principes. Notre certification figure sur la {0}."};
constexpr Phrase kDpfList{"Data Privacy Framework list", "Liste des Datenschutzrahmens",
                          "liste du cadre de protection des données"};
constexpr Phrase kQuestions{
    "If you have questions about this Privacy Statement or our practices, you can reach us using "
    "the {0}.",
    "Bei Fragen zu dieser Datenschutzerklärung oder unserem Umgang mit Daten erreichen Sie uns "
    "über die {0}.",
    "Pour toute question sur la présente déclaration ou nos pratiques, vous pouvez nous joindre "
    "grâce aux {0}."};
constexpr Phrase kContactDetailsBelow{"contact details below", "unten stehenden Kontaktdaten",
                                      "coordonnées ci-dessous"};

constexpr Phrase kCollectingHeading{"Collecting Personal Data", "Erhebung personenbezogener Daten",
                                    "Collecte des données personnelles"};
constexpr Phrase kCollectIntro{"The Personal Data we collect include:",
                               "Zu den personenbezogenen Daten, die wir erheben, gehören:",
                               "Les données personnelles que nous collectons comprennent :"};
constexpr Phrase kSensitiveHeading{"Sensitive data", "Sensible Daten", "Données sensibles"};
constexpr Phrase kSensitiveIntro{
    "We ask that you not send or otherwise share with us any sensitive Personal Data, which "
    "includes:",
    "Bitte senden oder übermitteln Sie uns keine sensiblen personenbezogenen Daten. Dazu "
    "gehören:",
    "Nous vous demandons de ne pas nous transmettre de données personnelles sensibles, "
    "notamment :"};
constexpr Phrase kChannelsHeading{"How we collect Personal Data",
                                  "Wie wir personenbezogene Daten erheben",
                                  "Comment nous collectons les données personnelles"};
constexpr Phrase kChannelsIntro{"We collect Personal Data in these ways:",
                                "Wir erheben personenbezogene Daten auf folgenden Wegen:",
                                "Nous collectons des données personnelles de ces manières :"};
constexpr Phrase kPublicNote{"what you post there can be read by other visitors",
                             "was Sie dort veröffentlichen, können andere Besucher lesen",
                             "ce que vous y publiez peut être lu par les autres visiteurs"};
constexpr Phrase kUsingHeading{"Using Personal Data", "Verwendung personenbezogener Daten",
                               "Utilisation des données personnelles"};
constexpr Phrase kUsingIntro{
    "We use Personal Data for these purposes, each on the legal basis shown:",
    "Wir verwenden personenbezogene Daten für folgende Zwecke, jeweils auf der angegebenen "
    "Rechtsgrundlage:",
    "Nous utilisons les données personnelles pour les finalités suivantes, chacune sur la base "
    "juridique indiquée :"};
constexpr Phrase kBasisLine{"Legal basis: {0}.", "Rechtsgrundlage: {0}.", "Base juridique : {0}."};
constexpr Phrase kSemicolon{"; ", "; ", " ; "};
// Between a label and what follows (French sets a space before the colon).
constexpr Phrase kColon{": ", ": ", " : "};
constexpr Phrase kBasisElsewhere{"elsewhere, {0}", "anderswo {0}", "ailleurs, {0}"};

constexpr Phrase kShareIntro{
    "We share Personal Data only as described in this Privacy Statement or as necessary to "
    "provide the services you asked for. Recipients are listed by their role:",
    "Wir geben personenbezogene Daten nur wie in dieser Datenschutzerklärung beschrieben oder "
    "soweit zur Erbringung der von Ihnen gewünschten Leistungen erforderlich weiter. Die "
    "Empfänger nach ihrer Rolle:",
    "Nous ne partageons les données personnelles que comme décrit dans la présente déclaration "
    "ou lorsque cela est nécessaire pour fournir les services que vous avez demandés. Les "
    "destinataires, par rôle :"};
constexpr Phrase kNoSale{"We do not sell or rent your Personal Data to third parties.",
                         "Wir verkaufen oder vermieten Ihre personenbezogenen Daten nicht an "
                         "Dritte.",
                         "Nous ne vendons ni ne louons vos données personnelles à des tiers."};
constexpr Phrase kSale{
    "We may sell Personal Data to third parties; you can object to this at any time.",
    "Wir können personenbezogene Daten an Dritte verkaufen; Sie können dem jederzeit "
    "widersprechen.",
    "Nous pouvons vendre des données personnelles à des tiers ; vous pouvez vous y opposer à "
    "tout moment."};

constexpr Phrase kTransferIntro{
    "Your Personal Data may be transferred to the recipients below, in the countries listed. "
    "Whenever we transfer Personal Data out of the EEA, the United Kingdom or Switzerland, at "
    "least one of the safeguards shown protects it:",
    "Ihre personenbezogenen Daten können an die folgenden Empfänger in den genannten Ländern "
    "übermittelt werden. Bei jeder Übermittlung aus dem EWR, dem Vereinigten Königreich oder der "
    "Schweiz schützt sie mindestens eine der angegebenen Garantien:",
    "Vos données personnelles peuvent être transférées aux destinataires ci-dessous, dans les "
    "pays indiqués. Chaque transfert hors de l'EEE, du Royaume-Uni ou de la Suisse est protégé "
    "par au moins l'une des garanties indiquées :"};
constexpr Phrase kSafeguardsLine{"Safeguards: {0}.", "Garantien: {0}.", "Garanties : {0}."};

constexpr Phrase kTechnicalIntro{
    "When you visit the Site, our systems automatically collect technical data about your visit:",
    "Wenn Sie die Website besuchen, erfassen unsere Systeme automatisch technische Daten über "
    "Ihren Besuch:",
    "Lorsque vous visitez le Site, nos systèmes collectent automatiquement des données "
    "techniques sur votre visite :"};
constexpr Phrase kTechnicalUse{
    "We use this technical data for:", "Wir verwenden diese technischen Daten für:",
    "Nous utilisons ces données techniques pour :"};

constexpr Phrase kCookiesIntro{
    "We and our service providers use cookies and similar technologies in these categories:",
    "Wir und unsere Dienstleister verwenden Cookies und ähnliche Technologien in folgenden "
    "Kategorien:",
    "Nous et nos prestataires utilisons des cookies et des technologies similaires dans les "
    "catégories suivantes :"};
constexpr Phrase kStrictlyNecessary{
    "These are needed for the Site to work and cannot be switched off.",
    "Sie sind für den Betrieb der Website erforderlich und können nicht abgeschaltet werden.",
    "Ils sont nécessaires au fonctionnement du Site et ne peuvent pas être désactivés."};
constexpr Phrase kPrivacyPolicy{"privacy policy", "Datenschutzhinweise",
                                "politique de confidentialité"};
constexpr Phrase kOptOut{"opt out", "widersprechen", "refuser"};
constexpr Phrase kCookiesReject{
    "You can reject cookies other than the strictly necessary ones, in your browser or in our "
    "cookie settings; some features of the Site may then not be available.",
    "Sie können alle nicht unbedingt erforderlichen Cookies in Ihrem Browser oder in unseren "
    "Cookie-Einstellungen ablehnen; einige Funktionen der Website sind dann möglicherweise nicht "
    "verfügbar.",
    "Vous pouvez refuser les cookies autres que ceux strictement nécessaires, dans votre "
    "navigateur ou dans nos paramètres de cookies ; certaines fonctionnalités du Site pourraient "
    "alors ne pas être disponibles."};

constexpr Phrase kRetentionIntro{
    "We keep Personal Data only as long as necessary for the purpose we collected it for:",
    "Wir speichern personenbezogene Daten nur so lange, wie es für den Zweck erforderlich ist, "
    "für den wir sie erhoben haben:",
    "Nous ne conservons les données personnelles que le temps nécessaire à la finalité pour "
    "laquelle nous les avons collectées :"};
constexpr Phrase kRetentionUnset{"as long as the purpose requires",
                                 "solange der Zweck es erfordert",
                                 "aussi longtemps que la finalité l'exige"};
constexpr Phrase kRetentionDelete{
    "In some circumstances you can ask us to delete your data sooner; see {0}.",
    "Unter bestimmten Umständen können Sie verlangen, dass wir Ihre Daten früher löschen; siehe "
    "{0}.",
    "Dans certains cas, vous pouvez nous demander de supprimer vos données plus tôt ; voir {0}."};

constexpr Phrase kChildrenText{
    "Our Site is not directed at children. We do not knowingly accept Personal Data from "
    "children under the age of {0}. If you are under {0}, please do not send us any information "
    "about yourself.",
    "Unsere Website richtet sich nicht an Kinder. Wir nehmen wissentlich keine "
    "personenbezogenen Daten von Kindern unter {0} Jahren an. Wenn Sie jünger als {0} Jahre "
    "sind, senden Sie uns bitte keine Informationen über sich.",
    "Notre Site ne s'adresse pas aux enfants. Nous n'acceptons pas sciemment de données "
    "personnelles d'enfants de moins de {0} ans. Si vous avez moins de {0} ans, veuillez ne "
    "nous transmettre aucune information vous concernant."};

constexpr Phrase kRightsIntro{
    "You have these rights with respect to your Personal Data; they apply in certain "
    "circumstances and may be limited by law:",
    "Sie haben folgende Rechte in Bezug auf Ihre personenbezogenen Daten; sie gelten unter "
    "bestimmten Voraussetzungen und können gesetzlich eingeschränkt sein:",
    "Vous disposez des droits suivants sur vos données personnelles ; ils s'appliquent dans "
    "certaines circonstances et peuvent être limités par la loi :"};
constexpr Phrase kExerciseIntro{
    "You can exercise your rights at any time:", "Sie können Ihre Rechte jederzeit ausüben:",
    "Vous pouvez exercer vos droits à tout moment :"};
constexpr Phrase kIntakePortal{"through our {0}", "über unser {0}", "via notre {0}"};
constexpr Phrase kPortal{"online portal", "Online-Portal", "portail en ligne"};
constexpr Phrase kIntakeEmail{"by email to {0}", "per E-Mail an {0}", "par e-mail à {0}"};
constexpr Phrase kIntakePost{"by post to {0}", "per Post an {0}", "par courrier à {0}"};
constexpr Phrase kVerify{
    "We may ask you to verify your identity before we act on a request.",
    "Wir können Sie bitten, Ihre Identität zu bestätigen, bevor wir einen Antrag bearbeiten.",
    "Nous pouvons vous demander de confirmer votre identité avant de traiter une demande."};
constexpr Phrase kDeadline{
    "We respond without undue delay and within {0} of receiving your request.",
    "Wir antworten unverzüglich; unsere Antwortfrist beträgt {0} ab Eingang Ihres Antrags.",
    "Nous répondons dans les meilleurs délais et au plus tard dans un délai de {0} à compter de "
    "la réception de votre demande."};
constexpr Phrase kExtension{
    "In certain circumstances this may be extended by a further {0}; we will tell you if it is.",
    "In bestimmten Fällen kann sie um weitere {0} verlängert werden; darüber informieren wir "
    "Sie.",
    "Dans certains cas, ce délai peut être prolongé de {0} supplémentaires ; nous vous en "
    "informerons."};
constexpr Phrase kOtherDeadlines{
    "Where local law sets other periods:", "Wo lokales Recht andere Fristen vorsieht:",
    "Lorsque la loi locale prévoit d'autres délais :"};
constexpr Phrase kRegimeDeadline{"{0}: {1}", "{0}: {1}", "{0} : {1}"};
constexpr Phrase kRegimeDeadlineExtended{"{0}: {1}, extendable by {2}",
                                         "{0}: {1}, verlängerbar um {2}",
                                         "{0} : {1}, prolongeable de {2}"};
constexpr Phrase kComplaintsIntro{
    "If you have a concern we have not resolved to your satisfaction, you can turn to:",
    "Wenn wir ein Anliegen nicht zu Ihrer Zufriedenheit gelöst haben, können Sie sich wenden an:",
    "Si nous n'avons pas répondu à votre préoccupation de manière satisfaisante, vous pouvez "
    "vous adresser à :"};
constexpr Phrase kForRegions{"for individuals in: {0}", "für Personen in: {0}",
                             "pour les personnes situées dans : {0}"};
constexpr Phrase kDpfDispute{
    "independent dispute resolution under the Data Privacy Framework Principles, free of "
    "charge; under certain conditions you may invoke binding arbitration",
    "unabhängige Streitbeilegung nach den Grundsätzen des Datenschutzrahmens, kostenlos; unter "
    "bestimmten Voraussetzungen können Sie ein verbindliches Schiedsverfahren einleiten",
    "règlement indépendant des litiges selon les principes du cadre de protection des données, "
    "gratuit ; sous certaines conditions, vous pouvez recourir à un arbitrage contraignant"};

constexpr Phrase kVersionNotice{
    "This is version {0} of this Privacy Statement, effective {1}.",
    "Dies ist Version {0} dieser Datenschutzerklärung, gültig ab {1}.",
    "Ceci est la version {0} de la présente déclaration, en vigueur à compter du {1}."};
constexpr Phrase kNoticeHeading{
    "**Important: this version changes our practices.** Compared with version {0}:",
    "**Wichtig: Diese Version ändert unsere Praxis.** Gegenüber Version {0}:",
    "**Important : cette version modifie nos pratiques.** Par rapport à la version {0} :"};

constexpr Phrase kSubscribe{"To be notified of changes, subscribe to the topic “{0}”: {1}",
                            "Um über Änderungen informiert zu werden, abonnieren Sie das Thema "
                            "„{0}“: {1}",
                            "Pour être informé des modifications, abonnez-vous au thème « {0} » "
                            ": {1}"};

constexpr Phrase kContactIntro{
    "We have a Data Protection Officer and team to support you. Please send any questions, "
    "concerns or requests concerning your Personal Data to our Data Protection Officer:",
    "Unser Datenschutzbeauftragter und sein Team unterstützen Sie. Bitte richten Sie Fragen, "
    "Anliegen oder Anträge zu Ihren personenbezogenen Daten an unseren "
    "Datenschutzbeauftragten:",
    "Notre délégué à la protection des données et son équipe sont à votre disposition. Veuillez "
    "adresser vos questions, préoccupations ou demandes concernant vos données personnelles à "
    "notre délégué à la protection des données :"};
constexpr Phrase kEmailLabel{"Email: {0}", "E-Mail: {0}", "E-mail : {0}"};
constexpr Phrase kPostLabel{"Post: {0}", "Post: {0}", "Courrier : {0}"};
constexpr Phrase kPhoneLabel{"Telephone: {0}", "Telefon: {0}", "Téléphone : {0}"};
constexpr Phrase kPortalLabel{"Online: {0}", "Online: {0}", "En ligne : {0}"};

// Joins list items: "a, b and c".
constexpr Phrase kListAnd{" and ", " und ", " et "};

// Units, singular and plural.
constexpr Phrase kYear{"year", "Jahr", "an"};
constexpr Phrase kYears{"years", "Jahre", "ans"};
constexpr Phrase kMonth{"month", "Monat", "mois"};
constexpr Phrase kMonths{"months", "Monate", "mois"};
constexpr Phrase kDay{"day", "Tag", "jour"};
constexpr Phrase kDays{"days", "Tage", "jours"};
constexpr Phrase kNumbers[] = {
    {"one", "ein", "un"},        {"two", "zwei", "deux"},   {"three", "drei", "trois"},
    {"four", "vier", "quatre"},  {"five", "fünf", "cinq"},  {"six", "sechs", "six"},
    {"seven", "sieben", "sept"}, {"eight", "acht", "huit"}, {"nine", "neun", "neuf"},
    {"ten", "zehn", "dix"},      {"eleven", "elf", "onze"}, {"twelve", "zwölf", "douze"},
};

// ---- Escaping ----

// Policy text as inert Markdown: one line, every character that could start markup escaped with
// a backslash (CommonMark allows that for any ASCII punctuation), so it renders literally.
std::string Escape(std::string_view in) {
  std::string text;
  text.reserve(in.size());
  for (char c : in) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';  // a newline could start a heading or a list
    if (c == ' ' && (text.empty() || text.back() == ' ')) continue;
    text.push_back(c);
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();

  std::string out;
  out.reserve(text.size() + text.size() / 8);
  bool digits_so_far = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool escape = std::strchr("\\`*_[]<>&!|~", c) != nullptr;
    // Block starts ("# ", "- ", "+ ", "> ", "1. ", "1) ", "===") matter only at the start.
    if (i == 0 && std::strchr("#-+=>", c) != nullptr) escape = true;
    if (i > 0 && digits_so_far && (c == '.' || c == ')')) escape = true;
    if (c < '0' || c > '9') digits_so_far = false;
    if (escape) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The URL as a Markdown link destination, or nullopt unless it is http, https or mailto.
std::optional<std::string> SafeUrl(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  if (!starts("https://") && !starts("http://") && !starts("mailto:")) return std::nullopt;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : url) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || std::strchr("<>()\\\"'`", c) != nullptr) {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A link with already-escaped text; the text alone when the URL is not safe.
std::string Link(const std::string& escaped_text, std::string_view url) {
  auto safe = SafeUrl(url);
  if (!safe) return escaped_text;
  return "[" + escaped_text + "](" + *safe + ")";
}

// The template with {0}..{9} replaced by `args`.
std::string Fill(std::string_view tmpl, std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> list(args);
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 2] == '}' && tmpl[i + 1] >= '0' &&
        tmpl[i + 1] <= '9') {
      size_t n = static_cast<size_t>(tmpl[i + 1] - '0');
      if (n < list.size()) out.append(list[n]);
      i += 2;
    } else {
      out.push_back(tmpl[i]);
    }
  }
  return out;
}

template <class T>
std::vector<const T*> ByDeclaration(const std::map<std::string, T>& items) {
  std::vector<const T*> out;
  for (const auto& [_, item] : items) out.push_back(&item);
  std::stable_sort(out.begin(), out.end(),
                   [](const T* a, const T* b) { return a->pos.line < b->pos.line; });
  return out;
}

bool IsTechnicalCategory(std::string_view key) {
  return key.starts_with("user.device") || key.starts_with("user.behavior");
}

// Writes the statement in one language. Everything from the policy goes through Escape, Link or
// Text; everything else comes from the phrases above.
class StatementWriter {
 public:
  StatementWriter(const Policy& policy, Lang lang, const Taxonomy& taxonomy,
                  const Jurisdictions& jurisdictions, const ChangeNotice* notice)
      : policy_(policy),
        lang_(lang),
        taxonomy_(taxonomy),
        jurisdictions_(jurisdictions),
        notice_(notice) {}

  std::string Write() {
    WriteIntroduction();
    WriteCollect();
    WriteShare();
    WriteTransfers();
    WriteTextSection(kSecurity, "security");
    WriteTechnical();
    WriteCookies();
    WriteRetention();
    Heading(kChildren);
    Paragraph(Fill(T(kChildrenText), {std::to_string(policy_.minimum_age)}));
    WriteTextSection(kExternal, "external_links");
    WriteRights();
    WriteChanges();
    WriteContact();
    return std::move(out_);
  }

 private:
  const char* T(const Phrase& phrase) const { return phrase.In(lang_); }
  std::string Colon() const { return T(kColon); }

  // A localized policy text, escaped; the policy's first language when this one is missing.
  std::string Text(const LocalizedText& text) const {
    auto it = text.find(LangCode());
    if (it == text.end() && !policy_.languages.empty()) it = text.find(policy_.languages.front());
    return it == text.end() ? std::string() : Escape(it->second);
  }

  std::string LangCode() const {
    switch (lang_) {
      case Lang::kEn:
        return "en";
      case Lang::kDe:
        return "de";
      case Lang::kFr:
        return "fr";
    }
    return "en";
  }

  std::string Category(const std::string& key) const {
    if (const Phrase* phrase = CategoryPhrase(key)) return T(*phrase);
    if (const TaxonomyEntry* entry = taxonomy_.Find(TaxonomyKind::kDataCategory, key)) {
      return Escape(entry->name);
    }
    return Escape(key);
  }

  std::string Country(const std::string& code) const {
    if (const Phrase* phrase = CountryPhrase(code)) return T(*phrase);
    return Escape(code);
  }

  std::string RegimeArea(const std::string& id) const {
    if (const Phrase* phrase = RegimePhrase(id)) return T(*phrase);
    if (const Regime* regime = jurisdictions_.FindRegime(id)) return Escape(regime->name);
    return Escape(id);
  }

  std::string JoinAnd(const std::vector<std::string>& items) const {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += i + 1 == items.size() ? T(kListAnd) : ", ";
      out += items[i];
    }
    return out;
  }

  static std::string Join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += separator;
      out += items[i];
    }
    return out;
  }

  // "2 years" (digits) or "two years" (spelled, for numbers up to twelve).
  std::string FormatDuration(const Duration& d, bool spelled) const {
    std::vector<std::string> parts;
    auto add = [&](int n, const Phrase& one, const Phrase& many) {
      if (n <= 0) return;
      std::string number = spelled && n <= 12 ? T(kNumbers[n - 1]) : std::to_string(n);
      parts.push_back(number + " " + T(n == 1 ? one : many));
    };
    add(d.years, kYear, kYears);
    add(d.months, kMonth, kMonths);
    add(d.days, kDay, kDays);
    return JoinAnd(parts);
  }

  std::string FormatEffectiveDate() const {
    std::string iso = FormatDate(policy_.effective_date);  // "2024-08-01"
    int year = std::atoi(iso.substr(0, 4).c_str());
    int month = std::atoi(iso.substr(5, 2).c_str());
    int day = std::atoi(iso.substr(8, 2).c_str());
    std::string month_name = T(MonthPhrase(month));
    switch (lang_) {
      case Lang::kEn:
        return std::to_string(day) + " " + month_name + " " + std::to_string(year);
      case Lang::kDe:
        return std::to_string(day) + ". " + month_name + " " + std::to_string(year);
      case Lang::kFr:
        return (day == 1 ? std::string("1er") : std::to_string(day)) + " " + month_name + " " +
               std::to_string(year);
    }
    return iso;
  }

  // "Legal basis: your consent (EEA, United Kingdom); elsewhere, our legitimate interests."
  std::string LegalBasisLine(const Purpose& purpose) const {
    std::optional<LegalBasis> fallback;
    if (auto it = purpose.legal_basis.find("default"); it != purpose.legal_basis.end()) {
      fallback = it->second;
    }
    std::vector<LegalBasis> order;
    std::map<LegalBasis, std::vector<std::string>> areas;
    for (const auto& [regime, basis] : purpose.legal_basis) {
      if (regime == "default" || (fallback && basis == *fallback)) continue;
      if (!areas.count(basis)) order.push_back(basis);
      std::string area = RegimeArea(regime);
      auto& list = areas[basis];
      if (std::find(list.begin(), list.end(), area) == list.end()) list.push_back(area);
    }
    std::vector<std::string> parts;
    for (LegalBasis basis : order) {
      parts.push_back(std::string(T(LegalBasisPhrase(basis))) + " (" + Join(areas[basis], ", ") +
                      ")");
    }
    if (fallback) {
      std::string words = T(LegalBasisPhrase(*fallback));
      parts.push_back(parts.empty() ? words : Fill(T(kBasisElsewhere), {words}));
    }
    return Fill(T(kBasisLine), {Join(parts, T(kSemicolon))});
  }

  // ---- output ----

  void Heading(const Section& section) { out_ += "## " + std::string(T(section.heading)) + "\n\n"; }
  void Subheading(const Phrase& phrase) { out_ += "### " + std::string(T(phrase)) + "\n\n"; }
  void Subheading(const std::string& escaped) { out_ += "### " + escaped + "\n\n"; }
  void Paragraph(const std::string& markdown) {
    if (markdown.empty()) return;
    out_ += markdown + "\n\n";
  }
  void List(const std::vector<std::string>& items) {
    if (items.empty()) return;
    for (const auto& item : items) out_ += "- " + item + "\n";
    out_ += "\n";
  }
  std::string PolicyText(const std::string& id) const {
    auto it = policy_.texts.find(id);
    return it == policy_.texts.end() ? std::string() : Text(it->second);
  }

  void WriteTextSection(const Section& section, const std::string& text_id) {
    Heading(section);
    Paragraph(PolicyText(text_id));
  }

  void WriteIntroduction() {
    out_ += "# " + Text(policy_.title) + "\n\n";
    Paragraph(Fill(T(kVersionLine), {Escape(policy_.version), FormatEffectiveDate()}));

    std::vector<std::string> topics;
    for (const Section* section : kSections) {
      topics.push_back("[" + std::string(T(section->heading)) + "](#" + section->id + ")");
    }
    Paragraph(T(kTopics));
    List(topics);

    const Entity& controller = policy_.controller;
    std::string office = Escape(controller.address);
    if (!controller.registration.empty()) office += " (" + Escape(controller.registration) + ")";
    Paragraph(Fill(T(kControllerIs), {"**" + Escape(controller.name) + "**", office}));

    std::vector<std::string> regions;
    for (const auto& rep : policy_.representatives) {
      if (std::find(regions.begin(), regions.end(), rep.region) == regions.end()) {
        regions.push_back(rep.region);
      }
    }
    for (const auto& region : regions) {
      const Phrase* where = RegionPhrase(region);
      Paragraph(
          Fill(T(kRepresentatives), {where ? T(*where) : Fill(T(kRegionNamed), {Escape(region)})}));
      std::vector<std::string> items;
      for (const auto& rep : policy_.representatives) {
        if (rep.region != region) continue;
        std::string item =
            "**" + Escape(rep.name) + "**, " + Fill(T(kRegisteredAt), {Escape(rep.address)});
        if (!rep.registration.empty()) item += " (" + Escape(rep.registration) + ")";
        items.push_back(item);
      }
      List(items);
    }

    Paragraph(PolicyText("intro"));
    Paragraph(PolicyText("end_user_data"));
    if (policy_.dpf_certified) {
      Paragraph(Fill(T(kDpf), {Link(T(kDpfList), "https://www.dataprivacyframework.gov/list")}));
    }
    Paragraph(Fill(T(kQuestions),
                   {"[" + std::string(T(kContactDetailsBelow)) + "](#" + kContact.id + ")"}));
  }

  void WriteCollect() {
    Heading(kCollect);
    Subheading(kCollectingHeading);
    Paragraph(T(kCollectIntro));
    List(CategoryNames(policy_.data_categories));

    if (!policy_.prohibited_categories.empty()) {
      Subheading(kSensitiveHeading);
      Paragraph(T(kSensitiveIntro));
      List(CategoryNames(policy_.prohibited_categories));
    }

    Subheading(kChannelsHeading);
    Paragraph(T(kChannelsIntro));
    std::vector<std::string> channels;
    for (Channel channel :
         {Channel::kWebForm, Channel::kEmailResponse, Channel::kForum, Channel::kPhone,
          Channel::kEvent, Channel::kEnrichmentImport, Channel::kReferral, Channel::kCandidate}) {
      std::vector<std::string> names;
      bool public_facing = false;
      for (const CollectionPoint* point : ByDeclaration(policy_.collection_points)) {
        if (point->channel != channel) continue;
        names.push_back(Text(point->name));
        public_facing = public_facing || point->public_facing;
      }
      if (names.empty()) continue;
      std::string item =
          "**" + std::string(T(ChannelPhrase(channel))) + "**" + Colon() + Join(names, ", ");
      if (public_facing) item += " (" + std::string(T(kPublicNote)) + ")";
      channels.push_back(item);
    }
    List(channels);

    Subheading(kUsingHeading);
    Paragraph(T(kUsingIntro));
    std::vector<std::string> purposes;
    for (const Purpose* purpose : ByDeclaration(policy_.purposes)) {
      purposes.push_back("**" + Text(purpose->name) + "**" + Colon() + Text(purpose->description) +
                         " " + LegalBasisLine(*purpose));
    }
    List(purposes);
  }

  std::vector<std::string> CategoryNames(const std::vector<std::string>& keys) const {
    std::vector<std::string> names;
    for (const auto& key : keys) {
      std::string name = Category(key);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    return names;
  }

  void WriteShare() {
    Heading(kShare);
    Paragraph(T(policy_.sells_data ? kSale : kNoSale));
    Paragraph(T(kShareIntro));
    for (RecipientRole role :
         {RecipientRole::kPartner, RecipientRole::kProcessor, RecipientRole::kSubProcessor,
          RecipientRole::kAffiliate, RecipientRole::kAuthority, RecipientRole::kSuccessor}) {
      std::vector<std::string> items;
      for (const Recipient* recipient : ByDeclaration(policy_.recipients)) {
        if (recipient->role != role) continue;
        items.push_back("**" + Text(recipient->name) + "**" + Colon() +
                        Text(recipient->description));
      }
      if (items.empty()) continue;
      Subheading(RecipientRolePhrase(role));
      List(items);
    }
  }

  void WriteTransfers() {
    Heading(kTransfer);
    Paragraph(T(kTransferIntro));
    std::vector<std::string> items;
    for (const Recipient* recipient : ByDeclaration(policy_.recipients)) {
      if (recipient->countries.empty()) continue;
      std::vector<std::string> countries;
      for (const auto& code : recipient->countries) countries.push_back(Country(code));
      std::string item =
          "**" + Text(recipient->name) + "**" + Colon() + Join(countries, ", ") + ".";
      if (!recipient->safeguards.empty()) {
        std::vector<std::string> safeguards;
        for (Safeguard s : recipient->safeguards) safeguards.push_back(T(SafeguardPhrase(s)));
        item += " " + Fill(T(kSafeguardsLine), {Join(safeguards, T(kSemicolon))});
      }
      items.push_back(item);
    }
    List(items);
  }

  void WriteTechnical() {
    Heading(kTechnical);
    std::vector<std::string> technical;
    for (const auto& key : policy_.data_categories) {
      if (IsTechnicalCategory(key)) technical.push_back(key);
    }
    Paragraph(T(kTechnicalIntro));
    List(CategoryNames(technical));
    std::vector<std::string> uses;
    for (const Purpose* purpose : ByDeclaration(policy_.purposes)) {
      bool uses_technical =
          std::any_of(purpose->categories.begin(), purpose->categories.end(),
                      [](const std::string& k) { return IsTechnicalCategory(k); });
      if (!uses_technical) continue;
      uses.push_back("**" + Text(purpose->name) + "**" + Colon() + LegalBasisLine(*purpose));
    }
    if (!uses.empty()) {
      Paragraph(T(kTechnicalUse));
      List(uses);
    }
  }

  void WriteCookies() {
    Heading(kCookies);
    Paragraph(T(kCookiesIntro));
    std::vector<const CookieCategory*> categories;
    for (const auto& [_, category] : policy_.cookie_categories) categories.push_back(&category);
    std::stable_sort(categories.begin(), categories.end(),
                     [](const CookieCategory* a, const CookieCategory* b) {
                       return a->strictly_necessary && !b->strictly_necessary;
                     });
    for (const CookieCategory* category : categories) {
      Subheading(Text(category->name));
      std::string text = Text(category->description);
      if (category->strictly_necessary) text += " " + std::string(T(kStrictlyNecessary));
      Paragraph(text);
      std::vector<std::string> vendors;
      for (const auto& [_, vendor] : policy_.cookie_vendors) {
        if (vendor.category != category->id) continue;
        std::string item = "**" + Escape(vendor.name) + "**";
        if (!vendor.country.empty()) item += " (" + Country(vendor.country) + ")";
        std::vector<std::string> links;
        if (!vendor.privacy_url.empty())
          links.push_back(Link(T(kPrivacyPolicy), vendor.privacy_url));
        if (!vendor.opt_out_url.empty()) links.push_back(Link(T(kOptOut), vendor.opt_out_url));
        if (!links.empty()) item += Colon() + Join(links, ", ");
        vendors.push_back(item);
      }
      List(vendors);
    }
    Paragraph(T(kCookiesReject));
  }

  void WriteRetention() {
    Heading(kRetention);
    Paragraph(T(kRetentionIntro));
    std::vector<std::string> items;
    for (const Purpose* purpose : ByDeclaration(policy_.purposes)) {
      const RetentionRule& rule = purpose->retention;
      std::string period = rule.keep.empty() ? std::string(T(kRetentionUnset))
                                             : FormatDuration(rule.keep, /*spelled=*/false) + " " +
                                                   T(RetentionStartPhrase(rule.from));
      std::string item = "**" + Text(purpose->name) + "**" + Colon() + period + ".";
      std::string reason = Text(rule.reason);
      if (!reason.empty()) item += " " + reason;
      items.push_back(item);
    }
    List(items);
    Paragraph(Fill(T(kRetentionDelete),
                   {"[" + std::string(T(kRights.heading)) + "](#" + kRights.id + ")"}));
  }

  void WriteRights() {
    Heading(kRights);
    const RightsPolicy& rights = policy_.rights;
    Paragraph(T(kRightsIntro));
    std::vector<std::string> items;
    for (Right right : rights.rights) items.push_back(T(RightPhrase(right)));
    List(items);

    std::vector<std::string> intake;
    for (const auto& channel : rights.intake) {
      if (channel == "portal" && !policy_.dpo.portal_url.empty()) {
        intake.push_back(Fill(T(kIntakePortal), {Link(T(kPortal), policy_.dpo.portal_url)}));
      } else if (channel == "email" && !policy_.dpo.email.empty()) {
        intake.push_back(Fill(T(kIntakeEmail), {EmailLink()}));
      } else if (channel == "post" && !policy_.dpo.postal_address.empty()) {
        intake.push_back(Fill(T(kIntakePost), {Escape(policy_.dpo.postal_address)}));
      }
    }
    if (!intake.empty()) {
      Paragraph(T(kExerciseIntro));
      List(intake);
    }
    if (rights.identity_verification) Paragraph(T(kVerify));

    if (auto it = rights.deadlines.find("default"); it != rights.deadlines.end()) {
      std::string text = Fill(T(kDeadline), {FormatDuration(it->second.deadline, true)});
      if (!it->second.extension.empty()) {
        text += " " + Fill(T(kExtension), {FormatDuration(it->second.extension, true)});
      }
      Paragraph(text);
    }
    std::vector<std::string> others;
    for (const auto& [regime, deadline] : rights.deadlines) {
      if (regime == "default" || deadline.deadline.empty()) continue;
      std::string area = RegimeArea(regime);
      std::string period = FormatDuration(deadline.deadline, true);
      others.push_back(deadline.extension.empty()
                           ? Fill(T(kRegimeDeadline), {area, period})
                           : Fill(T(kRegimeDeadlineExtended),
                                  {area, period, FormatDuration(deadline.extension, true)}));
    }
    if (!others.empty()) {
      Paragraph(T(kOtherDeadlines));
      List(others);
    }

    std::vector<std::string> routes;
    for (const auto& route : policy_.complaint_routes) {
      std::string item = Link(Text(route.name), route.url);
      std::vector<std::string> notes;
      if (!route.regimes.empty()) {
        std::vector<std::string> areas;
        for (const auto& regime : route.regimes) areas.push_back(RegimeArea(regime));
        notes.push_back(Fill(T(kForRegions), {Join(areas, ", ")}));
      }
      if (route.dpf_dispute_resolution) notes.push_back(T(kDpfDispute));
      if (!notes.empty()) item += " (" + Join(notes, T(kSemicolon)) + ")";
      routes.push_back(item);
    }
    if (!routes.empty()) {
      Paragraph(T(kComplaintsIntro));
      List(routes);
    }
  }

  std::string EmailLink() const {
    return Link(Escape(policy_.dpo.email), "mailto:" + policy_.dpo.email);
  }

  void WriteChanges() {
    Heading(kChanges);
    if (notice_ != nullptr && !notice_->material_changes.empty()) {
      Paragraph(Fill(T(kNoticeHeading), {Escape(notice_->previous_version)}));
      std::vector<std::string> items;
      for (const auto& change : notice_->material_changes) {
        std::string detail =
            change.kind == PolicyChange::Kind::kRemoved ? change.before : change.after;
        std::string item = T(MaterialChangePhrase(change.why));
        if (!detail.empty()) item += " (" + Escape(detail) + ")";
        if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
      }
      List(items);
    }
    Paragraph(PolicyText("changes"));
    Paragraph(Fill(T(kVersionNotice), {Escape(policy_.version), FormatEffectiveDate()}));
    for (const auto& [_, topic] : policy_.topics) {
      if (topic.kind != TopicKind::kService) continue;
      Paragraph(Fill(T(kSubscribe), {Text(topic.name), Text(topic.description)}));
    }
  }

  void WriteContact() {
    Heading(kContact);
    Paragraph(T(kContactIntro));
    const Contact& dpo = policy_.dpo;
    std::vector<std::string> items;
    if (!dpo.email.empty()) items.push_back(Fill(T(kEmailLabel), {EmailLink()}));
    if (!dpo.postal_address.empty()) {
      items.push_back(Fill(T(kPostLabel), {Escape(dpo.postal_address)}));
    }
    if (!dpo.phone.empty()) items.push_back(Fill(T(kPhoneLabel), {Escape(dpo.phone)}));
    if (!dpo.portal_url.empty()) {
      items.push_back(Fill(T(kPortalLabel), {Link(T(kPortal), dpo.portal_url)}));
    }
    List(items);
  }

  const Policy& policy_;
  Lang lang_;
  const Taxonomy& taxonomy_;
  const Jurisdictions& jurisdictions_;
  const ChangeNotice* notice_;
  std::string out_;
};

Result<Lang> CheckLanguage(const Policy& policy, const std::string& lang) {
  std::optional<Lang> parsed = ParseLang(lang);
  bool in_policy =
      std::find(policy.languages.begin(), policy.languages.end(), lang) != policy.languages.end();
  if (!parsed || !in_policy) {
    std::string available;
    for (const auto& l : policy.languages) available += (available.empty() ? "" : ", ") + l;
    return Error(ErrorKind::kInvalidArgument, "unsupported_language",
                 "the statement is not available in '" + lang.substr(0, 16) +
                     "'; choose one of the policy's languages: " + available);
  }
  return *parsed;
}

constexpr char kStylesheet[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;line-height:1.55;"
    "color:#1b1b1b;background:#fff;max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
    "h1{font-size:2rem;line-height:1.2}"
    "h2{font-size:1.35rem;margin-top:2.2rem;padding-top:1rem;border-top:1px solid #d0d0d0}"
    "h3{font-size:1.1rem;margin-top:1.5rem}"
    "a{color:#0b5cad}a:focus{outline:2px solid #0b5cad;outline-offset:2px}"
    "li{margin:.3rem 0}"
    "@media print{body{max-width:none;padding:0;font-size:11pt;color:#000}"
    "a{color:#000}a[href^=\"http\"]::after,a[href^=\"mailto\"]::after{content:\" <\" attr(href) "
    "\">\";font-size:.85em;word-break:break-all}"
    "h2,h3{break-after:avoid}li{break-inside:avoid}}";

}  // namespace

Result<std::string> RenderStatementMarkdown(const Policy& policy, const std::string& lang,
                                            const Taxonomy& taxonomy,
                                            const Jurisdictions& jurisdictions,
                                            const ChangeNotice* notice) {
  PD_ASSIGN_OR_RETURN(Lang parsed, CheckLanguage(policy, lang));
  return StatementWriter(policy, parsed, taxonomy, jurisdictions, notice).Write();
}

Result<std::string> RenderStatementHtml(const Policy& policy, const std::string& lang,
                                        const Taxonomy& taxonomy,
                                        const Jurisdictions& jurisdictions,
                                        const ChangeNotice* notice) {
  PD_ASSIGN_OR_RETURN(std::string markdown,
                      RenderStatementMarkdown(policy, lang, taxonomy, jurisdictions, notice));
  // Safe mode (no CMARK_OPT_UNSAFE): raw HTML and javascript: links never pass, a second line of
  // defence behind the escaping.
  std::unique_ptr<char, decltype(&std::free)> converted(
      cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT), &std::free);
  if (!converted) {
    return Error(ErrorKind::kInternal, "render_failed", "the Markdown converter ran out of memory");
  }
  std::string body(converted.get());

  // Give each section heading its anchor, in section order, for the table of contents.
  std::string anchored;
  anchored.reserve(body.size() + 256);
  size_t from = 0;
  size_t next_section = 0;
  while (true) {
    size_t at = body.find("<h2>", from);
    if (at == std::string::npos) break;
    anchored.append(body, from, at - from);
    if (next_section < std::size(kSections)) {
      anchored += "<h2 id=\"" + std::string(kSections[next_section++]->id) + "\">";
    } else {
      anchored += "<h2>";
    }
    from = at + 4;
  }
  anchored.append(body, from, std::string::npos);

  auto it = policy.title.find(lang);
  std::string title = it != policy.title.end() ? it->second : std::string();
  if (!policy.controller.name.empty()) {
    title += (title.empty() ? "" : " \xE2\x80\x93 ") + policy.controller.name;
  }

  std::string html;
  html.reserve(anchored.size() + 2048);
  html += "<!DOCTYPE html>\n<html lang=\"" + EscapeMarkup(lang) + "\">\n<head>\n";
  html += "<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + EscapeMarkup(title) + "</title>\n";
  html += "<style>" + std::string(kStylesheet) + "</style>\n";
  html += "</head>\n<body>\n<main>\n" + anchored + "</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace privacyd
