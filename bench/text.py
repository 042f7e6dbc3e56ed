"""Throughput of the text functions: posts per second, scalar against vectorised, on one core.

    .venv/bin/python bench/text.py --count 100000

Posts come from the synthetic producer (`producers.synthetic.generate(n, seed=1)`), with a
running number appended to every post so that no two texts are equal (the vectorised path
normalises each distinct token once, so repeated texts would flatter it). The scalar path calls
the one-post functions in a loop on a sample; the vectorised path is what the SQL functions run,
in batches of 2,048 (DuckDB's vector size) and in one batch. Also times SQL through DuckDB.
Figures, not pass/fail: the target (50,000 posts/s for sentiment, vectorised) lives in the issue.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import duckdb
import pyarrow as pa

from pantau.transform.text.emotion import emotion, emotion_batch
from pantau.transform.text.normalize import normalize, normalize_batch
from pantau.transform.text.sentiment import sentiment_batch, sentiment_label
from pantau.transform.text.sql import register
from pantau.transform.text.topic import topic, topic_batch
from pantau.transform.text.units import resolve_units, resolve_units_batch
from producers import synthetic

FUNCTIONS: dict[str, tuple[Callable[[str], Any], Callable[[pa.Array], Any]]] = {
    "normalize": (normalize, normalize_batch),
    "sentiment": (sentiment_label, sentiment_batch),
    "emotion": (emotion, emotion_batch),
    "topic": (topic, topic_batch),
    "resolve_units": (resolve_units, resolve_units_batch),
}


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>12,.0f} posts/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--scalar-count", type=int, default=2_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    texts = [f"{e['text']} {i}" for i, e in enumerate(synthetic.generate(args.count, seed=1))]
    array = pa.array(texts, type=pa.string())
    sentiment_batch(array.slice(0, 100))  # load models outside the timings
    emotion_batch(array.slice(0, 100))
    print(f"{args.count:,} synthetic posts (distinct texts), one core; scalar on "
          f"{args.scalar_count:,} of them")
    print(f"{'function':<16}{'scalar':>24}{'vectorised, 2048/batch':>28}{'vectorised, 1 batch':>28}")
    for name, (scalar, batch) in FUNCTIONS.items():
        started = time.perf_counter()
        for text in texts[: args.scalar_count]:
            scalar(text)
        scalar_s = time.perf_counter() - started
        started = time.perf_counter()
        for start in range(0, len(array), 2048):
            batch(array.slice(start, 2048))
        chunked_s = time.perf_counter() - started
        started = time.perf_counter()
        batch(array)
        whole_s = time.perf_counter() - started
        print(f"{name:<16}{_rate(args.scalar_count, scalar_s):>24}{_rate(len(array), chunked_s):>28}"
              f"{_rate(len(array), whole_s):>28}", flush=True)

    con = duckdb.connect()
    con.execute("set threads = 1").fetchall()
    register(con)
    con.register("posts_arrow", pa.table({"post_text": array}))
    con.execute("create table posts as select * from posts_arrow").fetchall()
    for sql_function in ("sentiment_label", "sentiment_score", "emotion", "topic", "resolve_units"):
        started = time.perf_counter()
        con.execute(f"select count({sql_function}(post_text)) from posts").fetchall()
        print(f"SQL {sql_function:<22}{_rate(len(array), time.perf_counter() - started):>24}",
              flush=True)
    con.close()


if __name__ == "__main__":
    main()
