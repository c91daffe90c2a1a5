// The audit log reader: the JSON grammar, the record's fields, and lines cut from blocks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "gracepack/core/report/json.hpp"
#include "gracepack/core/report/report.hpp"

using namespace gracepack;
using namespace gracepack::report;

namespace {

std::vector<json::Member> read(std::string_view line) {
  std::vector<json::Member> m;
  auto st = json::read_object(line, m);
  EXPECT_TRUE(st.ok()) << line << ": " << (st ? "" : st.error().message);
  return m;
}

std::string decoded(std::string_view raw) {
  std::string out;
  json::decode_string(raw, out);
  return out;
}

const char* kBriefNotice =
    R"({"time":1796001432,"event":"notice","job_id":6,"uid":1001,"user":"gptest",)"
    R"("partition":"low-grace","state":"COMPLETED","cause":"preemption",)"
    R"("preempt_time":1796001425,"end_time":1796001440,"restart_count":0,)"
    R"("start_time":1796001423,"notice_delivered":1796001425,"processes_signalled":2,)"
    R"("run_start":1796001423,"script_exit":1796001431,"script_status":0,)"
    R"("decision":"notified","reason":"grace period started; the job's processes were signalled"})";

}  // namespace

TEST(ReportJson, ReadsMembersInOrder) {
  auto m = read(R"( {"a":1, "b" : "x\ty", "c":-12,"d":1.5,"e":true,"f":null} )");
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0].key, "a");
  EXPECT_EQ(m[0].kind, json::Kind::Integer);
  EXPECT_EQ(m[0].integer, 1);
  EXPECT_EQ(m[1].kind, json::Kind::String);
  EXPECT_TRUE(m[1].escaped);
  EXPECT_EQ(decoded(m[1].raw), "x\ty");
  EXPECT_EQ(m[2].integer, -12);
  EXPECT_EQ(m[3].kind, json::Kind::Other);
  EXPECT_EQ(m[4].kind, json::Kind::Other);
  EXPECT_TRUE(read("{}").empty());
}

TEST(ReportJson, PassesOverNestedValuesOfLaterVersions) {
  auto m = read(R"({"x":{"y":[1,2,{"z":null}],"w":"}"},"time":7,"v":[]})");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[1].key, "time");
  EXPECT_EQ(m[1].integer, 7);
}

TEST(ReportJson, RefusesWhatIsNotJson) {
  std::vector<json::Member> m;
  for (const char* bad : {"",
                          "garbage",
                          "[]",
                          "{",
                          R"({"a":1)",
                          R"({"a":1,})",
                          R"({"a" 1})",
                          R"({"a":01})",
                          R"({"a":-})",
                          R"({"a":1.})",
                          R"({"a":1e})",
                          R"({"a":"x)",
                          R"({"a":"\q"})",
                          R"({"a":"\u12G4"})",
                          "{\"a\":\"\x01\"}",
                          R"({"a":1} x)",
                          R"({"a":tru})",
                          R"({a:1})",
                          R"({"a":[1,]})",
                          R"({"a":{"b"}})",
                          "{\"a\":\"x\\\"}"}) {
    EXPECT_FALSE(json::read_object(bad, m).ok()) << bad;
  }
  std::string deep = R"({"a":)" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_FALSE(json::read_object(deep, m).ok());
}

TEST(ReportJson, StringsAreUtf8) {
  read("{\"a\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xED\x9F\xBF\xF4\x8F\xBF\xBF\"}");
  std::vector<json::Member> m;
  for (const char* bad : {"\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80", "\x80", "\xE2\x82", "\xE2\x28\xA1", "\xFF"}) {
    const std::string line = std::string("{\"a\":\"x") + bad + "y\"}";
    auto st = json::read_object(line, m);
    ASSERT_FALSE(st.ok()) << line;
    EXPECT_NE(st.error().message.find("not UTF-8"), std::string::npos) << st.error().message;
  }
}

TEST(ReportJson, TooLargeIntegersAreNotIntegers) {
  auto m = read(R"({"a":9223372036854775807,"b":9223372036854775808})");
  EXPECT_EQ(m[0].kind, json::Kind::Integer);
  EXPECT_EQ(m[1].kind, json::Kind::Other);
}

