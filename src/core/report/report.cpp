#include "gracepack/core/report/report.hpp"

#include <array>
#include <limits>
#include <utility>

#include "gracepack/core/base/text.hpp"

namespace gracepack::report {
namespace {

constexpr std::array<std::pair<AuditEvent, const char*>, 7> kEvents{{
    {AuditEvent::Notice, "notice"},
    {AuditEvent::Requeue, "requeue"},
    {AuditEvent::NoRequeue, "no-requeue"},
    {AuditEvent::Cap, "cap"},
    {AuditEvent::Refused, "refused"},
    {AuditEvent::Error, "error"},
    {AuditEvent::Ignored, "ignored"},
}};

AuditEvent parse_event(std::string_view s) {
  for (const auto& [event, name] : kEvents) {
    if (s == name) return event;
  }
  return AuditEvent::Other;  // a later version's event: read, counted nowhere
}

constexpr std::array<std::pair<Lost, const char*>, 3> kLost{{
    {Lost::None, "none"},
    {Lost::SinceCheckpoint, "since_checkpoint"},
    {Lost::Unknown, "unknown"},
}};

Lost parse_lost(std::string_view s) {
  for (const auto& [lost, name] : kLost) {
    if (s == name) return lost;
  }
  return Lost::Other;
}

enum class Field {
  Time,
  Event,
  JobId,
  ArrayJobId,
  ArrayTaskId,
  Uid,
  User,
  Partition,
  State,
  Cause,
  PreemptTime,
  EndTime,
  RestartCount,
  StartTime,
  NoticeDelivered,
  ProcessesSignalled,
  Deadline,
  RunStart,
  ScriptExit,
  ScriptStatus,
  Decision,
  Reason,
  AllocNodes,
  AllocCpus,
  AllocGpus,
  AllocGpuTypes,
  GraceStart,
  Checkpoint,
  CheckpointLabel,
  CheckpointInWindow,
  CheckpointNote,
  Lost,
  LostSeconds,
  LostAtMostSeconds,
  LostGpuSeconds,
  LostCpuSeconds,
  GraceReturnedSeconds,
  Qos,
  Preemptions,
  OtherRequeues,
  RequeueQos,
  QosNote,
};

struct FieldSpec {
  std::string_view name;
  Field field;
  json::Kind kind;
  std::int64_t min;
  std::int64_t max;
};

constexpr std::int64_t kU32 = std::numeric_limits<std::uint32_t>::max();
// Times up to the year 9999: differences and sums of them cannot overflow.
constexpr std::int64_t kTime = 253402300799;
constexpr std::int64_t kI32 = std::numeric_limits<std::int32_t>::max();
// GPU- and CPU-seconds: 2^53, exact as a double (the report's hours), and far past any real run.
constexpr std::int64_t kAmount = std::int64_t{1} << 53;
constexpr json::Kind kInt = json::Kind::Integer;
constexpr json::Kind kStr = json::Kind::String;
constexpr std::size_t kMaxLabel = 64;  // bytes of a checkpoint's label, as the epilog keeps it

// In the order the epilog writes them (the first line's guess); after that, the lookup tries
// first the field that followed the previous one in the line before.
constexpr std::array<FieldSpec, 42> kFields{{
    {"time", Field::Time, kInt, 0, kTime},
    {"event", Field::Event, kStr, 0, 0},
    {"job_id", Field::JobId, kInt, 0, kU32},
    {"array_job_id", Field::ArrayJobId, kInt, 0, kU32},
    {"array_task_id", Field::ArrayTaskId, kInt, 0, kU32},
    {"uid", Field::Uid, kInt, 0, kU32},
    {"user", Field::User, kStr, 0, 0},
    {"partition", Field::Partition, kStr, 0, 0},
    {"state", Field::State, kStr, 0, 0},
    {"cause", Field::Cause, kStr, 0, 0},
    {"preempt_time", Field::PreemptTime, kInt, 0, kTime},
    {"end_time", Field::EndTime, kInt, 0, kTime},
    {"restart_count", Field::RestartCount, kInt, 0, kU32},
    {"start_time", Field::StartTime, kInt, 0, kTime},
    {"notice_delivered", Field::NoticeDelivered, kInt, 0, kTime},
    {"processes_signalled", Field::ProcessesSignalled, kInt, 0, kU32},
    {"deadline", Field::Deadline, kInt, 0, kTime},
    {"run_start", Field::RunStart, kInt, 0, kTime},
    {"script_exit", Field::ScriptExit, kInt, 0, kTime},
    {"script_status", Field::ScriptStatus, kInt, -kI32 - 1, kI32},
    {"alloc_nodes", Field::AllocNodes, kInt, 0, kU32},
    {"alloc_cpus", Field::AllocCpus, kInt, 0, kU32},
    {"alloc_gpus", Field::AllocGpus, kInt, 0, kU32},
    {"alloc_gpu_types", Field::AllocGpuTypes, kStr, 0, 0},
    {"grace_start", Field::GraceStart, kInt, 0, kTime},
    {"checkpoint", Field::Checkpoint, kInt, 0, kTime},
    {"checkpoint_label", Field::CheckpointLabel, kStr, 0, 0},
    {"checkpoint_in_window", Field::CheckpointInWindow, kInt, 0, kTime},
    {"checkpoint_note", Field::CheckpointNote, kStr, 0, 0},
    {"lost", Field::Lost, kStr, 0, 0},
    {"lost_seconds", Field::LostSeconds, kInt, 0, kTime},
    {"lost_at_most_seconds", Field::LostAtMostSeconds, kInt, 0, kTime},
    {"lost_gpu_seconds", Field::LostGpuSeconds, kInt, 0, kAmount},
    {"lost_cpu_seconds", Field::LostCpuSeconds, kInt, 0, kAmount},
    {"grace_returned_seconds", Field::GraceReturnedSeconds, kInt, 0, kTime},
    {"qos", Field::Qos, kStr, 0, 0},
    {"preemptions", Field::Preemptions, kInt, 0, kU32},
    {"other_requeues", Field::OtherRequeues, kInt, 0, kU32},
    {"requeue_qos", Field::RequeueQos, kStr, 0, 0},
    {"qos_note", Field::QosNote, kStr, 0, 0},
    {"decision", Field::Decision, kStr, 0, 0},
    {"reason", Field::Reason, kStr, 0, 0},
}};
static_assert(kFields.size() < 64, "a bit per field in `seen`, an index in a byte");

// Texts that only the job's story shows: the summary checks them but does not copy them.
bool story_only(Field f) {
  return f == Field::Decision || f == Field::Reason || f == Field::AllocGpuTypes ||
         f == Field::CheckpointLabel || f == Field::CheckpointNote || f == Field::Qos;
}

// The log's keys are short: a byte loop beats a call to memcmp, a tenth of the report's time.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const char *p = a.data(), *q = b.data();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (p[i] != q[i]) return false;
  }
  return true;
}

