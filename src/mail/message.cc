#include "mail/message.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "crypto/secret.h"
#include "mail/mime.h"

namespace privacyd::mail {
namespace {

constexpr size_t kMaxLine = 998;  // RFC 5322 section 2.1.1, without the CRLF

Error BadHeader(const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, "invalid_mail_header", message);
}

Error BadAddress(const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, "invalid_mail_address", message);
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool IsAtext(char ch) {
  auto c = static_cast<unsigned char>(ch);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) != std::string_view::npos;
}

// RFC 5322 dot-atom-text: atext runs joined by single dots.
bool IsDotAtom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '.' || IsAtext(c); });
}

bool IsDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char ch : label) {
      auto c = static_cast<unsigned char>(ch);
      if (!std::isalnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Fields Render writes itself, which an extra header may not replace or repeat.
bool IsReservedHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kReserved = {
      "from",          "to",         "cc",           "bcc",          "subject",
      "date",          "message-id", "mime-version", "content-type", "content-transfer-encoding",
      "dkim-signature"};
  return std::any_of(kReserved.begin(), kReserved.end(),
                     [&](std::string_view r) { return EqualsIgnoreCase(r, name); });
}

bool IsFieldName(std::string_view name) {
  return !name.empty() && name.size() <= 76 && std::all_of(name.begin(), name.end(), [](char c) {
    return c >= 33 && c <= 126 && c != ':';
  });
}

bool IsAsciiValue(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c >= 32 && c <= 126) || c == '\t';
  });
}

bool LinesWithinLimit(std::string_view header) {
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find("\r\n", start);
    if (end == std::string_view::npos) end = header.size();
    if (end - start > kMaxLine) return false;
    start = end + 2;
  }
  return true;
}

// "=_" cannot occur in quoted-printable text (a literal '=' is always written "=3D"), so a
// boundary that starts with it never collides with a part's content.
std::string Boundary(std::string_view message_id) {
  return "=_" + ToHex(Sha256(message_id)).substr(0, 32);
}

std::string Part(std::string_view content_type, std::string_view content) {
  std::string out = "Content-Type: " + std::string(content_type) + "; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
  out += EncodeQuotedPrintable(content);
  return out;
}

}  // namespace

Result<MailAddress> ParseMailAddress(std::string_view text) {
  if (HasLineBreak(text)) {
    return BadHeader("a mail address contains a line break; addresses are one line");
  }
  std::string_view t = Trim(text);
  MailAddress out;
  std::string_view addr = t;
  if (!t.empty() && t.back() == '>') {
    size_t lt = t.rfind('<');
    if (lt == std::string_view::npos) {
      return BadAddress("a mail address has '>' without '<'; write Name <addr@example.com>");
    }
    addr = t.substr(lt + 1, t.size() - lt - 2);
    std::string_view name = Trim(t.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        out.display_name += name[i];
      }
    } else {
      out.display_name = std::string(name);
    }
  }
  size_t at = addr.rfind('@');
  if (at == std::string_view::npos || addr.size() > 254 || !IsDotAtom(addr.substr(0, at)) ||
      !IsDomain(addr.substr(at + 1))) {
    return BadAddress(
        "a mail address is not of the form local@domain.example with an ASCII local part and "
        "domain (non-ASCII domains in their xn-- form)");
  }
  out.address = std::string(addr);
  return out;
}

Result<std::string> EnvelopeAddress(std::string_view from) {
  PD_ASSIGN_OR_RETURN(MailAddress parsed, ParseMailAddress(from));
  return parsed.address;
}

std::string AddressDomain(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? "" : std::string(address.substr(at + 1));
}

std::string FormatMailDate(Micros t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Micros seconds = t / kMicrosPerSecond - (t % kMicrosPerSecond < 0 ? 1 : 0);
  auto tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string NewMessageId(Random& random, std::string_view domain) {
  return RandomHex(random, 16) + "@" + std::string(domain);
}

Result<std::string> Render(const Message& message) {
  if (HasLineBreak(message.subject)) {
    return BadHeader("the subject contains a line break; a subject is one line");
  }
  if (HasLineBreak(message.message_id)) {
    return BadHeader("the Message-ID contains a line break");
  }
  size_t at = message.message_id.rfind('@');
  if (at == std::string::npos || !IsDotAtom(std::string_view(message.message_id).substr(0, at)) ||
      !IsDotAtom(std::string_view(message.message_id).substr(at + 1))) {
    return BadHeader("the Message-ID must be left@right without brackets (see NewMessageId)");
  }
  PD_ASSIGN_OR_RETURN(MailAddress from, ParseMailAddress(message.from));
  PD_ASSIGN_OR_RETURN(MailAddress to, ParseMailAddress(message.to));

  std::string out;
  out += FoldAddress("From", from.display_name, from.address);
  out += FoldAddress("To", to.display_name, to.address);
  out += FoldUnstructured("Subject", message.subject);
  out += "Date: " + FormatMailDate(message.date) + "\r\n";
  out += "Message-ID: <" + message.message_id + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  for (const auto& [name, value] : message.headers) {
    if (HasLineBreak(name) || HasLineBreak(value)) {
      return BadHeader("the header " + (HasLineBreak(name) ? std::string("name") : name) +
                       " contains a line break; header values are one line");
    }
    if (!IsFieldName(name)) {
      return BadHeader("an extra header name must be printable ASCII without ':' or spaces");
    }
    if (IsReservedHeader(name)) {
      return BadHeader("the header " + name + " is written from the message itself");
    }
    if (!IsAsciiValue(value)) {
      return BadHeader("the value of header " + name + " must be ASCII");
    }
    std::string field = FoldStructured(name, value);
    if (!LinesWithinLimit(field)) {
      return BadHeader("the value of header " + name + " has a word longer than 998 characters");
    }
    out += field;
  }
  if (message.html.empty()) {
    out += Part("text/plain", message.text);
    out += "\r\n";
    return out;
  }
  std::string boundary = Boundary(message.message_id);
  out += FoldStructured("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out += "\r\n";
  out += "--" + boundary + "\r\n";
  out += Part("text/plain", message.text);
  out += "\r\n--" + boundary + "\r\n";
  out += Part("text/html", message.html);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace privacyd::mail
