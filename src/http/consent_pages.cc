#include "http/consent_pages.h"

#include <map>

#include "core/markup.h"
#include "web/web_assets.h"

namespace privacyd {
namespace {

// One page's texts in one language. In `lead`, {topic}, {topics} and {controller} are replaced
// by the escaped values.
struct Texts {
  const char* title;
  const char* lead;
  const char* button;  // "" = no form
};

struct LanguageTexts {
  std::map<ConsentPage, Texts> pages;
  const char* all_marketing;
  const char* preferences;  // link text
};

const std::map<std::string, LanguageTexts>& AllTexts() {
  static const std::map<std::string, LanguageTexts> kTexts = {
      {"en",
       {{{ConsentPage::kInvalidLink,
          {"This link is not valid",
           "It may be incomplete or no longer in use. Copy the whole link from the email, or "
           "contact {controller}.",
           ""}},
         {ConsentPage::kExpiredLink,
          {"This link has expired", "Ask {controller} for a new one.", ""}},
         {ConsentPage::kUnsubscribeAsk,
          {"Unsubscribe", "Stop receiving {topic} from {controller}?", "Unsubscribe"}},
         {ConsentPage::kUnsubscribed,
          {"You are unsubscribed", "You will no longer receive {topic} from {controller}.", ""}},
         {ConsentPage::kNeverContactAsk,
          {"Never hear from us again", "Should {controller} never write to this address again?",
           "Never contact me"}},
         {ConsentPage::kNeverContactDone,
          {"Done", "{controller} will not write to this address again.", ""}},
         {ConsentPage::kConfirmAsk,
          {"Confirm your subscription", "Receive {topics} from {controller}?", "Confirm"}},
         {ConsentPage::kConfirmed,
          {"Subscription confirmed", "You will receive {topics} from {controller}.", ""}},
         {ConsentPage::kNothingToConfirm,
          {"Nothing to confirm",
           "This subscription was confirmed already, or it was withdrawn since.", ""}},
         {ConsentPage::kAddressAsk,
          {"Confirm your new address",
           "Should {controller} write to this address from now on, instead of the one it has?",
           "Confirm"}},
         {ConsentPage::kAddressChanged,
          {"Address changed", "{controller} will write to this address from now on.", ""}},
         {ConsentPage::kAddressNotPending,
          {"Nothing to confirm",
           "This change was confirmed already or replaced by a later one. Use the link of the "
           "latest confirmation email.",
           ""}},
         {ConsentPage::kAddressTaken,
          {"This address cannot be used",
           "It was registered by someone else meanwhile. Please contact {controller}.", ""}},
         {ConsentPage::kRequestConfirmAsk,
          {"Confirm your request",
           "Confirm your request {request} to {controller}? This does what entering the code "
           "from the email does.",
           "Confirm"}},
         {ConsentPage::kRequestConfirmed,
          {"Request confirmed",
           "Thank you. {controller} answers your request {request} by {due} at the latest and "
           "writes to you by email.",
           ""}},
         {ConsentPage::kRequestNotConfirmed,
          {"This link no longer works",
           "It was used already, a newer code replaced it, or it has expired. Ask for a new code "
           "in the Privacy Center and enter it there.",
           ""}}},
        "marketing emails",
        "Manage your subscriptions"}},
      {"de",
       {{{ConsentPage::kInvalidLink,
          {"Dieser Link ist ungültig",
           "Er ist vielleicht unvollständig oder nicht mehr in Gebrauch. Kopieren Sie den "
           "ganzen Link aus der E-Mail oder wenden Sie sich an {controller}.",
           ""}},
         {ConsentPage::kExpiredLink,
          {"Dieser Link ist abgelaufen", "Bitten Sie {controller} um einen neuen.", ""}},
         {ConsentPage::kUnsubscribeAsk,
          {"Abmelden", "{topic} von {controller} nicht mehr erhalten?", "Abmelden"}},
         {ConsentPage::kUnsubscribed,
          {"Sie sind abgemeldet", "Sie erhalten {topic} von {controller} nicht mehr.", ""}},
         {ConsentPage::kNeverContactAsk,
          {"Nie wieder von uns hören", "Soll {controller} diese Adresse nie wieder anschreiben?",
           "Nie wieder kontaktieren"}},
         {ConsentPage::kNeverContactDone,
          {"Erledigt", "{controller} wird diese Adresse nicht mehr anschreiben.", ""}},
         {ConsentPage::kConfirmAsk,
          {"Abonnement bestätigen", "{topics} von {controller} erhalten?", "Bestätigen"}},
         {ConsentPage::kConfirmed,
          {"Abonnement bestätigt", "Sie erhalten {topics} von {controller}.", ""}},
         {ConsentPage::kNothingToConfirm,
          {"Nichts zu bestätigen",
           "Dieses Abonnement wurde bereits bestätigt oder inzwischen widerrufen.", ""}},
         {ConsentPage::kAddressAsk,
          {"Neue Adresse bestätigen",
           "Soll {controller} ab jetzt an diese Adresse schreiben statt an die bisherige?",
           "Bestätigen"}},
         {ConsentPage::kAddressChanged,
          {"Adresse geändert", "{controller} schreibt ab jetzt an diese Adresse.", ""}},
         {ConsentPage::kAddressNotPending,
          {"Nichts zu bestätigen",
           "Diese Änderung wurde bereits bestätigt oder durch eine spätere ersetzt. Verwenden "
           "Sie den Link aus der neuesten Bestätigungs-E-Mail.",
           ""}},
         {ConsentPage::kAddressTaken,
          {"Diese Adresse kann nicht verwendet werden",
           "Sie wurde inzwischen von jemand anderem registriert. Bitte wenden Sie sich an "
           "{controller}.",
           ""}},
         {ConsentPage::kRequestConfirmAsk,
          {"Anfrage bestätigen",
           "Ihre Anfrage {request} an {controller} bestätigen? Das bewirkt dasselbe wie die "
           "Eingabe des Codes aus der E-Mail.",
           "Bestätigen"}},
         {ConsentPage::kRequestConfirmed,
          {"Anfrage bestätigt",
           "Vielen Dank. {controller} beantwortet Ihre Anfrage {request} spätestens bis {due} "
           "und schreibt Ihnen per E-Mail.",
           ""}},
         {ConsentPage::kRequestNotConfirmed,
          {"Dieser Link funktioniert nicht mehr",
           "Er wurde schon verwendet, ein neuerer Code hat ihn ersetzt, oder er ist abgelaufen. "
           "Fordern Sie im Datenschutz-Center einen neuen Code an und geben Sie ihn dort ein.",
           ""}}},
        "Marketing-E-Mails",
        "Abonnements verwalten"}},
      {"fr",
       {{{ConsentPage::kInvalidLink,
          {"Ce lien n'est pas valide",
           "Il est peut-être incomplet ou n'est plus utilisé. Copiez le lien entier depuis "
           "l'e-mail, ou contactez {controller}.",
           ""}},
         {ConsentPage::kExpiredLink,
          {"Ce lien a expiré", "Demandez-en un nouveau à {controller}.", ""}},
         {ConsentPage::kUnsubscribeAsk,
          {"Se désabonner", "Ne plus recevoir {topic} de {controller} ?", "Me désabonner"}},
         {ConsentPage::kUnsubscribed,
          {"Vous êtes désabonné", "Vous ne recevrez plus {topic} de {controller}.", ""}},
         {ConsentPage::kNeverContactAsk,
          {"Ne plus jamais être contacté",
           "{controller} ne doit-il plus jamais écrire à cette adresse ?", "Ne plus me contacter"}},
         {ConsentPage::kNeverContactDone,
          {"C'est fait", "{controller} n'écrira plus à cette adresse.", ""}},
         {ConsentPage::kConfirmAsk,
          {"Confirmez votre abonnement", "Recevoir {topics} de {controller} ?", "Confirmer"}},
         {ConsentPage::kConfirmed,
          {"Abonnement confirmé", "Vous recevrez {topics} de {controller}.", ""}},
         {ConsentPage::kNothingToConfirm,
          {"Rien à confirmer", "Cet abonnement a déjà été confirmé, ou il a été retiré depuis.",
           ""}},
         {ConsentPage::kAddressAsk,
          {"Confirmez votre nouvelle adresse",
           "{controller} doit-il désormais écrire à cette adresse plutôt qu'à l'ancienne ?",
           "Confirmer"}},
         {ConsentPage::kAddressChanged,
          {"Adresse modifiée", "{controller} écrira désormais à cette adresse.", ""}},
         {ConsentPage::kAddressNotPending,
          {"Rien à confirmer",
           "Cette modification a déjà été confirmée ou remplacée par une plus récente. Utilisez "
           "le lien du dernier e-mail de confirmation.",
           ""}},
         {ConsentPage::kAddressTaken,
          {"Cette adresse ne peut pas être utilisée",
           "Quelqu'un d'autre l'a enregistrée entre-temps. Veuillez contacter {controller}.", ""}},
         {ConsentPage::kRequestConfirmAsk,
          {"Confirmer votre demande",
           "Confirmer votre demande {request} auprès de {controller} ? Cela revient à saisir le "
           "code de l'e-mail.",
           "Confirmer"}},
         {ConsentPage::kRequestConfirmed,
          {"Demande confirmée",
           "Merci. {controller} répond à votre demande {request} au plus tard le {due} et vous "
           "écrit par e-mail.",
           ""}},
         {ConsentPage::kRequestNotConfirmed,
          {"Ce lien ne fonctionne plus",
           "Il a déjà servi, un code plus récent l'a remplacé, ou il a expiré. Demandez un "
           "nouveau code dans le Centre de confidentialité et saisissez-le là.",
           ""}}},
        "les e-mails marketing",
        "Gérer vos abonnements"}},
  };
  return kTexts;
}

int StatusOf(ConsentPage page) {
  switch (page) {
    case ConsentPage::kInvalidLink:
      return 400;
    case ConsentPage::kExpiredLink:
      return 410;
    case ConsentPage::kAddressNotPending:
    case ConsentPage::kAddressTaken:
      return 409;
    case ConsentPage::kRequestNotConfirmed:
      return 410;
    default:
      return 200;
  }
}

std::string Replace(std::string text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos;
       at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

struct PreferencesTexts {
  const char* title;
  const char* lead;  // {controller}
  const char* pending;
  const char* unsubscribe_all;
  const char* object;
  const char* save;
  const char* saved;
  const char* open_center;  // link to the same choices in the Privacy Center
};

const PreferencesTexts& PreferencesTextsIn(const std::string& language) {
  static const std::map<std::string, PreferencesTexts> kTexts = {
      {"en",
       {"Your email preferences", "Choose what {controller} may send you.",
        "awaiting your confirmation (see the email we sent)",
        "Unsubscribe from all marketing emails", "I object to direct marketing", "Save",
        "Your choices are saved.", "Open in the Privacy Center"}},
      {"de",
       {"Ihre E-Mail-Einstellungen", "Wählen Sie, was {controller} Ihnen senden darf.",
        "wartet auf Ihre Bestätigung (siehe die E-Mail, die wir Ihnen gesendet haben)",
        "Von allen Marketing-E-Mails abmelden", "Ich widerspreche der Direktwerbung", "Speichern",
        "Ihre Auswahl ist gespeichert.", "Im Datenschutz-Center öffnen"}},
      {"fr",
       {"Vos préférences e-mail", "Choisissez ce que {controller} peut vous envoyer.",
        "en attente de votre confirmation (voir l'e-mail que nous vous avons envoyé)",
        "Me désabonner de tous les e-mails marketing", "Je m'oppose à la prospection commerciale",
        "Enregistrer", "Vos choix sont enregistrés.", "Ouvrir dans le Centre de confidentialité"}},
  };
  auto found = kTexts.find(language);
  return found == kTexts.end() ? kTexts.at("en") : found->second;
}

// The pages share the Privacy Center's stylesheet (compiled into privacyd, web/assets/app.css),
// so that a link from a mail lands on the same look; they still run no script.
std::string DocumentStart(const std::string& lang, const std::string& title) {
  return "<!doctype html>\n<html lang=\"" + lang +
         "\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"robots\" content=\"noindex\">\n"
         "<meta name=\"color-scheme\" content=\"light dark\">\n<title>" +
         EscapeMarkup(title) + "</title>\n<link rel=\"stylesheet\" href=\"" +
         std::string(WebAssetUrl("app.css")) + "\">\n</head>\n<body>\n<main id=\"main\">\n<h1>" +
         EscapeMarkup(title) + "</h1>\n";
}

constexpr char kDocumentEnd[] = "</main>\n</body>\n</html>\n";

HttpResponse PageResponse(int status, const std::string& lang, std::string html) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(html);
  response.headers.emplace_back("Content-Language", lang);
  response.headers.emplace_back("Vary", "Accept-Language");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'none'; style-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  return response;
}

std::string Checkbox(const std::string& name, const std::string& value, bool checked,
                     const std::string& label, const std::string& note) {
  std::string id = "f-" + name + (value.empty() ? "" : "-" + value);
  return "<label for=\"" + EscapeMarkup(id) + "\"><input type=\"checkbox\" id=\"" +
         EscapeMarkup(id) + "\" name=\"" + EscapeMarkup(name) + "\" value=\"" +
         EscapeMarkup(value.empty() ? "yes" : value) + "\"" + (checked ? " checked" : "") + "> " +
         EscapeMarkup(label) + (note.empty() ? "" : "<small>" + EscapeMarkup(note) + "</small>") +
         "</label>\n";
}

}  // namespace

HttpResponse RenderPreferencesPage(const std::string& language, const PreferencesPageVars& vars) {
  const std::string lang = AllTexts().count(language) ? language : "en";
  const PreferencesTexts& t = PreferencesTextsIn(lang);
  std::string html = DocumentStart(lang, t.title);
  if (vars.saved) html += "<p role=\"status\"><strong>" + EscapeMarkup(t.saved) + "</strong></p>\n";
  html += "<p>" + Replace(EscapeMarkup(t.lead), "{controller}", EscapeMarkup(vars.controller)) +
          "</p>\n<form method=\"post\" action=\"" + EscapeMarkup(vars.form_action) +
          "\">\n<fieldset>\n<legend>" + EscapeMarkup(t.title) + "</legend>\n";
  for (const auto& topic : vars.topics) {
    std::string note = topic.description;
    if (topic.pending) note += (note.empty() ? "" : " — ") + std::string(t.pending);
    html += Checkbox("topic", topic.id, topic.subscribed, topic.name, note);
  }
  html += "</fieldset>\n" + Checkbox("unsubscribe_all", "", false, t.unsubscribe_all, "") +
          Checkbox("object", "", vars.objected, t.object, "") +
          "<input type=\"hidden\" name=\"form\" value=\"preferences\">\n<button type=\"submit\">" +
          EscapeMarkup(t.save) + "</button>\n</form>\n";
  // The same choices in the Privacy Center, opened with this link's token. The token goes in
  // the fragment, which browsers never send to a server; the page's script hands it to
  // POST /privacy/session/preferences and removes it from the address bar.
  if (vars.form_action.rfind("/p/", 0) == 0 && vars.form_action.size() > 3) {
    html += "<p><a href=\"/privacy/" + lang +
            "/preferences#link=" + EscapeMarkup(vars.form_action.substr(3)) + "\">" +
            EscapeMarkup(t.open_center) + "</a></p>\n";
  }
  html += kDocumentEnd;
  return PageResponse(200, lang, std::move(html));
}

const std::vector<std::string>& ConsentPageLanguages() {
  static const std::vector<std::string> kLanguages = {"en", "de", "fr"};
  return kLanguages;
}

HttpResponse RenderConsentPage(ConsentPage page, const std::string& language,
                               const ConsentPageVars& vars) {
  auto found = AllTexts().find(language);
  const std::string lang = found == AllTexts().end() ? "en" : language;
  const LanguageTexts& texts = AllTexts().at(lang);
  const Texts& t = texts.pages.at(page);
  std::string topics;
  for (const auto& name : vars.topics) topics += (topics.empty() ? "" : ", ") + name;
  std::string lead = EscapeMarkup(t.lead);
  lead = Replace(lead, "{controller}", EscapeMarkup(vars.controller));
  lead =
      Replace(lead, "{topic}", EscapeMarkup(vars.topic.empty() ? texts.all_marketing : vars.topic));
  lead = Replace(lead, "{topics}", EscapeMarkup(topics));
  lead = Replace(lead, "{request}", EscapeMarkup(vars.request));
  lead = Replace(lead, "{due}", EscapeMarkup(vars.due));

  std::string html = DocumentStart(lang, t.title) + "<p>" + lead + "</p>\n";
  if (*t.button != '\0') {
    html += "<form method=\"post\" action=\"" + EscapeMarkup(vars.form_action) + "\">\n" +
            (page == ConsentPage::kConfirmAsk || page == ConsentPage::kAddressAsk ||
                     page == ConsentPage::kRequestConfirmAsk
                 ? std::string("<input type=\"hidden\" name=\"confirm\" value=\"yes\">\n")
                 : std::string("<input type=\"hidden\" name=\"List-Unsubscribe\" "
                               "value=\"One-Click\">\n<input type=\"hidden\" name=\"via\" "
                               "value=\"page\">\n")) +
            "<button type=\"submit\">" + EscapeMarkup(t.button) + "</button>\n</form>\n";
  }
  if (!vars.preferences_url.empty()) {
    html += "<p><a href=\"" + EscapeMarkup(vars.preferences_url) + "\">" +
            EscapeMarkup(texts.preferences) + "</a></p>\n";
  }
  html += kDocumentEnd;
  return PageResponse(StatusOf(page), lang, std::move(html));
}

}  // namespace privacyd
