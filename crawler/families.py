"""The CMS family profiles of crawler/families.toml, loaded and checked once per process.

Many provinces run the same CMS, so one profile serves them all. The profiles are data,
checked against core/families.py; a source names one with `family = "..."`. The `[generic]`
table is the base every source starts from (crawler/profiles.py merges them).
"""

from __future__ import annotations

from pathlib import Path

from core.families import load_families

FAMILIES_FILE = Path(__file__).with_name("families.toml")
FAMILIES, GENERIC = load_families(FAMILIES_FILE)
