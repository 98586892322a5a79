#include "core/user_agent.h"

#include <algorithm>
#include <iterator>

namespace privacyd {
namespace {

constexpr size_t kMaxExamined = 2048;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Where lower-case `needle` first occurs in `text` at or after `from`, ignoring ASCII case.
size_t FindI(std::string_view text, std::string_view needle, size_t from = 0) {
  if (from > text.size()) return std::string_view::npos;
  const auto it =
      std::search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(), needle.begin(),
                  needle.end(), [](char a, char b) { return Lower(a) == b; });
  return it == text.end() ? std::string_view::npos : static_cast<size_t>(it - text.begin());
}

bool Has(std::string_view text, std::string_view needle) {
  return FindI(text, needle) != std::string_view::npos;
}

template <size_t N>
bool HasAny(std::string_view text, const std::string_view (&needles)[N]) {
  return std::any_of(std::begin(needles), std::end(needles),
                     [&](std::string_view needle) { return Has(text, needle); });
}

// Lower-case markers, each enough on its own.
//
// Bots that do not say "bot": crawlers, link-preview fetchers and image proxies, headless
// browsers; mail security gateways and Office's link discovery.
constexpr std::string_view kCrawlers[] = {"crawl",
                                          "spider",
                                          "slurp",
                                          "scrapy",
                                          "mediapartners-google",
                                          "apis-google",
                                          "feedfetcher",
                                          "google-inspectiontool"};
constexpr std::string_view kPreviews[] = {
    "facebookexternalhit", "bingpreview",      "microsoftpreview", "skypeuripreview", "whatsapp/",
    "slack-imgproxy",      "googleimageproxy", "yahoomailproxy",   "headlesschrome",  "phantomjs"};
constexpr std::string_view kMailScanners[] = {
    "microsoft office", "ms-office",        "msoffice", "barracuda", "proofpoint", "mimecast",
    "ironport",         "ciscosecureemail", "symantec", "sophos",    "fortimail"};

// Apps: Android WebView ("; wv)"), in-app browsers (Facebook, Instagram, LINE, Google's app,
// Snapchat, WeChat), and HTTP clients of native apps.
constexpr std::string_view kAppMarkers[] = {"; wv)",          "fban/",   "fbav/",   "fb_iab",
                                            "instagram",      " line/",  "gsa/",    "snapchat",
                                            "micromessenger", "okhttp/", "dalvik/", "cfnetwork/"};

constexpr std::string_view kIosDevices[] = {"(iphone", "(ipad"};
constexpr std::string_view kIosBrowsers[] = {"crios/", "fxios/", "edgios/", "opt/", "opios/"};
constexpr std::string_view kPython[] = {"python", "aiohttp/"};
constexpr std::string_view kEdge[] = {"edg/", "edge/", "edga/", "edgios/"};
constexpr std::string_view kOpera[] = {"opr/", "opera", "opt/", "opios/"};
// Chromium and WebKit browsers outside the named families, which carry "Chrome/" or "Safari/".
constexpr std::string_view kOtherBrowsers[] = {"yabrowser/",   "vivaldi/",       "ucbrowser/",
                                               "miuibrowser/", "huaweibrowser/", "duckduckgo/"};
constexpr std::string_view kFirefox[] = {"firefox/", "fxios/"};
constexpr std::string_view kChrome[] = {"chrome/", "crios/", "chromium/"};

// "bot" as the end of a name ("Googlebot/2.1", "AdsBot-Google", "TelegramBot (like ...)"), not
// inside a word ("both", "robots") nor in the phone brand Cubot ("CUBOT_X30"), whose owners are
// people.
bool HasBotName(std::string_view text) {
  for (size_t at = FindI(text, "bot"); at != std::string_view::npos;
       at = FindI(text, "bot", at + 1)) {
    const bool word_end = at + 3 == text.size() || !IsAsciiLetter(text[at + 3]);
    const bool cubot = at >= 2 && Lower(text[at - 2]) == 'c' && Lower(text[at - 1]) == 'u';
    if (word_end && !cubot) return true;
  }
  return false;
}

bool IsBot(std::string_view ua) {
  return HasBotName(ua) || HasAny(ua, kCrawlers) || HasAny(ua, kPreviews) ||
         HasAny(ua, kMailScanners);
}

// iPhone or iPad software using WebKit without being Safari or a browser that names itself: an
// app's WKWebView ("... (KHTML, like Gecko) Mobile/15E148").
bool IsIosWebView(std::string_view ua) {
  return HasAny(ua, kIosDevices) && Has(ua, "applewebkit/") && !Has(ua, "safari/") &&
         !HasAny(ua, kIosBrowsers);
}

bool IsMobileApp(std::string_view ua) { return IsIosWebView(ua) || HasAny(ua, kAppMarkers); }

const char* Family(std::string_view ua) {
  // Order matters: bots and apps imitate browsers, Edge, Opera, Samsung Internet and other
  // Chromium browsers carry "Chrome/", and all of those, Chrome included, carry "Safari/".
  if (IsBot(ua)) return "bot";
  if (Has(ua, "curl/")) return "curl";
  if (HasAny(ua, kPython)) return "python";
  if (IsMobileApp(ua)) return "mobile_app";
  if (HasAny(ua, kEdge)) return "edge";
  if (HasAny(ua, kOpera)) return "opera";
  if (Has(ua, "samsungbrowser/")) return "samsung_internet";
  if (HasAny(ua, kOtherBrowsers)) return "other";
  if (HasAny(ua, kFirefox)) return "firefox";
  if (HasAny(ua, kChrome)) return "chrome";
  // Android's pre-Chromium stock browser also says "Safari/".
  if (Has(ua, "safari/") && !Has(ua, "android")) return "safari";
  return "other";
}

}  // namespace

std::string UserAgentFamily(std::string_view user_agent) {
  user_agent = user_agent.substr(0, kMaxExamined);
  const bool blank = std::all_of(user_agent.begin(), user_agent.end(),
                                 [](char c) { return c == ' ' || c == '\t'; });
  if (blank) return "";
  return Family(user_agent);
}

}  // namespace privacyd
