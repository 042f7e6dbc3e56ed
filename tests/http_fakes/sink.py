"""A sink for connector tests: collects events like Kafka would, or fails a commit (a crash)."""

from __future__ import annotations

from pantau.exceptions import TransientError


class FakeSink:
    """Collects events; ``fail_on_commit`` simulates Kafka not acknowledging a page (a crash)."""

    def __init__(self, fail_on_commit: int | None = None) -> None:
        self.events: list[dict] = []
        self.dead: list[tuple] = []
        self.pending: list[dict] = []
        self.commits = 0
        self.fail_on_commit = fail_on_commit

    def publish(self, event: dict) -> bool:
        self.pending.append(event)
        return True

    def dead_letter(self, reason, field, original) -> None:  # type: ignore[no-untyped-def]
        self.dead.append((reason, field, original))

    def commit(self) -> None:
        self.commits += 1
        if self.commits == self.fail_on_commit:
            self.pending.clear()
            raise TransientError("Kafka did not acknowledge")
        self.events.extend(self.pending)
        self.pending.clear()
