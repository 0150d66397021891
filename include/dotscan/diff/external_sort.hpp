// dotscan/diff/external_sort.hpp — sorting more records than memory should hold: sorted runs in a
// temporary directory, then a k-way merge.
//
// Records are opaque (key, payload) byte strings. add() appends to an in-memory chunk; when the
// chunk reaches `run_bytes` it is sorted and written as one run file. finish() hands back one
// stream in key order: straight from memory when no run was written, otherwise a merge of the
// runs (first merged in groups of `fan_in` while there are more, so that open files stay
// bounded). Invariants: records with equal keys come out in the order they were added (a stable
// sort: the sequence number is part of the order); memory is about `run_bytes` plus one record
// per open run; the temporary directory and every run in it are removed by the destructor, also
// after an exception. I/O errors are dotscan::Error (RuntimeError) naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dotscan::diff {

struct SortOptions {
  std::size_t run_bytes = std::size_t{16} << 20U;  // the in-memory chunk, keys and payloads
  std::size_t fan_in = 64;                         // runs merged at once (at least 2)
  std::filesystem::path temp_dir;                  // empty: $TMPDIR, else /tmp
};

struct SortedRecord {
  std::string key;
  std::string payload;
  std::uint64_t sequence = 0;  // the order of add()
};

// Records in key order, then in the order they were added.
class RecordStream {
 public:
  virtual ~RecordStream() = default;
  // The next record; false at the end.
  virtual bool next(SortedRecord& record) = 0;
};

namespace detail {
struct ChunkEntry {
  std::size_t offset;  // in the chunk: the key, then the payload
  std::uint32_t key_size, payload_size;
  std::uint64_t sequence;
};
}  // namespace detail

class ExternalSorter {
 public:
  explicit ExternalSorter(SortOptions options = {});
  ~ExternalSorter();
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  void add(std::string_view key, std::string_view payload);
  // Ends the adding. The stream reads this sorter's files: it must not outlive the sorter.
  std::unique_ptr<RecordStream> finish();

  [[nodiscard]] std::uint64_t records() const { return sequence_; }
  // Run files written so far, intermediate merges included (tests force several).
  [[nodiscard]] std::size_t runsWritten() const { return runs_written_; }
  [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }

 private:
  using Entry = detail::ChunkEntry;
  void sortChunk();
  void spill();
  std::filesystem::path newRunPath();

  SortOptions options_;
  std::filesystem::path directory_;
  std::string chunk_;
  std::vector<Entry> entries_;
  std::vector<std::filesystem::path> runs_;
  std::uint64_t sequence_ = 0;
  std::size_t runs_written_ = 0;
};

}  // namespace dotscan::diff
