#include "http/privacy_center_routes.h"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/markup.h"
#include "http/privacy_session.h"
#include "http/web_pages.h"
#include "web/web_assets.h"
#include "web/web_build.h"

namespace privacyd {
namespace {

using nlohmann::json;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HttpResponse NotFound(const HttpRequest& request) {
  return ProblemResponse(Error(ErrorKind::kNotFound, "not_found",
                               "no Privacy Center page at this address; start at /privacy/"),
                         request.request_id);
}

// The part of a rendered statement between <main> and </main>.
std::string MainOf(const std::string& html) {
  size_t open = html.find("<main>");
  size_t close = html.rfind("</main>");
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return html.substr(open + 6, close - open - 6);
}

// The text of the HTML comment "<!--name ...-->" in a page (a row format the page carries in
// its language), or "".
std::string CommentFormat(const std::string& page, const std::string& name) {
  std::string open = "<!--" + name + " ";
  size_t start = page.find(open);
  if (start == std::string::npos) return "";
  size_t end = page.find("-->", start);
  if (end == std::string::npos) return "";
  return page.substr(start + open.size(), end - start - open.size());
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

class PrivacyCenter {
 public:
  explicit PrivacyCenter(const PrivacyCenterServices& s)
      : api_(s.api), versions_(s.versions), sessions_(s.clock, s.random, s.public_url) {}

  // GET /privacy, /privacy/: to the language the browser prefers.
  HttpResponse Root(const HttpRequest& request) const {
    return SeeOther("/privacy/" + PreferredWebLanguage(request) + "/");
  }

  // GET /privacy/{lang}: the same page with its slash.
  HttpResponse LanguageRoot(const HttpRequest& request) const {
    const std::string& lang = request.path_params.at("lang");
    if (!IsWebLanguage(lang)) return NotFound(request);
    return SeeOther("/privacy/" + lang + "/");
  }

  // GET /privacy/{lang}/..., the pages.
  HttpResponse Page(const HttpRequest& request, const std::string& path) const {
    const std::string& lang = request.path_params.at("lang");
    if (!IsWebLanguage(lang)) return NotFound(request);
    const WebAsset* asset = FindWebAsset(lang + "/" + path);
    if (asset == nullptr) return NotFound(request);
    return ServeWebFile(request, *asset, PageCode::kPrivacyCenterInline);
  }

  // GET /privacy/{lang}/request/status and .../preferences: the page with what GET
  // /privacy/session answers and, when the session holds the page's request or Preference
  // Center, what the page would fetch first (GET /privacy/session/request or .../preferences),
  // so that it is ready in one round trip. Starts a session as GET /privacy/session does.
  HttpResponse SessionPage(const HttpRequest& request, const std::string& path) const {
    const std::string& lang = request.path_params.at("lang");
    if (!IsWebLanguage(lang)) return NotFound(request);
    const WebAsset* asset = FindWebAsset(lang + "/" + path);
    if (asset == nullptr) return NotFound(request);
    auto session = sessions_.Read(request);
    std::string set_cookie;
    if (!session) {
      session = sessions_.Start();
      set_cookie = sessions_.SetCookie(*session);
    }
    json state = SessionState(*session);
    std::optional<HttpResponse> data;
    if (path == "request/status" && !session->request_token.empty()) {
      data = RequestCall(request, "GET", "");
    } else if (path == "preferences" && !session->preferences_token.empty()) {
      data = PreferencesCall(request, "GET");
    }
    if (data && data->status == 200) {
      json parsed = json::parse(data->body, nullptr, false);
      if (parsed.is_object()) state["data"] = std::move(parsed);
    }
    // A data block, not a script: the Content-Security-Policy does not run it, and "<" is
    // escaped so that no text in it can end the element.
    std::string block;
    for (char c : state.dump()) {
      if (c == '<') {
        block += "\\u003c";
      } else {
        block += c;
      }
    }
    std::string page =
        ReplaceAll(InflateWebAsset(*asset), "<!--session-->",
                   "<script type=\"application/json\" id=\"session\">" + block + "</script>");
    // It carries the session's CSRF token: never stored by a cache.
    HttpResponse response = CompletedPage(request, lang, std::move(page), "no-store");
    if (!set_cookie.empty()) response.headers.emplace_back("Set-Cookie", set_cookie);
    return response;
  }

  // GET /privacy/assets/{name}
  HttpResponse Asset(const HttpRequest& request) const {
    const WebAsset* asset = FindWebAsset("assets/" + request.path_params.at("name"));
    if (asset == nullptr || !asset->immutable) return NotFound(request);
    return ServeWebFile(request, *asset);
  }

  // GET /privacy/{lang}/statement: the page with the statement rendered into it, in that
  // language, and the versions.
  HttpResponse Statement(const HttpRequest& request) const {
    const std::string& lang = request.path_params.at("lang");
    if (!IsWebLanguage(lang)) return NotFound(request);
    const WebAsset* asset = FindWebAsset(lang + "/statement");
    if (asset == nullptr) return NotFound(request);
    std::multimap<std::string, std::string> query = {{"lang", lang}};
    if (auto version = request.Query("version")) query.emplace("version", *version);
    HttpResponse rendered = Call(request, "GET", "/statement", "", "", query);
    if (rendered.status != 200) return rendered;
    auto history = versions_.List();
    if (!history.ok()) return ProblemResponse(history.error(), request.request_id);

    std::string page = InflateWebAsset(*asset);
    std::string row = CommentFormat(page, "version-row");
    std::string material = CommentFormat(page, "version-material");
    std::string list = "<ul class=\"versions\">\n";
    for (const auto& v : *history) {
      std::string item = ReplaceAll(row, "{version}", EscapeMarkup(v.version));
      item = ReplaceAll(item, "{date}", FormatRfc3339(v.effective_date).substr(0, 10));
      item = ReplaceAll(item, "{material}", v.material ? material : "");
      list += item + "\n";
    }
    list += "</ul>";
    std::string statement = MainOf(rendered.body);
    // The statement brings its own heading: the page's would say the same twice.
    size_t own = page.find("<h1>");
    if (statement.find("<h1") != std::string::npos && own != std::string::npos &&
        own < page.find("<!--statement-->")) {
      page.erase(own, page.find("</h1>", own) + 6 - own);
    }
    page = ReplaceAll(page, "<!--statement-->", statement);
    page = ReplaceAll(page, "<!--versions-->", list);
    return CompletedPage(request, lang, std::move(page), "no-cache");
  }

  // GET /privacy/session: the session's CSRF token and what it holds. Starts a session when
  // there is none, so that the token exists before the first change.
  HttpResponse SessionInfo(const HttpRequest& request) const {
    auto session = sessions_.Read(request);
    HttpResponse response;
    if (!session) {
      session = sessions_.Start();
      response.headers.emplace_back("Set-Cookie", sessions_.SetCookie(*session));
    }
    response.status = 200;
    response.body = SessionState(*session).dump();
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }

  // DELETE /privacy/session
  HttpResponse EndSession(const HttpRequest& request) const {
    auto session = sessions_.Read(request);
    if (session) {
      if (Status s = sessions_.CheckUnsafe(request, &*session); !s.ok()) {
        return ProblemResponse(s.error(), request.request_id);
      }
    }
    HttpResponse response;
    response.status = 204;
    response.headers.emplace_back("Set-Cookie", PrivacySessions::ClearCookie());
    return response;
  }

  // POST /privacy/session/request {"id", "code"}: verifies the request (POST
  // /v1/requests/{id}/verify) and keeps its token in the session; answers the request and the
  // session's CSRF token, never the token itself.
  HttpResponse OpenRequest(const HttpRequest& request) const {
    if (Status s = sessions_.CheckUnsafe(request, nullptr); !s.ok()) {
      return ProblemResponse(s.error(), request.request_id);
    }
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.value("id", json()).is_string() ||
        !body.value("code", json()).is_string()) {
      return ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_request",
                                   "send {\"id\": \"req_...\", \"code\": \"123456\"}"),
                             request.request_id);
    }
    std::string id = body["id"].get<std::string>();
    if (id.empty() || id.size() > 100 || id.find('/') != std::string::npos) {
      return ProblemResponse(
          Error(ErrorKind::kNotFound, "request_not_found", "no request has this id"),
          request.request_id);
    }
    HttpResponse verified = Call(request, "POST", "/v1/requests/" + id + "/verify",
                                 json{{"code", body["code"]}}.dump(), "");
    if (verified.status != 200) return verified;
    json answer = json::parse(verified.body, nullptr, false);
    PrivacySession session = sessions_.Read(request).value_or(sessions_.Start());
    session.request_id = id;
    session.request_token = answer.value("token", "");
    return Opened(session, json{{"request", answer["request"]}});
  }

