// The fields of an HTML form post, whichever way the browser (or a mail client's one-click
// unsubscribe, RFC 8058) encoded it: application/x-www-form-urlencoded, or multipart/form-data
// (RFC 7578). File parts are skipped: no route of ours takes uploads this way.
#pragma once

#include <map>
#include <string>

#include "core/result.h"
#include "http/http_types.h"

namespace privacyd {

// Errors: kInvalidArgument "invalid_form_body" (malformed encoding, no boundary), and
// "unsupported_form_type" for any other media type.
Result<std::multimap<std::string, std::string>> ParseFormFields(const HttpRequest& request);

}  // namespace privacyd
