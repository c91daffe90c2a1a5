#include "gracepack/core/preempt/checkpoint.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "gracepack/core/base/text.hpp"

namespace gracepack {

std::string ack_label(std::string_view content) {
  const auto eol = content.find('\n');
  std::string_view first = content.substr(0, eol);
  while (!first.empty() && (first.back() == '\r' || first.back() == ' ' || first.back() == '\t'))
    first.remove_suffix(1);
  // The first 64 bytes, escaped (a control byte becomes \xNN): no terminal sees them raw.
  return text::printable(first.substr(0, kMaxAckLabel));
}

AckSeen judge_ack(const Result<std::optional<AckFile>>& read, std::time_t run_start,
                  std::time_t now) {
  AckSeen seen;
  if (!read) {
    seen.note = read.error().message;
    return seen;
  }
  if (!read->has_value()) return seen;
  const AckFile& ack = **read;
  const auto when = [](std::time_t t) { return std::to_string(static_cast<long long>(t)); };
  if (ack.mtime < run_start) {
    seen.note =
        "its time (" + when(ack.mtime) + ") is before this run started (" + when(run_start) + ")";
    return seen;
  }
  // A clock step of a second or two between the node and the file's server is no forgery.
  if (ack.mtime > now + 2) {
    seen.note = "its time (" + when(ack.mtime) + ") is in the future";
    return seen;
  }
  seen.time = ack.mtime;
  seen.time_ns = ack.mtime_ns;
  seen.label = ack.label;
  seen.others_may_write = ack.others_may_write;
  return seen;
}

bool inside_window(const AckSeen& seen, std::time_t grace_start, std::time_t notice_s,
                   long notice_ns) {
  if (!seen.time) return false;
  if (*seen.time > grace_start) return true;
  return *seen.time > notice_s || (*seen.time == notice_s && seen.time_ns >= notice_ns);
}

const char* to_string(LostKind k) {
  switch (k) {
    case LostKind::None:
      return "none";
    case LostKind::SinceCheckpoint:
      return "since_checkpoint";
    case LostKind::Unknown:
      return "unknown";
  }
  return "unknown";
}

LostWork lost_work(std::time_t run_start, std::time_t grace_start,
                   std::optional<std::time_t> checkpoint, std::optional<std::time_t> in_window,
                   const Allocation& alloc) {
  LostWork w;
  if (in_window && *in_window >= grace_start) {
    w.kind = LostKind::None;
    w.seconds = 0;
  } else if (checkpoint && *checkpoint >= run_start && *checkpoint <= grace_start) {
    w.kind = LostKind::SinceCheckpoint;
    w.seconds = static_cast<long long>(grace_start - *checkpoint);
  } else {
    w.kind = LostKind::Unknown;
    w.at_most = grace_start > run_start ? static_cast<long long>(grace_start - run_start) : 0;
    return w;
  }
  if (alloc.known()) {
    // Bounded at 2^53 (exact as a double, far past any real run): the inputs are slurmctld's.
    const auto times = [&](unsigned n) {
      long long v = 0;
      constexpr long long kMax = 1LL << 53;
      if (__builtin_mul_overflow(*w.seconds, static_cast<long long>(n), &v) || v > kMax)
        return kMax;
      return v;
    };
    w.gpu_seconds = times(alloc.gpus);
    w.cpu_seconds = times(alloc.cpus);
  }
  return w;
}

GpuCount gpus_in_tres(std::string_view tres) {
  GpuCount c;
  unsigned typed = 0;
  bool have_total = false;
  for (std::string_view item : text::split(tres, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key.substr(0, 8) != "gres/gpu") continue;
    auto n = text::parse_int(value, 0, 1 << 20);
    if (!n) continue;
    if (key == "gres/gpu") {
      c.total = static_cast<unsigned>(*n);
      have_total = true;
    } else if (key.size() > 9 && key[8] == ':') {
      std::string_view type = key.substr(9);
      bool ok = type.size() <= 64;
      for (unsigned char ch : type)
        ok = ok && (std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.');
      if (!ok) continue;
      c.types += (c.types.empty() ? "" : ",") + std::string(type) + ":" + std::to_string(*n);
      typed += static_cast<unsigned>(*n);
    }
  }
  // slurmctld writes the untyped total beside the typed counts; without it, the typed ones add up.
  if (!have_total) c.total = typed;
  return c;
}

GpuCount gpus_in_gres_detail(std::string_view detail) {
  GpuCount c;
  // Items are separated by commas outside parentheses ("gpu:2(IDX:0,2),mps:0").
  int depth = 0;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= detail.size(); ++i) {
    const char ch = i < detail.size() ? detail[i] : ',';
    if (ch == '(') ++depth;
    if (ch == ')' && depth > 0) --depth;
    if (ch != ',' || depth > 0) continue;
    std::string_view item = detail.substr(from, i - from);
    from = i + 1;
    item = item.substr(0, item.find('('));
    if (item.substr(0, 4) != "gpu:") continue;
    item.remove_prefix(4);
    std::string_view type;
    if (const auto colon = item.rfind(':'); colon != std::string_view::npos) {
      type = item.substr(0, colon);
      item.remove_prefix(colon + 1);
    }
    auto n = text::parse_int(item, 0, 1 << 20);
    if (!n) continue;
    c.total += static_cast<unsigned>(*n);
    bool ok = !type.empty() && type.size() <= 64;
    for (unsigned char t : type) ok = ok && (std::isalnum(t) || t == '_' || t == '-' || t == '.');
    if (ok) c.types += (c.types.empty() ? "" : ",") + std::string(type) + ":" + std::to_string(*n);
  }
  return c;
}

void add_gpus(GpuCount& a, const GpuCount& b) {
  a.total += b.total;
  // "a100:2" and "a100:1" become "a100:3".
  std::vector<std::pair<std::string, unsigned>> types;
  for (const GpuCount* c : {static_cast<const GpuCount*>(&a), &b}) {
    for (std::string_view item : text::split(c->types, ',')) {
      const auto colon = item.rfind(':');
      if (colon == std::string_view::npos) continue;
      auto n = text::parse_int(item.substr(colon + 1), 0, 1 << 20);
      if (!n) continue;
      const std::string name(item.substr(0, colon));
      auto it = std::find_if(types.begin(), types.end(), [&](auto& t) { return t.first == name; });
      if (it == types.end())
        types.emplace_back(name, static_cast<unsigned>(*n));
      else
        it->second += static_cast<unsigned>(*n);
    }
  }
  a.types.clear();
  for (const auto& [name, n] : types)
    a.types += (a.types.empty() ? "" : ",") + name + ":" + std::to_string(n);
}

}  // namespace gracepack
