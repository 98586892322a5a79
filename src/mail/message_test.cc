#include "mail/message.h"

#include <gtest/gtest.h>

#include "crypto/secret.h"
#include "mail/mime.h"

namespace privacyd::mail {
namespace {

constexpr Micros kNewYear2026 = 1'767'225'600LL * kMicrosPerSecond;  // a Thursday

Message Sample() {
  Message m;
  m.from = "Privacy Team <privacy@example.com>";
  m.to = "ada@example.org";
  m.subject = "Welcome";
  m.text = "Hello Ada,\nwelcome.\n";
  m.html = "<p>Hello Ada,</p>\n";
  m.message_id = "0123abcd@example.com";
  m.date = kNewYear2026;
  return m;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

std::string HeaderSection(const std::string& rendered) {
  return rendered.substr(0, rendered.find("\r\n\r\n") + 2);
}

// Decodes one "=?UTF-8?Q?...?=" word; "" when it is not one.
std::string DecodeQWord(const std::string& word) {
  if (!word.starts_with("=?UTF-8?Q?") || !word.ends_with("?=")) return "";
  std::string text = word.substr(10, word.size() - 12);
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out += ' ';
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool IsWholeUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(MailMessage, RendersHeadersInOrderWithCrlf) {
  Message m = Sample();
  m.headers = {{"Auto-Submitted", "auto-generated"}};
  auto rendered = Render(m);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  EXPECT_EQ(HeaderSection(*rendered),
            "From: Privacy Team <privacy@example.com>\r\n"
            "To: ada@example.org\r\n"
            "Subject: Welcome\r\n"
            "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
            "Message-ID: <0123abcd@example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "Content-Type: multipart/alternative;\r\n"
            " boundary=\"=_" +
                ToHex(Sha256("0123abcd@example.com")).substr(0, 32) + "\"\r\n");
  // No bare LF anywhere.
  for (size_t i = 0; i < rendered->size(); ++i) {
    if ((*rendered)[i] == '\n') {
      ASSERT_EQ((*rendered)[i - 1], '\r') << "at " << i;
    }
  }
}

TEST(MailMessage, BodyIsMultipartAlternativeOfQuotedPrintableParts) {
  auto rendered = Render(Sample());
  ASSERT_TRUE(rendered.ok());
  std::string b = "=_" + ToHex(Sha256("0123abcd@example.com")).substr(0, 32);
  std::string body = rendered->substr(rendered->find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "--" + b +
                      "\r\n"
                      "Content-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "\r\n"
                      "Hello Ada,\r\nwelcome.\r\n"
                      "\r\n--" +
                      b +
                      "\r\n"
                      "Content-Type: text/html; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "\r\n"
                      "<p>Hello Ada,</p>\r\n"
                      "\r\n--" +
                      b + "--\r\n");
}

TEST(MailMessage, RenderingIsReproducibleAndTheBoundaryFollowsTheMessageId) {
  Message m = Sample();
  EXPECT_EQ(*Render(m), *Render(m));
  Message other = Sample();
  other.message_id = "ffff@example.com";
  std::string a = *Render(m), b = *Render(other);
  EXPECT_EQ(a.find(ToHex(Sha256("ffff@example.com")).substr(0, 32)), std::string::npos);
  EXPECT_NE(b.find("boundary=\"=_" + ToHex(Sha256("ffff@example.com")).substr(0, 32)),
            std::string::npos);
}

TEST(MailMessage, WithoutHtmlTheMessageIsOneTextPart) {
  Message m = Sample();
  m.html.clear();
  auto rendered = Render(m);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->substr(rendered->find("MIME-Version")),
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "Hello Ada,\r\nwelcome.\r\n\r\n");
}

TEST(MailMessage, NonAsciiSubjectAndNamesBecomeEncodedWords) {
  Message m = Sample();
  m.subject = "Bitte bestätigen Sie Ihr Abonnement";
  m.from = "Datenschutz Müller <privacy@example.com>";
  m.to = "\"Ada \\\"the Countess\\\" Lovelace\" <ada@example.org>";
  auto rendered = Render(m);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  std::string headers = HeaderSection(*rendered);
  EXPECT_NE(headers.find("From: =?UTF-8?Q?Datenschutz_M=C3=BCller?= <privacy@example.com>\r\n"),
            std::string::npos)
      << headers;
  EXPECT_NE(headers.find("To: \"Ada \\\"the Countess\\\" Lovelace\" <ada@example.org>\r\n"),
            std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Subject: =?UTF-8?Q?Bitte_best=C3=A4tigen_Sie_Ihr_Abonnement?=\r\n"),
            std::string::npos)
      << headers;
}

TEST(MailMessage, LongEncodedSubjectIsFoldedIntoWholeCharacterWords) {
  std::string subject;
  for (int i = 0; i < 12; ++i) subject += "Größenänderung übermäßig ";
  subject += "€ 😀";
  std::string field = FoldUnstructured("Subject", subject);
  ASSERT_TRUE(field.starts_with("Subject: =?UTF-8?Q?"));
  std::string decoded;
  std::vector<std::string> lines = Lines(field);
  ASSERT_GT(lines.size(), 4u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 78u) << lines[i];
    std::string word = i == 0 ? lines[i].substr(9) : lines[i].substr(1);
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ');
    }
    EXPECT_LE(word.size(), 75u);
    std::string text = DecodeQWord(word);
    ASSERT_FALSE(text.empty()) << word;
    EXPECT_TRUE(IsWholeUtf8(text)) << word;
    decoded += text;
  }
  EXPECT_EQ(decoded, subject);
}

TEST(MailMessage, AsciiSubjectIsFoldedAtWhitespace) {
  std::string subject =
      "An update to the privacy statement of Example Services Limited, effective on the "
      "first of February";
  std::string field = FoldUnstructured("Subject", subject);
  EXPECT_EQ(field,
            "Subject: An update to the privacy statement of Example Services Limited,\r\n"
            " effective on the first of February\r\n");
  // Text that looks like an encoded-word is encoded, so that it reads back as written.
  EXPECT_EQ(FoldUnstructured("Subject", "=?x?="), "Subject: =?UTF-8?Q?=3D=3Fx=3F=3D?=\r\n");
}

TEST(MailMessage, QuotedPrintableSoftBreaksAt76AndEscapes) {
  std::string line(100, 'a');
  EXPECT_EQ(EncodeQuotedPrintable(line), std::string(75, 'a') + "=\r\n" + std::string(25, 'a'));
  // A line of exactly 76 characters needs no soft break.
  EXPECT_EQ(EncodeQuotedPrintable(std::string(76, 'b')), std::string(76, 'b'));
  // "=XX" is never split: 74 characters and an umlaut.
  EXPECT_EQ(EncodeQuotedPrintable(std::string(74, 'c') + "ä"),
            std::string(74, 'c') + "=\r\n=C3=A4");
  EXPECT_EQ(EncodeQuotedPrintable("a=b"), "a=3Db");
  EXPECT_EQ(EncodeQuotedPrintable("trailing space \nand tab\t\r\nend"),
            "trailing space=20\r\nand tab=09\r\nend");
  EXPECT_EQ(EncodeQuotedPrintable("Größe"), "Gr=C3=B6=C3=9Fe");
  EXPECT_EQ(EncodeQuotedPrintable("bare\rcr"), "bare=0Dcr");

  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "Ünïcödé text with = signs and spaces   ";
  for (const auto& l : Lines(EncodeQuotedPrintable(long_text))) EXPECT_LE(l.size(), 76u) << l;
}

TEST(MailMessage, EveryLineOfARenderedMessageIsShort) {
  Message m = Sample();
  m.subject = std::string(30, 'x') + " Ünïcödé " + std::string(60, 'y');
  m.from = "Ein sehr langer Absendername mit Ümläuten und noch mehr Wörtern <privacy@example.com>";
  for (int i = 0; i < 40; ++i) m.text += "Zeile mit Ümläuten, = Zeichen und Leerzeichen am Ende ";
  m.html = m.text;
  auto rendered = Render(m);
  ASSERT_TRUE(rendered.ok());
  std::string headers = HeaderSection(*rendered);
  for (const auto& l : Lines(headers)) EXPECT_LE(l.size(), 78u) << l;
  for (const auto& l : Lines(rendered->substr(headers.size()))) EXPECT_LE(l.size(), 76u) << l;
}

TEST(MailMessage, LineBreaksInHeadersAreRefused) {
  auto expect_header_error = [](const Message& m) {
    auto r = Render(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), "invalid_mail_header");
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  };
  Message m = Sample();
  m.subject = "Hello\r\nBcc: victim@example.net";
  expect_header_error(m);
  m = Sample();
  m.subject = "Hello\nBcc: victim@example.net";
  expect_header_error(m);
  m = Sample();
  m.to = "ada@example.org\r\nBcc: victim@example.net";
  expect_header_error(m);
  m = Sample();
  m.from = "Privacy\n <privacy@example.com>";
  expect_header_error(m);
  m = Sample();
  m.message_id = "a@b\r\nBcc: x@y";
  expect_header_error(m);
  m = Sample();
  m.headers = {{"List-Unsubscribe", "<https://example.com/u>\r\nBcc: victim@example.net"}};
  expect_header_error(m);
  m = Sample();
  m.headers = {{"X-Test\r\nBcc", "x"}};
  expect_header_error(m);
  // Extra headers may not replace the ones Render writes, nor carry non-ASCII text.
  m = Sample();
  m.headers = {{"bcc", "victim@example.net"}};
  expect_header_error(m);
  m = Sample();
  m.headers = {{"Subject", "second subject"}};
  expect_header_error(m);
  m = Sample();
  m.headers = {{"X-Name", "Müller"}};
  expect_header_error(m);
  m = Sample();
  m.message_id = "<a@b>";
  expect_header_error(m);
}

