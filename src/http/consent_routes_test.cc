#include "http/consent_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "consent/mail_delivery.h"
#include "testing/consent_fixture.h"

namespace privacyd {
namespace {

using nlohmann::json;

class ConsentCheckBodyTest : public testing::ConsentFixture {
 protected:
  // ConsentCheckBody's parts, joined as the server sends them.
  std::string Body(const std::string& mailto, const std::string& topic,
                   const std::string& message_id, const std::vector<std::string>& identities,
                   const std::vector<ConsentCheckItem>& items) {
    const std::vector<std::string_view> views(identities.begin(), identities.end());
    std::string out;
    for (const auto& part : ConsentCheckBody(*ledger_, mailto, topic, message_id, views, items))
      out += part;
    return out;
  }

  // The answer as the route wrote it before it was written straight: a JSON document with
  // MailDelivery::HeadersFor's values, dumped.
  std::string Reference(const std::string& mailto, const std::string& topic,
                        const std::string& message_id, const std::vector<std::string>& identities,
                        const std::vector<ConsentCheckItem>& items) {
    json allowed = json::array();
    json refused = json::array();
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].verdict == ConsentVerdict::kAllowed) {
        auto h = MailDelivery::HeadersFor(*ledger_, mailto, items[i].subject_id, topic, message_id);
        allowed.push_back({{"identity", identities[i]},
                           {"subject_id", items[i].subject_id},
                           {"unsubscribe_url", h.url},
                           {"list_unsubscribe", h.list_unsubscribe},
                           {"list_unsubscribe_post", h.list_unsubscribe_post}});
      } else {
        refused.push_back(
            {{"identity", identities[i]}, {"reason", ConsentVerdictName(items[i].verdict)}});
      }
    }
    return json{
        {"allowed", allowed}, {"checked", items.size()}, {"refused", refused}, {"topic", topic}}
        .dump();
  }
};

TEST_F(ConsentCheckBodyTest, SmallAnswersAreTheDumpedDocument) {
  const std::vector<std::string> identities = {"Ana@Example.com", "quote\"back\\slash@x.de",
                                               "ctl\x01@x.de",    "sub_0001",
                                               "René@bücher.de",  "\t\n\r\b\f\x1f\"e\\\"@x.de"};
  const std::vector<ConsentCheckItem> items = {
      {ConsentVerdict::kAllowed, "sub_ana"}, {ConsentVerdict::kNoConsent, ""},
      {ConsentVerdict::kUnknown, ""},        {ConsentVerdict::kAllowed, "sub_0001"},
      {ConsentVerdict::kSuppressed, ""},     {ConsentVerdict::kAllowed, "sub_ctl"}};
  for (const std::string mailto : {"", "unsubscribe@mail.example.com"}) {
    for (const std::string message_id : {"", "<m.1\"@mail.example.com>"}) {
      EXPECT_EQ(Body(mailto, "newsletter", message_id, identities, items),
                Reference(mailto, "newsletter", message_id, identities, items))
          << mailto << " " << message_id;
    }
  }
  EXPECT_EQ(Body("", "newsletter", "", {}, {}),
            R"({"allowed":[],"checked":0,"refused":[],"topic":"newsletter"})");
  EXPECT_EQ(Body("", "newsletter", "", {"a@b.de"}, {{ConsentVerdict::kErased, ""}}),
            R"({"allowed":[],"checked":1,"refused":[{"identity":"a@b.de","reason":"erased"}],)"
            R"("topic":"newsletter"})");
}

TEST_F(ConsentCheckBodyTest, BigAnswersWrittenInPartsAreJoinedInOrder) {
  // Enough items for several parts; runs of allowed-only and refused-only items so that some
  // parts have an empty list.
  std::vector<std::string> identities;
  std::vector<ConsentCheckItem> items;
  for (int i = 0; i < 30'000; ++i) {
    identities.push_back("p" + std::to_string(i) + "@example.com");
    const bool allowed = i < 9000 ? true : i < 21'000 ? false : i % 3 == 0;
    items.push_back(allowed ? ConsentCheckItem{ConsentVerdict::kAllowed, "sub_" + std::to_string(i)}
                            : ConsentCheckItem{ConsentVerdict::kNoConsent, ""});
  }
  EXPECT_EQ(Body("u@mail.example.com", "newsletter", "m@x", identities, items),
            Reference("u@mail.example.com", "newsletter", "m@x", identities, items));
  // Allowed entries only in the later parts: the first of them has no comma before it.
  std::vector<ConsentCheckItem> late = items;
  for (int i = 0; i < 20'000; ++i) late[i] = {ConsentVerdict::kNoConsent, ""};
  EXPECT_EQ(Body("", "newsletter", "", identities, late),
            Reference("", "newsletter", "", identities, late));
  std::vector<ConsentCheckItem> none(items.size(), {ConsentVerdict::kObjected, ""});
  EXPECT_EQ(Body("", "newsletter", "", identities, none),
            Reference("", "newsletter", "", identities, none));
}

}  // namespace
}  // namespace privacyd
