// The web pages privacyd serves, built from the templates and texts under web/. Two sites share
// the static assets (web/assets/): the Privacy Center (web/layout.html, web/pages/*.html, texts
// web/i18n/{en,de,fr}.json; keys "en/request") and the staff console (web/console/layout.html,
// web/console/pages/*.html, web/console/i18n/{en,de,fr}.json; keys "console/en/request"). Each
// site's texts are one flat JSON object per language.
//
// Used at build time by tools/web_build.cc, which compresses the result and compiles it into
// privacyd (web/web_assets.h), and by the unit test that checks every page has every text in
// every language. Depends on nothing but the standard library, nlohmann/json, zlib and core/.
//
// Placeholders in templates:
//   {{t:key}}        the text `key` in the page's language, escaped for HTML
//   {{asset:name}}   the URL of the asset web/assets/name under the site's prefix
//                    ("/console/assets/app.<hash>.css"), whose file name carries its hash
//   {{inline:name}}  the text of the stylesheet or script web/assets/name, for a <style> or
//                    <script> element of the page (the Content-Security-Policy then allows
//                    exactly those bytes by their hash: http/web_pages.h); a text holding "</"
//                    or "<!--" cannot be inlined
//   {{lang}}, {{path}}, {{page}}, {{content}}, {{messages}}   set by the builder
// A placeholder the builder does not know, or a text missing in one language, is an error:
// the build fails rather than ship a page with a hole or English left on a German page.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace privacyd {

// FNV-1a (64 bit) of `bytes`, as 16 hex digits: names an asset's version in its URL and ETag.
// Not a security measure: it only has to change when the content does.
std::string ContentHash(std::string_view bytes);

// `bytes` compressed with gzip at `level` (zlib's 1 to 9), or "" on a zlib failure: the build
// stores every file at level 9, a page completed per request is compressed at a lower one.
std::string Gzip(std::string_view bytes, int level);

// The languages every page exists in; the first is the default.
const std::vector<std::string>& WebLanguages();

struct WebFile {
  std::string key;           // "en/", "de/request/verify", "console/fr/audit",
                             // "assets/app.1a2b3c4d5e6f7a8b.css"
  std::string content_type;  // "text/html; charset=utf-8", ...
  std::string body;
  bool immutable = false;  // a hashed asset name: cacheable forever
};

struct WebBuild {
  std::vector<WebFile> files;
  std::map<std::string, std::string> asset_urls;  // "app.css" -> "/privacy/assets/app.<hash>.css"
};

// Expands the placeholders of `tmpl`. `vars` holds the plain ones ({{lang}}, ...), inserted as
// they are; texts are escaped. Errors: kInvalidArgument "missing_text" naming the key,
// "unknown_placeholder" naming it, "unclosed_placeholder".
Result<std::string> ExpandTemplate(std::string_view tmpl,
                                   const std::map<std::string, std::string>& vars,
                                   const std::map<std::string, std::string>& texts);

// Parses one language's texts: a JSON object of strings. Errors: kInvalidArgument
// "invalid_texts" naming `origin`.
Result<std::map<std::string, std::string>> ParseWebTexts(std::string_view json_text,
                                                         const std::string& origin);

// Builds every page of both sites in every language and every asset from `web_dir`. Errors:
// "missing_text" (a key some template uses, or that English has, is missing in a language: the
// message names the language file and the key), "unknown_text" (a language has a key English
// lacks), "unknown_placeholder", "invalid_texts", "unsafe_inline" (an inlined asset holding "</"
// or "<!--"), kNotFound "web_file_missing".
Result<WebBuild> BuildWeb(const std::filesystem::path& web_dir);

}  // namespace privacyd
