#include "http/web_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(AcceptsGzip, ReadsTheCodingsAndTheirQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

TEST(PageSecurityHeaders, AreTheStrictPolicyAndNoReferrer) {
  HttpResponse response;
  AddPageSecurityHeaders(response);
  std::map<std::string, std::string> headers(response.headers.begin(), response.headers.end());
  EXPECT_EQ(headers.at("Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  EXPECT_EQ(headers.at("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(headers.at("X-Frame-Options"), "DENY");
}

// The Privacy Center's policy adds one hash source for its script and one for its stylesheet,
// and nothing else (the browser and integration tests check the hashes against the pages).
TEST(PageSecurityHeaders, ThePrivacyCenterAllowsItsInlineFilesByHash) {
  const std::string& csp = PageCsp(PageCode::kPrivacyCenterInline);
  EXPECT_THAT(csp, ::testing::MatchesRegex(
                       "default-src 'none'; script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='; "
                       "style-src 'self' 'sha256-[A-Za-z0-9+/]{43}='; img-src 'self'; "
                       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                       "base-uri 'none'"));
  EXPECT_NE(csp.substr(csp.find("script-src"), 60), csp.substr(csp.find("style-src"), 60));
}

}  // namespace
}  // namespace privacyd
