// Small text helpers shared by every parser of outside input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gracepack::text {

// Splits on `sep`; empty fields are kept so that callers can reject them.
std::vector<std::string_view> split(std::string_view s, char sep);

std::string_view trim(std::string_view s);

// A decimal integer in [min, max], nothing else (no sign unless min < 0, no spaces, no suffix).
std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t min, std::int64_t max);

// A size in bytes: a number with an optional K, M, G or T suffix (powers of 1024), e.g. "200M".
std::optional<std::uint64_t> parse_size(std::string_view s);

// "1.5G"-style rendering of a byte count, for messages and reports.
std::string format_size(std::uint64_t bytes);

std::string join(const std::vector<std::string>& parts, std::string_view sep);

// Text from outside (a user's option, a file, a program's answer) as a log or a terminal may
// show it: every control character (C0, DEL, C1) and every byte that is not UTF-8 becomes the
// four characters \xNN, and at most `max` bytes of the input are kept ("...[N more bytes]").
// A backslash stays one (so that text escaped once is escaped no further): "\x1b" in a user's
// text reads as those four characters, never as the byte.
std::string printable(std::string_view s, std::size_t max = std::string_view::npos);
// Whether printable() would leave `s` as it is (checked first: most text is).
bool is_printable(std::string_view s);

}  // namespace gracepack::text
