// Test support: a MailTransport that keeps what it is given instead of sending it, and can be
// told to fail the next sends with a given error (a relay that is down, or that rejects).
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "mail/mail_transport.h"

namespace privacyd::testing {

class FakeMailTransport final : public mail::MailTransport {
 public:
  struct Sent {
    std::string envelope_from;
    std::string recipient;
    std::string rendered;
  };

  Status Send(const std::string& envelope_from, const std::string& recipient,
              const std::string& rendered) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++attempts_;
    if (!failures_.empty()) {
      Error error = failures_.front();
      failures_.pop_front();
      return error;
    }
    sent_.push_back(Sent{envelope_from, recipient, rendered});
    return Ok();
  }

  // The next `count` sends fail with `error` (nothing is kept), in the order given.
  void FailNext(const Error& error, int count = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < count; ++i) failures_.push_back(error);
  }

  std::vector<Sent> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  int attempts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<Error> failures_;
  std::vector<Sent> sent_;
  int attempts_ = 0;
};

}  // namespace privacyd::testing
