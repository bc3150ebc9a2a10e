"""Turn one article page into clean fields: the cascade is site rules, metadata, generic.

The entry point is crawler/extract/article.py (`extract_article`). This file imports nothing,
so the listing parser's few helpers (clean, dates, text) come without the whole extractor.
"""
