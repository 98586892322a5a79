#include "web/web_build.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/markup.h"
#include "testing/test_store.h"
#include "web/web_assets.h"

namespace privacyd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kWebDir = fs::path(PRIVACYD_SOURCE_DIR) / "web";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ExpandTemplate, EscapesTextsAndInsertsVariablesAsTheyAre) {
  auto out = ExpandTemplate("<p title=\"{{t:a}}\">{{x}}</p>", {{"x", "<b>x</b>"}},
                            {{"a", "\"Tom\" & <Jerry>"}});
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out, "<p title=\"&quot;Tom&quot; &amp; &lt;Jerry&gt;\"><b>x</b></p>");
}

TEST(ExpandTemplate, RefusesAMissingTextAnUnknownPlaceholderAndAnOpenOne) {
  auto missing = ExpandTemplate("{{t:nope}}", {}, {{"a", "A"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), "missing_text");
  EXPECT_EQ(missing.error().message(), "no text 'nope'");
  auto unknown = ExpandTemplate("{{mystery}}", {}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), "unknown_placeholder");
  auto open = ExpandTemplate("a {{t:a", {}, {{"a", "A"}});
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code(), "unclosed_placeholder");
}

TEST(BuildWeb, BuildsEveryPageInEveryLanguageWithNoPlaceholderLeft) {
  auto build = BuildWeb(kWebDir);
  ASSERT_TRUE(build.ok()) << build.error().code() << ": " << build.error().message();
  int privacy_pages = 0;
  int console_pages = 0;
  for (const auto& file : build->files) {
    EXPECT_EQ(file.body.find("{{"), std::string::npos) << file.key;
    if (file.content_type != "text/html; charset=utf-8") continue;
    const bool console = file.key.rfind("console/", 0) == 0;
    ++(console ? console_pages : privacy_pages);
    std::string lang = file.key.substr(console ? 8 : 0, 2);
    EXPECT_THAT(file.body, HasSubstr("<html lang=\"" + lang + "\">")) << file.key;
    if (console) {
      // The console links the shared stylesheet under its own prefix.
      std::string css = build->asset_urls.at("app.css");
      css.replace(0, std::string("/privacy").size(), "/console");
      EXPECT_THAT(file.body, HasSubstr("<link rel=\"stylesheet\" href=\"" + css + "\">"))
          << file.key;
    } else {
      // A Privacy Center page carries its stylesheet and script: one round trip.
      EXPECT_THAT(file.body,
                  HasSubstr("<style>" + Slurp(kWebDir / "assets" / "app.css") + "</style>"))
          << file.key;
      EXPECT_THAT(file.body, HasSubstr("<script type=\"module\">" +
                                       Slurp(kWebDir / "assets" / "app.js") + "</script>"))
          << file.key;
      EXPECT_EQ(file.body.find("/privacy/assets/"), std::string::npos) << file.key;
    }
  }
  EXPECT_EQ(privacy_pages, 6 * 3);
  EXPECT_EQ(console_pages, 10 * 3);
  EXPECT_THAT(build->asset_urls.at("app.js"),
              ::testing::MatchesRegex("/privacy/assets/app\\.[0-9a-f]{16}\\.js"));
  EXPECT_THAT(build->asset_urls.at("console.js"),
              ::testing::MatchesRegex("/privacy/assets/console\\.[0-9a-f]{16}\\.js"));
}

TEST(BuildWeb, TheConsolePagesLoadTheConsoleScriptFromTheConsolePrefix) {
  auto build = BuildWeb(kWebDir);
  ASSERT_TRUE(build.ok());
  std::string script = build->asset_urls.at("console.js");
  script.replace(0, std::string("/privacy").size(), "/console");
  for (const auto& file : build->files) {
    if (file.content_type != "text/html; charset=utf-8") continue;
    if (file.key.rfind("console/", 0) == 0) {
      EXPECT_THAT(file.body, HasSubstr("<script type=\"module\" src=\"" + script + "\">"))
          << file.key;
    } else {
      EXPECT_EQ(file.body.find("console."), std::string::npos) << file.key;
    }
  }
}

// No English is left on a German or French page: no English text that the other language
// translates differently appears in that language's pages.
TEST(BuildWeb, NoEnglishTextOnAGermanOrFrenchPage) {
  auto build = BuildWeb(kWebDir);
  ASSERT_TRUE(build.ok());
  // Each site's texts, checked on that site's pages.
  for (const std::string site : {"", "console/"}) {
    auto en = ParseWebTexts(Slurp(kWebDir / site / "i18n" / "en.json"), "en");
    ASSERT_TRUE(en.ok());
    for (const std::string lang : {"de", "fr"}) {
      auto other = ParseWebTexts(Slurp(kWebDir / site / "i18n" / (lang + ".json")), lang);
      ASSERT_TRUE(other.ok());
      for (const auto& file : build->files) {
        if (file.key.rfind(site + lang + "/", 0) != 0) continue;
        // What the page shows: not the code it carries inline, whose comments are English.
        std::string shown = file.body;
        for (const auto& [open, close] : {std::pair{"<style>", "</style>"},
                                          std::pair{"<script type=\"module\">", "</script>"}}) {
          size_t start = shown.find(open);
          if (start != std::string::npos) shown.erase(start, shown.find(close, start) - start);
        }
        for (const auto& [key, text] : *en) {
          if (other->at(key) == text || text.size() < 12) continue;
          EXPECT_EQ(shown.find(EscapeMarkup(text)), std::string::npos)
              << file.key << " shows the English text of '" << key << "'";
        }
      }
    }
  }
}

