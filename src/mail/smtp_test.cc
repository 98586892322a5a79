#include "mail/smtp.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/fake_mail_transport.h"
#include "testing/fake_smtp_server.h"
#include "testing/test_store.h"

namespace privacyd::mail {
namespace {

using testing::FakeSmtpServer;

const std::string kPassword = "s3cret-relay-password";
const std::string kBody =
    "From: privacy@example.com\r\n"
    "To: ada@example.org\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "first line\r\n"
    ".a line that starts with a dot\r\n"
    "confidential body text\r\n";

SmtpSettings Settings(uint16_t port, SmtpTls tls = SmtpTls::kNone) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = port;
  s.tls = tls;
  s.timeout_ms = 5000;
  s.from = "privacy@example.com";
  return s;
}

// A port nobody listens on: bound, then closed.
uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Errors never carry the body, the recipient or the password.
void ExpectNothingPrivate(const Error& error) {
  EXPECT_EQ(error.message().find("confidential"), std::string::npos) << error.message();
  EXPECT_EQ(error.message().find("ada@example.org"), std::string::npos) << error.message();
  EXPECT_EQ(error.message().find(kPassword), std::string::npos) << error.message();
}

TEST(MailSmtp, SendsTheExactBytesWithTheEnvelope) {
  FakeSmtpServer server({});
  SmtpTransport transport(Settings(server.port()));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(server.messages().size(), 1u);
  EXPECT_EQ(server.messages()[0], kBody);
  auto commands = server.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "MAIL FROM:<privacy@example.com>"),
            commands.end());
  EXPECT_NE(std::find(commands.begin(), commands.end(), "RCPT TO:<ada@example.org>"),
            commands.end());
  // No AUTH without a user.
  for (const auto& c : commands) EXPECT_FALSE(c.starts_with("AUTH")) << c;
}

TEST(MailSmtp, Reply4xxIsATemporaryFailure) {
  FakeSmtpServer server({.rcpt_reply = 451});
  SmtpTransport transport(Settings(server.port()));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "smtp_temporary_failure");
  EXPECT_EQ(s.error().kind(), ErrorKind::kUnavailable);
  EXPECT_NE(s.error().message().find("451"), std::string::npos);
  EXPECT_NE(s.error().message().find("127.0.0.1:" + std::to_string(server.port())),
            std::string::npos);
  ExpectNothingPrivate(s.error());
  EXPECT_TRUE(server.messages().empty());

  FakeSmtpServer after_data({.data_end_reply = 452});
  SmtpTransport again(Settings(after_data.port()));
  s = again.Send("privacy@example.com", "ada@example.org", kBody);
  EXPECT_EQ(s.error().code(), "smtp_temporary_failure");
  EXPECT_NE(s.error().message().find("452"), std::string::npos);
}

TEST(MailSmtp, Reply5xxIsARejection) {
  FakeSmtpServer server({.rcpt_reply = 550});
  SmtpTransport transport(Settings(server.port()));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "smtp_rejected");
  EXPECT_EQ(s.error().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_NE(s.error().message().find("550"), std::string::npos);
  ExpectNothingPrivate(s.error());

  FakeSmtpServer after_data({.data_end_reply = 554});
  SmtpTransport again(Settings(after_data.port()));
  s = again.Send("privacy@example.com", "ada@example.org", kBody);
  EXPECT_EQ(s.error().code(), "smtp_rejected");
  EXPECT_NE(s.error().message().find("554"), std::string::npos);
}

TEST(MailSmtp, RelayDownIsUnavailable) {
  SmtpTransport transport(Settings(ClosedPort()));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "smtp_unavailable");
  EXPECT_EQ(s.error().kind(), ErrorKind::kUnavailable);
  ExpectNothingPrivate(s.error());
}

TEST(MailSmtp, SilentRelayTimesOutAsUnavailable) {
  FakeSmtpServer server({.greet = false});
  SmtpSettings settings = Settings(server.port());
  settings.timeout_ms = 300;
  SmtpTransport transport(std::move(settings));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "smtp_unavailable");
  EXPECT_EQ(s.error().kind(), ErrorKind::kUnavailable);
}

