#pragma once
// Feed bytes in any charset to UTF-8, before the XML parser sees them.
#include <string>
#include <string_view>


namespace newsmon::feeds {

struct DecodedText {
  std::string utf8;
  std::string charset;  // what the bytes were read as, lower case ("utf-8", "windows-1251")
  bool repaired = false;  // invalid sequences were replaced or read as windows-1252
};

// The charset a Content-Type header names ("text/xml; charset=KOI8-R" -> "koi8-r"), or "".
std::string charset_from_content_type(std::string_view content_type);

// The encoding an XML declaration names in the first bytes, or "".
std::string charset_from_xml_declaration(std::string_view bytes);

// Chooses the charset (a byte-order mark first, then the HTTP charset, then
// the XML declaration, else UTF-8; UTF-16 without a BOM is recognised from
// "<?"), strips the BOM and converts to UTF-8 with iconv. A single-byte
// charset label on bytes that are valid multi-byte UTF-8 is taken as stale
// and the bytes are read as UTF-8. Input that claims
// UTF-8 but is not is repaired byte by byte: each invalid byte is read as
// windows-1252, which is what such feeds almost always are. A charset iconv
// does not know is a header fault, not a reason to drop the feed: the bytes
// are then read as UTF-8 with that repair. Never fails.
DecodedText decode_to_utf8(std::string_view bytes, std::string_view http_charset);

// Makes any string valid UTF-8 by the same byte-by-byte repair.
std::string repair_utf8(std::string_view text, bool* repaired = nullptr);

}  // namespace newsmon::feeds
