"""Service dates: GTFS days run past midnight (trips at 25:30 belong to the previous service day)."""

from __future__ import annotations

import datetime as dt

# Trips that start before this local hour belong to the previous day's service.
SERVICE_DAY_START_HOUR = 3


def service_date(ds: str, hour: int = 12) -> str:
    """The GTFS service date for a run's logical date `ds` (YYYY-MM-DD) at local `hour`."""
    day = dt.date.fromisoformat(ds)
    if hour < SERVICE_DAY_START_HOUR:
        day -= dt.timedelta(days=1)
    return day.isoformat()
