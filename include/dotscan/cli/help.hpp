// dotscan/cli/help.hpp — the option table as text: --help, the man page, bash completion, and the
// nearest option name for a misspelt one.
//
// One HelpPage, built from the parser's own option list (cli/options.cpp), feeds every renderer, so
// --help, dotscan.1 and the completion cannot disagree. Renderers are pure functions of the page:
// --help keeps every line within kHelpColumns; the man page is roff for groff's man macros.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dotscan::cli {

inline constexpr std::size_t kHelpColumns = 100;
inline constexpr std::size_t kTextColumn = 31;  // where --help's option texts start

// Words of `text` in lines of at most `width` characters (a longer word gets a line of its own).
std::vector<std::string> wrap(std::string_view text, std::size_t width);

// `label` indented by `indent`, then `text` from `column` on, wrapped to kHelpColumns; a label
// too long for its column gets a line of its own.
void putColumns(std::ostream& out, const std::string& label, std::string_view text,
                std::size_t indent, std::size_t column);

struct HelpOption {
  std::vector<std::string> names;    // "-iL", "--input-list"; a positional: "TARGETS..."
  std::string argument;              // "FILE", "TIME"; empty for a flag
  std::string text;                  // what it does, one paragraph
  std::string default_value;         // shown as "(default: X)" when the text does not say it
  std::vector<std::string> choices;  // the values completion offers (-T, --fail-on, --tls-min)
};

struct HelpGroup {
  std::string name;  // "Targets", "Discovery", ...
  std::vector<HelpOption> options;
};

struct HelpPage {
  std::string version;      // "0.1.0"
  std::string description;  // paragraphs separated by "\n"
  std::vector<HelpGroup> groups;
};

struct ExitCodeHelp {
  int code;
  std::string_view meaning;
};
// The exit codes, as README.md's table states them (and util/error.hpp's ExitCode defines).
const std::vector<ExitCodeHelp>& exitCodeHelp();

// --help: usage, the groups, a few examples and the exit codes; no line over kHelpColumns.
std::string helpText(const HelpPage& page);
// --help-man: dotscan.1 (NAME, SYNOPSIS, DESCRIPTION, one section per group, EXIT STATUS,
// EXAMPLES, SEE ALSO).
std::string manPage(const HelpPage& page);
// --help-bash-completion: a script for bash-completion that defines `complete -F ... dotscan`.
std::string bashCompletion(const HelpPage& page);

// The name in `names` nearest to `given` (an argument as typed: "--rat", "--rat=5"), by edit
// distance with transpositions; nullopt when none is close enough to be a likely typo.
std::optional<std::string> nearestOption(std::string_view given,
                                         const std::vector<std::string>& names);

}  // namespace dotscan::cli
