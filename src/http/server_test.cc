#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace privacyd {
namespace {

struct Reply {
  int status = 0;  // 0: the connection closed or timed out before a full response
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body); }
};

// A deliberately dumb HTTP/1.1 client on a blocking socket, so the tests see the bytes the
// server really sends.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { close(fd_); }

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  void Send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  Reply Read(bool head = false) {
    Reply reply;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return reply;
    }
    std::string head_text = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    std::istringstream lines(head_text);
    std::string line;
    std::getline(lines, line);
    if (line.size() < 12) return reply;
    int status = std::stoi(line.substr(9, 3));
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t value_start = line.find_first_not_of(' ', colon + 1);
      reply.headers[name] = value_start == std::string::npos ? "" : line.substr(value_start);
    }
    size_t length =
        head ? 0
             : std::stoul(reply.Header("content-length").empty() ? "0"
                                                                 : reply.Header("content-length"));
    while (buffer_.size() < length) {
      if (!Fill()) return reply;
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    reply.status = status;
    return reply;
  }

  Reply Request(const std::string& data, bool head = false) {
    Send(data);
    return Read(head);
  }

  // True when the server closed the connection (EOF or reset) rather than leaving it open.
  bool PeerClosed() {
    if (!buffer_.empty()) return false;
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool Fill() {
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

std::string Post(const std::string& target, const std::string& content_type,
                 const std::string& body, const std::string& extra_headers = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

class FakeAuthenticator final : public Authenticator {
 public:
  Result<Principal> Authenticate(std::string_view token) override {
    if (token == "admin-token") return Principal{"usr_1", "alice", "admin"};
    if (token == "auditor-token") return Principal{"usr_2", "bob", "auditor"};
    return Error(ErrorKind::kUnauthenticated, "token_invalid",
                 "The API token is unknown, expired or revoked.");
  }
};

// Sessions by cookie "s": "alice" is the admin, "bob" the auditor, "csrf" is refused as the
// gate refuses a change without its token; anything else is not a live session.
class FakeSessionAuthenticator final : public SessionAuthenticator {
 public:
  bool HasSession(const HttpRequest& request) const override {
    return request.Header("cookie").rfind("s=", 0) == 0;
  }
  Result<Principal> Authenticate(const HttpRequest& request) override {
    std::string value = request.Header("cookie").substr(2);
    if (value == "alice") return Principal{"usr_1", "alice", "admin"};
    if (value == "bob") return Principal{"usr_2", "bob", "auditor"};
    if (value == "csrf") {
      return Error(ErrorKind::kPermissionDenied, "csrf_token_invalid", "send X-CSRF-Token");
    }
    return Error(ErrorKind::kUnauthenticated, "unauthenticated", "the session has ended");
  }
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Route hello{.method = "GET", .pattern = "/hello", .roles = {}, .blocking = false};
    hello.handler = [](const HttpRequest& request, const Principal*) {
      nlohmann::json body = {{"hello", "world"}};
      if (auto name = request.Query("name")) body["name"] = *name;
      return JsonResponse(200, body.dump());
    };
    router_.Add(hello);

    Route item{.method = "GET", .pattern = "/v1/items/{id}", .roles = {"admin"}};
    item.handler = [](const HttpRequest& request, const Principal* principal) {
      return JsonResponse(
          200, nlohmann::json({{"id", request.path_params.at("id")}, {"by", principal->user_name}})
                   .dump());
    };
    router_.Add(item);
    Route delete_item = item;
    delete_item.method = "DELETE";
    router_.Add(delete_item);

    Route echo{.method = "POST", .pattern = "/echo", .roles = {}, .blocking = true};
    echo.handler = [](const HttpRequest& request, const Principal*) {
      return JsonResponse(200, request.body);
    };
    router_.Add(echo);

    Route big{.method = "POST", .pattern = "/echo-big", .roles = {}, .blocking = true};
    big.handler = echo.handler;
    big.max_body_bytes = 8192;
    router_.Add(big);

    // Whether the body came with the spare capacity a JSON parser may read past its end.
    Route padded{.method = "POST", .pattern = "/padded", .roles = {}, .blocking = false};
    padded.handler = [](const HttpRequest& request, const Principal*) {
      const bool room = request.body.capacity() >= request.body.size() + kRequestBodyPadding;
      return JsonResponse(200, room ? "true" : "false");
    };
    padded.max_body_bytes = 1 << 20;
    router_.Add(padded);

    Route parts{.method = "GET", .pattern = "/parts", .roles = {}, .blocking = false};
    parts.handler = [](const HttpRequest&, const Principal*) {
      HttpResponse response = JsonResponse(200, "");
      response.body_tail = {"[", "", std::string(100'000, '1'), ",2", "", "]", ""};
      return response;
    };
    router_.Add(parts);

    Route client{.method = "GET", .pattern = "/client", .roles = {}, .blocking = false};
    client.handler = [](const HttpRequest& request, const Principal*) {
      return JsonResponse(200, "\"" + request.client_address + "\"");
    };
    router_.Add(client);

    Route boom{.method = "GET", .pattern = "/boom", .roles = {}, .blocking = true};
    boom.handler = [](const HttpRequest&, const Principal*) -> HttpResponse {
      throw std::runtime_error("kaboom");
    };
    router_.Add(boom);

    Route slow{.method = "GET", .pattern = "/slow", .roles = {}, .blocking = true};
    slow.handler = [this](const HttpRequest&, const Principal*) {
      slow_entered_.set_value();
      release_slow_.get_future().wait();
      return JsonResponse(200, R"({"slow":true})");
    };
    router_.Add(slow);

    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_stream_);
    access_log_ = std::make_shared<spdlog::logger>("access_test", log_sink_);
    access_log_->set_pattern("%v");
  }

  void TearDown() override { StopServer(); }

  void StartServer(ServerOptions options = {}, std::function<void(int)> on_signal = nullptr) {
    options.port = 0;
    options.io_threads = 2;
    options.worker_threads = 4;
    if (options.max_body_bytes == ServerOptions().max_body_bytes) options.max_body_bytes = 1024;
    if (options.max_header_bytes == ServerOptions().max_header_bytes) {
      options.max_header_bytes = 1024;
    }
    server_ = std::make_unique<HttpServer>(options, router_, authenticator_, metrics_, random_,
                                           access_log_);
    server_->UseSessionAuthenticator(sessions_);
    Status listening = server_->Listen();
    ASSERT_TRUE(listening.ok()) << listening.error().message();
    ASSERT_NE(server_->port(), 0);
    if (on_signal) server_->StopOnSignals(std::move(on_signal));
    thread_ = std::thread([this] { server_->Run(); });
  }

  void StopServer() {
    if (!server_) return;
    server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  uint16_t port() const { return server_->port(); }

  Router router_;
  FakeAuthenticator authenticator_;
  SessionAuthenticator* sessions_ = nullptr;
  Metrics metrics_;
  SeededRandom random_{42};
  std::ostringstream log_stream_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> access_log_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::promise<void> slow_entered_;
  std::promise<void> release_slow_;
};

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  Reply first = client.Request(Get("/hello"));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.Json()["hello"], "world");
  EXPECT_EQ(first.Header("content-type"), "application/json");
  EXPECT_EQ(first.Header("content-length"), std::to_string(first.body.size()));
  EXPECT_EQ(first.Header("cache-control"), "no-store");
  EXPECT_EQ(first.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(first.Header("x-request-id").rfind("req_", 0), 0u) << first.Header("x-request-id");
  Reply second = client.Request(Get("/hello?name=Ana%20Maria"));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.Json()["name"], "Ana Maria");
  EXPECT_NE(second.Header("x-request-id"), first.Header("x-request-id"));
}

TEST_F(HttpServerTest, EchoesSaneRequestIdAndReplacesOthers) {
  StartServer();
  RawClient client(port());
  Reply given = client.Request(Get("/hello", "X-Request-Id: abc.DEF_123-x\r\n"));
  EXPECT_EQ(given.Header("x-request-id"), "abc.DEF_123-x");
  Reply bad = client.Request(Get("/hello", "X-Request-Id: has space\r\n"));
  EXPECT_EQ(bad.Header("x-request-id").rfind("req_", 0), 0u);
  Reply too_long = client.Request(Get("/hello", "X-Request-Id: " + std::string(129, 'a') + "\r\n"));
  EXPECT_EQ(too_long.Header("x-request-id").rfind("req_", 0), 0u);
}

TEST_F(HttpServerTest, RequiresBearerToken) {
  StartServer();
  RawClient client(port());
  Reply missing = client.Request(Get("/v1/items/it_1"));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");
  EXPECT_EQ(missing.Json()["code"], "unauthenticated");
  EXPECT_EQ(missing.Header("www-authenticate").rfind("Bearer", 0), 0u);

  Reply unknown = client.Request(Get("/v1/items/it_1", "Authorization: Bearer nope\r\n"));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.Json()["code"], "unauthenticated");
  EXPECT_EQ(unknown.Json()["request_id"], unknown.Header("x-request-id"));

  Reply wrong_role =
      client.Request(Get("/v1/items/it_1", "Authorization: Bearer auditor-token\r\n"));
  EXPECT_EQ(wrong_role.status, 403);
  EXPECT_EQ(wrong_role.Json()["code"], "forbidden");

  Reply ok = client.Request(Get("/v1/items/it_1", "Authorization: bearer admin-token\r\n"));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json(), nlohmann::json({{"id", "it_1"}, {"by", "alice"}}));
}

