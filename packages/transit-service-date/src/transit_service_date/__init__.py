"""GTFS service dates: a service day runs past midnight (a trip at 25:30 is the previous day)."""

from __future__ import annotations

import datetime as dt

__all__ = ["SERVICE_DAY_START_HOUR", "service_date"]

# Trips that start before this local hour belong to the previous day's service.
SERVICE_DAY_START_HOUR = 3


def service_date(ds: str, hour: int = 12) -> str:
    """The GTFS service date for a run's logical date `ds` (YYYY-MM-DD) at local `hour` (0-23)."""
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0-23 (got {hour})")
    day = dt.date.fromisoformat(ds)
    if hour < SERVICE_DAY_START_HOUR:
        day -= dt.timedelta(days=1)
    return day.isoformat()
