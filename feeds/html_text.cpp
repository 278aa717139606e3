#include "feeds/html_text.hpp"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/strings.hpp"
#include "feeds/paragraph_writer.hpp"

namespace newsmon::feeds::detail {
namespace {

bool is_dropped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
      return true;
    default:
      return false;
  }
}

bool is_block(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_LISTING:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_XMP:
      return true;
    default:
      return false;
  }
}

struct GumboOutputDeleter {
  void operator()(GumboOutput* output) const {
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
};

// Walks the tree without recursion: hostile input can nest deeply.
void write_tree(const GumboNode* root, ParagraphWriter& writer, bool one_line) {
  struct Frame {
    const GumboNode* node;
    unsigned next_child;
  };
  std::vector<Frame> stack;
  stack.push_back({root, 0});
  while (!stack.empty()) {
    Frame& frame = stack.back();
    const GumboNode* node = frame.node;
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT &&
        node->type != GUMBO_NODE_TEMPLATE) {
      if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
          node->type == GUMBO_NODE_CDATA) {
        writer.text(node->v.text.text);
      }
      stack.pop_back();
      continue;
    }
    const GumboVector& children =
        node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
    const GumboTag tag = node->type == GUMBO_NODE_DOCUMENT ? GUMBO_TAG_HTML : node->v.element.tag;
    if (frame.next_child == 0) {
      if (node->type != GUMBO_NODE_DOCUMENT && is_dropped(tag)) {
        stack.pop_back();
        continue;
      }
      if (is_block(tag)) {
        one_line ? writer.space() : writer.paragraph_break();
      } else if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
        writer.space();
      }
    }
    if (frame.next_child < children.length) {
      const auto* child = static_cast<const GumboNode*>(children.data[frame.next_child]);
      ++frame.next_child;
      stack.push_back({child, 0});  // invalidates `frame`; not used after this
      continue;
    }
    if (is_block(tag)) {
      one_line ? writer.space() : writer.paragraph_break();
    } else if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
      writer.space();
    }
    stack.pop_back();
  }
}

std::string convert_html(std::string_view html, bool one_line) {
  GumboOptions options = kGumboDefaultOptions;
  options.fragment_context = GUMBO_TAG_DIV;
  options.max_errors = 0;
  std::unique_ptr<GumboOutput, GumboOutputDeleter> output(
      gumbo_parse_with_options(&options, html.data(), html.size()));
  ParagraphWriter writer;
  if (output) {
    write_tree(output->document, writer, one_line);
  }
  return writer.take();
}

// ------------------------------------------------------------- fast path --

struct NamedReference {
  std::string_view name;
  std::string_view utf8;
};

constexpr NamedReference k_named_references[] = {
#include "feeds/html_entities.inc"
};

const NamedReference* find_reference(std::string_view name) {
  const auto* begin = std::begin(k_named_references);
  const auto* end = std::end(k_named_references);
  const auto* it = std::lower_bound(begin, end, name, [](const NamedReference& ref, std::string_view key) {
    return ref.name < key;
  });
  return (it != end && it->name == name) ? it : nullptr;
}

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || (c >= '0' && c <= '9'); }
bool is_tag_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// What the fast path needs from its input: valid UTF-8 without NUL. C0/C1
// controls (other than tab, newlines, form feed) and noncharacters are
// replaced by U+FFFD before tokenizing, as gumbo does.
enum class InputCheck { plain, replace, decline };