// The index of `key` in kFields, or kFields.size() for a field this version does not read.
std::size_t find_field(std::string_view key, std::size_t hint) {
  if (hint < kFields.size() && same(kFields[hint].name, key)) return hint;
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    if (same(kFields[i].name, key)) return i;
  }
  return kFields.size();
}

// Names and reasons come from the audit log, which may quote a user's bytes: whatever a report
// prints of them (table, story, metrics, SVG, JSON) has no control character left in it.
void set_string(const json::Member& m, std::string& out) {
  if (m.escaped) {
    json::decode_string(m.raw, out);
  } else {
    out.assign(m.raw);
  }
  if (!text::is_printable(out)) out = text::printable(out);
}

// Back to defaults, keeping the strings' storage for the next line.
void reset(AuditLine& out) {
  AuditLine fresh;
  for (auto text : {&AuditLine::user, &AuditLine::partition, &AuditLine::state,
                    &AuditLine::decision, &AuditLine::reason, &AuditLine::alloc_gpu_types,
                    &AuditLine::checkpoint_label, &AuditLine::checkpoint_note, &AuditLine::qos,
                    &AuditLine::requeue_qos, &AuditLine::qos_note}) {
    fresh.*text = std::move(out.*text);
    (fresh.*text).clear();
  }
  out = std::move(fresh);
}

void set_integer(Field f, std::int64_t v, AuditLine& out) {
  switch (f) {
    case Field::Time:
      out.time = v;
      break;
    case Field::JobId:
      out.job_id = static_cast<std::uint32_t>(v);
      break;
    case Field::ArrayJobId:
      out.array_job_id = static_cast<std::uint32_t>(v);
      break;
    case Field::ArrayTaskId:
      out.array_task_id = static_cast<std::uint32_t>(v);
      break;
    case Field::Uid:
      out.uid = v;
      break;
    case Field::PreemptTime:
      out.preempt_time = v;
      break;
    case Field::EndTime:
      out.end_time = v;
      break;
    case Field::RestartCount:
      out.restart_count = v;
      break;
    case Field::StartTime:
      out.start_time = v;
      break;
    case Field::NoticeDelivered:
      out.notice_delivered = v;
      break;
    case Field::ProcessesSignalled:
      out.processes_signalled = v;
      break;
    case Field::Deadline:
      out.deadline = v;
      break;
    case Field::RunStart:
      out.run_start = v;
      break;
    case Field::ScriptExit:
      out.script_exit = v;
      break;
    case Field::ScriptStatus:
      out.script_status = v;
      break;
    case Field::AllocNodes:
      out.alloc_nodes = v;
      break;
    case Field::AllocCpus:
      out.alloc_cpus = v;
      break;
    case Field::AllocGpus:
      out.alloc_gpus = v;
      break;
    case Field::GraceStart:
      out.grace_start = v;
      break;
    case Field::Checkpoint:
      out.checkpoint = v;
      break;
    case Field::CheckpointInWindow:
      out.checkpoint_in_window = v;
      break;
    case Field::LostSeconds:
      out.lost_seconds = v;
      break;
    case Field::LostAtMostSeconds:
      out.lost_at_most_seconds = v;
      break;
    case Field::LostGpuSeconds:
      out.lost_gpu_seconds = v;
      break;
    case Field::LostCpuSeconds:
      out.lost_cpu_seconds = v;
      break;
    case Field::GraceReturnedSeconds:
      out.grace_returned_seconds = v;
      break;
    case Field::Preemptions:
      out.preemptions = v;
      break;
    case Field::OtherRequeues:
      out.other_requeues = v;
      break;
    default:
      break;
  }
}

