#include "http/http_types.h"

#include <nlohmann/json.hpp>

namespace privacyd {

int HttpStatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return 400;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kAlreadyExists:
      return 409;
    case ErrorKind::kUnauthenticated:
      return 401;
    case ErrorKind::kPermissionDenied:
      return 403;
    case ErrorKind::kFailedPrecondition:
      return 409;
    case ErrorKind::kResourceExhausted:
      return 429;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kDataLoss:
      return 500;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

const char* HttpReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
  }
  return "Unknown";
}

size_t HttpResponse::BodySize() const {
  size_t size = body.size();
  for (const auto& part : body_tail) size += part.size();
  return size;
}

void HttpResponse::JoinBody() {
  if (body_tail.empty()) return;
  body.reserve(BodySize());
  for (const auto& part : body_tail) body += part;
  body_tail.clear();
}

HttpResponse ProblemResponse(int status, const std::string& code, const std::string& detail,
                             const std::string& request_id) {
  return ProblemResponse(status, code, detail, request_id, nlohmann::json::object());
}

HttpResponse ProblemResponse(int status, const std::string& code, const std::string& detail,
                             const std::string& request_id, const nlohmann::json& extra) {
  nlohmann::json body = {
      {"type", "urn:privacyd:problem:" + code},
      {"title", HttpReasonPhrase(status)},
      {"status", status},
      {"detail", detail},
      {"code", code},
      {"request_id", request_id},
  };
  if (extra.is_object()) body.update(extra);
  HttpResponse response;
  response.status = status;
  response.content_type = "application/problem+json";
  // Replace rather than throw on invalid UTF-8: a message must never take the server down.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

HttpResponse ProblemResponse(const Error& error, const std::string& request_id) {
  return ProblemResponse(HttpStatusFor(error.kind()), error.code(), error.message(), request_id);
}

std::string MediaType(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t')) {
    content_type.remove_prefix(1);
  }
  while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t')) {
    content_type.remove_suffix(1);
  }
  std::string out(content_type);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

}  // namespace privacyd
