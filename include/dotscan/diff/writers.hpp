// dotscan/diff/writers.hpp — the two outputs of `dotscan diff`: text for people, JSON Lines for
// programs (docs/diff.md documents both).
//
// Invariants: every string that came from a scan file (names, certificate issuers, outcomes,
// finding ids: all may hold what a server sent) is passed through report::terminalSafe in the
// text and written as escaped JSON in the JSON Lines, one line per record whatever its bytes.
// Write errors are dotscan::Error (RuntimeError), never silent. Neither owns its FILE*.
#pragma once

#include <cstdio>
#include <string>

#include "dotscan/diff/diff.hpp"

namespace dotscan::diff {

// One header line per scan, then per changed target its label and one line per change
// ("  SEVERITY  KIND  BEFORE -> AFTER"), then the counts.
class TextWriter final : public ChangeSink {
 public:
  explicit TextWriter(std::FILE* out) : out_(out) {}
  void begin(const ScanSide& old_side, const ScanSide& new_side) override;
  void target(const TargetState& target, const std::vector<Change>& changes) override;
  void finish(const DiffSummary& summary) override;

 private:
  void write(const std::string& text);
  std::FILE* out_;
};

// One "change" record per change, then one "diff" record with the scans and the counts.
class JsonWriter final : public ChangeSink {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}
  void begin(const ScanSide& /*old_side*/, const ScanSide& /*new_side*/) override {}
  void target(const TargetState& target, const std::vector<Change>& changes) override;
  void finish(const DiffSummary& summary) override;

 private:
  void write(std::string line);
  std::FILE* out_;
};

// The text of one change without severity and kind: "dot -> closed",
// "668acf2cdb2c3a01.. -> 0d1e2f.. (new key, same issuer, trusted)", "address-not-in-san (medium)".
// Escaped for a terminal.
std::string describe(const Change& change);

}  // namespace dotscan::diff
