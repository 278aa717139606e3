#pragma once
// HTTP Content-Encoding, decoded here rather than by libcurl. libcurl inflates
// through zlib in 16 KiB steps; libdeflate inflates a whole gzip body about
// 2.5 times as fast, and inflating was the largest cost of the fetch thread
// (bench/poll_bench.sh). The body arrives whole anyway: feeds are read in one
// piece, and the cap on decoded bytes holds as before (a compression bomb
// stops at max_bytes of output).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace newsmon::net {

// The Accept-Encoding value sent: everything ContentDecoder reads.
inline constexpr const char* k_accept_encoding = "gzip, deflate, br, zstd";

enum class DecodeFailure { too_large, corrupt, unsupported };

struct DecodeError {
  DecodeFailure kind = DecodeFailure::corrupt;
  std::string message;
};

using DecodeResult = std::variant<std::string, DecodeError>;

// Reusable: holds the inflate state so that each body does not allocate it.
// Not thread-safe; one per thread or per client.
class ContentDecoder {
 public:
  ContentDecoder();
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // `encoding` is the Content-Encoding header: "", "identity", "gzip"
  // ("x-gzip"), "deflate" (zlib-wrapped, or raw as some servers send it),
  // "br", "zstd", or a list of them in the order they were applied. A gzip
  // body may hold several members. Fails with too_large when the decoded
  // bytes would exceed max_bytes, never allocating more than that.
  DecodeResult decode(std::string_view encoding, std::string body, std::size_t max_bytes);

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace newsmon::net