TEST(MailMessage, ParsesAddressForms) {
  auto plain = ParseMailAddress("ada@example.org");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->display_name, "");
  EXPECT_EQ(plain->address, "ada@example.org");

  auto named = ParseMailAddress("  Ada Lovelace <ada@example.org> ");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->display_name, "Ada Lovelace");
  EXPECT_EQ(named->address, "ada@example.org");

  auto quoted = ParseMailAddress("\"Lovelace, Ada\" <ada@example.org>");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->display_name, "Lovelace, Ada");

  EXPECT_EQ(*EnvelopeAddress("Privacy <privacy@example.com>"), "privacy@example.com");
  EXPECT_EQ(*EnvelopeAddress("<privacy@example.com>"), "privacy@example.com");
  EXPECT_EQ(AddressDomain("privacy@example.com"), "example.com");

  for (const char* bad :
       {"", "no-at-sign", "a@", "@example.com", "a b@example.com", "a..b@example.com",
        "jürgen@example.de", "a@bü.de", "Name <a@b", "a@example.com>", "a@-example.com"}) {
    auto r = ParseMailAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), "invalid_mail_address") << bad;
    EXPECT_EQ(r.error().message().find(bad[0] ? bad : "\x01"), std::string::npos)
        << "the message repeats the address";
  }
  EXPECT_EQ(ParseMailAddress("a@example.com\r\n").error().code(), "invalid_mail_header");
}

TEST(MailMessage, NewMessageIdIsRandomHexAtTheDomain) {
  SeededRandom random(42);
  std::string id = NewMessageId(random, "example.com");
  ASSERT_EQ(id.size(), 32u + 1 + 11);
  EXPECT_TRUE(id.ends_with("@example.com"));
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), 32u);
  EXPECT_NE(NewMessageId(random, "example.com"), id);
}

TEST(MailMessage, FormatsDatesInUtc) {
  EXPECT_EQ(FormatMailDate(kNewYear2026), "Thu, 01 Jan 2026 00:00:00 +0000");
  EXPECT_EQ(FormatMailDate(kNewYear2026 +
                           (31LL * 86400 + 9 * 3600 + 30 * 60 + 5) * kMicrosPerSecond + 999'999),
            "Sun, 01 Feb 2026 09:30:05 +0000");
  EXPECT_EQ(FormatMailDate(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

}  // namespace
}  // namespace privacyd::mail
