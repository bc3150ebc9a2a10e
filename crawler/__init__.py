"""The Scrapy project: listing and article extraction, cleaning, CMS family profiles, politeness."""
