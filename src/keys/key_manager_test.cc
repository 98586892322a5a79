#include "keys/key_manager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/sealing.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

// Stores `n` subjects' data keys wrapped by `keyring` and returns their raw keys by subject id.
std::map<std::string, std::string> StoreDataKeys(Store& store, const Keyring& keyring,
                                                 Random& random, int n) {
  std::map<std::string, std::string> raw;
  EXPECT_TRUE(store
                  .Write([&](Tx& tx) -> Status {
                    for (int i = 0; i < n; ++i) {
                      std::string id = "sub_" + std::to_string(1000 + i);
                      SecretBytes key = NewSymmetricKey(random);
                      raw[id].assign(reinterpret_cast<const char*>(key.data()), key.size());
                      PD_RETURN_IF_ERROR(tx.InsertSubject({id, 1, std::nullopt}));
                      PD_RETURN_IF_ERROR(tx.PutDataKey({id, keyring.wrapping_key_id(),
                                                        keyring.Wrap("subject", id, key, random)}));
                    }
                    return Ok();
                  })
                  .ok());
  return raw;
}

void ExpectAllReadable(Store& store, const Keyring& keyring,
                       const std::map<std::string, std::string>& raw) {
  for (const auto& [id, expected] : raw) {
    auto row =
        ReadValue<std::optional<DataKeyRecord>>(store, [&](Tx& tx) { return tx.GetDataKey(id); });
    ASSERT_TRUE(row.ok() && row->has_value()) << id;
    auto key = keyring.Unwrap("subject", id, (*row)->master_key_id, (*row)->wrapped);
    ASSERT_TRUE(key.ok()) << id << ": " << key.error().message();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(key->data()), key->size()), expected);
  }
}

TEST(KeyManager, FirstOpenCreatesMasterAndIndexKeysThenReusesThem) {
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  SecureRandom random;
  EXPECT_EQ(OpenKeyring(dir.path(), *store, random, false).error().code(), "master_key_missing");
  auto first = OpenKeyring(dir.path(), *store, random, true);
  ASSERT_TRUE(first.ok());
  auto again = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*first)->wrapping_key_id(), (*again)->wrapping_key_id());
  EXPECT_EQ((*first)->BlindIndex("email", "a@b.c"), (*again)->BlindIndex("email", "a@b.c"));
}

TEST(KeyManager, RotationRewrapsEveryKeyAndKeepsTheBlindIndex) {
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  SecureRandom random;
  auto before = OpenKeyring(dir.path(), *store, random, true);
  ASSERT_TRUE(before.ok());
  auto raw = StoreDataKeys(*store, **before, random, 25);
  std::string index = (*before)->BlindIndex("email", "a@b.c");

  std::vector<int64_t> progress;
  ASSERT_TRUE(RotateMasterKey(dir.path(), *store, random, 10, [&](const RotationProgress& p) {
                progress.push_back(p.rewrapped);
              }).ok());
  EXPECT_EQ(progress, (std::vector<int64_t>{10, 20, 25}));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "master.key.next"));

  auto after = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(after.ok());
  EXPECT_NE((*after)->wrapping_key_id(), (*before)->wrapping_key_id());
  EXPECT_EQ((*after)->BlindIndex("email", "a@b.c"), index);
  ExpectAllReadable(*store, **after, raw);
  auto left = ReadValue<std::vector<DataKeyRecord>>(*store, [&](Tx& tx) {
    return tx.ListDataKeysNotWrappedBy((*after)->wrapping_key_id(), 100);
  });
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST(KeyManager, LinkKeysAreCreatedOnceAndSurviveMasterKeyRotation) {
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  SecureRandom random;
  auto keyring = OpenKeyring(dir.path(), *store, random, true);
  ASSERT_TRUE(keyring.ok());
  auto first = LoadLinkKeys(*store, **keyring, random, 1);
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_EQ(first->size(), 1u);
  LinkSigner signer(std::move(*first));
  std::string token = signer.Sign({LinkPurpose::kUnsubscribe, "sub_1", "newsletter", "m", 0});

  ASSERT_TRUE(RotateMasterKey(dir.path(), *store, random, 10, [](const RotationProgress&) {}).ok());
  auto rotated = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(rotated.ok());
  auto again = LoadLinkKeys(*store, **rotated, random, 2);
  ASSERT_TRUE(again.ok()) << again.error().message();
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, signer.signing_key_id());
  EXPECT_TRUE(LinkSigner(std::move(*again)).Verify(token, 3).ok());
}

