"""`pantau sql`: one query or an interactive shell on the published snapshot (or the warehouse).

The snapshot is opened read-only in its own DuckDB instance, so the shell never holds the working
warehouse's lock; with ``--warehouse`` the working warehouse is opened read-only instead (which
waits for no one, but a running load or build keeps it from opening). The text functions
(:mod:`pantau.transform.text.sql`) are registered either way.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

import duckdb

from pantau.exceptions import TerminalError
from pantau.serve.snapshot import open_snapshot

#: The text functions of :mod:`pantau.transform.text.sql` (kept equal by a test). Loading their models takes
#: seconds, so `pantau sql` registers them the first time a statement names one.
TEXT_FUNCTIONS = ("sentiment_label", "sentiment_score", "emotion", "topic", "resolve_polres",
                  "resolve_polda", "names_polri", "resolve_units", "normalize_text",
                  "campaign_words", "campaign_bands", "lookalike_count")
_TEXT_FUNCTION_CALL = re.compile(r"\b(" + "|".join(TEXT_FUNCTIONS) + r")\s*\(", re.I)

OutputFormat = Literal["table", "csv", "json"]
FORMATS: tuple[OutputFormat, ...] = ("table", "csv", "json")
PROMPT, CONTINUATION = "pantau> ", "   ...> "
_KEYWORDS = ("select", "from", "where", "group by", "order by", "limit", "with", "join", "left join",
             "inner join", "on", "as", "and", "or", "not", "count", "sum", "avg", "min", "max",
             "distinct", "having", "describe", "show tables", "desc", "asc", "between", "case",
             "when", "then", "else", "end", "date_trunc", "median", "quantile_cont", "unnest")


class WarehouseMissingError(TerminalError):
    """`pantau sql --warehouse` was asked for a warehouse that does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"no working warehouse at {path} — run `pantau ingest` or `pantau demo` "
                         "first (or point PANTAU_WAREHOUSE_PATH at one).")


class QueryError(TerminalError):
    """DuckDB rejected a query given with `pantau sql -c`."""

    def __init__(self, query: str, detail: str) -> None:
        self.query = query
        self.detail = detail
        super().__init__(f"the query failed: {detail}")


class UiUnavailableError(TerminalError):
    """The DuckDB UI extension cannot be installed or started."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the DuckDB UI is not available here: {detail}. The `ui` extension is downloaded from "
            "extensions.duckdb.org (and its web page from ui.duckdb.org), which this machine "
            "cannot reach. Use `pantau sql` or `pantau serve` instead, or run `pantau sql --ui` on "
            "a machine with internet access (after one successful install it also works offline "
            "from ~/.duckdb/extensions, but the page itself still needs ui.duckdb.org)."
        )


def connect(*, snapshot: Path | None = None, warehouse: Path | None = None
            ) -> duckdb.DuckDBPyConnection:
    """A read-only connection; the text functions are registered by :func:`run` when needed.

    Args:
        snapshot: the published snapshot to open (the default of `pantau sql`).
        warehouse: the working warehouse to open instead.

    Raises:
        SnapshotMissingError: ``snapshot`` does not exist.
    """
    if warehouse is not None:
        from pantau.connections import warehouse as warehouse_module

        if not warehouse.is_file():
            raise WarehouseMissingError(warehouse)
        con = warehouse_module.connect(warehouse, read_only=True)
    elif snapshot is not None:
        con = open_snapshot(snapshot)
    else:
        raise ValueError("connect() needs a snapshot or a warehouse path")
    return con


def ensure_text_functions(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Register the text functions on ``con`` if ``query`` calls one and they are not there yet."""
    if not _TEXT_FUNCTION_CALL.search(query):
        return
    present = con.execute("select count(*) from duckdb_functions() "
                          "where function_name = 'sentiment_label'").fetchall()[0][0]
    if not present:
        from pantau.transform.text.sql import register

        register(con)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | bytes):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(_json_value(value), ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: OutputFormat,
                out: TextIO) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
    else:
        records = [dict(zip(columns, (_json_value(v) for v in row), strict=True)) for row in rows]
        json.dump(records, out, ensure_ascii=False, indent=1)
        out.write("\n")


def run(con: duckdb.DuckDBPyConnection, query: str, *, fmt: OutputFormat = "table",
        out: TextIO | None = None, max_width: int = 200) -> None:
    """Run ``query`` (one or more statements) and print the last statement's result."""
    out = out or sys.stdout
    try:
        ensure_text_functions(con, query)
        _run(con, query, fmt, out, max_width)
    except duckdb.Error as error:
        raise QueryError(query, str(error)) from error