TEST_F(HttpServerTest, StaffRoutesTakeASessionCookieWhenThereIsNoAuthorization) {
  FakeSessionAuthenticator sessions;
  sessions_ = &sessions;
  StartServer();
  RawClient client(port());
  Reply ok = client.Request(Get("/v1/items/it_1", "Cookie: s=alice\r\n"));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json(), nlohmann::json({{"id", "it_1"}, {"by", "alice"}}));

  Reply wrong_role = client.Request(Get("/v1/items/it_1", "Cookie: s=bob\r\n"));
  EXPECT_EQ(wrong_role.status, 403);
  EXPECT_EQ(wrong_role.Json()["code"], "forbidden");

  Reply ended = client.Request(Get("/v1/items/it_1", "Cookie: s=gone\r\n"));
  EXPECT_EQ(ended.status, 401);
  EXPECT_EQ(ended.Json()["code"], "unauthenticated");
  EXPECT_EQ(ended.Header("www-authenticate"), "");

  Reply csrf =
      client.Request("DELETE /v1/items/it_1 HTTP/1.1\r\nHost: test\r\nCookie: s=csrf\r\n\r\n");
  EXPECT_EQ(csrf.status, 403);
  EXPECT_EQ(csrf.Json()["code"], "csrf_token_invalid");

  // An Authorization header wins: the cookie is not looked at.
  Reply bearer =
      client.Request(Get("/v1/items/it_1", "Authorization: Bearer nope\r\nCookie: s=alice\r\n"));
  EXPECT_EQ(bearer.status, 401);
  EXPECT_EQ(bearer.Header("www-authenticate").rfind("Bearer", 0), 0u);
}

