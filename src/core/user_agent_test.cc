#include "core/user_agent.h"

#include <gtest/gtest.h>

#include <string>

namespace privacyd {
namespace {

struct Case {
  const char* family;
  const char* user_agent;
};

// User-Agent headers as the clients send them: browsers' current desktop and mobile forms, the
// crawlers' documented strings, and the forms mail scanners and apps are seen with.
constexpr Case kCases[] = {
    // Chrome: Windows, macOS, Android (reduced form), iOS
    {"chrome",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36"},
    {"chrome",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36"},
    {"chrome",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36"},
    {"chrome",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"},
    // A phone whose model name ends in "bot" is still a person's phone.
    {"chrome",
     "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/108.0.0.0 Mobile Safari/537.36"},
    // Edge: Windows, Android, iOS
    {"edge",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"},
    {"edge",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0"},
    {"edge",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15"},
    // Firefox: Windows, Linux, Android, iOS
    {"firefox", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"},
    {"firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
    {"firefox", "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"},
    {"firefox",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15"},
    // Safari: macOS, iPhone, iPad
    {"safari",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Safari/605.1.15"},
    {"safari",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.1 Mobile/15E148 Safari/604.1"},
    {"safari",
     "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Mobile/15E148 Safari/604.1"},
    // Samsung Internet
    {"samsung_internet",
     "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"},
    // Opera: desktop, Android, Opera Mini
    {"opera",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0"},
    {"opera",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0"},
    {"opera",
     "Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16"},
    // Apps: Android WebView, Instagram, Facebook on iOS, a bare WKWebView, native HTTP clients
    {"mobile_app",
     "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36"},
    {"mobile_app",
     "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Version/4.0 Chrome/129.0.6668.100 Mobile Safari/537.36 Instagram "
     "353.0.0.34.91 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; "
     "en_US; 650948521)"},
    {"mobile_app",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.37.108;FBBV/631197013;FBDV/iPhone15,2;"
     "FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]"},
    {"mobile_app",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Mobile/15E148"},
    {"mobile_app", "okhttp/4.12.0"},
    {"mobile_app", "MyMail/1042 CFNetwork/1494.0.7 Darwin/23.4.0"},
    // Search engines: Googlebot (evergreen desktop and smartphone, classic), bingbot
    {"bot",
     "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36"},
    {"bot",
     "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html)"},
    {"bot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
    {"bot",
     "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
     "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"},
    {"bot",
     "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/116.0.1938.76 Mobile Safari/537.36 Edg/116.0.1938.76 (compatible; "
     "bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
    // Other crawlers and link-preview fetchers
    {"bot", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"},
    {"bot", "Mozilla/5.0 (compatible; Bytespider; spider-feedback@bytedance.com)"},
    {"bot", "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)"},
    {"bot", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
    {"bot", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
    {"bot",
     "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; MicrosoftPreview/2.0; "
     "+https://aka.ms/MicrosoftPreview) Chrome/W.X.Y.Z Safari/537.36"},
    {"bot",
     "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"},
    {"bot",
     "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "HeadlessChrome/131.0.0.0 Safari/537.36"},
    // Mail scanners and Office's link discovery
    {"bot", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)"},
    {"bot", "Mozilla/4.0 (compatible; ms-office; MSOffice 16)"},
    // Command-line and scripting clients
    {"curl", "curl/8.11.0"},
    {"curl", "curl/7.88.1"},
    {"python", "python-requests/2.32.3"},
    {"python", "Python-urllib/3.11"},
    {"python", "Python/3.11 aiohttp/3.8.4"},
    {"python", "python-httpx/0.27.0"},
    // Others: browsers outside the set, Android's old stock browser, other tools
    {"other",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 YaBrowser/24.12.0.0 Safari/537.36"},
    {"other",
     "Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebKit/534.30 "
     "(KHTML, like Gecko) Version/4.0 Mobile Safari/534.30"},
    {"other", "Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko"},
    {"other", "Wget/1.21.3"},
    {"other", "Go-http-client/1.1"},
    {"other", "-"},
};

TEST(UserAgentFamily, NamesTheFamilyOfRealClients) {
  for (const Case& c : kCases) {
    EXPECT_EQ(UserAgentFamily(c.user_agent), c.family) << c.user_agent;
  }
}

// Mail security gateways follow every link of a message before the person sees it, and name
// themselves in forms that vary by product and version: the vendor's name decides.
TEST(UserAgentFamily, MailSecurityScannersAreBots) {
  for (const char* ua :
       {"Barracuda Sentinel (EE)", "Mozilla/5.0 (compatible; Proofpoint)", "Mimecast-LinkScan/1.0",
        "CiscoSecureEmail", "IronPort URL check", "Mozilla/5.0 (Windows NT 10.0) Symantec"}) {
    EXPECT_EQ(UserAgentFamily(ua), "bot") << ua;
  }
}

TEST(UserAgentFamily, EmptyOrBlankIsEmpty) {
  EXPECT_EQ(UserAgentFamily(""), "");
  EXPECT_EQ(UserAgentFamily("  \t "), "");
}

TEST(UserAgentFamily, IgnoresCase) {
  EXPECT_EQ(UserAgentFamily("CURL/8.0"), "curl");
  EXPECT_EQ(UserAgentFamily("mozilla/5.0 (compatible; GOOGLEBOT/2.1)"), "bot");
  EXPECT_EQ(UserAgentFamily("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) gecko FIREFOX/128.0"),
            "firefox");
}

TEST(UserAgentFamily, BotOnlyAsTheEndOfAName) {
  EXPECT_EQ(UserAgentFamily("Mozilla/5.0 (compatible; SomeBot)"), "bot");
  EXPECT_EQ(UserAgentFamily("examplebot"), "bot");
  EXPECT_EQ(UserAgentFamily("both robots"), "other");
}

TEST(UserAgentFamily, ExaminesOnlyTheFirst2048Bytes) {
  std::string padded = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
  padded.resize(2048, ' ');
  EXPECT_EQ(UserAgentFamily(padded + "Googlebot/2.1"), "firefox");
  EXPECT_EQ(UserAgentFamily(std::string(1 << 20, 'x')), "other");
}

}  // namespace
}  // namespace privacyd
