#include "registry/subject_registry.h"

#include <gtest/gtest.h>
#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <random>

#include "keys/key_manager.h"
#include "registry/identity.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

class SubjectRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    auto keyring = OpenKeyring(dir_.path(), *store_, random_, true);
    ASSERT_TRUE(keyring.ok());
    registry_ = std::make_unique<SubjectRegistry>(*store_, *keyring, audit_, clock_, random_);
  }

  std::vector<AuditRecord> AuditEntries() {
    return *ReadValue<std::vector<AuditRecord>>(*store_, [](Tx& tx) {
      AuditQuery q;
      return tx.ListAudit(q);
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  FakeClock clock_;
  SecureRandom random_;
  AuditLog audit_{clock_};
  std::unique_ptr<SubjectRegistry> registry_;
  AccessContext agent_{{"usr_1", "sam", "support_agent"}, "support", "req_9"};
};

TEST_F(SubjectRegistryTest, CreatesReadsAndFindsWithAudit) {
  auto created =
      registry_->Create(agent_, {{{"email", " Ada@Example.COM "}, {"phone", "+44 20 7946 0000"}},
                                 {{"name", "Ada Lovelace"}, {"company", "Analytical Engines"}}});
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_TRUE(created->id.starts_with("sub_"));

  auto read = registry_->Get(agent_, created->id);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->identities.size(), 2u);
  EXPECT_EQ(read->identities[0].kind, "email");
  EXPECT_EQ(read->identities[0].value, "ada@example.com");
  EXPECT_EQ(read->identities[1].value, "+442079460000");
  ASSERT_EQ(read->attributes.size(), 2u);
  EXPECT_EQ(read->attributes[0].name, "name");
  EXPECT_EQ(read->attributes[0].value, "Ada Lovelace");
  EXPECT_EQ(read->attributes[0].provenance,
            R"({"channel":"admin_api","purpose":"support","source":"staff:sam"})");

  auto found = registry_->FindByIdentity(agent_, {"email", "ADA@example.com"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, created->id);
  auto none = registry_->FindByIdentity(agent_, {"email", "bob@example.com"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto entries = AuditEntries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].action, "subject.create");
  EXPECT_EQ(entries[1].action, "subject.read");
  EXPECT_EQ(entries[1].object, "subject:" + created->id);
  EXPECT_EQ(entries[1].actor, "sam");
  EXPECT_EQ(entries[1].role, "support_agent");
  EXPECT_EQ(entries[1].purpose, "support");
  EXPECT_EQ(entries[1].request_id, "req_9");
  EXPECT_EQ(entries[2].action, "subject.lookup");
  EXPECT_EQ(entries[3].object, "identity:email");
  // The audit trail carries no personal data.
  for (const auto& e : entries) {
    EXPECT_EQ(e.detail.find("ada"), std::string::npos);
    EXPECT_EQ(e.detail.find("Ada"), std::string::npos);
  }
}

TEST_F(SubjectRegistryTest, PersonalDataIsSealedInTheStore) {
  auto created = registry_->Create(agent_, {{{"email", "ada@example.com"}}, {{"name", "Ada"}}});
  ASSERT_TRUE(created.ok());
  auto rows = ReadValue<std::vector<IdentityRecord>>(
      *store_, [&](Tx& tx) { return tx.ListIdentities(created->id); });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].sealed_value.find("ada@example.com"), std::string::npos);
  EXPECT_EQ((*rows)[0].blind_index.find("ada@example.com"), std::string::npos);
}

