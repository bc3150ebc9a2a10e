"""Make `scrapy list` and `scrapy crawl <source-id>` work: one spider per configured source."""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider

from core.config import load_config
from crawler.families import FAMILIES
from crawler.spiders.department import DepartmentSpider, spider_for


class SourceSpiderLoader:
    def __init__(self, settings: Any):
        # `scrapy crawl` has no parsed config to hand over: read the file once, here.
        self.config = load_config(settings.get("DEPTFEEDS_CONFIG"), families=FAMILIES)
        self._spiders = {s.id: spider_for(s, self.config) for s in self.config.sources}

    @classmethod
    def from_settings(cls, settings: Any) -> SourceSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> list[str]:
        return list(self._spiders)

    def find_by_request(self, request: Request) -> list[str]:
        return [name for name, cls in self._spiders.items() if cls.handles_request(request)]


__all__ = ["DepartmentSpider", "SourceSpiderLoader"]
