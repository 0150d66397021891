#include "dotscan/merge/duplicates.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <queue>
#include <tuple>

#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::merge {

namespace {

using File = std::unique_ptr<std::FILE, decltype(&std::fclose)>;

[[noreturn]] void failIo(const std::string& what) {
  throw Error(ExitCode::RuntimeError,
              "merge: cannot " + what + ": " + std::strerror(errno != 0 ? errno : EIO));
}

// MurmurHash3's finaliser: every input bit reaches every output bit.
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33U;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33U;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33U;
  return h;
}

bool before(const DuplicateFinder::Entry& a, const DuplicateFinder::Entry& b) {
  return std::tie(a.high, a.low, a.input, a.line) < std::tie(b.high, b.low, b.input, b.line);
}

}  // namespace

std::pair<std::uint64_t, std::uint64_t> keyHash(const Address& address, std::uint16_t port,
                                                std::string_view name) {
  // Two lanes over the same bytes with different multipliers (FNV-1a's prime and the golden
  // ratio), each finalised; the name's length goes in, so "a" + port and "" + port differ.
  std::uint64_t a = 0xcbf29ce484222325ULL;
  std::uint64_t b = 0x9e3779b97f4a7c15ULL;
  const auto feed = [&a, &b](std::uint8_t byte) {
    a = (a ^ byte) * 0x100000001b3ULL;
    b = (b ^ byte) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  };
  const u128 value = address.value();
  for (int shift = 120; shift >= 0; shift -= 8) feed(static_cast<std::uint8_t>(value >> shift));
  feed(static_cast<std::uint8_t>(port >> 8U));
  feed(static_cast<std::uint8_t>(port & 0xffU));
  for (const char c : name) feed(static_cast<std::uint8_t>(c));
  const std::uint64_t length = name.size();
  for (int shift = 0; shift < 64; shift += 8) feed(static_cast<std::uint8_t>(length >> shift));
  return {mix(a), mix(b ^ mix(a))};
}

DuplicateFinder::DuplicateFinder(const std::string& parent, std::size_t run_entries)
    : run_entries_(std::max<std::size_t>(run_entries, 1)) {
  std::string base = parent;
  if (base.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  std::string pattern = base + "/dotscan-merge-XXXXXX";
  errno = 0;
  if (::mkdtemp(pattern.data()) == nullptr) {
    failIo("make a temporary directory in " + quoteInput(base));
  }
  directory_ = pattern;
  pending_.reserve(std::min<std::size_t>(run_entries_, 1U << 16U));
}

DuplicateFinder::~DuplicateFinder() {
  for (std::size_t i = 0; i < runs_; ++i) (void)std::remove(runPath(i).c_str());
  (void)::rmdir(directory_.c_str());
}

std::string DuplicateFinder::runPath(std::size_t index) const {
  return directory_ + "/run-" + std::to_string(index);
}

void DuplicateFinder::add(const Address& address, std::uint16_t port, std::string_view name,
                          Place place) {
  const auto [high, low] = keyHash(address, port, name);
  pending_.push_back({high, low, place.line, place.input, 0});
  if (pending_.size() >= run_entries_) flushRun();
}

void DuplicateFinder::flushRun() {
  if (pending_.empty()) return;
  std::sort(pending_.begin(), pending_.end(), before);
  const std::string path = runPath(runs_);
  errno = 0;
  const File out(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!out) failIo("write " + quoteInput(path));
  ++runs_;  // from here on the destructor removes it
  if (std::fwrite(pending_.data(), sizeof(Entry), pending_.size(), out.get()) != pending_.size() ||
      std::fflush(out.get()) != 0) {
    failIo("write " + quoteInput(path));
  }
  pending_.clear();
}

std::optional<std::pair<Place, Place>> DuplicateFinder::find(
    const std::function<bool(const Place&, const Place&)>& same) {
  flushRun();
  std::vector<File> runs;
  runs.reserve(runs_);
  for (std::size_t i = 0; i < runs_; ++i) {
    errno = 0;
    runs.push_back(File(std::fopen(runPath(i).c_str(), "rb"), &std::fclose));
    if (!runs.back()) failIo("read " + quoteInput(runPath(i)));
  }
  // The head of each run in a min-heap; equal keys come out one after the other.
  using Head = std::pair<Entry, std::size_t>;
  const auto later = [](const Head& x, const Head& y) { return before(y.first, x.first); };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  const auto pull = [&runs, &heads](std::size_t run) {
    Entry entry;
    if (std::fread(&entry, sizeof entry, 1, runs[run].get()) == 1) {
      heads.emplace(entry, run);
    } else if (std::ferror(runs[run].get()) != 0) {
      failIo("read a temporary run");
    }
  };
  for (std::size_t i = 0; i < runs.size(); ++i) pull(i);
  // The entries of the current hash seen so far (almost always one).
  std::vector<Entry> group;
  while (!heads.empty()) {
    const auto [entry, run] = heads.top();
    heads.pop();
    pull(run);
    if (!group.empty() && (group.front().high != entry.high || group.front().low != entry.low)) {
      group.clear();
    }
    for (const Entry& seen : group) {
      const Place a{seen.input, seen.line};
      const Place b{entry.input, entry.line};
      if (same(a, b)) return std::pair{a, b};
    }
    group.push_back(entry);
  }
  return std::nullopt;
}

}  // namespace dotscan::merge