TEST(ReportJson, DecodesEscapesToUtf8) {
  EXPECT_EQ(decoded(R"(a\"b\\c\/d\n\r\b\f)"), "a\"b\\c/d\n\r\b\f");
  EXPECT_EQ(decoded(R"(\u00e9)"), "\xC3\xA9");
  EXPECT_EQ(decoded(R"(\u20AC)"), "\xE2\x82\xAC");
  EXPECT_EQ(decoded(R"(\ud83d\ude00)"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(decoded(R"(\ud83dx)"), "\xEF\xBF\xBDx");  // a lone surrogate
  EXPECT_EQ(decoded(R"(\u0001)"), std::string("\x01"));
}

// Issue 16 item 6: a record an older release wrote with a user's bytes (ESC, CR, a C1 CSI)
// cannot redraw the terminal of the admin who reads the report: those bytes arrive as text.
TEST(ReportLine, ControlBytesOfOldRecordsArriveAsText) {
  const AuditLine r = report_fixtures::parse(
      "{\"time\":5,\"event\":\"no-requeue\",\"job_id\":9,\"uid\":1,\"user\":\"u\xc2\x9b"
      "2J\","
      "\"partition\":\"p\",\"state\":\"COMPLETED\",\"cause\":\"completion\",\"preempt_time\":0,"
      "\"end_time\":5,\"restart_count\":0,\"decision\":\"not requeued\","
      "\"reason\":\"x\\u001b[2K\\rjob 9: requeued\"}");
  EXPECT_EQ(r.reason, "x\\x1b[2K\\x0djob 9: requeued");
  EXPECT_EQ(r.user, "u\\xc2\\x9b2J");  // U+009B, CSI
}

TEST(ReportLine, ReadsTheBriefsExample) {
  const AuditLine r = report_fixtures::parse(kBriefNotice);
  EXPECT_EQ(r.time, 1796001432);
  EXPECT_EQ(r.event, AuditEvent::Notice);
  EXPECT_EQ(r.job_id, 6u);
  EXPECT_EQ(r.uid, 1001);
  EXPECT_EQ(r.user, "gptest");
  EXPECT_EQ(r.partition, "low-grace");
  EXPECT_EQ(r.cause, Cause::Preemption);
  EXPECT_EQ(r.preempt_time, 1796001425);
  EXPECT_EQ(r.end_time, 1796001440);
  EXPECT_EQ(r.notice_delivered, 1796001425);
  EXPECT_EQ(r.processes_signalled, 2);
  EXPECT_EQ(r.script_exit, 1796001431);
  EXPECT_EQ(r.script_status, 0);
  EXPECT_EQ(r.reason, "grace period started; the job's processes were signalled");
  EXPECT_FALSE(r.array_job_id);
}

TEST(ReportLine, ReadsWhatTheEpilogWrites) {
  AuditRecord w;
  w.event = "requeue";
  w.job.job_id = 101;
  w.job.array_job_id = 100;
  w.job.array_task_id = 7;
  w.job.user = 1002;
  w.job.partition = "p\"q";
  w.job.state = JobState::Preempted;
  w.job.preempt_time = 50;
  w.job.end_time = 65;
  w.job.restart_count = 3;
  w.user = "al\\ice\n\x01";
  w.cause = Cause::Preemption;
  w.time = 70;
  w.reason = "r\té";
  w.script_status = 9;
  const AuditLine r = report_fixtures::parse(to_json(w));
  EXPECT_EQ(r.event, AuditEvent::Requeue);
  EXPECT_EQ(r.array_job_id, 100u);
  EXPECT_EQ(r.array_task_id, 7u);
  EXPECT_EQ(r.partition, "p\"q");
  EXPECT_EQ(r.user, "al\\ice\\x0a\\x01");  // no control character reaches the report's outputs
  EXPECT_EQ(r.state, "PREEMPTED");
  EXPECT_EQ(r.restart_count, 3);
  EXPECT_EQ(r.reason, "r\\x09é");
  EXPECT_EQ(r.script_status, 9);
  EXPECT_FALSE(r.start_time);  // 0 in the record: not written
  EXPECT_FALSE(r.notice_delivered);
}

TEST(ReportLine, IgnoresFieldsOfLaterVersionsAndUnknownNames) {
  const AuditLine r = report_fixtures::parse(
      R"({"time":5,"event":"migrate","job_id":1,"uid":0,"gpus":[0,1],"cause":"meteor",)"
      R"("cpus":{"n":4},"ratio":0.5,"ok":true,"node":null})");
  EXPECT_EQ(r.event, AuditEvent::Other);
  EXPECT_FALSE(r.cause);
  EXPECT_FALSE(is_decision(r.event));
}

TEST(ReportLine, RefusesRecordsThatAreNotAuditRecords) {
  AuditLineParser p;
  AuditLine r;
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"event":"cap","job_id":1,"uid":0})", "\"time\""},
      {R"({"time":1,"job_id":1,"uid":0})", "\"event\""},
      {R"({"time":1,"event":"cap","uid":0})", "\"job_id\""},
      {R"({"time":1,"event":"cap","job_id":1})", "\"uid\""},
      {R"({"time":"1","event":"cap","job_id":1,"uid":0})", "not an integer"},
      {R"({"time":1,"event":2,"job_id":1,"uid":0})", "not a string"},
      {R"({"time":1,"event":"cap","job_id":-1,"uid":0})", "out of range"},
      {R"({"time":1,"event":"cap","job_id":1,"uid":4294967296})", "out of range"},
      {R"({"time":1,"event":"cap","job_id":1,"uid":0,"time":2})", "twice"},
      {R"({"time":1.5,"event":"cap","job_id":1,"uid":0})", "not an integer"},
  };
  for (const auto& [line, why] : cases) {
    auto st = p.parse(line, r);
    ASSERT_FALSE(st.ok()) << line;
    EXPECT_NE(st.error().message.find(why), std::string::npos) << st.error().message;
  }
}

