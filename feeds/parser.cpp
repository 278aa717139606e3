#include "feeds/parser.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "common/strings.hpp"
#include "feeds/encoding.hpp"
#include "feeds/normalize.hpp"
#include "feeds/url.hpp"

namespace newsmon::feeds {
namespace {

// ---------------------------------------------------------------- shared --

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// "line L, column C" of a byte offset, columns counted in characters.
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

void add_unique(std::vector<std::string>& list, std::string value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

// The body as the article needs it, whatever markup the feed used: text
// borrowed from the parsed document where it stands in one piece, else built.
class Body {
 public:
  Body() = default;
  Body(std::string text, bool is_html) : m_owned(std::move(text)), m_is_html(is_html) {}
  static Body borrowed(std::string_view text, bool is_html) {
    Body body;
    body.m_borrowed = text;
    body.m_is_borrowed = true;
    body.m_is_html = is_html;
    return body;
  }
  std::string_view text() const { return m_is_borrowed ? m_borrowed : m_owned; }
  bool is_html() const { return m_is_html; }
  void set_html(bool is_html) { m_is_html = is_html; }

 private:
  std::string m_owned;
  std::string_view m_borrowed;
  bool m_is_borrowed = false;
  bool m_is_html = true;
};

std::string body_to_paragraphs(const Body& body) {
  return body.is_html() ? html_to_text(body.text()) : plain_text_to_paragraphs(body.text());
}

// Everything but the article is settled; this makes the dated article and
// the published field from the date text and body.
void finish_item(FeedItem& item, std::optional<std::string_view> date_text, const Body& body,
                 const ParseOptions& options) {
  const ItemDate date = resolve_item_date(date_text, options.fetch_time);
  item.date_quality = date.quality;
  if (date.quality == DateQuality::ok || date.quality == DateQuality::future_clamped) {
    item.published = date.time;
  }
  std::string text = body_to_paragraphs(body);
  // Title-only items (link blogs, aggregators): the title is their fullest text.
  if (text.empty()) {
    text = item.title;
  }
  item.article = make_dated_article(date.time, text);
  if (item.guid.empty()) {
    item.guid = item.link;
  }
}

// ------------------------------------------------------------ namespaces --

enum class Ns {
  none, atom10, atom03, rss10, rss090, rdf, content, dc, dcterms, media, xhtml, itunes, xml,
  other
};

struct KnownNamespace {
  std::string_view uri;
  std::string_view usual_prefix;
  Ns ns;
};

constexpr std::array k_namespaces = {
    KnownNamespace{"http://www.w3.org/2005/Atom", "atom", Ns::atom10},
    KnownNamespace{"http://purl.org/atom/ns#", "", Ns::atom03},
    KnownNamespace{"http://purl.org/rss/1.0/", "rss", Ns::rss10},
    KnownNamespace{"http://my.netscape.com/rdf/simple/0.9/", "", Ns::rss090},
    KnownNamespace{"http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf", Ns::rdf},
    KnownNamespace{"http://purl.org/rss/1.0/modules/content/", "content", Ns::content},
    KnownNamespace{"http://purl.org/dc/elements/1.1/", "dc", Ns::dc},
    KnownNamespace{"http://purl.org/dc/terms/", "dcterms", Ns::dcterms},
    KnownNamespace{"http://search.yahoo.com/mrss/", "media", Ns::media},
    KnownNamespace{"http://search.yahoo.com/mrss", "", Ns::media},
    KnownNamespace{"http://www.w3.org/1999/xhtml", "xhtml", Ns::xhtml},
    KnownNamespace{"http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes", Ns::itunes},
    KnownNamespace{"http://www.w3.org/XML/1998/namespace", "xml", Ns::xml},
    // RSS 0.91/2.0 put in a namespace by some generators: still plain RSS.
    KnownNamespace{"http://backend.userland.com/rss2", "", Ns::none},
    KnownNamespace{"http://backend.userland.com/rss", "", Ns::none},
    KnownNamespace{"http://blogs.law.harvard.edu/tech/rss", "", Ns::none},
};

Ns ns_from_uri(std::string_view uri) {
  uri = trim_ascii_space(uri);
  for (const auto& known : k_namespaces) {
    if (uri == known.uri) {
      return known.ns;
    }
  }
  return Ns::other;
}

// Undeclared prefixes are common ("dc:creator" with no xmlns:dc); a reader
// takes the prefix in its usual meaning.
Ns ns_from_usual_prefix(std::string_view prefix) {
  for (const auto& known : k_namespaces) {
    if (!known.usual_prefix.empty() && prefix == known.usual_prefix) {
      return known.ns;
    }
  }
  if (prefix == "dcterms" || prefix == "dct") {
    return Ns::dcterms;
  }
  return Ns::other;
}

// The xmlns declarations in force at an element; lives on the C++ stack of
// the walk, each scope pointing at its parent.
class NsScope {
 public:
  NsScope(const NsScope* parent, const pugi::xml_node& node) : m_parent(parent) {
    m_default = parent != nullptr ? parent->m_default : Ns::none;
    for (const auto& attribute : node.attributes()) {
      const std::string_view name = attribute.name();
      if (name == "xmlns") {
        m_default = ns_from_uri(attribute.value());
      } else if (name.substr(0, 6) == "xmlns:") {
        m_declared.push_back({name.substr(6), ns_from_uri(attribute.value())});
      }
    }
  }

  Ns lookup(std::string_view prefix) const {
    if (prefix.empty()) {
      return m_default;
    }
    for (const NsScope* scope = this; scope != nullptr; scope = scope->m_parent) {
      for (const auto& [declared, ns] : scope->m_declared) {
        if (declared == prefix) {
          return ns;
        }
      }
    }
    return ns_from_usual_prefix(prefix);
  }

 private:
  const NsScope* m_parent;
  Ns m_default = Ns::none;
  std::vector<std::pair<std::string_view, Ns>> m_declared;
};

struct QName {
  Ns ns;
  std::string_view local;
};

QName qname(const pugi::xml_node& node, const NsScope& scope) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  if (colon == std::string_view::npos) {
    return {scope.lookup({}), name};
  }
  return {scope.lookup(name.substr(0, colon)), name.substr(colon + 1)};
}

bool is_atom(Ns ns) { return ns == Ns::atom10 || ns == Ns::atom03; }
// Plain RSS elements: no namespace (0.9x/2.0) or the RSS 1.0/0.90 one.
bool is_rss(Ns ns) { return ns == Ns::none || ns == Ns::rss10 || ns == Ns::rss090; }

// ---------------------------------------------------------- XML helpers --

// All text below a node (CDATA included), in document order.
void append_text(const pugi::xml_node& node, std::string& out) {
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out.append(child.value());
    } else if (child.type() == pugi::node_element) {
      append_text(child, out);
    }
  }
}

