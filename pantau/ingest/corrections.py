"""Analysts' corrections of a post's labels: checked, then appended to ``audit.label_corrections``.

Why an audited warehouse table and not a seed: corrections come from the command line and (later)
from the dashboard's logged-in users, who have no git checkout; each one must keep who made it and
when, and none may be lost or rewritten. The table is append-only: a correction of a correction
is a new row, the latest per post and field wins at the next build (``int_label_overrides``), and
every earlier one stays, conflicts included. dbt never builds the ``audit`` schema, so a full
refresh keeps them; ``pantau label --export`` writes them as CSV for version control and training.

A batch is all or nothing: one unknown post key or invalid label refuses the whole batch, with
every reason listed, before anything is written.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from pantau.connections.warehouse import connect, ensure_raw
from pantau.contract.reference import load_polres
from pantau.exceptions import TerminalError, WarehouseLockedError
from pantau.settings import Settings
from pantau.transform.text.typing import EMOTION_LABELS, NO_TOPIC, SENTIMENT_LABELS

Field = Literal["sentiment", "emotion", "topic", "polres"]
FIELDS: tuple[Field, ...] = get_args(Field)
#: The value of a ``polres`` correction that says the post is about no Polres.
NO_POLRES = "none"
MAX_NOTE = 1000
MAX_NAME = 64
MAX_POST_KEY = 200
FILE_COLUMNS = ("post_key", "field", "value", "note")


class CorrectionError(TerminalError):
    """A batch of corrections was refused; nothing of it was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} problem(s); no correction was written:\n"
                         f"{shown}{more}")


@dataclass(frozen=True)
class Correction:
    """One label of one post, as an analyst says it should be."""

    post_key: str
    field: Field
    value: str
    note: str = ""


@dataclass(frozen=True)
class Recorded:
    """What :func:`record` wrote, and the earlier corrections by others it overrides."""

    written: int
    overridden: list[tuple[str, str, str, str, datetime]]  # post_key, field, value, by, at


def allowed_values(field: Field) -> tuple[str, ...]:
    """The labels a correction of ``field`` may set."""
    if field == "sentiment":
        return tuple(SENTIMENT_LABELS)
    if field == "emotion":
        return tuple(EMOTION_LABELS)
    if field == "topic":
        from pantau.transform.text.topic import load_taxonomy

        return (*load_taxonomy().topics, NO_TOPIC)
    return (*sorted(p.polres_id for p in load_polres()), NO_POLRES)


def _printable(text: str) -> bool:
    return not any(ord(c) < 32 or ord(c) == 127 for c in text)


def check_name(by: str) -> str:
    """The analyst's name: 1 to 64 printable characters without spaces at either end."""
    name = by.strip()
    if not name or len(name) > MAX_NAME or not _printable(name):
        raise CorrectionError([f"analyst name {by[:80]!r} must be 1 to {MAX_NAME} printable "
                               "characters (use --by NAME)"])
    return name


def problems_of(corrections: Iterable[Correction], where: Sequence[str] | None = None) -> list[str]:
    """Every reason a correction cannot be written (post keys are checked by :func:`record`)."""
    problems = []
    for i, c in enumerate(corrections):
        at = where[i] if where else f"correction {i + 1}"
        if c.field not in FIELDS:
            problems.append(f"{at}: field {c.field!r} is not one of {', '.join(FIELDS)}")
            continue
        if c.value not in allowed_values(c.field):
            shown = ", ".join(allowed_values(c.field)[:12])
            problems.append(f"{at}: {c.value[:80]!r} is not a {c.field} label (one of {shown}"
                            f"{'…' if len(allowed_values(c.field)) > 12 else ''})")
        if ":" not in c.post_key or len(c.post_key) > MAX_POST_KEY or not _printable(c.post_key):
            problems.append(f"{at}: post key {c.post_key[:80]!r} is not PLATFORM:POST_ID "
                            "(see marts.fct_posts.post_key)")
        if len(c.note) > MAX_NOTE or not _printable(c.note.replace("\n", " ")):
            problems.append(f"{at}: the note must be at most {MAX_NOTE} characters without "
                            "control characters")
    return problems


