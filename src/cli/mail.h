// `privacyd mail test ADDRESS`: sends one message through the configured relay, right away, so
// that an operator sees whether mail works (relay, TLS, authentication, DKIM) before the daemon
// depends on it.
#pragma once

#include <string>

#include "cli/environment.h"
#include "config/config.h"

namespace privacyd {

struct MailTestCommand {
  std::string address;   // the recipient
  std::string language;  // en, de or fr
};

// Renders the `test` template with the controller of the configured policy, signs it when
// mail.dkim.* is set, and sends it. Prints "sent <message-id> to <host:port>" and returns 0;
// on a sending failure prints the error and its code and returns 1; on a configuration or
// usage error (mail.smtp.host unset, a bad address, an unreadable key) returns 2.
int RunMailTest(const MailTestCommand& command, const Config& config, Environment& env);

}  // namespace privacyd
