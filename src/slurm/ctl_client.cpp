#include "gracepack/slurm/ctl_client.hpp"

#include <algorithm>

#include "gracepack/core/base/text.hpp"
#include "gracepack/os/process.hpp"

namespace gracepack::slurm {

CtlController::CtlController(std::string program, std::vector<std::string> env,
                             std::chrono::milliseconds timeout)
    : program_(std::move(program)), env_(std::move(env)), timeout_(timeout) {}

Result<std::string> CtlController::call(const std::vector<std::string>& args) {
  os::SpawnOptions o;
  o.argv = {program_};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env = env_;
  auto timeout = timeout_;
  if (deadline_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *deadline_ - std::chrono::steady_clock::now());
    // No call starts with less than 50 ms left: none would finish (and a call cut a moment
    // before the deadline leaves a few ms, which once started a call doomed to time out).
    if (left < std::chrono::milliseconds(50))
      return fail_transient("the epilog's time for slurmctld is over");
    timeout = std::min(timeout, left);
  }
  auto out = os::run_capture(o, timeout);
  if (!out) {
    Error e = fail(text::join(o.argv, " ") + ": " + out.error().message);
    e.transient = true;  // no answer in time counts as slurmctld not answering
    return e;
  }
  if (out->code == kCtlOk) return std::move(out->out);
  std::string msg(text::trim(out->out));
  if (msg.rfind("error=", 0) == 0) msg = msg.substr(6);
  if (msg.empty()) msg = program_ + " exited with status " + std::to_string(out->code);
  Error e = fail(msg);
  e.transient = out->code == kCtlUnreachable;
  return e;
}

Result<JobRecord> CtlController::load_job(std::uint32_t job_id) {
  // A gracepack-ctl of an earlier release (the package half upgraded) knows only "job" (and
  // "job-alloc" since issue 19): each older form is asked in turn.
  const auto usage = [](const Result<std::string>& r) {
    return !r && r.error().message.rfind("usage:", 0) == 0;
  };
  auto out = call({"job-full", std::to_string(job_id)});
  if (usage(out) && allocation_) out = call({"job-alloc", std::to_string(job_id)});
  if (usage(out)) out = call({"job", std::to_string(job_id)});
  if (!out) return out.error();
  auto r = parse_job_record(*out);
  if (!r) return r.error();
  if (r->job_id != job_id) return fail("gracepack-ctl answered for another job");
  return r;
}

Status CtlController::requeue(const std::string& id) {
  auto out = call({"requeue", id});
  if (!out) return out.error();
  return Ok{};
}

Status CtlController::check_qos(std::uint32_t job_id, const std::string& qos) {
  auto out = call({"qos-check", std::to_string(job_id), qos});
  if (!out) return out.error();
  return Ok{};
}

Status CtlController::mark(std::uint32_t job_id, unsigned preemptions, const std::string& qos) {
  std::vector<std::string> args{"mark", std::to_string(job_id), std::to_string(preemptions)};
  if (!qos.empty()) args.push_back(qos);
  auto out = call(args);
  if (!out) return out.error();
  return Ok{};
}

}  // namespace gracepack::slurm
