#include "feeds/url.hpp"

#include <gtest/gtest.h>

namespace newsmon::feeds {
namespace {

struct UrlCase {
  const char* base;
  const char* reference;
  const char* resolved;
};

// RFC 3986 section 5.4 examples, plus what feeds need.
const UrlCase k_cases[] = {
    {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
    {"http://a/b/c/d;p?q", "/g", "http://a/g"},
    {"http://a/b/c/d;p?q", "//g", "http://g"},
    {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
    {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
    {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
    {"http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q"},
    {"http://a/b/c/d;p?q", ".", "http://a/b/c/"},
    {"http://a/b/c/d;p?q", "..", "http://a/b/"},
    {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
    {"http://a/b/c/d;p?q", "../../g", "http://a/g"},
    {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
    {"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
    {"http://a/b/c/d;p?q", "https://other/x", "https://other/x"},
    {"https://example.com", "post/1", "https://example.com/post/1"},
    {"https://example.com/blog/feed.xml", "  /blog/2003/x  ", "https://example.com/blog/2003/x"},
    {"", "/relative", "/relative"},
    {"not-absolute/base", "g", "g"},
    {"https://example.com/", "mailto:me@example.com", "mailto:me@example.com"},
};

TEST(ResolveUrl, Rfc3986Examples) {
  for (const auto& c : k_cases) {
    SCOPED_TRACE(std::string(c.base) + " + " + c.reference);
    EXPECT_EQ(resolve_url(c.base, c.reference), c.resolved);
  }
}

TEST(IsAbsoluteUrl, SchemeMakesAbsolute) {
  EXPECT_TRUE(is_absolute_url("https://x/y"));
  EXPECT_TRUE(is_absolute_url("urn:uuid:1"));
  EXPECT_FALSE(is_absolute_url("/x/y"));
  EXPECT_FALSE(is_absolute_url("x/y:z"));
}

}  // namespace
}  // namespace newsmon::feeds
