// The keyring: master keys, wrapping of per-subject data keys, and the blind index.
//
// A master key (32 random bytes, in a 0600 file) wraps every subject's data key and the
// blind-index key; it never encrypts personal data itself. Erasing a subject destroys its wrapped
// data key, and with it every value sealed under that key. A Keyring may hold a second,
// "next" master key while a rotation is in progress: new wraps use the newest key, unwraps use
// whichever key a record names. Immutable after construction, so thread-safe.
#pragma once

#include <sodium.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/result.h"
#include "crypto/hmac_sha256.h"
#include "crypto/secret.h"

namespace privacyd {

struct MasterKey {
  std::string id;  // 16 hex characters derived from the key; safe to store and log
  SecretBytes key;

  MasterKey Copy() const { return MasterKey{id, key}; }
};

// Reads a master key file (64 hex characters and a newline). Errors: kFailedPrecondition
// "master_key_permissions" when group or others may read the file (the message says to run
// chmod 600); kNotFound "master_key_missing"; kDataLoss "master_key_corrupt".
Result<MasterKey> ReadMasterKeyFile(const std::filesystem::path& path);

// Creates a new master key file with mode 0600, durably (file and directory synced). Fails with
// kAlreadyExists "master_key_exists" rather than overwrite an existing file.
Result<MasterKey> CreateMasterKeyFile(const std::filesystem::path& path, Random& random);

class Keyring {
 public:
  // `wrapping` is the key new wraps use; `others` can still unwrap (rotation in progress).
  Keyring(MasterKey wrapping, std::vector<MasterKey> others, SecretBytes index_key);
  ~Keyring();
  Keyring(const Keyring&) = default;
  Keyring& operator=(const Keyring&) = default;

  const std::string& wrapping_key_id() const { return keys_.front().id; }

  // Wraps a subject's data key under the wrapping master key.
  std::string Wrap(std::string_view purpose, std::string_view owner, const SecretBytes& key,
                   Random& random) const;
  // Unwraps a key wrapped by the master key `master_key_id`. Errors: kDataLoss
  // "master_key_unknown" when no loaded master key has that id, "unseal_failed" when tampered.
  Result<SecretBytes> Unwrap(std::string_view purpose, std::string_view owner,
                             const std::string& master_key_id, std::string_view wrapped) const;

  // Keyed blind index (HMAC-SHA-256) of a normalised identity value of `kind`: equal inputs give
  // equal outputs, and nobody without the key can compute or invert it. Raw 32 bytes.
  std::string BlindIndex(std::string_view kind, std::string_view normalized_value) const;
  // The same into `out`, which has room for kBlindIndexBytes.
  void BlindIndexInto(std::string_view kind, std::string_view normalized_value, char* out) const;
  static constexpr size_t kBlindIndexBytes = 32;

  // Wraps/unwraps the index key itself, for storage beside the data.
  static std::string WrapIndexKey(const MasterKey& master, const SecretBytes& index_key,
                                  Random& random);
  static Result<SecretBytes> UnwrapIndexKey(const MasterKey& master, std::string_view wrapped);

 private:
  std::vector<MasterKey> keys_;  // front() wraps
  SecretBytes index_key_;
  // HMAC-SHA-256 keyed once with index_key_: each blind index copies it instead of keying anew
  // (bench/consent_bench.cc). Secret like the key; wiped with it.
  KeyedHmacSha256 index_mac_;
};

}  // namespace privacyd
