#include "http/idempotency.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "crypto/secret.h"

namespace privacyd {
namespace {

using nlohmann::json;

std::string EncodeHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  json out = json::array();
  for (const auto& [name, value] : headers) out.push_back(json::array({name, value}));
  return out.dump();
}

Result<std::vector<std::pair<std::string, std::string>>> DecodeHeaders(const std::string& text) {
  Error corrupt(ErrorKind::kDataLoss, "idempotency_record_corrupt",
                "the stored response for this Idempotency-Key is unreadable; retry with a new "
                "key");
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return corrupt;
  std::vector<std::pair<std::string, std::string>> out;
  for (const json& pair : parsed) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return corrupt;
    }
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

HttpResponse Replay(const IdempotencyRecord& record, const std::string& request_id) {
  auto headers = DecodeHeaders(record.headers);
  if (!headers.ok()) return ProblemResponse(headers.error(), request_id);
  HttpResponse response;
  response.status = record.status;
  response.content_type = record.content_type;
  response.body = record.body;
  response.headers = std::move(headers).value();
  response.headers.emplace_back(kIdempotentReplayedHeader, "true");
  return response;
}

HttpResponse Run(const Handler& handler, IdempotencyKeys& keys, const IdempotencyRecord& claim,
                 const HttpRequest& request, const Principal* principal) {
  HttpResponse response;
  try {
    response = handler(request, principal);
  } catch (...) {
    // The server answers 500; the key must not stay claimed by a request that never finished.
    (void)keys.Abandon(claim);
    throw;
  }
  if (response.status >= 500) {
    // A server-side failure is not the request's fault: let the client retry with the key.
    (void)keys.Abandon(claim);
    return response;
  }
  // If storing fails the response still goes out: the work is done. The key then stays in
  // progress until its lease runs out, answering retries with 409 meanwhile.
  response.JoinBody();
  (void)keys.Complete(claim, {response.status, response.content_type,
                              EncodeHeaders(response.headers), response.body});
  return response;
}

}  // namespace

std::string RequestFingerprint(const HttpRequest& request) {
  return request.method + " " + request.path + " " + ToHex(Sha256(request.body));
}

Handler MakeIdempotent(Handler handler, std::shared_ptr<IdempotencyKeys> keys) {
  return [handler = std::move(handler), keys = std::move(keys)](
             const HttpRequest& request, const Principal* principal) -> HttpResponse {
    auto header = request.headers.find(kIdempotencyKeyHeader);
    if (header == request.headers.end()) return handler(request, principal);

    const std::string owner = principal != nullptr ? principal->user_id : "public";
    auto decision = keys->Begin(owner, header->second, RequestFingerprint(request));
    if (!decision.ok()) return ProblemResponse(decision.error(), request.request_id);
    switch (decision->outcome) {
      case IdempotencyDecision::Outcome::kProceed:
        return Run(handler, *keys, decision->record, request, principal);
      case IdempotencyDecision::Outcome::kReplay:
        return Replay(decision->record, request.request_id);
      case IdempotencyDecision::Outcome::kInUse: {
        HttpResponse busy = ProblemResponse(
            409, "idempotency_key_in_use",
            "a request with this Idempotency-Key is still being processed; retry shortly",
            request.request_id);
        busy.headers.emplace_back("Retry-After", "1");
        return busy;
      }
      case IdempotencyDecision::Outcome::kReused:
        return ProblemResponse(422, "idempotency_key_reused",
                               "this Idempotency-Key was used for a different request (method, "
                               "path or body); use a new key for a new request",
                               request.request_id);
    }
    return ProblemResponse(Error(ErrorKind::kInternal, "internal_error", "unknown decision"),
                           request.request_id);
  };
}

}  // namespace privacyd