TEST(MailSmtp, StartTlsIsRequiredNotOpportunistic) {
  FakeSmtpServer server({});  // offers no STARTTLS
  SmtpTransport transport(Settings(server.port(), SmtpTls::kStartTls));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "smtp_starttls_unavailable");
  EXPECT_EQ(s.error().kind(), ErrorKind::kFailedPrecondition);
  for (const auto& c : server.commands()) {
    EXPECT_FALSE(c.starts_with("MAIL") || c.starts_with("RCPT") || c.starts_with("DATA")) << c;
  }
  EXPECT_TRUE(server.messages().empty());
}

TEST(MailSmtp, RefusedCredentialsAreAnAuthFailureWithoutThePassword) {
  FakeSmtpServer server({.offer_auth = true, .auth_reply = 535});
  SmtpSettings settings = Settings(server.port());
  settings.user = "relay-user";
  settings.password =
      SecretBytes(reinterpret_cast<const uint8_t*>(kPassword.data()), kPassword.size());
  SmtpTransport transport(std::move(settings));
  Status s = transport.Send("privacy@example.com", "ada@example.org", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "smtp_auth_failed");
  EXPECT_EQ(s.error().kind(), ErrorKind::kFailedPrecondition);
  ExpectNothingPrivate(s.error());
  EXPECT_TRUE(server.messages().empty());
}

TEST(MailSmtp, BadAddressesAndNoRelayAreRefusedBeforeConnecting) {
  SmtpTransport transport(Settings(ClosedPort()));
  EXPECT_EQ(transport.Send("privacy@example.com", "not an address", kBody).error().code(),
            "invalid_mail_address");
  EXPECT_EQ(transport.Send("privacy@example.com", "ada@example.org\r\nRCPT TO:<x@y.z>", kBody)
                .error()
                .code(),
            "invalid_mail_header");
  EXPECT_EQ(
      transport.Send("Privacy <privacy@example.com>", "ada@example.org", kBody).error().code(),
      "invalid_mail_address");
  SmtpSettings none;
  SmtpTransport unconfigured(std::move(none));
  EXPECT_EQ(unconfigured.Send("privacy@example.com", "ada@example.org", kBody).error().code(),
            "mail_not_configured");
}

class MailSmtpSettings : public ::testing::Test {
 protected:
  Result<SmtpSettings> FromFlags(std::map<std::string, std::string> flags) {
    auto config = Config::Load(std::nullopt, {}, flags);
    EXPECT_TRUE(config.ok());
    return SmtpSettingsFromConfig(*config);
  }

  std::string PasswordFile(const std::string& content, mode_t mode) {
    std::string path = (dir_.path() / "smtp-password").string();
    std::ofstream(path, std::ios::trunc) << content;
    chmod(path.c_str(), mode);
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(MailSmtpSettings, EmptyHostMeansNotConfigured) {
  auto settings = FromFlags({});
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->host, "");
  // Nothing else is read or checked then.
  settings = FromFlags({{"mail.smtp.tls", "bogus"}, {"mail.smtp.password_file", "/nonexistent"}});
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->host, "");
}

