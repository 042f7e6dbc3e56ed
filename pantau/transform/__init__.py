"""dbt builds the marts (``dbt``: the runner); the text functions it calls live in ``text``."""
