"""Kafka to ``raw.social_posts``, exactly once: the loader (``loader``) and the bulk contract
checks DuckDB runs on each batch (``bulk``)."""
