// Percent-decoding (RFC 3986) and application/x-www-form-urlencoded pairs (the WHATWG URL
// standard's form of query strings and of plain HTML form posts).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace privacyd {

// Decodes %XX escapes, and '+' as a space when `plus_is_space` (query strings and forms). False
// on a malformed escape. The result may hold any byte; callers check UTF-8 where it matters.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out);

// Splits "a=1&b=2&b=3" into decoded name/value pairs, in order; empty pairs ("a=1&&b=2") are
// skipped and a name without '=' gets an empty value. False on a malformed escape.
bool ParseUrlEncoded(std::string_view raw, std::multimap<std::string, std::string>& out);

}  // namespace privacyd
