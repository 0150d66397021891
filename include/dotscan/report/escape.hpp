// dotscan/report/escape.hpp — text from the network, made safe for each output format.
//
// Certificates, DNS answers and first bytes are attacker-controlled; names and command lines come
// from the user. Every writer passes such text through one of these functions, never raw.
// Invariants: terminalSafe's result is valid UTF-8 with no control character, no C1 control,
// no bidirectional or zero-width control and no non-character; xmlText's is also a valid XML 1.0
// attribute value or character data, and so also safe HTML text or quoted attribute value;
// markdownText's renders as the same text in CommonMark and GFM (no markup, no link, no
// raw HTML, no table cell break); csvField's is one RFC 4180 field that a spreadsheet takes
// as text, never as a formula.
#pragma once

#include <string>
#include <string_view>

namespace dotscan::report {

// Printable ASCII and well-formed UTF-8 pass; control characters, malformed bytes and deceptive
// code points become \xNN. Also used for error lines, which quote the command line and files.
std::string terminalSafe(std::string_view text);

// Entity-escapes & < > " ' and writes a newline or tab as a character reference (so that it
// survives inside an attribute). For text dotscan composed itself from terminalSafe parts; any
// other control character still comes out as \xNN.
std::string xmlEscape(std::string_view text);

// xmlEscape(terminalSafe(untrusted)): a newline from the network is the text \x0a, never a line.
std::string xmlText(std::string_view untrusted);

// Markdown (CommonMark, GFM) text: terminalSafe, then & < > " ' as entities, markup punctuation
// (\ ` * _ { } [ ] ( ) # ! | ~) and what starts an autolink ('@', the ':' of "://", the '.'
// of "www.") backslash-escaped. Safe inline
// anywhere, table cells included; not at the start of a line (list markers: write a prefix).
std::string markdownText(std::string_view untrusted);

// One CSV field (RFC 4180): terminalSafe, then a leading ' when the cell starts with = + - or @
// (a formula to a spreadsheet), then quoted, with " doubled, when it holds a comma or a quote.
std::string csvField(std::string_view untrusted);

}  // namespace dotscan::report
