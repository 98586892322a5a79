// `privacyd serve`: builds the daemon's services on a data directory and serves HTTP until
// SIGTERM or SIGINT. Returns the process exit code.
#pragma once

#include "cli/environment.h"
#include "config/config.h"

namespace privacyd {

int RunServe(const Config& config, Environment& env);

}  // namespace privacyd