TEST(KeyManager, LinkKeyRotationKeepsOrRetiresTheOlderKeys) {
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  SecureRandom random;
  auto keyring = OpenKeyring(dir.path(), *store, random, true);
  ASSERT_TRUE(keyring.ok());
  auto first = LoadLinkKeys(*store, **keyring, random, 1);
  ASSERT_TRUE(first.ok());
  std::string token =
      LinkSigner(std::move(*first)).Sign({LinkPurpose::kPreferences, "sub_1", "", "", 0});

  auto kept = RotateLinkKeys(*store, **keyring, random, 2, /*retire_others=*/false);
  ASSERT_TRUE(kept.ok());
  auto both = LoadLinkKeys(*store, **keyring, random, 3);
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].id, *kept);
  EXPECT_TRUE(LinkSigner(std::move(*both)).Verify(token, 4).ok());

  auto retired = RotateLinkKeys(*store, **keyring, random, 5, /*retire_others=*/true);
  ASSERT_TRUE(retired.ok());
  auto only = LoadLinkKeys(*store, **keyring, random, 6);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].id, *retired);
  EXPECT_EQ(LinkSigner(std::move(*only)).Verify(token, 7).error().code(), "invalid_link");
}

TEST(KeyManager, InterruptedRotationLeavesEverythingReadableAndResumes) {
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  SecureRandom random;
  auto before = OpenKeyring(dir.path(), *store, random, true);
  ASSERT_TRUE(before.ok());
  auto raw = StoreDataKeys(*store, **before, random, 30);

  // Simulate a crash after the first batch: the next key exists and some keys use it.
  ASSERT_TRUE(CreateMasterKeyFile(dir.path() / "master.key.next", random).ok());
  auto midway = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(midway.ok());
  ASSERT_TRUE(store
                  ->Write([&](Tx& tx) -> Status {
                    PD_ASSIGN_OR_RETURN(
                        auto rows, tx.ListDataKeysNotWrappedBy((*midway)->wrapping_key_id(), 10));
                    for (const auto& row : rows) {
                      PD_ASSIGN_OR_RETURN(SecretBytes key,
                                          (*midway)->Unwrap("subject", row.subject_id,
                                                            row.master_key_id, row.wrapped));
                      PD_RETURN_IF_ERROR(
                          tx.PutDataKey({row.subject_id, (*midway)->wrapping_key_id(),
                                         (*midway)->Wrap("subject", row.subject_id, key, random)}));
                    }
                    return Ok();
                  })
                  .ok());
  // A restart in this state reads every key.
  auto reopened = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(reopened.ok());
  ExpectAllReadable(*store, **reopened, raw);

  // Running the rotation again finishes it.
  ASSERT_TRUE(RotateMasterKey(dir.path(), *store, random, 7, [](const RotationProgress&) {}).ok());
  auto after = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->wrapping_key_id(), (*midway)->wrapping_key_id());
  ExpectAllReadable(*store, **after, raw);
}

TEST(KeyManager, TornNextKeyFileIsDiscarded) {
  testing::TempDir dir;
  auto store = testing::OpenTestStore(dir.path());
  SecureRandom random;
  auto before = OpenKeyring(dir.path(), *store, random, true);
  ASSERT_TRUE(before.ok());
  auto next = dir.path() / "master.key.next";
  { std::ofstream(next) << "abc"; }
  chmod(next.c_str(), 0600);
  auto reopened = OpenKeyring(dir.path(), *store, random, false);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->wrapping_key_id(), (*before)->wrapping_key_id());
  EXPECT_FALSE(std::filesystem::exists(next));
}

TEST(DataDirLock, IsExclusive) {
  testing::TempDir dir;
  auto first = DataDirLock::Acquire(dir.path());
  ASSERT_TRUE(first.ok());
  auto second = DataDirLock::Acquire(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), "data_dir_locked");
  first->reset();
  EXPECT_TRUE(DataDirLock::Acquire(dir.path()).ok());
}

}  // namespace
}  // namespace privacyd
