"""The quality gate: Great Expectations suites (``expectations/``) run on the working warehouse.

Each suite's query runs in DuckDB and GX validates the resulting DataFrame (see
``expectations/base.py``: small frames — whole small marts, samples of big tables, exact SQL
counts — so the audit stays fast at millions of posts). Every result is recorded in
``audit.validation_results``; GX Data Docs (HTML) are written to ``<state>/gx/data_docs``; a failed
suite raises :class:`~pantau.exceptions.BuildFailedError` naming the failed expectations.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pantau.connections import warehouse
from pantau.exceptions import BuildFailedError
from pantau.settings import Settings

if TYPE_CHECKING:
    from expectations import AuditTarget

log = logging.getLogger(__name__)

DOCS_SITE = "pantau"


@dataclass(frozen=True)
class SuiteResult:
    """Outcome of one suite: ``failed`` holds one line per failed expectation; ``seconds``
    covers the query in DuckDB and the GX validation; ``counts`` the bad input the suite counts
    (its target's ``counted`` columns)."""

    suite_name: str
    table: str
    success: bool
    evaluated: int
    failed: tuple[str, ...]
    seconds: float = 0.0
    counts: dict[str, int] = dataclasses.field(default_factory=dict)


def docs_dir(settings: Settings) -> Path:
    """Where the GX Data Docs site is written (open ``index.html``)."""
    return settings.state_dir / "gx" / "data_docs"


def project_marts(settings: Settings) -> set[str]:
    """The marts the dbt project builds: ``marts.<model>`` for each ``models/marts/*.sql``."""
    return {f"marts.{path.stem}"
            for path in (settings.dbt_project_dir / "models" / "marts").rglob("*.sql")}


def default_targets(settings: Settings) -> list[AuditTarget]:
    """Every raw and staging suite, and the marts suites of marts the dbt project builds.

    A mart suite whose mart the project does not define (yet) is left out with a log line;
    a mart the project defines but the warehouse lacks fails the audit.
    """
    from expectations import SUITES

    built = project_marts(settings)
    chosen = []
    for target in SUITES:
        if target.layer == "marts" and target.table not in built:
            log.warning("audit: no suite run for %s: the dbt project does not define it",
                        target.table)
            continue
        chosen.append(target)
    return chosen


def reference_values(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, Any]:
    """Values the expectations compare against: the seeds' Polres and units of every level
    (Polri, each Polda, each Polres), the contract's closed sets."""
    from expectations.base import contract_enums

    try:
        polres_ids = [row[0] for row in con.execute(
            "select polres_id from reference.polres").fetchall()]
        polda_ids = [row[0] for row in con.execute(
            "select polda_id from reference.polda").fetchall()]
    except duckdb.CatalogException:
        # seeds not loaded yet: any unit then fails, as it should
        polres_ids, polda_ids = [], []
    unit_ids = ["polri", *polda_ids, *polres_ids] if polres_ids else []
    return {**contract_enums(), "polres_ids": polres_ids, "unit_ids": unit_ids,
            "freshness_hours": settings.freshness_hours}


class _Validator:
    """One ephemeral GX context for a whole audit run, with a Data Docs site on disk."""

    def __init__(self, docs_path: Path | None) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        try:
            self.context.variables.progress_bars = {  # type: ignore[assignment]
                "globally": False, "metric_calculations": False}
        except Exception:  # older GX: no progress bar settings; only cosmetic
            pass
        self.docs_path = docs_path
        if docs_path is not None:
            self.context.add_data_docs_site(DOCS_SITE, {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_path)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })
        self.source = self.context.data_sources.add_pandas("pantau")

    def validate(self, target: AuditTarget, frame: Any, reference: dict[str, Any]) -> SuiteResult:
        gx = self.gx
        started = time.perf_counter()
        batch_definition = self.source.add_dataframe_asset(
            target.suite_name).add_batch_definition_whole_dataframe("all")
        suite = self.context.suites.add(gx.ExpectationSuite(name=target.suite_name))
        for expectation in target.expectations(reference):
            suite.add_expectation(expectation)
        definition = self.context.validation_definitions.add(gx.ValidationDefinition(
            name=f"validate {target.suite_name}", data=batch_definition, suite=suite))
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=f"audit {target.suite_name}", validation_definitions=[definition],
            result_format="SUMMARY"))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        validation = next(iter(result.run_results.values()))
        failed = []
        for item in validation.results:
            if not item.success:
                config = item.expectation_config
                assert config is not None  # a validation result always names its expectation
                column = (config.kwargs.get("column") or config.kwargs.get("column_list")
                          or ",".join(filter(None, (config.kwargs.get("column_A"),
                                                    config.kwargs.get("column_B")))) or "table")
                sample = item.result.get("partial_unexpected_list", [])[:3]
                observed = item.result.get("observed_value")
                detail = (f"{item.result.get('unexpected_count')} unexpected, e.g. {sample}"
                          if "unexpected_count" in item.result else f"observed {observed}")
                hint = (config.meta or {}).get("hint")
                failed.append(f"{config.type}({column}): {detail}"
                              + (f" — {hint}" if hint else ""))
        return SuiteResult(target.suite_name, target.table, bool(validation.success),
                           int(validation.statistics["evaluated_expectations"]), tuple(failed),
                           round(time.perf_counter() - started, 3))

    def build_docs(self) -> Path | None:
        if self.docs_path is None:
            return None
        self.context.build_data_docs(site_names=[DOCS_SITE])
        return self.docs_path / "index.html"