TEST_F(HttpServerTest, UnknownRouteAndWrongMethod) {
  StartServer();
  RawClient client(port());
  Reply not_found = client.Request(Get("/nope"));
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.Json()["code"], "route_not_found");
  Reply not_allowed = client.Request("PUT /v1/items/x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(not_allowed.Json()["code"], "method_not_allowed");
  EXPECT_EQ(not_allowed.Header("allow"), "DELETE, GET, HEAD");
}

TEST_F(HttpServerTest, HeadServesGetWithoutBody) {
  StartServer();
  RawClient client(port());
  Reply head = client.Request("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n", /*head=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "17");
  Reply after = client.Request(Get("/hello"));  // nothing left over on the connection
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, R"({"hello":"world"})");
}

TEST_F(HttpServerTest, BodyInPartsIsSentInOrderWithItsWholeLength) {
  StartServer();
  RawClient client(port());
  const std::string expected = "[" + std::string(100'000, '1') + ",2]";
  Reply reply = client.Request(Get("/parts"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-length"), std::to_string(expected.size()));
  EXPECT_EQ(reply.body, expected);
  Reply head = client.Request("HEAD /parts HTTP/1.1\r\nHost: t\r\n\r\n", /*head=*/true);
  EXPECT_EQ(head.Header("content-length"), std::to_string(expected.size()));
  EXPECT_EQ(head.body, "");
  Reply after = client.Request(Get("/hello"));  // nothing left over on the connection
  EXPECT_EQ(after.body, R"({"hello":"world"})");
}