std::string text_of(const pugi::xml_node& node) {
  // Nearly always a single text child: return it without building.
  const pugi::xml_node first = node.first_child();
  if (first && !first.next_sibling() &&
      (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata)) {
    return std::string(trim_ascii_space(first.value()));
  }
  std::string out;
  append_text(node, out);
  return std::string(trim_ascii_space(out));
}

// text_line(text_of(node)), without the copy of the text when it is a single
// text node (nearly always: titles, categories, names).
std::string text_line_of(const pugi::xml_node& node) {
  const pugi::xml_node first = node.first_child();
  if (first && !first.next_sibling() &&
      (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata)) {
    return text_line(trim_ascii_space(first.value()));
  }
  return text_line(text_of(node));
}

void append_escaped(std::string& out, std::string_view text, bool attribute) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (attribute) {
          out += "&quot;";
          break;
        }
        out += c;
        break;
      default: out += c;
    }
  }
}

// Inline XHTML (Atom type="xhtml", raw markup inside <description>) back to
// HTML text for the HTML side; prefixes dropped so that <xhtml:p> is a <p>.
constexpr int k_max_markup_depth = 256;

void append_markup(const pugi::xml_node& node, std::string& out, int depth) {
  for (const auto& child : node.children()) {
    switch (child.type()) {
      case pugi::node_pcdata:
        append_escaped(out, child.value(), false);
        break;
      case pugi::node_cdata:
        // CDATA beside markup (an <img> element, then CDATA) holds HTML source.
        out.append(child.value());
        break;
      case pugi::node_element: {
        std::string_view name = child.name();
        if (auto colon = name.find(':'); colon != std::string_view::npos) {
          name = name.substr(colon + 1);
        }
        if (depth >= k_max_markup_depth) {
          append_markup(child, out, depth);  // flat beyond the cap; text is kept
          break;
        }
        out += '<';
        out.append(name);
        out += '>';
        append_markup(child, out, depth + 1);
        out += "</";
        out.append(name);
        out += '>';
        break;
      }
      default:
        break;
    }
  }
}

