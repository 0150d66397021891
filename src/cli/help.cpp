#include "dotscan/cli/help.hpp"

#include <algorithm>
#include <sstream>

#include "dotscan/cli/subcommands.hpp"
#include "dotscan/util/error.hpp"

namespace dotscan::cli {

namespace {

// The option names start in column 3; descriptions in column kTextColumn + 1, or on the next line
// when the names are wider than the gap.

struct Example {
  std::string_view command;
  std::string_view meaning;
};

const std::vector<Example>& examples() {
  static const std::vector<Example> list = {
      {"dotscan -oJ scan.jsonl 192.0.2.0/24", "Scan a /24 on port 853, JSON Lines to scan.jsonl"},
      {"dotscan -sL --seed 7 -p 443,853 192.0.2.0/30",
       "List the targets in scan order; send nothing"},
      {"dotscan --ca-file ca.crt --policy policy.json --fail-on high -iL servers.txt",
       "Audit known servers against a policy; exit 1 on a high finding"},
      {"dotscan -sS --rate 10000 -oA scan 198.51.100.0/22",
       "SYN discovery (root or CAP_NET_RAW), then TLS; writes scan.nmap, .xml, .gnmap, .jsonl"},
      {"dotscan --resume scan.jsonl", "Continue an interrupted scan from its -oJ output"},
  };
  return list;
}

std::string namesOf(const HelpOption& option) {
  std::string names;
  for (const std::string& name : option.names) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// The text, with the default when the text does not already state one.
std::string describe(const HelpOption& option) {
  if (option.default_value.empty() || option.text.find("default") != std::string::npos) {
    return option.text;
  }
  return option.text + " (default: " + option.default_value + ")";
}

// roff: a backslash is \e, a hyphen a minus (option names stay searchable and copyable), and a
// line that would start with a control character is protected by \&.
std::string roff(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

// Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one edit.
std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

// Words of `text` in lines of at most `width` characters (a longer word gets a line of its own).
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

void putColumns(std::ostream& out, const std::string& label, std::string_view text,
                std::size_t indent, std::size_t column) {
  const std::vector<std::string> lines = wrap(text, kHelpColumns - column);
  const std::string head = std::string(indent, ' ') + label;
  std::size_t first = 0;
  if (label.empty()) {
    // The text alone, at the column.
  } else if (head.size() + 1 > column || lines.empty()) {
    out << head << "\n";
  } else {
    out << head << std::string(column - head.size(), ' ') << lines[0] << "\n";
    first = 1;
  }
  for (std::size_t i = first; i < lines.size(); ++i) {
    out << std::string(column, ' ') << lines[i] << "\n";
  }
}

const std::vector<ExitCodeHelp>& exitCodeHelp() {
  static const std::vector<ExitCodeHelp> codes = {
      {static_cast<int>(ExitCode::Ok), "success"},
      {static_cast<int>(ExitCode::Findings),
       "a finding at or above --fail-on LEVEL (only when --fail-on is given)"},
      {static_cast<int>(ExitCode::UsageError),
       "usage or input error: bad option, target, port or file, an output that cannot be "
       "opened, no targets left"},
      {static_cast<int>(ExitCode::RuntimeError),
       "runtime error: an output could not be written, no file descriptor left, internal error "
       "(a closed pipe on stdout is no error)"},
      {static_cast<int>(ExitCode::Interrupted),
       "interrupted by SIGINT or SIGTERM; the output files are complete"},
  };
  return codes;
}

std::string helpText(const HelpPage& page) {
  std::ostringstream out;
  std::istringstream paragraphs(page.description);
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    for (const std::string& line : wrap(paragraph, kHelpColumns)) out << line << "\n";
  }
  out << "\nUsage: dotscan [OPTIONS] [TARGETS...]\n";
  if (!subcommands().empty()) {
    out << "       dotscan COMMAND [ARGUMENTS...]\n\nCommands (on saved results):\n";
    for (const Subcommand& command : subcommands()) {
      putColumns(out, std::string(command.name), std::string(command.summary), 2, kTextColumn);
    }
  }
  for (const HelpGroup& group : page.groups) {
    out << "\n" << group.name << ":\n";
    for (const HelpOption& option : group.options) {
      std::string label = namesOf(option);
      if (!option.argument.empty()) label += " " + option.argument;
      putColumns(out, label, describe(option), 2, kTextColumn);
    }
  }
  out << "\nExamples:\n";
  for (const Example& example : examples()) {
    out << "  " << example.command << "\n";
    putColumns(out, "", example.meaning, 6, 6);
  }
  out << "\nExit codes:\n";
  for (const ExitCodeHelp& code : exitCodeHelp()) {
    putColumns(out, std::to_string(code.code), code.meaning, 2, 8);
  }
  out << "\nREADME.md and docs/ explain the target syntax, the outputs, the audit and the "
         "timing.\n";
  return out.str();
}

std::string manPage(const HelpPage& page) {
  std::ostringstream out;
  out << ".\\\" Generated by dotscan --help-man from its option table: do not edit.\n"
      << R"(.TH DOTSCAN 1 "" "dotscan )" << page.version << R"(" "User Commands")"
      << "\n"
      << ".SH NAME\n"
      << "dotscan \\- scan for DNS over TLS servers and audit their certificates\n"
      << ".SH SYNOPSIS\n"
      << ".B dotscan\n"
      << "[\\fIOPTIONS\\fR] [\\fITARGETS\\fR...]\n";
  if (!subcommands().empty()) {
    out << ".br\n.B dotscan\n\\fICOMMAND\\fR [\\fIARGUMENTS\\fR...]\n";
  }
  out << ".SH DESCRIPTION\n";
  std::istringstream paragraphs(page.description);
  bool first = true;
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    if (!first) out << ".PP\n";
    first = false;
    out << roff(paragraph) << "\n";
  }
  if (!subcommands().empty()) {
    out << ".SH COMMANDS\n";
    for (const Subcommand& command : subcommands()) {
      out << ".TP\n\\fB" << roff(std::string(command.name)) << "\\fR\n"
          << roff(std::string(command.summary)) << "\n";
    }
  }
  for (const HelpGroup& group : page.groups) {
    out << ".SH " << upper(group.name) << "\n";
    for (const HelpOption& option : group.options) {
      out << ".TP\n";
      std::string tag;
      for (const std::string& name : option.names) {
        tag += (tag.empty() ? "" : ", ") + std::string("\\fB") + roff(name) + "\\fR";
      }
      if (!option.argument.empty()) tag += " \\fI" + roff(option.argument) + "\\fR";
      out << tag << "\n" << roff(describe(option)) << "\n";
    }
  }
  out << ".SH \"EXIT STATUS\"\n";
  for (const ExitCodeHelp& code : exitCodeHelp()) {
    out << ".TP\n.B " << code.code << "\n" << roff(code.meaning) << "\n";
  }
  out << ".SH EXAMPLES\n";
  for (const Example& example : examples()) {
    out << roff(example.meaning) << ":\n.PP\n.RS\n.nf\n"
        << roff(example.command) << "\n.fi\n.RE\n.PP\n";
  }
  out << ".SH \"SEE ALSO\"\n"
      << ".BR nmap (1),\n.BR kdig (1),\n.BR openssl (1);\n"
      << "README.md and docs/ in the documentation directory "
      << "(/usr/share/doc/dotscan in a default installation)\n";
  return out.str();
}

std::string bashCompletion(const HelpPage& page) {
  std::vector<std::string> all;
  std::vector<std::string> files;
  std::vector<std::string> directories;
  std::vector<std::string> values;  // any other option that takes a value: nothing to offer
  std::ostringstream choices;
  for (const HelpGroup& group : page.groups) {
    for (const HelpOption& option : group.options) {
      std::vector<std::string> names;
      for (const std::string& name : option.names) {
        if (name.starts_with("-")) names.push_back(name);
      }
      all.insert(all.end(), names.begin(), names.end());
      if (option.argument.empty() || names.empty()) continue;
      std::string joined;
      for (const std::string& name : names) joined += (joined.empty() ? "" : "|") + name;
      if (!option.choices.empty()) {
        std::string words;
        for (const std::string& choice : option.choices) {
          words += (words.empty() ? "" : " ") + choice;
        }
        choices << "    " << joined << ")\n      mapfile -t COMPREPLY < <(compgen -W '" << words
                << "' -- \"$cur\")\n      return ;;\n";
      } else if (option.argument == "FILE" || option.argument == "BASE") {
        files.push_back(joined);
      } else if (option.argument == "DIR") {
        directories.push_back(joined);
      } else {
        values.push_back(joined);
      }
    }
  }
  const auto alternatives = [](const std::vector<std::string>& list) {
    std::string text;
    for (const std::string& item : list) text += (text.empty() ? "" : "|") + item;
    return text;
  };
  std::string words;
  for (const std::string& name : all) words += (words.empty() ? "" : " ") + name;
  std::string commands;      // "diff merge report"
  std::string command_case;  // "diff|merge|report"
  for (const Subcommand& command : subcommands()) {
    commands += (commands.empty() ? "" : " ") + std::string(command.name);
    command_case += (command_case.empty() ? "" : "|") + std::string(command.name);
  }
  std::ostringstream out;
  out << "# bash completion for dotscan " << page.version
      << " (generated by dotscan --help-bash-completion)\n"
      << "_dotscan() {\n"
      << "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n";
  if (!commands.empty()) {
    // The commands on saved results: offered as the first word (beside targets, which the
    // default completion leaves to the user); after one, its files.
    out << "  if ((COMP_CWORD == 1)) && [[ $cur != -* ]]; then\n"
        << "    mapfile -t COMPREPLY < <(compgen -W '" << commands << "' -- \"$cur\")\n"
        << "    return\n"
        << "  fi\n"
        << "  case ${COMP_WORDS[1]} in\n"
        << "    " << command_case
        << ")\n      [[ $cur == -* ]] || mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
        << "      return ;;\n"
        << "  esac\n";
  }
  out << "  case $prev in\n" << choices.str();
  if (!files.empty()) {
    out << "    " << alternatives(files)
        << ")\n      mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n      return ;;\n";
  }
  if (!directories.empty()) {
    out << "    " << alternatives(directories)
        << ")\n      mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n      return ;;\n";
  }
  if (!values.empty()) out << "    " << alternatives(values) << ")\n      return ;;\n";
  out << "  esac\n"
      << "  if [[ $cur == -* ]]; then\n"
      << "    mapfile -t COMPREPLY < <(compgen -W '" << words << "' -- \"$cur\")\n"
      << "  fi\n"
      << "}\n"
      << "complete -o default -F _dotscan dotscan\n";
  return out.str();
}

std::optional<std::string> nearestOption(std::string_view given,
                                         const std::vector<std::string>& names) {
  given = given.substr(0, given.find('='));
  // Past about a third of the word, a "suggestion" is a guess.
  const std::size_t letters =
      given.size() - std::min<std::size_t>(given.find_first_not_of('-'), given.size());
  const std::size_t limit = std::min<std::size_t>(letters / 3, 3);  // "-x": no guess at all
  std::optional<std::string> best;
  if (limit == 0) return best;
  std::size_t best_distance = limit + 1;
  for (const std::string& name : names) {
    const std::size_t distance = editDistance(given, name);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace dotscan::cli
