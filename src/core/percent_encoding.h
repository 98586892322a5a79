// Percent-encoding (RFC 3986 section 2.1) of a URI component: everything but the unreserved
// characters (letters, digits, "-", ".", "_", "~") and those in `also_safe` becomes %XX.
#pragma once

#include <string>
#include <string_view>

namespace privacyd {

std::string PercentEncode(std::string_view text, std::string_view also_safe = "");

}  // namespace privacyd