// The HTML a node carries: its markup children re-serialized, or its text
// (escaped HTML, CDATA) as it stands.
Body html_of(const pugi::xml_node& node, bool is_html = true) {
  bool has_elements = false;
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_element) {
      has_elements = true;
      break;
    }
  }
  if (!has_elements) {
    const pugi::xml_node first = node.first_child();
    if (first && !first.next_sibling()) {
      return Body::borrowed(first.value(), is_html);
    }
    std::string out;
    append_text(node, out);
    return {std::move(out), is_html};
  }
  std::string out;
  append_markup(node, out, 0);
  return {std::move(out), true};
}

// An Atom text construct (title, summary, content): html, xhtml or text;
// Atom 0.3 wrote MIME types and mode="escaped"|"xml".
Body atom_text(const pugi::xml_node& node) {
  const std::string_view type = node.attribute("type").value();
  const std::string_view mode = node.attribute("mode").value();
  const bool markup = type == "html" || type == "xhtml" || type == "text/html" ||
                      type == "application/xhtml+xml" || mode == "escaped" || mode == "xml";
  bool has_elements = false;
  for (const auto& child : node.children()) {
    has_elements = has_elements || child.type() == pugi::node_element;
  }
  if (markup || has_elements) {
    return html_of(node);
  }
  return html_of(node, false);
}

std::string base_of(const pugi::xml_node& node, const std::string& parent_base) {
  const auto attribute = node.attribute("xml:base");
  return attribute ? resolve_url(parent_base, attribute.value()) : parent_base;
}

// resolve_url(base_of(node, base), href) without copying the base when the
// node sets none (every item's link).
std::string resolve_at(const pugi::xml_node& node, const std::string& base, std::string_view href) {
  const auto attribute = node.attribute("xml:base");
  return attribute ? resolve_url(resolve_url(base, attribute.value()), href) : resolve_url(base, href);
}

// --------------------------------------------------------------- XML feeds --

struct EntryFields {
  FeedItem item;
  std::optional<std::string> date;
  int date_rank = 100;  // lower wins: pubDate/published before updated
  Body body;
  int body_rank = 100;  // lower wins: content:encoded, Atom content, description, ...
  int link_rank = 100;
  std::string self_link;  // feed level: the feed's own URL, a base for relative links
};

void offer_date(EntryFields& fields, int rank, const pugi::xml_node& node) {
  if (rank < fields.date_rank) {
    std::string text = text_of(node);
    if (!text.empty()) {
      fields.date = std::move(text);
      fields.date_rank = rank;
    }
  }
}

// `make` builds the body only when it would win over what the item has.
template <class MakeBody>
void offer_body(EntryFields& fields, int rank, MakeBody make) {
  if (rank < fields.body_rank) {
    Body body = make();
    if (!trim_ascii_space(body.text()).empty()) {
      fields.body = std::move(body);
      fields.body_rank = rank;
    }
  }
}

void read_atom_link(EntryFields& fields, const pugi::xml_node& node, const std::string& base) {
  const std::string_view rel = trim_ascii_space(node.attribute("rel").value());
  const std::string_view type = node.attribute("type").value();
  const std::string_view href = node.attribute("href").value();
  if (trim_ascii_space(href).empty()) {
    return;
  }
  int rank = 0;
  if (rel.empty() || rel == "alternate") {
    rank = (type.empty() || type == "text/html" || type == "application/xhtml+xml") ? 1 : 2;
  } else if (rel == "self" || rel == "related") {
    if (rel == "self" && fields.self_link.empty()) {
      fields.self_link = resolve_at(node, base, href);
    }
    rank = 4;  // better than nothing when an entry has no alternate link
  } else {
    return;
  }
  if (rank < fields.link_rank) {
    fields.item.link = resolve_at(node, base, href);
    fields.link_rank = rank;
  }
}

void read_author(EntryFields& fields, const pugi::xml_node& node, const NsScope& scope) {
  // Atom person construct: <name>, else <email>; RSS: the text itself.
  std::string name;
  std::string email;
  for (const auto& child : node.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const QName q = qname(child, scope);
    if (q.local == "name") {
      name = text_of(child);
    } else if (q.local == "email") {
      email = text_of(child);
    }
  }
  if (name.empty() && email.empty()) {
    name = text_of(node);
  }
  add_unique(fields.item.authors, text_line(name.empty() ? email : name));
}

void read_media_group(EntryFields& fields, const pugi::xml_node& node, const NsScope& parent);

