#include "gracepack/core/report/json.hpp"

#include <array>
#include <limits>

namespace gracepack::json {
namespace {

// Nesting that a later version's unknown fields may use; deeper is refused, not recursed into.
constexpr int kMaxDepth = 32;

// Bytes that end the fast scan of a string: the quote, the backslash, control characters, and
// the first byte of a multi-byte character (checked to be UTF-8, as RFC 8259 requires).
constexpr auto kStringStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 0x80; c < 0x100; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// The length of the well-formed UTF-8 character at p (Unicode's table 3-7: no overlong forms,
// no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_char(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  if (n == 0 || end - p < static_cast<std::ptrdiff_t>(n) || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return n;
}

// A recursive-descent reader over raw bytes. It reports failure as a bool and keeps the reason,
// so that the common case costs no Status per value: a gigabyte of log is read in seconds.
class Reader {
 public:
  explicit Reader(std::string_view s) : p_(s.data()), begin_(s.data()), end_(s.data() + s.size()) {}

  Status object(std::vector<Member>& out);

 private:
  char peek() const { return p_ < end_ ? *p_ : '\0'; }
  bool digit() const { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; }
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r' || *p_ == '\n')) ++p_;
  }
  bool failed(const char* what) {
    what_ = what;
    return false;
  }
  bool consume(char c) {
    skip_space();
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool string(std::string_view& raw, bool& escaped);
  bool escape();
  bool number(Member& m);
  bool literal();
  bool value(Member& m, int depth);
  bool skip_container(char close, int depth);

  const char* p_;
  const char* begin_;
  const char* end_;
  const char* what_ = "";
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// At the character after a backslash.
bool Reader::escape() {
  const char e = peek();
  if (e == 'u') {
    for (int i = 1; i <= 4; ++i) {
      if (end_ - p_ <= i || !is_hex(p_[i])) return failed("bad \\u escape");
    }
    p_ += 5;
    return true;
  }
  if (e == '\0' || std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos)
    return failed("bad escape in a string");
  ++p_;
  return true;
}

bool Reader::string(std::string_view& raw, bool& escaped) {
  if (peek() != '"') return failed("expected a string");
  const char* start = ++p_;
  escaped = false;
  for (;;) {
    while (p_ < end_ && !kStringStop[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ == end_) return failed("unterminated string (truncated line?)");
    if (*p_ == '"') break;
    if (static_cast<unsigned char>(*p_) >= 0x80) {
      const auto* u = reinterpret_cast<const unsigned char*>(p_);
      const std::size_t n = utf8_char(u, reinterpret_cast<const unsigned char*>(end_));
      if (n == 0) return failed("not UTF-8");
      p_ += n;
      continue;
    }
    if (*p_ != '\\') return failed("control character in a string");
    escaped = true;
    ++p_;
    if (!escape()) return false;
  }
  raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
  ++p_;
  return true;
}

// The grammar of a JSON number; an integer without fraction or exponent that fits is Integer.
bool Reader::number(Member& m) {
  const char* start = p_;
  bool negative = false, integral = true, fits = true;
  std::int64_t v = 0;
  if (peek() == '-') negative = true, ++p_;
  if (peek() == '0') {
    ++p_;
  } else if (digit()) {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    for (; digit(); ++p_) {
      const int d = *p_ - '0';
      if (v > (kMax - d) / 10) fits = false;
      if (fits) v = v * 10 + d;
    }
  } else {
    return failed("expected a value");
  }
  if (peek() == '.') {
    integral = false;
    ++p_;
    if (!digit()) return failed("bad number");
    while (digit()) ++p_;
  }
  if (peek() == 'e' || peek() == 'E') {
    integral = false;
    ++p_;
    if (peek() == '+' || peek() == '-') ++p_;
    if (!digit()) return failed("bad number");
    while (digit()) ++p_;
  }
  m.raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
  m.kind = integral && fits ? Kind::Integer : Kind::Other;
  m.integer = negative ? -v : v;
  return true;
}

bool Reader::literal() {
  const std::string_view rest(p_, static_cast<std::size_t>(end_ - p_));
  for (std::string_view word : {"true", "false", "null"}) {
    if (rest.substr(0, word.size()) == word) {
      p_ += word.size();
      return true;
    }
  }
  return failed("expected a value");
}

bool Reader::value(Member& m, int depth) {
  skip_space();
  m.kind = Kind::Other;
  switch (peek()) {
    case '"':
      m.kind = Kind::String;
      return string(m.raw, m.escaped);
    case '{':
      ++p_;
      return skip_container('}', depth + 1);
    case '[':
      ++p_;
      return skip_container(']', depth + 1);
    case 't':
    case 'f':
    case 'n':
      return literal();
    default:
      return number(m);
  }
}

// Checks and passes over an object or array, after its opening bracket.
bool Reader::skip_container(char close, int depth) {
  if (depth > kMaxDepth) return failed("nested too deep");
  if (consume(close)) return true;
  Member scratch;
  do {
    if (close == '}') {
      skip_space();
      bool escaped = false;
      if (!string(scratch.key, escaped)) return false;
      if (!consume(':')) return failed("expected ':'");
    }
    if (!value(scratch, depth)) return false;
  } while (consume(','));
  if (!consume(close)) return failed(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  return true;
}

Status Reader::object(std::vector<Member>& out) {
  out.clear();
  bool ok = consume('{') || failed("not a JSON object");
  if (ok && !consume('}')) {
    do {
      Member& m = out.emplace_back();
      skip_space();
      ok = string(m.key, m.key_escaped) && (consume(':') || failed("expected ':'")) && value(m, 0);
    } while (ok && consume(','));
    ok = ok && (consume('}') || failed("expected ',' or '}' (truncated line?)"));
  }
  skip_space();
  if (ok && p_ != end_) ok = failed("text after the object");
  if (ok) return Ok{};
  return fail("byte " + std::to_string(p_ - begin_ + 1) + ": " + what_);
}

unsigned hex4(std::string_view s) {
  unsigned v = 0;
  for (char c : s.substr(0, 4)) {
    v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

void put_utf8(unsigned cp, std::string& out) {
  auto byte = [&](unsigned b) { out += static_cast<char>(b); };
  if (cp < 0x80) {
    byte(cp);
  } else if (cp < 0x800) {
    byte(0xC0 | (cp >> 6)), byte(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    byte(0xE0 | (cp >> 12)), byte(0x80 | ((cp >> 6) & 0x3F)), byte(0x80 | (cp & 0x3F));
  } else {
    byte(0xF0 | (cp >> 18)), byte(0x80 | ((cp >> 12) & 0x3F));
    byte(0x80 | ((cp >> 6) & 0x3F)), byte(0x80 | (cp & 0x3F));
  }
}

// Decodes the \u escape at raw[i] (pointing at 'u'); returns the index of its last character.
std::size_t decode_unicode(std::string_view raw, std::size_t i, std::string& out) {
  unsigned cp = hex4(raw.substr(i + 1));
  i += 4;
  const bool high = cp >= 0xD800 && cp <= 0xDBFF;
  if (high && raw.substr(i + 1, 2) == "\\u" && raw.size() >= i + 7) {
    const unsigned low = hex4(raw.substr(i + 3));
    if (low >= 0xDC00 && low <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      i += 6;
    }
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
  put_utf8(cp, out);
  return i;
}

}  // namespace

Status read_object(std::string_view line, std::vector<Member>& out) {
  return Reader(line).object(out);
}

void decode_string(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    switch (raw[++i]) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        i = decode_unicode(raw, i, out);
        break;
      default:  // " \ /
        out += raw[i];
    }
  }
}

}  // namespace gracepack::json
