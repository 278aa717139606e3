// ContentDecoder over bodies made by the reference encoders (zlib, brotli,
// zstd): every encoding at, just over and far over the cap, and broken input.
#include "net/content_decoding.hpp"
#include "tests/support/http_server.hpp"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace newsmon::net {
namespace {

std::string gzip(const std::string& input) { return newsmon::testing::zlib_encode(input, 15 + 16); }
std::string zlib_deflate(const std::string& input) { return newsmon::testing::zlib_encode(input, 15); }
std::string raw_deflate(const std::string& input) { return newsmon::testing::zlib_encode(input, -15); }

std::string brotli(const std::string& input) {
  std::string out(BrotliEncoderMaxCompressedSize(input.size()) + 16, '\0');
  std::size_t size = out.size();
  if (BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, input.size(),
                            reinterpret_cast<const std::uint8_t*>(input.data()), &size,
                            reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_FALSE) {
    throw std::runtime_error("brotli failed");
  }
  out.resize(size);
  return out;
}

std::string zstd(const std::string& input) {
  std::string out(ZSTD_compressBound(input.size()), '\0');
  const std::size_t size = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), 3);
  if (ZSTD_isError(size) != 0) {
    throw std::runtime_error("zstd failed");
  }
  out.resize(size);
  return out;
}

// Text that compresses like a feed, and bytes that do not compress at all.
std::string feed_like(std::size_t size) {
  static const std::vector<std::string> words = {"<item>", "<title>", "Ministers", "agree",
                                                 "on", "the", "budget", "\u00e9t\u00e9", "</p>\n"};
  std::mt19937 random(7);
  std::string out;
  while (out.size() < size) {
    out += words[random() % words.size()];
    out += ' ';
  }
  out.resize(size);
  return out;
}

std::string noise(std::size_t size) {
  std::mt19937 random(11);
  std::string out(size, '\0');
  for (auto& c : out) {
    c = static_cast<char>(random());
  }
  return out;
}

struct Codec {
  std::string name;  // the Content-Encoding value
  std::function<std::string(const std::string&)> encode;
};

const std::vector<Codec>& codecs() {
  static const std::vector<Codec> all = {
      {"gzip", gzip},          {"x-gzip", gzip},         {"GZip", gzip},
      {"deflate", zlib_deflate}, {"deflate", raw_deflate}, {"br", brotli},
      {"zstd", zstd},
  };
  return all;
}

std::string decoded_or_message(const DecodeResult& result) {
  if (const auto* body = std::get_if<std::string>(&result)) {
    return *body;
  }
  return "error: " + std::get<DecodeError>(result).message;
}

TEST(ContentDecoding, EveryCodecRoundTripsTextAndNoiseOfManySizes) {
  ContentDecoder decoder;
  for (const auto& codec : codecs()) {
    for (const std::size_t size : {1u, 100u, 65'535u, 65'536u, 65'537u, 300'000u}) {
      for (const auto& input : {feed_like(size), noise(size)}) {
        const auto result = decoder.decode(codec.name, codec.encode(input), 8u << 20);
        ASSERT_TRUE(std::holds_alternative<std::string>(result))
            << codec.name << " size " << size << ": " << decoded_or_message(result);
        EXPECT_EQ(std::get<std::string>(result), input) << codec.name << " size " << size;
      }
    }
  }
}

TEST(ContentDecoding, TheCapIsOnDecodedBytesExactly) {
  ContentDecoder decoder;
  const std::string input = feed_like(200'000);
  for (const auto& codec : codecs()) {
    const std::string encoded = codec.encode(input);
    const auto at_cap = decoder.decode(codec.name, encoded, input.size());
    EXPECT_EQ(decoded_or_message(at_cap), input) << codec.name;
    const auto over = decoder.decode(codec.name, encoded, input.size() - 1);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(over)) << codec.name;
    EXPECT_EQ(std::get<DecodeError>(over).kind, DecodeFailure::too_large) << codec.name;
  }
}

TEST(ContentDecoding, ABombStopsAtTheCap) {
  ContentDecoder decoder;
  const std::string bomb(16u << 20, 'a');  // a few KB to 16 KB encoded
  for (const auto& codec : codecs()) {
    const auto result = decoder.decode(codec.name, codec.encode(bomb), 1u << 20);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(result)) << codec.name;
    EXPECT_EQ(std::get<DecodeError>(result).kind, DecodeFailure::too_large) << codec.name;
  }
}

TEST(ContentDecoding, TruncatedOrCorruptBodiesAreErrorsNotShortBodies) {
  ContentDecoder decoder;
  const std::string input = feed_like(100'000);
  for (const auto& codec : codecs()) {
    const std::string encoded = codec.encode(input);
    const auto truncated = decoder.decode(codec.name, encoded.substr(0, encoded.size() / 2), 8u << 20);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(truncated)) << codec.name;
    EXPECT_EQ(std::get<DecodeError>(truncated).kind, DecodeFailure::corrupt) << codec.name;
  }
  const auto garbage = decoder.decode("gzip", "\x1f\x8b this is not gzip at all", 8u << 20);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(garbage));
  EXPECT_EQ(std::get<DecodeError>(garbage).kind, DecodeFailure::corrupt);
}

TEST(ContentDecoding, GzipMembersFollowOneAnotherAndPaddingAfterThemIsIgnored) {
  ContentDecoder decoder;
  const std::string first = feed_like(70'000);
  const std::string second = noise(5'000);
  EXPECT_EQ(decoded_or_message(decoder.decode("gzip", gzip(first) + gzip(second), 8u << 20)),
            first + second);
  EXPECT_EQ(decoded_or_message(decoder.decode("gzip", gzip(first) + std::string(8, '\0'), 8u << 20)),
            first);
}

TEST(ContentDecoding, StackedCodingsAreUndoneLastFirst) {
  ContentDecoder decoder;
  const std::string input = feed_like(50'000);
  EXPECT_EQ(decoded_or_message(decoder.decode("deflate, gzip", gzip(zlib_deflate(input)), 8u << 20)),
            input);
  EXPECT_EQ(decoded_or_message(decoder.decode("br,identity , zstd", zstd(brotli(input)), 8u << 20)),
            input);
}

TEST(ContentDecoding, IdentityAndEmptyPassThroughUnknownIsRefused) {
  ContentDecoder decoder;
  EXPECT_EQ(decoded_or_message(decoder.decode("", "<rss/>", 100)), "<rss/>");
  EXPECT_EQ(decoded_or_message(decoder.decode("identity", "<rss/>", 100)), "<rss/>");
  EXPECT_EQ(decoded_or_message(decoder.decode("gzip", "", 100)), "");  // a 304 or HEAD
  const auto over = decoder.decode("identity", "<rss/>", 3);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(over));
  EXPECT_EQ(std::get<DecodeError>(over).kind, DecodeFailure::too_large);
  const auto unknown = decoder.decode("compress", "\x1f\x9d\x90", 100);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(unknown));
  EXPECT_EQ(std::get<DecodeError>(unknown).kind, DecodeFailure::unsupported);
  EXPECT_NE(std::get<DecodeError>(unknown).message.find("compress"), std::string::npos);
}

}  // namespace
}  // namespace newsmon::net
