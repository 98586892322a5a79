// Sending through an SMTP relay with libcurl: the relay settings read from the configuration,
// and SmtpTransport, the MailTransport that uses them.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "crypto/secret.h"
#include "mail/mail_transport.h"

namespace privacyd::mail {

enum class SmtpTls {
  kNone,      // plain SMTP; only for a relay on loopback or a trusted network
  kStartTls,  // SMTP, then STARTTLS, required: a relay that does not offer it is an error
  kTls,       // implicit TLS from the first byte (smtps, usually port 465)
};

// "none", "starttls", "tls".
const char* SmtpTlsName(SmtpTls tls);

struct SmtpSettings {
  std::string host;  // "" means mail is not configured
  uint16_t port = 25;
  SmtpTls tls = SmtpTls::kStartTls;
  std::string user;      // "" for no SMTP AUTH
  SecretBytes password;  // read from mail.smtp.password_file; never logged or printed
  int64_t timeout_ms = 30000;
  std::string from;  // mail.from: "Name <addr>" or "addr"

  // "host:port" (IPv6 hosts in brackets), for messages.
  std::string Relay() const;
};

// The mail.smtp.* and mail.from settings. With mail.smtp.host empty, returns settings whose host
// is "" and reads nothing else.
// Errors:
//   - kInvalidArgument "invalid_config": a port, timeout or tls value out of range; mail.from
//     empty or not an address; mail.smtp.user without mail.smtp.password_file or the reverse;
//   - kFailedPrecondition "smtp_password_file_unreadable", "smtp_password_file_permissions"
//     (the file may be read by group or others; chmod 600), "smtp_password_empty".
Result<SmtpSettings> SmtpSettingsFromConfig(const Config& config);

class SmtpTransport final : public MailTransport {
 public:
  explicit SmtpTransport(SmtpSettings settings);

  // One SMTP conversation per call (libcurl: MAIL FROM, one RCPT TO, DATA with exactly
  // `rendered`), within settings.timeout_ms. TLS certificates are verified against the system's
  // CA bundle and the host name.
  // Errors:
  //   - kUnavailable "smtp_unavailable": no connection (refused, unresolvable, timed out, cut);
  //   - kUnavailable "smtp_temporary_failure": the relay answered 4xx (the code is in the
  //     message);
  //   - kFailedPrecondition "smtp_rejected": the relay answered 5xx (code in the message);
  //   - kFailedPrecondition "smtp_starttls_unavailable": tls is starttls and the relay does not
  //     offer STARTTLS (nothing is sent in the clear);
  //   - kFailedPrecondition "smtp_tls_failed": the TLS handshake or certificate check failed;
  //   - kFailedPrecondition "smtp_auth_failed": the relay refused the user and password;
  //   - kFailedPrecondition "mail_not_configured": settings.host is empty;
  //   - kInvalidArgument "invalid_mail_address": envelope_from or recipient is not an addr-spec;
  //   - kInternal "smtp_failed": anything else libcurl reports.
  Status Send(const std::string& envelope_from, const std::string& recipient,
              const std::string& rendered) override;

 private:
  SmtpSettings settings_;
};

}  // namespace privacyd::mail
