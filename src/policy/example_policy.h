// The example policy (examples/policy.yaml), compiled into the binary: the daemon's policy when
// none is configured.
#pragma once

#include <string_view>

namespace privacyd {

extern const std::string_view kExamplePolicy;

}  // namespace privacyd
