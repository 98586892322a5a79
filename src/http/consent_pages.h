// The few pages privacyd serves itself for links in its mail: unsubscribe (RFC 8058's landing
// page and its result), double opt-in confirmation, the confirmation of a data subject request
// by the link beside its code, and the answer to a link that is not valid.
// Server-rendered, in English, German and French, without scripts, cookies or anything loaded
// from elsewhere (a strict Content-Security-Policy says so to the browser), in the look of the
// Privacy Center (its stylesheet, web/assets/app.css, is the only thing the page loads).
#pragma once

#include <string>
#include <vector>

#include "http/http_types.h"

namespace privacyd {

enum class ConsentPage {
  kInvalidLink,        // 400
  kExpiredLink,        // 410
  kUnsubscribeAsk,     // GET /u/: {topic} (empty: all marketing); a button that POSTs
  kUnsubscribed,       // POST /u/ done: {topic}
  kNeverContactAsk,    // GET /u/ of a referral mail
  kNeverContactDone,   // POST /u/ of a referral mail
  kConfirmAsk,         // GET /c/: {topics}; a button that POSTs
  kConfirmed,          // POST /c/ done: {topics}
  kNothingToConfirm,   // POST /c/ when nothing is pending any more
  kAddressAsk,         // GET /a/: confirm the new address; a button that POSTs
  kAddressChanged,     // POST /a/ done
  kAddressNotPending,  // POST /a/ of a change replaced by a later one (409)
  kAddressTaken,       // POST /a/ when someone else registered the address meanwhile (409)
  // The link of a data subject request's code mail (rights/request_service.h VerifyByLink).
  kRequestConfirmAsk,    // GET /r/: {request}; a button that POSTs
  kRequestConfirmed,     // POST /r/ done: {request}, {due}
  kRequestNotConfirmed,  // POST /r/ of a link used already, replaced or expired (410)
};

struct ConsentPageVars {
  std::string controller;           // the controller's name
  std::string topic;                // localized topic name, "" = all marketing
  std::vector<std::string> topics;  // localized topic names
  std::string preferences_url;      // a signed Preference Center link, or ""
  std::string form_action;          // where the button posts (the page's own path)
  std::string request;              // a data subject request's id
  std::string due;                  // its due date, as the person reads it
};

// One topic on the Preference Center page.
struct PreferencesPageTopic {
  std::string id;
  std::string name;
  std::string description;
  bool subscribed = false;
  bool pending = false;  // awaiting its double opt-in confirmation
};

struct PreferencesPageVars {
  std::string controller;
  std::vector<PreferencesPageTopic> topics;
  bool objected = false;  // to direct marketing
  bool saved = false;     // the page answers a save
  std::string form_action;
};

// Languages the pages exist in; the first is the fallback.
const std::vector<std::string>& ConsentPageLanguages();

// The page in `language` (one of ConsentPageLanguages()), with its status, Content-Language,
// Content-Security-Policy, no-store caching and no-referrer headers.
HttpResponse RenderConsentPage(ConsentPage page, const std::string& language,
                               const ConsentPageVars& vars);

// The minimal Preference Center behind the /p/ links in privacyd's mail: every topic with a
// checkbox, unsubscribe from all marketing, object to direct marketing, one Save button.
HttpResponse RenderPreferencesPage(const std::string& language, const PreferencesPageVars& vars);

}  // namespace privacyd