TEST(ReportLine, AReusedRecordForgetsThePreviousLine) {
  AuditLineParser p;
  AuditLine r;
  ASSERT_TRUE(p.parse(kBriefNotice, r).ok());
  ASSERT_TRUE(p.parse(R"({"time":1,"event":"cap","job_id":2,"uid":3})", r).ok());
  AuditLine expected;
  expected.time = 1, expected.event = AuditEvent::Cap, expected.job_id = 2, expected.uid = 3;
  EXPECT_EQ(r, expected);
}

TEST(ReportLines, BlockBoundariesDoNotMatter) {
  const std::string text = "one\ntwo\n\nthree is longer\nfour";
  std::vector<std::string> whole, bytes;
  LineSplitter a(100), b(100);
  auto into = [](std::vector<std::string>& v) {
    return [&v](std::string_view line, std::uint64_t n, bool too_long) {
      EXPECT_FALSE(too_long);
      EXPECT_EQ(n, v.size() + 1);
      v.emplace_back(line);
    };
  };
  a.feed(text, into(whole));
  a.finish(into(whole));
  for (char c : text) b.feed(std::string_view(&c, 1), into(bytes));
  b.finish(into(bytes));
  EXPECT_EQ(whole, (std::vector<std::string>{"one", "two", "", "three is longer", "four"}));
  EXPECT_EQ(bytes, whole);
  EXPECT_EQ(a.lines(), 5u);
}

TEST(ReportLines, ALineTooLongIsFlaggedNotHeld) {
  LineSplitter s(8);
  std::vector<std::pair<std::string, bool>> got;
  auto on = [&](std::string_view line, std::uint64_t, bool too_long) {
    got.emplace_back(std::string(line), too_long);
  };
  s.feed("short\n0123456789abc", on);
  s.feed("def\nok\n", on);
  s.feed("0123456789", on);
  s.finish(on);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], std::make_pair(std::string("short"), false));
  EXPECT_EQ(got[1], std::make_pair(std::string(""), true));
  EXPECT_EQ(got[2], std::make_pair(std::string("ok"), false));
  EXPECT_EQ(got[3], std::make_pair(std::string(""), true));
}