def read_file(path: Path) -> tuple[list[Correction], list[str]]:
    """Corrections of a CSV file with the columns ``post_key,field,value,note`` (note optional),
    and the line of each (for messages). Raises :class:`CorrectionError` on a malformed file."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in FILE_COLUMNS[:3] if c not in (reader.fieldnames or [])]
            if missing:
                raise CorrectionError([f"{path}: missing column(s) {', '.join(missing)}; the "
                                       f"header must be {','.join(FILE_COLUMNS)}"])
            rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CorrectionError([f"{path}: cannot be read as UTF-8 CSV ({error})"]) from None
    corrections = [Correction(post_key=(row.get("post_key") or "").strip(),
                              field=(row.get("field") or "").strip(),  # type: ignore[arg-type]
                              value=(row.get("value") or "").strip(),
                              note=row.get("note") or "") for _, row in rows]
    return corrections, [f"{path.name}:{line}" for line, _ in rows]


def connect_when_free(settings: Settings) -> Any:
    """The warehouse, waiting while a load or build holds its lock (up to the setting)."""
    for attempt in Retrying(retry=retry_if_exception_type(WarehouseLockedError),
                            stop=stop_after_delay(settings.label_lock_wait_s),
                            wait=wait_exponential(multiplier=0.5, max=10), reraise=True):
        with attempt:
            return connect(settings.warehouse_path)
    raise AssertionError("unreachable")  # pragma: no cover


def record(settings: Settings, corrections: Sequence[Correction], *, by: str,
           source: str = "cli", where: Sequence[str] | None = None) -> Recorded:
    """Append ``corrections`` by analyst ``by`` (all or nothing) and return what they override.

    Raises:
        CorrectionError: a label, field, note or post key is invalid, or a post key is not in
            ``marts.fct_posts`` (a post that was never built cannot be corrected).
    """
    name = check_name(by)
    if not corrections:
        raise CorrectionError(["no correction given (--sentiment, --emotion, --topic, --polres "
                               "or --file)"])
    problems = problems_of(corrections, where)
    if problems:
        raise CorrectionError(problems)
    con = connect_when_free(settings)
    try:
        ensure_raw(con)
        keys = sorted({c.post_key for c in corrections})
        built = con.execute("select count(*) from information_schema.tables where "
                            "table_schema = 'marts' and table_name = 'fct_posts'").fetchall()[0][0]
        known = {k for (k,) in con.execute(
            "select post_key from marts.fct_posts where post_key in (select unnest(?))",
            [keys]).fetchall()} if built else set()
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise CorrectionError([f"post key {k[:80]!r} is not in marts.fct_posts (build first, "
                                   "or check the key: PLATFORM:POST_ID)" for k in unknown])
        overridden = [tuple(row) for row in con.execute("""
            with wanted as (
                select distinct unnest(?) as post_key, unnest(?) as field
            )
            select c.post_key, c.field, c.value, c.corrected_by, c.corrected_at
            from audit.label_corrections as c
            inner join wanted on c.post_key = wanted.post_key and c.field = wanted.field
            where c.corrected_by <> ?
            qualify row_number() over (partition by c.post_key, c.field
                                       order by c.corrected_at desc, c.correction_id desc) = 1
            order by c.post_key, c.field
            """, [[c.post_key for c in corrections], [c.field for c in corrections],
                  name]).fetchall()]
        now = datetime.now(UTC).replace(tzinfo=None)
        con.execute("begin")
        con.executemany(
            "insert into audit.label_corrections values (?, ?, ?, ?, ?, ?, ?, ?)",
            [[str(uuid.uuid4()), c.post_key, c.field, c.value, c.note, name, now, source]
             for c in corrections])
        con.execute("commit")
    finally:
        con.close()
    return Recorded(len(corrections), overridden)


def export(settings: Settings, path: Path) -> int:
    """Every correction, oldest first, as CSV (the file format plus who, when and the source)."""
    con = connect_when_free(settings)
    try:
        ensure_raw(con)
        rows = con.execute("""
            select post_key, field, value, note, corrected_by, corrected_at, source, correction_id
            from audit.label_corrections order by corrected_at, correction_id""").fetchall()
    finally:
        con.close()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FILE_COLUMNS, "corrected_by", "corrected_at", "source", "correction_id"])
        writer.writerows(rows)
    return len(rows)
