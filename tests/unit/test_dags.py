"""Every DAG file imports cleanly and carries tags, retries and a docstring."""

from pathlib import Path

import pytest

from pantau.settings import PROJECT_DIR

DAG_FILES = sorted((PROJECT_DIR / "dags").glob("*.py"))


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_DIR / "dags"))


def test_there_are_dag_files():
    assert DAG_FILES


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_without_errors(dagbag, path: Path):
    assert str(path) not in dagbag.import_errors, dagbag.import_errors.get(str(path))


def test_no_import_errors_at_all(dagbag):
    assert dagbag.import_errors == {}


def test_each_dag_has_tags_retries_docs_and_uses_the_writer_pool(dagbag):
    assert dagbag.dags
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} ({dag.fileloc}) has no tags"
        assert dag.doc_md, f"{dag_id} ({dag.fileloc}) has no docstring"
        assert dag.catchup is False, f"{dag_id} ({dag.fileloc}) must not catch up"
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.pool == "duckdb_writer", f"{dag_id}.{task.task_id} is outside the pool"
