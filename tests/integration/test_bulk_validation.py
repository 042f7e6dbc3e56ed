"""The loader's DuckDB pre-check (pantau.ingest.bulk) against the Python validator, on a real DuckDB:
it never passes a message the contract rejects, and it types values exactly as Python does."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantau import contract
from pantau.exceptions import ContractViolation
from pantau.ingest import bulk
from pantau.ingest.schema import RAW_BATCH_SCHEMA, post_row, posts_table
from producers import synthetic

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BASE = next(synthetic.generate(1, seed=7, start=datetime(2026, 5, 30, tzinfo=UTC)))

_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=3), st.just(2**63),
    st.just(2**63 - 1), st.just(1.0), st.just(1.5), st.text(max_size=5), st.just(""),
    st.just("x" * 129), st.just("é" * 70), st.just("2026-05-30T10:00:00Z"),
    st.just("2026-05-30T10:00:00.123456Z"), st.just("2026-05-30 10:00:00Z"),
    st.just("0000-01-01T00:00:00Z"), st.just("2026-02-30T10:00:00Z"),
    st.just("2026-05-30T10:00:00+00:00"), st.just("2026-06-03T10:00:00Z"),
    st.just("00000000-0000-4000-8000-000000000001"), st.just("en-US"), st.just("x"),
    st.just("reply"), st.just("a\x00b"), st.lists(st.text(max_size=3), max_size=3),
    st.just([None]), st.just([1]), st.just(["a"] * 101), st.just({}),
    st.dictionaries(st.sampled_from(["id", "name", "likes"]), st.integers(0, 3), max_size=2),
)
_PATHS = [(name,) for name in contract.schema()["required"]] + [("extra_field",)] + [
    ("author", name) for name in contract.schema()["properties"]["author"]["required"]] + [
    ("metrics", name) for name in contract.schema()["properties"]["metrics"]["required"]] + [
    ("source", name) for name in contract.schema()["properties"]["source"]["required"]] + [
    ("author", "created_at")]


def mutate(edits) -> dict:
    event = copy.deepcopy(BASE)
    for path, delete, value in edits:
        node = event
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if delete:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(value)
    return event


def stage(con, payloads: list[str]):
    n = len(payloads)
    batch = pa.table({"kafka_topic": ["t"] * n, "kafka_partition": [0] * n,
                      "kafka_offset": list(range(n)), "kafka_timestamp": [1_700_000_000_000] * n,
                      "value": payloads}, schema=RAW_BATCH_SCHEMA)
    con.register("batch_raw", batch)
    columns = ", ".join(["ok", *bulk.POST_COLUMNS])
    rows = con.execute(f"select {columns} from ({bulk.staging_sql()}) order by kafka_offset",
                       {"now": NOW.replace(tzinfo=None)}).fetchall()
    con.unregister("batch_raw")
    return rows


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


class FakeMessage:
    topic, partition, timestamp = "t", 0, 1_700_000_000_000

    def __init__(self, offset: int) -> None:
        self.offset = offset


def python_row(payload: str, offset: int):
    try:
        event = contract.decode_and_validate(payload.encode(), now=NOW)
    except ContractViolation:
        return None
    table = posts_table([post_row(event, FakeMessage(offset))], NOW.replace(tzinfo=None))
    return tuple(table.to_pylist()[0].values())


def test_valid_synthetic_events_pass_the_sql_check_with_python_identical_values(con):
    events = list(synthetic.generate(300, seed=3, start=datetime(2026, 5, 30, tzinfo=UTC)))
    payloads = [json.dumps(e, ensure_ascii=False) for e in events]
    rows = stage(con, payloads)
    assert all(row[0] for row in rows)
    for offset, (payload, row) in enumerate(zip(payloads, rows, strict=True)):
        expected = python_row(payload, offset)
        assert row[1:] == (*expected[:-1], NOW.replace(tzinfo=None))


def test_the_account_creation_time_passes_the_sql_check_with_python_identical_values(con):
    events = list(synthetic.generate(6, seed=4, start=datetime(2026, 5, 30, tzinfo=UTC)))
    account_times = [None, "2019-03-04T05:06:07Z", "2019-03-04T05:06:07.250000Z",
                     events[3]["created_at"], "no date", events[5]["observed_at"]]
    for event, account_created in zip(events, account_times, strict=True):
        event["author"]["created_at"] = account_created
    del events[0]["author"]["created_at"]  # absent, as every event before revision 1.1
    events[5]["observed_at"] = events[5]["created_at"] = events[4]["created_at"]
    events[5]["author"]["created_at"] = "2026-06-01T00:00:00Z"  # after its own post
    payloads = [json.dumps(e) for e in events]
    rows = stage(con, payloads)
    assert [row[0] for row in rows] == [True, True, True, True, False, False]
    for offset, (payload, row) in enumerate(zip(payloads, rows, strict=True)):
        expected = python_row(payload, offset)
        if row[0]:
            assert row[1:] == (*expected[:-1], NOW.replace(tzinfo=None))
        else:  # what SQL does not pass, the Python validator refuses, naming the field
            assert expected is None
            with pytest.raises(ContractViolation) as refused:
                contract.decode_and_validate(payload.encode(), now=NOW)
            assert refused.value.field == "author.created_at"
    column = 1 + bulk.POST_COLUMNS.index("author_created_at")
    assert [row[column] for row in rows[:4]] == [
        None, datetime(2019, 3, 4, 5, 6, 7), datetime(2019, 3, 4, 5, 6, 7, 250000),
        datetime.fromisoformat(events[3]["created_at"].rstrip("Z"))]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(_PATHS), st.booleans(), _VALUES),
                         min_size=1, max_size=3), min_size=1, max_size=8))
def test_sql_never_passes_what_the_contract_rejects(con, batches):
    payloads = [json.dumps(mutate(edits)) for edits in batches]
    for offset, (payload, row) in enumerate(zip(payloads, stage(con, payloads), strict=True)):
        if row[0]:
            expected = python_row(payload, offset)
            assert expected is not None, payload
            assert row[1:-1] == expected[:-1], payload
