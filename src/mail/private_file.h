// Reading the mail module's secrets (the DKIM key, the SMTP password) from files that only
// privacyd's user may read.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace privacyd::mail {

// The whole content of `path`, which must be a regular file that neither its group nor others
// may read or write. `what` names the file in messages ("DKIM key file").
// Errors: kFailedPrecondition `unreadable_code` (missing, not a regular file, or unreadable),
// kFailedPrecondition `permissions_code` (mode allows group or others; the message says to
// chmod 600 it). The caller should wipe the returned secret when done.
Result<std::string> ReadPrivateFile(const std::string& path, std::string_view what,
                                    const std::string& unreadable_code,
                                    const std::string& permissions_code);

}  // namespace privacyd::mail
