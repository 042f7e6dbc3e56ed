"""The `pantau` command: one entry point per job. Run `pantau <command> --help` for details."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Sequence

from pantau.exceptions import PantauError, TransientError
from pantau.progress import Output
from pantau.settings import Settings, settings_markdown
from pantau.transform.text.typing import EMOTION_LABELS, SENTIMENT_LABELS


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    if args.markdown:
        print(settings_markdown())
    else:
        for name, value in settings.describe():
            print(f"{name}={value}")
    return 0


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.connections.postgres import reader_conninfo
    from pantau.local.kafka import LocalKafka, LocalKafkaCluster, local_kafka
    from pantau.local.postgres import LocalPostgres

    configured = settings.kafka_brokers
    if args.brokers:
        settings = settings.replace(kafka_brokers=args.brokers)
    kafka = local_kafka(settings)
    pg = LocalPostgres(settings)
    if args.action == "up":
        status = kafka.up(say=_say)
        _say(f"Kafka: {status.detail}")
        if isinstance(kafka, LocalKafkaCluster) and configured == 1:
            _say("Export PANTAU_KAFKA_BROKERS=3 so that every command bootstraps from the "
                 "three brokers.")
        if settings.pg_publish:
            _say(f"PostgreSQL: {pg.up(say=_say).detail}")
            if pg.is_local:
                _say(f"BI tools and psql: psql \"{reader_conninfo(settings)}\"")
        return 0
    if args.action == "down":
        cluster = LocalKafkaCluster(settings)
        single = LocalKafka(settings.replace(kafka_brokers=1))
        clustered = settings.kafka_brokers > 1 or bool(cluster.running_pids())
        if clustered:
            _say(cluster.down())
        if single.running_pid() or not clustered:
            _say(single.down())
        _say(pg.down())
        return 0
    status = kafka.status()
    _say(f"Kafka: {status.detail}")
    pg_status = pg.status()
    _say(f"PostgreSQL: {pg_status.detail}")
    pg_ok = not settings.pg_publish or pg_status.state in ("running", "external")
    return 0 if status.answering and pg_ok else 3


def cmd_produce(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "scenario", None):
        from producers.scenario import cli as scenario_cli

        return scenario_cli.run(args, settings, out=Output())
    from producers import Publisher, synthetic

    out = Output()
    started = time.monotonic()
    with out.bar("sending", total=args.count, unit="posts") as bar:
        with Publisher(settings, source="synthetic",
                       on_progress=lambda r: bar.update(f"  … {r.sent:,} sent",
                                                        completed=r.sent)) as publisher:
            report = publisher.publish_all(synthetic.generate(args.count, seed=args.seed),
                                           progress_every=bar.every(max(1000, args.count // 10)))
        bar.update(None, completed=report.sent)
    out.say(f"Produced to {settings.topic_posts}: {report.summary()} "
            f"in {time.monotonic() - started:.1f}s")
    return 0 if report.ok else 1


def _stop_on_signals(out: Output, unit: str) -> threading.Event:
    """An event SIGTERM and SIGINT (Ctrl-C) set, saying that the current ``unit`` of work
    finishes first."""
    import signal

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        out.say(f"  … {signal.Signals(signum).name}: finishing the current {unit}, then stopping")
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    return stop


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.ingest import IngestReport, Loader

    out = Output()
    stop = _stop_on_signals(out, "batch")
    if args.follow:
        out.say(f"Following {settings.topic_posts} into {settings.warehouse_path} "
                "(Ctrl-C or SIGTERM stops after the current batch)")
    with out.bar("ingesting", unit="messages") as bar:

        def progress(report: IngestReport, lag: int) -> None:
            done = report.loaded + report.rejected + report.duplicates
            bar.update(f"  … loaded {report.loaded:,}, rejected {report.rejected:,}, "
                       f"duplicates {report.duplicates:,}, lag {lag:,}",
                       completed=done, total=done + lag,
                       info=f"loaded {report.loaded:,}, rejected {report.rejected:,}, "
                            f"lag {lag:,}")

        report = Loader(settings, on_progress=progress,
                        progress_interval_s=args.progress_every).run(follow=args.follow, stop=stop)
    out.say(f"Ingested into {settings.warehouse_path}: {report.summary()}")
    return 0


def _follow(settings: Settings, out: Output) -> int:
    from pantau.orchestration.tasks import follow

    stop = _stop_on_signals(out, "cycle")
    out.say(f"Following {settings.topic_posts} into {settings.warehouse_path}: load, then build, "
            f"audit, publish and notify when anything new arrived, at most every "
            f"{settings.follow_interval_s:g}s, dbt kept warm between builds (Ctrl-C or SIGTERM "
            "stops after the current cycle)")
    builds = follow(settings, stop=stop, say=out.say)
    out.say(f"Stopped after {builds} builds.")
    return 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.orchestration.tasks import build_audit_publish

    out = Output()
    if args.follow:
        return _follow(settings, out)
    out.say(f"Building {settings.warehouse_path} (dbt build, then the GX audit, then publish, "
            "then the notifications)")
    steps = ("dbt build", "GX audit", "publish", "notify")
    with out.bar("building", total=len(steps), unit="steps", info=steps[0], rate=False) as bar:

        def on_step(name: str) -> None:
            bar.update(None, completed=steps.index(name), info=name)

        build_audit_publish(settings, run_id=f"cli-{time.strftime('%Y%m%dT%H%M%S')}",
                            say=out.say, on_step=on_step,
                            full_refresh=True if args.full_refresh else None)
        bar.update(None, completed=len(steps), info="done")
    out.say(f"Analysts and BI tools read {settings.published_path} (read-only).")
    return 0


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.serve import sql_shell

    if args.warehouse:
        con = sql_shell.connect(warehouse=settings.warehouse_path)
        source = f"the working warehouse {settings.warehouse_path}"
    else:
        con = sql_shell.connect(snapshot=settings.published_path)
        source = f"the published snapshot {settings.published_path}"
    try:
        if args.ui:
            url = sql_shell.start_ui(con)
            _say(f"DuckDB UI on {source}: {url} (Ctrl-C stops it)")
            import threading

            threading.Event().wait()
        if args.command_text:
            sql_shell.run(con, args.command_text, fmt=args.format)
            return 0
        return sql_shell.interactive(con, source=source, fmt=args.format,
                                     history=settings.state_dir / "sql_history")
    finally:
        con.close()


def cmd_label(args: argparse.Namespace, settings: Settings) -> int:
    import getpass
    from pathlib import Path

    from pantau.ingest import corrections as c

    if args.export:
        n = c.export(settings, Path(args.export))
        _say(f"{n:,} corrections written to {args.export}")
        return 0
    by = args.by or getpass.getuser()
    if args.file:
        if args.post_key:
            raise c.CorrectionError(["give either a POST_KEY with labels or --file, not both"])
        batch, where = c.read_file(Path(args.file))
        source = "file"
    else:
        if not args.post_key:
            raise c.CorrectionError(["give a POST_KEY (see marts.fct_posts.post_key) or --file"])
        wanted = {"sentiment": args.sentiment, "emotion": args.emotion, "topic": args.topic,
                  "polres": args.polres}
        batch = [c.Correction(args.post_key, field, value, args.note or "")  # type: ignore[arg-type]
                 for field, value in wanted.items() if value is not None]
        where, source = [f"--{x.field}" for x in batch], "cli"
    done = c.record(settings, batch, by=by, source=source, where=where)
    for post_key, field, value, other, at in done.overridden:
        _say(f"note: {post_key} {field} was {value!r} by {other} at {at:%Y-%m-%d %H:%M} UTC; "
             "yours is the latest and wins, theirs stays in audit.label_corrections")
    _say(f"{done.written} correction(s) by {by} recorded in audit.label_corrections; the next "
         "build applies them (fct_posts.label_source = 'analyst')")
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from pantau.transform.text.evaluate import compare_versions
    from pantau.transform.text.settings import models_dir
    from pantau.transform.text.train import train_version

    trained = train_version(settings, out_dir=Path(args.out) if args.out else None,
                            use_corrections=not args.no_corrections, only=args.only, say=_say)
    used = ", ".join(f"{n} {field}" for field, n in trained.corrections.items())
    _say(f"wrote {trained.folder} (version {trained.version}; analysts' corrections used: {used})")
    for task in ("sentiment", "emotion", "topic") if args.only is None else (args.only,):
        if task == "emotion" and not (trained.folder / "emotion.npz").is_file():
            continue
        _say(compare_versions(task, models_dir(), trained.folder))
    _say(f"To use it: PANTAU_TEXT_MODELS_DIR={trained.folder} — the next build then reads every "
         f"post again (a full refresh; now {trained.based_on}).")
    return 0


def _new_password(name: str) -> str:
    """A new password from a prompt (asked twice) or, when stdin is not a terminal, its first line."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    import getpass

    password = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("The same password again: ") != password:
        from pantau.serve.auth import PasswordError

        raise PasswordError("the two passwords differ — run the command again.")
    return password


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.add_user:
        from pantau.serve.auth import add_user

        path = settings.serve_users_file
        replaced = add_user(path, args.add_user, _new_password(args.add_user))
        _say(f"{'Changed the password of' if replaced else 'Added'} {args.add_user} in {path}.")
        return 0
    from pantau.serve.server import serve

    return serve(settings, say=_say)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from pantau.reports import Report, ReportError, make_reports

    end = None
    if args.end:
        try:
            end = dt.date.fromisoformat(args.end)
        except ValueError:
            raise ReportError(f"--end is a day as YYYY-MM-DD, not {args.end!r}") from None
    level = "polda" if args.polda else "polres" if args.polres else None
    unit_ids = None if args.all else [args.polda or args.polres]
    out = Output()
    with out.bar("reports", unit="reports", rate=False, info=args.period) as bar:

        def on_report(report: Report, done: int, total: int) -> None:
            bar.update(None, completed=done, total=total, info=report.unit_id)
            out.say(f"{report.pdf_path} ({report.pages} pages), {report.html_path}")

        reports = make_reports(settings, unit_ids=unit_ids, period=args.period, end=end,
                               level=level, on_report=on_report)
    if reports:
        out.say(f"{len(reports)} {args.period} report(s) of {reports[0].label} in "
                f"{reports[0].pdf_path.parent}")
    return 0


