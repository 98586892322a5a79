#include "keys/key_manager.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "crypto/sealing.h"

namespace privacyd {
namespace {

constexpr char kIndexKeyMeta[] = "keyring.index_key";
constexpr char kLinkKeysMeta[] = "links.keys";

std::filesystem::path CurrentKeyPath(const std::filesystem::path& dir) {
  return dir / "master.key";
}
std::filesystem::path NextKeyPath(const std::filesystem::path& dir) {
  return dir / "master.key.next";
}

struct MasterKeys {
  MasterKey current;
  std::optional<MasterKey> next;
};

Result<MasterKeys> LoadMasterKeys(const std::filesystem::path& dir, Random& random,
                                  bool create_if_missing) {
  Result<MasterKey> current = ReadMasterKeyFile(CurrentKeyPath(dir));
  if (!current.ok() && current.error().code() == "master_key_missing" && create_if_missing) {
    current = CreateMasterKeyFile(CurrentKeyPath(dir), random);
  }
  if (!current.ok()) return current.error();
  MasterKeys keys{std::move(current).value(), std::nullopt};
  Result<MasterKey> next = ReadMasterKeyFile(NextKeyPath(dir));
  if (next.ok()) {
    keys.next = std::move(next).value();
  } else if (next.error().code() == "master_key_corrupt") {
    // The next key is synced before anything is wrapped under it, so a torn file means the
    // rotation stopped before it began: nothing depends on it.
    std::filesystem::remove(NextKeyPath(dir));
  } else if (next.error().code() != "master_key_missing") {
    return next.error();
  }
  return keys;
}

Result<std::string> EncodeIndexKey(const MasterKey& master, const SecretBytes& index_key,
                                   Random& random) {
  return master.id + ":" + ToHex(Keyring::WrapIndexKey(master, index_key, random));
}

Result<SecretBytes> DecodeIndexKey(const std::vector<const MasterKey*>& masters,
                                   const std::string& stored, std::string* wrapped_by) {
  auto colon = stored.find(':');
  std::string raw;
  if (colon == std::string::npos || !FromHex(stored.substr(colon + 1), &raw)) {
    return Error(ErrorKind::kDataLoss, "index_key_unreadable",
                 "the stored blind-index key is malformed; restore the store from a backup");
  }
  std::string id = stored.substr(0, colon);
  for (const MasterKey* m : masters) {
    if (m->id != id) continue;
    *wrapped_by = id;
    return Keyring::UnwrapIndexKey(*m, raw);
  }
  return Error(ErrorKind::kDataLoss, "index_key_unreadable",
               "the blind-index key is wrapped by master key " + id +
                   ", which is not in the data directory; restore that master key file");
}

// Loads the index key (creating it when the store has none). `wrapping` wraps a new one.
Result<SecretBytes> LoadIndexKey(Store& store, Random& random,
                                 const std::vector<const MasterKey*>& masters,
                                 std::string* wrapped_by) {
  std::optional<SecretBytes> key;
  PD_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto stored, tx.GetMeta(kIndexKeyMeta));
    if (stored) {
      PD_ASSIGN_OR_RETURN(key, DecodeIndexKey(masters, *stored, wrapped_by));
      return Ok();
    }
    key = NewSymmetricKey(random);
    *wrapped_by = masters.front()->id;
    PD_ASSIGN_OR_RETURN(std::string encoded, EncodeIndexKey(*masters.front(), *key, random));
    return tx.PutMeta(kIndexKeyMeta, encoded);
  }));
  return std::move(*key);
}

Error LinkKeysUnreadable() {
  return Error(ErrorKind::kDataLoss, "link_keys_unreadable",
               "the stored link keys are malformed; restore the store from a backup");
}