void read_entry_child(EntryFields& fields, const pugi::xml_node& child, const NsScope& scope,
                      const std::string& base) {
  const QName q = qname(child, scope);
  const std::string_view local = q.local;
  if (is_rss(q.ns) || is_atom(q.ns)) {
    const bool atom = is_atom(q.ns);
    if (local == "title") {
      fields.item.title = atom ? text_line(body_to_paragraphs(atom_text(child))) : text_line_of(child);
    } else if (local == "link") {
      if (child.attribute("href")) {
        read_atom_link(fields, child, base);
      } else if (fields.link_rank > 0) {
        std::string link = text_of(child);
        if (!link.empty()) {
          fields.item.link = resolve_at(child, base, link);
          fields.link_rank = 0;
        }
      }
    } else if (local == "guid" || local == "id") {
      fields.item.guid = text_of(child);
      // RSS: a guid is the item's permalink unless it says otherwise.
      const auto permalink = child.attribute("isPermaLink");
      if (local == "guid" && fields.link_rank > 3 && !fields.item.guid.empty() &&
          (!permalink || iequals(trim_ascii_space(permalink.value()), "true")) &&
          is_absolute_url(fields.item.guid)) {
        fields.item.link = fields.item.guid;
        fields.link_rank = 3;
      }
    } else if (local == "pubDate" || local == "published" || local == "issued") {
      offer_date(fields, 0, child);
    } else if (local == "created") {
      offer_date(fields, 3, child);
    } else if (local == "updated" || local == "modified") {
      offer_date(fields, 4, child);
    } else if (local == "description") {
      offer_body(fields, 2, [&] { return html_of(child); });
    } else if (local == "content") {
      if (!child.attribute("src")) {
        offer_body(fields, 1, [&] { return atom_text(child); });
      }
    } else if (local == "summary") {
      offer_body(fields, 3, [&] { return atom_text(child); });
    } else if (local == "author" || local == "contributor") {
      if (local == "author") {
        read_author(fields, child, scope);
      }
    } else if (local == "category") {
      const auto term = child.attribute("term");
      add_unique(fields.item.categories,
                 term ? text_line(trim_ascii_space(term.value())) : text_line_of(child));
    }
    return;
  }
  switch (q.ns) {
    case Ns::content:
      if (local == "encoded") {
        offer_body(fields, 0, [&] { return html_of(child); });
      }
      break;
    case Ns::dc:
      if (local == "date") {
        offer_date(fields, 1, child);
      } else if (local == "creator" || local == "author") {
        add_unique(fields.item.authors, text_line_of(child));
      } else if (local == "subject") {
        add_unique(fields.item.categories, text_line_of(child));
      } else if (local == "title" && fields.item.title.empty()) {
        fields.item.title = text_line_of(child);
      } else if (local == "description") {
        offer_body(fields, 3, [&] { return html_of(child); });
      } else if (local == "identifier" && fields.item.guid.empty()) {
        fields.item.guid = text_of(child);
      }
      break;
    case Ns::dcterms:
      if (local == "issued" || local == "created" || local == "date") {
        offer_date(fields, 2, child);
      } else if (local == "modified") {
        offer_date(fields, 5, child);
      }
      break;
    case Ns::media:
      if (local == "group") {
        read_media_group(fields, child, scope);
      } else if (local == "description") {
        const std::string_view type = child.attribute("type").value();
        offer_body(fields, 4, [&] { return html_of(child, type == "html"); });
      } else if (local == "title" && fields.item.title.empty()) {
        fields.item.title = text_line_of(child);
      }
      break;
    case Ns::itunes:
      if (local == "summary") {
        offer_body(fields, 5, [&] { return html_of(child); });
      } else if (local == "author" && fields.item.authors.empty()) {
        add_unique(fields.item.authors, text_line_of(child));
      }
      break;
    default:
      break;
  }
}

void read_media_group(EntryFields& fields, const pugi::xml_node& node, const NsScope& parent) {
  const NsScope scope(&parent, node);
  for (const auto& child : node.children(/*element*/)) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const QName q = qname(child, scope);
    if (q.ns == Ns::media && (q.local == "description" || q.local == "title")) {
      read_entry_child(fields, child, scope, {});
    }
  }
}

