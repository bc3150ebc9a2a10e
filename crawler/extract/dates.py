"""Find publication dates in the many ways Vietnamese department sites print them.

Handles 16/01/2020, 16-01-2020, 02 - 03 - 2022, 16/ 11 /2018, [13/08/2023 15:11],
17/03/2023 : 00:03, 08:09 | 29-05-2024, (01/08/2022 10:03 SA), "ngày 07 tháng 11 năm 2023",
"Thứ Ba, ngày 14/01/2020", "Thursday, May 26, 2022" and ISO 8601. Impossible dates
(zero dates, typo years, days past the month's end) are rejected rather than guessed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
EARLIEST_YEAR = 1995

_TIME = r"(?P<H>\d{1,2})\s*[:hg]\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2}))?(?:\s*(?P<ampm>SA|CH|AM|PM|sa|ch|am|pm)\b)?"
_DMY = r"(?<![\d/.-])(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})(?!\d)"
_VN_LONG = r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})(?!\d)"
_ISO = (r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
        r"(?:\.\d+)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_EN = (r"(?P<mon>" + "|".join(_MONTHS) + r")\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})")

PATTERNS = [
    re.compile(_TIME.replace("(?P<", "(?P<t_").replace("(?P=", "(?P=t_")
               + r"\s*[|,-]\s*" + _DMY, re.I),  # 08:09 | 29-05-2024
    re.compile(_DMY + r"(?:\s*(?:[-:,|]|lúc|\s)\s*" + _TIME + ")?", re.I),
    re.compile(_VN_LONG + r"(?:\s*(?:[-:,|]|lúc|\s)\s*" + _TIME + ")?", re.I),
    re.compile(_ISO),
    re.compile(_EN + r"(?:\s*(?:[-:,|]|at|\s)\s*" + _TIME + ")?", re.I),
]


def _build(groups: dict[str, str | None], tz: ZoneInfo) -> datetime | None:
    get = lambda k: groups.get(k) or groups.get("t_" + k)  # noqa: E731
    try:
        year, day = int(get("y") or 0), int(get("d") or 0)
        month = _MONTHS[get("mon").lower()] if get("mon") else int(get("m") or 0)
        hour, minute, second = int(get("H") or 0), int(get("M") or 0), int(get("S") or 0)
        ampm = (get("ampm") or "").upper()
        if ampm in ("CH", "PM") and hour < 12:
            hour += 12
        elif ampm in ("SA", "AM") and hour == 12:
            hour = 0
        zone = get("tz")
        if zone:
            stamp = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            offset = "+00:00" if zone == "Z" else zone if ":" in zone else zone[:3] + ":" + zone[3:]
            value = datetime.fromisoformat(stamp + offset)
        else:
            value = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except (ValueError, KeyError, TypeError):
        return None
    now = datetime.now(tz)
    if value.year < EARLIEST_YEAR or value > now + timedelta(days=2):
        return None
    return value


def find_dates(text: str, timezone: str = DEFAULT_TZ) -> list[datetime]:
    """Every plausible date in `text`, in the order they appear."""
    tz = ZoneInfo(timezone)
    found: list[tuple[int, datetime]] = []
    taken: list[range] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            span = range(match.start(), match.end())
            if any(span.start < t.stop and t.start < span.stop for t in taken):
                continue
            value = _build(match.groupdict(), tz)
            if value is not None:
                found.append((match.start(), value))
                taken.append(span)
    return [value for _, value in sorted(found, key=lambda pair: pair[0])]


def parse_date(text: str, timezone: str = DEFAULT_TZ) -> datetime | None:
    """The first plausible date in `text`, or None."""
    dates = find_dates(text, timezone)
    return dates[0] if dates else None
