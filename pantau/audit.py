"""The quality gate: Great Expectations suites (``expectations/``) run on tables of the warehouse.

Every run is recorded in ``audit.validation_results``; a failed suite raises
:class:`~pantau.exceptions.BuildFailedError` naming the failed expectations.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pantau import warehouse
from pantau.exceptions import BuildFailedError
from pantau.settings import Settings


@dataclass(frozen=True)
class SuiteResult:
    suite_name: str
    table: str
    success: bool
    evaluated: int
    failed: tuple[str, ...]


def validate_frame(suite_name: str, table: str, frame: Any, expectations: Any,
                   reference: dict[str, Any]) -> SuiteResult:
    """Validate one DataFrame with the expectations ``expectations(reference)`` returns."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    try:
        context.variables.progress_bars = {"globally": False}
    except Exception:
        pass
    source = context.data_sources.add_pandas("pantau")
    batch_definition = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations(reference):
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate {table}", data=batch_definition, suite=suite))
    result = definition.run(batch_parameters={"dataframe": frame})
    failed = []
    for item in result.results:
        if not item.success:
            config = item.expectation_config
            column = config.kwargs.get("column") or config.kwargs.get("column_list")
            sample = item.result.get("partial_unexpected_list", [])[:3]
            failed.append(f"{config.type}({column}): {item.result.get('unexpected_count')} "
                          f"unexpected, e.g. {sample}")
    return SuiteResult(suite.name, table, bool(result.success),
                       int(result.statistics["evaluated_expectations"]), tuple(failed))


def audit(settings: Settings, *, run_id: str | None = None, raise_on_failure: bool = True
          ) -> list[SuiteResult]:
    """Run every suite of ``expectations.SUITES`` on the working warehouse and record results."""
    from expectations import SUITES

    run_id = run_id or str(uuid.uuid4())
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        reference = {"polres_ids": [row[0] for row in con.execute(
            "select polres_id from reference.polres").fetchall()]}
        results = []
        for target in SUITES:
            frame = con.execute(f"select * from {target.table}").df()
            outcome = validate_frame(target.suite_name, target.table, frame,
                                     target.expectations, reference)
            results.append(outcome)
            con.execute(
                "insert into audit.validation_results values (?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, outcome.suite_name, outcome.table, outcome.success, outcome.evaluated,
                 len(outcome.failed), json.dumps(list(outcome.failed)),
                 datetime.now(UTC).replace(tzinfo=None)])
    finally:
        con.close()
    bad = [r for r in results if not r.success]
    if bad and raise_on_failure:
        raise BuildFailedError("Data-quality audit failed: " + "; ".join(
            f"{r.suite_name}: {', '.join(r.failed)}" for r in bad))
    return results
