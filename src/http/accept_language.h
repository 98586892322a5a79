// Content negotiation on the Accept-Language request header (RFC 9110 section 12.5.4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace privacyd {

// The language of `available` (lower-case primary tags such as "de") that the client prefers
// most, by the q-values of `accept_language` ("de-CH, fr;q=0.8, *;q=0.1"). A range matches a
// language when its primary subtag equals it, case-insensitively ("de-CH" matches "de"); "*"
// matches the first available language not named otherwise; q=0 rules a language out. Between
// equal q-values the range written first wins. Returns "" when the header is empty, malformed
// throughout, or accepts none of `available`: the caller then uses its default.
std::string NegotiateLanguage(std::string_view accept_language,
                              const std::vector<std::string>& available);

}  // namespace privacyd