InputCheck check_input(std::string_view s) {
  InputCheck verdict = InputCheck::plain;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Eight printable ASCII bytes at a time: no high bit, none below 0x20, no DEL.
    if (i + 8 <= n) {
      std::uint64_t word = 0;
      std::memcpy(&word, p + i, 8);
      constexpr std::uint64_t k_ones = 0x0101010101010101ULL;
      constexpr std::uint64_t k_highs = 0x8080808080808080ULL;
      const std::uint64_t below_space = (word - k_ones * 0x20) & ~word & k_highs;
      const std::uint64_t del = ((word ^ (k_ones * 0x7F)) - k_ones) & ~(word ^ (k_ones * 0x7F)) & k_highs;
      if (((word & k_highs) | below_space | del) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c == 0) {
        return InputCheck::decline;
      }
      if (c != '\t' && c != '\n' && c != '\r' && c != '\f') {
        verdict = InputCheck::replace;
      }
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80) {
        return InputCheck::decline;
      }
      if (c == 0xC2 && p[i + 1] < 0xA0) {
        verdict = InputCheck::replace;
      }
      i += 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      if (i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) {
        return InputCheck::decline;
      }
      const unsigned cp = ((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
      if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return InputCheck::decline;
      }
      if ((cp >= 0xFDD0 && cp <= 0xFDEF) || cp == 0xFFFE || cp == 0xFFFF) {
        verdict = InputCheck::replace;
      }
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      if (i + 3 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 ||
          (p[i + 3] & 0xC0) != 0x80) {
        return InputCheck::decline;
      }
      const unsigned cp = ((c & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) |
                          ((p[i + 2] & 0x3Fu) << 6) | (p[i + 3] & 0x3Fu);
      if (cp < 0x10000 || cp > 0x10FFFF) {
        return InputCheck::decline;
      }
      if ((cp & 0xFFFE) == 0xFFFE) {
        verdict = InputCheck::replace;
      }
      i += 4;
    } else {
      return InputCheck::decline;
    }
  }
  return verdict;
}

