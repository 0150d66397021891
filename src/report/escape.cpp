#include "dotscan/report/escape.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace dotscan::report {

namespace {

char asciiLowerChar(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

void appendHexByte(std::string& out, unsigned value) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  out += "\\x";
  out.push_back(kDigits[(value >> 4) & 0xf]);
  out.push_back(kDigits[value & 0xf]);
}

// Bidirectional and zero-width controls reorder or hide text on a terminal (CVE-2021-42574); the
// C1 controls are escape sequences to a terminal; U+FFFE and U+FFFF are not characters at all
// (XML 1.0 section 2.2 forbids them).
bool isDeceptive(std::uint32_t code) {
  return (code >= 0x80 && code <= 0x9f) || (code >= 0x200b && code <= 0x200f) ||
         (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) ||
         code == 0xfeff || code == 0xfffe || code == 0xffff;
}

// The length of the well-formed UTF-8 sequence at the start of `text` and its code point
// (RFC 3629 section 4: no overlong forms, no surrogates, nothing above U+10FFFF); 0 if malformed.
std::pair<std::size_t, std::uint32_t> decodeUtf8(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t code = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code = lead & 0x1fU, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code = lead & 0x0fU, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code = lead & 0x07U, minimum = 0x10000;
  } else {
    return {0, 0};
  }
  if (text.size() < length) return {0, 0};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0U) != 0x80) return {0, 0};
    code = (code << 6) | (byte(i) & 0x3fU);
  }
  if (code < minimum || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return {0, 0};
  return {length, code};
}

}  // namespace

std::string terminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const auto [length, code] =
        c >= 0x80 ? decodeUtf8(text.substr(i)) : std::pair<std::size_t, std::uint32_t>{0, 0};
    if (length == 0 || isDeceptive(code)) {
      const std::size_t bad = std::max<std::size_t>(length, 1);
      for (std::size_t k = 0; k < bad; ++k) {
        appendHexByte(out, static_cast<unsigned char>(text[i + k]));
      }
      i += bad;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      // Character references survive attribute-value normalisation (XML 1.0 section 3.3.3),
      // where a literal newline would become a blank.
      case '\n':
        out += "&#xa;";
        break;
      case '\t':
        out += "&#x9;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          appendHexByte(out, static_cast<unsigned char>(c));  // not a character of XML 1.0
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string xmlText(std::string_view untrusted) {
  return xmlEscape(terminalSafe(untrusted));
}

std::string csvField(std::string_view untrusted) {
  std::string cell = terminalSafe(untrusted);
  // A cell that starts like a formula is run by spreadsheets (CSV injection): a leading
  // apostrophe makes it text. terminalSafe has already turned tabs and CRs into \x09, \x0d.
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@')) {
    cell.insert(cell.begin(), '\'');
  }
  if (cell.find_first_of(",\"") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (const char c : cell) {
    if (c == '"') quoted.push_back('"');  // RFC 4180 section 2, rule 7
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string markdownText(std::string_view untrusted) {
  const std::string text = terminalSafe(untrusted);
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // Emphasis, code, links, images, headings, tables, strikethrough, and what starts a GFM
    // autolink: the '@' of an email address, the ':' of "scheme://", the '.' of "www.". A
    // backslash makes each one literal (CommonMark section 2.4 allows it before any ASCII
    // punctuation).
    const bool markup = std::string_view("\\`*_{}[]()#!|~@").find(c) != std::string_view::npos;
    const bool scheme = c == ':' && text.compare(i + 1, 2, "//") == 0;
    const bool www = c == '.' && i >= 3 && asciiLowerChar(text[i - 1]) == 'w' &&
                     asciiLowerChar(text[i - 2]) == 'w' && asciiLowerChar(text[i - 3]) == 'w';
    if (markup || scheme || www) out.push_back('\\');
    out.push_back(c);
  }
  // Then & < > " ' as entities, which CommonMark decodes as text: no raw HTML.
  return xmlEscape(out);
}

}  // namespace dotscan::report
