#include "http/consent_check_request.h"

#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "http/json_body.h"

namespace privacyd {
namespace {

using nlohmann::json;

Error Invalid(const std::string& detail) {
  return Error(ErrorKind::kInvalidArgument, "invalid_consent_check", detail);
}

// A string value with nothing to unescape (no backslash, and no control character, which JSON
// does not allow unescaped): true, with `text` viewing it where it is in the body. get_string
// would copy it, unchanged, into the parser's buffer: for a big check some 4 MB of memory
// written for nothing. False for anything else, which get_string then reads (or refuses).
bool RawString(simdjson::simdjson_result<simdjson::ondemand::value>& value,
               std::string_view& text) {
  std::string_view token;  // the value and the white space after it
  if (value.raw_json_token().get(token) != simdjson::SUCCESS) return false;
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return false;
  token = token.substr(1, token.size() - 2);
  for (char c : token) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  text = token;
  return true;
}

// The body read with simdjson's On-Demand API when it has exactly the expected shape: one object
// whose members are "topic" (a string), "identities" (an array of strings) and "message_id" (a
// string), each at most once, and nothing after it. nullopt for anything else, including every
// error simdjson reports; the caller then reads the body with nlohmann::json, which gives the
// precise error. Only values read here are accepted, so nothing is skipped unvalidated.
std::optional<ConsentCheckRequest> ParseExpectedShape(std::string_view body, size_t readable) {
  using simdjson::ondemand::array;
  using simdjson::ondemand::document;
  using simdjson::ondemand::field;
  using simdjson::ondemand::object;
  using simdjson::ondemand::value;
  // One parser per call: its buffers are sized to the body (tens of MB for the largest), and a
  // parser kept per worker thread would hold that much on each of them. It stays with the
  // request: the identities are views of the strings it unescaped.
  auto parser = std::make_shared<simdjson::ondemand::parser>();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end (what they hold does not change
  // the result): a body read with room for them is parsed where it is, any other copied.
  static_assert(kRequestBodyPadding >= simdjson::SIMDJSON_PADDING);
  std::optional<simdjson::padded_string> copy;
  if (readable < body.size() + simdjson::SIMDJSON_PADDING) copy.emplace(body);
  document doc;
  auto iterated =
      copy ? parser->iterate(*copy) : parser->iterate(body.data(), body.size(), readable);
  if (std::move(iterated).get(doc) != simdjson::SUCCESS) return std::nullopt;
  object members;
  if (doc.get_object().get(members) != simdjson::SUCCESS) return std::nullopt;
  ConsentCheckRequest request;
  bool has_topic = false;
  bool has_identities = false;
  bool has_message_id = false;
  for (auto member_result : members) {
    field member;
    if (std::move(member_result).get(member) != simdjson::SUCCESS) return std::nullopt;
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS) return std::nullopt;
    value member_value = member.value();
    std::string_view text;
    if (key == "topic" && !has_topic) {
      has_topic = true;
      if (member_value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
      request.topic = text;
    } else if (key == "message_id" && !has_message_id) {
      has_message_id = true;
      if (member_value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
      request.message_id = text;
    } else if (key == "identities" && !has_identities) {
      has_identities = true;
      array identities;
      if (member_value.get_array().get(identities) != simdjson::SUCCESS) return std::nullopt;
      // Counted first (a walk over the structural index), so that the list is allocated once
      // rather than grown and moved some 17 times for 100,000 identities.
      size_t count = 0;
      if (identities.count_elements().get(count) != simdjson::SUCCESS) return std::nullopt;
      request.identities.reserve(count);
      for (auto identity : identities) {
        // Viewed in the body when it is read in place (not a copy) and holds no escape.
        const bool viewed = !copy && RawString(identity, text);
        if (!viewed && identity.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
        request.identities.push_back(text);
      }
    } else {
      return std::nullopt;  // another member, or one repeated
    }
  }
  if (!has_topic || !has_identities) return std::nullopt;
  // Nothing may follow the object (On-Demand reads only as far as it is asked to).
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return std::nullopt;
  request.storage = std::move(parser);
  return request;
}

}  // namespace

Result<ConsentCheckRequest> ParseConsentCheckRequestWithDom(std::string_view body) {
  PD_ASSIGN_OR_RETURN(json parsed, ParseJsonText(body));
  if (!parsed.is_object() || !parsed.value("topic", json()).is_string() ||
      !parsed.value("identities", json()).is_array()) {
    return Invalid("send {\"topic\": \"newsletter\", \"identities\": [\"ana@example.com\", ...]}");
  }
  ConsentCheckRequest request;
  auto strings = std::make_shared<std::vector<std::string>>();
  strings->reserve(parsed["identities"].size());
  for (auto& identity : parsed["identities"]) {
    if (!identity.is_string())
      return Invalid("identities are strings: email addresses or subject ids");
    strings->push_back(std::move(identity.get_ref<std::string&>()));
  }
  request.identities.assign(strings->begin(), strings->end());
  request.storage = std::move(strings);
  if (parsed.contains("message_id") && !parsed["message_id"].is_string()) {
    return Invalid("message_id is a string: the Message-ID the sender will give the mail");
  }
  request.message_id = parsed.value("message_id", std::string());
  request.topic = parsed["topic"].get<std::string>();
  return request;
}

Result<ConsentCheckRequest> ParseConsentCheckRequest(std::string_view body, size_t readable) {
  if (auto request = ParseExpectedShape(body, readable)) return std::move(*request);
  return ParseConsentCheckRequestWithDom(body);
}

}  // namespace privacyd
