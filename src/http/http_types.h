// The contract between the HTTP server and the routes that the shells register: a parsed
// request in, a response out. Handlers are plain functions of these types; they never see
// Beast or sockets. The HTTP layer maps a request to one service call and the result to JSON.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "staff/principal.h"

namespace privacyd {

// A body read with a Content-Length has at least this many bytes of capacity after it, so that
// a JSON parser that reads past the end (simdjson) can parse it where it is.
constexpr size_t kRequestBodyPadding = 64;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received, e.g. "/v1/admin/audit?limit=10"
  std::string path;    // percent-decoded path without the query, e.g. "/v1/admin/audit"
  std::multimap<std::string, std::string> query;  // percent-decoded query parameters
  // Header names lower-cased. Repeated headers are joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;        // see kRequestBodyPadding
  std::string request_id;  // from X-Request-Id (if sane) or generated
  std::string remote_address;
  // Who sent the request: remote_address, or behind a trusted reverse proxy the address it
  // forwarded (ServerOptions::trusted_proxies).
  std::string client_address;
  std::map<std::string, std::string> path_params;  // "{id}" segments of the matched route

  // Header value by lower-case name, or "".
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  // First query value by name, or nullopt.
  std::optional<std::string> Query(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Further parts of the body, sent after `body` in this order without being joined: an answer
  // of tens of MB written in parts on several cores (POST /v1/consent/check). Empty parts are
  // skipped. Empty for almost every response.
  std::vector<std::string> body_tail;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, called with the body's parts (`body` first, then `body_tail`'s) once they are
  // sent, or once sending failed, so that their memory serves again (core/string_pool.h).
  std::function<void(std::vector<std::string>)> recycle;

  size_t BodySize() const;
  // Appends the parts of body_tail to body.
  void JoinBody();
};

using Handler = std::function<HttpResponse(const HttpRequest&, const Principal*)>;

struct Route {
  std::string method;   // "GET", "POST", "PUT", "DELETE", "PATCH"
  std::string pattern;  // "/v1/admin/subjects/{id}": literal segments and {name} segments
  // Roles allowed to call this route. Empty: public, the handler gets a null Principal.
  std::vector<std::string> roles;
  // True when the handler may block (store access): it then runs on the worker pool rather
  // than on an I/O thread.
  bool blocking = true;
  Handler handler;
  // Media types (lower case, without parameters) accepted for a request body on POST, PUT and
  // PATCH; anything else is answered 415 `unsupported_media_type` before the handler runs.
  // Empty: any media type (for routes that take form posts or uploads).
  std::vector<std::string> content_types = {"application/json"};
  // True for writes that honour an `Idempotency-Key` request header: AddApiRoutes wraps the
  // handler with MakeIdempotent (http/idempotency.h), so a retry with the same key runs the
  // handler at most once and gets the first response back. Set it on POST routes; the OpenAPI
  // document must then list the header and the 409/422 answers (checked by api_test.cc).
  bool idempotent = false;
  // Largest request body this route takes, when more than the server's http.max_body_bytes
  // (0: the server's limit). Checked from the header, before the body is read.
  size_t max_body_bytes = 0;
  // For a blocking or authenticated route whose handler answers some requests from memory in
  // microseconds (a sender's check of one address): true for a request that runs, its
  // authentication (one short read of the store) included, on the I/O thread that read it. A
  // worker would cost two thread wake-ups, the hand-off and the way back, which is more than
  // such a request's whole work. Called on the I/O thread once the body is read; it must be
  // cheap, and true only for requests that write nothing and wait on nothing but memory and
  // the store's reads. Unset: such a route always runs on the worker pool.
  std::function<bool(const HttpRequest&)> run_inline;
};

// A problem+json (RFC 9457) response for an error: status from the error's kind, body
// {"type","title","status","detail","code","request_id"} and any `extra` members.
HttpResponse ProblemResponse(const Error& error, const std::string& request_id);
// The same with an explicit status, for protocol-level errors that have no ErrorKind
// (405, 413, 415, 431, ...).
HttpResponse ProblemResponse(int status, const std::string& code, const std::string& detail,
                             const std::string& request_id);
// The same with extra members (an object, e.g. {"errors": [...]}) merged into the body.
HttpResponse ProblemResponse(int status, const std::string& code, const std::string& detail,
                             const std::string& request_id, const nlohmann::json& extra);
// The status for an error kind. kFailedPrecondition maps to 409 Conflict: the request is
// well-formed but conflicts with the current state of the resource, and the client should
// change that state (not the request's syntax) before retrying.
int HttpStatusFor(ErrorKind kind);
// The RFC 9110 reason phrase for a status ("Not Found"), or "Unknown".
const char* HttpReasonPhrase(int status);

// The media type of a Content-Type value, lower-cased, without parameters:
// "Application/JSON; charset=utf-8" -> "application/json".
std::string MediaType(std::string_view content_type);

// A JSON response with the given status and serialized body.
HttpResponse JsonResponse(int status, std::string body);

}  // namespace privacyd
