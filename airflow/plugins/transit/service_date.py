"""Service dates for the transit macros: the in-repository package transit-service-date (packages/), which Composer
installs from airflow/requirements.txt. Kept as a module so `transit.service_date` imports keep working."""

from __future__ import annotations

from transit_service_date import SERVICE_DAY_START_HOUR, service_date

__all__ = ["SERVICE_DAY_START_HOUR", "service_date"]