FeedItem read_entry(const pugi::xml_node& node, const NsScope& parent, const std::string& base,
                    const std::vector<std::string>& feed_authors, const ParseOptions& options) {
  const NsScope scope(&parent, node);
  // The feed's base unless the entry sets its own (no copy per entry).
  const auto xml_base = node.attribute("xml:base");
  const std::string own_base = xml_base ? resolve_url(base, xml_base.value()) : std::string();
  const std::string& entry_base = xml_base ? own_base : base;
  EntryFields fields;
  // RSS 1.0: the item's URI is its rdf:about.
  if (const auto about = node.attribute("rdf:about")) {
    fields.item.guid = std::string(trim_ascii_space(about.value()));
  }
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_element) {
      read_entry_child(fields, child, scope, entry_base);
    }
  }
  if (fields.item.authors.empty()) {
    fields.item.authors = feed_authors;
  }
  std::optional<std::string_view> date;
  if (fields.date) {
    date = *fields.date;
  }
  finish_item(fields.item, date, fields.body, options);
  return std::move(fields.item);
}

void read_hints(const pugi::xml_node& channel, FeedHints& hints) {
  if (const auto ttl = channel.child("ttl")) {
    const std::string text = text_of(ttl);
    char* end = nullptr;
    const long minutes = std::strtol(text.c_str(), &end, 10);
    if (!text.empty() && end != nullptr && *end == '\0' && minutes > 0 && minutes <= 60L * 24 * 365) {
      hints.ttl = std::chrono::minutes{minutes};
    }
  }
  for (const auto& hour : channel.child("skipHours").children("hour")) {
    const std::string text = text_of(hour);
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    // RSS 0.91 counted 1..24; 24 is midnight.
    if (!text.empty() && *end == '\0' && value >= 0 && value <= 24) {
      const int h = static_cast<int>(value % 24);
      if (std::find(hints.skip_hours.begin(), hints.skip_hours.end(), h) == hints.skip_hours.end()) {
        hints.skip_hours.push_back(h);
      }
    }
  }
  constexpr std::array<std::string_view, 7> k_days = {"sunday",   "monday", "tuesday", "wednesday",
                                                      "thursday", "friday", "saturday"};
  for (const auto& day : channel.child("skipDays").children("day")) {
    const std::string text = text_of(day);
    for (std::size_t i = 0; i < k_days.size(); ++i) {
      const int d = static_cast<int>(i);
      if (iequals(text, k_days[i]) &&
          std::find(hints.skip_days.begin(), hints.skip_days.end(), d) == hints.skip_days.end()) {
        hints.skip_days.push_back(d);
      }
    }
  }
  std::sort(hints.skip_hours.begin(), hints.skip_hours.end());
  std::sort(hints.skip_days.begin(), hints.skip_days.end());
}

// The feed-level fields share the item walk: title, link, authors.
EntryFields read_feed_head(const pugi::xml_node& node, const NsScope& scope,
                           const std::string& base) {
  EntryFields fields;
  for (const auto& child : node.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const QName q = qname(child, scope);
    if (q.local == "item" || q.local == "entry" || q.local == "items" || q.local == "image" ||
        q.local == "textinput" || q.local == "textInput") {
      continue;
    }
    if (q.local == "title" || q.local == "link" || q.local == "author") {
      read_entry_child(fields, child, scope, base);
    }
  }
  return fields;
}

// After an XML error, the tree holds what was read before it. Items are then
// searched anywhere below (an unclosed element may have swallowed them) and
// kept when their end tag lies before the error.
bool item_complete(const pugi::xml_node& node, std::string_view text,
                   std::optional<std::size_t> error_offset) {
  if (!error_offset) {
    return true;
  }
  const std::string close = "</" + std::string(node.name());
  const auto end = text.find(close, static_cast<std::size_t>(node.offset_debug()));
  return end != std::string_view::npos && end < *error_offset;
}

