// Opening a data directory: creates it (mode 0700) when missing, opens the store in it and
// applies pending migrations.
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.h"
#include "core/change_counter.h"
#include "core/result.h"
#include "store/store.h"

namespace privacyd {

// Errors: kFailedPrecondition "data_dir_unusable"; the store's errors.
Result<std::unique_ptr<Store>> OpenDataDirStore(const Config& config, bool migrate);

// The data directory's staff change counter, `staff.changes` (staff/staff_directory.h), created
// when missing: every process that manages or authenticates staff opens it. Errors: those of
// ChangeCounter::Open.
Result<std::unique_ptr<ChangeCounter>> OpenStaffChangeCounter(const Config& config);

}  // namespace privacyd