TEST_F(SubjectRegistryTest, RefusesBadInputAndWritesNothing) {
  EXPECT_EQ(registry_->Create(agent_, {{}, {{"name", "x"}}}).error().code(), "invalid_subject");
  EXPECT_EQ(registry_->Create(agent_, {{{"email", "not-an-email"}}, {}}).error().code(),
            "invalid_identity");
  EXPECT_EQ(registry_->Create(agent_, {{{"fax", "123"}}, {}}).error().code(),
            "unknown_identity_kind");
  EXPECT_EQ(registry_->Create(agent_, {{{"email", "a@b.c"}}, {{"Bad Name", "x"}}}).error().code(),
            "invalid_attribute");
  EXPECT_TRUE(AuditEntries().empty());

  ASSERT_TRUE(registry_->Create(agent_, {{{"email", "a@b.c"}}, {}}).ok());
  auto dup = registry_->Create(agent_, {{{"customer_id", "C-1"}, {"email", "A@B.C"}}, {}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), "identity_exists");
  EXPECT_EQ(dup.error().kind(), ErrorKind::kAlreadyExists);
  // The failed create left no customer_id behind.
  auto found = registry_->FindByIdentity(agent_, {"customer_id", "C-1"});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

// The blind index written in place is IdentityIndex's, whatever the scratch string held before;
// an invalid address writes nothing.
TEST_F(SubjectRegistryTest, EmailIndexIntoIsIdentityIndex) {
  std::string scratch = std::string(300, 'z');
  for (const std::string& email :
       std::vector<std::string>{" Ana.Lovelace@Example.COM ", "b@x.de", "jürgen@bücher.de",
                                std::string(60, 'q') + "@example.org"}) {
    char out[Keyring::kBlindIndexBytes + 1];
    std::memset(out, '#', sizeof out);
    ASSERT_TRUE(registry_->EmailIndexInto(email, scratch, out)) << email;
    EXPECT_EQ(std::string_view(out, Keyring::kBlindIndexBytes),
              *registry_->IdentityIndex("email", email))
        << email;
    EXPECT_EQ(out[Keyring::kBlindIndexBytes], '#') << email;  // nothing written past it
  }
  for (const std::string invalid : {"", "no-at-sign", "a@b", "a b@example.com"}) {
    char out[Keyring::kBlindIndexBytes];
    std::memset(out, '#', sizeof out);
    EXPECT_FALSE(registry_->EmailIndexInto(invalid, scratch, out)) << invalid;
    EXPECT_EQ(std::string_view(out, sizeof out), std::string(sizeof out, '#')) << invalid;
  }
}

TEST_F(SubjectRegistryTest, RolesAreCheckedByTheRegistryItself) {
  AccessContext marketing{{"usr_2", "mia", "marketing"}, "marketing", ""};
  auto created = registry_->Create(agent_, {{{"email", "a@b.c"}}, {}});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(registry_->Get(marketing, created->id).error().code(), "forbidden");
  EXPECT_EQ(registry_->Create(marketing, {{{"email", "x@y.z"}}, {}}).error().kind(),
            ErrorKind::kPermissionDenied);
  EXPECT_EQ(registry_->Get(agent_, "sub_missing").error().code(), "subject_not_found");
}

TEST_F(SubjectRegistryTest, AFilteredViewKeepsWhatTheFilterAllowsAndAuditsTheRest) {
  auto created =
      registry_->Create(agent_, {{{"email", "a@example.com"}, {"phone", "+44 20 7946 0018"}},
                                 {{"name", "Ann"}, {"notes", "private"}}});
  ASSERT_TRUE(created.ok());
  SubjectRegistry::ViewFilter filter;
  filter.identity = [](const IdentityValue& id) { return id.kind == "email"; };
  filter.attribute = [](const AttributeValue& value) { return value.name == "name"; };
  AccessContext marketing{{"usr_2", "mia", "marketing"}, "marketing", "req_5"};
  auto view = registry_->GetFiltered(marketing, created->id, filter);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->identities.size(), 1u);
  EXPECT_EQ(view->identities[0].kind, "email");
  ASSERT_EQ(view->attributes.size(), 1u);
  EXPECT_EQ(view->attributes[0].name, "name");
  AuditRecord last = AuditEntries().back();
  EXPECT_EQ(last.actor, "mia");
  EXPECT_EQ(last.detail, R"({"filtered":true,"values":2,"withheld":2})");
  // A filter without a part withholds all of that part; other roles are refused.
  auto nothing = registry_->GetFiltered(marketing, created->id, {});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->identities.empty() && nothing->attributes.empty());
  AccessContext auditor{{"usr_3", "aud", "auditor"}, "audit", ""};
  EXPECT_EQ(registry_->GetFiltered(auditor, created->id, filter).error().code(), "forbidden");
}

TEST(Identity, NormalizesEachKind) {
  EXPECT_EQ(*NormalizeIdentity("email", "  Ada@Example.com\n"), "ada@example.com");
  EXPECT_EQ(*NormalizeIdentity("phone", "+1 (202) 456-1414"), "+12024561414");
  EXPECT_EQ(*NormalizeIdentity("phone", "030 901820", "DE"), "+4930901820");
  EXPECT_EQ(*NormalizeIdentity("phone", "0049 30 901820"), "+4930901820");
  EXPECT_EQ(*NormalizeIdentity("email", "Jürgen@Bücher.EXAMPLE"), "jürgen@xn--bcher-kva.example");
  EXPECT_EQ(NormalizeIdentity("email", "a@b..c").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("email", "a@192.168.0.1").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("email", ".a@b.example").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("phone", "030 901820").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("phone", "+49 30 1").error().code(), "invalid_identity");
  EXPECT_EQ(*NormalizeIdentity("customer_id", " C-42 "), "C-42");
  EXPECT_EQ(NormalizeIdentity("email", "a@b@c").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("email", "@b.c").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("phone", "12ab").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("phone", "+1").error().code(), "invalid_identity");
  EXPECT_EQ(NormalizeIdentity("passport", "x").error().code(), "unknown_identity_kind");
}

