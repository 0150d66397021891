#include "dotscan/diff/external_sort.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>  // mkdtemp (POSIX)
#include <queue>
#include <system_error>

#include "dotscan/util/error.hpp"
#include "dotscan/util/text.hpp"

namespace dotscan::diff {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int error) {
  throw Error(ExitCode::RuntimeError,
              "diff: cannot " + what + " " + quoteInput(path.string()) + ": " + errorText(error));
}

struct FileCloser {
  void operator()(std::FILE* file) const {
    (void)std::fclose(file);  // NOLINT(cppcoreguidelines-owning-memory)
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

constexpr std::size_t kIoBuffer = std::size_t{1} << 20U;

FilePtr open(const std::filesystem::path& path, const char* mode) {
  errno = 0;
  FilePtr file(std::fopen(path.c_str(), mode));  // NOLINT(cppcoreguidelines-owning-memory)
  if (!file) fail(mode[0] == 'r' ? "read" : "write", path, errno != 0 ? errno : EIO);
  (void)std::setvbuf(file.get(), nullptr, _IOFBF, kIoBuffer);  // a hint: the default also works
  return file;
}

// A run on disk: records of [key size u32][payload size u32][sequence u64][key][payload], in
// native byte order (the file never leaves this process).
class RunWriter {
 public:
  explicit RunWriter(std::filesystem::path path)
      : path_(std::move(path)), file_(open(path_, "wb")) {}
  void write(std::string_view key, std::string_view payload, std::uint64_t sequence) {
    const auto key_size = static_cast<std::uint32_t>(key.size());
    const auto payload_size = static_cast<std::uint32_t>(payload.size());
    put(&key_size, sizeof key_size);
    put(&payload_size, sizeof payload_size);
    put(&sequence, sizeof sequence);
    put(key.data(), key.size());
    put(payload.data(), payload.size());
  }
  void close() {
    errno = 0;
    if (std::fflush(file_.get()) != 0 || std::ferror(file_.get()) != 0) {
      fail("write", path_, errno != 0 ? errno : EIO);
    }
    file_.reset();
  }

 private:
  void put(const void* data, std::size_t size) {
    errno = 0;
    if (size != 0 && std::fwrite(data, 1, size, file_.get()) != size) {
      fail("write", path_, errno != 0 ? errno : EIO);
    }
  }
  std::filesystem::path path_;
  FilePtr file_;
};

class RunReader final : public RecordStream {
 public:
  explicit RunReader(std::filesystem::path path)
      : path_(std::move(path)), file_(open(path_, "rb")) {}
  bool next(SortedRecord& record) override {
    std::uint32_t key_size = 0;
    const std::size_t got = std::fread(&key_size, 1, sizeof key_size, file_.get());
    if (got == 0 && std::feof(file_.get()) != 0) return false;
    std::uint32_t payload_size = 0;
    if (got != sizeof key_size || !get(&payload_size, sizeof payload_size) ||
        !get(&record.sequence, sizeof record.sequence)) {
      corrupt();
    }
    record.key.resize(key_size);
    record.payload.resize(payload_size);
    if (!get(record.key.data(), key_size) || !get(record.payload.data(), payload_size)) corrupt();
    return true;
  }

 private:
  bool get(void* data, std::size_t size) {
    return size == 0 || std::fread(data, 1, size, file_.get()) == size;
  }
  [[noreturn]] void corrupt() {
    fail("read back", path_, std::ferror(file_.get()) != 0 ? EIO : EBADMSG);
  }
  std::filesystem::path path_;
  FilePtr file_;
};

// The k-way merge: a min-heap of the current record of each input, by (key, sequence).
class MergeStream final : public RecordStream {
 public:
  explicit MergeStream(std::vector<std::unique_ptr<RecordStream>> inputs)
      : inputs_(std::move(inputs)), heads_(inputs_.size()) {
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      if (inputs_[i]->next(heads_[i])) heap_.push(i);
    }
  }
  bool next(SortedRecord& record) override {
    if (heap_.empty()) return false;
    const std::size_t i = heap_.top();
    heap_.pop();
    std::swap(record, heads_[i]);
    if (inputs_[i]->next(heads_[i])) heap_.push(i);
    return true;
  }

 private:
  struct Later {
    const std::vector<SortedRecord>* heads;
    bool operator()(std::size_t a, std::size_t b) const {
      const SortedRecord& x = (*heads)[a];
      const SortedRecord& y = (*heads)[b];
      return x.key != y.key ? x.key > y.key : x.sequence > y.sequence;
    }
  };
  std::vector<std::unique_ptr<RecordStream>> inputs_;
  std::vector<SortedRecord> heads_;
  std::priority_queue<std::size_t, std::vector<std::size_t>, Later> heap_{Later{&heads_}};
};

// The last chunk when it is the only one: no file at all.
class MemoryStream final : public RecordStream {
 public:
  MemoryStream(std::string chunk, std::vector<detail::ChunkEntry> entries)
      : chunk_(std::move(chunk)), entries_(std::move(entries)) {}
  bool next(SortedRecord& record) override {
    if (position_ == entries_.size()) return false;
    const detail::ChunkEntry& e = entries_[position_++];
    record.key.assign(chunk_, e.offset, e.key_size);
    record.payload.assign(chunk_, e.offset + e.key_size, e.payload_size);
    record.sequence = e.sequence;
    return true;
  }