Result<ParsedFeed> read_xml_feed(const pugi::xml_document& document, const std::string& text,
                                 const ParseOptions& options,
                                 std::optional<std::size_t> error_offset) {
  const pugi::xml_node root = document.document_element();
  if (!root) {
    return Error{"no root element: not an XML feed"};
  }
  const NsScope root_scope(nullptr, root);
  const QName root_name = qname(root, root_scope);
  ParsedFeed feed;
  std::string base = base_of(root, options.base_url);

  auto collect = [&](const pugi::xml_node& container, const NsScope& scope,
                     std::string_view item_name, const std::string& item_base,
                     const std::vector<std::string>& feed_authors) {
    if (error_offset) {
      if (container != root) {
        return;  // the search below the root finds these too
      }
      // Depth first, in document order, without recursion.
      std::vector<pugi::xml_node> stack;
      for (auto child = root.last_child(); child; child = child.previous_sibling()) {
        stack.push_back(child);
      }
      while (!stack.empty()) {
        const pugi::xml_node node = stack.back();
        stack.pop_back();
        if (node.type() != pugi::node_element) {
          continue;
        }
        if (qname(node, scope).local == item_name) {
          if (item_complete(node, text, error_offset)) {
            feed.items.push_back(read_entry(node, scope, item_base, feed_authors, options));
          }
          continue;
        }
        for (auto child = node.last_child(); child; child = child.previous_sibling()) {
          stack.push_back(child);
        }
      }
      return;
    }
    for (const auto& child : container.children()) {
      if (child.type() == pugi::node_element && qname(child, scope).local == item_name) {
        feed.items.push_back(read_entry(child, scope, item_base, feed_authors, options));
      }
    }
  };
  // Without a feed URL, item links resolve against the feed's own link.
  auto fallback_base = [&](const std::string& current, const std::string& feed_link) {
    return current.empty() && is_absolute_url(feed_link) ? feed_link : current;
  };

  if (root_name.local == "rss" && (root_name.ns == Ns::none || root_name.ns == Ns::other)) {
    const std::string_view version = trim_ascii_space(root.attribute("version").value());
    feed.format = (version.substr(0, 3) == "0.9" || version == "0.9") ? FeedFormat::rss09x
                                                                       : FeedFormat::rss20;
    const pugi::xml_node channel = root.child("channel");
    const NsScope channel_scope(&root_scope, channel);
    std::string channel_base = base_of(channel, base);
    EntryFields head = read_feed_head(channel, channel_scope, channel_base);
    if (channel_base.empty() && is_absolute_url(head.self_link)) {
      channel_base = head.self_link;
      base = head.self_link;
    }
    feed.title = head.item.title;
    feed.link = resolve_url(channel_base, head.item.link);
    read_hints(channel, feed.hints);
    const std::string item_base = fallback_base(channel_base, feed.link);
    collect(channel, channel_scope, "item", item_base, {});
    // Some feeds put items beside the channel rather than inside it.
    collect(root, root_scope, "item", fallback_base(base, feed.link), {});
  } else if ((root_name.local == "RDF" && root_name.ns == Ns::rdf) ||
             iequals(root_name.local, "rdf")) {
    pugi::xml_node channel;
    Ns item_ns = Ns::rss10;
    for (const auto& child : root.children()) {
      if (child.type() == pugi::node_element && qname(child, root_scope).local == "channel") {
        channel = child;
        item_ns = qname(child, root_scope).ns;
        break;
      }
    }
    feed.format = item_ns == Ns::rss090 ? FeedFormat::rss09x : FeedFormat::rss10;
    const NsScope channel_scope(&root_scope, channel);
    EntryFields head = read_feed_head(channel, channel_scope, base);
    feed.title = head.item.title;
    feed.link = head.item.link;
    read_hints(channel, feed.hints);
    const std::string item_base = fallback_base(base, feed.link);
    collect(root, root_scope, "item", item_base, {});
    collect(channel, channel_scope, "item", item_base, {});
  } else if ((root_name.local == "feed" || root_name.local == "entry") &&
             (is_atom(root_name.ns) || root_name.ns == Ns::none)) {
    const bool v03 = root_name.ns == Ns::atom03 ||
                     trim_ascii_space(root.attribute("version").value()) == "0.3";
    feed.format = v03 ? FeedFormat::atom03 : FeedFormat::atom10;
    if (root_name.local == "entry") {
      feed.items.push_back(read_entry(root, root_scope, options.base_url, {}, options));
    } else {
      EntryFields head = read_feed_head(root, root_scope, base);
      if (base.empty() && is_absolute_url(head.self_link)) {
        base = head.self_link;
      }
      feed.title = head.item.title;
      feed.link = resolve_url(base, head.item.link);
      collect(root, root_scope, "entry", fallback_base(base, feed.link), head.item.authors);
    }
  } else {
    return Error{"not a feed: the document element is <" + std::string(root.name()) + "> at " +
                 position_of(text, static_cast<std::size_t>(root.offset_debug()))};
  }
  return feed;
}

