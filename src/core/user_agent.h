// The family of an HTTP client from its User-Agent header, for the consent ledger: it records
// which kind of client gave or withdrew a consent, never the header itself, which is detailed
// enough to help single a person out. Do not log the header either.
//
// Families are stable names that records and reports may depend on:
//   "chrome", "edge", "firefox", "safari", "opera", "samsung_internet"  browsers;
//   "mobile_app"  an app's embedded browser or HTTP client: Android WebView, iOS WKWebView,
//                 the in-app browsers of Facebook, Instagram, LINE, Snapchat, WeChat and
//                 Google's app, OkHttp, Dalvik, CFNetwork;
//   "bot"         crawlers and other software that follows links on its own: search engines
//                 (Googlebot, bingbot, ...), anything calling itself a bot, crawler or spider,
//                 link-preview fetchers, headless browsers, and mail security scanners
//                 (Microsoft Office, Barracuda, Proofpoint, Mimecast, Cisco IronPort, ...).
//                 These open every link in a message, unsubscribe links included, so a request
//                 from one is no sign that a person acted;
//   "curl", "python"  command-line and scripting clients (python-requests, urllib, aiohttp);
//   "other"       anything else, including browsers not named above (Vivaldi, Yandex, UC, ...);
//   ""            the header is empty or blank.
//
// A User-Agent is whatever the client chose to send: the family is a label for statistics and
// evidence, not authentication. Only the first 2,048 bytes are examined.
#pragma once

#include <string>
#include <string_view>

namespace privacyd {

// One of the families above. Matching is case-insensitive and allocates nothing but the
// returned string. Thread-safe.
std::string UserAgentFamily(std::string_view user_agent);

}  // namespace privacyd
