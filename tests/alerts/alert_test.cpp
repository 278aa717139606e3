#include "alerts/alert.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/alerts/alert_fixtures.hpp"

namespace newsmon::alerts {
namespace {

using testing::seed_alert;
using testing::utc;
using Json = nlohmann::json;

TEST(FormatUtc, WritesWholeSecondsInUtc) {
  struct Case {
    SysTime time;
    std::string expected;
  };
  const Case cases[] = {
      {utc(2018, 5, 31, 9, 20, 7), "2018-05-31T09:20:07Z"},
      {utc(1970, 1, 1), "1970-01-01T00:00:00Z"},
      {utc(2024, 2, 29, 23, 59, 59) + std::chrono::milliseconds(999), "2024-02-29T23:59:59Z"},
      {utc(2100, 12, 31, 23, 59, 59), "2100-12-31T23:59:59Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_utc(c.time), c.expected);
  }
}

TEST(ParseUtc, AcceptsOnlyTheFormatWritten) {
  EXPECT_EQ(parse_utc("2018-05-31T09:20:07Z"), utc(2018, 5, 31, 9, 20, 7));
  for (const char* bad : {"2018-05-31 09:20:07Z", "2018-05-31T09:20:07", "2018-02-30T00:00:00Z",
                          "2018-05-31T24:00:00Z", "", "2018-5-31T09:20:07Z"}) {
    EXPECT_FALSE(parse_utc(bad).has_value()) << bad;
  }
}

TEST(WebhookJson, IsExactlyTheDesignedObject) {
  Alert alert = seed_alert();
  alert.article = " date 2018-05-31 Short body.\n\nSecond \"quoted\" paragraph.";
  EXPECT_EQ(webhook_json(alert),
            R"({"event":"new_story","story_id":"story-1",)"
            R"("feed":{"name":"afp-world","url":"https://example.org/world.rss"},)"
            R"("item":{"title":"Kim Jong-un meets Russia's Lavrov in Pyongyang",)"
            R"("link":"https://example.org/world/korea-talks","guid":"urn:example:korea-talks",)"
            R"("published":"2018-05-31T09:15:00Z"},)"
            R"("article":" date 2018-05-31 Short body.\n\nSecond \"quoted\" paragraph.",)"
            R"("detected_at":"2018-05-31T09:20:07Z"})");
}

TEST(WebhookJson, CarriesTheWholeSeedArticleAndNullWhenUndated) {
  Alert alert = seed_alert();
  alert.item.published.reset();
  const Json body = Json::parse(webhook_json(alert));
  EXPECT_TRUE(body["item"]["published"].is_null());
  EXPECT_EQ(body["article"], alert.article);
  EXPECT_FALSE(body.contains("sources"));
  EXPECT_FALSE(body["feed"].contains("tags"));
}

TEST(WebhookJson, StoryUpdateAddsMembersAndSources) {
  Alert alert = seed_alert();
  alert.event = AlertEvent::story_update;
  alert.member_count = 4;
  alert.sources = {"afp-world", "bbc-asia", "reuters"};
  const Json body = Json::parse(webhook_json(alert));
  EXPECT_EQ(body["event"], "story_update");
  EXPECT_EQ(body["member_count"], 4);
  EXPECT_EQ(body["sources"], Json({"afp-world", "bbc-asia", "reuters"}));
}

TEST(WebhookJson, InvalidUtf8InFeedTextDoesNotThrow) {
  Alert alert = seed_alert();
  alert.item.title = "bad \xC3\x28 byte";
  const Json body = Json::parse(webhook_json(alert));
  EXPECT_EQ(body["item"]["title"], "bad \xEF\xBF\xBD( byte");
}

TEST(TruncateUtf8, CutsOnCodePointsAndMarksTheCut) {
  struct Case {
    std::string text;
    std::size_t max;
    std::string expected;
  };
  const Case cases[] = {
      {"hello", 5, "hello"},
      {"hello", 10, "hello"},
      {"hello world", 5, "hell\xE2\x80\xA6"},
      {"h\xC3\xA9llo", 2, "h\xE2\x80\xA6"},                                     // é is never split
      {"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 2, "\xE2\x82\xAC\xE2\x80\xA6"},  // €€€
      {"\xF0\x9F\x93\xB0\xF0\x9F\x93\xB0", 1, "\xE2\x80\xA6"},                  // 📰📰
      {"abc", 0, ""},
      {"", 3, ""},
  };
  for (const auto& c : cases) {
    const std::string out = truncate_utf8(c.text, c.max);
    EXPECT_EQ(out, c.expected) << c.text << " / " << c.max;
    EXPECT_LE(count_code_points(out), c.max);
  }
}

// Slack rejects or truncates texts over 40k characters, Discord rejects a
// message whose content exceeds 2000 or an embed description 4096.
TEST(ChatFormats, StayWithinLimitsOnHugeMultibyteArticles) {
  Alert alert = seed_alert();
  std::string body;
  while (count_code_points(body) < 50'000) {
    body += "Ünïcödé & <tags> — ";  // multi-byte and Slack-escaped characters
  }
  alert.article = " date 2018-05-31 " + body;
  alert.item.title = std::string(3'000, 'T');

  const Json slack = Json::parse(slack_json(alert));
  const std::string text = slack["text"];
  EXPECT_LE(count_code_points(text), k_slack_text_limit);
  EXPECT_GT(count_code_points(text), k_slack_text_limit - 10);
  EXPECT_EQ(text.find("<tags>"), std::string::npos) << "Slack control characters are escaped";
  // The cut never splits an escape.
  const auto last_amp = text.rfind('&');
  ASSERT_NE(last_amp, std::string::npos);
  EXPECT_NE(text.find(';', last_amp), std::string::npos);

  const Json discord = Json::parse(discord_json(alert));
  EXPECT_LE(count_code_points(discord["content"].get<std::string>()), k_discord_content_limit);
  const Json& embed = discord["embeds"][0];
  EXPECT_LE(count_code_points(embed["title"].get<std::string>()), k_discord_title_limit);
  EXPECT_LE(count_code_points(embed["description"].get<std::string>()),
            k_discord_description_limit);
  EXPECT_EQ(embed["url"], alert.item.link);
  EXPECT_EQ(discord["allowed_mentions"]["parse"], Json::array());
}

TEST(ChatFormats, ShowTitleLinkDateAndBodyWithoutTheDatePrefix) {
  const Alert alert = seed_alert();
  const std::string text = Json::parse(slack_json(alert))["text"];
  EXPECT_NE(text.find("<https://example.org/world/korea-talks|Kim Jong-un meets Russia's Lavrov "
                      "in Pyongyang>"),
            std::string::npos);
  EXPECT_NE(text.find("\n2018-05-31\n\nUS and North Korean envoys"), std::string::npos);
  EXPECT_EQ(text.find(" date 2018"), std::string::npos);

  const Json discord = Json::parse(discord_json(alert));
  EXPECT_EQ(discord["embeds"][0]["timestamp"], "2018-05-31T09:15:00Z");
  EXPECT_TRUE(discord["embeds"][0]["description"].get<std::string>().starts_with("US and North"));
}

TEST(ChatFormats, DiscordOmitsANonHttpLink) {
  Alert alert = seed_alert();
  alert.item.link = "urn:x:1";
  EXPECT_FALSE(Json::parse(discord_json(alert))["embeds"][0].contains("url"));
}

TEST(FormatBody, PicksTheConfiguredFormat) {
  const Alert alert = seed_alert();
  EXPECT_EQ(format_body(alert, config::WebhookFormat::json), webhook_json(alert));
  EXPECT_EQ(format_body(alert, config::WebhookFormat::slack), slack_json(alert));
  EXPECT_EQ(format_body(alert, config::WebhookFormat::discord), discord_json(alert));
}

// RFC 4231 test cases 1, 2 and 6 (key longer than the block size).
TEST(HmacSignature, MatchesRfc4231Vectors) {
  struct Case {
    std::string key;
    std::string data;
    std::string hex;
  };
  const Case cases[] = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(hmac_sha256_signature(c.key, c.data), "sha256=" + c.hex);
  }
  EXPECT_NE(hmac_sha256_signature("Jefe", "what do ya want for nothing?"),
            hmac_sha256_signature("jefe", "what do ya want for nothing?"));
}

TEST(WebhookHeaders, CarryIdempotencyKeyAndSignatureOnlyWithASecret) {
  const Alert alert = seed_alert("story-42");
  const std::string body = webhook_json(alert);
  const auto find = [](const auto& headers, std::string_view name) -> std::optional<std::string> {
    for (const auto& [key, value] : headers) {
      if (key == name) {
        return value;
      }
    }
    return std::nullopt;
  };
  const auto signed_headers = webhook_headers(alert, body, "s3cret", {{"X-Team", "news"}});
  EXPECT_EQ(find(signed_headers, "Content-Type"), "application/json");
  EXPECT_EQ(find(signed_headers, "Idempotency-Key"), "story-42");
  EXPECT_EQ(find(signed_headers, "X-Newsmon-Signature"), hmac_sha256_signature("s3cret", body));
  EXPECT_EQ(find(signed_headers, "X-Team"), "news");
  EXPECT_FALSE(find(webhook_headers(alert, body, "", {}), "X-Newsmon-Signature").has_value());

  Alert update = alert;
  update.event = AlertEvent::story_update;
  update.sources = {"a", "b", "c"};
  EXPECT_EQ(idempotency_key(update), "story-42/sources=3");
}

TEST(Serialize, RoundTripsEveryField) {
  Alert alert = seed_alert();
  alert.event = AlertEvent::story_update;
  alert.member_count = 3;
  alert.sources = {"a", "b"};
  alert.detected_at += std::chrono::nanoseconds(123'456'789);
  auto back = deserialize(serialize(alert));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, alert);

  Alert undated = seed_alert();
  undated.item.published.reset();
  auto undated_back = deserialize(serialize(undated));
  ASSERT_TRUE(undated_back.ok());
  EXPECT_EQ(*undated_back, undated);
}

TEST(Serialize, RejectsDamagedRows) {
  for (const char* bad :
       {"", "not json", "[]", R"({"event":"new_story"})", R"({"event":"other","story_id":"x"})"}) {
    EXPECT_FALSE(deserialize(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace newsmon::alerts
