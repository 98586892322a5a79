#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <csignal>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/huge_pages.h"
#include "http/url_encoding.h"
#include "http/utf8.h"

namespace privacyd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

// A response body sent as the strings of a vector one after the other, never joined
// (HttpResponse::body_tail). A Body for boost::beast::http::message.
struct PartsBody {
  using value_type = std::vector<std::string>;

  static std::uint64_t size(const value_type& parts) {
    std::uint64_t size = 0;
    for (const auto& part : parts) size += part.size();
    return size;
  }

  class writer {
   public:
    using const_buffers_type = std::vector<net::const_buffer>;

    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& parts) : parts_(parts) {}

    void init(ErrorCode& ec) { ec = {}; }

    // Every part at once, so that the header and a small body leave in one write: handed out
    // one at a time, the later parts of a small answer waited for the peer's delayed ACK
    // (40 ms a request).
    boost::optional<std::pair<const_buffers_type, bool>> get(ErrorCode& ec) {
      ec = {};
      if (done_) return boost::none;
      done_ = true;
      const_buffers_type buffers;
      buffers.reserve(parts_.size());
      for (const auto& part : parts_) {
        if (!part.empty()) buffers.emplace_back(part.data(), part.size());
      }
      if (buffers.empty()) return boost::none;
      return {{std::move(buffers), false}};
    }

   private:
    const value_type& parts_;
    bool done_ = false;
  };
};

constexpr size_t kMaxRequestIdLength = 128;

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The decoded path of an origin-form target, or an `invalid_path` message.
std::optional<std::string> DecodePath(std::string_view raw, std::string& why) {
  if (raw.empty() || raw.front() != '/') {
    why = "The request target must be a path starting with '/'.";
    return std::nullopt;
  }
  // An encoded slash would let "/a%2Fb" match a pattern differently than a proxy sees it.
  for (size_t i = 0; i + 2 < raw.size(); ++i) {
    if (raw[i] == '%' && raw[i + 1] == '2' && (raw[i + 2] == 'f' || raw[i + 2] == 'F')) {
      why = "The path contains an encoded '/'.";
      return std::nullopt;
    }
  }
  std::string path;
  if (!PercentDecode(raw, false, path)) {
    why = "The path contains a malformed percent escape.";
    return std::nullopt;
  }
  if (path.find('\0') != std::string::npos) {
    why = "The path contains a NUL character.";
    return std::nullopt;
  }
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (std::string_view(path).substr(start, end - start) == "..") {
      why = "The path contains a '..' segment.";
      return std::nullopt;
    }
    start = end + 1;
  }
  return path;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// True for Beast's HTTP parse errors, as opposed to socket errors and timeouts.
bool IsHttpError(ErrorCode ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

// The method as a metrics label and log field: clients can send any token as a method, and
// each distinct label value would be a new time series.
std::string_view KnownMethod(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",    "HEAD",  "POST",   "PUT",
                                                "DELETE", "PATCH", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

// Headers the server owns; a handler cannot set them.
bool IsServerHeader(std::string_view name) {
  return beast::iequals(name, "content-length") || beast::iequals(name, "content-type") ||
         beast::iequals(name, "x-request-id") || beast::iequals(name, "connection") ||
         beast::iequals(name, "transfer-encoding");
}

bool IsJsonMediaType(const std::string& media_type) {
  return media_type == "application/json" ||
         (media_type.size() > 5 && media_type.compare(media_type.size() - 5, 5, "+json") == 0);
}

// The address of the client of a request that came from `remote`: behind trusted proxies, the
// right-most address in X-Forwarded-For that is not one of them.
std::string ClientAddress(const std::vector<std::string>& trusted, const std::string& remote,
                          const std::string& forwarded_for) {
  auto is_trusted = [&](std::string_view address) {
    return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
  };
  if (forwarded_for.empty() || !is_trusted(remote)) return remote;
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string_view hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    while (!hop.empty() && (hop.front() == ' ' || hop.front() == '\t')) hop.remove_prefix(1);
    while (!hop.empty() && (hop.back() == ' ' || hop.back() == '\t')) hop.remove_suffix(1);
    if (hop.empty()) continue;
    if (!is_trusted(hop)) return std::string(hop);
  }
  return remote;
}

}  // namespace

