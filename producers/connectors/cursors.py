"""Cursors: one JSON file per connector target, written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pantau.exceptions import TerminalError


def cursor_name(connector: str, target: str) -> str:
    """A file-system-safe, stable cursor file name for one connector target."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", target).strip("_")[:60] or "target"
    digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:10]
    return f"{connector}-{slug}-{digest}.json"


class CursorStore:
    """One JSON cursor file, written atomically (temp file in the same directory, fsync, rename),
    so a crash leaves either the old cursor or the new one, never half of one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        """The saved state, or ``{}`` on the first run.

        Raises:
            TerminalError: the file exists but is not a JSON object (names the file and the fix).
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            state = json.loads(text)
        except json.JSONDecodeError:
            state = None
        if not isinstance(state, dict):
            raise TerminalError(f"The cursor file {self.path} is not a JSON object — delete it to "
                                "start over from the newest items (older ones will be skipped).")
        return state

    def save(self, state: Mapping[str, Any]) -> None:
        """Replace the cursor with ``state`` atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({**state, "saved_at": datetime.now(UTC).isoformat()}, indent=2,
                             sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