// Raw '<' that cannot start markup ("a < b", "<3") is a common error in
// hand-written feeds; escaping it is what a forgiving reader does.
bool escape_stray_less_than(std::string& text) {
  std::string out;
  out.reserve(text.size() + 64);
  bool changed = false;
  bool in_cdata = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_cdata) {
      out += c;
      if (c == ']' && text.compare(i, 3, "]]>") == 0) {
        out += "]>";
        i += 2;
        in_cdata = false;
      }
      continue;
    }
    if (c == '<') {
      if (text.compare(i, 9, "<![CDATA[") == 0) {
        in_cdata = true;
        out += c;
        continue;
      }
      const char next = i + 1 < text.size() ? text[i + 1] : ' ';
      const bool starts_markup = next == '/' || next == '!' || next == '?' || next == '_' ||
                                 next == ':' || (next >= 'a' && next <= 'z') ||
                                 (next >= 'A' && next <= 'Z') ||
                                 static_cast<unsigned char>(next) >= 0x80;
      if (!starts_markup) {
        out += "&lt;";
        changed = true;
        continue;
      }
    }
    out += c;
  }
  if (changed) {
    text = std::move(out);
  }
  return changed;
}

// A BOM or whitespace before "<?xml" is not well-formed; readers skip it.
void skip_leading_space(std::string& text) {
  const auto first = text.find('<');
  if (first != std::string::npos && first > 0 &&
      trim_ascii_space(std::string_view(text).substr(0, first)).empty()) {
    text.erase(0, first);
  }
}

constexpr unsigned k_parse_flags = pugi::parse_default & ~pugi::parse_eol;

// `reread` gives the decoded text again: the first parse works in place (no
// copy of the document), so errors are located and repaired on a fresh copy.
Result<ParsedFeed> parse_xml(std::string text, const ParseOptions& options,
                             std::vector<std::string> warnings,
                             const std::function<std::string()>& reread) {
  if (text.find('<') == std::string::npos) {
    return Error{"not a feed: no markup at " + position_of(text, 0)};
  }
  skip_leading_space(text);
  {
    pugi::xml_document document;
    if (document.load_buffer_inplace(text.data(), text.size(), k_parse_flags, pugi::encoding_utf8)) {
      // The prolog, all a position is counted over here, is left as it was.
      auto feed = read_xml_feed(document, text, options, std::nullopt);
      if (feed) {
        feed->warnings = std::move(warnings);
      }
      return feed;
    }
  }
  text = reread();
  skip_leading_space(text);
  pugi::xml_document document;
  pugi::xml_parse_result result =
      document.load_buffer(text.data(), text.size(), k_parse_flags, pugi::encoding_utf8);
  if (!result) {
    // Second try with stray '<' escaped; else keep what was read before the error.
    std::string repaired = text;
    if (escape_stray_less_than(repaired)) {
      pugi::xml_document second;
      const auto second_result = second.load_buffer(repaired.data(), repaired.size(),
                                                     k_parse_flags, pugi::encoding_utf8);
      if (second_result) {
        warnings.push_back("XML error at " + position_of(text, static_cast<std::size_t>(result.offset)) +
                           ": " + result.description() + "; read with '<' escaped");
        auto feed = read_xml_feed(second, repaired, options, std::nullopt);
        if (feed) {
          feed->warnings = std::move(warnings);
        }
        return feed;
      }
    }
  }
  auto feed = read_xml_feed(document, text, options,
                            result ? std::nullopt
                                   : std::optional<std::size_t>(static_cast<std::size_t>(result.offset)));
  if (!result) {
    const std::string error = "XML error at " +
                              position_of(text, static_cast<std::size_t>(result.offset)) + ": " +
                              result.description();
    if (!feed || feed->items.empty()) {
      return Error{error};
    }
    warnings.push_back(error + "; kept the " + std::to_string(feed->items.size()) +
                       " items read before it");
  }
  if (feed) {
    feed->warnings = std::move(warnings);
  }
  return feed;
}

// --------------------------------------------------------------- JSON Feed --

std::string json_string(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) {
    return {};
  }
  if (it->is_string()) {
    return std::string(trim_ascii_space(it->get_ref<const std::string&>()));
  }
  if (it->is_number_integer() || it->is_number_unsigned()) {
    return it->dump();
  }
  return {};
}

void json_authors(const nlohmann::json& object, std::vector<std::string>& out) {
  auto add = [&](const nlohmann::json& author) {
    if (author.is_object()) {
      add_unique(out, text_line(json_string(author, "name")));
    }
  };
  if (const auto it = object.find("authors"); it != object.end() && it->is_array()) {
    for (const auto& author : *it) {
      add(author);
    }
  }
  if (const auto it = object.find("author"); it != object.end() && out.empty()) {
    add(*it);
  }
}

