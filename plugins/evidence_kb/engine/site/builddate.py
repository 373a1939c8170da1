"""The build date: today, or the day `SOURCE_DATE_EPOCH` names.

Reproducible builds (https://reproducible-builds.org/specs/source-date-epoch/)
fix the date a build writes with `SOURCE_DATE_EPOCH`, seconds since
1970-01-01 UTC. The check, the build and the review dashboard judge dates
(a review cannot be later than the build) against the same day.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

HINT = "(e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct))"


class BuildDateError(ValueError):
    """`SOURCE_DATE_EPOCH` is set but is not a usable time."""


def source_date_epoch(environ: Mapping[str, str] | None = None) -> dt.datetime | None:
    """The time `SOURCE_DATE_EPOCH` names (UTC), or None when it is not set.

    >>> source_date_epoch({"SOURCE_DATE_EPOCH": "1700000000"})
    datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
    >>> source_date_epoch({"SOURCE_DATE_EPOCH": "2024-01-01"})
    Traceback (most recent call last):
    ...
    evidence_kb.engine.site.builddate.BuildDateError: SOURCE_DATE_EPOCH='2024-01-01' is not a whole number of seconds ...
    """
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if value is None:
        return None
    if not value.strip().isdigit() or not value.strip().isascii():
        raise BuildDateError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds since 1970-01-01 UTC {HINT}")
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise BuildDateError(f"SOURCE_DATE_EPOCH={value!r} is out of range {HINT}") from None


def build_date(environ: Mapping[str, str] | None = None) -> dt.date:
    """The day of `SOURCE_DATE_EPOCH`, or today (local) when it is unset or unusable.

    An unusable value is reported by the host before the build starts
    (hosts/mkdocs/output.py); here it only must not end in a traceback.

    >>> build_date({"SOURCE_DATE_EPOCH": "1768435200"})
    datetime.date(2026, 1, 15)
    """
    try:
        moment = source_date_epoch(environ)
    except BuildDateError:
        moment = None
    return moment.date() if moment is not None else dt.date.today()