void set_text(Field f, const json::Member& m, AuditLine& out, std::string& scratch) {
  switch (f) {
    case Field::Event:
    case Field::Cause:
    case Field::Lost: {
      std::string_view name = m.raw;
      if (m.escaped) json::decode_string(m.raw, scratch), name = scratch;
      if (f == Field::Event)
        out.event = parse_event(name);
      else if (f == Field::Cause)
        out.cause = parse_cause(name);
      else
        out.lost = parse_lost(name);
      break;
    }
    case Field::User:
      set_string(m, out.user);
      break;
    case Field::Partition:
      set_string(m, out.partition);
      break;
    case Field::State:
      set_string(m, out.state);
      break;
    case Field::Decision:
      set_string(m, out.decision);
      break;
    case Field::Reason:
      set_string(m, out.reason);
      break;
    case Field::AllocGpuTypes:
      set_string(m, out.alloc_gpu_types);
      break;
    case Field::CheckpointLabel:  // the epilog keeps 64 bytes of it: so does a story
      set_string(m, out.checkpoint_label);
      if (out.checkpoint_label.size() > kMaxLabel)
        out.checkpoint_label = text::printable(out.checkpoint_label, kMaxLabel);
      break;
    case Field::CheckpointNote:
      set_string(m, out.checkpoint_note);
      break;
    case Field::Qos:
      set_string(m, out.qos);
      break;
    case Field::RequeueQos:
      set_string(m, out.requeue_qos);
      break;
    case Field::QosNote:
      set_string(m, out.qos_note);
      break;
    default:
      break;
  }
}

// nullptr, or what is wrong with the member's value (the message is built only then).
const char* check_member(const json::Member& m, const FieldSpec& spec) {
  if (m.kind != spec.kind) return spec.kind == kStr ? "is not a string" : "is not an integer";
  if (spec.kind == kInt && (m.integer < spec.min || m.integer > spec.max)) return "is out of range";
  return nullptr;
}

}  // namespace

const char* to_string(AuditEvent e) {
  for (const auto& [event, name] : kEvents) {
    if (event == e) return name;
  }
  return "other";
}

const char* to_string(Lost l) {
  for (const auto& [lost, name] : kLost) {
    if (lost == l) return name;
  }
  return "other";
}

bool is_decision(AuditEvent e) {
  return e == AuditEvent::Requeue || e == AuditEvent::NoRequeue || e == AuditEvent::Cap ||
         e == AuditEvent::Refused || e == AuditEvent::Error;
}

Status AuditLineParser::parse(std::string_view line, AuditLine& out) {
  if (auto st = json::read_object(line, members_); !st) return st;
  reset(out);
  if (follows_.empty()) {  // at first, the order of kFields
    for (std::size_t i = 0; i <= kFields.size(); ++i)
      follows_.push_back(static_cast<std::uint8_t>(i < kFields.size() ? i + 1 : 0));
  }
  std::uint64_t seen = 0;  // one bit per kFields entry: a repeated field is refused
  std::size_t previous = kFields.size();
  std::string scratch;
  for (const json::Member& m : members_) {
    const std::size_t i = m.key_escaped ? kFields.size() : find_field(m.key, follows_[previous]);
    if (i == kFields.size()) continue;  // a field of a later version
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (seen & bit) return fail("\"" + std::string(kFields[i].name) + "\" appears twice");
    seen |= bit;
    follows_[previous] = static_cast<std::uint8_t>(i);
    previous = i;
    if (const char* bad = check_member(m, kFields[i]))
      return fail("\"" + std::string(m.key) + "\" " + bad + ": " +
                  std::string(m.raw.substr(0, 40)));
    if (!keep_text_ && story_only(kFields[i].field)) continue;
    if (m.kind == kInt)
      set_integer(kFields[i].field, m.integer, out);
    else
      set_text(kFields[i].field, m, out, scratch);
  }
  for (std::size_t required : {0, 1, 2, 5}) {  // time, event, job_id, uid
    if (!(seen & (std::uint64_t{1} << required)))
      return fail("no \"" + std::string(kFields[required].name) + "\": not an audit record");
  }
  return Ok{};
}

}  // namespace gracepack::report
