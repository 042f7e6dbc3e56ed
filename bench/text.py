"""Throughput of the text functions: posts per second, scalar against vectorised, on one core.

    .venv/bin/python bench/text.py --count 100000

Posts come from the synthetic producer (`producers.synthetic.generate(n, seed=1)`), with a
running number appended to every post so that no two texts are equal (the vectorised path
normalises each distinct token once, so repeated texts would flatter it). The scalar path calls
the one-post functions in a loop on a sample; the vectorised path is what the SQL functions run,
in batches of 2,048 (DuckDB's vector size) and in one batch. Also times SQL through DuckDB.
Figures, not pass/fail: the target (50,000 posts/s for sentiment, vectorised) lives in the issue.

``--onnx MODEL`` (repeatable) adds the sentiment backends side by side: the linear model on all
posts, then the ONNX backend on the first ``--onnx-count`` of them with MODEL, a directory
of your exported model, ``tiny`` (the tests' tiny model: the backend's overhead, an upper bound)
or ``bert-small`` / ``bert-base`` / ``bert-base-int8`` (a BERT-shaped model with random weights,
built in a temporary directory by ``bench/onnx_bert.py``: the cost of a real fine-tuned IndoBERT
of that shape; int8: weights quantised). Needs the dev extras (onnx, onnxruntime, tokenizers)::

    .venv/bin/python bench/text.py --onnx-only --onnx tiny --onnx bert-small --onnx bert-base
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import duckdb
import pyarrow as pa

from pantau.transform.text import onnx_backend
from pantau.transform.text import sentiment as sentiment_module
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


def _model_directory(name: str, texts: list[str], scratch: Path) -> Path:
    """The directory of ``--onnx NAME``: built for ``tiny`` and ``bert-*``, else NAME itself."""
    if name == "tiny" or name.startswith("bert-"):
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ and bench/
        from bench.onnx_bert import build_bert_model
        from pantau.transform.text.datasets import load
        from tests.onnx_model import build_tiny_model

        if name == "tiny":
            return build_tiny_model(scratch / name)
        # the WordPiece vocabulary learns from real posts and reviews too, not only synthetic ones
        corpus = texts + [text for part in ("train", "valid") for text in load("smsa", part).texts]
        return build_bert_model(scratch / name, corpus, name)
    return Path(name)


def _sentiment_seconds(array: pa.Array) -> tuple[float, float]:
    """Seconds of sentiment_batch in batches of 2,048 and of SQL sentiment_label, all posts."""
    sentiment_batch(array.slice(0, 64))  # load the model outside the timing
    started = time.perf_counter()
    for start in range(0, len(array), 2048):
        sentiment_batch(array.slice(start, 2048))
    batch_s = time.perf_counter() - started
    con = duckdb.connect()
    con.execute("set threads = 1").fetchall()
    register(con)
    con.register("posts_arrow", pa.table({"post_text": array}))
    con.execute("create table posts as select * from posts_arrow").fetchall()
    started = time.perf_counter()
    con.execute("select count(sentiment_label(post_text)) from posts").fetchall()
    sql_s = time.perf_counter() - started
    con.close()
    return batch_s, sql_s


def compare_backends(texts: list[str], onnx_count: int, models: list[str]) -> None:
    """The linear model on all ``texts`` beside the ONNX backend with each of ``models`` on the
    first ``onnx_count`` of them, one core. (The linear path normalises each distinct token
    once, so it is timed on the whole set, as above; the ONNX path caches nothing.)"""
    print(f"\nsentiment backends, one core (PANTAU_SENTIMENT_ONNX_BATCH="
          f"{os.environ.get('PANTAU_SENTIMENT_ONNX_BATCH', '64')}, MAX_TOKENS="
          f"{os.environ.get('PANTAU_SENTIMENT_ONNX_MAX_TOKENS', '128')})")
    print(f"{'backend':<22}{'posts':>8}{'tokens/post':>12}{'vectorised, 2048/batch':>26}"
          f"{'SQL sentiment_label':>24}")
    os.environ.pop("PANTAU_SENTIMENT_BACKEND", None)
    array = pa.array(texts, type=pa.string())
    batch_s, sql_s = _sentiment_seconds(array)
    print(f"{'linear (shipped)':<22}{len(array):>8,}{'':>12}{_rate(len(array), batch_s):>26}"
          f"{_rate(len(array), sql_s):>24}", flush=True)
    array = array.slice(0, onnx_count)
    with tempfile.TemporaryDirectory(prefix="pantau-bench-onnx-") as scratch:
        for name in models:
            directory = _model_directory(name, texts, Path(scratch))
            os.environ["PANTAU_SENTIMENT_BACKEND"] = "onnx"
            os.environ["PANTAU_SENTIMENT_ONNX_DIR"] = str(directory)
            onnx_backend.load.cache_clear()
            tokenizer = sentiment_module.onnx_model().tokenizer
            sample = texts[: min(onnx_count, 2000)]
            tokens = sum(sum(e.attention_mask) for e in tokenizer.encode_batch(sample)) / len(sample)
            batch_s, sql_s = _sentiment_seconds(array)
            label = f"onnx {name if len(name) < 17 else '…' + name[-15:]}"
            print(f"{label:<22}{len(array):>8,}{tokens:>12.1f}{_rate(len(array), batch_s):>26}"
                  f"{_rate(len(array), sql_s):>24}", flush=True)
    os.environ.pop("PANTAU_SENTIMENT_BACKEND", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--scalar-count", type=int, default=2_000)
    parser.add_argument("--onnx", action="append", default=[], metavar="MODEL",
                        help="also time the ONNX sentiment backend with MODEL: a directory, "
                             "tiny, bert-small, bert-base or bert-base-int8 (repeatable)")
    parser.add_argument("--onnx-count", type=int, default=4_000,
                        help="posts of the backend comparison (default 4,000)")
    parser.add_argument("--onnx-only", action="store_true",
                        help="only the backend comparison, not the other functions")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    os.environ.pop("PANTAU_SENTIMENT_BACKEND", None)  # the linear model unless --onnx

    texts = [f"{e['text']} {i}" for i, e in enumerate(synthetic.generate(args.count, seed=1))]
    if args.onnx_only:
        compare_backends(texts, args.onnx_count, args.onnx)
        return
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
    if args.onnx:
        compare_backends(texts, args.onnx_count, args.onnx)


if __name__ == "__main__":
    main()
