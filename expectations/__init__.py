"""Great Expectations suites as code, one function per audited table.

Each function returns a fresh ``ExpectationSuite``; :mod:`pantau.audit` runs them on DataFrames
read from DuckDB (GX's SQL datasource over duckdb-engine has metric bugs, DataFrames do not).
"""

from expectations.marts import SUITES, AuditTarget

__all__ = ["SUITES", "AuditTarget"]
