#include "net/content_decoding.hpp"

#include <brotli/decode.h>
#include <libdeflate.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/strings.hpp"

namespace newsmon::net {
namespace {

constexpr std::size_t k_min_capacity = 64 * 1024;

DecodeError too_large(std::size_t max_bytes) {
  return {DecodeFailure::too_large, "decoded body exceeds " + std::to_string(max_bytes) + " bytes"};
}

DecodeError corrupt(std::string_view encoding, std::string_view what) {
  return {DecodeFailure::corrupt, "bad " + std::string(encoding) + " content: " + std::string(what)};
}

// The next output size to try after `capacity` proved too small; 0 when the
// cap is reached (the body is too large).
std::size_t grown(std::size_t capacity, std::size_t max_bytes) {
  if (capacity >= max_bytes) {
    return 0;
  }
  return std::min(max_bytes, std::max(capacity * 2, k_min_capacity));
}

// A first guess of the decoded size that a well-formed body makes exact
// (gzip's trailer) or close; growth covers the rest.
std::size_t first_capacity(std::size_t hint, std::size_t max_bytes) {
  return std::min(hint, max_bytes);
}

using LibdeflateFn = libdeflate_result (*)(libdeflate_decompressor*, const void*, std::size_t, void*,
                                           std::size_t, std::size_t*, std::size_t*);

// One gzip member, zlib stream or raw deflate stream at in[0..], appended to
// `out` past `used`; returns the input bytes it took, or the error.
std::variant<std::size_t, DecodeError> inflate_one(libdeflate_decompressor* inflater, LibdeflateFn fn,
                                                   std::string_view encoding, std::string_view in,
                                                   std::string& out, std::size_t& used,
                                                   std::size_t max_bytes) {
  while (true) {
    std::size_t in_used = 0;
    std::size_t out_used = 0;
    const libdeflate_result result =
        fn(inflater, in.data(), in.size(), out.data() + used, out.size() - used, &in_used, &out_used);
    if (result == LIBDEFLATE_SUCCESS) {
      used += out_used;
      return in_used;
    }
    if (result != LIBDEFLATE_INSUFFICIENT_SPACE) {
      return corrupt(encoding, result == LIBDEFLATE_BAD_DATA ? "invalid or truncated data"
                                                             : "decoder failure");
    }
    const std::size_t next = grown(out.size(), max_bytes);
    if (next == 0) {
      return too_large(max_bytes);
    }
    out.resize(next);
  }
}

DecodeResult inflate_gzip(libdeflate_decompressor* inflater, std::string_view in, std::size_t max_bytes) {
  // ISIZE, the last four bytes, is the decoded size (mod 2^32) of the last
  // member: exact for the usual single member.
  std::size_t hint = k_min_capacity;
  if (in.size() >= 18) {
    const auto* tail = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
    hint = static_cast<std::size_t>(tail[0]) | static_cast<std::size_t>(tail[1]) << 8 |
           static_cast<std::size_t>(tail[2]) << 16 | static_cast<std::size_t>(tail[3]) << 24;
  }
  std::string out(first_capacity(hint, max_bytes), '\0');
  std::size_t used = 0;
  std::size_t at = 0;
  do {
    auto taken = inflate_one(inflater, &libdeflate_gzip_decompress_ex, "gzip", in.substr(at), out,
                             used, max_bytes);
    if (auto* error = std::get_if<DecodeError>(&taken)) {
      return std::move(*error);
    }
    at += std::get<std::size_t>(taken);
    // Members follow one another; anything else after a member (padding)
    // is ignored, as zlib-based readers do.
  } while (in.size() - at >= 2 && in[at] == '\x1f' && in[at + 1] == '\x8b');
  out.resize(used);
  return out;
}

// HTTP "deflate" is a zlib stream, but some servers send raw deflate.
DecodeResult inflate_deflate(libdeflate_decompressor* inflater, std::string_view in,
                             std::size_t max_bytes) {
  std::string out(first_capacity(std::max(in.size() * 4, k_min_capacity), max_bytes), '\0');
  std::size_t used = 0;
  auto taken = inflate_one(inflater, &libdeflate_zlib_decompress_ex, "deflate", in, out, used, max_bytes);
  if (const auto* error = std::get_if<DecodeError>(&taken); error != nullptr && error->kind == DecodeFailure::corrupt) {
    used = 0;
    taken = inflate_one(inflater, &libdeflate_deflate_decompress_ex, "deflate", in, out, used, max_bytes);
  }
  if (auto* error = std::get_if<DecodeError>(&taken)) {
    return std::move(*error);
  }
  out.resize(used);
  return out;
}

struct BrotliCloser {
  void operator()(BrotliDecoderState* state) const { BrotliDecoderDestroyInstance(state); }
};

DecodeResult decode_brotli(std::string_view in, std::size_t max_bytes) {
  std::unique_ptr<BrotliDecoderState, BrotliCloser> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr));
  if (!state) {
    return corrupt("br", "cannot create a decoder");
  }
  // One byte over the cap tells "exactly max_bytes" from "more".
  std::string out(first_capacity(std::max(in.size() * 4, k_min_capacity), max_bytes + 1), '\0');
  std::size_t used = 0;
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  std::size_t available_in = in.size();
  while (true) {
    auto* next_out = reinterpret_cast<std::uint8_t*>(out.data() + used);
    std::size_t available_out = out.size() - used;
    const BrotliDecoderResult result = BrotliDecoderDecompressStream(
        state.get(), &available_in, &next_in, &available_out, &next_out, nullptr);
    used = out.size() - available_out;
    if (used > max_bytes) {
      return too_large(max_bytes);
    }
    if (result == BROTLI_DECODER_RESULT_SUCCESS) {
      break;
    }
    if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
      if (out.size() > max_bytes) {
        return too_large(max_bytes);  // more than the cap plus one byte is coming
      }
      out.resize(std::min(max_bytes + 1, std::max(out.size() * 2, k_min_capacity)));
      continue;
    }
    return corrupt("br", result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT
                             ? "truncated data"
                             : BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state.get())));
  }
  out.resize(used);
  return out;
}

