#include "feeds/encoding.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/result.hpp"
#include "common/strings.hpp"

namespace newsmon::feeds {
namespace {


std::string_view trim_quotes_and_space(std::string_view s) {
  auto junk = [](char c) { return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == ';'; };
  while (!s.empty() && junk(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && junk(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// windows-1252's 0x80..0x9F; the rest of the byte range maps to U+00A0..U+00FF.
constexpr std::array<char16_t, 32> k_cp1252_high = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const std::size_t left = s.size() - i;
  const unsigned char b0 = p[0];
  if (b0 < 0x80) {
    return 1;
  }
  auto continuation = [](unsigned char b) { return (b & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    return left >= 2 && continuation(p[1]) ? 2 : 0;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || !continuation(p[2])) {
      return 0;
    }
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    return p[1] >= lo && p[1] <= hi ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || !continuation(p[2]) || !continuation(p[3])) {
      return 0;
    }
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= lo && p[1] <= hi ? 4 : 0;
  }
  return 0;
}

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvHandle = std::unique_ptr<void, IconvCloser>;

// iconv_open looks the charset up in glibc's gconv modules each time, which
// costs more than converting a feed; each thread keeps its recent handles.
class IconvCache {
 public:
  // nullptr when iconv does not know the charset.
  iconv_t get(const std::string& charset) {
    for (auto& entry : m_entries) {
      if (entry.charset == charset) {
        iconv(static_cast<iconv_t>(entry.handle.get()), nullptr, nullptr, nullptr, nullptr);
        return static_cast<iconv_t>(entry.handle.get());
      }
    }
    iconv_t raw = iconv_open("UTF-8", charset.c_str());
    if (raw == reinterpret_cast<iconv_t>(-1)) {  // NOLINT: the iconv API's error value
      return nullptr;
    }
    if (m_entries.size() == k_capacity) {
      m_entries.erase(m_entries.begin());
    }
    m_entries.push_back({charset, IconvHandle(raw)});
    return raw;
  }

 private:
  static constexpr std::size_t k_capacity = 8;
  struct Entry {
    std::string charset;
    IconvHandle handle;
  };
  std::vector<Entry> m_entries;
};

// Converts with iconv; a byte iconv rejects becomes U+FFFD and conversion goes on.
Result<std::string> convert_with_iconv(std::string_view bytes, const std::string& charset,
                                       bool& repaired) {
  thread_local IconvCache cache;
  iconv_t raw = cache.get(charset);
  if (raw == nullptr) {
    return Error{"unsupported charset '" + charset + "'"};
  }
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  char* in_ptr = const_cast<char*>(bytes.data());  // iconv's signature; it does not write
  std::size_t in_left = bytes.size();
  std::size_t out_used = 0;
  while (in_left > 0) {
    char* out_ptr = out.data() + out_used;
    std::size_t out_left = out.size() - out_used;
    const std::size_t rc = iconv(raw, &in_ptr, &in_left, &out_ptr, &out_left);
    out_used = out.size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) {
      break;
    }
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else {
      // EILSEQ or EINVAL (truncated at the end): skip one byte.
      repaired = true;
      out.resize(out_used);
      append_utf8(out, 0xFFFD);
      out_used = out.size();
      out.resize(out_used + in_left * 2 + 16);
      ++in_ptr;
      --in_left;
      iconv(raw, nullptr, nullptr, nullptr, nullptr);
    }
  }
  out.resize(out_used);
  return out;
}

// Valid UTF-8 containing at least one multi-byte sequence.
bool looks_like_utf8(std::string_view bytes) {
  bool multibyte = false;
  for (std::size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      return false;
    }
    multibyte = true;
    i += len;
  }
  return multibyte;
}

bool is_utf8_name(std::string_view charset) {
  return charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" ||
         charset == "ascii";
}

}  // namespace

std::string charset_from_content_type(std::string_view content_type) {
  const std::string lowered = ascii_lower(content_type);
  const auto at = lowered.find("charset=");
  if (at == std::string::npos) {
    return "";
  }
  std::string_view rest = std::string_view(lowered).substr(at + 8);
  rest = trim_quotes_and_space(rest.substr(0, rest.find(';')));
  return std::string(rest);
}

std::string charset_from_xml_declaration(std::string_view bytes) {
  std::string_view head = bytes.substr(0, 512);
  const auto start = head.find("<?xml");
  if (start == std::string_view::npos) {
    return "";
  }
  const auto end = head.find("?>", start);
  const std::string decl = ascii_lower(head.substr(start, end == std::string_view::npos ? head.size() - start : end - start));
  auto at = decl.find("encoding");
  if (at == std::string::npos) {
    return "";
  }
  at = decl.find('=', at);
  if (at == std::string::npos) {
    return "";
  }
  ++at;
  while (at < decl.size() && (decl[at] == ' ' || decl[at] == '\t')) {
    ++at;
  }
  if (at >= decl.size() || (decl[at] != '"' && decl[at] != '\'')) {
    return "";
  }
  const char quote = decl[at];
  const auto close = decl.find(quote, at + 1);
  if (close == std::string::npos) {
    return "";
  }
  return std::string(trim_quotes_and_space(std::string_view(decl).substr(at + 1, close - at - 1)));
}

std::string repair_utf8(std::string_view text, bool* repaired) {
  std::string out;
  std::size_t i = 0;
  // Fast scan: most input is valid; copy it in one piece.
  while (i < text.size()) {
    if (i + 8 <= text.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;  // eight ASCII bytes
        continue;
      }
    }
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      break;
    }
    i += len;
  }
  if (i == text.size()) {
    return std::string(text);
  }
  if (repaired != nullptr) {
    *repaired = true;
  }
  out.reserve(text.size() + 16);
  out.append(text.substr(0, i));
  while (i < text.size()) {
    const std::size_t len = utf8_sequence_length(text, i);
    if (len > 0) {
      out.append(text.substr(i, len));
      i += len;
      continue;
    }
    const auto b = static_cast<unsigned char>(text[i]);
    append_utf8(out, b < 0xA0 ? k_cp1252_high[b - 0x80] : static_cast<char32_t>(b));
    ++i;
  }
  return out;
}

