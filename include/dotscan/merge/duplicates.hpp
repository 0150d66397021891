// dotscan/merge/duplicates.hpp — finding a target recorded twice among many millions, in bounded
// memory.
//
// Each (address, port, name) becomes a 128-bit hash with the place it was read (input, line). The
// entries are sorted in memory in runs of `run_entries` (32 bytes each), each run written to its
// own file in a private temporary directory, and the runs are then merged k ways: equal hashes
// meet there. Since two keys may share a hash, a match is only a candidate, which the caller
// confirms by reading both places again. Invariants: memory is run_entries entries plus one per
// run; the directory and its files are removed by the destructor, on every path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dotscan/util/address.hpp"

namespace dotscan::merge {

struct Place {
  std::uint32_t input = 0;  // index of the input file
  std::uint64_t line = 0;   // 1-based
  friend bool operator==(const Place&, const Place&) = default;
};

class DuplicateFinder {
 public:
  // Creates a directory "dotscan-merge-XXXXXX" under `parent` (empty: $TMPDIR, else /tmp); throws
  // dotscan::Error (exit 3) when it cannot.
  explicit DuplicateFinder(const std::string& parent = {}, std::size_t run_entries = 1U << 20U);
  DuplicateFinder(const DuplicateFinder&) = delete;
  DuplicateFinder& operator=(const DuplicateFinder&) = delete;
  DuplicateFinder(DuplicateFinder&&) = delete;
  DuplicateFinder& operator=(DuplicateFinder&&) = delete;
  ~DuplicateFinder();

  void add(const Address& address, std::uint16_t port, std::string_view name, Place place);

  // The first two places with the same key in hash order, for which `same` (the caller's check of
  // the keys themselves) holds; nullopt when every key is unique. Call once, after every add().
  std::optional<std::pair<Place, Place>> find(
      const std::function<bool(const Place&, const Place&)>& same);

  [[nodiscard]] std::size_t runs() const { return runs_; }
  [[nodiscard]] const std::string& directory() const { return directory_; }

  struct Entry {
    std::uint64_t high = 0, low = 0;  // the key's hash
    std::uint64_t line = 0;
    std::uint32_t input = 0;
    std::uint32_t unused = 0;
  };

 private:
  void flushRun();
  [[nodiscard]] std::string runPath(std::size_t index) const;

  std::string directory_;
  std::size_t run_entries_;
  std::vector<Entry> pending_;
  std::size_t runs_ = 0;
};

// The 128-bit hash of a target key (exposed for the tests).
std::pair<std::uint64_t, std::uint64_t> keyHash(const Address& address, std::uint16_t port,
                                                std::string_view name);

}  // namespace dotscan::merge
