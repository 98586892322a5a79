// An outbound mail message and its rendering to RFC 5322 bytes: headers with RFC 2047
// encoded-words for non-ASCII text, and a multipart/alternative body of a text/plain and a
// text/html part, both UTF-8 and quoted-printable. Rendering is deterministic: the same Message
// renders to the same bytes (the MIME boundary is derived from the Message-ID, not drawn at
// random), so a rendered message can be re-created, signed and compared.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"

namespace privacyd::mail {

struct Message {
  std::string from;     // "Name <addr@example.com>" or "addr@example.com"
  std::string to;       // the same forms
  std::string subject;  // UTF-8
  std::string text;     // UTF-8 plain text; "\n" or "\r\n" line ends
  std::string html;     // UTF-8 HTML document; empty: the message has only the text part
  // Extra header fields, written in this order after MIME-Version, e.g. List-Unsubscribe,
  // List-Unsubscribe-Post, Auto-Submitted. Values are ASCII (they are structured fields).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string message_id;  // without the angle brackets: "abc123@example.com"
  Micros date = 0;         // written as the Date header, in UTC
};

// Renders `message` with CRLF line ends, in this order: From, To, Subject, Date, Message-ID,
// MIME-Version, the extra headers, Content-Type; then the body. No header line is longer than
// 78 characters unless a single word of an ASCII structured value is (a long URL in
// List-Unsubscribe); no body line is longer than 76.
// Errors (kInvalidArgument):
//   - "invalid_mail_header": a CR or LF in any header value, address or extra header, an extra
//     header with an invalid name or one that would replace a header Render writes itself, a
//     non-ASCII extra header value, or an invalid Message-ID;
//   - "invalid_mail_address": From or To is not an address privacyd can send to (see
//     ParseMailAddress).
Result<std::string> Render(const Message& message);

// A new Message-ID (without brackets): 32 random hex characters, "@", `domain`.
std::string NewMessageId(Random& random, std::string_view domain);

// One mailbox: an optional display name and an addr-spec.
struct MailAddress {
  std::string display_name;  // UTF-8, unquoted; "" when there is none
  std::string address;       // "local@domain", ASCII
};

// Parses "addr@example.com", "<addr@example.com>", "Name <addr@example.com>" and
// "\"Name, Inc.\" <addr@example.com>". The address must be ASCII (a dot-atom or quoted local
// part is not accepted: letters, digits and !#$%&'*+-/=?^_`{|}~. only), one '@', a domain of
// letters, digits, '-' and '.'; non-ASCII domains must be given in their xn-- form.
// Errors: kInvalidArgument "invalid_mail_header" (CR or LF anywhere), "invalid_mail_address"
// (anything else; the message does not repeat the address).
Result<MailAddress> ParseMailAddress(std::string_view text);

// The addr-spec of `from`, for the SMTP envelope (MAIL FROM). Errors as ParseMailAddress.
Result<std::string> EnvelopeAddress(std::string_view from);

// The domain of an addr-spec ("example.com" of "a@example.com"); "" when there is no '@'.
std::string AddressDomain(std::string_view address);

// Date as RFC 5322 writes it, in UTC: "Thu, 01 Jan 2026 00:00:00 +0000".
std::string FormatMailDate(Micros t);

}  // namespace privacyd::mail