// meta "links.keys": [{"id", "master", "wrapped" (hex), "created_at"}, ...], newest first.
Result<nlohmann::json> ReadLinkKeyEntries(Tx& tx) {
  PD_ASSIGN_OR_RETURN(auto stored, tx.GetMeta(kLinkKeysMeta));
  if (!stored) return nlohmann::json::array();
  nlohmann::json entries = nlohmann::json::parse(*stored, nullptr, false);
  if (!entries.is_array()) return LinkKeysUnreadable();
  for (const auto& e : entries) {
    if (!e.is_object() || !e.value("id", nlohmann::json()).is_string() ||
        !e.value("master", nlohmann::json()).is_string() ||
        !e.value("wrapped", nlohmann::json()).is_string()) {
      return LinkKeysUnreadable();
    }
  }
  return entries;
}

nlohmann::json NewLinkKeyEntry(const Keyring& keyring, Random& random, Micros now) {
  std::string id = RandomHex(random, 4);
  SecretBytes key = NewSymmetricKey(random);
  return {{"id", id},
          {"master", keyring.wrapping_key_id()},
          {"wrapped", ToHex(keyring.Wrap("link", id, key, random))},
          {"created_at", now}};
}

Result<LinkKey> OpenLinkKeyEntry(const Keyring& keyring, const nlohmann::json& entry) {
  std::string wrapped;
  if (!FromHex(entry["wrapped"].get<std::string>(), &wrapped)) return LinkKeysUnreadable();
  std::string id = entry["id"].get<std::string>();
  PD_ASSIGN_OR_RETURN(SecretBytes key,
                      keyring.Unwrap("link", id, entry["master"].get<std::string>(), wrapped));
  return LinkKey{std::move(id), std::move(key)};
}

// Re-wraps every link key under the keyring's wrapping key.
Status RewrapLinkKeys(Tx& tx, const Keyring& keyring, Random& random) {
  PD_ASSIGN_OR_RETURN(nlohmann::json entries, ReadLinkKeyEntries(tx));
  if (entries.empty()) return Ok();
  for (auto& entry : entries) {
    PD_ASSIGN_OR_RETURN(LinkKey key, OpenLinkKeyEntry(keyring, entry));
    entry["master"] = keyring.wrapping_key_id();
    entry["wrapped"] = ToHex(keyring.Wrap("link", key.id, key.key, random));
  }
  return tx.PutMeta(kLinkKeysMeta, entries.dump());
}

}  // namespace

Result<std::vector<LinkKey>> LoadLinkKeys(Store& store, const Keyring& keyring, Random& random,
                                          Micros now) {
  std::vector<LinkKey> keys;
  PD_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
    keys.clear();
    PD_ASSIGN_OR_RETURN(nlohmann::json entries, ReadLinkKeyEntries(tx));
    if (entries.empty()) {
      entries.push_back(NewLinkKeyEntry(keyring, random, now));
      PD_RETURN_IF_ERROR(tx.PutMeta(kLinkKeysMeta, entries.dump()));
    }
    for (const auto& entry : entries) {
      PD_ASSIGN_OR_RETURN(LinkKey key, OpenLinkKeyEntry(keyring, entry));
      keys.push_back(std::move(key));
    }
    return Ok();
  }));
  return keys;
}

Result<std::string> RotateLinkKeys(Store& store, const Keyring& keyring, Random& random, Micros now,
                                   bool retire_others) {
  std::string id;
  PD_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(nlohmann::json entries, ReadLinkKeyEntries(tx));
    nlohmann::json fresh = NewLinkKeyEntry(keyring, random, now);
    id = fresh["id"].get<std::string>();
    nlohmann::json out = nlohmann::json::array({fresh});
    if (!retire_others) {
      for (auto& e : entries) out.push_back(std::move(e));
    }
    return tx.PutMeta(kLinkKeysMeta, out.dump());
  }));
  return id;
}

