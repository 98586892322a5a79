#include "statement/statement_vocabulary.h"

#include <array>
#include <utility>

namespace privacyd {
namespace {

struct KeyedPhrase {
  const char* key;
  Phrase phrase;
};

template <size_t N>
const Phrase* FindKeyed(const std::array<KeyedPhrase, N>& table, std::string_view key) {
  for (const auto& entry : table) {
    if (key == entry.key) return &entry.phrase;
  }
  return nullptr;
}

// Data categories of the example policy, the sensitive ones it prohibits included.
constexpr std::array<KeyedPhrase, 31> kCategories{{
    {"user.name", {"Your name", "Ihr Name", "Votre nom"}},
    {"user.contact.email", {"Email address", "E-Mail-Adresse", "Adresse e-mail"}},
    {"user.contact.address", {"Postal address", "Postanschrift", "Adresse postale"}},
    {"user.contact.address.country", {"Country", "Land", "Pays"}},
    {"user.contact.phone_number", {"Telephone number", "Telefonnummer", "Numéro de téléphone"}},
    {"user.job_title", {"Job title", "Berufsbezeichnung", "Fonction"}},
    {"user.contact.organization", {"Company name", "Name des Unternehmens", "Nom de l'entreprise"}},
    {"user.workplace",
     {"Company address", "Anschrift des Unternehmens", "Adresse de l'entreprise"}},
    {"user.content.private",
     {"What you write to us in a form, message or survey",
      "Was Sie uns in einem Formular, einer Nachricht oder einer Umfrage schreiben",
      "Ce que vous nous écrivez dans un formulaire, un message ou une enquête"}},
    {"user.content.public",
     {"What you post in forums and communities", "Ihre Beiträge in Foren und Communities",
      "Vos publications dans les forums et communautés"}},
    {"user.behavior.browsing_history",
     {"Pages and resources you view on the Site, links you click and the site you came from",
      "Aufgerufene Seiten und Inhalte der Website, angeklickte Links und die Website, von der Sie "
      "kamen",
      "Pages et ressources consultées sur le Site, liens cliqués et site d'où vous venez"}},
    {"user.device.telemetry",
     {"Browser type and language", "Browsertyp und Browsersprache",
      "Type et langue du navigateur"}},
    {"user.device.ip_address",
     {"Public IP address", "Öffentliche IP-Adresse", "Adresse IP publique"}},
    {"user.device.cookie_id",
     {"Cookie identifiers and similar technologies", "Cookie-Kennungen und ähnliche Technologien",
      "Identifiants de cookies et technologies similaires"}},
    {"user.privacy_preferences",
     {"Subscription and cookie preferences", "Abonnement- und Cookie-Einstellungen",
      "Préférences d'abonnement et de cookies"}},
    {"user.professional_information",
     {"Employment-related data of job candidates", "Bewerbungsbezogene Daten von Bewerbern",
      "Données professionnelles des candidats"}},
    {"user.government_id",
     {"Government-issued ID numbers (for example social security, national identification or "
      "driver's licence numbers)",
      "Amtliche Identifikationsnummern (zum Beispiel Sozialversicherungs-, Personalausweis- oder "
      "Führerscheinnummern)",
      "Numéros d'identification officiels (par exemple numéro de sécurité sociale, d'identité "
      "nationale ou de permis de conduire)"}},
    {"user.demographic.race_ethnicity",
     {"Racial or ethnic origin", "Rassische oder ethnische Herkunft",
      "Origine raciale ou ethnique"}},
    {"user.demographic.political_opinion",
     {"Political opinions", "Politische Meinungen", "Opinions politiques"}},
    {"user.demographic.religious_belief",
     {"Religious beliefs", "Religiöse Überzeugungen", "Convictions religieuses"}},
    {"user.demographic.philosophical_belief",
     {"Philosophical beliefs", "Weltanschauliche Überzeugungen", "Convictions philosophiques"}},
    {"user.demographic.union_membership",
     {"Trade union membership", "Gewerkschaftszugehörigkeit", "Appartenance syndicale"}},
    {"user.demographic.sexual_orientation",
     {"Sexual orientation", "Sexuelle Orientierung", "Orientation sexuelle"}},
    {"user.health_and_medical",
     {"Health and medical information", "Gesundheits- und medizinische Daten",
      "Données de santé et médicales"}},
    {"user.health", {"Health information", "Gesundheitsdaten", "Données de santé"}},
    {"user.biometric", {"Biometric data", "Biometrische Daten", "Données biométriques"}},
    {"user.biometrics", {"Biometric data", "Biometrische Daten", "Données biométriques"}},
    {"user.criminal_history",
     {"Criminal records", "Strafrechtliche Daten", "Antécédents judiciaires"}},
    {"user.financial.credit_card",
     {"Payment card numbers", "Kreditkartennummern", "Numéros de carte bancaire"}},
    {"user.financial.bank_account",
     {"Bank account numbers", "Bankkontonummern", "Numéros de compte bancaire"}},
    {"user.children",
     {"Information about children", "Daten über Kinder", "Données relatives aux enfants"}},
}};

constexpr std::array<KeyedPhrase, 19> kCountries{{
    {"AE", {"United Arab Emirates", "Vereinigte Arabische Emirate", "Émirats arabes unis"}},
    {"AU", {"Australia", "Australien", "Australie"}},
    {"BR", {"Brazil", "Brasilien", "Brésil"}},
    {"CA", {"Canada", "Kanada", "Canada"}},
    {"CH", {"Switzerland", "Schweiz", "Suisse"}},
    {"DE", {"Germany", "Deutschland", "Allemagne"}},
    {"ES", {"Spain", "Spanien", "Espagne"}},
    {"FR", {"France", "Frankreich", "France"}},
    {"GB", {"United Kingdom", "Vereinigtes Königreich", "Royaume-Uni"}},
    {"IE", {"Ireland", "Irland", "Irlande"}},
    {"IL", {"Israel", "Israel", "Israël"}},
    {"IN", {"India", "Indien", "Inde"}},
    {"IT", {"Italy", "Italien", "Italie"}},
    {"JE", {"Jersey", "Jersey", "Jersey"}},
    {"JP", {"Japan", "Japan", "Japon"}},
    {"NL", {"Netherlands", "Niederlande", "Pays-Bas"}},
    {"SG", {"Singapore", "Singapur", "Singapour"}},
    {"US", {"United States", "Vereinigte Staaten", "États-Unis"}},
    {"ZA", {"South Africa", "Südafrika", "Afrique du Sud"}},
}};

// Every regime of data/jurisdictions/regimes.yml, named by where it applies.
constexpr std::array<KeyedPhrase, 13> kRegimes{{
    {"gdpr", {"EEA", "EWR", "EEE"}},
    {"uk_gdpr", {"United Kingdom", "Vereinigtes Königreich", "Royaume-Uni"}},
    {"swiss_fadp", {"Switzerland", "Schweiz", "Suisse"}},
    {"ccpa", {"California", "Kalifornien", "Californie"}},
    {"vcdpa", {"Virginia", "Virginia", "Virginie"}},
    {"cpa_colorado", {"Colorado", "Colorado", "Colorado"}},
    {"ctdpa", {"Connecticut", "Connecticut", "Connecticut"}},
    {"ucpa", {"Utah", "Utah", "Utah"}},
    {"tdpsa", {"Texas", "Texas", "Texas"}},
    {"ocpa", {"Oregon", "Oregon", "Oregon"}},
    {"lgpd", {"Brazil", "Brasilien", "Brésil"}},
    {"pipeda", {"Canada", "Kanada", "Canada"}},
    {"other", {"elsewhere", "anderswo", "ailleurs"}},
}};

constexpr std::array<KeyedPhrase, 4> kRegions{{
    {"EEA",
     {"in the European Economic Area (EEA)", "im Europäischen Wirtschaftsraum (EWR)",
      "dans l'Espace économique européen (EEE)"}},
    {"EU", {"in the European Union", "in der Europäischen Union", "dans l'Union européenne"}},
    {"UK", {"in the United Kingdom", "im Vereinigten Königreich", "au Royaume-Uni"}},
    {"CH", {"in Switzerland", "in der Schweiz", "en Suisse"}},
}};

constexpr std::array<Phrase, 12> kMonths{{
    {"January", "Januar", "janvier"},
    {"February", "Februar", "février"},
    {"March", "März", "mars"},
    {"April", "April", "avril"},
    {"May", "Mai", "mai"},
    {"June", "Juni", "juin"},
    {"July", "Juli", "juillet"},
    {"August", "August", "août"},
    {"September", "September", "septembre"},
    {"October", "Oktober", "octobre"},
    {"November", "November", "novembre"},
    {"December", "Dezember", "décembre"},
}};

}  // namespace

std::optional<Lang> ParseLang(std::string_view code) {
  if (code == "en") return Lang::kEn;
  if (code == "de") return Lang::kDe;
  if (code == "fr") return Lang::kFr;
  return std::nullopt;
}

const char* LangCode(Lang lang) {
  switch (lang) {
    case Lang::kDe:
      return "de";
    case Lang::kFr:
      return "fr";
    case Lang::kEn:
      break;
  }
  return "en";
}

const std::vector<std::string>& SupportedStatementLanguages() {
  static const std::vector<std::string> kLanguages = {"en", "de", "fr"};
  return kLanguages;
}

const Phrase& RightPhrase(Right right) {
  static constexpr Phrase kAccess{
      "Access: to receive a copy of the Personal Data we hold about you",
      "Auskunft: eine Kopie der personenbezogenen Daten zu erhalten, die wir über Sie speichern",
      "Accès : recevoir une copie des données personnelles que nous détenons à votre sujet"};
  static constexpr Phrase kRectification{
      "Rectification: to have inaccurate Personal Data corrected",
      "Berichtigung: unrichtige personenbezogene Daten korrigieren zu lassen",
      "Rectification : faire corriger des données personnelles inexactes"};
  static constexpr Phrase kErasure{"Erasure: to have your Personal Data deleted",
                                   "Löschung: Ihre personenbezogenen Daten löschen zu lassen",
                                   "Effacement : faire supprimer vos données personnelles"};
  static constexpr Phrase kPortability{
      "Portability: to receive the Personal Data you provided in a commonly used machine-readable "
      "format, or have it sent to a third party",
      "Datenübertragbarkeit: die von Ihnen bereitgestellten Daten in einem gängigen, "
      "maschinenlesbaren Format zu erhalten oder an einen Dritten übermitteln zu lassen",
      "Portabilité : recevoir les données que vous nous avez fournies dans un format couramment "
      "utilisé et lisible par machine, ou les faire transmettre à un tiers"};
  static constexpr Phrase kRestriction{
      "Restriction: to have the processing of your Personal Data restricted",
      "Einschränkung: die Verarbeitung Ihrer personenbezogenen Daten einschränken zu lassen",
      "Limitation : faire limiter le traitement de vos données personnelles"};
  static constexpr Phrase kObjection{
      "Objection: to object to processing, including for direct marketing",
      "Widerspruch: der Verarbeitung zu widersprechen, auch zu Zwecken der Direktwerbung",
      "Opposition : vous opposer au traitement, y compris à des fins de prospection"};
  static constexpr Phrase kWithdraw{
      "Withdrawal of consent: where we rely on your consent, to withdraw it at any time",
      "Widerruf der Einwilligung: eine erteilte Einwilligung jederzeit zu widerrufen",
      "Retrait du consentement : lorsque nous nous fondons sur votre consentement, le retirer à "
      "tout moment"};
  static constexpr Phrase kComplaint{
      "Complaint: to lodge a complaint with a supervisory authority",
      "Beschwerde: sich bei einer Aufsichtsbehörde zu beschweren",
      "Réclamation : introduire une réclamation auprès d'une autorité de contrôle"};
  switch (right) {
    case Right::kAccess:
      return kAccess;
    case Right::kRectification:
      return kRectification;
    case Right::kErasure:
      return kErasure;
    case Right::kPortability:
      return kPortability;
    case Right::kRestriction:
      return kRestriction;
    case Right::kObjection:
      return kObjection;
    case Right::kWithdrawConsent:
      return kWithdraw;
    case Right::kComplaint:
      return kComplaint;
  }
  return kAccess;
}

const Phrase& RecipientRolePhrase(RecipientRole role) {
  static constexpr Phrase kProcessor{"Service providers", "Dienstleister",
                                     "Prestataires de services"};
  static constexpr Phrase kSubProcessor{"Sub-processors", "Unterauftragsverarbeiter",
                                        "Sous-traitants ultérieurs"};
  static constexpr Phrase kPartner{"Partners", "Partner", "Partenaires"};
  static constexpr Phrase kAffiliate{"Affiliates", "Verbundene Unternehmen", "Sociétés affiliées"};
  static constexpr Phrase kAuthority{"Authorities", "Behörden", "Autorités"};
  static constexpr Phrase kSuccessor{"Successors", "Rechtsnachfolger", "Successeurs"};
  switch (role) {
    case RecipientRole::kProcessor:
      return kProcessor;
    case RecipientRole::kSubProcessor:
      return kSubProcessor;
    case RecipientRole::kPartner:
      return kPartner;
    case RecipientRole::kAffiliate:
      return kAffiliate;
    case RecipientRole::kAuthority:
      return kAuthority;
    case RecipientRole::kSuccessor:
      return kSuccessor;
  }
  return kProcessor;
}

const Phrase& SafeguardPhrase(Safeguard safeguard) {
  static constexpr Phrase kAdequacy{
      "the destination country has been deemed to provide an adequate level of protection "
      "(adequacy decision)",
      "dem Zielland wurde ein angemessenes Schutzniveau bescheinigt (Angemessenheitsbeschluss)",
      "le pays de destination a été reconnu comme offrant un niveau de protection adéquat "
      "(décision d'adéquation)"};
  static constexpr Phrase kScc{
      "standard contractual clauses approved for transfers to third countries",
      "für Übermittlungen in Drittländer genehmigte Standardvertragsklauseln",
      "clauses contractuelles types approuvées pour les transferts vers des pays tiers"};
  static constexpr Phrase kDpf{
      "certification of the recipient under the Data Privacy Framework",
      "Zertifizierung des Empfängers nach dem Datenschutzrahmen (Data Privacy Framework)",
      "certification du destinataire au titre du cadre de protection des données (Data Privacy "
      "Framework)"};
  static constexpr Phrase kBcr{"binding corporate rules",
                               "verbindliche interne Datenschutzvorschriften",
                               "règles d'entreprise contraignantes"};
  static constexpr Phrase kIntercompany{
      "an intercompany agreement that incorporates the standard contractual clauses",
      "eine konzerninterne Vereinbarung, die die Standardvertragsklauseln enthält",
      "un accord intragroupe qui intègre les clauses contractuelles types"};
  switch (safeguard) {
    case Safeguard::kAdequacy:
      return kAdequacy;
    case Safeguard::kScc:
      return kScc;
    case Safeguard::kDpf:
      return kDpf;
    case Safeguard::kBcr:
      return kBcr;
    case Safeguard::kIntercompanyAgreement:
      return kIntercompany;
  }
  return kAdequacy;
}

const Phrase& ChannelPhrase(Channel channel) {
  static constexpr Phrase kWebForm{"Through web pages on the Site, such as forms",
                                   "Über Seiten der Website, etwa Formulare",
                                   "Via les pages du Site, comme les formulaires"};
  static constexpr Phrase kEmailResponse{
      "Through responses to an email, promotion or survey",
      "Über Antworten auf E-Mails, Aktionen oder Umfragen",
      "Via les réponses à un e-mail, une promotion ou une enquête"};
  static constexpr Phrase kForum{"Through online forums and social networks",
                                 "Über Online-Foren und soziale Netzwerke",
                                 "Via les forums en ligne et les réseaux sociaux"};
  static constexpr Phrase kPhone{"Over the telephone", "Telefonisch", "Par téléphone"};
  static constexpr Phrase kEvent{"At trade shows and events", "Auf Messen und Veranstaltungen",
                                 "Lors de salons et d'événements"};
  static constexpr Phrase kEnrichment{
      "From third parties offering business-contact-data enrichment services",
      "Von Dritten, die Geschäftskontaktdaten anreichern",
      "Auprès de tiers proposant des services d'enrichissement de données de contacts "
      "professionnels"};
  static constexpr Phrase kReferral{"When someone refers the Site to you",
                                    "Wenn jemand Sie auf die Website hinweist",
                                    "Lorsque quelqu'un vous recommande le Site"};
  static constexpr Phrase kCandidate{"When you apply for a job with us",
                                     "Wenn Sie sich bei uns bewerben",
                                     "Lorsque vous postulez chez nous"};
  switch (channel) {
    case Channel::kWebForm:
      return kWebForm;
    case Channel::kEmailResponse:
      return kEmailResponse;
    case Channel::kForum:
      return kForum;
    case Channel::kPhone:
      return kPhone;
    case Channel::kEvent:
      return kEvent;
    case Channel::kEnrichmentImport:
      return kEnrichment;
    case Channel::kReferral:
      return kReferral;
    case Channel::kCandidate:
      return kCandidate;
  }
  return kWebForm;
}

const Phrase& LegalBasisPhrase(LegalBasis basis) {
  static constexpr Phrase kConsent{"your consent", "Ihre Einwilligung", "votre consentement"};
  static constexpr Phrase kContract{
      "the performance of a contract with you, or steps you asked for before one",
      "die Erfüllung eines Vertrags mit Ihnen oder vorvertragliche Maßnahmen auf Ihre Anfrage",
      "l'exécution d'un contrat avec vous ou de mesures précontractuelles à votre demande"};
  static constexpr Phrase kLegalObligation{"compliance with a legal obligation",
                                           "die Erfüllung einer rechtlichen Verpflichtung",
                                           "le respect d'une obligation légale"};
  static constexpr Phrase kVital{"the protection of someone's vital interests",
                                 "der Schutz lebenswichtiger Interessen",
                                 "la sauvegarde des intérêts vitaux d'une personne"};
  static constexpr Phrase kPublicTask{"a task carried out in the public interest",
                                      "die Wahrnehmung einer Aufgabe im öffentlichen Interesse",
                                      "l'exécution d'une mission d'intérêt public"};
  static constexpr Phrase kLegitimate{"our legitimate interests", "unsere berechtigten Interessen",
                                      "nos intérêts légitimes"};
  static constexpr Phrase kNotice{"notice given to you at collection",
                                  "die Information, die Sie bei der Erhebung erhalten",
                                  "l'information qui vous est donnée lors de la collecte"};
  switch (basis) {
    case LegalBasis::kConsent:
      return kConsent;
    case LegalBasis::kContract:
      return kContract;
    case LegalBasis::kLegalObligation:
      return kLegalObligation;
    case LegalBasis::kVitalInterests:
      return kVital;
    case LegalBasis::kPublicTask:
      return kPublicTask;
    case LegalBasis::kLegitimateInterests:
      return kLegitimate;
    case LegalBasis::kNotice:
      return kNotice;
  }
  return kConsent;
}

const Phrase& RetentionStartPhrase(RetentionStart start) {
  static constexpr Phrase kCollection{"after collection", "nach der Erhebung", "après la collecte"};
  static constexpr Phrase kLastInteraction{
      "after our last interaction", "nach unserem letzten Kontakt", "après notre dernier échange"};
  static constexpr Phrase kEnd{"after the end of our relationship",
                               "nach dem Ende unserer Geschäftsbeziehung",
                               "après la fin de notre relation"};
  static constexpr Phrase kFulfilled{"after the purpose has been fulfilled",
                                     "nach Erfüllung des Zwecks",
                                     "après la réalisation de la finalité"};
  switch (start) {
    case RetentionStart::kCollection:
      return kCollection;
    case RetentionStart::kLastInteraction:
      return kLastInteraction;
    case RetentionStart::kEndOfRelationship:
      return kEnd;
    case RetentionStart::kPurposeFulfilled:
      return kFulfilled;
  }
  return kCollection;
}

const Phrase* CategoryPhrase(std::string_view category_key) {
  return FindKeyed(kCategories, category_key);
}

const Phrase* CountryPhrase(std::string_view iso2) { return FindKeyed(kCountries, iso2); }

const Phrase* RegimePhrase(std::string_view regime_id) { return FindKeyed(kRegimes, regime_id); }

const Phrase* RegionPhrase(std::string_view region) { return FindKeyed(kRegions, region); }

const Phrase& MonthPhrase(int month) {
  if (month < 1 || month > 12) month = 1;
  return kMonths[static_cast<size_t>(month - 1)];
}

std::vector<std::string> TranslatedCategoryKeys() {
  std::vector<std::string> keys;
  for (const auto& entry : kCategories) keys.emplace_back(entry.key);
  return keys;
}

namespace {

// DiffPolicies' reasons for a material change, in each language.
struct MaterialReason {
  const char* why;
  Phrase phrase;
};
constexpr MaterialReason kMaterialReasons[] = {
    {"new data category",
     {"we collect a new category of data", "wir erheben eine neue Datenkategorie",
      "nous collectons une nouvelle catégorie de données"}},
    {"new kind of data subject",
     {"we hold data about a new group of people",
      "wir verarbeiten Daten einer neuen Personengruppe",
      "nous traitons les données d'un nouveau groupe de personnes"}},
    {"new purpose",
     {"we use data for a new purpose", "wir nutzen Daten für einen neuen Zweck",
      "nous utilisons des données pour une nouvelle finalité"}},
    {"new use of data",
     {"a purpose now uses data differently", "ein Zweck nutzt Daten nun anders",
      "une finalité utilise désormais les données autrement"}},
    {"new data category for this purpose",
     {"a purpose uses a new category of data", "ein Zweck nutzt eine neue Datenkategorie",
      "une finalité utilise une nouvelle catégorie de données"}},
    {"legal basis moves away from consent",
     {"a use of data no longer relies on your consent",
      "eine Datennutzung beruht nicht mehr auf Ihrer Einwilligung",
      "une utilisation des données ne repose plus sur votre consentement"}},
    {"legal basis no longer consent",
     {"a use of data no longer relies on your consent",
      "eine Datennutzung beruht nicht mehr auf Ihrer Einwilligung",
      "une utilisation des données ne repose plus sur votre consentement"}},
    {"longer retention",
     {"we keep data longer", "wir speichern Daten länger",
      "nous conservons des données plus longtemps"}},
    {"new recipient",
     {"we share data with a new recipient", "wir geben Daten an einen neuen Empfänger weiter",
      "nous partageons des données avec un nouveau destinataire"}},
    {"new destination country",
     {"data goes to a new country", "Daten gehen in ein neues Land",
      "des données sont transférées vers un nouveau pays"}},
    {"recipient receives a new data category",
     {"a recipient receives a new category of data",
      "ein Empfänger erhält eine neue Datenkategorie",
      "un destinataire reçoit une nouvelle catégorie de données"}},
    {"recipient receives data for a new purpose",
     {"a recipient receives data for a new purpose",
      "ein Empfänger erhält Daten für einen neuen Zweck",
      "un destinataire reçoit des données pour une nouvelle finalité"}},
    {"lower minimum age",
     {"we accept data from younger people", "wir nehmen Daten von jüngeren Personen an",
      "nous acceptons les données de personnes plus jeunes"}},
    {"a category is no longer refused",
     {"we no longer refuse a sensitive category of data",
      "wir lehnen eine sensible Datenkategorie nicht mehr ab",
      "nous ne refusons plus une catégorie de données sensibles"}},
    {"starts selling personal data",
     {"we sell personal data", "wir verkaufen personenbezogene Daten",
      "nous vendons des données personnelles"}},
};
constexpr Phrase kOtherMaterialChange{"a material change", "eine wesentliche Änderung",
                                      "une modification importante"};

}  // namespace

const Phrase& MaterialChangePhrase(std::string_view why) {
  for (const auto& reason : kMaterialReasons) {
    if (why == reason.why) return reason.phrase;
  }
  return kOtherMaterialChange;
}

}  // namespace privacyd
