#include "feeds/normalize.hpp"

#include <gumbo.h>

#include <memory>
#include <vector>

#include "feeds/dates.hpp"

namespace newsmon::feeds {
namespace {

// Accumulates text, folding whitespace and turning block boundaries into
// paragraph breaks, so that the output has its final shape as it is built.
class ParagraphWriter {
 public:
  void text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        m_pending_space = true;
        ++i;
        continue;
      }
      if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
        m_pending_space = true;
        i += 2;
        continue;
      }
      // Copy the run up to the next whitespace candidate in one piece.
      std::size_t end = i + 1;
      while (end < s.size()) {
        const char d = s[end];
        if (d == ' ' || d == '\n' || d == '\t' || d == '\r' || d == '\f' || d == '\v' ||
            d == '\xC2') {
          break;
        }
        ++end;
      }
      if (m_in_paragraph) {
        if (m_pending_space) {
          m_out += ' ';
        }
      } else {
        if (!m_out.empty()) {
          m_out += "\n\n";
        }
        m_in_paragraph = true;
      }
      m_pending_space = false;
      m_out.append(s.substr(i, end - i));
      i = end;
    }
  }

  void paragraph_break() {
    m_in_paragraph = false;
    m_pending_space = false;
  }

  // Folds everything into one line (titles).
  void space() { m_pending_space = true; }

  std::string take() { return std::move(m_out); }

 private:
  std::string m_out;
  bool m_in_paragraph = false;
  bool m_pending_space = false;
};

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

}  // namespace

std::string html_to_text(std::string_view html) { return convert_html(html, false); }

std::string plain_text_to_paragraphs(std::string_view text) {
  ParagraphWriter writer;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    const std::string_view line = text.substr(pos, nl - pos);
    if (line.find_first_not_of(" \t\r\f\v") == std::string_view::npos) {
      writer.paragraph_break();
    } else {
      writer.text(line);
      writer.space();
    }
    pos = nl + 1;
  }
  return writer.take();
}

std::string text_line(std::string_view maybe_html) {
  if (maybe_html.find_first_of("<&") != std::string_view::npos) {
    return convert_html(maybe_html, true);
  }
  ParagraphWriter writer;
  writer.text(maybe_html);
  return writer.take();
}

std::string make_dated_article(SysTime date, std::string_view body) {
  std::string article = " date " + format_day_utc(date);
  if (!body.empty()) {
    article += ' ';
    article.append(body);
  }
  return article;
}

}  // namespace newsmon::feeds
