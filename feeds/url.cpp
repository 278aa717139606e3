#include "feeds/url.hpp"

#include <vector>

namespace newsmon::feeds {
namespace {

struct Parts {
  std::string_view scheme;  // without ':'
  bool has_authority = false;
  std::string_view authority;
  std::string_view path;
  bool has_query = false;
  std::string_view query;
  bool has_fragment = false;
  std::string_view fragment;
};

bool is_scheme_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) {
    return alpha;
  }
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

Parts split(std::string_view s) {
  Parts p;
  if (auto hash = s.find('#'); hash != std::string_view::npos) {
    p.has_fragment = true;
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  if (auto q = s.find('?'); q != std::string_view::npos) {
    p.has_query = true;
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  std::size_t i = 0;
  while (i < s.size() && is_scheme_char(s[i], i == 0)) {
    ++i;
  }
  if (i > 0 && i < s.size() && s[i] == ':') {
    p.scheme = s.substr(0, i);
    s = s.substr(i + 1);
  }
  if (s.substr(0, 2) == "//") {
    p.has_authority = true;
    s = s.substr(2);
    const auto slash = s.find('/');
    p.authority = s.substr(0, slash);
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  p.path = s;
  return p;
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  const bool absolute = !path.empty() && path.front() == '/';
  std::size_t pos = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    const std::string_view segment = path.substr(pos, slash - pos);
    trailing_slash = false;
    if (segment == "..") {
      if (!out.empty()) {
        out.pop_back();
      }
      trailing_slash = true;
    } else if (segment == ".") {
      trailing_slash = true;
    } else {
      out.push_back(segment);
    }
    pos = slash + 1;
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) {
      result += '/';
    }
    result.append(out[i]);
  }
  if (trailing_slash && !out.empty()) {
    result += '/';
  }
  return result;
}

std::string trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && space(s.back())) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

bool is_absolute_url(std::string_view url) { return !split(url).scheme.empty(); }

std::string resolve_url(std::string_view base_text, std::string_view reference_text) {
  const std::string reference = trim(reference_text);
  const std::string base = trim(base_text);
  const Parts r = split(reference);
  if (!r.scheme.empty() || base.empty()) {
    return reference;
  }
  const Parts b = split(base);
  if (b.scheme.empty()) {
    return reference;
  }
  std::string out(b.scheme);
  out += ':';
  std::string_view query;
  bool has_query = false;
  if (r.has_authority) {
    out += "//";
    out.append(r.authority);
    out += remove_dot_segments(r.path);
    has_query = r.has_query;
    query = r.query;
  } else {
    if (b.has_authority) {
      out += "//";
      out.append(b.authority);
    }
    if (r.path.empty()) {
      out.append(b.path);
      has_query = r.has_query || b.has_query;
      query = r.has_query ? r.query : b.query;
    } else {
      std::string merged;
      if (r.path.front() == '/') {
        merged = std::string(r.path);
      } else if (b.has_authority && b.path.empty()) {
        merged = "/";
        merged.append(r.path);
      } else {
        const auto last = b.path.rfind('/');
        merged = std::string(last == std::string_view::npos ? std::string_view()
                                                            : b.path.substr(0, last + 1));
        merged.append(r.path);
      }
      out += remove_dot_segments(merged);
      has_query = r.has_query;
      query = r.query;
    }
  }
  if (has_query) {
    out += '?';
    out.append(query);
  }
  if (r.has_fragment) {
    out += '#';
    out.append(r.fragment);
  }
  return out;
}

}  // namespace newsmon::feeds