  // GET /privacy/session/request, GET .../download, POST .../withdraw
  HttpResponse RequestCall(const HttpRequest& request, const std::string& method,
                           const std::string& suffix) const {
    auto session = sessions_.Read(request);
    if (method != "GET") {
      if (Status s = sessions_.CheckUnsafe(request, session ? &*session : nullptr); !s.ok()) {
        return ProblemResponse(s.error(), request.request_id);
      }
    }
    HttpResponse response =
        !session || session->request_token.empty()
            ? SessionRequired(request)
            : Call(request, method, "/v1/requests/" + session->request_id + suffix,
                   method == "GET" ? "" : "{}", session->request_token);
    // The download is a plain link: when it fails (no session any more, the window closed), the
    // browser goes back to the status page, which says why in its language, rather than showing
    // a problem document.
    if (suffix == "/download" && response.status != 200 &&
        request.Header("sec-fetch-mode") == "navigate") {
      std::string lang = request.Query("lang").value_or("");
      if (!IsWebLanguage(lang)) lang = WebLanguages().front();
      std::string code = "download_not_available";
      json problem = json::parse(response.body, nullptr, false);
      for (const char* known : {"download_expired", "session_required", "request_not_found"}) {
        if (problem.is_object() && problem.value("code", "") == known) code = known;
      }
      return SeeOther("/privacy/" + lang + "/request/status?problem=" + code);
    }
    return response;
  }

