#include "gracepack/core/text.hpp"

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

}  // namespace gracepack::text
