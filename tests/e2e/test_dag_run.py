"""A whole Airflow DAG run (`airflow dags test`) on real Kafka, DuckDB, dbt and GX."""

from __future__ import annotations

import dataclasses

import pytest

from pantau import airflow_local, warehouse
from producers import Publisher, synthetic

pytestmark = pytest.mark.e2e


def test_dag_run_loads_builds_and_audits_exactly_the_posts_produced(settings):
    produced = 1500
    with Publisher(settings, source="test") as publisher:
        report = publisher.publish_all(synthetic.generate(produced, seed=77))
    assert report.sent == produced

    airflow_local.setup(settings)
    log_path = airflow_local.test_dag(settings, "social_posts_pipeline")
    log = log_path.read_text()
    for task_id in ("ingest", "build", "audit"):
        assert f"end task task_id={task_id}" in log

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        assert con.execute("select count(*) from raw.social_posts").fetchall() == [(produced,)]
        assert con.execute(
            "select sum(post_count)::bigint from marts.mart_polres_engagement_daily"
        ).fetchall() == [(produced,)]
        assert con.execute(
            "select bool_and(success), count(*) from audit.validation_results").fetchall() == [
            (True, 1)]
    finally:
        con.close()


def test_a_failing_task_fails_the_dag_run_loudly(settings):
    """The warehouse path is unusable: the ingest task fails (no retries), so does the run."""
    settings = dataclasses.replace(settings, task_retries=0)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.mkdir()  # a directory where the DuckDB file should be
    airflow_local.setup(settings)
    with pytest.raises(Exception, match="DAG social_posts_pipeline failed"):
        airflow_local.test_dag(settings, "social_posts_pipeline")
