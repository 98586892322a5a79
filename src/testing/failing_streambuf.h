// A stream buffer that serves some bytes, then fails as a disk error does: the next read throws,
// which std::istream turns into badbit. For tests of readers' error paths.
#pragma once

#include <stdexcept>
#include <streambuf>
#include <string>
#include <utility>

namespace privacyd::testing {

class FailingStreambuf : public std::streambuf {
 public:
  explicit FailingStreambuf(std::string data) : data_(std::move(data)) {}

 protected:
  int_type underflow() override {
    if (served_) throw std::runtime_error("I/O error");
    served_ = true;
    setg(data_.data(), data_.data(), data_.data() + data_.size());
    return traits_type::to_int_type(data_[0]);
  }

 private:
  std::string data_;
  bool served_ = false;
};

}  // namespace privacyd::testing
