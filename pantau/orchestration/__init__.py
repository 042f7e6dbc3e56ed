"""What the Airflow DAGs run: the shared DAG defaults (``dags``), the steps as plain functions
(``tasks``), the upkeep (``maintenance``) and the failure alerts (``alerts``)."""
