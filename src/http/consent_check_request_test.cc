#include "http/consent_check_request.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace privacyd {
namespace {

constexpr char kShapeMessage[] =
    "send {\"topic\": \"newsletter\", \"identities\": [\"ana@example.com\", ...]}";
constexpr char kIdentityMessage[] = "identities are strings: email addresses or subject ids";
constexpr char kMessageIdMessage[] =
    "message_id is a string: the Message-ID the sender will give the mail";

void ExpectError(std::string_view body, const std::string& code, const std::string& message = "") {
  auto parsed = ParseConsentCheckRequest(body);
  ASSERT_FALSE(parsed.ok()) << body;
  EXPECT_EQ(parsed.error().kind(), ErrorKind::kInvalidArgument) << body;
  EXPECT_EQ(parsed.error().code(), code) << body;
  if (!message.empty()) {
    EXPECT_EQ(parsed.error().message(), message) << body;
  }
}

void ExpectSameAsDomReading(std::string_view body, size_t readable) {
  auto fast = ParseConsentCheckRequest(body, readable);
  auto dom = ParseConsentCheckRequestWithDom(body);
  ASSERT_EQ(fast.ok(), dom.ok()) << body;
  if (!dom.ok()) {
    EXPECT_EQ(fast.error().code(), dom.error().code()) << body;
    EXPECT_EQ(fast.error().message(), dom.error().message()) << body;
    return;
  }
  EXPECT_EQ(fast->topic, dom->topic) << body;
  EXPECT_EQ(fast->identities, dom->identities) << body;
  EXPECT_EQ(fast->message_id, dom->message_id) << body;
}

// Both readings give the same answer: the same values, or the same error and message. The fast
// one also where it reads the body in place, with padding bytes that would close the document
// if they were read as part of it.
void ExpectSameAsDom(std::string_view body) {
  ExpectSameAsDomReading(body, body.size());
  std::string in_place(body);
  in_place.reserve(body.size() + kRequestBodyPadding);
  const size_t padding = in_place.capacity() - body.size();
  for (size_t i = 0; i < padding; ++i) in_place += "\"]}"[i % 3];
  in_place.resize(body.size());
  ASSERT_GE(in_place.capacity(), body.size() + kRequestBodyPadding);
  ExpectSameAsDomReading(in_place, in_place.capacity());
}

TEST(ParseConsentCheckRequestTest, ReadsTheExpectedShape) {
  for (const bool in_place : {false, true}) {
    auto body = std::make_unique<std::string>(
        R"( {"identities": ["ana@example.com", "Ren\u00e9@b\u00fccher.de", "a\"b\\c@x.de", "sub_1"],)"
        R"( "message_id": "<m1@example.com>", "topic": "newsletter"} )");
    body->reserve(body->size() + kRequestBodyPadding);
    auto parsed = ParseConsentCheckRequest(*body, in_place ? body->capacity() : 0);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    if (in_place) {
      // Parsed where it is, the identities without escapes view the body; the others were
      // unescaped into the request's own storage.
      auto in_body = [&](std::string_view s) {
        return s.data() >= body->data() && s.data() + s.size() <= body->data() + body->size();
      };
      EXPECT_TRUE(in_body(parsed->identities[0]));
      EXPECT_FALSE(in_body(parsed->identities[1]));
      EXPECT_FALSE(in_body(parsed->identities[2]));
      EXPECT_TRUE(in_body(parsed->identities[3]));
    } else {
      body.reset();  // a copy was parsed: the identities outlive the body
    }
    EXPECT_EQ(parsed->topic, "newsletter");
    EXPECT_EQ(parsed->identities, (decltype(parsed->identities){"ana@example.com", "René@bücher.de",
                                                                "a\"b\\c@x.de", "sub_1"}));
    EXPECT_EQ(parsed->message_id, "<m1@example.com>");
  }
}

