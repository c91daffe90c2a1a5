#include "gracepack/core/preempt/watcher_args.hpp"

#include <algorithm>

#include "gracepack/core/base/config.hpp"
#include "gracepack/core/base/text.hpp"
#include "gracepack/core/preempt/job_dir.hpp"

namespace gracepack {

std::vector<std::string> to_argv(const WatcherArgs& a, const std::string& program) {
  std::vector<std::string> v{program,
                             "--job",
                             std::to_string(a.job),
                             "--dir",
                             a.dir,
                             "--run",
                             a.run,
                             "--shell",
                             std::to_string(a.shell),
                             "--request",
                             to_value(a.request),
                             "--max-requeue",
                             std::to_string(a.budgets.preemption),
                             "--max-other",
                             std::to_string(a.budgets.other),
                             "--poll",
                             std::to_string(a.poll),
                             "--ctl",
                             a.ctl,
                             "--restart",
                             std::to_string(a.restart),
                             "--nodes",
                             std::to_string(a.nodes)};
  if (a.notify_shell) v.emplace_back("--notify-shell");
  if (a.quiet) v.emplace_back("--quiet");
  if (a.no_event) v.emplace_back("--no-event");
  if (!a.notice_copy.empty()) {
    v.emplace_back("--notice-copy");
    v.push_back(a.notice_copy);
  }
  if (!a.checkpoint.empty()) {
    v.emplace_back("--checkpoint");
    v.push_back(a.checkpoint);
  }
  if (a.return_grace) v.emplace_back("--return-grace");
  if (a.budgets.protect_after) {
    v.emplace_back("--protect-after");
    v.push_back(std::to_string(a.budgets.protect_after));
    v.emplace_back("--protect-qos");
    v.push_back(a.budgets.protect_qos);
  }
  return v;
}

std::chrono::milliseconds read_spread(unsigned nodes, double draw) {
  const long window = std::min(500L, 10L * static_cast<long>(nodes > 1 ? nodes : 0));
  const double d = draw < 0 ? 0 : draw >= 1 ? 0.999 : draw;
  return std::chrono::milliseconds(static_cast<long>(d * static_cast<double>(window)));
}

Result<WatcherArgs> parse_watcher_args(const std::vector<std::string>& args) {
  WatcherArgs a;
  bool have_job = false, have_dir = false, have_run = false, have_ctl = false;
  auto absolute = [](const std::string& p) {
    return !p.empty() && p.front() == '/' && p.find("/../") == std::string::npos && p.size() < 4096;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& key = args[i];
    if (key == "--notify-shell") {
      a.notify_shell = true;
      continue;
    }
    if (key == "--quiet") {
      a.quiet = true;
      continue;
    }
    if (key == "--no-event") {
      a.no_event = true;
      continue;
    }
    if (key == "--return-grace") {
      a.return_grace = true;
      continue;
    }
    if (i + 1 >= args.size()) return fail(key + " needs a value");
    const std::string& v = args[++i];
    std::optional<std::int64_t> n;
    if (key == "--job") {
      n = text::parse_int(v, 1, UINT32_MAX);
      if (!n) return fail("bad --job '" + v + "'");
      a.job = static_cast<std::uint32_t>(*n);
      have_job = true;
    } else if (key == "--dir") {
      if (!absolute(v)) return fail("bad --dir '" + v + "'");
      a.dir = v;
      have_dir = true;
    } else if (key == "--run") {
      if (!valid_run_nonce(v)) return fail("bad --run '" + v + "'");
      a.run = v;
      have_run = true;
    } else if (key == "--shell") {
      n = text::parse_int(v, 0, 1 << 30);
      if (!n) return fail("bad --shell '" + v + "'");
      a.shell = static_cast<pid_t>(*n);
    } else if (key == "--request") {
      auto r = parse_preempt_requeue(v);
      if (!r) return r.error();
      a.request = *r;
    } else if (key == "--max-requeue") {
      n = text::parse_int(v, 0, kMaxUserRequeue);
      if (!n) return fail("bad --max-requeue '" + v + "'");
      a.budgets.preemption = static_cast<unsigned>(*n);
    } else if (key == "--max-other") {
      n = text::parse_int(v, 0, kMaxUserRequeue);
      if (!n) return fail("bad --max-other '" + v + "'");
      a.budgets.other = static_cast<unsigned>(*n);
    } else if (key == "--protect-after") {
      n = text::parse_int(v, 1, kMaxUserRequeue);
      if (!n) return fail("bad --protect-after '" + v + "'");
      a.budgets.protect_after = static_cast<unsigned>(*n);
    } else if (key == "--protect-qos") {
      if (!is_qos_name(v)) return fail("bad --protect-qos '" + text::printable(v) + "'");
      a.budgets.protect_qos = v;
    } else if (key == "--poll") {
      n = text::parse_int(v, 1, 3600);
      if (!n) return fail("bad --poll '" + v + "'");
      a.poll = static_cast<unsigned>(*n);
    } else if (key == "--restart") {
      n = text::parse_int(v, 0, 65535);
      if (!n) return fail("bad --restart '" + v + "'");
      a.restart = static_cast<unsigned>(*n);
    } else if (key == "--nodes") {
      n = text::parse_int(v, 1, 1 << 20);
      if (!n) return fail("bad --nodes '" + v + "'");
      a.nodes = static_cast<unsigned>(*n);
    } else if (key == "--notice-copy") {
      if (v.empty() || v.front() != '/' || v.size() >= 4096 || !text::is_printable(v))
        return fail("bad --notice-copy '" + text::printable(v) + "'");
      a.notice_copy = v;
    } else if (key == "--checkpoint") {
      if (v.empty() || v.front() != '/' || v.size() >= 4096 || !text::is_printable(v))
        return fail("bad --checkpoint '" + text::printable(v) + "'");
      a.checkpoint = v;
    } else if (key == "--ctl") {
      if (!absolute(v)) return fail("bad --ctl '" + v + "'");
      a.ctl = v;
      have_ctl = true;
    } else {
      return fail("unknown argument '" + key + "'");
    }
  }
  if ((a.budgets.protect_after == 0) != a.budgets.protect_qos.empty())
    return fail("--protect-after and --protect-qos go together");
  if (!have_job || !have_dir || !have_run || !have_ctl)
    return fail("--job, --dir, --run and --ctl are required");
  return a;
}

}  // namespace gracepack
