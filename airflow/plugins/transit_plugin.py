"""Registers the transit helpers as Airflow macros: {{ macros.transit.service_date(ds) }} in templates."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from transit.service_date import service_date


class TransitPlugin(AirflowPlugin):
    name = "transit"
    macros = [service_date]