 private:
  std::string chunk_;
  std::vector<detail::ChunkEntry> entries_;
  std::size_t position_ = 0;
};

std::filesystem::path defaultTempDir() {
  const char* tmpdir = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): read at start-up
  return tmpdir != nullptr && *tmpdir != '\0' ? std::filesystem::path(tmpdir)
                                              : std::filesystem::path("/tmp");
}

}  // namespace

ExternalSorter::ExternalSorter(SortOptions options) : options_(std::move(options)) {
  options_.fan_in = std::max<std::size_t>(options_.fan_in, 2);
  options_.run_bytes = std::max<std::size_t>(options_.run_bytes, 1);
  if (options_.temp_dir.empty()) options_.temp_dir = defaultTempDir();
}

ExternalSorter::~ExternalSorter() {
  if (directory_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::filesystem::path ExternalSorter::newRunPath() {
  if (directory_.empty()) {
    std::string pattern = (options_.temp_dir / "dotscan-diff-XXXXXX").string();
    errno = 0;
    if (::mkdtemp(pattern.data()) == nullptr) {
      fail("create a directory in", options_.temp_dir, errno != 0 ? errno : EIO);
    }
    directory_ = pattern;
  }
  ++runs_written_;
  return directory_ / ("run-" + std::to_string(runs_written_));
}

void ExternalSorter::add(std::string_view key, std::string_view payload) {
  if (!entries_.empty() && chunk_.size() + key.size() + payload.size() > options_.run_bytes) {
    spill();
  }
  if (chunk_.capacity() == 0) chunk_.reserve(std::min<std::size_t>(options_.run_bytes, 1U << 26U));
  entries_.push_back({chunk_.size(), static_cast<std::uint32_t>(key.size()),
                      static_cast<std::uint32_t>(payload.size()), sequence_++});
  chunk_.append(key);
  chunk_.append(payload);
}

void ExternalSorter::sortChunk() {
  const std::string_view chunk = chunk_;
  std::sort(entries_.begin(), entries_.end(), [chunk](const Entry& a, const Entry& b) {
    const std::string_view x = chunk.substr(a.offset, a.key_size);
    const std::string_view y = chunk.substr(b.offset, b.key_size);
    return x != y ? x < y : a.sequence < b.sequence;
  });
}

// Sorts the chunk and writes it as one run.
void ExternalSorter::spill() {
  sortChunk();
  const auto key = [this](const Entry& e) {
    return std::string_view(chunk_).substr(e.offset, e.key_size);
  };
  const std::filesystem::path path = newRunPath();
  RunWriter writer(path);
  for (const Entry& e : entries_) {
    writer.write(key(e), std::string_view(chunk_).substr(e.offset + e.key_size, e.payload_size),
                 e.sequence);
  }
  writer.close();
  runs_.push_back(path);
  chunk_.clear();
  entries_.clear();
}

std::unique_ptr<RecordStream> ExternalSorter::finish() {
  if (runs_.empty()) {
    // Everything fit in memory: sorted here, and no file is written.
    sortChunk();
    return std::make_unique<MemoryStream>(std::move(chunk_), std::move(entries_));
  }
  if (!entries_.empty()) spill();
  std::string().swap(chunk_);
  std::vector<Entry>().swap(entries_);
  // Merge passes until one merge of at most fan_in runs is left.
  while (runs_.size() > options_.fan_in) {
    std::vector<std::unique_ptr<RecordStream>> group;
    for (std::size_t i = 0; i < options_.fan_in; ++i) {
      group.push_back(std::make_unique<RunReader>(runs_[i]));
    }
    MergeStream merge(std::move(group));
    const std::filesystem::path path = newRunPath();
    RunWriter writer(path);
    SortedRecord record;
    while (merge.next(record)) writer.write(record.key, record.payload, record.sequence);
    writer.close();
    std::error_code ignored;
    for (std::size_t i = 0; i < options_.fan_in; ++i) std::filesystem::remove(runs_[i], ignored);
    runs_.erase(runs_.begin(), runs_.begin() + static_cast<std::ptrdiff_t>(options_.fan_in));
    runs_.push_back(path);
  }
  std::vector<std::unique_ptr<RecordStream>> inputs;
  for (const std::filesystem::path& run : runs_) inputs.push_back(std::make_unique<RunReader>(run));
  return std::make_unique<MergeStream>(std::move(inputs));
}

}  // namespace dotscan::diff
