"""The peers a user would otherwise pick: a plain Scrapy spider, with and without trafilatura."""