Result<ParsedFeed> parse_json(std::string_view text, const ParseOptions& options) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range& error) {
    return Error{std::string("JSON error: ") + error.what()};  // a number too large, "1e999"
  } catch (const nlohmann::json::parse_error& error) {
    // nlohmann's message quotes everything read so far: keep only the reason.
    std::string_view reason = error.what();
    if (const auto dash = reason.find(" - "); dash != std::string_view::npos) {
      reason.remove_prefix(dash + 3);
    }
    reason = reason.substr(0, reason.find("; last read"));
    return Error{"JSON error at " + position_of(text, error.byte > 0 ? error.byte - 1 : 0) +
                 ": " + std::string(reason)};
  }
  if (!document.is_object()) {
    return Error{"not a feed: the JSON document is not an object"};
  }
  ParsedFeed feed;
  const std::string version = json_string(document, "version");
  feed.format = version.find("jsonfeed.org/version/1.1") != std::string::npos ? FeedFormat::json11
                                                                              : FeedFormat::json10;
  if (version.find("jsonfeed.org/version/") == std::string::npos) {
    feed.warnings.push_back("JSON Feed version '" + version + "' not recognised; read as 1.0");
  }
  feed.title = text_line(json_string(document, "title"));
  feed.link = resolve_url(options.base_url, json_string(document, "home_page_url"));
  std::vector<std::string> feed_authors;
  json_authors(document, feed_authors);
  const std::string base = options.base_url.empty() ? feed.link : options.base_url;
  const auto items = document.find("items");
  if (items == document.end() || !items->is_array()) {
    return Error{"not a feed: the JSON document has no \"items\" array"};
  }
  for (const auto& entry : *items) {
    if (!entry.is_object()) {
      continue;
    }
    FeedItem item;
    item.title = text_line(json_string(entry, "title"));
    std::string url = json_string(entry, "url");
    if (url.empty()) {
      url = json_string(entry, "external_url");
    }
    item.link = url.empty() ? url : resolve_url(base, url);
    item.guid = json_string(entry, "id");
    json_authors(entry, item.authors);
    if (item.authors.empty()) {
      item.authors = feed_authors;
    }
    if (const auto tags = entry.find("tags"); tags != entry.end() && tags->is_array()) {
      for (const auto& tag : *tags) {
        if (tag.is_string()) {
          add_unique(item.categories, text_line(tag.get_ref<const std::string&>()));
        }
      }
    }
    Body body;
    if (std::string html = json_string(entry, "content_html"); !html.empty()) {
      body = {std::move(html), true};
    } else if (std::string plain = json_string(entry, "content_text"); !plain.empty()) {
      body = {std::move(plain), false};
    } else {
      body = {json_string(entry, "summary"), false};
    }
    std::string date = json_string(entry, "date_published");
    if (date.empty()) {
      date = json_string(entry, "date_modified");
    }
    finish_item(item, date.empty() ? std::nullopt : std::optional<std::string_view>(date), body,
                options);
    feed.items.push_back(std::move(item));
  }
  return feed;
}

}  // namespace

std::string_view to_string(FeedFormat format) {
  switch (format) {
    case FeedFormat::rss09x: return "rss0.9x";
    case FeedFormat::rss10: return "rss1.0";
    case FeedFormat::rss20: return "rss2.0";
    case FeedFormat::atom03: return "atom0.3";
    case FeedFormat::atom10: return "atom1.0";
    case FeedFormat::json10: return "json1.0";
    case FeedFormat::json11: return "json1.1";
  }
  return "unknown";
}

Result<ParsedFeed> parse_feed(std::string_view bytes, const ParseOptions& options) {
  if (trim_ascii_space(bytes).empty()) {
    return Error{"empty document"};
  }
  if (bytes.substr(0, 2) == "\x1f\x8b") {
    return Error{"gzip-compressed data at byte 0: the body must be decompressed first"};
  }
  DecodedText decoded = decode_to_utf8(bytes, charset_from_content_type(options.content_type));
  std::vector<std::string> warnings;
  if (decoded.repaired) {
    warnings.push_back("invalid " + decoded.charset +
                       " byte sequences read as windows-1252 or replaced");
  }
  const std::string_view text = trim_ascii_space(decoded.utf8);
  if (!text.empty() && text.front() == '{') {
    auto feed = parse_json(text, options);
    if (feed) {
      feed->warnings.insert(feed->warnings.begin(), warnings.begin(), warnings.end());
    }
    return feed;
  }
  const std::string http_charset = charset_from_content_type(options.content_type);
  return parse_xml(std::move(decoded.utf8), options, std::move(warnings),
                   [&] { return decode_to_utf8(bytes, http_charset).utf8; });
}

}  // namespace newsmon::feeds