// A body of known length is read with kRequestBodyPadding spare bytes after it, whether it came
// with its header or after it.
TEST_F(HttpServerTest, BodyOfKnownLengthHasRoomForAParsersPadding) {
  StartServer();
  RawClient client(port());
  EXPECT_EQ(client.Request(Post("/padded", "application/json", "[1]")).body, "true");
  const std::string big = "\"" + std::string(300'000, 'x') + "\"";
  const std::string request = Post("/padded", "application/json", big);
  const size_t header_end = request.find("\r\n\r\n") + 4;
  client.Send(request.substr(0, header_end));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(client.Request(request.substr(header_end)).body, "true");
}

// A body of known length arrives however the client splits it: with the header, in pieces
// after pauses, and with the next request right behind it on the connection.
TEST_F(HttpServerTest, BodyOfKnownLengthIsReadWholeWhateverItsPieces) {
  StartServer();
  RawClient client(port());
  std::string body = "\"";
  for (int i = 0; body.size() < 8000; ++i) body += std::to_string(i) + "-";
  body += "\"";
  const std::string first = Post("/echo-big", "application/json", body);
  const size_t header_end = first.find("\r\n\r\n") + 4;
  client.Send(first.substr(0, header_end + 10));  // the header and the body's first bytes
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client.Send(first.substr(header_end + 10, 3000));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The rest, then a pipelined request in the same write.
  client.Send(first.substr(header_end + 3010) + Post("/echo-big", "application/json", "[1,2]"));
  Reply whole = client.Read();
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, body);
  Reply next = client.Read();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "[1,2]");
  // A body that ends before its length closes the connection without an answer.
  RawClient cut(port());
  cut.Send(Post("/echo-big", "application/json", body).substr(0, header_end + 100));
  shutdown(cut.fd(), SHUT_WR);
  Reply none = cut.Read();
  EXPECT_EQ(none.status, 0);
  EXPECT_TRUE(cut.PeerClosed());
}

TEST_F(HttpServerTest, BodyTooLargeIsRejectedWithoutReadingIt) {
  StartServer();
  RawClient client(port());
  Reply reply = client.Request(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 5000\r\n\r\n");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.Json()["code"], "body_too_large");
  EXPECT_EQ(reply.Header("connection"), "close");
  EXPECT_TRUE(client.PeerClosed());
}

TEST_F(HttpServerTest, ARouteMayTakeLargerBodiesThanTheServerDefault) {
  StartServer();
  RawClient client(port());
  const std::string body = "\"" + std::string(5000, 'a') + "\"";
  Reply fits = client.Request(Post("/echo-big", "application/json", body));
  EXPECT_EQ(fits.status, 200);
  EXPECT_EQ(fits.body, body);
  // Its own limit still holds, and other routes keep the server's.
  Reply over = client.Request(
      "POST /echo-big HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 9000\r\n\r\n");
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.Json()["detail"], "The request body is larger than 8192 bytes.");
  RawClient other(port());
  Reply small = other.Request(Post("/echo", "application/json", body));
  EXPECT_EQ(small.status, 413);
  EXPECT_EQ(small.Json()["detail"], "The request body is larger than 1024 bytes.");
}

