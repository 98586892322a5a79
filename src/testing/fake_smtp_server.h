// Test support: a scripted SMTP server on 127.0.0.1 and a free port, served from a thread of
// the test, for testing SMTP clients without a real relay. It answers one conversation at a
// time with the replies it is told to give, and records what the client said.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace privacyd::testing {

class FakeSmtpServer {
 public:
  struct Script {
    bool greet = true;            // false: accept, then say nothing (the client times out)
    bool offer_starttls = false;  // advertise STARTTLS in the EHLO answer (TLS is not spoken)
    bool offer_auth = false;      // advertise AUTH PLAIN LOGIN
    int auth_reply = 235;
    int rcpt_reply = 250;
    int data_end_reply = 250;
  };

  explicit FakeSmtpServer(Script script) : script_(script) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeSmtpServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  uint16_t port() const { return port_; }

  // Every command line the clients sent (without CRLF), in order.
  std::vector<std::string> commands() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commands_;
  }
  // The content of every accepted DATA, dot-stuffing undone.
  std::vector<std::string> messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      Converse(fd);
      ::close(fd);
    }
  }

  // The next line from the client (without CRLF); false when the client went away or the
  // server is stopping.
  bool ReadLine(int fd, std::string& buffer, std::string& line) {
    while (true) {
      size_t crlf = buffer.find("\r\n");
      if (crlf != std::string::npos) {
        line = buffer.substr(0, crlf);
        buffer.erase(0, crlf + 2);
        return true;
      }
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, 20);
      if (stop_) return false;
      if (ready <= 0) continue;
      char chunk[4096];
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  static void Say(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

  void Converse(int fd) {
    std::string buffer, line;
    if (!script_.greet) {
      while (!stop_ && ReadLine(fd, buffer, line)) {
      }
      return;
    }
    Say(fd, "220 fake.test ESMTP\r\n");
    while (ReadLine(fd, buffer, line)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        commands_.push_back(line);
      }
      std::string verb = line.substr(0, 4);
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (verb == "EHLO") {
        std::string reply = "250-fake.test\r\n";
        if (script_.offer_starttls) reply += "250-STARTTLS\r\n";
        if (script_.offer_auth) reply += "250-AUTH PLAIN LOGIN\r\n";
        Say(fd, reply + "250 8BITMIME\r\n");
      } else if (verb == "AUTH") {
        Say(fd, std::to_string(script_.auth_reply) + " auth\r\n");
      } else if (verb == "MAIL") {
        Say(fd, "250 ok\r\n");
      } else if (verb == "RCPT") {
        Say(fd, std::to_string(script_.rcpt_reply) + " rcpt\r\n");
      } else if (verb == "DATA") {
        Say(fd, "354 go ahead\r\n");
        std::string data;
        while (ReadLine(fd, buffer, line) && line != ".") {
          data += (line.starts_with(".") ? line.substr(1) : line) + "\r\n";
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (script_.data_end_reply == 250) messages_.push_back(data);
        }
        Say(fd, std::to_string(script_.data_end_reply) + " data\r\n");
      } else if (verb == "QUIT") {
        Say(fd, "221 bye\r\n");
        return;
      } else if (verb == "RSET" || verb == "NOOP") {
        Say(fd, "250 ok\r\n");
      } else {
        Say(fd, "502 not implemented\r\n");
      }
    }
  }

  Script script_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::vector<std::string> messages_;
};

}  // namespace privacyd::testing
