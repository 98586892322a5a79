#include "crypto/keyring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crypto/sealing.h"

namespace privacyd {
namespace {

std::string MasterKeyId(const SecretBytes& key) {
  static constexpr std::string_view kLabel = "privacyd master key id";
  uint8_t out[8];
  crypto_generichash(out, sizeof out, reinterpret_cast<const uint8_t*>(kLabel.data()),
                     kLabel.size(), key.data(), key.size());
  return ToHex({reinterpret_cast<const char*>(out), sizeof out});
}

std::string WrapContext(std::string_view purpose, std::string_view owner) {
  std::string ctx = "privacyd-wrap:";
  ctx.append(purpose).append(":").append(owner);
  return ctx;
}

Status SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    return Error(ErrorKind::kInternal, "sync_failed", "cannot open " + dir.string() + " to sync");
  }
  ::fsync(fd);
  ::close(fd);
  return Ok();
}

}  // namespace

Result<MasterKey> ReadMasterKeyFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error(ErrorKind::kNotFound, "master_key_missing",
                 "master key file " + path.string() + " does not exist");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorKind::kFailedPrecondition, "master_key_permissions",
                 "master key file " + path.string() + " has mode " + mode +
                     " and may be read by other users; restrict it with: chmod 600 " +
                     path.string());
  }
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  std::string raw;
  if (!in.good() && !in.eof()) hex.clear();
  if (hex.size() != 64 || !FromHex(hex, &raw)) {
    return Error(ErrorKind::kDataLoss, "master_key_corrupt",
                 "master key file " + path.string() +
                     " does not hold 64 hexadecimal characters; restore it from your key backup");
  }
  SecretBytes key(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  sodium_memzero(raw.data(), raw.size());
  sodium_memzero(hex.data(), hex.size());
  return MasterKey{MasterKeyId(key), std::move(key)};
}

Result<MasterKey> CreateMasterKeyFile(const std::filesystem::path& path, Random& random) {
  SecretBytes key = NewSymmetricKey(random);
  std::string hex = ToHex({reinterpret_cast<const char*>(key.data()), key.size()}) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Error(ErrorKind::kAlreadyExists, "master_key_exists",
                   "master key file " + path.string() + " already exists; it was not replaced");
    }
    return Error(ErrorKind::kFailedPrecondition, "master_key_create_failed",
                 "cannot create master key file " + path.string() + ": " + std::strerror(errno));
  }
  ::fchmod(fd, 0600);  // regardless of umask
  bool ok =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(hex.data(), hex.size());
  if (!ok) {
    std::filesystem::remove(path);
    return Error(ErrorKind::kFailedPrecondition, "master_key_create_failed",
                 "cannot write master key file " + path.string() + "; check free disk space");
  }
  PD_RETURN_IF_ERROR(SyncDirectory(path.parent_path().empty() ? "." : path.parent_path()));
  return MasterKey{MasterKeyId(key), std::move(key)};
}

Keyring::Keyring(MasterKey wrapping, std::vector<MasterKey> others, SecretBytes index_key)
    : index_key_(std::move(index_key)), index_mac_(index_key_.data(), index_key_.size()) {
  keys_.push_back(std::move(wrapping));
  for (auto& k : others) keys_.push_back(std::move(k));
}

Keyring::~Keyring() = default;

std::string Keyring::Wrap(std::string_view purpose, std::string_view owner, const SecretBytes& key,
                          Random& random) const {
  return Seal(keys_.front().key, {reinterpret_cast<const char*>(key.data()), key.size()},
              WrapContext(purpose, owner), random);
}

Result<SecretBytes> Keyring::Unwrap(std::string_view purpose, std::string_view owner,
                                    const std::string& master_key_id,
                                    std::string_view wrapped) const {
  for (const auto& master : keys_) {
    if (master.id != master_key_id) continue;
    PD_ASSIGN_OR_RETURN(std::string raw, Open(master.key, wrapped, WrapContext(purpose, owner)));
    SecretBytes key(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
    sodium_memzero(raw.data(), raw.size());
    return key;
  }
  return Error(ErrorKind::kDataLoss, "master_key_unknown",
               "a key is wrapped by master key " + master_key_id +
                   ", which is not loaded; restore that master key file");
}

std::string Keyring::BlindIndex(std::string_view kind, std::string_view normalized_value) const {
  std::string out(kBlindIndexBytes, '\0');
  BlindIndexInto(kind, normalized_value, out.data());
  return out;
}

void Keyring::BlindIndexInto(std::string_view kind, std::string_view normalized_value,
                             char* out) const {
  static_assert(kBlindIndexBytes == KeyedHmacSha256::kBytes);
  index_mac_.Mac({kind, std::string_view("\0", 1), normalized_value},
                 reinterpret_cast<uint8_t*>(out));
}

std::string Keyring::WrapIndexKey(const MasterKey& master, const SecretBytes& index_key,
                                  Random& random) {
  return Seal(master.key, {reinterpret_cast<const char*>(index_key.data()), index_key.size()},
              WrapContext("index", ""), random);
}

Result<SecretBytes> Keyring::UnwrapIndexKey(const MasterKey& master, std::string_view wrapped) {
  PD_ASSIGN_OR_RETURN(std::string raw, Open(master.key, wrapped, WrapContext("index", "")));
  SecretBytes key(reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  sodium_memzero(raw.data(), raw.size());
  return key;
}

}  // namespace privacyd
