"""Find publication dates in the many ways Vietnamese department sites print them.

Handles 16/01/2020, 16-01-2020, 02 - 03 - 2022, 16/ 11 /2018, [13/08/2023 15:11],
17/03/2023 : 00:03, 08:09 | 29-05-2024, (01/08/2022 10:03 SA), "ngày 07 tháng 11 năm 2023",
Joomla's "Thứ năm, 14 Tháng 3 2024 08:15", "Thứ Ba, ngày 14/01/2020", "Thursday, May 26, 2022",
15h30 and ISO 8601. Impossible dates (zero dates, typo years, days past the month's end, the
future) are rejected, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.fields import DEFAULT_TIMEZONE

DEFAULT_TZ = DEFAULT_TIMEZONE  # one spelling, in core.fields
EARLIEST_YEAR = 1995  # no department site published before this; older years are history
FUTURE_SLACK = timedelta(days=2)

_TIME = (r"(?P<H>\d{1,2})\s*(?::|h|g|giờ)\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2}))?"
         r"(?:\s*(?P<ampm>SA|CH|AM|PM)\b)?")
_DMY = r"(?<![\d/.-])(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})(?!\d)"
# "ngày 07 tháng 11 năm 2023", and Joomla's Vietnamese "14 Tháng 3 2024" (no "ngày", no "năm").
_VN_LONG = (r"(?:ngày\s+)?(?<!\d)(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s*,?\s+(?:năm\s+)?"
            r"(?P<y>\d{4})(?!\d)")
_ISO = (r"(?<![\d/-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
        r"(?:\.\d+)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?(?!\d)")
_YMD = r"(?<![\d/-])(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])"
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
MONTHS = {name: number for number, name in enumerate(_MONTHS, start=1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9
_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_EN_MDY = _MON + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)"
_EN_DMY = r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r",?\s+(?P<y>\d{4})(?!\d)"
_AFTER = r"(?:\s*(?:[-:,|@]|lúc|at|vào)?\s*" + _TIME + ")?"


def _time_first(date: str) -> re.Pattern[str]:
    """`08:09 | 29-05-2024`, `lúc 15:11 ngày 24/02/2023`: the time printed before the date."""
    time = _TIME.replace("(?P<", "(?P<t_")
    return re.compile(time + r"\s*(?:[|,\-]\s*)?(?:ngày\s*)?" + date, re.I)


PATTERNS = [
    re.compile(_ISO, re.I),
    _time_first(_DMY),
    re.compile(_DMY + _AFTER, re.I),
    re.compile(_VN_LONG + _AFTER, re.I),
    re.compile(_EN_MDY + _AFTER, re.I),
    re.compile(_EN_DMY + _AFTER, re.I),
    re.compile(_YMD + _AFTER, re.I),
]


@dataclass(frozen=True)
class FoundDate:
    """A date found in text, where it was, and whether the text gave a time of day."""

    value: datetime
    has_time: bool
    start: int = 0
    end: int = 0


def _number(groups: dict[str, str | None], key: str) -> str | None:
    return groups.get(key) or groups.get("t_" + key)


def _build(groups: dict[str, str | None], tz: ZoneInfo) -> tuple[datetime, bool] | None:
    """A datetime from regex groups, or None when the date cannot be real."""
    get = lambda key: _number(groups, key)  # noqa: E731
    try:
        year, day = int(get("y") or 0), int(get("d") or 0)
        month = MONTHS[get("mon").lower()] if get("mon") else int(get("m") or 0)
        hour, minute, second = int(get("H") or 0), int(get("M") or 0), int(get("S") or 0)
        ampm = (get("ampm") or "").upper()
        if ampm in ("CH", "PM") and hour < 12:
            hour += 12
        elif ampm in ("SA", "AM") and hour == 12:
            hour = 0
        value = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        zone = get("tz")
        if zone:
            offset = "+00:00" if zone.upper() == "Z" else zone if ":" in zone else zone[:3] + ":" + zone[3:]
            value = datetime.fromisoformat(value.replace(tzinfo=None).isoformat() + offset)
    except (ValueError, KeyError, TypeError):
        return None
    if value.year < EARLIEST_YEAR or value > datetime.now(tz) + FUTURE_SLACK:
        return None
    return value, bool(get("H") or zone)


def find_dates(text: str, timezone: str = DEFAULT_TZ) -> list[FoundDate]:
    """Every plausible date in `text`, in the order they appear."""
    tz = ZoneInfo(timezone)
    found: list[FoundDate] = []
    for pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            built = _build(match.groupdict(), tz)
            if built is not None:
                found.append(FoundDate(built[0], built[1], match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def first_date(text: str, timezone: str = DEFAULT_TZ) -> FoundDate | None:
    """The first plausible date in `text`, with whether it had a time, or None."""
    dates = find_dates(text, timezone)
    return dates[0] if dates else None


def parse_date(text: str, timezone: str = DEFAULT_TZ) -> datetime | None:
    """The first plausible date in `text`, or None."""
    found = first_date(text, timezone)
    return found.value if found else None
