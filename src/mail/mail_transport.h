// MailTransport: hands a rendered message to whatever delivers mail (an SMTP relay in
// production, a recording fake in tests). Callers decide on retries from the error kind alone.
#pragma once

#include <string>

#include "core/result.h"

namespace privacyd::mail {

class MailTransport {
 public:
  virtual ~MailTransport() = default;

  // Delivers `rendered` (exact bytes, CRLF line ends, as Render and DkimSigner::Sign make them)
  // to `recipient` (an addr-spec) with `envelope_from` (an addr-spec) as the envelope sender.
  // Errors: kUnavailable when trying again later may succeed (the relay is down or slow, or
  // answered 4xx); kFailedPrecondition when it will not succeed as it is (5xx: rejected, or the
  // relay's TLS or authentication does not work with our settings); kInvalidArgument for
  // addresses that are not addr-specs. Messages never contain the body, the password, or the
  // recipient. Implementations are thread-safe.
  virtual Status Send(const std::string& envelope_from, const std::string& recipient,
                      const std::string& rendered) = 0;
};

}  // namespace privacyd::mail
