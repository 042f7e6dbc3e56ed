"""The local stack and the demo: Kafka from Maven jars, PostgreSQL from Debian's package, Airflow
run with ``airflow dags test``, and ``pantau demo``, which runs them end to end."""