// The input with every control and noncharacter (as check_input finds them)
// replaced by U+FFFD; the input must be valid UTF-8 without NUL.
std::string replace_invalid_code_points(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = p[i];
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned cp = c;
    if (len == 2) {
      cp = ((c & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
    } else if (len == 3) {
      cp = ((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
    } else if (len == 4) {
      cp = ((c & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) |
           (p[i + 3] & 0x3Fu);
    }
    const bool invalid = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\f') ||
                         (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xFDD0 && cp <= 0xFDEF) ||
                         (cp & 0xFFFE) == 0xFFFE;
    if (invalid) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

// HTML5's remapping of numeric references 0x80..0x9F (windows-1252).
constexpr std::array<unsigned, 32> k_c1_replacements = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

enum class RefResult { decoded, literal, decline };

// A character reference at s[i] == '&' in text. On `decoded`, `out` holds
// the characters and `i` is past the reference; on `literal`, the '&' is text.
RefResult read_reference(std::string_view s, std::size_t& i, std::string& out) {
  std::size_t p = i + 1;
  if (p < s.size() && s[p] == '#') {
    ++p;
    const bool hex = p < s.size() && (s[p] == 'x' || s[p] == 'X');
    if (hex) {
      ++p;
    }
    unsigned value = 0;
    std::size_t digits = 0;
    while (p < s.size()) {
      const char c = s[p];
      unsigned d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<unsigned>(c - '0');
      } else if (hex && c >= 'a' && c <= 'f') {
        d = static_cast<unsigned>(c - 'a' + 10);
      } else if (hex && c >= 'A' && c <= 'F') {
        d = static_cast<unsigned>(c - 'A' + 10);
      } else {
        break;
      }
      value = std::min(value * (hex ? 16u : 10u) + d, 0x110000u);
      ++digits;
      ++p;
    }
    if (digits == 0) {
      return RefResult::literal;
    }
    if (p < s.size() && s[p] == ';') {
      ++p;
    }
    if (value >= 0x80 && value <= 0x9F) {
      value = k_c1_replacements[value - 0x80];
    }
    // Zero, surrogates, out of range, controls, noncharacters: parsers
    // differ in what they print; gumbo decides.
    if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF) ||
        (value < 0x20 && value != '\t' && value != '\n' && value != '\f') ||
        (value >= 0x7F && value <= 0x9F) || (value >= 0xFDD0 && value <= 0xFDEF) ||
        (value & 0xFFFE) == 0xFFFE) {
      return RefResult::decline;
    }
    out.clear();
    append_utf8(out, value);
    i = p;
    return RefResult::decoded;
  }
  // Named: the longest name in the table that the text starts with.
  std::size_t end = p;
  while (end < s.size() && end - p < 32 && is_ascii_alnum(s[end])) {
    ++end;
  }
  if (end == p) {
    return RefResult::literal;
  }
  const bool semicolon = end < s.size() && s[end] == ';';
  for (std::size_t len = end - p + (semicolon ? 1 : 0); len > 0; --len) {
    if (const NamedReference* ref = find_reference(s.substr(p, len))) {
      out.assign(ref->utf8);
      i = p + len;
      return RefResult::decoded;
    }
  }
  return RefResult::literal;
}

bool is_void(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BR: case GUMBO_TAG_COL:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_HR: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT:
    case GUMBO_TAG_LINK: case GUMBO_TAG_META: case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK: case GUMBO_TAG_WBR: case GUMBO_TAG_KEYGEN: case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND: case GUMBO_TAG_IMAGE:
      return true;
    default:
      return false;
  }
}

// Elements whose handling depends on more of tree construction than the
// fast path keeps (scopes, insertion modes, foreign content, raw text).
bool needs_full_parser(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_SELECT:
    case GUMBO_TAG_XMP: case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_FRAME: case GUMBO_TAG_COLGROUP: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_APPLET: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_FORM: case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_ISINDEX: case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_RB:
    case GUMBO_TAG_RP: case GUMBO_TAG_RT: case GUMBO_TAG_RTC: case GUMBO_TAG_MENUITEM:
    case GUMBO_TAG_NOBR:
      return true;
    default:
      return false;
  }
}

// Table structure that holds no text of its own: text or other elements
// there are "foster parented" before the table, which gumbo does.
bool is_table_structure(GumboTag tag) {
  return tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_THEAD ||
         tag == GUMBO_TAG_TFOOT || tag == GUMBO_TAG_TR;
}

bool is_table_tag(GumboTag tag) {
  return is_table_structure(tag) || tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH ||
         tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_COL;
}

// Elements that bound "has an element in scope" (of those the fast path keeps).
bool is_scope_boundary(GumboTag tag) {
  return tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH ||
         tag == GUMBO_TAG_CAPTION;
}

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

bool is_heading(GumboTag tag) {
  return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 ||
         tag == GUMBO_TAG_H4 || tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

// Start tags that close an open <p> (HTML5 "in body": "if the stack of open
// elements has a p element in button scope, close a p element").
bool closes_p(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_CENTER: case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIR: case GUMBO_TAG_DIV: case GUMBO_TAG_DL:
    case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MENU: case GUMBO_TAG_NAV: case GUMBO_TAG_OL: case GUMBO_TAG_P:
    case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_UL: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
    case GUMBO_TAG_PRE: case GUMBO_TAG_LISTING: case GUMBO_TAG_HR:
      return true;
    default:
      return false;
  }
}

// Elements HTML5 does not count as "special": the inline ones (ordinary or
// formatting) and a few odd ones (legend, map, MathML names outside MathML).
// Their end tags close them through "any other end tag", which walks past
// them and stops at a special element.
bool is_phrasing(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_B: case GUMBO_TAG_BIG: case GUMBO_TAG_CODE: case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT: case GUMBO_TAG_I: case GUMBO_TAG_S: case GUMBO_TAG_SMALL:
    case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG: case GUMBO_TAG_TT: case GUMBO_TAG_U:
    case GUMBO_TAG_SPAN: case GUMBO_TAG_ABBR: case GUMBO_TAG_CITE: case GUMBO_TAG_DFN:
    case GUMBO_TAG_KBD: case GUMBO_TAG_Q: case GUMBO_TAG_SAMP: case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP: case GUMBO_TAG_TIME: case GUMBO_TAG_VAR: case GUMBO_TAG_MARK:
    case GUMBO_TAG_INS: case GUMBO_TAG_DEL: case GUMBO_TAG_BDI: case GUMBO_TAG_BDO:
    case GUMBO_TAG_DATA: case GUMBO_TAG_LABEL: case GUMBO_TAG_OUTPUT: case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO: case GUMBO_TAG_CANVAS: case GUMBO_TAG_RUBY: case GUMBO_TAG_A:
    case GUMBO_TAG_IMG: case GUMBO_TAG_NOBR: case GUMBO_TAG_MAP: case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_DATALIST: case GUMBO_TAG_PROGRESS: case GUMBO_TAG_METER:
    case GUMBO_TAG_ACRONYM: case GUMBO_TAG_NEXTID: case GUMBO_TAG_BLINK: case GUMBO_TAG_MULTICOL:
    case GUMBO_TAG_SPACER: case GUMBO_TAG_MI: case GUMBO_TAG_MO: case GUMBO_TAG_MN:
    case GUMBO_TAG_MS: case GUMBO_TAG_MTEXT: case GUMBO_TAG_MGLYPH: case GUMBO_TAG_MALIGNMARK:
    case GUMBO_TAG_ANNOTATION_XML: case GUMBO_TAG_FOREIGNOBJECT: case GUMBO_TAG_DESC:
    case GUMBO_TAG_UNKNOWN:  // custom elements are ordinary inline elements
      return true;
    default:
      return false;
  }
}