Result<std::shared_ptr<const Keyring>> OpenKeyring(const std::filesystem::path& data_dir,
                                                   Store& store, Random& random,
                                                   bool create_if_missing) {
  PD_ASSIGN_OR_RETURN(MasterKeys keys, LoadMasterKeys(data_dir, random, create_if_missing));
  std::vector<const MasterKey*> order;  // the wrapping key first
  if (keys.next) order.push_back(&*keys.next);
  order.push_back(&keys.current);
  std::string wrapped_by;
  PD_ASSIGN_OR_RETURN(SecretBytes index_key, LoadIndexKey(store, random, order, &wrapped_by));
  std::vector<MasterKey> others;
  if (keys.next) {
    others.push_back(std::move(keys.current));
    return std::make_shared<const Keyring>(std::move(*keys.next), std::move(others),
                                           std::move(index_key));
  }
  return std::make_shared<const Keyring>(std::move(keys.current), std::move(others),
                                         std::move(index_key));
}

Status RotateMasterKey(const std::filesystem::path& data_dir, Store& store, Random& random,
                       int batch, const std::function<void(const RotationProgress&)>& on_progress) {
  if (batch < 1) batch = 1;
  if (!std::filesystem::exists(NextKeyPath(data_dir))) {
    // Make sure the current key opens before starting anything.
    PD_RETURN_IF_ERROR(ReadMasterKeyFile(CurrentKeyPath(data_dir)));
    PD_RETURN_IF_ERROR(CreateMasterKeyFile(NextKeyPath(data_dir), random));
  }
  PD_ASSIGN_OR_RETURN(MasterKeys keys, LoadMasterKeys(data_dir, random, false));
  if (!keys.next) {
    return Error(ErrorKind::kInternal, "rotation_failed", "the next master key vanished");
  }
  Keyring keyring(keys.next->Copy(), {keys.current.Copy()}, SecretBytes());
  RotationProgress progress;
  for (;;) {
    int done = 0;
    PD_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
      PD_ASSIGN_OR_RETURN(auto rows, tx.ListDataKeysNotWrappedBy(keys.next->id, batch));
      for (const auto& row : rows) {
        PD_ASSIGN_OR_RETURN(SecretBytes key, keyring.Unwrap("subject", row.subject_id,
                                                            row.master_key_id, row.wrapped));
        PD_RETURN_IF_ERROR(tx.PutDataKey(
            {row.subject_id, keys.next->id, keyring.Wrap("subject", row.subject_id, key, random)}));
      }
      done = static_cast<int>(rows.size());
      return Ok();
    }));
    if (done == 0) break;
    progress.rewrapped += done;
    on_progress(progress);
  }
  PD_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto stored, tx.GetMeta(kIndexKeyMeta));
    if (!stored) return Ok();
    std::string wrapped_by;
    PD_ASSIGN_OR_RETURN(SecretBytes index_key,
                        DecodeIndexKey({&*keys.next, &keys.current}, *stored, &wrapped_by));
    PD_ASSIGN_OR_RETURN(std::string encoded, EncodeIndexKey(*keys.next, index_key, random));
    PD_RETURN_IF_ERROR(tx.PutMeta(kIndexKeyMeta, encoded));
    return RewrapLinkKeys(tx, keyring, random);
  }));
  // Everything is wrapped by the next key: it becomes the current one.
  if (std::rename(NextKeyPath(data_dir).c_str(), CurrentKeyPath(data_dir).c_str()) != 0) {
    return Error(ErrorKind::kInternal, "rotation_failed",
                 "cannot rename master.key.next to master.key; run the rotation again");
  }
  int fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return Ok();
}

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::filesystem::path& data_dir) {
  auto path = data_dir / "privacyd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(ErrorKind::kFailedPrecondition, "data_dir_unusable",
                 "cannot open " + path.string() + "; check that the data directory is writable");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Error(ErrorKind::kFailedPrecondition, "data_dir_locked",
                 "another privacyd process is using " + data_dir.string() +
                     "; stop it first (key rotation and migrations run with the server stopped)");
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

}  // namespace privacyd