class Session;

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Router& router, Authenticator& authenticator, Metrics& metrics,
       Random& random, std::shared_ptr<spdlog::logger> access_log, const Clock* clock)
      : options_(std::move(options)),
        router_(router),
        authenticator_(authenticator),
        metrics_(metrics),
        random_(random),
        access_log_(std::move(access_log)),
        clock_(clock != nullptr ? clock : &system_clock_),
        pool_(std::make_unique<net::thread_pool>(std::max(1, options_.worker_threads))) {
    // One io_context per I/O thread: a connection lives on one thread for its whole life, so
    // its handlers need no strand and no thread wakes another to run them.
    for (int i = 0; i < IoThreads(); ++i) iocs_.push_back(std::make_unique<net::io_context>(1));
    strand_.emplace(net::make_strand(*iocs_.front()));
  }

  ~Impl() {
    // Worker tasks post back into the io_context, so the pool must finish first. Destroying the
    // io_context then destroys the sessions still queued in it, which call SessionEnded.
    pool_.reset();
    signals_.reset();
    acceptor_.reset();
    drain_timer_.reset();
    strand_.reset();
    iocs_.clear();
  }

  int IoThreads() const {
    if (options_.io_threads > 0) return options_.io_threads;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }

  Status Listen();
  void StopOnSignals(std::function<void(int)> on_signal);
  void Run();
  void Stop();

  // Called by sessions.
  void SessionStarted(const std::shared_ptr<Session>& session);
  void SessionEnded(Session* session);
  // Request ids need to be unique, not secret: a per-thread generator seeded once from the
  // injected source saves a system call per request.
  std::string NewRequestId() {
    thread_local std::unique_ptr<SeededRandom> ids;
    if (!ids) {
      uint64_t seed = 0;
      random_.Fill({reinterpret_cast<uint8_t*>(&seed), sizeof seed});
      ids = std::make_unique<SeededRandom>(seed);
    }
    return NewId(*ids, "req");
  }
  void LogAccess(const HttpRequest& request, const std::string& route_label, int status,
                 size_t bytes, SteadyTime start, const std::optional<std::string>& user);

  ServerOptions options_;
  Router& router_;
  // The largest body any route takes: the parser's limit until the route is known.
  size_t largest_body_ = 0;
  Authenticator& authenticator_;
  SessionAuthenticator* session_authenticator_ = nullptr;  // set before Listen()
  Metrics& metrics_;
  Random& random_;
  std::shared_ptr<spdlog::logger> access_log_;
  SystemClock system_clock_;
  const Clock* clock_;

  std::vector<std::unique_ptr<net::io_context>> iocs_;  // front() also runs strand_
  size_t next_ioc_ = 0;                                 // on strand_: where to put a connection
  // Serializes the acceptor, signals and drain timer. Optional so that ~Impl can destroy it
  // before the io_context it belongs to.
  std::optional<net::strand<net::io_context::executor_type>> strand_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<net::signal_set> signals_;
  std::unique_ptr<net::steady_timer> drain_timer_;
  std::unique_ptr<net::thread_pool> pool_;
  std::function<void(int)> on_signal_;

  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  bool shutdown_started_ = false;  // on strand_
  std::atomic<int> sessions_{0};
  std::mutex live_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> live_;

 private:
  void DoAccept();
  void OnAccept(ErrorCode ec, tcp::socket socket);
  void Reject(tcp::socket socket);
  void WaitForSignal();
  void BeginShutdown();
  void StopIo();
};

