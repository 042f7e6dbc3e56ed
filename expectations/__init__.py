"""Great Expectations suites as code: raw, staging and marts.

Each :class:`AuditTarget` is a query on the working warehouse and the expectations its result
must meet; :mod:`pantau.quality.audit` runs them on DataFrames read from DuckDB (GX's SQL datasource over
duckdb-engine has metric bugs, DataFrames do not). See ``expectations/base.py`` for why the
queries return small frames.
"""

from expectations import marts, raw, staging
from expectations.base import AuditTarget, Layer

SUITES: tuple[AuditTarget, ...] = (*raw.targets(), *staging.targets(), *marts.targets())

__all__ = ["SUITES", "AuditTarget", "Layer"]
