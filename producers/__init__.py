"""Sources of contract events and the Kafka publisher that sends them."""

from producers.publisher import Publisher, PublishReport

__all__ = ["PublishReport", "Publisher"]
