#include "dotscan/net/privileges.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <string>
#include <vector>

#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::net {

namespace {

// capget(2)/capset(2) through syscall(2): glibc has no wrapper, and libcap would be a dependency
// for two calls.
bool capabilities(std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3>& data, bool set) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  const long result = set ? ::syscall(SYS_capset, &header, data.data())
                          : ::syscall(SYS_capget, &header, data.data());
  return result == 0;
}

[[noreturn]] void fail(const std::string& what) {
  throw Error(ExitCode::RuntimeError, "cannot drop privileges: " + what + ": " + errorText(errno));
}

}  // namespace

bool haveRawSocketPrivilege() {
  if (::geteuid() == 0) return true;
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (!capabilities(data, false)) return false;
  return (data[CAP_TO_INDEX(CAP_NET_RAW)].effective & CAP_TO_MASK(CAP_NET_RAW)) != 0;
}

PrivilegeDrop dropPrivileges(const std::string& user) {
  PrivilegeDrop drop;
  if (::geteuid() == 0 || ::getuid() == 0) {
    // getpwnam_r: the process may already run other threads (the resolver's).
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
      errno = ENOENT;
      fail("no user '" + user + "'");
    }
    // The order matters: groups and gid while still root, the uid last (setuid(2) then clears
    // the capability sets, since SECBIT_KEEP_CAPS is not set).
    if (::setgroups(0, nullptr) != 0) fail("setgroups");
    if (::setresgid(entry.pw_gid, entry.pw_gid, entry.pw_gid) != 0) fail("setresgid");
    if (::setresuid(entry.pw_uid, entry.pw_uid, entry.pw_uid) != 0) fail("setresuid");
    if (::setuid(0) == 0) {
      errno = EPERM;
      fail("root could be regained");
    }
    drop.changed_user = true;
    drop.user = user;
  } else {
    const passwd* self = ::getpwuid(::getuid());
    drop.user = self != nullptr ? self->pw_name : std::to_string(::getuid());
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    fail("clearing the ambient capabilities");
  }
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> none{};
  if (!capabilities(none, true)) fail("capset");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS");
  if (effectiveCapabilities() != 0) {
    errno = EPERM;
    fail("capabilities remain");
  }
  return drop;
}

std::uint64_t effectiveCapabilities() {
  // The calling thread's: capability sets belong to threads, not to the process.
  std::ifstream status("/proc/thread-self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      try {
        return std::stoull(line.substr(7), nullptr, 16);
      } catch (const std::exception&) {
        break;
      }
    }
  }
  return ~std::uint64_t{0};  // unknown: assume the worst
}

}  // namespace dotscan::net
