// Errors as values: a Result holds either a value or an Error whose message a user can act on.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gracepack {

struct Error {
  std::string message;
  // The same call may succeed later (a daemon that does not answer now, a deadline that passed).
  bool transient = false;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const { return std::get<1>(v_); }
  // The error, or nothing when there is a value.
  std::optional<Error> error_if() const {
    return ok() ? std::nullopt : std::optional<Error>(error());
  }
  T value_or(T other) const { return ok() ? value() : other; }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error fail(std::string message) {
  return Error{std::move(message)};
}
inline Error fail_transient(std::string message) {
  return Error{std::move(message), true};
}

}  // namespace gracepack
