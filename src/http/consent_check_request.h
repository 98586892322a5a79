// The body of POST /v1/consent/check, read into domain values: {"topic": "...", "identities":
// ["ana@example.com", "sub_...", ...], "message_id"?: "..."}.
//
// A request of 100,000 identities is some 4 MB of JSON. ParseConsentCheckRequest reads a body
// of exactly that shape with simdjson's On-Demand API (no document tree); any other body (an
// unknown or repeated member, a wrong type, a syntax error anywhere, invalid UTF-8) goes to
// ParseConsentCheckRequestWithDom, so every body gets exactly the answer of the
// nlohmann::json reading, which stays the reference.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/huge_pages.h"
#include "core/result.h"
#include "http/http_types.h"

namespace privacyd {

struct ConsentCheckRequest {
  std::string topic;
  // In the order given; not checked here. They point into `storage` (the parser's own copy of
  // the strings on the fast path) or, for a body parsed where it is (`readable`, below), into
  // the body itself when they hold no escape: the body must outlive them. A request of
  // 100,000 identities makes no string of each.
  std::vector<std::string_view, HugePageAllocator<std::string_view>> identities;
  std::string message_id;  // "" when absent
  std::shared_ptr<const void> storage;
};

// Errors (all kInvalidArgument, so 400): those of ParseJsonText (http/json_body.h:
// `invalid_utf8`, `invalid_json` also for a duplicate key, `json_too_deep`), then
// `invalid_consent_check` for a body that is not an object with a string "topic", an array
// "identities" of strings and, when present, a string "message_id". Other members are ignored.
// The number of identities is not limited here (ConsentLedger::Check refuses more than
// kMaxCheck). Messages never quote the body. Thread-safe.
//
// `readable`: how many bytes from body.data() may be read (0: body.size()). With
// kRequestBodyPadding of them after the body (HttpRequest::body as the server reads it), the
// body is parsed where it is rather than copied; what they hold does not matter.
Result<ConsentCheckRequest> ParseConsentCheckRequest(std::string_view body, size_t readable = 0);

// The same through a nlohmann::json document: the reference for the fast path's answers.
Result<ConsentCheckRequest> ParseConsentCheckRequestWithDom(std::string_view body);

}  // namespace privacyd
