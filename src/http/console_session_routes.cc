#include "http/console_session_routes.h"

#include <array>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/rate_limiter.h"
#include "http/browser_origin.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr char kPages[] = "the staff console's own pages";
constexpr char kCsrfHint[] =
    "send the session's CSRF token (GET /console/session) as X-CSRF-Token; reload the page if "
    "it is out of date";

// Sign-in attempts allowed per window, per client address and per user name typed. Generous
// for people who mistype, far too few to guess a password.
constexpr int kAttemptsPerAddress = 30;
constexpr int kAttemptsPerName = 10;
constexpr Micros kAttemptWindow = 15 * 60 * kMicrosPerSecond;

bool IsUnsafe(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

json SessionBody(const StaffSessionView& s) {
  return json{{"user", {{"name", s.principal.user_name}, {"role", s.principal.role}}},
              {"csrf_token", s.csrf_token},
              {"expires_at", FormatRfc3339(s.record.expires_at)},
              {"idle_timeout_seconds", StaffSessions::kIdleTimeout / kMicrosPerSecond}};
}

std::string SetCookie(const std::string& value, Micros max_age) {
  return std::string(kConsoleCookie) + "=" + value +
         "; Path=/; Max-Age=" + std::to_string(std::max<Micros>(0, max_age / kMicrosPerSecond)) +
         "; Secure; HttpOnly; SameSite=Strict";
}

std::string ClearCookie() {
  return std::string(kConsoleCookie) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

enum class Outcome {
  kSuccess,
  kInvalidCredentials,
  kRateLimited,
  kCrossSiteRequest,
  kInvalidRequest,
  kError,
};
constexpr std::array<const char*, 6> kOutcomeNames = {"success",         "invalid_credentials",
                                                      "rate_limited",    "cross_site_request",
                                                      "invalid_request", "error"};

class ConsoleSessionRoutes {
 public:
  ConsoleSessionRoutes(ConsoleSessionGate& gate, const Clock& clock)
      : gate_(gate),
        per_address_(clock, kAttemptsPerAddress, kAttemptWindow),
        per_name_(clock, kAttemptsPerName, kAttemptWindow) {}

  // POST /console/session
  HttpResponse SignIn(const HttpRequest& request) {
    if (Status s = CheckSameOrigin(request, gate_.allowed_origin(), kPages); !s.ok()) {
      return Count(Outcome::kCrossSiteRequest, ProblemResponse(s.error(), request.request_id));
    }
    json body = json::parse(request.body, nullptr, false);
    bool with_password = body.is_object() && body.contains("user") && body["user"].is_string() &&
                         body.contains("password") && body["password"].is_string() &&
                         !body.contains("token");
    bool with_token = body.is_object() && body.contains("token") && body["token"].is_string() &&
                      !body.contains("user") && !body.contains("password");
    if (!with_password && !with_token) {
      return Count(Outcome::kInvalidRequest,
                   ProblemResponse(Error(ErrorKind::kInvalidArgument, "invalid_request",
                                         "send {\"user\": \"...\", \"password\": \"...\"} or "
                                         "{\"token\": \"<API token>\"} as JSON"),
                                   request.request_id));
    }
    std::string address =
        request.client_address.empty() ? request.remote_address : request.client_address;
    std::string user = with_password ? body["user"].get<std::string>() : "";
    if (!per_address_.Allow(address) || (with_password && !per_name_.Allow(user))) {
      HttpResponse response =
          ProblemResponse(Error(ErrorKind::kResourceExhausted, "rate_limited",
                                "too many sign-in attempts; wait fifteen minutes and try again"),
                          request.request_id);
      response.headers.emplace_back("Retry-After",
                                    std::to_string(kAttemptWindow / kMicrosPerSecond));
      return Count(Outcome::kRateLimited, std::move(response));
    }
    Result<StartedStaffSession> started =
        with_password
            ? gate_.sessions().StartWithPassword(user, body["password"].get<std::string>(),
                                                 request.request_id)
            : gate_.sessions().StartWithToken(body["token"].get<std::string>(), request.request_id);
    if (!started.ok()) {
      Outcome outcome = started.error().code() == "invalid_credentials"
                            ? Outcome::kInvalidCredentials
                            : Outcome::kError;
      return Count(outcome, ProblemResponse(started.error(), request.request_id));
    }
    HttpResponse response;
    response.status = 200;
    response.body = SessionBody(started->session).dump();
    response.headers.emplace_back(
        "Set-Cookie", SetCookie(started->cookie_value, started->session.record.expires_at -
                                                           started->session.record.created_at));
    return Count(Outcome::kSuccess, std::move(response));
  }

  // GET /console/session
  HttpResponse Show(const HttpRequest& request) const {
    auto session = Resume(request);
    if (!session.ok()) return ProblemResponse(session.error(), request.request_id);
    HttpResponse response;
    response.status = 200;
    response.body = SessionBody(*session).dump();
    return response;
  }

  // DELETE /console/session
  HttpResponse SignOut(const HttpRequest& request) const {
    auto session = Resume(request);
    if (session.ok()) {
      if (Status s = CheckSameOrigin(request, gate_.allowed_origin(), kPages); !s.ok()) {
        return ProblemResponse(s.error(), request.request_id);
      }
      if (Status s = CheckCsrfToken(request, session->csrf_token, kCsrfHint); !s.ok()) {
        return ProblemResponse(s.error(), request.request_id);
      }
      Status ended = gate_.sessions().SignOut(*session, request.request_id);
      if (!ended.ok() && ended.error().kind() != ErrorKind::kUnauthenticated) {
        return ProblemResponse(ended.error(), request.request_id);
      }
    } else if (session.error().kind() != ErrorKind::kUnauthenticated) {
      return ProblemResponse(session.error(), request.request_id);
    }
    // Without a live session there is nothing to end: the cookie is cleared all the same.
    HttpResponse response;
    response.status = 204;
    response.headers.emplace_back("Set-Cookie", ClearCookie());
    return response;
  }

  void AppendMetrics(std::string& out) const {
    out +=
        "# HELP privacyd_console_sign_ins_total Staff console sign-ins (POST /console/session) "
        "by outcome.\n"
        "# TYPE privacyd_console_sign_ins_total counter\n";
    for (size_t i = 0; i < kOutcomeNames.size(); ++i) {
      out += "privacyd_console_sign_ins_total{outcome=\"" + std::string(kOutcomeNames[i]) + "\"} " +
             std::to_string(counts_[i].load(std::memory_order_relaxed)) + "\n";
    }
  }

 private:
  Result<StaffSessionView> Resume(const HttpRequest& request) const {
    std::string cookie = CookieValue(request.Header("cookie"), kConsoleCookie);
    if (cookie.empty()) {
      return Error(ErrorKind::kUnauthenticated, "session_required",
                   "there is no console session; sign in (POST /console/session)");
    }
    return gate_.sessions().Resume(cookie);
  }

  HttpResponse Count(Outcome outcome, HttpResponse response) {
    counts_[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
    return response;
  }

  ConsoleSessionGate& gate_;
  RateLimiter per_address_;
  RateLimiter per_name_;
  std::array<std::atomic<uint64_t>, kOutcomeNames.size()> counts_{};
};

}  // namespace

ConsoleSessionGate::ConsoleSessionGate(StaffSessions& sessions, const std::string& public_url)
    : sessions_(sessions), origin_(OriginOfUrl(public_url)) {}

bool ConsoleSessionGate::HasSession(const HttpRequest& request) const {
  return !CookieValue(request.Header("cookie"), kConsoleCookie).empty();
}

Result<Principal> ConsoleSessionGate::Authenticate(const HttpRequest& request) {
  bool unsafe = IsUnsafe(request.method);
  if (unsafe) PD_RETURN_IF_ERROR(CheckSameOrigin(request, origin_, kPages));
  auto session = sessions_.Resume(CookieValue(request.Header("cookie"), kConsoleCookie));
  if (!session.ok()) {
    if (session.error().kind() != ErrorKind::kUnauthenticated) return session.error();
    return Error(ErrorKind::kUnauthenticated, "unauthenticated",
                 "the console session has ended, expired or been idle too long; sign in again "
                 "(POST /console/session)");
  }
  if (unsafe) PD_RETURN_IF_ERROR(CheckCsrfToken(request, session->csrf_token, kCsrfHint));
  return session->principal;
}

void AddConsoleSessionRoutes(Router& router, ConsoleSessionGate& gate, const Clock& clock,
                             Metrics& metrics) {
  auto routes = std::make_shared<ConsoleSessionRoutes>(gate, clock);
  metrics.AddCollector([routes](std::string& out) { routes->AppendMetrics(out); });
  auto add = [&](std::string method, Handler handler) {
    Route route;
    route.method = std::move(method);
    route.pattern = "/console/session";
    route.handler = std::move(handler);
    router.Add(std::move(route));
  };
  add("POST", [routes](const HttpRequest& r, const Principal*) { return routes->SignIn(r); });
  add("GET", [routes](const HttpRequest& r, const Principal*) { return routes->Show(r); });
  add("DELETE", [routes](const HttpRequest& r, const Principal*) { return routes->SignOut(r); });
}

}  // namespace privacyd
