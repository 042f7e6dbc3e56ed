"""dlt's side of bench/ingest.py: Kafka into DuckDB with dlt, run in dlt's own environment.

The resource reads Kafka the way dlt's verified Kafka source does (confluent-kafka `consume`
batches from the beginning to the end offsets, JSON-decoded values, a `_kafka` column with topic,
partition, offset and timestamp); dlt normalises and loads it into DuckDB. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import dlt
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()

    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": f"dlt-{time.time_ns()}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    metadata = consumer.list_topics(args.topic, timeout=10)
    partitions = sorted(metadata.topics[args.topic].partitions)
    ends = {p: consumer.get_watermark_offsets(TopicPartition(args.topic, p))[1] for p in partitions}
    consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in partitions])

    @dlt.resource(name="social_posts", write_disposition="append")
    def kafka_consumer():
        done: set[int] = {p for p, end in ends.items() if end == 0}
        while len(done) < len(partitions):
            batch = []
            for message in consumer.consume(5000, timeout=1.0):
                if message.error():
                    raise RuntimeError(message.error())
                record = json.loads(message.value())
                record["_kafka"] = {"topic": message.topic(), "partition": message.partition(),
                                    "offset": message.offset(), "ts": message.timestamp()[1]}
                batch.append(record)
                if message.offset() + 1 >= ends[message.partition()]:
                    done.add(message.partition())
            if batch:
                yield batch

    work = Path(tempfile.mkdtemp(prefix="pantau-bench-dlt-"))
    pipeline = dlt.pipeline(pipeline_name="bench_kafka", pipelines_dir=str(work / "pipelines"),
                            destination=dlt.destinations.duckdb(str(work / "dlt.duckdb")),
                            dataset_name="raw")
    started = time.perf_counter()
    pipeline.run(kafka_consumer())
    seconds = time.perf_counter() - started
    consumer.close()
    with pipeline.sql_client() as client:
        count = client.execute_sql("select count(*) from social_posts")[0][0]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"count": count, "seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024,
                      "cpu_s": usage.ru_utime + usage.ru_stime}))


if __name__ == "__main__":
    main()
