"""dbt-duckdb plugin: registers the text functions on every connection dbt opens.

Enable it in ``dbt_project/profiles.yml``::

    pantau:
      outputs:
        local:
          type: duckdb
          plugins:
            - module: pantau.transform.text.dbt_plugin
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from pantau.transform.text.sql import register


class Plugin(BasePlugin):
    """Registers sentiment_label, sentiment_score, emotion, topic and resolve_polres."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.config = plugin_config

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