  // POST /privacy/session/preferences {"email", "code"}: opens the Preference Center with a
  // code (POST /v1/preferences/session), or {"link"} with the token of a mail's Preference
  // Center link, and keeps the token in the session; answers the preferences (GET
  // /v1/preferences with the token, which checks it).
  HttpResponse OpenPreferences(const HttpRequest& request) const {
    if (Status s = sessions_.CheckUnsafe(request, nullptr); !s.ok()) {
      return ProblemResponse(s.error(), request.request_id);
    }
    std::string token;
    json body = json::parse(request.body, nullptr, false);
    if (body.is_object() && body.size() == 1 && body.value("link", json()).is_string()) {
      // The token of a Preference Center link from a mail (/p/{token}).
      token = body["link"].get<std::string>();
    } else {
      HttpResponse opened = Call(request, "POST", "/v1/preferences/session", request.body, "");
      if (opened.status != 200) return opened;
      token = json::parse(opened.body, nullptr, false).value("token", "");
    }
    HttpResponse preferences = Call(request, "GET", "/v1/preferences", "", token);
    if (preferences.status != 200) return preferences;
    PrivacySession session = sessions_.Read(request).value_or(sessions_.Start());
    session.preferences_token = token;
    return Opened(session, json::parse(preferences.body, nullptr, false));
  }

  // GET, PUT /privacy/session/preferences
  HttpResponse PreferencesCall(const HttpRequest& request, const std::string& method) const {
    auto session = sessions_.Read(request);
    if (method != "GET") {
      if (Status s = sessions_.CheckUnsafe(request, session ? &*session : nullptr); !s.ok()) {
        return ProblemResponse(s.error(), request.request_id);
      }
    }
    if (!session || session->preferences_token.empty()) return SessionRequired(request);
    return Call(request, method, "/v1/preferences", request.body, session->preferences_token);
  }

 private:
  // What GET /privacy/session answers: the session's CSRF token and what it holds.
  json SessionState(const PrivacySession& session) const {
    return json{{"csrf_token", sessions_.CsrfToken(session.id)},
                {"request", !session.request_token.empty()},
                {"preferences", !session.preferences_token.empty()}};
  }

  // A page completed for this request: compressed when the client takes gzip (at a lower
  // level than the stored pages: this runs per request), with the pages' headers.
  static HttpResponse CompletedPage(const HttpRequest& request, const std::string& lang,
                                    std::string page, const char* cache_control) {
    HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.headers.emplace_back("Cache-Control", cache_control);
    response.headers.emplace_back("Content-Language", lang);
    response.headers.emplace_back("Vary", "Accept-Encoding");
    AddPageSecurityHeaders(response, PageCode::kPrivacyCenterInline);
    std::string compressed =
        AcceptsGzip(request.Header("accept-encoding")) ? GzipBytes(page) : std::string();
    if (!compressed.empty()) {
      response.headers.emplace_back("Content-Encoding", "gzip");
      response.body = std::move(compressed);
    } else {
      response.body = std::move(page);
    }
    return response;
  }

