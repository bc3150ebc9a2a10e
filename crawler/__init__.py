"""The Scrapy project: sources, listing and article extraction, cleaning, dedup and the store."""
