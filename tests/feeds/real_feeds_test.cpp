// Real feeds from other feed projects' test suites (tests/data/feeds/, see
// its README for sources and licenses): per file the format, the item count
// and, for the first and last item, every field and the exact dated article.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "feeds/parser.hpp"

namespace newsmon::feeds {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;

// Items without a date get the fetch date; far enough ahead that no real
// date is clamped as future.
const SysTime k_fetch = sys_days{2030y / January / 1} + 9h;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string data_path(const std::string& name) {
  return std::string(NEWSMON_TEST_DATA) + "/feeds/" + name;
}

struct ExpectedItem {
  std::size_t index;
  const char* title;
  const char* link;
  const char* guid;
  const char* published;  // nullptr: none or unreadable
  const char* article;    // "file:NAME": the text of tests/data/feeds/expected/NAME
};

struct RealFeedCase {
  const char* file;
  FeedFormat format;
  std::size_t item_count;
  std::vector<ExpectedItem> items;
};

const RealFeedCase k_real_feeds[] = {
    {"newsboat/rss091_1.xml", FeedFormat::rss09x, 1, {
      {0, "1 < 2", "http://example.com/1_less_than_2.html", "http://example.com/1_less_than_2.html", nullptr, " date 2030-01-01 1 < 2, 3 < 4. In HTML, starts a bold phrase and you start a link with"}}},
    {"feed-rs/rss_0.91_encoding_1.xml", FeedFormat::rss09x, 1, {
      {0, "bash - Expansão de Parâmetros", "http://www.Dicas-L.com.br/dicas-l/20200406.php", "http://www.Dicas-L.com.br/dicas-l/20200406.php", nullptr, " date 2030-01-01 bash - Expansão de Parâmetros"}}},
    {"newsboat/rss092_1.xml", FeedFormat::rss09x, 3, {
      {0, "1 < 2", "http://example.com/1_less_than_2.html", "http://example.com/1_less_than_2.html", nullptr, " date 2030-01-01 1 < 2, 3 < 4. In HTML, starts a bold phrase and you start a link with"},
      {2, "A third item", "http://example.com/a_third_item.html", "http://example.com/a_third_item.html", nullptr, " date 2030-01-01 no description"}}},
    {"rome/rss_0.94.xml", FeedFormat::rss09x, 2, {
      {0, "rss_0.94.channel.item[0].title", "rss_0.94.channel.item[0].link", "rss_0.94.channel.item[0].guid", "2001-01-01T00:00:00Z", " date 2001-01-01 rss_0.94.channel.item[0].description"},
      {1, "rss_0.94.channel.item[1].title", "rss_0.94.channel.item[1].link", "rss_0.94.channel.item[1].guid", "2001-01-02T00:00:00Z", " date 2001-01-02 rss_0.94.channel.item[1].description"}}},
    {"rome/rss_0.9.xml", FeedFormat::rss09x, 2, {
      {0, "rss_0.9.item[0].title", "rss_0.9.item[0].link", "rss_0.9.item[0].link", nullptr, " date 2030-01-01 rss_0.9.item[0].title"},
      {1, "rss_0.9.item[1].title", "rss_0.9.item[1].link", "rss_0.9.item[1].link", nullptr, " date 2030-01-01 rss_0.9.item[1].title"}}},
    {"newsboat/rss10_1.xml", FeedFormat::rss10, 1, {
      {0, "New Status Updates", "http://www.example.org/status/foo", "http://www.example.org/status/", "2008-12-30T07:20:00Z", " date 2008-12-30 News about the Example project"}}},
    {"rss-parser/craigslist.rss", FeedFormat::rss10, 25, {
      {0, "Bright, Spacious Beautiful Victorian (oakland north / temescal) $4300 3bd 1930ft2", "http://sfbay.craigslist.org/eby/apa/6186664607.html", "http://sfbay.craigslist.org/eby/apa/6186664607.html", "2017-06-21T17:33:10Z", "file:rss-parser__craigslist.rss.0.txt"},
      {24, "1BD/1BA, Top floor,Private Bal.,Hardwood,Dishwasher,Parking,Laundry (oakland lake merritt / grand) $1950 1bd 625ft2", "http://sfbay.craigslist.org/eby/apa/6170845890.html", "http://sfbay.craigslist.org/eby/apa/6170845890.html", "2017-06-21T17:31:19Z", "file:rss-parser__craigslist.rss.24.txt"}}},
    {"feed-rs/rss_2.0_bbc.xml", FeedFormat::rss20, 1, {
      {0, "Marcus Aurelius", "http://www.bbc.co.uk/programmes/m000sjxt", "urn:bbc:podcast:m000sjxt", "2021-02-25T10:15:00Z", " date 2021-02-25 Melvyn Bragg and guests discuss..."}}},
    {"node-feedparser/rss2sample.xml", FeedFormat::rss20, 4, {
      {0, "Star City", "http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp", "http://liftoff.msfc.nasa.gov/2003/06/03.html#item573", "2003-06-03T09:39:21Z", " date 2003-06-03 How do Americans get ready to work with Russians aboard the International Space Station? They take a crash course in culture, language and protocol at Russia's Star City."},
      {3, "Astronauts' Dirty Laundry", "http://liftoff.msfc.nasa.gov/news/2003/news-laundry.asp", "http://liftoff.msfc.nasa.gov/2003/05/20.html#item570", "2003-05-20T08:56:02Z", " date 2003-05-20 Compared to earlier spacecraft, the International Space Station has many luxuries, but laundry facilities are not one of them. Instead, astronauts have other options."}}},
    {"rome/atom_0.3.xml", FeedFormat::atom03, 2, {
      {0, "atom_0.3.feed.entry[0].title", "atom_0.3.feed.entry[0].link^href", "atom_0.3.feed.entry[0]^id", "2000-01-01T01:00:00Z", " date 2000-01-01 atom_0.3.feed.entry[0].content[0]"},
      {1, "atom_0.3.feed.entry[1].title", "atom_0.3.feed.entry[1].link^href", "atom_0.3.feed.entry[1]^id", "2000-02-01T01:00:00Z", " date 2000-02-01 atom_0.3.feed.entry[1].content[0]"}}},
    {"newsboat/atom10_1.xml", FeedFormat::atom10, 3, {
      {0, "A gentle introduction to Atom testing", "http://example.com/atom_testing.html", "tag:example.com,2008-12-30:/atom_testing", "2008-12-30T20:04:15Z", " date 2008-12-30 some content"},
      {2, "alternate link isn't first", "http://example.com/atom_testing.html", "tag:example.com,2008-12-30:/atom_testing2", "2008-12-30T20:24:15Z", " date 2008-12-30 some content"}}},
    {"feed-rs/jsonfeed_spec_1.json", FeedFormat::json10, 1, {
      {0, "Announcing JSON Feed", "https://jsonfeed.org/2017/05/17/announcing_json_feed", "https://jsonfeed.org/2017/05/17/announcing_json_feed", "2017-05-17T15:02:12Z", "file:feed-rs__jsonfeed_spec_1.json.0.txt"}}},
    {"feed-rs/jsonfeed_elastic_1.1.json", FeedFormat::json11, 3, {
      {0, "InfluxDB vs. Graphite for Time Series Data & Metrics Benchmark", "https://www.influxdata.com/blog/influxdb-outperforms-graphite-in-time-series-data-metrics-benchmark", "https://www.influxdata.com/blog/influxdb-outperforms-graphite-in-time-series-data-metrics-benchmark", "2019-05-31T19:17:58Z", "file:feed-rs__jsonfeed_elastic_1.1.json.0.txt"},
      {2, "Fake item", "https://example.com", "https://example.com", nullptr, " date 2030-01-01 Fake item"}}},
    {"rsparser/authors.json", FeedFormat::json11, 4, {
      {0, "", "", "Item without authors", nullptr, " date 2030-01-01"},
      {3, "", "", "Item with both", nullptr, " date 2030-01-01"}}},
    {"miniflux/encoding-koi8r.xml", FeedFormat::rss20, 2, {
      {0, "Первая новость", "http://example.com/post1", "http://example.com/post1", "2026-02-15T10:00:00Z", " date 2026-02-15 Это тестовое описание с русскими символами: Привет мир! Ёжик, чай, Москва, Санкт-Петербург."},
      {1, "Вторая новость", "http://example.com/post2", "http://example.com/post2", "2026-02-15T11:00:00Z", " date 2026-02-15 Проверка специальных символов: & < > А также числа: 1234567890."}}},
    {"miniflux/encoding_WINDOWS-1251.xml", FeedFormat::rss20, 50, {
      {0, "Цитата #17703", "http://ibash.org.ru/quote.php?id=17703", "http://ibash.org.ru/quote.php?id=17703", "2018-03-21T07:27:32Z", " date 2018-03-21 xxx: есть у кого жаба программер\n\nxxx: кот немного пхп знает?\n\nyyy: то что кот PHP немного знает, я бы ещё может поверил\n\nyyy: но вот жаба-программер - это ты по-моему загнул"},
      {49, "Цитата #17220", "http://ibash.org.ru/quote.php?id=17220", "http://ibash.org.ru/quote.php?id=17220", "2018-03-15T06:16:48Z", " date 2018-03-15 xxx: конструктор запросов как всегда гентален\n\nxxx: :(\n\nxxx: хм хотел написать гениален, но генитален тоже пойдет"}}},
    {"miniflux/no_encoding_ISO-8859-1.xml", FeedFormat::rss20, 10, {
      {0, "Perturbateurs endocriniens : quels effets sur le cerveau ?", "https://le-cercle-psy.scienceshumaines.com/perturbateurs-endocriniens-quels-effets-sur-le-cerveau_sh_39995", "https://le-cercle-psy.scienceshumaines.com/perturbateurs-endocriniens-quels-effets-sur-le-cerveau_sh_39995", "2018-10-17T10:30:00Z", " date 2018-10-17 Si leur impact semble discret au premier abord, nombre d'études montrent que les perturbateurs endocriniens pourraient être à l'origine de troubles neuro-développementaux chez l'enfant."},
      {9, "Psychologue à domicile : de la clinique à l'état brut", "https://le-cercle-psy.scienceshumaines.com/psychologue-a-domicile-de-la-clinique-a-l-etat-brut_sh_35540", "https://le-cercle-psy.scienceshumaines.com/psychologue-a-domicile-de-la-clinique-a-l-etat-brut_sh_35540", "2018-10-17T10:30:00Z", " date 2018-10-17 Si tu ne peux pas venir au psychologue, le psychologue viendra à toi ! L'intervention à domicile demeure une pratique encore peu répandue chez les psys. En quoi diffère-t-elle d'une consultation ordinaire ?"}}},
    {"huginn/iso-8859-1.rss", FeedFormat::rss20, 1, {
      {0, "Mëkanïk Zaïn", "http://example.net/post/1", "http://example.net/post/1", "2016-11-21T16:00:10Z", " date 2016-11-21 Mëkanïk Zaïn"}}},
    {"rsparser/kc0011.rss", FeedFormat::rss20, 20, {
      {0, "建国35周年纪念，华表，和平鸽", "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1", "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1", nullptr, " date 2030-01-01 建国35周年纪念，华表，和平鸽\n\n35周年1套520，华表60一个，和平鸽20一个\n\n一起出7枚680元，包真包老。品相如图，喜欢联系\n\n此主题相关图片如下：\n\n此主题相关图片如下：\n\n此主题相关图片如下：\n\n此主题相关图片如下：\n\n此主题相关图片如下：\n\n此主题相关图片如下：\n\n此主题相关图片如下：\n\n此主题相关图片如下："},
      {19, "世博五卷", "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164080&Page=1", "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164080&Page=1", nullptr, " date 2030-01-01 无字无裂5卷x4，电联。\n\n此主题相关图片如下："}}},
    {"feed-rs/atom_xml_base.xml", FeedFormat::atom10, 1, {
      {0, "my cool entry title", "", "https://numi.st/post/2022/travel-uke", "2022-04-21T00:00:00Z", " date 2022-04-21 my cool entry title"}}},
    {"node-feedparser/rss-with-item-scoped-html-base.xml", FeedFormat::rss20, 2, {
      {0, "First", "https://example.com/first/first", "https://example.com/first/first", nullptr, " date 2030-01-01 First"},
      {1, "Second", "https://example.com/second", "https://example.com/second", nullptr, " date 2030-01-01 Second"}}},
    {"feed-rs/atom_relative.xml", FeedFormat::atom10, 1, {
      {0, "Atom-Powered Robots Run Amok", "https://example.com/blog/2003/12/13/atom03", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "2003-12-13T18:30:02Z", " date 2003-12-13 Some text."}}},
    {"feed-rs/rss_2.0_dbengines.xml", FeedFormat::rss20, 1, {
      {0, "Snowflake is the DBMS of the Year 2022, defending the title from last year", "https://db-engines.com/en/blog_post/103", "https://db-engines.com/en/blog_post/103", "2023-01-03T15:00:00Z", " date 2023-01-03 Snowflake is the database management system that gained more popularity in our DB-Engines Ranking within the last year than any of the other 402 monitored systems. We thus declare Snowflake as the DBMS of the Year 2022."}}},
    {"rome/CDATATestFeed.xml", FeedFormat::rss20, 2, {
      {0, "item1", "http://rtl-now.rtl.de/awz.php?container_id=26908&paytype=ppv&productdetail=1&na=1", "http://rtl-now.rtl.de/awz.php?container_id=26908&paytype=ppv&productdetail=1&na=1", "2009-08-05T05:30:00Z", " date 2009-08-05 Some Description"},
      {1, "item2", "http://rtl-now.rtl.de/awz.php?container_id=26908&paytype=ppv&productdetail=1&na=1", "http://rtl-now.rtl.de/awz.php?container_id=26908&paytype=ppv&productdetail=1&na=1", "2009-08-05T05:30:00Z", " date 2009-08-05 Some Description"}}},
    {"feedjira/ITunesWithSingleQuotedAttributes.xml", FeedFormat::rss20, 3, {
      {0, "Shake Shake Shake Your Spices", "http://example.com/podcasts/archive/aae20050615.m4a", "http://example.com/podcasts/archive/aae20050615.m4a", "2005-06-15T19:00:00Z", " date 2005-06-15 TOPIC: Gooseneck Options"},
      {2, "Red, Whine, & Blue", "http://example.com/podcasts/archive/aae20050601.mp3", "http://example.com/podcasts/archive/aae20050601.mp3", "2005-06-01T19:00:00Z", " date 2005-06-01 This week we talk about surviving in a Red state if you are a Blue person. Or vice versa."}}},
    {"feedjira/InvalidDateFormat.xml", FeedFormat::rss20, 2, {
      {0, "Item 0 with an invalid date", "http://example.com/item0", "http://example.com/item0", "2017-10-16T15:10:00Z", " date 2017-10-16 Item 0 with an invalid date"},
      {1, "Item 1 with all valid dates", "http://example.com/item1", "http://example.com/item1", "2017-10-17T12:17:00Z", " date 2017-10-17 Item 1 with all valid dates"}}},
    {"feed-rs/atom_example_4.xml", FeedFormat::atom10, 1, {
      {0, "Connection with future", "https://idt.ebmpapst.com/de/en/idt/campaign/simatic-micro-drive.html", "tag:ebmpapst.com,2019-07-17:0310161724098", "2019-07-17T03:10:16Z", " date 2019-07-17 Working in perfect harmony: the ebm-papst drive solutions for SIMATIC MICRO-DRIVE drive regulators from Siemens."}}},
    {"rss-parser/uolNoticias.rss", FeedFormat::rss20, 15, {
      {0, "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno", "https://noticias.uol.com.br/politica/eleicoes/2018/noticias/2018/09/24/ibope-bolsonaro-perde-de-haddad-ciro-e-alckmin-em-simulacoes-de-2-turno.htm", "https://noticias.uol.com.br/politica/eleicoes/2018/noticias/2018/09/24/ibope-bolsonaro-perde-de-haddad-ciro-e-alckmin-em-simulacoes-de-2-turno.htm", "2018-09-24T22:42:40Z", "file:rss-parser__uolNoticias.rss.0.txt"},
      {14, "Fama \"A\" é campeã da Primeira Divisão da Copa Cidade Alta de Futebol Suíço", "https://tnonline.uol.com.br/noticias/apucarana/45,470926,24,09,fama-a-e-campea-da-primeira-divisao-da-copa-cidade-alta-de-futebol-suico", "https://tnonline.uol.com.br/noticias/apucarana/45,470926,24,09,fama-a-e-campea-da-primeira-divisao-da-copa-cidade-alta-de-futebol-suico", "2018-09-24T22:18:49Z", " date 2018-09-24 om a Arena Fama lotada, a equipe da Molas Fama/Multividros \"A\" foi campeã neste sábado da Primeira Divisão da 10ª edição da Copa Cidade Alta de Futebol Suíço, categoria livre, ao vencer a Estamparia ..."}}},
    {"node-feedparser/nondefaultnamespace.atom", FeedFormat::atom10, 1, {
      {0, "If you can read the content of this entry, your aggregator works fine.", "http://example.org/tests/namespace/result.html", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "2006-01-18T11:26:54Z", " date 2006-01-18 For information, see:\n\nWho knows an XML document from a hole in the ground?\n\nMore on Atom aggregator XML namespace conformance tests\n\nXML Namespace Conformance Tests"}}},
    {"node-feedparser/nondefaultnamespace-xhtml.atom", FeedFormat::atom10, 1, {
      {0, "If you can read the content of this entry, and it has a list and links, your aggregator works fine.", "http://example.org/tests/namespace/result.html", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "2006-01-18T11:26:54Z", " date 2006-01-18 For information, see:\n\nWho knows an XML document from a hole in the ground?\n\nMore on Atom aggregator XML namespace conformance tests\n\nXML Namespace Conformance Tests"}}},
    {"node-feedparser/complexNamespaceFeed.xml", FeedFormat::atom10, 1, {
      {0, "This is the title", "http://localhost:8080/namespace/feed/entries/urn:uuid:d5ffaea2-0a9a-4f38-98fc-5c364177b6b4", "urn:uuid:d5ffaea2-0a9a-4f38-98fc-5c364177b6b4", "2012-08-04T01:29:34Z", " date 2012-08-04 Hello World"}}},
    {"feed-rs/atom_mediarss_youtube_1.xml", FeedFormat::atom10, 1, {
      {0, "Navigating with Quantum Entanglement", "https://www.youtube.com/watch?v=0A1ouV7iD8o", "yt:video:0A1ouV7iD8o", "2020-12-22T19:15:01Z", " date 2020-12-22 Check Out Weathered on PBS Terra https://www.youtube.com/watch?v=znSN7ZFIaOg&ab_channel=PBSTerra"}}},
    {"feedjira/AtomEscapedHTMLInPreTag.xml", FeedFormat::atom10, 1, {
      {0, "Test entry", "", "", nullptr, " date 2030-01-01 This is escaped html:\n\n<b>test<b>"}}},
    {"rss-parser/content-encoded.rss", FeedFormat::rss20, 7, {
      {0, "THE CREATIVE FORAGER", "https://medium.com/invironment/the-creative-forager-125af37d838f?source=rss----d12c403d4976--food", "https://medium.com/p/125af37d838f", "2018-04-09T18:55:38Z", "file:rss-parser__content-encoded.rss.0.txt"},
      {6, "Wild Flavors All Year Round", "https://medium.com/invironment/wild-flavors-all-year-round-71769186b899?source=rss----d12c403d4976--food", "https://medium.com/p/71769186b899", "2017-12-01T18:38:32Z", "file:rss-parser__content-encoded.rss.6.txt"}}},
    {"feed-rs/rss_1.0_iso8859.xml", FeedFormat::rss10, 1, {
      {0, "Digitalministerium: Neue Glasfaserförderung mit Schnellkasse", "https://www.golem.de/news/digitalministerium-neue-glasfaserfoerderung-mit-schnellkasse-2301-171451.html", "https://www.golem.de/news/digitalministerium-neue-glasfaserfoerderung-mit-schnellkasse-2301-171451.html", "2023-01-25T18:03:02Z", " date 2023-01-25 Ab April soll es wieder Förderung für den Ausbau von Glasfaser geben. Das Bundesdigitalministerium will es diesmal besser machen. (Infrastruktur, Glasfaser)"}}},
    {"miniflux/encoding-utf8-incorrect-prolog.xml", FeedFormat::atom10, 1, {
      {0, "Café", "", "", nullptr, " date 2030-01-01 Café"}}},
    {"feed-rs/rss_2.0_relurl_2.xml", FeedFormat::rss20, 1, {
      {0, "An item with a relative enclosure URL", "https://kryogenix.org/nothing-here-really", "https://kryogenix.org/nothing-here-really", "2021-03-17T18:14:23Z", " date 2021-03-17 This article, in the RSS feed, contains an enclosure element with a relative URL in it."}}},
    {"rome/rss_1.0_DC_multi.xml", FeedFormat::rss10, 2, {
      {0, "rss_1.0.item[0].title", "rss_1.0.item[0].link", "rss_1.0.channel.items[0]^rdf:resource", "2001-01-01T00:00:00Z", " date 2001-01-01 rss_1.0.item[0].content"},
      {1, "rss_1.0.item[1].title", "rss_1.0.item[1].link", "rss_1.0.channel.items[1]^rdf:resource", "2001-01-01T00:00:00Z", " date 2001-01-01 rss_1.0.item[1].content"}}},
};

TEST(RealFeeds, FormatCountAndSampledItems) {
  for (const auto& c : k_real_feeds) {
    SCOPED_TRACE(c.file);
    const std::string bytes = read_file(data_path(c.file));
    ASSERT_FALSE(bytes.empty());
    const auto feed = parse_feed(bytes, ParseOptions{"", "", k_fetch});
    ASSERT_TRUE(feed.ok()) << feed.error().message;
    EXPECT_EQ(feed->format, c.format);
    ASSERT_EQ(feed->items.size(), c.item_count);
    for (const auto& expected : c.items) {
      SCOPED_TRACE("item " + std::to_string(expected.index));
      const FeedItem& item = feed->items.at(expected.index);
      EXPECT_EQ(item.title, expected.title);
      EXPECT_EQ(item.link, expected.link);
      EXPECT_EQ(item.guid, expected.guid);
      if (expected.published == nullptr) {
        EXPECT_FALSE(item.published.has_value());
      } else {
        ASSERT_TRUE(item.published.has_value());
        EXPECT_EQ(format_utc(*item.published), expected.published);
      }
      std::string article = expected.article;
      if (article.rfind("file:", 0) == 0) {
        article = read_file(data_path("expected/" + article.substr(5)));
        ASSERT_FALSE(article.empty());
      }
      EXPECT_EQ(item.article, article);
    }
  }
}

struct FeedHeadCase {
  const char* file;
  const char* title;
  const char* link;
};

// Feed-level fields, where the charset or base handling shows.
TEST(RealFeeds, FeedTitleAndLink) {
  const FeedHeadCase cases[] = {
      {"miniflux/encoding-windows-1252.xml", "Euro \u20ac", ""},
      {"miniflux/encoding-windows-1252-incorrect-prolog.xml", "Euro \u20ac", ""},
      {"miniflux/encoding-koi8r.xml", "\u041f\u0440\u0438\u043c\u0435\u0440 RSS \u043b\u0435\u043d\u0442\u044b",
       "http://example.com/"},
      {"miniflux/encoding-utf8-incorrect-prolog.xml", "\ud14c\uc2a4\ud2b8 \ud53c\ub4dc", ""},
      {"feed-rs/atom_relative.xml", "Example Feed with Relative URLs", "https://example.com/blog/"},
      {"rsparser/kc0011.rss", "\u6295\u8d44\u8d44\u8baf\u7f51\u4ea4\u6613\u5728\u7ebf--\u6d41\u901a\u7eaa\u5ff5\u5e01\u6700\u65b020\u7bc7\u8bba\u575b\u4e3b\u9898-\u5168\u6587",
       "http://www.kc0011.net"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto feed = parse_feed(read_file(data_path(c.file)), ParseOptions{"", "", k_fetch});
    ASSERT_TRUE(feed.ok()) << feed.error().message;
    EXPECT_EQ(feed->title, c.title);
    EXPECT_EQ(feed->link, c.link);
  }
}

TEST(RealFeeds, RelativeUrlsResolveAgainstTheFeedUrl) {
  const auto feed = parse_feed(read_file(data_path("node-feedparser/rss-with-relative-urls.xml")),
                               ParseOptions{"http://www.arcgames.com/en/games/neverwinter/news/rss",
                                            "", k_fetch});
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->link, "http://www.arcgames.com/en/games/neverwinter/news");
  ASSERT_FALSE(feed->items.empty());
  EXPECT_EQ(feed->items[0].link,
            "http://www.arcgames.com/en/games/neverwinter/news/detail/"
            "10743874-neverwinter-%26-jingle-jam-humble-bundle%21");
}

TEST(RealFeeds, RecoveredMalformationsAreReported) {
  const auto feed = parse_feed(read_file(data_path("feedjira/ITunesWithSingleQuotedAttributes.xml")),
                               ParseOptions{"", "", k_fetch});
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->warnings.size(), 1u);
  EXPECT_THAT(feed->warnings[0], HasSubstr("XML error at line 65, column 3"));
  const auto latin = parse_feed(read_file(data_path("miniflux/no_encoding_ISO-8859-1.xml")),
                                ParseOptions{"", "", k_fetch});
  ASSERT_TRUE(latin.ok());
  ASSERT_EQ(latin->warnings.size(), 1u);
  EXPECT_THAT(latin->warnings[0], HasSubstr("windows-1252"));
}

struct UnreadableCase {
  const char* file;
  const char* error;
};

TEST(RealFeeds, UnreadableFilesNameThePosition) {
  const UnreadableCase cases[] = {
      {"feed-rs/rss_2.0_invalid_1.xml", "XML error at line 19, column 84: Start-end tags mismatch"},
      {"node-feedparser/notafeed.html", "XML error at line 6, column 4"},
      {"rss-parser/unrecognized.rss", "not a feed: the document element is <head> at line 1, column 2"},
      {"rsparser/allthis-partial.json", "JSON error at line 1, column 12171: invalid string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto feed = parse_feed(read_file(data_path(c.file)), ParseOptions{"", "", k_fetch});
    ASSERT_FALSE(feed.ok());
    EXPECT_THAT(feed.error().message, HasSubstr(c.error));
  }
}

}  // namespace
}  // namespace newsmon::feeds