  // The JSON route `method path` called as if the request had been sent there, with `bearer`
  // (if any) as its Authorization.
  HttpResponse Call(const HttpRequest& original, const std::string& method, const std::string& path,
                    const std::string& body, const std::string& bearer,
                    std::multimap<std::string, std::string> query = {}) const {
    RouteMatch match = api_.Match(method, path);
    if (match.outcome != RouteMatch::Outcome::kMatched || !match.route->roles.empty()) {
      return ProblemResponse(
          Error(ErrorKind::kNotFound, "request_not_found", "no request has this id"),
          original.request_id);
    }
    HttpRequest inner = original;
    inner.method = method;
    inner.path = path;
    inner.target = path;
    inner.query = std::move(query);
    inner.body = body;
    inner.path_params = match.params;
    inner.headers.erase("cookie");
    inner.headers.erase("idempotency-key");
    inner.headers["content-type"] = "application/json";
    if (bearer.empty()) {
      inner.headers.erase("authorization");
    } else {
      inner.headers["authorization"] = "Bearer " + bearer;
    }
    HttpResponse response = match.route->handler(inner, nullptr);
    // A 401 of the API asks for a bearer token the browser has no way to send.
    for (auto it = response.headers.begin(); it != response.headers.end();) {
      it = Lower(it->first) == "www-authenticate" ? response.headers.erase(it) : it + 1;
    }
    return response;
  }

  HttpResponse Opened(const PrivacySession& session, json body) const {
    body["csrf_token"] = sessions_.CsrfToken(session.id);
    HttpResponse response = JsonResponse(200, body.dump());
    response.headers.emplace_back("Set-Cookie", sessions_.SetCookie(session));
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }

  static HttpResponse SessionRequired(const HttpRequest& request) {
    return ProblemResponse(Error(ErrorKind::kUnauthenticated, "session_required",
                                 "this browser session holds nothing for this; enter the code "
                                 "from the email first"),
                           request.request_id);
  }

  const Router& api_;
  PolicyVersions& versions_;
  PrivacySessions sessions_;
};

}  // namespace

void AddPrivacyCenterRoutes(Router& router, const PrivacyCenterServices& services) {
  auto center = std::make_shared<PrivacyCenter>(services);
  auto add = [&](std::string method, std::string pattern, bool blocking, Handler handler) {
    Route route;
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    route.blocking = blocking;
    route.handler = std::move(handler);
    router.Add(std::move(route));
  };
  // Pages and assets come from memory: they run on the I/O threads.
  auto root = [center](const HttpRequest& r, const Principal*) { return center->Root(r); };
  add("GET", "/privacy", false, root);
  add("GET", "/privacy/", false, root);
  add("GET", "/privacy/{lang}", false,
      [center](const HttpRequest& r, const Principal*) { return center->LanguageRoot(r); });
  add("GET", "/privacy/assets/{name}", false,
      [center](const HttpRequest& r, const Principal*) { return center->Asset(r); });
  for (const char* path : {"", "request", "request/verify"}) {
    std::string page = path;
    add("GET", "/privacy/{lang}/" + page, false,
        [center, page](const HttpRequest& r, const Principal*) { return center->Page(r, page); });
  }
  // These two carry the session's state and data, read through the API routes.
  for (const char* path : {"request/status", "preferences"}) {
    std::string page = path;
    add("GET", "/privacy/{lang}/" + page, true,
        [center, page](const HttpRequest& r, const Principal*) {
          return center->SessionPage(r, page);
        });
  }
  // The statement page renders the statement and reads the version history from the store.
  add("GET", "/privacy/{lang}/statement", true,
      [center](const HttpRequest& r, const Principal*) { return center->Statement(r); });

  add("GET", "/privacy/session", false,
      [center](const HttpRequest& r, const Principal*) { return center->SessionInfo(r); });
  add("DELETE", "/privacy/session", false,
      [center](const HttpRequest& r, const Principal*) { return center->EndSession(r); });
  add("POST", "/privacy/session/request", true,
      [center](const HttpRequest& r, const Principal*) { return center->OpenRequest(r); });
  add("GET", "/privacy/session/request", true, [center](const HttpRequest& r, const Principal*) {
    return center->RequestCall(r, "GET", "");
  });
  add("GET", "/privacy/session/request/download", true,
      [center](const HttpRequest& r, const Principal*) {
        return center->RequestCall(r, "GET", "/download");
      });
  add("POST", "/privacy/session/request/withdraw", true,
      [center](const HttpRequest& r, const Principal*) {
        return center->RequestCall(r, "POST", "/withdraw");
      });
  add("POST", "/privacy/session/preferences", true,
      [center](const HttpRequest& r, const Principal*) { return center->OpenPreferences(r); });
  add("GET", "/privacy/session/preferences", true,
      [center](const HttpRequest& r, const Principal*) {
        return center->PreferencesCall(r, "GET");
      });
  add("PUT", "/privacy/session/preferences", true,
      [center](const HttpRequest& r, const Principal*) {
        return center->PreferencesCall(r, "PUT");
      });
}

}  // namespace privacyd