// One client connection: reads requests one after another (keep-alive), runs each through the
// checks and its handler, writes the response. All state is touched on the connection's strand
// except `request_`, which a worker reads while the strand waits for the handler's result.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)) {
    ErrorCode ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
  }
  ~Session() { server_.SessionEnded(this); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Graceful stop: an idle connection closes now, a busy one after its current response.
  void Shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->shutting_down_ = true;
      if (self->idle_) self->stream_.cancel();
    });
  }

 private:
  // Waits for the first byte of the next request on a keep-alive connection.
  void WaitForRequest() {
    if (shutting_down_ || server_.stopping_) return Close();
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    idle_ = true;
    stream_.expires_after(std::chrono::milliseconds(server_.options_.idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](ErrorCode ec, size_t n) {
                              self->idle_ = false;
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    start_ = std::chrono::steady_clock::now();
    request_ = HttpRequest();
    route_label_ = "unmatched";
    user_.reset();
    route_ = nullptr;
    head_ = false;
    keep_alive_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options_.max_header_bytes));
    body_limit_ = server_.largest_body_;
    parser_->body_limit(body_limit_);
    stream_.expires_after(std::chrono::milliseconds(server_.options_.request_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](ErrorCode ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(ErrorCode ec) {
    if (ec == http::error::header_limit) {
      FillRequest();
      return Fail(431, "headers_too_large",
                  "The request's header section is larger than " +
                      std::to_string(server_.options_.max_header_bytes) + " bytes.");
    }
    if (ec == http::error::body_limit) {
      FillRequest();
      LimitBodyForRoute();  // for the message: the limit of this request's route
      return Fail(413, "body_too_large", BodyTooLargeMessage());
    }
    if (IsHttpError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      FillRequest();
      return Fail(400, "bad_request", "The request is not valid HTTP/1.1.");
    }
    if (ec) return Close();  // timeout, reset, or the client went away
    FillRequest();
    if (!LimitBodyForRoute()) return Fail(413, "body_too_large", BodyTooLargeMessage());
    auto& header = parser_->get();
    if (parser_->is_done()) return Process();
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      // Clients that ask before sending a body would otherwise wait a second or so.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](ErrorCode ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    const auto length = parser_->content_length();
    if (length && !parser_->chunked()) return ReadBodyOfLength(*length);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](ErrorCode ec, size_t) {
      if (ec == http::error::body_limit) {
        return self->Fail(413, "body_too_large", self->BodyTooLargeMessage());
      }
      if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
          !IsHttpError(ec)) {
        if (ec) return self->Close();
      } else {
        return self->Fail(400, "bad_request", "The request body is not valid HTTP/1.1 framing.");
      }
      self->request_.body = std::move(self->parser_->get().body());
      self->Process();
    });
  }

  // A body of known length (within the route's limit: OnHeader checked) goes straight into the
  // request's string (with kRequestBodyPadding spare bytes after it), in reads as large as what
  // the socket holds. Through the parser it went into the connection's buffer a few KB at a time
  // (a read and a timer set for each), to be copied from there: for the 4 MB of a consent check
  // of 100,000 addresses, a thousand of each. Bytes after the body (a pipelined request) stay in
  // the buffer.
  void ReadBodyOfLength(size_t length) {
    std::string& body = request_.body;
    const size_t have = std::min(buffer_.size(), length);
    body.reserve(length + kRequestBodyPadding);
    AdviseHugePages(body.data(), body.capacity());  // core/huge_pages.h says why
    body.assign(static_cast<const char*>(buffer_.data().data()), have);
    buffer_.consume(have);
    body.resize(length);
    if (have == length) return Process();  // it came with the header
    net::async_read(
        stream_, net::buffer(body.data() + have, length - have),
        [wanted = length - have](ErrorCode ec, size_t n) -> size_t {
          return ec ? 0 : wanted - n;  // no cap per read (asio's default is 64 KB)
        },
        [self = shared_from_this()](ErrorCode ec, size_t) {
          if (ec) return self->Close();  // timeout, reset, or the body ended early
          self->Process();
        });
  }

  // Sets the body limit of the request's route (a consent check of 100,000 addresses takes
  // more than the server's default) before the body is read. False when the declared
  // Content-Length is over it.
  bool LimitBodyForRoute() {
    body_limit_ = server_.options_.max_body_bytes;
    std::string_view target = request_.target;
    std::string why;
    std::optional<std::string> path = DecodePath(target.substr(0, target.find('?')), why);
    if (path) {
      RouteMatch match = server_.router_.Match(request_.method, *path);
      if (match.route != nullptr) body_limit_ = std::max(body_limit_, match.route->max_body_bytes);
    }
    if (!parser_->is_header_done()) return false;  // the parser stopped in the header
    parser_->body_limit(body_limit_);
    return !(parser_->content_length() && *parser_->content_length() > body_limit_);
  }

  std::string BodyTooLargeMessage() const {
    return "The request body is larger than " + std::to_string(body_limit_) + " bytes.";
  }

  // Copies what is known of the request (also after a header error) into request_.
  void FillRequest() {
    const auto& header = parser_->get();
    request_.method = std::string(header.method_string());
    request_.target = std::string(header.target());
    for (const auto& field : header) {
      std::string name = ToLower(field.name_string());
      std::string value(field.value());
      auto [it, inserted] = request_.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    request_.remote_address = remote_;
    request_.client_address = ClientAddress(server_.options_.trusted_proxies, remote_,
                                            request_.Header("x-forwarded-for"));
    std::string given = request_.Header("x-request-id");
    request_.request_id = IsSaneRequestId(given) ? given : server_.NewRequestId();
    head_ = request_.method == "HEAD";
    keep_alive_ = header.keep_alive();
  }

  void Process() {
    std::string_view target = request_.target;
    size_t question = target.find('?');
    std::string why;
    std::optional<std::string> path = DecodePath(target.substr(0, question), why);
    if (!path) return Respond(Problem(400, "invalid_path", why), false);
    request_.path = std::move(*path);
    if (question != std::string_view::npos &&
        !ParseUrlEncoded(target.substr(question + 1), request_.query)) {
      return Respond(
          Problem(400, "invalid_query", "The query string contains a malformed percent escape."),
          false);
    }

    RouteMatch match = server_.router_.Match(request_.method, request_.path);
    if (match.outcome == RouteMatch::Outcome::kNotFound) {
      return Respond(Problem(404, "route_not_found", "No endpoint has this path."), false);
    }
    if (match.outcome == RouteMatch::Outcome::kMethodNotAllowed) {
      HttpResponse response = Problem(405, "method_not_allowed",
                                      "This endpoint does not support " + request_.method +
                                          "; the Allow header lists the methods it does support.");
      response.headers.emplace_back("Allow", match.AllowHeader());
      return Respond(std::move(response), false);
    }
    route_ = match.route;
    route_label_ = route_->pattern;
    request_.path_params = std::move(match.params);

    const std::string& method = request_.method;
    bool has_body = !request_.body.empty() || parser_->get().chunked() ||
                    parser_->content_length().value_or(0) > 0;
    std::string media_type = MediaType(request_.Header("content-type"));
    if (has_body && (method == "POST" || method == "PUT" || method == "PATCH") &&
        !route_->content_types.empty() &&
        std::find(route_->content_types.begin(), route_->content_types.end(), media_type) ==
            route_->content_types.end()) {
      return Respond(Problem(415, "unsupported_media_type",
                             "Send the request body as " + route_->content_types.front() + "."),
                     false);
    }
    if (has_body && IsJsonMediaType(media_type) && !IsValidUtf8(request_.body)) {
      return Respond(Problem(400, "invalid_utf8",
                             "The request body is not valid UTF-8; send JSON encoded as UTF-8."),
                     false);
    }

    // The Authenticator may read the store, so authenticated routes leave the I/O threads
    // unless the route says this request is answered from memory (Route::run_inline).
    if ((!route_->blocking && route_->roles.empty()) ||
        (route_->run_inline && route_->run_inline(request_))) {
      HttpResponse response = Execute();
      return Respond(std::move(response), false);
    }
    net::post(*server_.pool_, [self = shared_from_this()] {
      HttpResponse response = self->Execute();
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Respond(std::move(response), false);
      });
    });
  }

  // Authenticates and runs the handler. Runs on a worker or on the strand; touches only
  // request_, route_ and user_ (which the strand leaves alone meanwhile).
  HttpResponse Execute() {
    try {
      Principal principal;
      const Principal* caller = nullptr;
      if (!route_->roles.empty()) {
        std::string authorization = request_.Header("authorization");
        std::string_view token;
        if (authorization.size() > 7 && beast::iequals(authorization.substr(0, 7), "bearer ")) {
          token = std::string_view(authorization).substr(7);
          while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        }
        SessionAuthenticator* sessions = server_.session_authenticator_;
        if (authorization.empty() && sessions != nullptr && sessions->HasSession(request_)) {
          // A browser session: its own checks (cross-site, CSRF), then the same role check.
          Result<Principal> authenticated = sessions->Authenticate(request_);
          if (!authenticated.ok()) {
            return ProblemResponse(authenticated.error(), request_.request_id);
          }
          principal = std::move(authenticated).value();
        } else if (token.empty()) {
          HttpResponse response = Problem(401, "unauthenticated",
                                          "This endpoint needs an API token: send "
                                          "\"Authorization: Bearer <token>\".");
          response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"privacyd\"");
          return response;
        } else {
          Result<Principal> authenticated = server_.authenticator_.Authenticate(token);
          if (!authenticated.ok()) {
            const Error& error = authenticated.error();
            if (error.kind() != ErrorKind::kUnauthenticated) {
              return ProblemResponse(error, request_.request_id);
            }
            HttpResponse response = Problem(401, "unauthenticated", error.message());
            response.headers.emplace_back("WWW-Authenticate",
                                          "Bearer realm=\"privacyd\", error=\"invalid_token\"");
            return response;
          }
          principal = std::move(authenticated).value();
        }
        user_ = principal.user_name;
        if (std::find(route_->roles.begin(), route_->roles.end(), principal.role) ==
            route_->roles.end()) {
          std::string roles;
          for (const auto& role : route_->roles) roles += (roles.empty() ? "" : ", ") + role;
          return Problem(403, "forbidden", "This endpoint needs one of the roles: " + roles + ".");
        }
        caller = &principal;
      }
      return route_->handler(request_, caller);
    } catch (const std::exception& e) {
      spdlog::error("request {} to {}: handler threw: {}", request_.request_id, route_->pattern,
                    e.what());
    } catch (...) {
      spdlog::error("request {} to {}: handler threw a non-exception", request_.request_id,
                    route_->pattern);
    }
    return Problem(500, "internal_error",
                   "The server failed to handle this request; it has been logged under the "
                   "request id.");
  }

  HttpResponse Problem(int status, const std::string& code, const std::string& detail) const {
    return ProblemResponse(status, code, detail, request_.request_id);
  }

  // Answers a request that could not be read completely; the connection closes afterwards
  // because the rest of its bytes cannot be trusted to frame the next request.
  void Fail(int status, const std::string& code, const std::string& detail) {
    Respond(Problem(status, code, detail), true);
  }

  void Respond(HttpResponse response, bool close) {
    close = close || !keep_alive_ || shutting_down_ || server_.stopping_;
    auto res = std::make_shared<http::response<PartsBody>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    res->set(http::field::content_type, response.content_type);
    bool has_cache_control = false;
    for (auto& [name, value] : response.headers) {
      if (IsServerHeader(name)) continue;
      if (beast::iequals(name, "cache-control")) has_cache_control = true;
      res->insert(name, value);
    }
    if (!has_cache_control) res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Request-Id", request_.request_id);
    size_t bytes = response.BodySize();
    if (response.status != 204 && response.status != 304) res->content_length(bytes);
    if (!head_) {
      res->body().reserve(1 + response.body_tail.size());
      res->body().push_back(std::move(response.body));
      for (auto& part : response.body_tail) res->body().push_back(std::move(part));
    }
    res->keep_alive(!close);

    int status = response.status;
    stream_.expires_after(std::chrono::milliseconds(server_.options_.request_timeout_ms));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, status, bytes, close,
                       recycle = std::move(response.recycle)](ErrorCode ec, size_t) {
                        if (recycle) recycle(std::move(res->body()));
                        self->server_.LogAccess(self->request_, self->route_label_, status, bytes,
                                                self->start_, self->user_);
                        if (ec || close) return self->Close();
                        self->WaitForRequest();
                      });
  }

  void Close() {
    ErrorCode ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  bool idle_ = false;
  bool shutting_down_ = false;

  // The current request.
  HttpRequest request_;
  const Route* route_ = nullptr;
  std::string route_label_;
  std::optional<std::string> user_;
  SteadyTime start_;
  bool head_ = false;
  bool keep_alive_ = false;
  size_t body_limit_ = 0;  // of the request being read
};

