#include "consent/link_tokens.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "core/random.h"
#include "crypto/sealing.h"
#include "crypto/secret.h"

namespace privacyd {
namespace {

constexpr Micros kNow = 1'800'000'000'000'000;

LinkKey Key(const std::string& id, uint64_t seed) {
  SeededRandom random(seed);
  return LinkKey{id, NewSymmetricKey(random)};
}

LinkClaims Unsubscribe() {
  return LinkClaims{LinkPurpose::kUnsubscribe, "sub_01J8Z3ABCDEF", "newsletter",
                    "msg.1@mail.example.com", 0};
}

TEST(LinkTokens, ASignedTokenVerifiesToItsClaims) {
  LinkSigner signer({Key("0a0b0c0d", 1)});
  std::string token = signer.Sign(Unsubscribe());
  for (char c : token) {
    EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << token;
  }
  auto claims = signer.Verify(token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message();
  EXPECT_EQ(claims->purpose, LinkPurpose::kUnsubscribe);
  EXPECT_EQ(claims->subject_id, "sub_01J8Z3ABCDEF");
  EXPECT_EQ(claims->topic, "newsletter");
  EXPECT_EQ(claims->message_id, "msg.1@mail.example.com");
  EXPECT_EQ(claims->expires_at, 0);
}

// `raw` with its MAC (libsodium's HMAC-SHA-256 over the domain and `raw`, cut to 16 bytes), as
// base64url without padding (libsodium's encoder).
std::string SignedAndEncoded(const LinkKey& key, std::string raw) {
  const std::string message = "privacyd link v1" + raw;
  uint8_t mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.key.data(), key.key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const uint8_t*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  raw.append(reinterpret_cast<const char*>(mac), 16);
  std::string out(sodium_base64_encoded_len(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const uint8_t*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.pop_back();
  return out;
}

// The token's layout, computed here from the header's description: what Sign and AppendToken
// write, byte for byte.
std::string ExpectedToken(const LinkKey& key, char purpose, uint64_t expires,
                          const std::string& rest) {
  std::string raw;
  raw.push_back('\x01');
  std::string key_id;
  EXPECT_TRUE(FromHex(key.id, &key_id));
  raw += key_id;
  raw.push_back(purpose);
  for (int shift = 56; shift >= 0; shift -= 8) raw.push_back(static_cast<char>(expires >> shift));
  raw += rest;
  return SignedAndEncoded(key, raw);
}

TEST(LinkTokens, AppendTokenWritesTheDocumentedLayoutAfterWhatIsThere) {
  const LinkKey key = Key("0a0b0c0d", 1);
  LinkSigner signer({Key("0a0b0c0d", 1)});
  const std::string expected = ExpectedToken(
      key, 'u', 0, std::string("sub_01J8Z3ABCDEF\x1fnewsletter\x1fmsg.1@mail.example.com"));
  EXPECT_EQ(signer.Sign(Unsubscribe()), expected);
  std::string out = "https://privacy.example.com/u/";
  signer.AppendToken(LinkPurpose::kUnsubscribe, "sub_01J8Z3ABCDEF", "newsletter",
                     "msg.1@mail.example.com", 0, out);
  EXPECT_EQ(out, "https://privacy.example.com/u/" + expected);
  // Every length modulo 3 of the raw token, so every padding case of base64, and the bytes
  // that differ between base64 and base64url ('+' and '/') among many tokens.
  for (size_t n = 0; n < 300; ++n) {
    const std::string message_id(n % 7, static_cast<char>('a' + n % 26));
    const std::string subject = "sub_" + std::to_string(n * 7919);
    out = "x";
    signer.AppendToken(LinkPurpose::kUnsubscribe, subject, "newsletter", message_id, 0, out);
    EXPECT_EQ(out, "x" + ExpectedToken(key, 'u', 0, subject + "\x1fnewsletter\x1f" + message_id))
        << n;
  }
  // Claims longer than the signer's stack buffer, and an expiry.
  const std::string long_id(700, 'm');
  const Micros expires = kNow + 1234;
  std::string long_token;
  signer.AppendToken(LinkPurpose::kPreferences, "sub_1", "", long_id, expires, long_token);
  EXPECT_EQ(long_token,
            ExpectedToken(key, 'p', static_cast<uint64_t>(expires), "sub_1\x1f\x1f" + long_id));
  auto claims = signer.Verify(long_token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message();
  EXPECT_EQ(claims->message_id, long_id);
  EXPECT_EQ(claims->expires_at, expires);
}

// The compact layout (version 2), computed here from the header's description: `packed` is
// the subject id's 130 bits in 17 bytes.
std::string ExpectedCompactToken(const LinkKey& key, char purpose, const std::string& packed,
                                 const std::string& rest) {
  std::string raw;
  raw.push_back('\x02');
  std::string key_id;
  EXPECT_TRUE(FromHex(key.id, &key_id));
  raw += key_id;
  raw.push_back(purpose);
  raw += packed;
  raw += rest;
  return SignedAndEncoded(key, raw);
}

TEST(LinkTokens, SubjectIdsAsPrivacydMakesThemGetCompactTokensThatNeverExpire) {
  const LinkKey key = Key("0a0b0c0d", 1);
  LinkSigner signer({Key("0a0b0c0d", 1)});
  // "sub_" then 0, 1, ..., 31, 0, 1, ...: 5 bits each, so the packed bytes are known.
  const std::string id = "sub_0123456789ABCDEFGHJKMNPQRS";
  const std::string packed("\x00\x44\x32\x14\xc7\x42\x54\xb6\x35\xcf\x84\x65\x3a\x56\xd7\xc6\x40",
                           17);
  const std::string token = signer.Sign({LinkPurpose::kUnsubscribe, id, "newsletter", "", 0});
  EXPECT_EQ(token, ExpectedCompactToken(key, 'u', packed, "newsletter\x1f"));
  EXPECT_EQ(token.size(), 67u);  // 96 in the first layout
  auto claims = signer.Verify(token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message();
  EXPECT_EQ(claims->subject_id, id);
  EXPECT_EQ(claims->topic, "newsletter");
  EXPECT_EQ(claims->message_id, "");
  EXPECT_EQ(claims->expires_at, 0);
  // Every id NewId and NewTimeOrderedId make comes back as it went in, message id and all.
  SeededRandom random(7);
  for (int i = 0; i < 2000; ++i) {
    const std::string subject = i % 2 ? NewId(random, "sub") : NewTimeOrderedId(random, i, "sub");
    const std::string message_id = "m" + std::to_string(i) + "@mail.example";
    std::string out = "x";
    signer.AppendToken(LinkPurpose::kUnsubscribe, subject, "*", message_id, 0, out);
    ASSERT_LT(out.size(), 1 + 96u) << subject;
    auto back = signer.Verify(out.substr(1), kNow);
    ASSERT_TRUE(back.ok()) << subject;
    EXPECT_EQ(back->subject_id, subject);
    EXPECT_EQ(back->topic, "*");
    EXPECT_EQ(back->message_id, message_id);
  }
}

TEST(LinkTokens, OtherIdsAndLinksThatExpireKeepTheFirstLayoutAndBothVerify) {
  const LinkKey key = Key("0a0b0c0d", 1);
  LinkSigner signer({Key("0a0b0c0d", 1)});
  const std::string id = "sub_0123456789ABCDEFGHJKMNPQRS";
  // Not as NewId writes it: lower case, letters Crockford leaves out, another length or prefix.
  for (const std::string other :
       {"sub_0123456789abcdefghjkmnpqrs", "sub_0123456789ABCDEFGHIKMNPQRS",
        "sub_0123456789ABCDEFGHJKMNPQRU", "sub_0123456789ABCDEFGHJKMNPQR",
        "sub_0123456789ABCDEFGHJKMNPQRST", "req_0123456789ABCDEFGHJKMNPQRS"}) {
    const std::string token = signer.Sign({LinkPurpose::kUnsubscribe, other, "newsletter", "", 0});
    EXPECT_EQ(token, ExpectedToken(key, 'u', 0, other + "\x1fnewsletter\x1f")) << other;
    ASSERT_TRUE(signer.Verify(token, kNow).ok()) << other;
    EXPECT_EQ(signer.Verify(token, kNow)->subject_id, other);
  }
  const Micros expires = kNow + 1000;
  const std::string expiring = signer.Sign({LinkPurpose::kPreferences, id, "", "", expires});
  EXPECT_EQ(expiring, ExpectedToken(key, 'p', static_cast<uint64_t>(expires), id + "\x1f\x1f"));
  EXPECT_EQ(signer.Verify(expiring, kNow)->expires_at, expires);
  // A link sent in the first layout before the compact one existed still verifies.
  auto old = signer.Verify(ExpectedToken(key, 'u', 0, id + "\x1fnewsletter\x1fm1"), kNow);
  ASSERT_TRUE(old.ok()) << old.error().message();
  EXPECT_EQ(old->subject_id, id);
  EXPECT_EQ(old->message_id, "m1");
}

TEST(LinkTokens, EveryFlippedBitAndEveryTruncationIsRefusedWithOneCode) {
  LinkSigner signer({Key("0a0b0c0d", 1)});
  for (const std::string& token :
       {signer.Sign(Unsubscribe()),
        signer.Sign({LinkPurpose::kUnsubscribe, "sub_01J8Z3ABCDEFGHJKMNPQRSTVWX", "newsletter",
                     "msg.1@mail.example.com", 0})}) {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < token.size(); ++i) {
      std::string forged = token;
      forged[i] = alphabet[(alphabet.find(token[i]) + 1) % alphabet.size()];
      auto r = signer.Verify(forged, kNow);
      // The last character may carry only padding bits; any real change is refused.
      if (r.ok()) {
        EXPECT_EQ(i, token.size() - 1);
        continue;
      }
      EXPECT_EQ(r.error().code(), "invalid_link") << "position " << i;
    }
    for (size_t n = 0; n < token.size(); ++n) {
      auto r = signer.Verify(token.substr(0, n), kNow);
      ASSERT_FALSE(r.ok()) << "length " << n;
      EXPECT_EQ(r.error().code(), "invalid_link");
    }
  }
}

TEST(LinkTokens, AnotherPersonsClaimsCannotBeGraftedOntoAValidMac) {
  LinkSigner signer({Key("0a0b0c0d", 1)});
  LinkClaims other = Unsubscribe();
  other.subject_id = "sub_01J8Z3OTHER0";
  std::string mine = signer.Sign(Unsubscribe());
  std::string theirs = signer.Sign(other);
  // Splice: my header and body with their MAC (the last 16 bytes = last ~22 characters).
  std::string spliced = mine.substr(0, mine.size() - 22) + theirs.substr(theirs.size() - 22);
  auto r = signer.Verify(spliced, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "invalid_link");
}

TEST(LinkTokens, OlderKeysVerifyUntilRetiredAndUnknownKeysNever) {
  LinkKey old_key = Key("00000001", 1);
  LinkSigner old_signer({Key("00000001", 1)});
  std::string token = old_signer.Sign(Unsubscribe());
  LinkSigner rotated({Key("00000002", 2), std::move(old_key)});
  EXPECT_TRUE(rotated.Verify(token, kNow).ok());
  EXPECT_EQ(rotated.signing_key_id(), "00000002");
  LinkSigner retired({Key("00000002", 2)});
  auto r = retired.Verify(token, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), "invalid_link");
  // Same key id, different key material: not a valid signature either.
  LinkSigner impostor({Key("00000001", 99)});
  EXPECT_EQ(impostor.Verify(token, kNow).error().code(), "invalid_link");
}

TEST(LinkTokens, ExpiryIsCheckedOnlyForGenuineTokens) {
  LinkSigner signer({Key("0a0b0c0d", 1)});
  LinkClaims confirm{LinkPurpose::kConfirm, "sub_1", "newsletter,product_alerts", "", kNow + 10};
  std::string token = signer.Sign(confirm);
  auto ok = signer.Verify(token, kNow + 9);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->topic, "newsletter,product_alerts");
  EXPECT_EQ(ok->purpose, LinkPurpose::kConfirm);
  auto expired = signer.Verify(token, kNow + 10);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), "link_expired");
}

TEST(LinkTokens, GarbageIsRefused) {
  LinkSigner signer({Key("0a0b0c0d", 1)});
  for (const std::string& bad : {std::string(""), std::string("!!!"), std::string(4096, 'A'),
                                 std::string("AAAA"), std::string("a b")}) {
    auto r = signer.Verify(bad, kNow);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), "invalid_link");
  }
}

}  // namespace
}  // namespace privacyd
