"""How Pantau reaches what it stores in: the Kafka admin client and the DuckDB warehouse."""
