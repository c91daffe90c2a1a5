#include "gracepack/core/base/text.hpp"

#include <cctype>
#include <cstdio>
#include <limits>

namespace gracepack::text {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t min, std::int64_t max) {
  bool negative = false;
  if (!s.empty() && s.front() == '-' && min < 0) {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (negative) v = -v;
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t mult = 1;
  switch (std::toupper(static_cast<unsigned char>(s.back()))) {
    case 'K':
      mult = 1ULL << 10;
      break;
    case 'M':
      mult = 1ULL << 20;
      break;
    case 'G':
      mult = 1ULL << 30;
      break;
    case 'T':
      mult = 1ULL << 40;
      break;
    default:
      break;
  }
  if (mult != 1) s.remove_suffix(1);
  // The bound depends on the unit: a plain byte count may be large (min_task_mem=1073741824).
  const auto n =
      parse_int(s, 0, std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(mult));
  if (!n) return std::nullopt;
  return static_cast<std::uint64_t>(*n) * mult;
}

std::string format_size(std::uint64_t bytes) {
  static const char* const units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  std::uint64_t v = bytes;
  while (u < 4 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  if (v >= 10240 && u < 4) {  // Not a round number: show one decimal in the next unit.
    char buf[32];
    double d = static_cast<double>(bytes);
    int k = 0;
    while (k < 4 && d >= 1024) {
      d /= 1024;
      ++k;
    }
    std::snprintf(buf, sizeof buf, "%.1f%s", d, units[k]);
    return buf;
  }
  return std::to_string(v) + units[u];
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

namespace {

// The length of the UTF-8 sequence of a printable character at s[i], or 0 where there is none
// (a control character, a C1 control's encoding, a stray or short or overlong sequence).
std::size_t printable_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return c >= 0x20 && c != 0x7f ? 1 : 0;
  std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  if (c == 0xc2 && b(i + 1) < 0xa0) return 0;   // U+0080..U+009F: C1 controls
  if (c == 0xe0 && b(i + 1) < 0xa0) return 0;   // overlong
  if (c == 0xed && b(i + 1) >= 0xa0) return 0;  // surrogates
  if (c == 0xf0 && b(i + 1) < 0x90) return 0;   // overlong
  if (c == 0xf4 && b(i + 1) >= 0x90) return 0;  // beyond U+10FFFF
  return n;
}

}  // namespace

bool is_printable(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = printable_at(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string printable(std::string_view s, std::size_t max) {
  const std::string_view kept = s.substr(0, max);
  std::string out;
  out.reserve(kept.size());
  static const char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < kept.size();) {
    const std::size_t n = printable_at(kept, i);
    if (n == 0) {
      const auto c = static_cast<unsigned char>(kept[i]);
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
      ++i;
    } else {
      out.append(kept.substr(i, n));
      i += n;
    }
  }
  if (kept.size() < s.size())
    out += "...[" + std::to_string(s.size() - kept.size()) + " more bytes]";
  return out;
}

}  // namespace gracepack::text
