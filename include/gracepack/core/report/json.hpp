// A strict reader for one line of the audit log: one JSON object (RFC 8259). The report reads
// only strings and integers from it; any other value (a nested object, an array, a fraction, a
// literal that a later version of the log adds) is checked against the grammar and passed over.
// Hand-written rather than a library: the lines are flat, the reader allocates nothing per line,
// and it is fuzzed like every other parser of outside input (docs/report.md says why).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/base/result.hpp"

namespace gracepack::json {

enum class Kind { String, Integer, Other };

struct Member {
  std::string_view key;  // as written: a key with escapes is kept raw (the log's keys have none)
  bool key_escaped = false;
  Kind kind = Kind::Other;
  std::string_view raw;      // a string's content between its quotes, escapes not yet decoded
  bool escaped = false;      // the string holds backslash escapes: decode_string() it
  std::int64_t integer = 0;  // Kind::Integer: an integer that fits in 64 bits
};

// Reads `line` (one object, optional white space around it, nothing else; strings in UTF-8)
// into `out`, which is cleared first and keeps its capacity between calls. The error says at
// which byte it failed.
Status read_object(std::string_view line, std::vector<Member>& out);

// Decodes a string's escapes (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs) into UTF-8, into
// `out` (replaced). read_object has checked the escapes; a lone surrogate becomes U+FFFD.
void decode_string(std::string_view raw, std::string& out);

}  // namespace gracepack::json
