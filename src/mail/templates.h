// The texts of privacyd's mail, in English, German and French. The templates are data
// (data/mail/en.yml, de.yml, fr.yml, compiled into the binary); each kind has a subject and one
// body from which both the plain-text and the HTML part are made, so the two never say
// different things. The template syntax is described at the top of data/mail/en.yml and in
// docs/mail.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace privacyd::mail {

struct RenderedMail {
  std::string subject;  // one line, UTF-8
  std::string text;     // plain text, "\n" line ends
  std::string html;     // a whole HTML document
};

// Renders the template `kind` in `language` ("de", "de-AT" and "DE" all mean German; a language
// without templates falls back to "en") with `vars`, a JSON object whose values are strings,
// numbers or lists of them. Every kind needs controller_name, controller_address and
// privacy_contact (the footer); marketing kinds (IsMarketingMail) also need unsubscribe_url.
// Kinds and their own variables:
//   double_opt_in            topics (list of topic names), confirm_url, expires_hours
//   one_time_code            code, minutes, purpose_text
//   unsubscribe_confirmation topic_name ("" for all marketing), preferences_url
//   referral                 preferences_url (the link to never be written to again)
//   statement_change         version, effective_date, changes (list), statement_url
//   test                     none
// Values are text: in the HTML part they are escaped, and a variable used as a link must be an
// http or https URL.
// Errors (kInvalidArgument): "unknown_mail_template" (kind), "missing_mail_variable" (naming
// it), "invalid_mail_variable" (a value of the wrong type, or a line break in the subject),
// "invalid_mail_url" (a link that is not http(s)). kInternal "mail_template_invalid" when the
// embedded templates are broken (a bug, caught by the unit tests).
Result<RenderedMail> RenderTemplate(std::string_view kind, std::string_view language,
                                    const nlohmann::json& vars);

// Every kind, and every language with templates ("en" first).
const std::vector<std::string>& MailTemplateKinds();
const std::vector<std::string>& MailTemplateLanguages();

// Whether mail of `kind` is marketing (carries the unsubscribe footer, and is the kind of mail
// that gets List-Unsubscribe headers): referral and statement_change.
bool IsMarketingMail(std::string_view kind);

}  // namespace privacyd::mail
