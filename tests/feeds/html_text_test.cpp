// The fast HTML path must give exactly what gumbo gives whenever it accepts
// an input; checked over tricky fragments and over every text in the real
// feeds. (The fuzz target checks the same on random input.)
#include "feeds/html_text.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

namespace newsmon::feeds::detail {
namespace {

const char* const k_fragments[] = {
    "plain", "<p>a</p><p>b</p>", "a<br>b<br/>c</br>d", "<div>a<div>b</div>c</div>d",
    "<p>a<div>b</p>c</div>d", "<p>a<ul><li>b</ul>c</p>", "<ul><li>a<li>b</ul>c",
    "<li>x<ul>y</li>z</ul>w", "<dl><dt>a<dd>b<dt>c</dl>", "<h1>a<h2>b</h2>c</h1>d",
    "<h1>a</h2>b", "<b>a<p>b</b>c</p>", "<b>x<div>y</div>z</b>", "<span>x<div>y</span>z</div>",
    "<div><b>x</div>y", "<a href=x>1<a href=y>2</a>", "<a href='>'>q</a>", "a</div>b",
    "a</p>b", "</span>a", "<p>a</span>b</p>", "<script>x</script>y", "<script><!--x</script>y",
    "<style>p{}</style>t", "<iframe src=a>ignored</iframe>after", "<!-- c -->t", "<!-->t",
    "<!--->t", "<!--a--!>t", "<!---->t", "<?php x ?>t", "<!x>t", "<![CDATA[x]]>t",
    "a < b", "a <3 b", "</ x>t", "</>t", "a</", "<p>a</", "a</\nb>c", "a</ b", "a</1>b</",
    "<table><tr><td>a</", "<table></ x>y", "<b>x</ y>z</b>", "a</\xc3\xa9>b", "<p class=\"a b\" id='c' data-x=y>t</p>",
    "<P>Upper</P>", "<br/ >x", "<img src=a alt=b>text", "&amp;&lt;&gt;&quot;&#39;&#x27;",
    "&nbsp;a&nbsp;", "&copy2024 &ampx &notit; &notin; &AMP &unknown; &", "&#128512;&#x1F600",
    "&#0;", "&#x80;&#x9F;&#150;", "&#xD800;", "&#1114112;", "&#9;&#10;", "&#", "&#x;",
    "<table><tr><td>1</td></tr></table>", "<svg><text>t</text></svg>", "<textarea>t</textarea>",
    "<noscript>n</noscript>t", "<template>t</template>u", "<select><option>o</select>",
    "\xc2\x80 C1 control", "a\x01b", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80",
    "<pre>\n  a\n  b</pre>", "<blockquote><p>q</p></blockquote>t", "<map><area>m</map>n",
    "<p>a<p>b<p>c", "<div><p>a</div>b", "<h2>t<p>x</h2>y", "<details><summary>s</summary>d</details>",
    "<i>a<b>b</i>c</b>", "<p><b>x</p>y", "<s>a</s>b<u>c", "<figure>f<figcaption>c</figure>x",
    "<ol><li>a<ol><li>b</li></ol>c</li></ol>", "<dd>a<dd>b", "<div>a<li>b</div>c",
    // Tables: implied tbody/tr, cells closed by cells and rows, scopes.
    "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>d",
    "<table><td>a<td>b<tr><td>c</table>d", "<table>\n <tbody>\n <tr> <th>h</th></tr></tbody></table>",
    "<table><caption>cap</caption><col><tr><td>x</td></tr></table>", "<table>stray<tr><td>x</table>",
    "<table><tr>stray<td>x</table>", "<table><tr><td><p>a<td>b</table>", "<p>a<table><tr><td>b</table>c</p>",
    "<div><table><tr><td>x</div>y</td></tr></table>z", "<td>outside</td>", "</td></tr>x",
    "<table><tr><td><table><tr><td>in</td></tr></table>out</td></tr></table>",
    "<table><tr><td>a</table></td>b", "<table><table>x", "<table><tr><td><b>x</td><td>y</b></table>",
    "<table><tr><td>a</p>b</td></tr></table>", "<table><tr><td><a>x<td><a>y</table>",
    "<table><thead><tr><th>h<tbody><tr><td>d<tfoot><tr><td>f</table>",
    // Whole documents pasted into a feed; raw text left open; controls.
    "<html><head><title>T</title><meta charset=utf-8></head><body><p>b</p></body></html>after",
    "<iframe src=x>never closed", "<style>never closed", "<textarea>t</textarea>u", "<title>x",
    // Found by the fuzzer: a formatting element reopened before text makes
    // it, not the heading, the current node when the next heading starts.
    "<h3><a><h3><a></h2>n<h2></h2>n</h2>\"", "<p><b>x</p>y<h2>z</h2>w", "<h1><i>a</h1>b<h2>c</h2>d",
    "<h3><a><v><p><a><h3></h2>L</h2>>", "<a>x<div>y<span>z<a>w</div>v", "<a>1<div>2<p>3<b>4<a>5</p>6",
    "<span>a<legend>b</span>c", "<legend>a<span>b</legend>c", "<li>a<legend>b<li>c</li>d",
    "<map>m<div>d</map>e</div>f", "<b>x<legend>y</b>z",
    "<p><a><u><i><i><li><i><ul><i><i>m<i><a></ul>a", "<p><a>x<li>y<a>z", "<nobr>a<nobr>b",
    "a\x01b\xc2\x9f c\x0b d\x7f e", "\xef\xb7\x90 \xef\xbf\xbe \xf0\x9f\xbf\xbf", "weiÃ\xc2\x9f",
};

void expect_agreement(std::string_view html) {
  for (bool one_line : {false, true}) {
    if (auto fast = html_to_text_fast(html, one_line)) {
      EXPECT_EQ(*fast, html_to_text_gumbo(html, one_line))
          << "html: " << html.substr(0, 300) << (one_line ? " (one line)" : "");
    }
  }
}

TEST(HtmlTextFast, AgreesWithGumboOnTrickyFragments) {
  for (const char* html : k_fragments) {
    expect_agreement(html);
  }
}

TEST(HtmlTextFast, AcceptsTheCommonMarkupOfFeeds) {
  for (const char* html :
       {"<p>Para with <a href=\"https://x/\">a link</a>, <em>emphasis</em> &amp; more.</p>",
        "<h4>Head</h4><p>One<br/>two</p><ul><li>a</li><li>b</li></ul><img src=x alt=y/>",
        "<div class=x><p>a&nbsp;b &#8217; &rsquo;</p><blockquote>q</blockquote></div>",
        "<script>track()</script><style>p{}</style><!-- c --><iframe src=v></iframe>t",
        "<table class=t><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table>"}) {
    SCOPED_TRACE(html);
    EXPECT_TRUE(html_to_text_fast(html, false).has_value());
  }
}

void collect_texts(const pugi::xml_node& node, std::vector<std::string>& out) {
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out.emplace_back(child.value());
    } else if (child.type() == pugi::node_element) {
      collect_texts(child, out);
    }
  }
}

TEST(HtmlTextFast, AgreesWithGumboOnEveryTextOfTheRealFeeds) {
  std::size_t texts = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(NEWSMON_TEST_DATA) + "/feeds")) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    const std::string bytes = content.str();
    expect_agreement(bytes);  // the whole file read as HTML
    pugi::xml_document document;
    document.load_buffer(bytes.data(), bytes.size());
    std::vector<std::string> found;
    collect_texts(document, found);
    for (const auto& text : found) {
      expect_agreement(text);
    }
    texts += found.size();
  }
  EXPECT_GT(texts, 1000u);
}

}  // namespace
}  // namespace newsmon::feeds::detail