def _missing(target: AuditTarget, error: Exception) -> SuiteResult:
    fix = ("the dbt build creates it with the columns of the marts contract: run `pantau build` "
           "and read the dbt log" if target.layer != "raw"
           else "the loader creates it: run `pantau ingest`")
    return SuiteResult(target.suite_name, target.table, False, 0,
                       (f"{target.table} could not be read ({str(error).splitlines()[0]}); "
                        f"{fix}",))


def watermark_literal(raw_watermark: str | None) -> str:
    """The SQL timestamp of the raw rows a build saw (``infinity``: all of raw)."""
    if raw_watermark is None:
        return "'infinity'::timestamp"
    return f"timestamp '{datetime.fromisoformat(raw_watermark).isoformat(sep=' ')}'"


def audit(settings: Settings, *, run_id: str | None = None, raw_watermark: str | None = None,
          targets: Iterable[AuditTarget] | None = None, raise_on_failure: bool = True,
          data_docs: bool = True) -> list[SuiteResult]:
    """Run the suites on the working warehouse, record the results, build the Data Docs.

    Args:
        settings: where the warehouse and the state directory are.
        run_id: recorded with each result (the Airflow run id); random when omitted.
        raw_watermark: ISO time of the newest raw row the dbt build saw (see
            :func:`pantau.orchestration.tasks.build`); rows ingested later are not expected in the marts.
            None compares the marts with all of raw.
        targets: the suites to run; :func:`default_targets` when omitted.
        raise_on_failure: raise when a suite fails (after recording every result).
        data_docs: write the GX Data Docs site to :func:`docs_dir`.

    Raises:
        BuildFailedError: a suite failed; the message names each failed expectation.
    """
    chosen = list(targets) if targets is not None else default_targets(settings)
    run_id = run_id or str(uuid.uuid4())
    docs_path = docs_dir(settings) if data_docs else None
    validator = _Validator(docs_path)
    con = warehouse.connect(settings.warehouse_path)
    results: list[SuiteResult] = []
    try:
        warehouse.ensure_raw(con)
        reference = reference_values(con, settings)
        parameters = {"sample_rows": settings.audit_sample_rows,
                      "raw_watermark": watermark_literal(raw_watermark)}
        for target in chosen:
            started = time.perf_counter()
            try:
                frame = con.execute(target.query.format(**parameters)).df()
            except (duckdb.CatalogException, duckdb.BinderException) as error:
                outcome = _missing(target, error)
            else:
                outcome = validator.validate(target, frame, reference)
                if target.counted and len(frame) == 1:
                    outcome = dataclasses.replace(outcome, counts={
                        column: int(frame[column].iloc[0]) for column in target.counted})
            outcome = dataclasses.replace(outcome,
                                          seconds=round(time.perf_counter() - started, 3))
            log.info("audit: %s %s in %.2fs (%d expectations)%s", target.suite_name,
                     "passed" if outcome.success else "FAILED", time.perf_counter() - started,
                     outcome.evaluated,
                     "; counted: " + ", ".join(f"{name} {value:,}"
                                               for name, value in outcome.counts.items())
                     if outcome.counts else "")
            results.append(outcome)
            con.execute(
                "insert into audit.validation_results (run_id, suite_name, data_asset, success, "
                "evaluated_expectations, failed_expectations, failures, validated_at, counts) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, outcome.suite_name, outcome.table, outcome.success, outcome.evaluated,
                 len(outcome.failed), json.dumps(list(outcome.failed)),
                 datetime.now(UTC).replace(tzinfo=None),
                 json.dumps(outcome.counts) if target.counted else None])
    finally:
        con.close()
    index = validator.build_docs()
    if index is not None:
        log.info("audit: GX Data Docs at %s", index)
    bad = [r for r in results if not r.success]
    if bad and raise_on_failure:
        where = f" (GX Data Docs: {index})" if index else ""
        raise BuildFailedError("Data-quality audit failed" + where + ": " + "; ".join(
            f"{r.suite_name}: {', '.join(r.failed)}" for r in bad)
            + ". The published snapshot was left as it was; fix the data or the model, then "
            "run `pantau build` again.")
    return results
