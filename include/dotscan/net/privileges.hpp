// dotscan/net/privileges.hpp — raw-socket privilege: whether we have it, and giving it all up.
//
// SYN discovery opens its raw socket and its capture first, then drops every privilege before it
// parses a byte from the network (as zmap and masscan advise, and as nmap does not). Run as root,
// dotscan becomes an unprivileged user (`nobody` by default); run as an ordinary user with only
// CAP_NET_RAW (setcap cap_net_raw+ep), it clears its capability sets. Either way it also sets
// PR_SET_NO_NEW_PRIVS, so nothing it could execute regains a privilege. Invariant: after
// dropPrivileges() returns, the effective, permitted and ambient capability sets are empty; if
// that cannot be achieved it throws, and the scan does not start.
#pragma once

#include <cstdint>
#include <string>

namespace dotscan::net {

// Whether this process could open a raw socket now: root or CAP_NET_RAW in its effective set.
bool haveRawSocketPrivilege();

// What dropPrivileges() did, for the metadata and the log.
struct PrivilegeDrop {
  bool changed_user = false;  // was root, is now `user`
  std::string user;           // the user the process runs as afterwards
};

// Gives up every privilege for good (see above). `user` is the account to become when root.
// Call it before the scan starts its threads: capability sets belong to each thread.
// Throws dotscan::Error (exit code 3) when any step fails.
PrivilegeDrop dropPrivileges(const std::string& user = "nobody");

// The calling thread's effective capability set (CapEff in /proc/thread-self/status); all bits
// set when it cannot be read.
std::uint64_t effectiveCapabilities();

}  // namespace dotscan::net
