#include "http/privacy_session.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

class PrivacySessionsTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  SeededRandom random_{7};
  PrivacySessions sessions_{clock_, random_, "https://privacy.example.com/"};

  HttpRequest WithCookie(const std::string& set_cookie) {
    HttpRequest request;
    // "name=value; Path=/; ..." -> "name=value"
    request.headers["cookie"] = "other=1; " + set_cookie.substr(0, set_cookie.find(';'));
    return request;
  }
};

TEST_F(PrivacySessionsTest, TheCookieIsHostOnlySecureHttpOnlyStrictAndRoundTrips) {
  PrivacySession session = sessions_.Start();
  session.request_id = "req_1";
  session.request_token = "rqt_secret";
  std::string cookie = sessions_.SetCookie(session);
  EXPECT_EQ(cookie.rfind("__Host-privacyd_session=", 0), 0u);
  EXPECT_EQ(cookie.substr(cookie.find(';')),
            "; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
  EXPECT_EQ(cookie.find("rqt_secret"), std::string::npos);  // sealed, not readable
  auto read = sessions_.Read(WithCookie(cookie));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->id, session.id);
  EXPECT_EQ(read->request_id, "req_1");
  EXPECT_EQ(read->request_token, "rqt_secret");
  EXPECT_EQ(read->preferences_token, "");
}

TEST_F(PrivacySessionsTest, AnAlteredForeignOrExpiredCookieOpensToNothing) {
  std::string cookie = sessions_.SetCookie(sessions_.Start());
  std::string altered = cookie;
  size_t at = altered.find('=') + 30;
  altered[at] = altered[at] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sessions_.Read(WithCookie(altered)).has_value());
  // Another process (another key) cannot open it either.
  PrivacySessions other(clock_, random_, "https://privacy.example.com");
  EXPECT_FALSE(other.Read(WithCookie(cookie)).has_value());
  EXPECT_FALSE(sessions_.Read(HttpRequest{}).has_value());
  clock_.Advance(PrivacySessions::kLifetime - 1);
  EXPECT_TRUE(sessions_.Read(WithCookie(cookie)).has_value());
  clock_.Advance(1);
  EXPECT_FALSE(sessions_.Read(WithCookie(cookie)).has_value());
}

TEST_F(PrivacySessionsTest, ACrossSiteUnsafeRequestIsRefused) {
  HttpRequest request;
  request.method = "POST";
  request.headers["sec-fetch-site"] = "cross-site";
  auto refused = sessions_.CheckUnsafe(request, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), "cross_site_request");
  EXPECT_EQ(refused.error().kind(), ErrorKind::kPermissionDenied);

  request.headers.erase("sec-fetch-site");
  request.headers["origin"] = "https://evil.example";
  EXPECT_EQ(sessions_.CheckUnsafe(request, nullptr).error().code(), "cross_site_request");
  request.headers["origin"] = "null";
  EXPECT_EQ(sessions_.CheckUnsafe(request, nullptr).error().code(), "cross_site_request");
  request.headers["origin"] = "https://privacy.example.com:443";
  EXPECT_TRUE(sessions_.CheckUnsafe(request, nullptr).ok());
  request.headers["sec-fetch-site"] = "same-origin";
  EXPECT_TRUE(sessions_.CheckUnsafe(request, nullptr).ok());
}

TEST_F(PrivacySessionsTest, AnUnsafeRequestOnASessionNeedsItsCsrfToken) {
  PrivacySession session = sessions_.Start();
  HttpRequest request;
  request.method = "PUT";
  request.headers["origin"] = "https://privacy.example.com";
  auto missing = sessions_.CheckUnsafe(request, &session);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "csrf_token_invalid");

  PrivacySession other = sessions_.Start();
  request.headers["x-csrf-token"] = sessions_.CsrfToken(other.id);
  EXPECT_EQ(sessions_.CheckUnsafe(request, &session).error().code(), "csrf_token_invalid");
  request.headers["x-csrf-token"] = sessions_.CsrfToken(session.id);
  EXPECT_TRUE(sessions_.CheckUnsafe(request, &session).ok());
  EXPECT_EQ(sessions_.CsrfToken(session.id).size(), 64u);
}

TEST(OriginOfUrl, KeepsSchemeHostAndOnlyANonDefaultPort) {
  EXPECT_EQ(OriginOfUrl("https://Privacy.Example.com/x?y"), "https://privacy.example.com");
  EXPECT_EQ(OriginOfUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(OriginOfUrl("http://example.com:80/"), "http://example.com");
  EXPECT_EQ(OriginOfUrl("null"), "");
  EXPECT_EQ(OriginOfUrl(""), "");
}

TEST(CookieValue, FindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; b=2;c=3", "b"), "2");
  EXPECT_EQ(CookieValue("a=1; b=2;c=3", "c"), "3");
  EXPECT_EQ(CookieValue("ab=1", "a"), "");
  EXPECT_EQ(CookieValue("", "a"), "");
}

}  // namespace
}  // namespace privacyd
