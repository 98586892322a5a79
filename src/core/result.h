// Result<T>: a value or a typed Error. Fallible functions in privacyd return one of these;
// exceptions never cross a module boundary.
//
// An Error carries three things:
//   - kind: the category, from which the HTTP layer derives the status in one table;
//   - code: a stable snake_case identifier that clients may depend on ("subject_not_found");
//   - message: a sentence for a person that says what went wrong and what to do about it.
// Messages never contain personal data or secrets.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace privacyd {

enum class ErrorKind {
  kInvalidArgument,     // the caller sent something malformed; fix the input
  kNotFound,            // the named thing does not exist (or the caller may not know it exists)
  kAlreadyExists,       // a unique thing is already there
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // valid credentials, missing role
  kFailedPrecondition,  // the system is not in a state that allows this; do not retry as is
  kResourceExhausted,   // a limit or quota was hit; retry later or send less
  kUnavailable,         // transient; retry
  kDataLoss,            // stored data is corrupt or unreadable
  kInternal,            // a bug or an unexpected failure of a dependency
};

// Stable lower-case name of a kind, for logs.
const char* ErrorKindName(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, std::string code, std::string message)
      : kind_(kind), code_(std::move(code)), message_(std::move(message)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is prefixed with `context` ("opening store: ...").
  Error WithContext(const std::string& context) const {
    return Error(kind_, code_, context + ": " + message_);
  }

 private:
  ErrorKind kind_;
  std::string code_;
  std::string message_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorKind::kInternal, "", ""};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

// The status of a value-returning call, for callers that only care whether it worked.
template <class T>
Status StatusOf(const Result<T>& result) {
  if (!result.ok()) return result.error();
  return Ok();
}

// Propagates the error of a Result-returning expression; otherwise evaluates to nothing.
#define PD_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    auto pd_status_ = (expr);                        \
    if (!pd_status_.ok()) return pd_status_.error(); \
  } while (0)

#define PD_CONCAT_INNER(a, b) a##b
#define PD_CONCAT(a, b) PD_CONCAT_INNER(a, b)
// Declares `lhs` from the value of a Result, or returns its error.
#define PD_ASSIGN_OR_RETURN(lhs, expr) \
  PD_ASSIGN_OR_RETURN_IMPL(PD_CONCAT(pd_result_, __LINE__), lhs, expr)
#define PD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()

}  // namespace privacyd
