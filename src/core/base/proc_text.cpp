#include "gracepack/core/base/proc_text.hpp"

#include "gracepack/core/base/text.hpp"

namespace gracepack {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto open = text.find(" (");
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 2)
    return std::nullopt;
  ProcStat s;
  auto pid = text::parse_int(text.substr(0, open), 1, INT32_MAX);
  if (!pid) return std::nullopt;
  s.pid = static_cast<pid_t>(*pid);
  s.comm = std::string(text.substr(open + 2, close - open - 2));
  if (close + 2 > text.size()) return std::nullopt;
  // Fields after the comm start at field 3 (state).
  auto fields = text::split(text::trim(text.substr(close + 2)), ' ');
  if (fields.size() < 20) return std::nullopt;
  auto ppid = text::parse_int(fields[1], 0, INT32_MAX);
  auto start = text::parse_int(fields[19], 0, INT64_MAX);
  if (!ppid || !start) return std::nullopt;
  s.ppid = static_cast<pid_t>(*ppid);
  s.start = static_cast<unsigned long long>(*start);
  return s;
}

std::optional<uid_t> parse_status_uid(std::string_view text) {
  for (auto line : text::split(text, '\n')) {
    if (line.rfind("Uid:", 0) != 0) continue;
    auto rest = text::trim(line.substr(4));
    const auto end = rest.find_first_of(" \t");
    auto uid = text::parse_int(rest.substr(0, end), 0, UINT32_MAX);
    if (!uid) return std::nullopt;
    return static_cast<uid_t>(*uid);
  }
  return std::nullopt;
}

std::vector<pid_t> parse_status_nspid(std::string_view text) {
  std::vector<pid_t> out;
  for (auto line : text::split(text, '\n')) {
    if (line.rfind("NSpid:", 0) != 0) continue;
    std::string_view rest = line.substr(6);
    for (auto field : text::split(rest, '\t')) {
      field = text::trim(field);
      if (field.empty()) continue;
      auto pid = text::parse_int(field, 1, INT32_MAX);
      if (!pid) return {};
      out.push_back(static_cast<pid_t>(*pid));
    }
    break;
  }
  return out;
}

namespace {

std::uint64_t signal_mask(std::string_view text, std::string_view key) {
  for (auto line : text::split(text, '\n')) {
    if (line.rfind(key, 0) != 0) continue;
    auto hex = text::trim(line.substr(key.size()));
    if (hex.empty() || hex.size() > 16) return 0;
    std::uint64_t mask = 0;
    for (char c : hex) {
      int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) return 0;
      mask = mask << 4 | static_cast<std::uint64_t>(v);
    }
    return mask;
  }
  return 0;
}

}  // namespace

std::uint64_t parse_status_caught(std::string_view text) {
  return signal_mask(text, "SigCgt:");
}
std::uint64_t parse_status_blocked(std::string_view text) {
  return signal_mask(text, "SigBlk:");
}

std::optional<std::string> stepd_socket_node(std::string_view path, std::uint32_t job,
                                             std::uint32_t step) {
  const auto slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::string tail = "_" + std::to_string(job) + "." + std::to_string(step);
  auto at = base.rfind(tail);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view rest = base.substr(at + tail.size());
  // A heterogeneous component's ".<n>", else nothing.
  if (!rest.empty() && (rest[0] != '.' || !text::parse_int(rest.substr(1), 0, UINT32_MAX)))
    return std::nullopt;
  return std::string(base.substr(0, at));
}

}  // namespace gracepack