// The email normalisation as it was first written (a string per step, the locale's classes),
// kept as the reference the faster one must agree with.
Result<std::string> ReferenceNormalizeEmail(const std::string& value) {
  auto invalid = [] {
    return Error(ErrorKind::kInvalidArgument, "invalid_identity",
                 "the email address must look like name@example.com");
  };
  size_t b = 0, e = value.size();
  while (b < e && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(value[e - 1]))) --e;
  std::string v = value.substr(b, e - b);
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  size_t at = v.rfind('@');
  if (at == std::string::npos || v.size() > 254) return invalid();
  std::string local = lower(v.substr(0, at));
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string::npos) {
    return invalid();
  }
  for (unsigned char c : local) {
    if (c < 0x80 && !std::isalnum(c) &&
        std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) == std::string_view::npos) {
      return invalid();
    }
  }
  std::string domain = v.substr(at + 1);
  if (!std::all_of(domain.begin(), domain.end(), [](unsigned char c) { return c < 0x80; })) {
    char* converted = nullptr;
    int rc = idn2_to_ascii_8z(domain.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, decltype(&idn2_free)> owned(converted, &idn2_free);
    if (rc != IDN2_OK) {
      return Error(ErrorKind::kInvalidArgument, "invalid_identity",
                   "the domain of the email address is not a valid internationalised domain "
                   "name");
    }
    domain = converted;
  }
  domain = lower(domain);
  if (domain.empty() || domain.size() > 253) return invalid();
  size_t labels = 0;
  bool last_all_digits = true;
  for (size_t start = 0; start <= domain.size();) {
    size_t dot = std::min(domain.find('.', start), domain.size());
    std::string label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return invalid();
    }
    last_all_digits = true;
    for (unsigned char c : label) {
      if (!std::isalnum(c) && c != '-') return invalid();
      if (!std::isdigit(c)) last_all_digits = false;
    }
    ++labels;
    start = dot + 1;
  }
  if (labels < 2 || last_all_digits) return invalid();
  std::string out = local + "@" + domain;
  if (out.size() > 254) return invalid();
  return out;
}

TEST(Identity, EmailNormalisationAgreesWithTheReference) {
  // Pieces that exercise every branch: case, atext, dots, spaces around, a second '@', UTF-8
  // local parts and domains (IDNA2008 valid and not), digits-only labels, hyphens, long parts.
  const std::vector<std::string> locals = {"ada",
                                           "Ada.Lovelace",
                                           "A+tag",
                                           "x",
                                           ".a",
                                           "a.",
                                           "a..b",
                                           "o'brien",
                                           "jürgen",
                                           "ÅSA",
                                           "a b",
                                           "a\"b",
                                           "!#$%&'*+-/=?^_`{|}~",
                                           "UPPER",
                                           "",
                                           std::string(64, 'a'),
                                           std::string(65, 'b'),
                                           "we@ird",
                                           "K\xE2\x84\xAA"};
  const std::vector<std::string> domains = {"example.com",
                                            "Example.COM",
                                            "bücher.de",
                                            "BÜCHER.de",
                                            "straßenbau-nord.de",
                                            "b..c",
                                            "192.168.0.1",
                                            "a.b",
                                            "-a.com",
                                            "a-.com",
                                            "x.y-z.org",
                                            "localhost",
                                            "ex_ample.com",
                                            "例え.テスト",
                                            "\xF0\x9F\x98\x80.com",
                                            "xn--bcher-kva.de",
                                            "",
                                            "com.",
                                            std::string(250, 'd') + ".de",
                                            "a.123",
                                            "a.1b",
                                            "İstanbul.tr"};
  const std::vector<std::string> around = {"", " ", "\t", "\n ", "\r\v\f"};
  std::mt19937 random(20261127);
  size_t compared = 0;
  std::string reused;  // NormalizeEmailInto's: what an earlier value left in it must not matter
  for (int round = 0; round < 4; ++round) {
    for (const auto& local : locals) {
      for (const auto& domain : domains) {
        std::string value = around[random() % around.size()] + local + "@" + domain +
                            around[random() % around.size()];
        if (round == 3) value = local + domain;  // no '@' at all
        auto got = NormalizeIdentity("email", value);
        auto want = ReferenceNormalizeEmail(value);
        ASSERT_EQ(got.ok(), want.ok()) << value;
        Status into = NormalizeEmailInto(value, reused);
        ASSERT_EQ(into.ok(), want.ok()) << value;
        if (want.ok()) {
          EXPECT_EQ(*got, *want) << value;
          EXPECT_EQ(reused, *want) << value;
        } else {
          EXPECT_EQ(into.error().message(), want.error().message()) << value;
          EXPECT_EQ(got.error().code(), want.error().code()) << value;
          EXPECT_EQ(got.error().message(), want.error().message()) << value;
        }
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 4 * locals.size() * domains.size());
}

}  // namespace
}  // namespace privacyd
