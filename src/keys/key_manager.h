// Loads the keyring of a data directory and rotates its master key.
//
// Files in the data directory: `master.key` (the master key) and, only while a rotation is in
// progress, `master.key.next` (the key being rotated to). The blind-index key is stored in the
// store, wrapped by a master key (meta "keyring.index_key" = "<master id>:<hex>").
//
// Rotation is crash-safe: the next key is written durably before anything is wrapped under it;
// data keys are re-wrapped in batches, each committed; `master.key.next` replaces `master.key`
// only when nothing is wrapped by the old key any more. Whatever point a rotation stops at, both
// key files are present and every record is readable; running it again finishes it.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "consent/link_tokens.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace privacyd {

// Opens the keyring of `data_dir`. With create_if_missing, a missing master key (and index key)
// is created: this happens only on the first start of a new data directory. Errors are those of
// ReadMasterKeyFile, plus kDataLoss "index_key_unreadable".
Result<std::shared_ptr<const Keyring>> OpenKeyring(const std::filesystem::path& data_dir,
                                                   Store& store, Random& random,
                                                   bool create_if_missing);

struct RotationProgress {
  int64_t rewrapped = 0;
};

// Rotates the master key of `data_dir` (see above). `batch` keys are re-wrapped per
// transaction; `on_progress` is called after each committed batch. The daemon must not be
// running on the directory (the caller holds the DataDirLock).
Status RotateMasterKey(const std::filesystem::path& data_dir, Store& store, Random& random,
                       int batch, const std::function<void(const RotationProgress&)>& on_progress);

// The keys that sign links (consent/link_tokens.h), newest first, from the store, where they are
// kept wrapped by the master key (meta "links.keys"). The first is created when there is none.
// RotateMasterKey re-wraps them with everything else.
Result<std::vector<LinkKey>> LoadLinkKeys(Store& store, const Keyring& keyring, Random& random,
                                          Micros now);

// Adds a new signing key and returns its id. With `retire_others` the older keys are deleted:
// every link they signed (including the unsubscribe links in mail already sent) stops working,
// which is what to do when a key may have leaked. Otherwise they keep verifying. A running
// daemon picks the change up at its next start.
Result<std::string> RotateLinkKeys(Store& store, const Keyring& keyring, Random& random, Micros now,
                                   bool retire_others);

// An exclusive advisory lock on a data directory (file `privacyd.lock`), held by `serve` and by
// offline maintenance such as key rotation, so they never run on one directory at once.
class DataDirLock {
 public:
  // Errors: kFailedPrecondition "data_dir_locked" when another process holds it.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::filesystem::path& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace privacyd