TEST_F(HttpServerTest, XForwardedForIsBelievedOnlyFromTrustedProxies) {
  auto client_of = [&](const std::string& forwarded) {
    RawClient client(port());
    std::string extra = forwarded.empty() ? "" : "X-Forwarded-For: " + forwarded + "\r\n";
    return client.Request("GET /client HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n").body;
  };
  StartServer();
  // Not trusted: the header is anyone's to write.
  EXPECT_EQ(client_of("203.0.113.9"), "\"127.0.0.1\"");
  StopServer();
  ServerOptions options;
  options.trusted_proxies = {"127.0.0.1", "10.0.0.2"};
  StartServer(options);
  EXPECT_EQ(client_of(""), "\"127.0.0.1\"");
  EXPECT_EQ(client_of("203.0.113.9"), "\"203.0.113.9\"");
  // The right-most hop that is not a proxy of ours; what the client wrote before it is ignored.
  EXPECT_EQ(client_of("6.6.6.6, 203.0.113.9, 10.0.0.2"), "\"203.0.113.9\"");
  EXPECT_EQ(client_of(" 10.0.0.2 ,"), "\"127.0.0.1\"");
}

TEST_F(HttpServerTest, ChunkedBodyTooLarge) {
  StartServer();
  RawClient client(port());
  std::string chunk(2000, 'a');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", chunk.size());
  Reply reply = client.Request(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.Json()["code"], "body_too_large");
}

TEST_F(HttpServerTest, RequiresJsonContentType) {
  StartServer();
  RawClient client(port());
  Reply text = client.Request(Post("/echo", "text/plain", "{}"));
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(text.Json()["code"], "unsupported_media_type");
  Reply json = client.Request(Post("/echo", "Application/JSON; charset=utf-8", R"({"a":1})"));
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.body, R"({"a":1})");
}

TEST_F(HttpServerTest, RejectsInvalidUtf8Json) {
  StartServer();
  RawClient client(port());
  Reply reply = client.Request(Post("/echo", "application/json", "{\"a\":\"\xC0\xAF\"}"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.Json()["code"], "invalid_utf8");
}

TEST_F(HttpServerTest, HeadersTooLarge) {
  StartServer();
  RawClient client(port());
  Reply reply = client.Request(Get("/hello", "X-Big: " + std::string(2000, 'b') + "\r\n"));
  EXPECT_EQ(reply.status, 431);
  EXPECT_EQ(reply.Json()["code"], "headers_too_large");
}

TEST_F(HttpServerTest, RejectsTraversalEncodedSlashAndNul) {
  StartServer();
  for (const std::string target : {"/v1/../etc/passwd", "/v1/%2e%2e/etc/passwd", "/v1/%2E%2E",
                                   "/v1/items%2Fx", "/hello%00", "/hello%zz", "*"}) {
    RawClient client(port());
    Reply reply = client.Request(Get(target));
    EXPECT_EQ(reply.status, 400) << target;
    EXPECT_EQ(reply.Json()["code"], "invalid_path") << target;
  }
}

TEST_F(HttpServerTest, HandlerExceptionIsInternalErrorAndServerStaysUp) {
  StartServer();
  RawClient client(port());
  Reply boom = client.Request(Get("/boom"));
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.Json()["code"], "internal_error");
  EXPECT_EQ(boom.body.find("kaboom"), std::string::npos);
  Reply after = client.Request(Get("/hello"));
  EXPECT_EQ(after.status, 200);
  RawClient other(port());
  EXPECT_EQ(other.Request(Get("/hello")).status, 200);
}