def _run(con: duckdb.DuckDBPyConnection, query: str, fmt: OutputFormat, out: TextIO,
         max_width: int) -> None:
    if fmt == "table":
        relation = con.sql(query)
        if relation is None:
            out.write("ok\n")
            return
        # DuckDB's own box rendering; ``show`` prints to sys.stdout, so capture it
        text = _render_table(relation, max_width)
        out.write(text if text.endswith("\n") else text + "\n")
        return
    cursor = con.execute(query)
    if cursor.description is None:
        out.write("ok\n")
        return
    _write_rows([d[0] for d in cursor.description], cursor.fetchall(), fmt, out)


def _render_table(relation: duckdb.DuckDBPyRelation, max_width: int) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        relation.show(max_width=max_width, max_rows=200)
    return buffer.getvalue()


class _Completer:
    """readline completion of SQL keywords, schemas, tables (``marts.fct_posts``) and columns."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute("""
            select table_schema, table_name, column_name from information_schema.columns
            where table_schema not in ('information_schema', 'pg_catalog')
        """).fetchall()
        words: set[str] = set(_KEYWORDS)
        for schema, table, column in rows:
            words.update((schema, table, f"{schema}.{table}", column))
        self.words = sorted(words)
        self._matches: list[str] = []

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            lowered = text.lower()
            self._matches = [w for w in self.words if w.lower().startswith(lowered)]
        return self._matches[state] if state < len(self._matches) else None


def _setup_readline(con: duckdb.DuckDBPyConnection, history: Path) -> Callable[[], None]:
    """Enable history and completion where readline exists; returns what saves the history."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return lambda: None
    history.parent.mkdir(parents=True, exist_ok=True)
    try:
        readline.read_history_file(history)
    except (FileNotFoundError, OSError):
        pass
    readline.set_history_length(2000)
    completer = _Completer(con)
    readline.set_completer(completer.complete)
    readline.set_completer_delims(" \t\n(),;=<>'\"")
    readline.parse_and_bind("tab: complete")

    def save() -> None:
        try:
            readline.write_history_file(history)
        except OSError:
            pass

    return save


HELP = """\
End a statement with ';'. Commands: .tables  .format table|csv|json  .help  .quit (or Ctrl-D).
The text functions sentiment_label, sentiment_score, emotion, topic, resolve_polres,
resolve_polda, names_polri, resolve_units, normalize_text, campaign_words, campaign_bands and
lookalike_count are available; the marts are in schema `marts` (try: .tables)."""


def interactive(con: duckdb.DuckDBPyConnection, *, source: str, history: Path,
                fmt: OutputFormat = "table", stdin: TextIO | None = None,
                out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Read statements until end of input; print each result. Errors are printed, not raised."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    err = err or sys.stderr
    tty = stdin.isatty()
    save_history = _setup_readline(con, history) if tty else (lambda: None)
    out.write(f"Connected read-only to {source}.\n{HELP}\n")
    out.flush()
    buffer = ""
    try:
        while True:
            prompt = PROMPT if not buffer else CONTINUATION
            try:
                if tty:
                    line = input(prompt)
                else:
                    line = stdin.readline()
                    if not line:
                        raise EOFError
                    line = line.rstrip("\n")
            except EOFError:
                if buffer.strip():
                    _run_printing_errors(con, buffer, fmt, out, err)
                return 0
            except KeyboardInterrupt:
                out.write("\n")
                buffer = ""
                continue
            stripped = line.strip()
            if not buffer and stripped.startswith("."):
                command, _, argument = stripped.partition(" ")
                if command in (".quit", ".exit"):
                    return 0
                if command == ".help":
                    out.write(HELP + "\n")
                elif command == ".tables":
                    _run_printing_errors(con, "select table_schema || '.' || table_name as name "
                                         "from information_schema.tables where table_schema "
                                         "not in ('information_schema', 'pg_catalog') order by 1",
                                         fmt, out, err)
                elif command == ".format" and argument.strip() in FORMATS:
                    fmt = argument.strip()  # type: ignore[assignment]
                else:
                    err.write(f"error: unknown command {stripped!r} — try .help\n")
                out.flush()
                continue
            buffer += line + "\n"
            if buffer.rstrip().endswith(";"):
                _run_printing_errors(con, buffer, fmt, out, err)
                buffer = ""
    finally:
        save_history()


def _run_printing_errors(con: duckdb.DuckDBPyConnection, query: str, fmt: OutputFormat,
                         out: TextIO, err: TextIO) -> None:
    try:
        run(con, query, fmt=fmt, out=out)
    except QueryError as error:
        err.write(f"error: {error.detail}\n")
        err.flush()
    out.flush()


def start_ui(con: duckdb.DuckDBPyConnection) -> str:
    """Install, load and start the DuckDB UI on ``con``; returns the URL it serves.

    Raises:
        UiUnavailableError: the extension cannot be installed, loaded or started.
    """
    try:
        con.execute("install ui")
        con.execute("load ui")
        row = con.execute("call start_ui_server()").fetchall()
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise UiUnavailableError(first_line) from error
    return str(row[0][0]) if row and row[0] else "http://localhost:4213"
