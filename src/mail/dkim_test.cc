#include "mail/dkim.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "mail/message.h"
#include "testing/test_store.h"

namespace privacyd::mail {
namespace {

constexpr Micros kNewYear2026 = 1'767'225'600LL * kMicrosPerSecond;

// A new key of `type` ("RSA" with `bits`, "ED25519", "EC") as PKCS#8 PEM.
std::string NewKeyPem(const char* type, size_t bits = 2048) {
  EVP_PKEY* key = nullptr;
  if (std::string(type) == "RSA") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
  } else if (std::string(type) == "EC") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  EXPECT_NE(key, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

std::string WriteFile(const std::filesystem::path& path, const std::string& content,
                      mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary) << content;
  chmod(path.c_str(), mode);
  return path.string();
}

Message SampleMessage() {
  Message m;
  m.from = "Example News <news@example.com>";
  m.to = "Ada Lovelace <ada@example.org>";
  m.subject = "Neuigkeiten für Sie";
  m.text = "Hello Ada,\n\nthe news.   With  spaces.  \n\n";
  m.html = "<p>Hello Ada,</p>\n<p>the news.</p>\n";
  m.headers = {{"List-Unsubscribe", "<https://example.com/u/tok_123>, <mailto:unsub@example.com>"},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  m.message_id = "5f2b@example.com";
  m.date = kNewYear2026;
  return m;
}

// The value of tag `tag` in a DKIM-Signature field, with folding whitespace removed.
std::string Tag(const std::string& field, const std::string& tag) {
  std::string flat;
  for (char c : field.substr(field.find(':') + 1)) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') flat += c;
  }
  size_t start = flat.find(";" + tag + "=");
  if (flat.starts_with(tag + "="))
    start = 0;
  else if (start == std::string::npos)
    return "<none>";
  else
    start += 1;
  start += tag.size() + 1;
  size_t end = flat.find(';', start);
  return flat.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

struct OracleResult {
  int exit_code = -1;
  std::string out;  // the signed header names, one per line
};

// Runs tests/mail/dkim_oracle.py (python3-dkim) on a message file.
OracleResult RunOracle(const std::string& key_file, const std::string& message_file) {
  std::string command = std::string("/usr/bin/python3 ") + PRIVACYD_SOURCE_DIR +
                        "/tests/mail/dkim_oracle.py --key '" + key_file + "' '" + message_file +
                        "'";
  OracleResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(MailDkim, RelaxedHeaderCanonicalisation) {
  EXPECT_EQ(DkimRelaxedHeader("SubJect :  Hello \r\n\tWorld  "), "subject:Hello World\r\n");
  EXPECT_EQ(DkimRelaxedHeader("To:ada@example.org"), "to:ada@example.org\r\n");
  EXPECT_EQ(DkimRelaxedHeader("X-Empty:   "), "x-empty:\r\n");
}

TEST(MailDkim, RelaxedBodyCanonicalisation) {
  EXPECT_EQ(DkimRelaxedBody(" a  \t b \r\nc\t\r\n\r\n\r\n"), " a b\r\nc\r\n");
  EXPECT_EQ(DkimRelaxedBody("no final line break"), "no final line break\r\n");
  EXPECT_EQ(DkimRelaxedBody(""), "");
  EXPECT_EQ(DkimRelaxedBody("\r\n\r\n"), "");
}

class MailDkimKeys : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(MailDkimKeys, BodyHashIsTheOneOfRfc8463sExample) {
  auto signer = DkimSigner::Load("football.example.com", "brisbane",
                                 WriteFile(dir_.path() / "ed.pem", NewKeyPem("ED25519")));
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  auto field = signer->Sign(
      "From: Joe SixPack <joe@football.example.com>\r\n"
      "To: Suzie Q <suzie@shopping.example.net>\r\n"
      "Subject: Is dinner ready?\r\n"
      "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
      "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
      "\r\n"
      "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n");
  ASSERT_TRUE(field.ok()) << field.error().message();
  EXPECT_EQ(Tag(*field, "bh"), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  EXPECT_EQ(Tag(*field, "h"), "from:to:subject:date:message-id");
  EXPECT_EQ(Tag(*field, "t"), "1057982437");  // 2003-07-12T04:00:37Z
}

TEST_F(MailDkimKeys, SignatureFieldNamesWhatItCoversAndIsFolded) {
  auto signer = DkimSigner::Load("example.com", "sel2026",
                                 WriteFile(dir_.path() / "ed.pem", NewKeyPem("ED25519")));
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(signer->algorithm(), DkimSigner::Algorithm::kEd25519Sha256);
  std::string rendered = *Render(SampleMessage());
  auto field = signer->Sign(rendered);
  ASSERT_TRUE(field.ok()) << field.error().message();
  EXPECT_TRUE(field->starts_with(
      "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;\r\n"
      " s=sel2026; t=1767225600; h=from:to:subject:date:message-id:mime-version:\r\n"
      " content-type:list-unsubscribe:list-unsubscribe-post;\r\n bh="))
      << *field;
  EXPECT_TRUE(field->ends_with("\r\n"));
  EXPECT_EQ(Tag(*field, "b").size(), 88u);  // 64 bytes in base64
  size_t start = 0;
  while (start < field->size()) {
    size_t end = field->find("\r\n", start);
    EXPECT_LE(end - start, 78u) << field->substr(start, end - start);
    start = end + 2;
  }
  // Ed25519 signatures are deterministic, and so is t=: the same message signs the same.
  EXPECT_EQ(*signer->Sign(rendered), *field);
}

TEST_F(MailDkimKeys, RsaKeySignsWithRsaSha256) {
  auto signer = DkimSigner::Load("example.com", "rsa1",
                                 WriteFile(dir_.path() / "rsa.pem", NewKeyPem("RSA", 2048)));
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(signer->algorithm(), DkimSigner::Algorithm::kRsaSha256);
  auto field = signer->Sign(*Render(SampleMessage()));
  ASSERT_TRUE(field.ok());
  EXPECT_EQ(Tag(*field, "a"), "rsa-sha256");
  EXPECT_EQ(Tag(*field, "b").size(), 344u);  // 256 bytes in base64
}

TEST_F(MailDkimKeys, KeyReadableByOthersIsRefused) {
  std::string path = WriteFile(dir_.path() / "open.pem", NewKeyPem("ED25519"), 0644);
  auto signer = DkimSigner::Load("example.com", "s", path);
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.error().code(), "dkim_key_permissions");
  EXPECT_EQ(signer.error().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_NE(signer.error().message().find("chmod 600 " + path), std::string::npos);
  EXPECT_EQ(signer.error().message().find("PRIVATE"), std::string::npos);
  chmod(path.c_str(), 0640);
  EXPECT_EQ(DkimSigner::Load("example.com", "s", path).error().code(), "dkim_key_permissions");
}

TEST_F(MailDkimKeys, UnusableKeysAreRefusedWithTheirReason) {
  EXPECT_EQ(
      DkimSigner::Load("example.com", "s", (dir_.path() / "missing.pem").string()).error().code(),
      "dkim_key_unreadable");
  EXPECT_EQ(DkimSigner::Load("example.com", "s", dir_.path().string()).error().code(),
            "dkim_key_unreadable");
  auto garbage =
      DkimSigner::Load("example.com", "s", WriteFile(dir_.path() / "g.pem", "not a key\n"));
  EXPECT_EQ(garbage.error().code(), "dkim_key_invalid");
  auto ec =
      DkimSigner::Load("example.com", "s", WriteFile(dir_.path() / "ec.pem", NewKeyPem("EC")));
  EXPECT_EQ(ec.error().code(), "dkim_key_invalid");
  EXPECT_NE(ec.error().message().find("neither RSA nor Ed25519"), std::string::npos);
  auto small = DkimSigner::Load("example.com", "s",
                                WriteFile(dir_.path() / "small.pem", NewKeyPem("RSA", 768)));
  EXPECT_EQ(small.error().code(), "dkim_key_invalid");
  EXPECT_NE(small.error().message().find("768 bits"), std::string::npos);

  std::string good = WriteFile(dir_.path() / "ed.pem", NewKeyPem("ED25519"));
  for (const char* bad : {"", "exa mple.com", "example.com;", ".example.com"}) {
    EXPECT_EQ(DkimSigner::Load(bad, "s", good).error().code(), "invalid_dkim_setting") << bad;
    EXPECT_EQ(DkimSigner::Load("example.com", bad, good).error().code(), "invalid_dkim_setting");
  }
}

TEST_F(MailDkimKeys, MessageWithoutHeadersAndBodyIsRefused) {
  auto signer =
      DkimSigner::Load("example.com", "s", WriteFile(dir_.path() / "ed.pem", NewKeyPem("ED25519")));
  ASSERT_TRUE(signer.ok());
  EXPECT_EQ(signer->Sign("From: a@example.com\r\nno body").error().code(), "invalid_mail_message");
  EXPECT_EQ(signer->Sign("To: a@example.com\r\n\r\nbody\r\n").error().code(),
            "invalid_mail_message");
}

// python3-dkim verifies what we sign, with each key type; changing List-Unsubscribe, or the
// body, breaks the signature.
class MailDkimOracle : public ::testing::TestWithParam<const char*> {
 protected:
  testing::TempDir dir_;
};

TEST_P(MailDkimOracle, PythonDkimVerifiesAndDetectsTampering) {
  std::string key = WriteFile(dir_.path() / "key.pem", NewKeyPem(GetParam()));
  auto signer = DkimSigner::Load("example.com", "sel2026", key);
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  std::string rendered = *Render(SampleMessage());
  std::string signed_message = *signer->Sign(rendered) + rendered;

  std::string good = WriteFile(dir_.path() / "good.eml", signed_message);
  OracleResult verified = RunOracle(key, good);
  ASSERT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_EQ(verified.out,
            "from\nto\nsubject\ndate\nmessage-id\nmime-version\ncontent-type\nlist-unsubscribe\n"
            "list-unsubscribe-post\n");

  std::string tampered = signed_message;
  size_t at = tampered.find("tok_123");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, 7, "tok_999");
  EXPECT_EQ(RunOracle(key, WriteFile(dir_.path() / "unsub.eml", tampered)).exit_code, 1);

  std::string body_changed = signed_message;
  at = body_changed.find("the news.");
  ASSERT_NE(at, std::string::npos);
  body_changed.replace(at, 9, "the NEWS.");
  EXPECT_EQ(RunOracle(key, WriteFile(dir_.path() / "body.eml", body_changed)).exit_code, 1);
}

// Named "MailDkim/..." so that --gtest_filter='Mail*' runs it.
INSTANTIATE_TEST_SUITE_P(MailDkim, MailDkimOracle, ::testing::Values("RSA", "ED25519"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace privacyd::mail