struct ZstdCloser {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

DecodeResult decode_zstd(std::string_view in, std::size_t max_bytes) {
  std::unique_ptr<ZSTD_DCtx, ZstdCloser> context(ZSTD_createDCtx());
  if (!context) {
    return corrupt("zstd", "cannot create a decoder");
  }
  // The window a frame may ask for is bounded by what the body may hold, but
  // never below the 8 MiB that HTTP's zstd coding allows an encoder (RFC 9659),
  // so a hostile frame cannot make the decoder allocate more than either.
  int window_log = 23;
  while (window_log < 27 && (std::size_t{1} << window_log) < max_bytes) {
    ++window_log;
  }
  ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, window_log);
  std::size_t hint = std::max(in.size() * 4, k_min_capacity);
  const unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR) {
    if (declared > max_bytes) {
      return too_large(max_bytes);
    }
    hint = static_cast<std::size_t>(declared);
  }
  std::string out(first_capacity(hint, max_bytes + 1), '\0');
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::size_t last = 1;  // what the frame still needs; 0 once it is complete
  std::size_t used = 0;
  while (input.pos < input.size || last != 0) {
    ZSTD_outBuffer output{out.data(), out.size(), used};
    last = ZSTD_decompressStream(context.get(), &output, &input);
    used = output.pos;
    if (ZSTD_isError(last) != 0) {
      // A window over the cap: the content is at least that large.
      if (ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge) {
        return too_large(max_bytes);
      }
      return corrupt("zstd", ZSTD_getErrorName(last));
    }
    if (used > max_bytes) {
      return too_large(max_bytes);
    }
    if (used == out.size()) {
      out.resize(std::min(max_bytes + 1, std::max(out.size() * 2, k_min_capacity)));
    } else if (input.pos == input.size && last != 0) {
      return corrupt("zstd", "truncated data");
    }
  }
  out.resize(used);
  return out;
}

}  // namespace

struct ContentDecoder::State {
  struct Closer {
    void operator()(libdeflate_decompressor* inflater) const { libdeflate_free_decompressor(inflater); }
  };
  std::unique_ptr<libdeflate_decompressor, Closer> inflater{libdeflate_alloc_decompressor()};
};

ContentDecoder::ContentDecoder() : m_state(std::make_unique<State>()) {}

ContentDecoder::~ContentDecoder() = default;

DecodeResult ContentDecoder::decode(std::string_view encoding, std::string body, std::size_t max_bytes) {
  // Codings are listed in the order they were applied: undo the last first.
  std::vector<std::string> codings;
  for (std::size_t start = 0; start <= encoding.size();) {
    auto comma = encoding.find(',', start);
    if (comma == std::string_view::npos) {
      comma = encoding.size();
    }
    std::string coding = ascii_lower(trim_ascii_space(encoding.substr(start, comma - start)));
    if (!coding.empty() && coding != "identity") {
      codings.push_back(std::move(coding));
    }
    start = comma + 1;
  }
  for (auto it = codings.rbegin(); it != codings.rend() && !body.empty(); ++it) {
    const std::string& coding = *it;
    DecodeResult decoded;
    if (coding == "gzip" || coding == "x-gzip") {
      if (!m_state->inflater) {
        return corrupt(coding, "cannot create a decoder");
      }
      decoded = inflate_gzip(m_state->inflater.get(), body, max_bytes);
    } else if (coding == "deflate") {
      if (!m_state->inflater) {
        return corrupt(coding, "cannot create a decoder");
      }
      decoded = inflate_deflate(m_state->inflater.get(), body, max_bytes);
    } else if (coding == "br") {
      decoded = decode_brotli(body, max_bytes);
    } else if (coding == "zstd") {
      decoded = decode_zstd(body, max_bytes);
    } else {
      return DecodeError{DecodeFailure::unsupported, "unsupported content encoding '" + coding + "'"};
    }
    if (std::holds_alternative<DecodeError>(decoded)) {
      return decoded;
    }
    body = std::move(std::get<std::string>(decoded));
  }
  if (body.size() > max_bytes) {
    return too_large(max_bytes);
  }
  return body;
}

}  // namespace newsmon::net
