#include "http/json_body.h"

#include <set>
#include <string>
#include <vector>

#include "http/utf8.h"

namespace privacyd {
namespace {

// Thrown from the parser callback to abort parsing; caught in ParseJsonText.
struct JsonRejected {
  Error error;
};

}  // namespace

Result<nlohmann::json> ParseJsonText(std::string_view text) {
  if (!IsValidUtf8(text)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_utf8",
                 "The request body is not valid UTF-8; send the JSON encoded as UTF-8.");
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Error(ErrorKind::kInvalidArgument, "invalid_json",
                 "The request body is empty; send a JSON document.");
  }
  int depth = 0;
  std::vector<std::set<std::string>> keys;  // keys seen in each open object
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (++depth > kMaxJsonDepth) {
          throw JsonRejected{Error(ErrorKind::kInvalidArgument, "json_too_deep",
                                   "The request body nests arrays and objects more than " +
                                       std::to_string(kMaxJsonDepth) + " levels deep.")};
        }
        if (event == Event::object_start) keys.emplace_back();
        break;
      case Event::object_end:
      case Event::array_end:
        --depth;
        if (event == Event::object_end) keys.pop_back();
        break;
      case Event::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) {
          throw JsonRejected{Error(ErrorKind::kInvalidArgument, "invalid_json",
                                   "The request body has an object with a duplicate key; "
                                   "send each member once.")};
        }
        break;
      case Event::value:
        break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const JsonRejected& rejected) {
    return rejected.error;
  } catch (const nlohmann::json::parse_error& e) {
    return Error(ErrorKind::kInvalidArgument, "invalid_json",
                 "The request body is not valid JSON (syntax error at byte " +
                     std::to_string(e.byte) + ").");
  } catch (const nlohmann::json::exception&) {
    return Error(ErrorKind::kInvalidArgument, "invalid_json",
                 "The request body is not valid JSON.");
  }
}

Result<nlohmann::json> ParseJsonBody(const HttpRequest& request) {
  return ParseJsonText(request.body);
}

}  // namespace privacyd
