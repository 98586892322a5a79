// Data subject requests from the command line and the settings of the request service.
//
//   privacyd requests overdue [--format text|json]
//
// lists the open requests past their due date, for cron: exit 0 when there are none, 1 when
// there are some, 2 on an error.
#pragma once

#include <string>

#include "cli/environment.h"
#include "config/config.h"
#include "rights/package_transfer.h"
#include "rights/request_service.h"

namespace privacyd {

// The rights.* keys. Errors: kInvalidArgument "invalid_config" naming the key.
Result<RequestSettings> RequestSettingsFrom(const Config& config);
// The rights.transfer_* keys, likewise.
Result<TransferSettings> TransferSettingsFrom(const Config& config);

// `format` is "text" or "json".
int RunRequestsOverdue(const Config& config, const std::string& format, Environment& env);

}  // namespace privacyd
