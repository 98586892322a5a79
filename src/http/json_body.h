// Parsing of JSON request bodies for handlers.
#pragma once

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "http/http_types.h"

namespace privacyd {

// Maximum nesting depth of arrays and objects accepted in a request body.
inline constexpr int kMaxJsonDepth = 64;

// Parses the request body as one JSON value. Errors (all kInvalidArgument, so 400):
//   - `invalid_utf8`: the body is not well-formed UTF-8;
//   - `invalid_json`: empty body, syntax error (the message gives the byte offset), or an object
//     with the same key twice (ambiguous: parsers disagree about which one wins);
//   - `json_too_deep`: arrays/objects nested more than kMaxJsonDepth levels.
// Messages never quote the body, which may hold personal data. Thread-safe.
Result<nlohmann::json> ParseJsonBody(const HttpRequest& request);
Result<nlohmann::json> ParseJsonText(std::string_view text);

}  // namespace privacyd
