#include "net/url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/strings.hpp"

namespace newsmon::net {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

std::optional<std::string> get_part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK) {
    return std::nullopt;
  }
  CurlString owned(raw);
  return std::string(owned.get());
}

UrlHandle parse(std::string_view url) {
  UrlHandle handle(curl_url());
  const std::string copy(url);
  // Any scheme parses here; which ones may be fetched is the client's call.
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
                     CURLUE_OK) {
    return nullptr;
  }
  return handle;
}

}  // namespace

std::optional<UrlParts> parse_url(std::string_view url) {
  const UrlHandle handle = parse(url);
  if (!handle) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = ascii_lower(get_part(handle.get(), CURLUPART_SCHEME).value_or(""));
  parts.host = ascii_lower(get_part(handle.get(), CURLUPART_HOST).value_or(""));
  if (parts.scheme.empty()) {
    return std::nullopt;
  }
  return parts;
}

std::string host_key(std::string_view url) {
  const UrlHandle handle = parse(url);
  if (!handle) {
    return {};
  }
  std::string key = ascii_lower(get_part(handle.get(), CURLUPART_HOST).value_or(""));
  if (const auto port = get_part(handle.get(), CURLUPART_PORT)) {
    key += ':' + *port;
  }
  return key;
}

std::string resolve_url(std::string_view base, std::string_view location) {
  const UrlHandle handle = parse(base);
  if (!handle) {
    return std::string(location);
  }
  const std::string copy(location);
  if (curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return copy;
  }
  return get_part(handle.get(), CURLUPART_URL).value_or(copy);
}

}  // namespace newsmon::net
