#include "gracepack/core/preempt/audit.hpp"

#include <cstdio>

#include "gracepack/core/base/text.hpp"

namespace gracepack {

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string to_json(const AuditRecord& r) {
  // Names and reasons may quote what a user or a program wrote: bounded, and no control
  // character reaches the log, nor a terminal that shows it decoded (text::printable).
  auto str = [](const std::string& s, std::size_t max = 256) {
    return "\"" + json_escape(text::printable(s, max)) + "\"";
  };
  auto num = [](auto v) { return std::to_string(static_cast<long long>(v)); };
  std::string j = "{\"time\":" + num(r.time) + ",\"event\":" + str(r.event) +
                  ",\"job_id\":" + std::to_string(r.job.job_id);
  if (r.job.array_job_id) j += ",\"array_job_id\":" + std::to_string(*r.job.array_job_id);
  if (r.job.array_task_id) j += ",\"array_task_id\":" + std::to_string(*r.job.array_task_id);
  j += ",\"uid\":" + std::to_string(r.job.user) + ",\"user\":" + str(r.user) +
       ",\"partition\":" + str(r.job.partition) + ",\"state\":" + str(to_string(r.job.state)) +
       ",\"cause\":" + str(to_string(r.cause)) + ",\"preempt_time\":" + num(r.job.preempt_time) +
       ",\"end_time\":" + num(r.job.end_time) +
       ",\"restart_count\":" + std::to_string(r.job.restart_count);
  if (r.job.start_time) j += ",\"start_time\":" + num(r.job.start_time);
  if (r.notice_delivered) j += ",\"notice_delivered\":" + num(*r.notice_delivered);
  if (r.processes_signalled)
    j += ",\"processes_signalled\":" + std::to_string(*r.processes_signalled);
  if (r.deadline) j += ",\"deadline\":" + num(*r.deadline);
  if (r.run_start) j += ",\"run_start\":" + num(*r.run_start);
  if (r.script_exit) j += ",\"script_exit\":" + num(*r.script_exit);
  if (r.script_status) j += ",\"script_status\":" + std::to_string(*r.script_status);
  if (r.alloc.known()) {
    j += ",\"alloc_nodes\":" + std::to_string(r.alloc.nodes) +
         ",\"alloc_cpus\":" + std::to_string(r.alloc.cpus) +
         ",\"alloc_gpus\":" + std::to_string(r.alloc.gpus) +
         ",\"alloc_gpu_types\":" + str(r.alloc.gpu_types);
  }
  if (r.grace_start) j += ",\"grace_start\":" + num(*r.grace_start);
  if (r.checkpoint) j += ",\"checkpoint\":" + num(*r.checkpoint);
  if (!r.checkpoint_label.empty())
    j += ",\"checkpoint_label\":" + str(r.checkpoint_label, kMaxAckLabel);
  if (r.checkpoint_in_window) j += ",\"checkpoint_in_window\":" + num(*r.checkpoint_in_window);
  if (!r.checkpoint_note.empty()) j += ",\"checkpoint_note\":" + str(r.checkpoint_note);
  if (r.lost) {
    j += ",\"lost\":" + str(to_string(r.lost->kind));
    if (r.lost->seconds) j += ",\"lost_seconds\":" + num(*r.lost->seconds);
    if (r.lost->at_most) j += ",\"lost_at_most_seconds\":" + num(*r.lost->at_most);
    if (r.lost->gpu_seconds) j += ",\"lost_gpu_seconds\":" + num(*r.lost->gpu_seconds);
    if (r.lost->cpu_seconds) j += ",\"lost_cpu_seconds\":" + num(*r.lost->cpu_seconds);
  }
  if (r.grace_returned) j += ",\"grace_returned_seconds\":" + num(*r.grace_returned);
  if (!r.job.qos.empty()) j += ",\"qos\":" + str(r.job.qos);
  if (r.preemptions) j += ",\"preemptions\":" + std::to_string(*r.preemptions);
  if (r.other_requeues) j += ",\"other_requeues\":" + std::to_string(*r.other_requeues);
  if (!r.requeue_qos.empty()) j += ",\"requeue_qos\":" + str(r.requeue_qos);
  if (!r.qos_note.empty()) j += ",\"qos_note\":" + str(r.qos_note);
  j += ",\"decision\":" + str(r.decision) + ",\"reason\":" + str(r.reason, 1024) + "}";
  return j;
}

}  // namespace gracepack
