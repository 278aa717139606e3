#!/usr/bin/env python3
"""Writes the demo's sample feeds from the seed articles (examples/seeds/).

The two seeds are one story told twice; the demo puts them in two different
feeds (RSS 2.0 and Atom) so a run shows that the pair alerts once.
Run once by hand when the seeds change; the output is committed.
"""
import html
import pathlib

here = pathlib.Path(__file__).resolve().parent.parent
seeds = sorted((here / "seeds").glob("*.txt"))


def body_html(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith(" date ")
    date, body = text[6:16], text[17:]
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    return date, "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


date0, html0 = body_html(seeds[0])
date1, html1 = body_html(seeds[1])

rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Demo Wire: World</title>
  <link>https://wire.example.org/world</link>
  <description>Sample wire feed bundled with newsmon</description>
  <ttl>5</ttl>
  <item>
    <title>US and North Korean envoys meet as summit preparations continue</title>
    <link>https://wire.example.org/world/2018/05/31/korea-envoys?utm_source=rss</link>
    <guid isPermaLink="false">wire-2018-05-31-korea-envoys</guid>
    <pubDate>Thu, 31 May 2018 09:12:00 GMT</pubDate>
    <dc:creator>Wire Staff</dc:creator>
    <category>Asia</category>
    <content:encoded><![CDATA[{html0}]]></content:encoded>
  </item>
  <item>
    <title>Volcanic eruption forces evacuations on Hawaii's Big Island</title>
    <link>https://wire.example.org/world/2018/05/30/kilauea</link>
    <guid isPermaLink="false">wire-2018-05-30-kilauea</guid>
    <pubDate>Wed, 30 May 2018 18:40:00 GMT</pubDate>
    <description>&lt;p&gt;Lava from the Kilauea volcano crossed a highway on Wednesday, cutting off
    one of the last exits for residents of a coastal subdivision, and officials ordered
    further evacuations as fissures kept opening.&lt;/p&gt;&lt;p&gt;Civil defence officials said
    helicopters stood ready to lift out anyone who stayed behind.&lt;/p&gt;</description>
  </item>
</channel>
</rss>
"""

atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Daily Herald: International</title>
  <link href="https://herald.example.com/international"/>
  <id>tag:herald.example.com,2018:international</id>
  <updated>2018-05-31T11:30:00Z</updated>
  <entry>
    <title>Pompeo and Kim Yong Chol resume talks to rescue Singapore summit</title>
    <link href="https://herald.example.com/international/pompeo-kim-talks"/>
    <id>tag:herald.example.com,2018:pompeo-kim-talks</id>
    <updated>2018-05-31T11:30:00Z</updated>
    <author><name>Herald Correspondents</name></author>
    <content type="html">{html.escape(html1, quote=False)}</content>
  </entry>
  <entry>
    <title>Italy's president names caretaker premier amid budget standoff</title>
    <link href="https://herald.example.com/international/italy-caretaker"/>
    <id>tag:herald.example.com,2018:italy-caretaker</id>
    <updated>2018-05-28T16:05:00+02:00</updated>
    <summary>Italy's president asked a former IMF official to form a caretaker government,
    setting up a confrontation with the populist parties that won the most seats in the
    March election.</summary>
  </entry>
</feed>
"""

(here / "feeds" / "demo-wire.xml").write_text(rss, encoding="utf-8")
(here / "feeds" / "demo-herald.xml").write_text(atom, encoding="utf-8")
