#include "registry/subject_registry.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace privacyd
