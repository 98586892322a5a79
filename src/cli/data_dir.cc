#include "cli/data_dir.h"

#include <sys/stat.h>

#include "store/sqlite/sqlite_store.h"

namespace privacyd {

Result<std::unique_ptr<Store>> OpenDataDirStore(const Config& config, bool migrate) {
  std::filesystem::path dir = config.Get("data");
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Error(ErrorKind::kFailedPrecondition, "data_dir_unusable",
                   "cannot create data directory " + dir.string() + ": " + ec.message());
    }
    ::chmod(dir.c_str(), 0700);
  }
  SqliteOptions options;
  options.path = (dir / "privacyd.db").string();
  PD_ASSIGN_OR_RETURN(options.read_connections, config.GetInt("store.read_connections", 1, 64));
  PD_ASSIGN_OR_RETURN(options.max_batch, config.GetInt("store.max_batch", 1, 4096));
  PD_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(options));
  if (migrate) PD_RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<ChangeCounter>> OpenStaffChangeCounter(const Config& config) {
  return ChangeCounter::Open(std::filesystem::path(config.Get("data")) / "staff.changes");
}

}  // namespace privacyd