// A text missing in one language stops the build, naming the file and the key.
TEST(BuildWeb, FailsWhenALanguageLacksAText) {
  testing::TempDir dir;
  fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
  auto de = nlohmann::json::parse(Slurp(dir.path() / "web" / "i18n" / "de.json"));
  de.erase("request.submit");
  std::ofstream(dir.path() / "web" / "i18n" / "de.json", std::ios::trunc) << de.dump();
  auto build = BuildWeb(dir.path() / "web");
  ASSERT_FALSE(build.ok());
  EXPECT_EQ(build.error().code(), "missing_text");
  EXPECT_EQ(build.error().message(), "web/i18n/de.json: no text 'request.submit'");
}

TEST(BuildWeb, FailsWhenALanguageLacksAConsoleText) {
  testing::TempDir dir;
  fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
  fs::path file = dir.path() / "web" / "console" / "i18n" / "fr.json";
  auto fr = nlohmann::json::parse(Slurp(file));
  fr.erase("js.problem.invalid_credentials");
  std::ofstream(file, std::ios::trunc) << fr.dump();
  auto build = BuildWeb(dir.path() / "web");
  ASSERT_FALSE(build.ok());
  EXPECT_EQ(build.error().code(), "missing_text");
  EXPECT_EQ(build.error().message(),
            "web/console/i18n/fr.json: no text 'js.problem.invalid_credentials'");
}

TEST(BuildWeb, FailsWhenAConsolePageUsesATextNoLanguageHas) {
  testing::TempDir dir;
  fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
  std::ofstream(dir.path() / "web" / "console" / "pages" / "audit.html", std::ios::app)
      << "{{t:audit.nothing}}";
  auto build = BuildWeb(dir.path() / "web");
  ASSERT_FALSE(build.ok());
  EXPECT_EQ(build.error().code(), "missing_text");
  EXPECT_EQ(build.error().message(), "web/console/pages/audit.html in en: no text 'audit.nothing'");
}

TEST(BuildWeb, FailsWhenALanguageHasATextEnglishLacks) {
  testing::TempDir dir;
  fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
  auto fr = nlohmann::json::parse(Slurp(dir.path() / "web" / "i18n" / "fr.json"));
  fr["request.extra"] = "En trop";
  std::ofstream(dir.path() / "web" / "i18n" / "fr.json", std::ios::trunc) << fr.dump();
  auto build = BuildWeb(dir.path() / "web");
  ASSERT_FALSE(build.ok());
  EXPECT_EQ(build.error().code(), "unknown_text");
}

TEST(BuildWeb, FailsWhenAPageUsesATextNoLanguageHas) {
  testing::TempDir dir;
  fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
  std::ofstream(dir.path() / "web" / "pages" / "home.html", std::ios::app) << "{{t:home.nothing}}";
  auto build = BuildWeb(dir.path() / "web");
  ASSERT_FALSE(build.ok());
  EXPECT_EQ(build.error().code(), "missing_text");
  EXPECT_EQ(build.error().message(), "web/pages/home.html in en: no text 'home.nothing'");
}

TEST(BuildWeb, RefusesToInlineAnAssetThatCouldEndItsElement) {
  for (const char* text : {"const s = \"</script>\";", "/* <!-- */"}) {
    testing::TempDir dir;
    fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
    std::ofstream(dir.path() / "web" / "assets" / "app.js", std::ios::app) << text;
    auto build = BuildWeb(dir.path() / "web");
    ASSERT_FALSE(build.ok()) << text;
    EXPECT_EQ(build.error().code(), "unsafe_inline");
    EXPECT_THAT(build.error().message(), HasSubstr("web/assets/app.js contains"));
  }
  // An asset no page inlines may hold them: the console's script is linked.
  testing::TempDir dir;
  fs::copy(kWebDir, dir.path() / "web", fs::copy_options::recursive);
  std::ofstream(dir.path() / "web" / "assets" / "console.js", std::ios::app) << "// </p>";
  EXPECT_TRUE(BuildWeb(dir.path() / "web").ok());
}

// What the binary holds is what the sources build to.
TEST(WebAssets, TheCompiledTableIsTheBuildOfTheSources) {
  auto build = BuildWeb(kWebDir);
  ASSERT_TRUE(build.ok());
  ASSERT_EQ(WebAssetCount(), build->files.size());
  for (const auto& file : build->files) {
    const WebAsset* asset = FindWebAsset(file.key);
    ASSERT_NE(asset, nullptr) << file.key;
    EXPECT_EQ(asset->content_type, file.content_type);
    EXPECT_EQ(asset->size, file.body.size());
    EXPECT_EQ(asset->hash, ContentHash(file.body));
    EXPECT_EQ(asset->immutable, file.immutable);
    EXPECT_EQ(InflateWebAsset(*asset), file.body) << file.key;
  }
  EXPECT_EQ(WebAssetUrl("app.css"), build->asset_urls.at("app.css"));
  EXPECT_EQ(WebAssetUrl("nothing.css"), "");
  EXPECT_EQ(FindWebAsset("xx/"), nullptr);
}

}  // namespace
}  // namespace privacyd
