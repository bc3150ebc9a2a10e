"""Turn one article page into clean fields: the cascade is site rules, metadata, generic."""

from crawler.extract.article import Article, Attachment, Image, NoArticle, SiteRules, extract_article

__all__ = ["Article", "Attachment", "Image", "NoArticle", "SiteRules", "extract_article"]
