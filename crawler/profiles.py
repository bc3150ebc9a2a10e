"""The profile each source is crawled with: its own selectors over its family's, over the base."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from core.config import Source
from core.families import Family, PrintView
from core.fields import DocumentSelectors
from crawler.families import FAMILIES, GENERIC
from crawler.siterules import SiteRules


class Profile(BaseModel):
    """Everything the crawler needs about one source: its selectors merged over its family."""

    model_config = ConfigDict(frozen=True)

    links: tuple[str, ...] = ()
    next_page: tuple[str, ...] = ()
    article_urls: tuple[str, ...] = ()
    keep_params: tuple[str, ...] | None = None  # None: every parameter may name an article
    print_views: tuple[PrintView, ...] = ()
    documents: DocumentSelectors = DocumentSelectors()  # a documents list's parts (kind = "documents")
    extract: SiteRules = SiteRules()


def profile_for(source: Source) -> Profile:
    """Merge a source's own selectors over its family's, field by field; the base adds its rules.

    The base's URL rules (print views) and `strip` apply to every source; the generic path's
    own vocabulary is read by the extractor, never mistaken for a site's selectors.
    """
    family = FAMILIES[source.family] if source.family else Family(name=GENERIC.name)
    own = source.selectors

    def pick(field: str) -> tuple[str, ...]:
        return getattr(own, field) or getattr(family, field)

    def origin(field: str) -> str:
        return "selector" if getattr(own, field) else f"family:{family.name}"

    fields = ("title", "date", "body", "author", "lead")
    rules = SiteRules(
        title=pick("title"), date=pick("date"), body=pick("body"), author=pick("author"),
        lead=pick("lead"), strip=(*GENERIC.strip, *family.strip, *own.strip),
        origins={f: origin(f) for f in fields},
    )
    return Profile(links=pick("links"), next_page=pick("next_page"),
                   documents=own.documents if own.documents.rows else family.documents,
                   article_urls=tuple(family.article_urls),
                   keep_params=tuple(family.keep_params) if source.family else None,
                   print_views=(*family.print_views, *GENERIC.print_views), extract=rules)
