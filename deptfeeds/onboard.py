"""`deptfeeds discover` and `deptfeeds preview` for people: the tables, the entry to paste, `--add`.

The entry is appended with tomlkit, which round-trips a TOML file: the config keeps its comments
and layout, and the file is replaced only once the new config validates.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import tomlkit

from core.config import ConfigError, Source, load_config
from crawler.discover import Discovery
from crawler.preview import ListingPreview


def entry_toml(source: Source) -> str:
    """The source as a [[sources]] block of a few lines."""
    table = tomlkit.table()
    table.add("id", source.id)
    table.add("name", source.name)
    table.add("listing", list(source.listing))
    if source.family:
        table.add("family", source.family)
    document = tomlkit.document()
    document.add("sources", tomlkit.aot())
    document["sources"].append(table)
    return tomlkit.dumps(document).strip() + "\n"


def add_source(config_path: Path, source: Source, families: set[str]) -> None:
    """Append the entry to the config file, validated, its comments kept; refuse a duplicate."""
    document = tomlkit.parse(config_path.read_text("utf-8"))
    existing = document.get("sources", [])
    for known in existing:
        if known.get("id") == source.id:
            raise ValueError(f"{config_path} already has a source with id {source.id!r}")
        if source.listing[0] in list(known.get("listing", [])):
            raise ValueError(f"{config_path}: source {known.get('id')!r} already reads {source.listing[0]}")
    block = tomlkit.parse(entry_toml(source))["sources"][0]
    if "sources" in document:
        document["sources"].append(block)
    else:
        document.add("sources", tomlkit.aot())
        document["sources"].append(block)
    text = tomlkit.dumps(document)
    handle, temporary = tempfile.mkstemp(prefix=".deptfeeds-", suffix=".toml", dir=config_path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        load_config(temporary, families=families)  # the new config must validate before it replaces the old
        os.replace(temporary, config_path)
    except (ConfigError, OSError):
        Path(temporary).unlink(missing_ok=True)
        raise


def preview_table(shown: ListingPreview) -> str:
    lines = [f"listing {shown.url}", f"  family: {shown.family}; article links on the page: {shown.links}; "
             f"next page: {shown.next_page or 'none found'}"]
    if shown.error:
        lines.append(f"  error: {shown.error}")
    for article in shown.articles:
        if article.error:
            lines.append(f"  - {article.url}\n      no article: {article.error}")
            continue
        lines.append(f"  - {article.title}\n      {article.url}\n      date {article.published or '-'}; "
                     f"author {article.author or '-'}; {article.body_chars} characters; "
                     f"{article.images} images; {article.attachments} files; "
                     f"chrome left: {'; '.join(article.chrome) if article.chrome else 'none'}")
    return "\n".join(lines)


def discovery_text(found: Discovery, added: Path | None = None) -> str:
    lines = [f"site: {found.site_name or found.url}"]
    lines.append("feeds the site publishes already: " + (", ".join(found.feeds) if found.feeds else "none"))
    lines.append(f"family: {found.family or 'none recognised (the generic extractor)'}")
    lines += [preview_table(shown) for shown in found.candidates]
    for error in found.errors:
        lines.append(f"could not read {error}")
    if found.source is None:
        lines.append("no listing page with articles found: give the address of the news listing itself")
    elif added is not None:
        lines.append(f"added source {found.source.id!r} to {added}; crawl it with: "
                     f"deptfeeds run --source {found.source.id}")
    else:
        lines.append("source entry to paste into deptfeeds.toml (or run again with --add):\n")
        lines.append(entry_toml(found.source))
    return "\n".join(lines)


def as_json(value: Discovery | ListingPreview) -> str:
    data = asdict(value)
    if isinstance(value, Discovery) and value.source is not None:
        data["source"] = value.source.model_dump(mode="json", exclude_defaults=True)
        data["entry"] = entry_toml(value.source)
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