TEST(ParseConsentCheckRequestTest, MessageIdIsOptionalAndOtherMembersAreIgnored) {
  auto parsed = ParseConsentCheckRequest(R"({"topic": "t", "identities": []})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->topic, "t");
  EXPECT_TRUE(parsed->identities.empty());
  EXPECT_EQ(parsed->message_id, "");
  auto extra = ParseConsentCheckRequest(
      R"({"topic": "t", "campaign": {"id": [1, 2.5, null, true]}, "identities": ["a@b.de"]})");
  ASSERT_TRUE(extra.ok()) << extra.error().message();
  EXPECT_EQ(extra->identities, decltype(extra->identities){"a@b.de"});
}

TEST(ParseConsentCheckRequestTest, TruncatedOrMalformedJsonIsInvalidJson) {
  ExpectError(R"({"topic": "t", "identities": ["a@b.de")", "invalid_json",
              "The request body is not valid JSON (syntax error at byte 39).");
  ExpectError(R"({"topic": "t", "identities": ["a@b.de"])", "invalid_json");
  ExpectError(R"({"topic": "t", "identities": ["a@b.de",]})", "invalid_json");
  ExpectError(R"({"topic": "t" "identities": []})", "invalid_json");
  ExpectError(R"({"topic": "t", "identities": []} [])", "invalid_json");
  ExpectError(R"({"topic": "t", "identities": ["a\qb@x.de"]})", "invalid_json");
  ExpectError(R"({"topic": "t", "identities": ["\ud800"]})", "invalid_json");
  ExpectError("{\"topic\": \"t\", \"identities\": [\"a\tb@x.de\"]}", "invalid_json");
  ExpectError("", "invalid_json", "The request body is empty; send a JSON document.");
  ExpectError(" \n", "invalid_json", "The request body is empty; send a JSON document.");
}

TEST(ParseConsentCheckRequestTest, WrongTypesAreInvalidConsentCheck) {
  ExpectError(R"({"topic": 1, "identities": []})", "invalid_consent_check", kShapeMessage);
  ExpectError(R"({"identities": []})", "invalid_consent_check", kShapeMessage);
  ExpectError(R"({"topic": "t"})", "invalid_consent_check", kShapeMessage);
  ExpectError(R"({"topic": "t", "identities": "a@b.de"})", "invalid_consent_check", kShapeMessage);
  ExpectError(R"({"topic": "t", "identities": {"a": "a@b.de"}})", "invalid_consent_check",
              kShapeMessage);
  ExpectError(R"([{"topic": "t", "identities": []}])", "invalid_consent_check", kShapeMessage);
  ExpectError(R"("t")", "invalid_consent_check", kShapeMessage);
  ExpectError(R"({"topic": "t", "identities": ["a@b.de", 7]})", "invalid_consent_check",
              kIdentityMessage);
  ExpectError(R"({"topic": "t", "identities": [["a@b.de"]]})", "invalid_consent_check",
              kIdentityMessage);
  ExpectError(R"({"topic": "t", "identities": [null]})", "invalid_consent_check", kIdentityMessage);
  ExpectError(R"({"topic": "t", "identities": [], "message_id": null})", "invalid_consent_check",
              kMessageIdMessage);
  ExpectError(R"({"topic": "t", "identities": [], "message_id": 12})", "invalid_consent_check",
              kMessageIdMessage);
}

TEST(ParseConsentCheckRequestTest, DuplicateKeysAreInvalidJson) {
  const std::string duplicate =
      "The request body has an object with a duplicate key; send each member once.";
  ExpectError(R"({"topic": "t", "identities": [], "topic": "u"})", "invalid_json", duplicate);
  ExpectError(R"({"topic": "t", "identities": ["a@b.de"], "identities": []})", "invalid_json",
              duplicate);
  // The same key once escaped is still the same key.
  ExpectError(R"({"topic": "t", "identities": [], "t\u006fpic": "u"})", "invalid_json", duplicate);
  ExpectError(R"({"topic": "t", "identities": [], "x": {"a": 1, "a": 2}})", "invalid_json",
              duplicate);
}

TEST(ParseConsentCheckRequestTest, InvalidUtf8AndDeepNesting) {
  ExpectError("{\"topic\": \"t\", \"identities\": [\"ana\xff@example.com\"]}", "invalid_utf8");
  ExpectError("{\"topic\": \"t\", \"identities\": [\"\xc3\"]}", "invalid_utf8");
  ExpectError("{\"topic\": \"t\", \"identities\": [], \"m\": \"\xed\xa0\x80\"}", "invalid_utf8");
  std::string deep = R"({"topic": "t", "identities": [], "x": )";
  for (int i = 0; i < 70; ++i) deep += '[';
  for (int i = 0; i < 70; ++i) deep += ']';
  deep += '}';
  ExpectError(deep, "json_too_deep");
}

TEST(ParseConsentCheckRequestTest, MoreThanTheLimitIsReadForTheLedgerToRefuse) {
  // ConsentLedger::Check answers too_many_identities; the reading keeps every identity.
  std::string body = R"({"topic": "newsletter", "identities": [)";
  for (int i = 0; i <= 100'000; ++i) {
    if (i > 0) body += ',';
    body += "\"p" + std::to_string(i) + "@example.com\"";
  }
  body += "]}";
  auto parsed = ParseConsentCheckRequest(body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->identities.size(), 100'001u);
  EXPECT_EQ(parsed->identities.front(), "p0@example.com");
  EXPECT_EQ(parsed->identities.back(), "p100000@example.com");
}

TEST(ParseConsentCheckRequestTest, AgreesWithTheDomReadingOnMangledBodies) {
  const std::string valid =
      R"({"topic": "newsletter", "identities": ["ana@example.com", "B\u00fccher@stra\u00dfe.de",)"
      R"( "sub_01", "x\"y@z.de"], "message_id": "<m@x>"})";
  std::vector<std::string> bodies = {valid};
  // Every truncation.
  for (size_t n = 0; n < valid.size(); ++n) bodies.push_back(valid.substr(0, n));
  // Random byte replacements, insertions and deletions, from a fixed seed.
  std::mt19937 random(20261127);
  const std::string alphabet = "{}[]\",:\\ u0a1tn\x1f\xc3\xa9\xff";
  for (int i = 0; i < 3000; ++i) {
    std::string body = valid;
    int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = random() % body.size();
      char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          body[at] = c;
          break;
        case 1:
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          body.erase(at, 1);
      }
    }
    bodies.push_back(body);
  }
  int accepted = 0;
  for (const auto& body : bodies) {
    ExpectSameAsDom(body);
    if (ParseConsentCheckRequestWithDom(body).ok()) ++accepted;
  }
  // The mangling leaves some bodies valid, so both outcomes are compared.
  EXPECT_GT(accepted, 10);
  EXPECT_LT(accepted, static_cast<int>(bodies.size()) / 2);
}

}  // namespace
}  // namespace privacyd
