#include <gtest/gtest.h>

#include "gracepack/core/base/proc_text.hpp"

using namespace gracepack;

TEST(ProcStat, ParsesCommWithSpacesAndParens) {
  const std::string stat =
      "4242 (my (odd) name) S 4200 4242 4200 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 "
      "1000 100 18446744073709551615";
  auto s = parse_proc_stat(stat);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->comm, "my (odd) name");
  EXPECT_EQ(s->ppid, 4200);
  EXPECT_EQ(s->start, 123456u);
  EXPECT_FALSE(parse_proc_stat("").has_value());
  EXPECT_FALSE(parse_proc_stat("12 (x) S 1").has_value());
  EXPECT_FALSE(
      parse_proc_stat("x (y) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20").has_value());
}

TEST(ProcStatus, RealUid) {
  EXPECT_EQ(parse_status_uid("Name:\tx\nUid:\t1001\t0\t0\t0\nGid:\t5\n"), 1001u);
  EXPECT_FALSE(parse_status_uid("Name:\tx\n").has_value());
  EXPECT_FALSE(parse_status_uid("Uid:\tabc\n").has_value());
}

// Issue 16 item 11: an srun step's node name is taken from slurmstepd's own socket, which the job
// cannot name, not from the step's environment.
TEST(StepdSocket, OnlyASocketOfThisStepNamesTheNode) {
  EXPECT_EQ(stepd_socket_node("/var/spool/slurmd/node_1_7.0", 7, 0), "node_1");
  EXPECT_EQ(stepd_socket_node("/s/gpu-a.b_7.4294967291", 7, 4294967291U), "gpu-a.b");
  EXPECT_EQ(stepd_socket_node("/s/n1_7.0.2", 7, 0), "n1");  // a heterogeneous component
  EXPECT_FALSE(stepd_socket_node("/s/n1_7.1", 7, 0).has_value());
  EXPECT_FALSE(stepd_socket_node("/s/n1_17.0", 7, 0).has_value());
  EXPECT_FALSE(stepd_socket_node("/s/_7.0", 7, 0).has_value());
  EXPECT_FALSE(stepd_socket_node("/s/n1_7.0x", 7, 0).has_value());
}

// Issue 22: NSpid and SigCgt as /proc/<pid>/status writes them.
TEST(ProcText, NamespacePidsAndCaughtSignals) {
  const std::string status =
      "Name:\tbwrap\nUid:\t1001\t1001\t1001\t1001\nNSpid:\t6209\t1\nSigBlk:\t0000000000000000\n"
      "SigCgt:\t0000000000014002\n";
  EXPECT_EQ(parse_status_nspid(status), (std::vector<pid_t>{6209, 1}));
  EXPECT_EQ(parse_status_caught(status), 0x14002u);
  EXPECT_EQ(parse_status_nspid("NSpid:\t42\n"), (std::vector<pid_t>{42}));
  EXPECT_TRUE(parse_status_nspid("Name:\tx\n").empty());  // kernels before 4.1
  EXPECT_TRUE(parse_status_nspid("NSpid:\t42\tx\n").empty());
  EXPECT_EQ(parse_status_caught("SigCgt:\tzz\n"), 0u);
  EXPECT_EQ(parse_status_caught("SigCgt:\t00000000000000000\n"), 0u);  // 17 digits
  EXPECT_EQ(parse_status_caught("Name:\tx\n"), 0u);
}