Status HttpServer::Impl::Listen() {
  largest_body_ = options_.max_body_bytes;
  for (const Route& route : router_.routes()) {
    largest_body_ = std::max(largest_body_, route.max_body_bytes);
  }
  auto fail = [&](const std::string& why) {
    return Error(ErrorKind::kUnavailable, "listen_failed",
                 "Cannot listen on " + options_.listen_address + ":" +
                     std::to_string(options_.port) + ": " + why + ".");
  };
  ErrorCode ec;
  net::ip::address address = net::ip::make_address(options_.listen_address, ec);
  if (ec) return fail("not an IP address");
  auto acceptor = std::make_unique<tcp::acceptor>(*strand_);
  tcp::endpoint endpoint(address, options_.port);
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail(ec.message());
  acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec.message());
  acceptor->bind(endpoint, ec);
  if (ec) return fail(ec.message());
  acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec.message());
  port_ = acceptor->local_endpoint(ec).port();
  acceptor_ = std::move(acceptor);
  return Ok();
}

void HttpServer::Impl::DoAccept() {
  if (stopping_ || !acceptor_ || !acceptor_->is_open()) return;
  net::io_context& target = *iocs_[next_ioc_++ % iocs_.size()];
  acceptor_->async_accept(
      target, [this](ErrorCode ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void HttpServer::Impl::OnAccept(ErrorCode ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopping_) return;
  if (ec) {
    // Usually out of file descriptors: back off briefly rather than spin.
    spdlog::warn("accept failed: {}", ec.message());
    auto timer = std::make_shared<net::steady_timer>(*strand_, std::chrono::milliseconds(50));
    timer->async_wait([this, timer](ErrorCode) { DoAccept(); });
    return;
  }
  if (sessions_.load() >= options_.max_connections) {
    Reject(std::move(socket));
  } else {
    auto session = std::make_shared<Session>(*this, std::move(socket));
    SessionStarted(session);
    session->Start();
  }
  DoAccept();
}

void HttpServer::Impl::Reject(tcp::socket socket) {
  auto holder = std::make_shared<tcp::socket>(std::move(socket));
  HttpResponse problem =
      ProblemResponse(503, "too_many_connections",
                      "The server has too many open connections; retry shortly.", NewRequestId());
  auto text = std::make_shared<std::string>(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
      "Content-Length: " +
      std::to_string(problem.body.size()) +
      "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
      "Retry-After: 1\r\nConnection: close\r\n\r\n" +
      problem.body);
  net::async_write(*holder, net::buffer(*text), [holder, text](ErrorCode, size_t) {
    ErrorCode ignored;
    holder->shutdown(tcp::socket::shutdown_send, ignored);
    holder->close(ignored);
  });
}

void HttpServer::Impl::SessionStarted(const std::shared_ptr<Session>& session) {
  sessions_.fetch_add(1);
  metrics_.ConnectionOpened();
  std::lock_guard lock(live_mu_);
  live_[session.get()] = session;
}

void HttpServer::Impl::SessionEnded(Session* session) {
  {
    std::lock_guard lock(live_mu_);
    live_.erase(session);
  }
  metrics_.ConnectionClosed();
  if (sessions_.fetch_sub(1) == 1 && stopping_) StopIo();
}

void HttpServer::Impl::LogAccess(const HttpRequest& request, const std::string& route_label,
                                 int status, size_t bytes, SteadyTime start,
                                 const std::optional<std::string>& user) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string_view method = KnownMethod(request.method);
  metrics_.ObserveRequest(route_label, method, status, seconds);
  if (!access_log_ || !access_log_->should_log(spdlog::level::info)) return;
  nlohmann::json line = {
      {"ts", FormatRfc3339(clock_->Now())},
      {"request_id", request.request_id},
      {"remote", request.remote_address},
      {"method", method},
      {"route", route_label},
      {"status", status},
      {"bytes", bytes},
      {"duration_ms", std::round(seconds * 1e6) / 1e3},
      {"user", user ? nlohmann::json(*user) : nlohmann::json(nullptr)},
  };
  access_log_->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void HttpServer::Impl::StopOnSignals(std::function<void(int)> on_signal) {
  on_signal_ = std::move(on_signal);
  signals_ = std::make_unique<net::signal_set>(*strand_, SIGINT, SIGTERM, SIGHUP);
  WaitForSignal();
}

void HttpServer::Impl::WaitForSignal() {
  signals_->async_wait([this](ErrorCode ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      if (on_signal_) net::post(*pool_, [this] { on_signal_(SIGHUP); });
      return WaitForSignal();
    }
    if (on_signal_) on_signal_(signo);
    BeginShutdown();
  });
}

void HttpServer::Impl::Run() {
  // Workers post their results back here; the guard keeps run() from returning while the
  // only outstanding work is on the pool.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (auto& ioc : iocs_) guards.push_back(net::make_work_guard(*ioc));
  net::post(*strand_, [this] { DoAccept(); });
  std::vector<std::thread> threads;
  for (size_t i = 1; i < iocs_.size(); ++i) threads.emplace_back([this, i] { iocs_[i]->run(); });
  iocs_.front()->run();
  for (auto& t : threads) t.join();
  pool_->join();
}

void HttpServer::Impl::Stop() {
  net::post(*strand_, [this] { BeginShutdown(); });
}

void HttpServer::Impl::BeginShutdown() {
  if (shutdown_started_) return;
  shutdown_started_ = true;
  stopping_ = true;
  ErrorCode ec;
  if (acceptor_) acceptor_->close(ec);
  if (signals_) signals_->cancel(ec);
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(live_mu_);
    for (auto& [ptr, weak] : live_) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }
  for (auto& session : sessions) session->Shutdown();
  sessions.clear();
  if (sessions_.load() == 0) {
    StopIo();
    return;
  }
  drain_timer_ = std::make_unique<net::steady_timer>(*strand_);
  drain_timer_->expires_after(std::chrono::milliseconds(options_.drain_timeout_ms));
  drain_timer_->async_wait([this](ErrorCode ec) {
    if (ec) return;
    spdlog::warn("drain timeout: closing {} connections still busy", sessions_.load());
    StopIo();
  });
}

void HttpServer::Impl::StopIo() {
  for (auto& ioc : iocs_) ioc->stop();
}

HttpServer::HttpServer(ServerOptions options, Router& router, Authenticator& authenticator,
                       Metrics& metrics, Random& random, std::shared_ptr<spdlog::logger> access_log,
                       const Clock* clock)
    : impl_(std::make_unique<Impl>(std::move(options), router, authenticator, metrics, random,
                                   std::move(access_log), clock)) {}

HttpServer::~HttpServer() = default;

void HttpServer::UseSessionAuthenticator(SessionAuthenticator* sessions) {
  impl_->session_authenticator_ = sessions;
}
Status HttpServer::Listen() { return impl_->Listen(); }
uint16_t HttpServer::port() const { return impl_->port_.load(); }
void HttpServer::StopOnSignals(std::function<void(int)> on_signal) {
  impl_->StopOnSignals(std::move(on_signal));
}
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace privacyd
