<?xml version="1.0" encoding="utf-8"?>
<!-- A feed opened in a browser: a readable page instead of raw XML (RSS 2.0 and Atom 1.0).
     Feed readers ignore it. Summaries are our own HTML-escaped plain text, so they are
     printed unescaped once to show "&" and quotes as themselves. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" indent="no"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="about" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="self" select="(/rss/channel/atom:link[@rel='self'] | /atom:feed/atom:link[@rel='self'])/@href"/>
  <xsl:variable name="home" select="(/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href)[1]"/>
  <xsl:variable name="format">
    <xsl:choose><xsl:when test="/rss">RSS</xsl:when><xsl:otherwise>Atom</xsl:otherwise></xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="vi">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (nguồn tin <xsl:value-of select="$format"/>)</title>
        <style>
          body { font: 17px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; color: #222; }
          h1 { font-size: 1.6rem; margin-bottom: .2rem; }
          .subscribe { background: #eef4fb; border: 1px solid #c9dcf0; border-radius: 6px; padding: .7rem 1rem; }
          .subscribe code { word-break: break-all; }
          ol { padding: 0; list-style: none; }
          li { margin: 1.1rem 0; }
          .entry-title { font-weight: 600; font-size: 1.1rem; }
          .entry-date { color: #666; font-size: .9rem; }
        </style>
      </head>
      <body>
        <h1 id="feed-title"><xsl:value-of select="$title"/></h1>
        <p id="feed-about"><xsl:value-of select="$about"/></p>
        <p class="subscribe" id="subscribe">
          Đây là nguồn tin <xsl:value-of select="$format"/>. Để theo dõi, chép địa chỉ
          <code><xsl:value-of select="$self"/></code> vào trình đọc tin của bạn
          (Thunderbird, Feedly, Inoreader, newsboat…): tin mới sẽ tự về.
          <xsl:if test="$home"> Trang gốc: <a href="{$home}"><xsl:value-of select="$home"/></a>.</xsl:if>
        </p>
        <h2>Tin mới (<xsl:value-of select="count(/rss/channel/item | /atom:feed/atom:entry)"/>)</h2>
        <ol id="entries">
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
        </ol>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <a class="entry-title" href="{link}"><xsl:value-of select="title"/></a>
      <div class="entry-date"><xsl:value-of select="pubDate"/></div>
      <div class="entry-summary"><xsl:value-of select="description" disable-output-escaping="yes"/></div>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <a class="entry-title" href="{(atom:link[@rel='alternate'] | atom:link[not(@rel)])[1]/@href}">
        <xsl:value-of select="atom:title"/>
      </a>
      <div class="entry-date">
        <xsl:value-of select="substring(atom:published, 1, 10)"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="substring(atom:published, 12, 5)"/>
      </div>
      <div class="entry-summary"><xsl:value-of select="atom:summary" disable-output-escaping="yes"/></div>
    </li>
  </xsl:template>
</xsl:stylesheet>
