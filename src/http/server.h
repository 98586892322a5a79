// HttpServer: the HTTP/1.1 front of privacyd (Boost.Beast, keep-alive, no TLS: terminate TLS in
// a reverse proxy). It turns bytes into an HttpRequest, applies the protocol-level checks in
// one place, and hands the request to the Route the Router picks:
//
//   1. request id: X-Request-Id if it is 1..128 of [A-Za-z0-9._-], else NewId(random, "req");
//      echoed in the response;
//   2. header section over max_header_bytes: 431 `headers_too_large`; body over max_body_bytes:
//      413 `body_too_large` without reading it (the connection is then closed); other malformed
//      requests: 400 `bad_request` and close;
//   3. path: percent-decoded; `..` segments, NUL or encoded '/' give 400 `invalid_path`, a bad
//      query escape 400 `invalid_query`;
//   4. routing: 404 `route_not_found`, 405 `method_not_allowed` with Allow;
//   5. roles (non-empty Route::roles): `Authorization: Bearer <token>` through the
//      Authenticator; missing or rejected: 401 `unauthenticated` with WWW-Authenticate. With no
//      Authorization header, a session cookie the SessionAuthenticator (if any) recognises is
//      used instead: its errors as it returns them (401 `unauthenticated` without a challenge,
//      403 `cross_site_request`, `csrf_token_invalid`). Role not in the list: 403 `forbidden`;
//   6. a POST/PUT/PATCH body whose media type is not in Route::content_types: 415
//      `unsupported_media_type`; a JSON body that is not UTF-8: 400 `invalid_utf8`;
//   7. the handler: on the worker pool when Route::blocking, or when the route needs
//      authentication (the Authenticator may read the store); otherwise on the I/O thread.
//      A handler that throws gives 500 `internal_error`; the server stays up.
//
// Every response carries Content-Type, Content-Length, X-Request-Id,
// X-Content-Type-Options: nosniff and Cache-Control: no-store (unless the handler sets its own
// Cache-Control). Each request is counted in Metrics and written to the access log as one JSON
// object {ts, request_id, remote, method, route, status, bytes, duration_ms, user}: the route
// pattern, never the raw path, query, headers, body or token.
//
// The handler's HttpResponse::headers may not set Content-Type, Content-Length, X-Request-Id,
// Connection or Transfer-Encoding (ignored: the server owns them).
//
// Timeouts: a request whose header and body do not arrive within request_timeout_ms (counted
// from its first byte, or from the accept for a connection's first request) has its connection
// closed; no 408 is sent, because the stream is already closed when the deadline fires. An idle
// keep-alive connection is closed after idle_timeout_ms. Writing a response also has
// request_timeout_ms. Connections beyond max_connections get a 503 `too_many_connections` and
// are closed. Metrics and the access log use "other" for a method outside the standard set.
//
// Lifecycle: Listen(), then Run() on one thread (it blocks); Stop() from any thread makes Run()
// return after a graceful drain. The server cannot be restarted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "http/http_types.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/session_authenticator.h"

namespace spdlog {
class logger;
}

namespace privacyd {

struct ServerOptions {
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8080;  // 0: an ephemeral port, see HttpServer::port()
  int io_threads = 0;    // 0: one per core
  int worker_threads = 32;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  int request_timeout_ms = 15000;
  int idle_timeout_ms = 60000;
  int max_connections = 1024;
  // On Stop(): how long in-flight requests may take to finish before their connections are cut.
  int drain_timeout_ms = 10000;
  // Addresses of reverse proxies whose X-Forwarded-For is believed: for a request from one of
  // them, HttpRequest::client_address is the right-most address of that header that is not a
  // trusted proxy itself. Empty: the header is ignored (anyone could write it).
  std::vector<std::string> trusted_proxies;
};

class HttpServer {
 public:
  // All references must outlive the server. `router` must not change once Listen() is called.
  // `access_log` receives one line per request at info level (give it the pattern "%v").
  // `clock` stamps the access log (null: the system clock).
  HttpServer(ServerOptions options, Router& router, Authenticator& authenticator, Metrics& metrics,
             Random& random, std::shared_ptr<spdlog::logger> access_log,
             const Clock* clock = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Accepts the cookie of `sessions` on routes with roles when no Authorization header is sent
  // (null: bearer tokens only). Call before Listen(); `sessions` must outlive the server.
  void UseSessionAuthenticator(SessionAuthenticator* sessions);

  // Binds and listens. Error: kUnavailable with code `listen_failed` and a message naming the
  // address, port and reason (bad address, port in use, permission denied).
  Status Listen();
  // The bound port (the ephemeral one when options.port was 0); 0 before Listen().
  uint16_t port() const;

  // Installs handlers for SIGINT, SIGTERM and SIGHUP; call once, after Listen() and before
  // Run(). The handlers stay until the server is destroyed. SIGINT and SIGTERM call
  // `on_signal(signo)` on an I/O thread and then Stop(); SIGHUP calls `on_signal(SIGHUP)` on a
  // worker thread (so a reload may block) and keeps serving. `on_signal` may be empty.
  void StopOnSignals(std::function<void(int signo)> on_signal);

  // Serves until Stop(); returns once the drain is over and the worker pool has finished.
  void Run();

  // Starts a graceful stop: stop accepting, close idle keep-alive connections, let requests in
  // flight finish and send their responses (with Connection: close), then make Run() return;
  // connections still busy after drain_timeout_ms are cut. Thread-safe and idempotent; may be
  // called before Run() (Run() then drains at once). Not async-signal-safe: use StopOnSignals.
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace privacyd
