from __future__ import annotations

import pytest

from transit_service_date import SERVICE_DAY_START_HOUR, service_date


@pytest.mark.parametrize(
    ("ds", "hour", "expected"),
    [
        ("2026-03-02", 12, "2026-03-02"),  # midday: the calendar day
        ("2026-03-02", SERVICE_DAY_START_HOUR, "2026-03-02"),  # the service day starts at 03:00
        ("2026-03-02", SERVICE_DAY_START_HOUR - 1, "2026-03-01"),  # 02:00: the previous day
        ("2026-03-02", 0, "2026-03-01"),
        ("2026-03-01", 1, "2026-02-28"),  # across a month end
        ("2024-03-01", 1, "2024-02-29"),  # across a leap day
        ("2026-01-01", 0, "2025-12-31"),  # across a year end
    ],
)
def test_service_date(ds: str, hour: int, expected: str) -> None:
    assert service_date(ds, hour) == expected


def test_default_hour_is_the_calendar_day() -> None:
    assert service_date("2026-03-02") == "2026-03-02"


@pytest.mark.parametrize("hour", [-1, 24])
def test_rejects_an_hour_outside_the_day(hour: int) -> None:
    with pytest.raises(ValueError, match=f"hour must be 0-23 \\(got {hour}\\)"):
        service_date("2026-03-02", hour)


def test_rejects_a_date_that_is_not_iso() -> None:
    with pytest.raises(ValueError):
        service_date("03/02/2026")
