#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gracepack/os/capabilities.hpp"

using namespace gracepack::os;

TEST(Capabilities, ReadsOwnSets) {
  auto caps = capabilities_of(0);
  ASSERT_TRUE(caps.ok()) << caps.error().message;
  EXPECT_FALSE(caps->text.empty());
  if (geteuid() == 0) {
    EXPECT_FALSE(caps->permitted_empty);
  }
}

TEST(Capabilities, DropLeavesEverySetEmpty) {
  // In a child, so the test process keeps its own capabilities.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!drop_all_capabilities()) _exit(2);
    auto caps = capabilities_of(0);
    if (!caps) _exit(3);
    _exit(caps->effective_empty && caps->permitted_empty && caps->inheritable_empty ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Capabilities, UnknownPidIsAnError) {
  EXPECT_FALSE(capabilities_of(999999999).ok());
}