bool is_formatting(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_B: case GUMBO_TAG_BIG: case GUMBO_TAG_CODE: case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT: case GUMBO_TAG_I: case GUMBO_TAG_S: case GUMBO_TAG_SMALL:
    case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG: case GUMBO_TAG_TT: case GUMBO_TAG_U:
    case GUMBO_TAG_A: case GUMBO_TAG_NOBR:
      return true;
    default:
      return false;
  }
}

struct Tag {
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  bool end = false;
  std::size_t next = 0;  // just past '>'
};

// Reads a tag at s[i] == '<' (followed by a letter, or '/' and a letter).
// nullopt: the tag runs to the end of input.
std::optional<Tag> read_tag(std::string_view s, std::size_t i) {
  Tag tag;
  std::size_t p = i + 1;
  if (s[p] == '/') {
    tag.end = true;
    ++p;
  }
  const std::size_t name_start = p;
  while (p < s.size() && !is_tag_space(s[p]) && s[p] != '/' && s[p] != '>') {
    ++p;
  }
  const std::size_t name_length = p - name_start;
  std::array<char, 16> lowered{};
  if (name_length < lowered.size()) {
    for (std::size_t k = 0; k < name_length; ++k) {
      const char c = s[name_start + k];
      lowered[k] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    tag.tag = gumbo_tagn_enum(lowered.data(), static_cast<unsigned>(name_length));
  }
  // Attributes: names, then optional = and a quoted or unquoted value.
  while (p < s.size()) {
    const char c = s[p];
    if (c == '>') {
      tag.next = p + 1;
      return tag;
    }
    if (is_tag_space(c) || c == '/') {
      ++p;
      continue;
    }
    ++p;  // the first character of a name may be anything, even '='
    while (p < s.size() && !is_tag_space(s[p]) && s[p] != '/' && s[p] != '>' && s[p] != '=') {
      ++p;
    }
    while (p < s.size() && is_tag_space(s[p])) {
      ++p;
    }
    if (p < s.size() && s[p] == '=') {
      ++p;
      while (p < s.size() && is_tag_space(s[p])) {
        ++p;
      }
      if (p < s.size() && (s[p] == '"' || s[p] == '\'')) {
        const auto close = s.find(s[p], p + 1);
        if (close == std::string_view::npos) {
          return std::nullopt;
        }
        p = close + 1;
      } else {
        while (p < s.size() && !is_tag_space(s[p]) && s[p] != '>') {
          ++p;
        }
      }
    }
  }
  return std::nullopt;
}

// Past the end tag of a raw-text element (script, style, iframe, and the
// RCDATA title and textarea, all dropped); the end of input when unclosed,
// the rest being raw text; nullopt when script escapes make it unclear.
std::optional<std::size_t> skip_raw_text(std::string_view s, std::size_t from, std::string_view name,
                                         bool script) {
  std::size_t p = from;
  while (true) {
    const auto lt = s.find("</", p);
    if (lt == std::string_view::npos) {
      break;
    }
    bool match = lt + 2 + name.size() < s.size();
    for (std::size_t k = 0; match && k < name.size(); ++k) {
      const char c = s[lt + 2 + k];
      match = ((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c) == name[k];
    }
    if (match) {
      const char after = s[lt + 2 + name.size()];
      if (is_tag_space(after) || after == '/' || after == '>') {
        // Script data has escape states after "<!--"; not worth mirroring.
        if (script && s.substr(from, lt - from).find("<!--") != std::string_view::npos) {
          return std::nullopt;
        }
        auto end_tag = read_tag(s, lt);
        return end_tag ? end_tag->next : s.size();
      }
    }
    p = lt + 2;
  }
  if (script && s.substr(from).find("<!--") != std::string_view::npos) {
    return std::nullopt;
  }
  return s.size();
}

// Dropped elements whose content the tokenizer reads as raw text.
std::string_view raw_text_name(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT: return "script";
    case GUMBO_TAG_STYLE: return "style";
    case GUMBO_TAG_IFRAME: return "iframe";
    case GUMBO_TAG_TITLE: return "title";
    case GUMBO_TAG_TEXTAREA: return "textarea";
    default: return {};
  }
}

class FastConverter {
 public:
  FastConverter(std::string_view html, bool one_line) : m_html(html), m_one_line(one_line) {}

  std::optional<std::string> run() {
    const std::string_view s = m_html;
    std::size_t i = 0;
    std::size_t text_start = 0;
    std::string decoded;
    m_writer.reserve(s.size());
    std::size_t next_lt = find_byte(s, '<', 0);
    std::size_t next_amp = find_byte(s, '&', 0);
    while (i < s.size()) {
      // The next '<' or '&', each found with memchr and remembered.
      if (next_lt < i) {
        next_lt = find_byte(s, '<', i);
      }
      if (next_amp < i) {
        next_amp = find_byte(s, '&', i);
      }
      i = std::min(next_lt, next_amp);
      if (i >= s.size()) {
        break;
      }
      const char c = s[i];
      if (!emit_text(s.substr(text_start, i - text_start))) {
        return std::nullopt;
      }
      if (c == '&') {
        switch (read_reference(s, i, decoded)) {
          case RefResult::decoded:
            if (!emit_text(decoded)) {
              return std::nullopt;
            }
            break;
          case RefResult::literal:
            if (!emit_text("&")) {
              return std::nullopt;
            }
            ++i;
            break;
          case RefResult::decline:
            return std::nullopt;
        }
        text_start = i;
        continue;
      }
      const char next = i + 1 < s.size() ? s[i + 1] : '\0';
      if (next == '!' || next == '?') {
        const std::size_t after = skip_comment(s, i);
        if (after == std::string_view::npos) {
          return std::nullopt;
        }
        i = text_start = after;
        continue;
      }
      if (next == '/' && i + 2 < s.size() && s[i + 2] == '>') {
        i = text_start = i + 3;  // "</>" is dropped
        continue;
      }
      const bool tag_like = is_ascii_alpha(next) || (next == '/' && i + 2 < s.size() && is_ascii_alpha(s[i + 2]));
      if (!tag_like) {
        if (next == '/') {
          // HTML5's end tag open state: "</" at the end of input is text;
          // "</" and anything but a letter opens a bogus comment, which
          // ends at the next '>' (truncated feed texts end so).
          if (i + 2 == s.size()) {
            if (!emit_text("</")) {
              return std::nullopt;
            }
            i = text_start = s.size();
            continue;
          }
          const auto close = s.find('>', i + 2);
          if (close == std::string_view::npos) {
            return std::nullopt;  // unterminated, like other comments: gumbo decides
          }
          i = text_start = close + 1;
          continue;
        }
        if (!emit_text("<")) {
          return std::nullopt;
        }
        i = text_start = i + 1;
        continue;
      }
      const auto tag = read_tag(s, i);
      if (!tag) {
        // A tag cut off by the end of input is dropped (HTML5 "EOF in tag").
        return m_writer.take();
      }
      if (needs_full_parser(tag->tag)) {
        return std::nullopt;
      }
      i = text_start = tag->next;
      if (tag->end) {
        if ((in_table_context() && !is_table_tag(tag->tag)) || !end_tag(tag->tag) ||
            m_reopen_pending) {
          return std::nullopt;
        }
        continue;
      }
      if (in_table_context() && !is_table_tag(tag->tag)) {
        return std::nullopt;  // foster parenting
      }
      if (const std::string_view name = raw_text_name(tag->tag); !name.empty()) {
        const auto after = skip_raw_text(s, i, name, tag->tag == GUMBO_TAG_SCRIPT);
        if (!after) {
          return std::nullopt;
        }
        i = text_start = *after;
        continue;
      }
      if (tag->tag == GUMBO_TAG_HTML || tag->tag == GUMBO_TAG_HEAD || tag->tag == GUMBO_TAG_BODY) {
        continue;  // whole documents pasted into a feed: these tags are ignored in a fragment
      }
      if (!start_tag(tag->tag) || m_reopen_pending) {
        return std::nullopt;
      }
    }
    if (!emit_text(s.substr(text_start))) {
      return std::nullopt;
    }
    return m_writer.take();
  }

 private:
  void boundary() { m_one_line ? m_writer.space() : m_writer.paragraph_break(); }

  static std::size_t find_byte(std::string_view s, char byte, std::size_t from) {
    const void* found = std::memchr(s.data() + from, byte, s.size() - from);
    return found == nullptr ? s.size() : static_cast<std::size_t>(static_cast<const char*>(found) - s.data());
  }

  // Comments, "<!...>" and "<?...>" bogus comments; npos when unterminated
  // or a DOCTYPE (ignored in a fragment; rare).
  static std::size_t skip_comment(std::string_view s, std::size_t i) {
    if (s.compare(i, 4, "<!--") == 0) {
      const std::size_t body = i + 4;
      if (s.compare(body, 1, ">") == 0) {
        return body + 1;
      }
      if (s.compare(body, 2, "->") == 0) {
        return body + 2;
      }
      const auto close = s.find("--", body);
      for (auto at = close; at != std::string_view::npos; at = s.find("--", at + 1)) {
        if (s.compare(at, 3, "-->") == 0) {
          return at + 3;
        }
        if (s.compare(at, 4, "--!>") == 0) {
          return at + 4;
        }
      }
      return std::string_view::npos;
    }
    if (s.size() - i >= 9) {
      std::string head(s.substr(i + 2, 7));
      std::transform(head.begin(), head.end(), head.begin(),
                     [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; });
      if (head == "DOCTYPE") {
        return std::string_view::npos;
      }
    }
    const auto close = s.find('>', i + 2);
    return close == std::string_view::npos ? close : close + 1;
  }

  bool in_table_context() const { return !m_open.empty() && is_table_structure(m_open.back()); }

  // Text where the table structure is open (not in a cell) is moved before
  // the table by HTML5; only whitespace stays.
  bool emit_text(std::string_view text) {
    if (in_table_context() && !std::all_of(text.begin(), text.end(), is_html_space)) {
      return false;
    }
    m_writer.text(text);
    return true;
  }

  bool in_stack(GumboTag tag) const {
    return std::find(m_open.begin(), m_open.end(), tag) != m_open.end();
  }

  // "Has an element in scope": open, and no table or cell boundary above it.
  bool in_scope(GumboTag tag) const {
    for (auto it = m_open.rbegin(); it != m_open.rend(); ++it) {
      if (*it == tag) {
        return true;
      }
      if (is_scope_boundary(*it)) {
        return false;
      }
    }
    return false;
  }

  // Closes every element above depth `keep`: a paragraph ends if a block
  // closes, else a cell boundary is a space.
  void close_above(std::size_t keep) {
    bool block = false;
    bool cell = false;
    for (std::size_t k = keep; k < m_open.size(); ++k) {
      block = block || is_block(m_open[k]);
      cell = cell || m_open[k] == GUMBO_TAG_TD || m_open[k] == GUMBO_TAG_TH;
    }
    forget_open(keep);
    if (block) {
      boundary();
    } else if (cell) {
      m_writer.space();
    }
  }

  // Depth of the nearest open element satisfying `pred`, searching down from
  // the top no further than an element satisfying `stop`; nullopt if none.
  template <class Pred, class Stop>
  std::optional<std::size_t> find_open(Pred pred, Stop stop) const {
    for (std::size_t k = m_open.size(); k > 0; --k) {
      if (pred(m_open[k - 1])) {
        return k - 1;
      }
      if (stop(m_open[k - 1])) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // Table start tags other than <table>; false: let gumbo decide.
  bool table_start_tag(GumboTag tag) {
    if (!in_stack(GUMBO_TAG_TABLE)) {
      return true;  // outside any table these are ignored
    }
    auto is_caption = [](GumboTag t) { return t == GUMBO_TAG_CAPTION; };
    auto never = [](GumboTag) { return false; };
    if (tag == GUMBO_TAG_CAPTION || tag == GUMBO_TAG_COL) {
      if (m_open.back() != GUMBO_TAG_TABLE) {
        return false;
      }
      if (tag == GUMBO_TAG_CAPTION) {
        boundary();
        m_open.push_back(tag);
      }
      return true;
    }
    std::optional<std::size_t> at;
    if (tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TFOOT) {
      at = find_open([](GumboTag t) { return t == GUMBO_TAG_TABLE; }, is_caption);
    } else if (tag == GUMBO_TAG_TR) {
      at = find_open([](GumboTag t) { return is_table_structure(t) && t != GUMBO_TAG_TR; }, is_caption);
    } else {
      at = find_open(is_table_structure, is_caption);
    }
    if (!at || find_open(is_caption, never).value_or(0) > *at) {
      return false;
    }
    close_above(*at + 1);
    if (tag != GUMBO_TAG_TBODY && tag != GUMBO_TAG_THEAD && tag != GUMBO_TAG_TFOOT &&
        m_open.back() == GUMBO_TAG_TABLE) {
      m_open.push_back(GUMBO_TAG_TBODY);  // implied
      boundary();
    }
    if ((tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) && m_open.back() != GUMBO_TAG_TR) {
      m_open.push_back(GUMBO_TAG_TR);  // implied
      boundary();
    }
    m_open.push_back(tag);
    if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
      m_writer.space();
    } else {
      boundary();
    }
    return true;
  }

  bool table_end_tag(GumboTag tag) {
    if (tag == GUMBO_TAG_COL) {
      return false;
    }
    const auto at = find_open([tag](GumboTag t) { return t == tag; },
                              [tag](GumboTag t) { return t == GUMBO_TAG_TABLE && tag != GUMBO_TAG_TABLE; });
    if (at) {
      close_above(*at);
    }
    return true;  // not in table scope: ignored
  }

  // Pops up to and including the nearest `tag`. `own_end_tag`: its own end
  // tag closes it, so it leaves HTML5's list of active formatting elements.
  void pop_to(GumboTag tag, bool own_end_tag = false) {
    const auto it = std::find(m_open.rbegin(), m_open.rend(), tag);
    if (it == m_open.rend()) {
      return;
    }
    const auto depth = static_cast<std::size_t>(std::distance(it, m_open.rend())) - 1;
    forget_open(depth, own_end_tag);
  }

  // Closes the elements from `depth` up. A formatting element closed without
  // its own end tag stays in HTML5's list of active formatting elements: it
  // is reopened before the next text (changing the current node) and takes
  // part in later adoption-agency runs, which can reorder text. The fast
  // path does not keep that list, so it declines from then on.
  void forget_open(std::size_t depth, bool own_end_tag = false) {
    for (std::size_t k = depth; k < m_open.size(); ++k) {
      if (is_formatting(m_open[k]) && !(own_end_tag && k == depth)) {
        m_reopen_pending = true;
      }
    }
    m_open.resize(depth);
  }

  void close_p_if_open() {
    if (in_scope(GUMBO_TAG_P)) {
      pop_to(GUMBO_TAG_P);
      boundary();
    }
  }

  // <li> closes an open li, <dd>/<dt> an open dd or dt, unless a special
  // element other than address, div and p lies between (HTML5 "in body").
  void close_list_item(GumboTag tag) {
    for (auto it = m_open.rbegin(); it != m_open.rend(); ++it) {
      const bool target = tag == GUMBO_TAG_LI ? *it == GUMBO_TAG_LI
                                              : (*it == GUMBO_TAG_DD || *it == GUMBO_TAG_DT);
      if (target) {
        pop_to(*it);
        boundary();
        return;
      }
      if (!is_phrasing(*it) && *it != GUMBO_TAG_ADDRESS && *it != GUMBO_TAG_DIV &&
          *it != GUMBO_TAG_P) {
        return;
      }
    }
  }

  // false: the outcome depends on tree construction the fast path skips.
  bool start_tag(GumboTag tag) {
    if (tag == GUMBO_TAG_TABLE) {
      if (in_table_context()) {
        return false;  // a table directly in a table closes the first
      }
      boundary();
      m_open.push_back(tag);
      return true;
    }
    if (is_table_tag(tag)) {
      return table_start_tag(tag);
    }
    if (tag == GUMBO_TAG_A && in_scope(GUMBO_TAG_A)) {
      // A nested <a> runs the adoption agency on the open one. With only
      // inline elements above it, that closes them all. With blocks above
      // and nothing but blocks up to the last of them, the blocks stay open
      // (moved out of the <a>, order kept), the <a> and whatever is above the
      // last block close. Anything else reshuffles more; gumbo decides.
      const auto a_depth = static_cast<std::size_t>(
          std::distance(std::find(m_open.rbegin(), m_open.rend(), GUMBO_TAG_A), m_open.rend()) - 1);
      std::size_t last_block = a_depth;
      for (std::size_t k = a_depth + 1; k < m_open.size(); ++k) {
        if (!is_phrasing(m_open[k])) {
          last_block = k;
        }
      }
      if (last_block == a_depth) {
        pop_to(GUMBO_TAG_A, true);
      } else {
        for (std::size_t k = a_depth + 1; k <= last_block; ++k) {
          if (is_phrasing(m_open[k])) {
            return false;
          }
        }
        forget_open(last_block + 1);
        m_open.erase(m_open.begin() + static_cast<std::ptrdiff_t>(a_depth));
      }
    }
    if (tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT) {
      close_list_item(tag);
      close_p_if_open();
    } else if (closes_p(tag)) {
      close_p_if_open();
    }
    if (is_heading(tag) && !m_open.empty() && is_heading(m_open.back())) {
      m_open.pop_back();  // a heading directly in a heading closes it
      boundary();
    }
    if (is_block(tag)) {
      boundary();
    }
    if (!is_void(tag)) {
      m_open.push_back(tag);
    }
    return true;
  }

  bool end_tag(GumboTag tag) {
    if (tag == GUMBO_TAG_BR) {
      boundary();  // "</br>" is read as "<br>"
      return true;
    }
    if (tag == GUMBO_TAG_HTML || tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_BODY) {
      return true;  // ignored in a fragment
    }
    if (is_table_tag(tag)) {
      return table_end_tag(tag);
    }
    if (tag == GUMBO_TAG_P && !in_scope(GUMBO_TAG_P)) {
      boundary();  // an empty <p> is inserted
      return true;
    }
    if (is_phrasing(tag)) {
      // Ended only when no special (block) element lies above it; a
      // formatting element with a block above runs the adoption agency.
      for (auto it = m_open.rbegin(); it != m_open.rend(); ++it) {
        if (*it == tag) {
          // Non-special elements popped with it may be blocks (legend).
          const bool block = std::any_of(m_open.rbegin(), std::next(it), is_block);
          pop_to(tag, true);
          if (block) {
            boundary();
          }
          return true;
        }
        if (!is_phrasing(*it)) {
          return !is_formatting(tag);  // "any other end tag": ignored
        }
      }
      return !is_formatting(tag);
    }
    // Block end tags close whatever is open above them, within scope; li is
    // scoped by lists, any heading closes any heading.
    for (auto it = m_open.rbegin(); it != m_open.rend(); ++it) {
      const bool match = is_heading(tag) ? is_heading(*it) : *it == tag;
      if (match) {
        const auto depth = static_cast<std::size_t>(std::distance(it, m_open.rend())) - 1;
        const bool block = std::any_of(m_open.begin() + static_cast<std::ptrdiff_t>(depth),
                                       m_open.end(), [](GumboTag open) { return is_block(open); });
        forget_open(depth);
        if (block) {
          boundary();
        }
        return true;
      }
      if (is_scope_boundary(*it) ||
          (tag == GUMBO_TAG_LI && (*it == GUMBO_TAG_UL || *it == GUMBO_TAG_OL))) {
        return true;  // not in scope: ignored
      }
    }
    return true;  // nothing to close: ignored
  }

  std::string_view m_html;
  bool m_one_line;
  ParagraphWriter m_writer;
  std::vector<GumboTag> m_open;
  bool m_reopen_pending = false;
};

}  // namespace

std::optional<std::string> html_to_text_fast(std::string_view html, bool one_line) {
  switch (check_input(html)) {
    case InputCheck::plain:
      return FastConverter(html, one_line).run();
    case InputCheck::replace: {
      const std::string replaced = replace_invalid_code_points(html);
      return FastConverter(replaced, one_line).run();
    }
    case InputCheck::decline:
      break;
  }
  return std::nullopt;
}

std::string html_to_text_gumbo(std::string_view html, bool one_line) {
  return convert_html(html, one_line);
}

}  // namespace newsmon::feeds::detail
