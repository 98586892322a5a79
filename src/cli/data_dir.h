// Opening a data directory: creates it (mode 0700) when missing, opens the store in it and
// applies pending migrations.
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.h"
#include "core/result.h"
#include "store/store.h"

namespace privacyd {

// Errors: kFailedPrecondition "data_dir_unusable"; the store's errors.
Result<std::unique_ptr<Store>> OpenDataDirStore(const Config& config, bool migrate);

}  // namespace privacyd