TEST_F(HttpServerTest, MalformedRequestIsBadRequest) {
  StartServer();
  RawClient client(port());
  Reply reply = client.Request("GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.Json()["code"], "bad_request");
}

TEST_F(HttpServerTest, AccessLogHasRoutePatternAndNoPersonalData) {
  StartServer();
  {
    RawClient client(port());
    ASSERT_EQ(client
                  .Request(Get("/v1/items/ana@example.com?email=ana@example.com",
                               "Authorization: Bearer admin-token\r\nX-Request-Id: r1\r\n"))
                  .status,
              200);
  }
  StopServer();
  std::string log = log_stream_.str();
  ASSERT_FALSE(log.empty());
  nlohmann::json line = nlohmann::json::parse(log.substr(0, log.find('\n')));
  EXPECT_EQ(line["request_id"], "r1");
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["route"], "/v1/items/{id}");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["user"], "alice");
  EXPECT_EQ(line["remote"], "127.0.0.1");
  EXPECT_TRUE(line["bytes"].is_number());
  EXPECT_TRUE(line["duration_ms"].is_number());
  EXPECT_TRUE(line["ts"].is_string());
  EXPECT_EQ(log.find("ana@"), std::string::npos);
  EXPECT_EQ(log.find("admin-token"), std::string::npos);
}