DecodedText decode_to_utf8(std::string_view bytes, std::string_view http_charset) {
  DecodedText decoded;
  std::string charset;
  // Byte-order marks and UTF-16 without one ("<\0?\0") decide first.
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    charset = "utf-8";
  } else if (bytes.substr(0, 4) == std::string_view("\xFF\xFE\0\0", 4)) {
    bytes.remove_prefix(4);
    charset = "utf-32le";
  } else if (bytes.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    bytes.remove_prefix(4);
    charset = "utf-32be";
  } else if (bytes.substr(0, 2) == "\xFF\xFE") {
    bytes.remove_prefix(2);
    charset = "utf-16le";
  } else if (bytes.substr(0, 2) == "\xFE\xFF") {
    bytes.remove_prefix(2);
    charset = "utf-16be";
  } else if (bytes.substr(0, 4) == std::string_view("<\0?\0", 4)) {
    charset = "utf-16le";
  } else if (bytes.substr(0, 4) == std::string_view("\0<\0?", 4)) {
    charset = "utf-16be";
  } else if (!http_charset.empty()) {
    charset = ascii_lower(http_charset);
  } else {
    charset = charset_from_xml_declaration(bytes);
  }
  // A 16-bit document declaring "utf-16" has already been read by its BOM;
  // a single-byte document cannot really be UTF-16, whatever it declares.
  if (charset == "utf-16" || charset == "utf-32") {
    charset = "utf-8";
  }
  // ISO-8859-1 is read as windows-1252, as browsers do: feeds that declare it
  // routinely contain 0x80-0x9F curly quotes and dashes.
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "latin-1" ||
      charset == "iso8859-1" || charset == "us-ascii" || charset == "ascii") {
    charset = charset.find("ascii") != std::string::npos ? "utf-8" : "windows-1252";
  }
  // A legacy charset named by the declaration or the server while the bytes
  // are valid UTF-8 with multi-byte sequences: the label is stale (a CMS
  // template, a server default). Real single-byte text is practically never
  // valid UTF-8 once it has any byte above 0x7F.
  if (!is_utf8_name(charset) && charset.rfind("utf-", 0) != 0 && looks_like_utf8(bytes)) {
    charset = "utf-8";
  }
  if (is_utf8_name(charset)) {
    decoded.charset = "utf-8";
    decoded.utf8 = repair_utf8(bytes, &decoded.repaired);
    return decoded;
  }
  auto converted = convert_with_iconv(bytes, charset, decoded.repaired);
  if (!converted) {
    decoded.charset = "utf-8";
    decoded.repaired = true;
    decoded.utf8 = repair_utf8(bytes, nullptr);
    return decoded;
  }
  decoded.charset = charset;
  decoded.utf8 = std::move(converted.value());
  return decoded;
}

}  // namespace newsmon::feeds
