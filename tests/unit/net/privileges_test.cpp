// Dropping privileges for good (net/privileges.hpp), in a child process so the test runner keeps
// its own. Needs root, which CI has: without it the test fails under CI=true, and skips elsewhere.
#include "dotscan/net/privileges.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>

#include "support/cannot_run.hpp"

namespace dotscan::net {
namespace {

struct ChildReport {
  int dropped = 0;  // 1: dropPrivileges returned
  unsigned uid = 0;
  std::uint64_t capabilities = ~std::uint64_t{0};
  int raw_socket_errno = 0;  // errno of socket(AF_INET, SOCK_RAW) afterwards; 0: it opened
  int had_privilege_before = 0;
};

TEST(Privileges, DroppedForGoodAfterStartUp) {
  if (::geteuid() != 0) DOTSCAN_CANNOT_RUN("needs root");
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe(pipe_fds.data()), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ChildReport report;
    report.had_privilege_before = haveRawSocketPrivilege() ? 1 : 0;
    try {
      (void)dropPrivileges("nobody");
      report.dropped = 1;
    } catch (...) {
    }
    report.uid = ::getuid();
    report.capabilities = effectiveCapabilities();
    const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
    report.raw_socket_errno = fd < 0 ? errno : 0;
    [[maybe_unused]] const ssize_t written = ::write(pipe_fds[1], &report, sizeof report);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  ChildReport report;
  const ssize_t got = ::read(pipe_fds[0], &report, sizeof report);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof report));
  EXPECT_EQ(report.had_privilege_before, 1);
  EXPECT_EQ(report.dropped, 1);
  EXPECT_NE(report.uid, 0U);
  EXPECT_EQ(report.capabilities, 0U);
  EXPECT_EQ(report.raw_socket_errno, EPERM);
}

TEST(Privileges, TheseCapabilitiesAreReadable) {
  // The check above means something only if CapEff can be read at all.
  EXPECT_NE(effectiveCapabilities(), ~std::uint64_t{0});
}

}  // namespace
}  // namespace dotscan::net
