#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/keyring.h"
#include "crypto/password.h"
#include "crypto/sealing.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

TEST(Sealing, RoundTripsAndBindsContext) {
  SeededRandom random(7);
  SecretBytes key = NewSymmetricKey(random);
  std::string sealed = Seal(key, "ada@example.com", "identity:sub_1:email", random);
  EXPECT_EQ(sealed.find("ada@example.com"), std::string::npos);
  EXPECT_EQ(*Open(key, sealed, "identity:sub_1:email"), "ada@example.com");

  auto moved = Open(key, sealed, "identity:sub_2:email");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code(), "unseal_failed");
  EXPECT_EQ(moved.error().kind(), ErrorKind::kDataLoss);

  std::string flipped = sealed;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_EQ(Open(key, flipped, "identity:sub_1:email").error().code(), "unseal_failed");

  SecretBytes other = NewSymmetricKey(random);
  EXPECT_FALSE(Open(other, sealed, "identity:sub_1:email").ok());
  EXPECT_FALSE(Open(key, sealed.substr(0, 10), "identity:sub_1:email").ok());
}

TEST(Sealing, SameValueSealsDifferentlyEachTime) {
  SeededRandom random(1);
  SecretBytes key = NewSymmetricKey(random);
  EXPECT_NE(Seal(key, "x", "c", random), Seal(key, "x", "c", random));
}

TEST(Password, HashesWithArgon2idAndVerifies) {
  PasswordHashCost cheap{1, 8 * 1024 * 1024};
  auto hash = HashPassword("correct horse battery", cheap);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery!", *hash));
  EXPECT_FALSE(VerifyPassword("anything", ""));
  EXPECT_EQ(HashPassword("short", cheap).error().code(), "weak_password");
}

TEST(MasterKeyFile, CreatedWithMode0600AndReadBack) {
  testing::TempDir dir;
  SecureRandom random;
  auto path = dir.path() / "master.key";
  auto created = CreateMasterKeyFile(path, random);
  ASSERT_TRUE(created.ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = ReadMasterKeyFile(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->id, created->id);
  EXPECT_EQ(read->id.size(), 16u);
  EXPECT_EQ(CreateMasterKeyFile(path, random).error().code(), "master_key_exists");
}

TEST(MasterKeyFile, RefusesAFileOthersCanRead) {
  testing::TempDir dir;
  SecureRandom random;
  auto path = dir.path() / "master.key";
  ASSERT_TRUE(CreateMasterKeyFile(path, random).ok());
  chmod(path.c_str(), 0644);
  auto read = ReadMasterKeyFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), "master_key_permissions");
  EXPECT_NE(read.error().message().find("chmod 600"), std::string::npos);
  EXPECT_NE(read.error().message().find("0644"), std::string::npos);
}

TEST(MasterKeyFile, ReportsMissingAndCorruptFiles) {
  testing::TempDir dir;
  EXPECT_EQ(ReadMasterKeyFile(dir.path() / "nope").error().code(), "master_key_missing");
  auto path = dir.path() / "master.key";
  { std::ofstream(path) << "not hex\n"; }
  chmod(path.c_str(), 0600);
  EXPECT_EQ(ReadMasterKeyFile(path).error().code(), "master_key_corrupt");
}

TEST(Keyring, WrapsWithNewestKeyAndUnwrapsWithAnyLoaded) {
  SeededRandom random(3);
  MasterKey old_key{"1111111111111111", NewSymmetricKey(random)};
  MasterKey new_key{"2222222222222222", NewSymmetricKey(random)};
  Keyring old_ring(old_key.Copy(), {}, NewSymmetricKey(random));
  SecretBytes data_key = NewSymmetricKey(random);
  std::string wrapped_old = old_ring.Wrap("subject", "sub_1", data_key, random);

  Keyring both(new_key.Copy(), {old_key.Copy()}, NewSymmetricKey(random));
  EXPECT_EQ(both.wrapping_key_id(), "2222222222222222");
  auto unwrapped = both.Unwrap("subject", "sub_1", "1111111111111111", wrapped_old);
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(unwrapped->data()), unwrapped->size()),
            std::string(reinterpret_cast<const char*>(data_key.data()), data_key.size()));
  // The wrap is bound to its owner.
  EXPECT_EQ(both.Unwrap("subject", "sub_2", "1111111111111111", wrapped_old).error().code(),
            "unseal_failed");
  EXPECT_EQ(both.Unwrap("subject", "sub_1", "3333333333333333", wrapped_old).error().code(),
            "master_key_unknown");
}

TEST(Keyring, BlindIndexIsKeyedAndDeterministic) {
  SeededRandom random(4);
  SecretBytes index_a = NewSymmetricKey(random);
  SecretBytes index_b = NewSymmetricKey(random);
  Keyring a({"1111111111111111", NewSymmetricKey(random)}, {}, index_a);
  Keyring a2({"2222222222222222", NewSymmetricKey(random)}, {}, index_a);
  Keyring b({"1111111111111111", NewSymmetricKey(random)}, {}, index_b);
  std::string ia = a.BlindIndex("email", "ada@example.com");
  EXPECT_EQ(ia.size(), 32u);
  EXPECT_EQ(ia, a2.BlindIndex("email", "ada@example.com"));  // independent of the master key
  EXPECT_NE(ia, b.BlindIndex("email", "ada@example.com"));
  EXPECT_NE(ia, a.BlindIndex("phone", "ada@example.com"));
  EXPECT_NE(ia, a.BlindIndex("email", "bob@example.com"));
  // The kind/value boundary cannot be shifted.
  EXPECT_NE(a.BlindIndex("ab", "c"), a.BlindIndex("a", "bc"));
  // It is HMAC-SHA-256 under the index key of "kind \0 value", computed here in one call, and
  // the same on every call of the same keyring (its keyed state is copied, never consumed).
  const std::string message = std::string("email") + '\0' + "ada@example.com";
  std::string expected(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, index_a.data(), index_a.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const uint8_t*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<uint8_t*>(expected.data()));
  EXPECT_EQ(ia, expected);
  EXPECT_EQ(a.BlindIndex("email", "ada@example.com"), expected);
  Keyring copy = a;
  EXPECT_EQ(copy.BlindIndex("email", "ada@example.com"), expected);
}

TEST(Hex, RoundTripsAndRejectsGarbage) {
  std::string out;
  EXPECT_TRUE(FromHex(ToHex(std::string("\x00\xff\x10", 3)), &out));
  EXPECT_EQ(out, std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(FromHex("abc", &out));
  EXPECT_FALSE(FromHex("zz", &out));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace privacyd