TEST_F(MailSmtpSettings, ReadsEveryKeyAndThePasswordsFirstLine) {
  auto settings = FromFlags({{"mail.smtp.host", "smtp.example.com"},
                             {"mail.smtp.port", "587"},
                             {"mail.smtp.tls", "starttls"},
                             {"mail.smtp.user", "privacyd"},
                             {"mail.smtp.password_file", PasswordFile(kPassword + "\n", 0600)},
                             {"mail.smtp.timeout_ms", "1500"},
                             {"mail.from", "Privacy <privacy@example.com>"}});
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->host, "smtp.example.com");
  EXPECT_EQ(settings->port, 587);
  EXPECT_EQ(settings->tls, SmtpTls::kStartTls);
  EXPECT_EQ(settings->user, "privacyd");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(settings->password.data()),
                        settings->password.size()),
            kPassword);
  EXPECT_EQ(settings->timeout_ms, 1500);
  EXPECT_EQ(settings->from, "Privacy <privacy@example.com>");
  EXPECT_EQ(settings->Relay(), "smtp.example.com:587");

  auto defaults = FromFlags({{"mail.smtp.host", "::1"}, {"mail.from", "p@example.com"}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->port, 25);
  EXPECT_EQ(defaults->tls, SmtpTls::kStartTls);
  EXPECT_EQ(defaults->timeout_ms, 30000);
  EXPECT_TRUE(defaults->user.empty());
  EXPECT_EQ(defaults->Relay(), "[::1]:25");
  EXPECT_EQ(
      FromFlags({{"mail.smtp.host", "h"}, {"mail.from", "p@example.com"}, {"mail.smtp.tls", "tls"}})
          ->tls,
      SmtpTls::kTls);
  EXPECT_EQ(
      FromFlags(
          {{"mail.smtp.host", "h"}, {"mail.from", "p@example.com"}, {"mail.smtp.tls", "none"}})
          ->tls,
      SmtpTls::kNone);
}

TEST_F(MailSmtpSettings, PasswordFileMustBePrivate) {
  std::string path = PasswordFile(kPassword, 0644);
  auto settings = FromFlags({{"mail.smtp.host", "h"},
                             {"mail.from", "p@example.com"},
                             {"mail.smtp.user", "u"},
                             {"mail.smtp.password_file", path}});
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.error().code(), "smtp_password_file_permissions");
  EXPECT_EQ(settings.error().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_NE(settings.error().message().find("chmod 600"), std::string::npos);
  EXPECT_EQ(settings.error().message().find(kPassword), std::string::npos);

  auto missing = FromFlags({{"mail.smtp.host", "h"},
                            {"mail.from", "p@example.com"},
                            {"mail.smtp.user", "u"},
                            {"mail.smtp.password_file", path + ".missing"}});
  EXPECT_EQ(missing.error().code(), "smtp_password_file_unreadable");

  auto empty = FromFlags({{"mail.smtp.host", "h"},
                          {"mail.from", "p@example.com"},
                          {"mail.smtp.user", "u"},
                          {"mail.smtp.password_file", PasswordFile("\n", 0600)}});
  EXPECT_EQ(empty.error().code(), "smtp_password_empty");
}

TEST_F(MailSmtpSettings, InvalidSettingsAreConfigErrors) {
  auto code = [&](std::map<std::string, std::string> flags) {
    flags.emplace("mail.smtp.host", "smtp.example.com");
    flags.emplace("mail.from", "p@example.com");
    auto r = FromFlags(flags);
    return r.ok() ? std::string("ok") : r.error().code();
  };
  EXPECT_EQ(code({{"mail.smtp.tls", "ssl"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.smtp.port", "0"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.smtp.port", "70000"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.smtp.timeout_ms", "abc"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.from", ""}}), "invalid_config");
  EXPECT_EQ(code({{"mail.from", "not an address"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.smtp.user", "u"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.smtp.password_file", "/x"}}), "invalid_config");
  EXPECT_EQ(code({{"mail.smtp.host", "smtp://smtp.example.com"}}), "invalid_config");
  EXPECT_EQ(code({}), "ok");
}

TEST(MailSmtpFake, FakeTransportRecordsAndFailsOnRequest) {
  testing::FakeMailTransport fake;
  fake.FailNext(Error(ErrorKind::kUnavailable, "smtp_temporary_failure", "451"));
  EXPECT_EQ(fake.Send("a@example.com", "b@example.org", "x").error().code(),
            "smtp_temporary_failure");
  EXPECT_TRUE(fake.Send("a@example.com", "b@example.org", "x").ok());
  ASSERT_EQ(fake.sent().size(), 1u);
  EXPECT_EQ(fake.sent()[0].recipient, "b@example.org");
  EXPECT_EQ(fake.attempts(), 2);
}

}  // namespace
}  // namespace privacyd::mail