def cmd_notify(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.notify import deliver as notify
    from pantau.notify.subscriptions import load_subscriptions

    subs = load_subscriptions(settings)
    if args.action == "check":
        _say(f"{subs.path}: {len(subs.channels)} channels, {len(subs.subscriptions)} "
             "subscriptions")
        for name, channel in sorted(subs.channels.items()):
            target = {"telegram": f"chat {channel.chat_id}", "email": ", ".join(channel.to or []),
                      "webhook": str(channel.url), "slack": "webhook URL from PANTAU_NOTIFY_SECRETS",
                      "file": channel.path or str(settings.notify_sink_path)}[channel.type]
            _say(f"  channel {name}: {channel.type} ({target})")
        for sub in subs.subscriptions:
            scope = sub.resolved_scope
            where = ("all" if scope.all else "national" if scope.national else
                     f"polres {', '.join(scope.polres)}" if scope.polres is not None else
                     f"polda {', '.join(scope.polda or [])}")
            quiet = (f", quiet {sub.quiet_hours.start:%H:%M}-{sub.quiet_hours.end:%H:%M} "
                     f"{sub.quiet_hours.timezone}" if sub.quiet_hours else "")
            _say(f"  {sub.channel} <- {where}: {', '.join(sub.kinds)} "
                 f"(severity {sub.min_severity}+{quiet})")
        if not subs.configured:
            _say(f"  no channel: every event goes to the local sink {settings.notify_sink_path}")
        return 0
    if args.action == "status":
        state = notify.status(settings, failures=args.failures)
        if not state.counts:
            _say(f"No deliveries in {settings.notify_ledger_path} yet.")
            return 0
        _say(f"Deliveries in {settings.notify_ledger_path}:")
        for channel_name, counts in state.counts.items():
            _say(f"  {channel_name}: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
        if state.held:
            _say(f"  {state.held} held for quiet hours (sent as one digest when they end)")
        if state.failures:
            _say("Failures (newest first):")
        for f in state.failures:
            when = f"next attempt {f.next_attempt_at}" if f.next_attempt_at else "not retried"
            _say(f"  {f.channel} {f.kind} {f.event_id}: {f.status}, {f.attempts} attempts, "
                 f"{when}: {f.last_error}")
        return 0
    if args.handoff:
        moved = notify.handoff(settings)
        _say(f"Handed {moved.rows} outbox rows of {moved.builds} published builds to the "
             f"ledger ({moved.new} new).")
    report = notify.deliver(settings, subscriptions=subs)
    _say(f"Notifications: {report.summary()}.")
    for error in report.errors:
        _say(f"  failed: {error}")
    return 1 if report.errors and (report.retrying or report.failed) else 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from pantau.local.demo import run_demo
    from producers.scenario.demo import produce_scenario

    out = Output()
    with out.bar("demo", total=5, unit="steps", rate=False) as bar:
        return run_demo(settings, count=args.count, seed=args.seed, produce=produce_scenario,
                        say=out.say,
                        on_step=lambda done, name: bar.update(None, completed=done, info=name))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pantau",
        description="Pantau: how Indonesian police precincts go viral on social media. "
                    "Settings come from PANTAU_* environment variables (`pantau settings`).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("settings", help="print the effective settings")
    p.add_argument("--markdown", action="store_true", help="print the README's settings table")
    p.set_defaults(func=cmd_settings)

    p = commands.add_parser("stack", help="start, stop or inspect the local Kafka and PostgreSQL",
                            description="Local Apache Kafka (KRaft: one broker, or three "
                            "with --brokers 3) from jars that Maven resolves, and a local "
                            "PostgreSQL cluster (Debian's package, run by the postgres system "
                            "user, data in PANTAU_PG_DIR) that publish writes the marts into "
                            "for BI tools. `up` starts what is not running "
                            "and creates the topics, the database and its roles; `down` stops "
                            "only what Pantau started; `status` exits 3 when either is down. "
                            "With PANTAU_PG_URL set, PostgreSQL is that server and nothing is "
                            "started for it; PANTAU_PG_PUBLISH=false leaves PostgreSQL out.")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--brokers", type=int, choices=[1, 3],
                   help="1: one broker (the default, PANTAU_KAFKA_BROKERS); 3: a KRaft cluster "
                   "of three brokers, the topics replicated three times with two in sync "
                   "(`down` and `status` find a running cluster without it)")
    p.set_defaults(func=cmd_stack)

    p = commands.add_parser("produce", help="send posts to Kafka")
    sources = p.add_subparsers(dest="source", required=True, metavar="SOURCE")
    s = sources.add_parser("synthetic", help="generated Indonesian posts about real Polres",
                           description="Send N synthetic posts (valid contract events) to the "
                           "posts topic. Without --scenario: simple posts that each name one "
                           "precinct by handle or hashtag. With --scenario: a realistic week of "
                           "chatter, planted viral events, official responses and re-observed "
                           "metrics, plus a ground-truth file (docs/synthetic.md); --count then "
                           "counts posts, not messages. Exits 1 when any message failed.")
    s.add_argument("--count", type=int, default=1000, help="how many posts (default 1000)")
    s.add_argument("--seed", type=int, default=None,
                   help="make the posts identical run after run (default: random)")
    from producers.scenario import cli as scenario_cli

    scenario_cli.add_arguments(s)
    s.set_defaults(func=cmd_produce)
    from producers.cli import register as register_produce_sources

    register_produce_sources(sources)

    p = commands.add_parser("ingest", help="load Kafka into the warehouse, exactly once",
                            description="Load the posts topic into raw.social_posts (invalid "
                            "messages into raw.rejected_messages, with the reason), committing "
                            "rows and Kafka offsets in one DuckDB transaction. Without --follow "
                            "it drains what is waiting and exits. Batches: PANTAU_INGEST_BATCH_SIZE"
                            " messages, PANTAU_INGEST_BATCH_BYTES bytes or "
                            "PANTAU_INGEST_COMMIT_INTERVAL_S seconds, whichever comes first.")
    p.add_argument("--follow", action="store_true",
                   help="keep loading new messages until Ctrl-C or SIGTERM (which finish the "
                        "current batch first)")
    p.add_argument("--progress-every", type=float, default=2.0, metavar="SECONDS",
                   help="print loaded, rejected and lag this often (default 2; 0: every poll)")
    p.set_defaults(func=cmd_ingest)

    p = commands.add_parser("build", help="dbt build, GX audit, publish the marts snapshot, "
                            "notify",
                            description="Write-audit-publish, the `build_marts` DAG in one "
                            "command: `dbt build` into the working warehouse (and the "
                            "notifications it found into the outbox), the Great "
                            "Expectations suites on raw, staging and marts (results in "
                            "audit.validation_results, Data Docs under <state>/gx/data_docs), "
                            "then copy the marts into a new file swapped atomically over "
                            "PANTAU_PUBLISHED_PATH, then deliver the notifications of the "
                            "published build (`pantau notify`). On any failure the published "
                            "snapshot stays "
                            "as it was and the command exits 2 (75 when the warehouse is locked "
                            "by another writer: run it again later).")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--full-refresh", action="store_true",
                   help="rebuild the incremental models from raw (done automatically when raw "
                   "lost rows since the last build, e.g. after retention, or when the text "
                   "models changed; an upgrade rebuilds only the models whose columns changed); "
                   "in slices of raw when it holds more than PANTAU_DBT_BUILD_SLICE_ROWS "
                   "observations (as is any build with more new observations than that)")
    how.add_argument("--follow", action="store_true",
                   help="run until stopped, in cycles: load what Kafka holds, then build, audit, "
                   "publish and notify when anything new arrived (at most every "
                   "PANTAU_FOLLOW_INTERVAL_S); dbt stays loaded between builds, which saved "
                   "3.4-4.9 s of each at 1M posts. Not beside the Airflow DAGs on the same warehouse.")
    p.set_defaults(func=cmd_build)

    p = commands.add_parser("sql", help="query the published marts (or the warehouse) read-only",
                            description="An SQL shell on the published snapshot of the marts "
                            "(PANTAU_PUBLISHED_PATH), read-only, or one query with -c. History is "
                            "kept in {state}/sql_history; Tab completes table and column names. "
                            "The text functions sentiment_label, sentiment_score, emotion, topic, "
                            "resolve_polres, resolve_polda, names_polri, resolve_units and "
                            "normalize_text are registered. The analyst guide "
                            "(docs/analyst-guide.md) has twelve questions answered in SQL.")
    p.add_argument("-c", dest="command_text", metavar="QUERY", help="run one query and exit")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="output of results (default table)")
    p.add_argument("--warehouse", action="store_true",
                   help="query the working warehouse (PANTAU_WAREHOUSE_PATH: raw, staging, "
                        "marts, audit) instead of the published snapshot")
    p.add_argument("--ui", action="store_true",
                   help="open the DuckDB UI in the browser (needs its extension from "
                        "extensions.duckdb.org; says why when it cannot)")
    p.set_defaults(func=cmd_sql)

    p = commands.add_parser("label", help="correct a post's sentiment, emotion, topic or Polres",
                            description="Record an analyst's correction of a post's labels in "
                            "the warehouse's append-only audit.label_corrections (who, when, "
                            "note). The next build applies the latest correction per post and "
                            "field in fct_posts and every mart (label_source = 'analyst'); full "
                            "refreshes keep them. A batch is all or nothing: an unknown post key "
                            "or an invalid label refuses it with every reason. Waits up to "
                            "PANTAU_LABEL_LOCK_WAIT_S for a running load or build. See "
                            "docs/text.md.")
    p.add_argument("post_key", nargs="?", metavar="POST_KEY",
                   help="the post, as marts.fct_posts.post_key (PLATFORM:POST_ID)")
    p.add_argument("--sentiment", choices=SENTIMENT_LABELS)
    p.add_argument("--emotion", choices=EMOTION_LABELS)
    p.add_argument("--topic", help="a topic_id of the taxonomy seed, or lainnya")
    p.add_argument("--polres", help="a polres_id of the seed, or none (about no Polres)")
    p.add_argument("--note", help="why (at most 1000 characters)")
    p.add_argument("--by", help="the analyst's name (default: the login name)")
    p.add_argument("--file", metavar="CSV",
                   help="corrections from a CSV file with the header post_key,field,value,note")
    p.add_argument("--export", metavar="CSV",
                   help="write every correction (with who, when and the source) to a CSV file, "
                        "then exit")
    p.set_defaults(func=cmd_label)

    p = commands.add_parser("train", help="train new text models with the analysts' corrections",
                            description="Train the sentiment, emotion and topic models from the "
                            "shipped labelled data plus the analysts' corrections "
                            "(audit.label_corrections, the latest per post and field) into a new "
                            "folder ({state}/models/<UTC time> by default), then compare them "
                            "with the active models (PANTAU_TEXT_MODELS_DIR) on the validation "
                            "files and the held-out police posts: macro-F1 and the labels that "
                            "changed. Nothing changes until PANTAU_TEXT_MODELS_DIR names the new "
                            "folder; the next build is then a full refresh. See docs/text.md.")
    p.add_argument("--only", choices=["sentiment", "emotion", "topic"],
                   help="train one model (the others are copied from the active folder)")
    p.add_argument("--out", metavar="DIR", help="the new folder (default {state}/models/<time>)")
    p.add_argument("--no-corrections", action="store_true",
                   help="train on the shipped data alone")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser("serve", help="the web dashboard of the published marts",
                            description="Serve the dashboard of the published snapshot of the "
                            "marts (PANTAU_PUBLISHED_PATH), read-only, on "
                            "PANTAU_SERVE_HOST:PANTAU_SERVE_PORT until Ctrl-C or SIGTERM; a "
                            "republished snapshot is picked up by the next request. With users in "
                            "PANTAU_SERVE_USERS_FILE it asks them to log in; without, it stays "
                            "open and refuses to start on a host other than a loopback address. "
                            "See docs/serving.md.")
    p.add_argument("--add-user", metavar="NAME",
                   help="add a dashboard user to PANTAU_SERVE_USERS_FILE, or change their "
                        "password (asked twice at a prompt; read from the first line of stdin "
                        "when it is not a terminal), then exit")
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("report", help="make the daily or weekly report of a Polda or Polres",
                            description="Make the report of one Polda (--polda), one Polres "
                            "(--polres) or every Polda and Polres (--all) for a day or an ISO "
                            "week, as HTML and PDF (A4, printed by headless Chromium) under "
                            "PANTAU_REPORTS_DIR/<period>/<day or week>/<unit_id>.{html,pdf}, "
                            "from the published snapshot: mentions and net sentiment per day, "
                            "issue alerts with response times, the top positive and negative "
                            "viral posts, and the scorecard rank with its change since the week "
                            "before (a Polda's report lists its Polres too). Making one again "
                            "overwrites the same files. In PANTAU_NOTIFY_LANGUAGE (id or en). "
                            "See docs/reports.md.")
    unit = p.add_mutually_exclusive_group(required=True)
    unit.add_argument("--polda", metavar="POLDA_ID", help="a Polda, e.g. polda_jawa_barat")
    unit.add_argument("--polres", metavar="POLRES_ID", help="a Polres, e.g. polres_bogor")
    unit.add_argument("--all", action="store_true", help="every Polda and Polres")
    p.add_argument("--period", choices=["day", "week"], required=True,
                   help="a day, or the ISO week (Monday to Sunday) holding --end")
    p.add_argument("--end", metavar="YYYY-MM-DD",
                   help="the day, or a day of the week (default: the last complete day or week "
                        "of the published data)")
    p.set_defaults(func=cmd_report)

    p = commands.add_parser("notify", help="deliver the notifications that are due",
                            description="Send the published builds' notifications that are due "
                            "to their channels (Telegram, Slack, email, webhooks, the local "
                            "sink), each event once per channel, from the delivery ledger "
                            "(PANTAU_NOTIFY_LEDGER_PATH). `status`: deliveries per channel and "
                            "status, and the failures with their reasons. `check`: read the "
                            "subscriptions file and summarise it (errors name the line). Exits 1 "
                            "when a delivery failed (it is recorded and retried), 2 on a wrong "
                            "subscriptions file, 75 when another run is delivering. See "
                            "docs/notifications.md.")
    p.add_argument("action", nargs="?", choices=("deliver", "status", "check"),
                   default="deliver", help="deliver (default), status or check")
    p.add_argument("--handoff", action="store_true",
                   help="first copy the published builds' outbox rows from the warehouse into "
                        "the ledger (publish does it; this opens the warehouse)")
    p.add_argument("--failures", type=int, default=20, metavar="N",
                   help="status: show the N newest failures (default 20)")
    p.set_defaults(func=cmd_notify)

    p = commands.add_parser("demo", help="the whole story end to end on local defaults",
                            description="Start Kafka, produce a synthetic scenario (chatter, "
                            "planted viral events, official responses), run the Airflow DAGs "
                            "ingest_social_posts and build_marts (dbt build, GX audit, publish), "
                            "then print the top viral posts, the open issue alerts with response "
                            "times, the notifications and one weekly report's PDF, a check that "
                            "every produced post is in the warehouse exactly once, and how to "
                            "open the dashboard and the SQL shell. Exits 1 when "
                            "the exactly-once check fails.")
    p.add_argument("--count", type=int, default=20_000,
                   help="posts in the scenario (default 20000; each is observed 1-5 times)")
    p.add_argument("--seed", type=int, default=None, help="seed of the scenario (default: random)")
    p.set_defaults(func=cmd_demo)

    from pantau.transform.text.cli import register as register_text

    register_text(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # kafka-python logs every refused connection; Pantau's errors say it once
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        settings = Settings.from_env()
        return int(args.func(args, settings))
    except PantauError as error:
        kind = "temporary error" if isinstance(error, TransientError) else "error"
        print(f"pantau: {kind}: {error}", file=sys.stderr)
        return 75 if isinstance(error, TransientError) else 2
    except KeyboardInterrupt:
        print("pantau: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