TEST_F(HttpServerTest, CountsRequestsInMetrics) {
  StartServer();
  RawClient client(port());
  ASSERT_EQ(client.Request(Get("/hello")).status, 200);
  ASSERT_EQ(client.Request(Get("/nope")).status, 404);
  // A request is counted when its write completes, which may be just after the client reads it.
  const std::string unmatched =
      "privacyd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1";
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text = metrics_.RenderPrometheus();
    if (text.find(unmatched) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_NE(
      text.find("privacyd_http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "privacyd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("privacyd_http_connections 1\n"), std::string::npos);
}

// Route::run_inline: a request the route marks is answered on the I/O thread, authenticated
// as on a worker, while every worker is busy; one it does not mark waits for a worker.
TEST_F(HttpServerTest, RequestMarkedInlineIsAnsweredWhileEveryWorkerIsBusy) {
  std::atomic<int> held{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // The holders are released at the latest when the test ends, so that a failed assertion
  // fails the test instead of leaving the workers held and the server's stop waiting.
  std::once_flag released_once;
  auto release_holders = [&] { std::call_once(released_once, [&] { release.set_value(); }); };
  struct AtEnd {
    std::function<void()> fn;
    ~AtEnd() { fn(); }
  } at_end{release_holders};
  Route hold{.method = "GET", .pattern = "/hold", .roles = {}, .blocking = true};
  hold.handler = [&held, released](const HttpRequest&, const Principal*) {
    ++held;
    released.wait();
    return JsonResponse(200, "{}");
  };
  router_.Add(hold);
  Route quick{.method = "POST", .pattern = "/v1/quick", .roles = {"admin"}, .blocking = true};
  quick.handler = [](const HttpRequest&, const Principal* caller) {
    return JsonResponse(200, nlohmann::json({{"by", caller->user_name}}).dump());
  };
  quick.run_inline = [](const HttpRequest& request) { return request.body.size() <= 2; };
  router_.Add(quick);
  StartServer();  // four workers

  std::vector<std::unique_ptr<RawClient>> holders;
  for (int i = 0; i < 4; ++i) {
    holders.push_back(std::make_unique<RawClient>(port()));
    holders.back()->Send(Get("/hold"));
  }
  for (int i = 0; i < 500 && held.load() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(held.load(), 4);

  RawClient client(port());
  Reply inline_reply = client.Request(
      Post("/v1/quick", "application/json", "{}", "Authorization: Bearer admin-token\r\n"));
  EXPECT_EQ(inline_reply.status, 200);
  EXPECT_EQ(inline_reply.body, R"({"by":"alice"})");
  Reply no_token = client.Request(Post("/v1/quick", "application/json", "{}"));
  EXPECT_EQ(no_token.status, 401);
  Reply wrong_role = client.Request(
      Post("/v1/quick", "application/json", "{}", "Authorization: Bearer auditor-token\r\n"));
  EXPECT_EQ(wrong_role.status, 403);

  // Not marked: it needs a worker, and none is free until the holders are released.
  RawClient waiting(port());
  waiting.Send(
      Post("/v1/quick", "application/json", R"({"a":1})", "Authorization: Bearer admin-token\r\n"));
  pollfd waiting_fd{.fd = waiting.fd(), .events = POLLIN, .revents = 0};
  EXPECT_EQ(poll(&waiting_fd, 1, 200), 0) << "answered while every worker was busy";
  release_holders();
  Reply worker_reply = waiting.Read();
  EXPECT_EQ(worker_reply.status, 200);
  EXPECT_EQ(worker_reply.body, R"({"by":"alice"})");
  for (auto& holder : holders) EXPECT_EQ(holder->Read().status, 200);
}

TEST_F(HttpServerTest, GracefulStopFinishesInFlightRequest) {
  StartServer();
  RawClient idle(port());
  ASSERT_EQ(idle.Request(Get("/hello")).status, 200);  // now an idle keep-alive connection
  RawClient busy(port());
  busy.Send(Get("/slow"));
  ASSERT_EQ(slow_entered_.get_future().wait_for(std::chrono::seconds(5)),
            std::future_status::ready);

  server_->Stop();
  EXPECT_TRUE(idle.PeerClosed());  // idle connections go at once
  release_slow_.set_value();
  Reply reply = busy.Read();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"slow":true})");
  EXPECT_EQ(reply.Header("connection"), "close");
  thread_.join();  // Run() returns once the drain is over
  RawClient late(server_->port());
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpServerTest, SlowRequestIsCutAtRequestTimeout) {
  ServerOptions options;
  options.request_timeout_ms = 200;
  StartServer(options);
  RawClient client(port());
  client.Send("GET /hello HTTP/1.1\r\nHost: t\r\n");  // never finishes the header
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout_ms = 200;
  StartServer(options);
  RawClient client(port());
  ASSERT_EQ(client.Request(Get("/hello")).status, 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(HttpServerTest, ConnectionsBeyondLimitGetServiceUnavailable) {
  ServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  RawClient first(port());
  ASSERT_EQ(first.Request(Get("/hello")).status, 200);
  RawClient second(port());
  Reply reply = second.Read();
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.Json()["code"], "too_many_connections");
  EXPECT_TRUE(second.PeerClosed());
  EXPECT_EQ(first.Request(Get("/hello")).status, 200);
}

TEST_F(HttpServerTest, SighupReloadsAndSigtermStops) {
  std::promise<void> reloaded;
  std::promise<void> terminated;
  StartServer({}, [&](int signo) {
    if (signo == SIGHUP) reloaded.set_value();
    if (signo == SIGTERM) terminated.set_value();
  });
  std::raise(SIGHUP);
  ASSERT_EQ(reloaded.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  RawClient client(port());
  EXPECT_EQ(client.Request(Get("/hello")).status, 200);  // still serving after a reload
  std::raise(SIGTERM);
  ASSERT_EQ(terminated.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  thread_.join();  // SIGTERM made Run() return
}

TEST(HttpServerListenTest, ReportsBadAddressAndPortInUse) {
  Router router;
  FakeAuthenticator authenticator;
  Metrics metrics;
  SeededRandom random(1);
  ServerOptions bad;
  bad.listen_address = "not-an-address";
  HttpServer server(bad, router, authenticator, metrics, random, nullptr);
  Status status = server.Listen();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), "listen_failed");
  EXPECT_NE(status.error().message().find("not-an-address"), std::string::npos);

  ServerOptions first_options;
  first_options.port = 0;
  HttpServer first(first_options, router, authenticator, metrics, random, nullptr);
  ASSERT_TRUE(first.Listen().ok());
  ServerOptions second_options;
  second_options.port = first.port();
  HttpServer second(second_options, router, authenticator, metrics, random, nullptr);
  Status in_use = second.Listen();
  ASSERT_FALSE(in_use.ok());
  EXPECT_EQ(in_use.error().code(), "listen_failed");
}

}  // namespace
}  // namespace privacyd
