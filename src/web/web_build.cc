#include "web/web_build.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/markup.h"

namespace privacyd {
namespace {

namespace fs = std::filesystem;

struct PageSpec {
  const char* name;  // <site dir>/pages/<name>.html; texts "<name>.title"
  const char* path;  // after <prefix>/<lang>/
};

// Every page of the Privacy Center.
constexpr PageSpec kPrivacyPages[] = {
    {"home", ""},
    {"statement", "statement"},
    {"request", "request"},
    {"request-verify", "request/verify"},
    {"request-status", "request/status"},
    {"preferences", "preferences"},
};

// Every page of the staff console (docs/console.md).
constexpr PageSpec kConsolePages[] = {
    {"signin", "signin"},
    {"queue", ""},
    {"request", "request"},
    {"person", "person"},
    {"suppressions", "suppressions"},
    {"imports", "imports"},
    {"import", "import"},
    {"outbox", "outbox"},
    {"policy", "policy"},
    {"audit", "audit"},
};

// A set of pages with its own layout, templates and texts, served under its own prefix. The
// assets (web/assets/) are shared: each site links them under its own prefix.
struct SiteSpec {
  const char* dir;         // under the web directory: "" or "console"
  const char* prefix;      // URL prefix: "/privacy"
  const char* key_prefix;  // of the site's files in the table: "" or "console/"
  const PageSpec* pages;
  size_t page_count;
};

constexpr SiteSpec kSites[] = {
    {"", "/privacy", "", kPrivacyPages, std::size(kPrivacyPages)},
    {"console", "/console", "console/", kConsolePages, std::size(kConsolePages)},
};

Error Invalid(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorKind::kNotFound, "web_file_missing", "cannot read " + path.string());
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ContentTypeOf(const fs::path& path) {
  std::string ext = path.extension().string();
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

}  // namespace

std::string ContentHash(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

std::string Gzip(std::string_view bytes, int level) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's own.
  if (deflateInit2(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return "";
  }
  std::string out(deflateBound(&stream, bytes.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return "";
  out.resize(stream.total_out);
  return out;
}

const std::vector<std::string>& WebLanguages() {
  static const std::vector<std::string> kLanguages = {"en", "de", "fr"};
  return kLanguages;
}

Result<std::string> ExpandTemplate(std::string_view tmpl,
                                   const std::map<std::string, std::string>& vars,
                                   const std::map<std::string, std::string>& texts) {
  std::string out;
  out.reserve(tmpl.size());
  size_t pos = 0;
  while (true) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      return out;
    }
    out.append(tmpl.substr(pos, open - pos));
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Invalid("unclosed_placeholder", "a '{{' is never closed by '}}'");
    }
    std::string name(tmpl.substr(open + 2, close - open - 2));
    if (name.rfind("t:", 0) == 0) {
      auto text = texts.find(name.substr(2));
      if (text == texts.end()) {
        return Invalid("missing_text", "no text '" + name.substr(2) + "'");
      }
      out += EscapeMarkup(text->second);
    } else {
      auto var = vars.find(name);
      if (var == vars.end()) {
        return Invalid("unknown_placeholder", "unknown placeholder '{{" + name + "}}'");
      }
      out += var->second;
    }
    pos = close + 2;
  }
}

Result<std::map<std::string, std::string>> ParseWebTexts(std::string_view json_text,
                                                         const std::string& origin) {
  nlohmann::json parsed = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return Invalid("invalid_texts", origin + ": must be one JSON object of strings");
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) {
      return Invalid("invalid_texts", origin + ": '" + key + "' must be a string");
    }
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

namespace {

// The assets as the pages see them: their hashed names, and the text of those a page may carry
// inline (stylesheets and scripts).
struct AssetVars {
  std::map<std::string, std::string> names;    // "app.css" -> "app.<hash>.css"
  std::map<std::string, std::string> inlined;  // "app.css" -> its text
};

// Inlined into a <style> or <script> element, a text must not be able to end that element or
// open a comment that the HTML parser treats specially there.
Status CheckInlinable(const std::string& name, const std::string& text) {
  for (const char* token : {"</", "<!--"}) {
    if (text.find(token) != std::string::npos) {
      return Invalid("unsafe_inline", "web/assets/" + name + " contains \"" + token +
                                          "\" and cannot be inlined into a page");
    }
  }
  return Ok();
}

// Builds the pages of one site in every language into `build`, whose assets are already there.
Status BuildSite(const fs::path& web_dir, const SiteSpec& site, const AssetVars& assets,
                 WebBuild& build) {
  const fs::path dir = web_dir / site.dir;
  // As the build names its files: "web/i18n/de.json", "web/console/pages/queue.html".
  const std::string origin = std::string("web/") + (*site.dir ? std::string(site.dir) + "/" : "");
  std::map<std::string, std::map<std::string, std::string>> texts;
  for (const auto& lang : WebLanguages()) {
    PD_ASSIGN_OR_RETURN(std::string raw, ReadFile(dir / "i18n" / (lang + ".json")));
    PD_ASSIGN_OR_RETURN(texts[lang], ParseWebTexts(raw, origin + "i18n/" + lang + ".json"));
  }
  // Every language has exactly the keys of the first: a text missing in German would otherwise
  // surface only when the page that uses it is built, or never for the messages of the script.
  const auto& reference = texts.at(WebLanguages().front());
  for (const auto& lang : WebLanguages()) {
    for (const auto& [key, _] : reference) {
      if (!texts[lang].count(key)) {
        return Invalid("missing_text", origin + "i18n/" + lang + ".json: no text '" + key + "'");
      }
    }
    for (const auto& [key, _] : texts[lang]) {
      if (!reference.count(key)) {
        return Invalid("unknown_text", origin + "i18n/" + lang + ".json: '" + key + "' is not in " +
                                           origin + "i18n/" + WebLanguages().front() + ".json");
      }
    }
  }

  PD_ASSIGN_OR_RETURN(std::string layout, ReadFile(dir / "layout.html"));
  for (const auto& lang : WebLanguages()) {
    const auto& t = texts[lang];
    // The script's messages: every "js." text, as a JSON object inside the page (a data
    // block, not a script, so the Content-Security-Policy allows it).
    nlohmann::json messages = nlohmann::json::object();
    for (const auto& [key, value] : t) {
      if (key.rfind("js.", 0) == 0) messages[key.substr(3)] = value;
    }
    std::string messages_json;
    for (char c : messages.dump()) {
      if (c == '<') {
        messages_json += "\\u003c";
      } else {
        messages_json += c;
      }
    }
    for (size_t i = 0; i < site.page_count; ++i) {
      const PageSpec& page = site.pages[i];
      PD_ASSIGN_OR_RETURN(std::string body,
                          ReadFile(dir / "pages" / (std::string(page.name) + ".html")));
      std::map<std::string, std::string> vars = {
          {"lang", lang}, {"path", page.path}, {"page", page.name}, {"messages", messages_json}};
      for (const auto& [name, hashed] : assets.names) {
        vars["asset:" + name] = std::string(site.prefix) + "/assets/" + hashed;
      }
      for (const auto& [name, text] : assets.inlined) {
        const std::string placeholder = "{{inline:" + name + "}}";
        if (body.find(placeholder) != std::string::npos ||
            layout.find(placeholder) != std::string::npos) {
          PD_RETURN_IF_ERROR(CheckInlinable(name, text));
        }
        vars["inline:" + name] = text;
      }
      auto content = ExpandTemplate(body, vars, t);
      if (!content.ok()) {
        return content.error().WithContext(origin + "pages/" + std::string(page.name) +
                                           ".html in " + lang);
      }
      vars["content"] = *content;
      auto title = t.find(std::string(page.name) + ".title");
      if (title == t.end()) {
        return Invalid("missing_text", origin + "i18n/" + lang + ".json: no text '" +
                                           std::string(page.name) + ".title'");
      }
      vars["title"] = EscapeMarkup(title->second);
      auto html = ExpandTemplate(layout, vars, t);
      if (!html.ok()) return html.error().WithContext(origin + "layout.html in " + lang);
      build.files.push_back({std::string(site.key_prefix) + lang + "/" + page.path,
                             "text/html; charset=utf-8", std::move(*html), false});
    }
  }
  return Ok();
}

}  // namespace

Result<WebBuild> BuildWeb(const fs::path& web_dir) {
  WebBuild build;
  // Assets first: the pages link them by their hashed names.
  std::vector<fs::path> assets;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(web_dir / "assets", ec)) {
    if (entry.is_regular_file()) assets.push_back(entry.path());
  }
  if (ec) {
    return Error(ErrorKind::kNotFound, "web_file_missing",
                 "cannot list " + (web_dir / "assets").string());
  }
  std::sort(assets.begin(), assets.end());
  AssetVars vars;
  for (const auto& path : assets) {
    PD_ASSIGN_OR_RETURN(std::string body, ReadFile(path));
    std::string hashed = path.stem().string() + "." + ContentHash(body) + path.extension().string();
    const std::string name = path.filename().string();
    vars.names[name] = hashed;
    if (path.extension() == ".css" || path.extension() == ".js") {
      vars.inlined[name] = body;
    }
    build.asset_urls[path.filename().string()] = "/privacy/assets/" + hashed;
    build.files.push_back({"assets/" + hashed, ContentTypeOf(path), std::move(body), true});
  }
  for (const SiteSpec& site : kSites) {
    PD_RETURN_IF_ERROR(BuildSite(web_dir, site, vars, build));
  }
  return build;
}

}  // namespace privacyd
