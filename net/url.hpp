#pragma once
// Small URL helpers over libcurl's URL parser, shared by the HTTP client (per
// host caps) and the scheduler (per host rate limits).
#include <optional>
#include <string>
#include <string_view>

namespace newsmon::net {

struct UrlParts {
  std::string scheme;  // lower-case: "http", "https", "file", ...
  std::string host;    // lower-case; empty for file:// URLs
};

// The scheme and host of an absolute URL; nullopt when it cannot be parsed.
std::optional<UrlParts> parse_url(std::string_view url);

// "host" or "host:port" identifying one origin server for caps and rate
// limits; empty when the URL cannot be parsed.
std::string host_key(std::string_view url);

// `location` resolved against `base` (a redirect's Location may be relative).
std::string resolve_url(std::string_view base, std::string_view location);

}  // namespace newsmon::net
