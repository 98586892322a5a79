// UTF-8 validation for request bodies.
#pragma once

#include <string_view>

namespace privacyd {

// True when `text` is well-formed UTF-8 (RFC 3629): no overlong encodings, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated or stray continuation bytes.
// Pure function; thread-safe.
bool IsValidUtf8(std::string_view text);

}  // namespace privacyd
