"""Command-line options of ``pantau produce synthetic --scenario …``.

:func:`add_arguments` adds the scenario options to the ``synthetic`` sub-parser (which already
has ``--count`` and ``--seed``); :func:`run` produces the scenario through the
:class:`~producers.publisher.Publisher` and writes the ground-truth file.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pantau.progress import Output
from pantau.settings import Settings
from producers.scenario.events import DEFAULT_RESPONSE_MINUTES, EventKind
from producers.scenario.generator import Scenario, ScenarioConfig
from producers.scenario.truth import TruthWriter

PRESETS: dict[str, dict[str, float]] = {
    "default": {},
    "calm": {"event_share": 0.1, "negative_share": 0.3},
    "crisis": {"event_share": 0.5, "negative_share": 0.85, "no_response_share": 0.4},
}


def _minutes(value: str) -> tuple[int, int]:
    """``"120"`` or ``"45-720"`` -> (low, high) minutes."""
    try:
        low, _, high = value.partition("-")
        pair = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected minutes like 120 or 45-720, got {value!r}") from None
    if not 0 <= pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"expected 0 <= low <= high, got {value!r}")
    return pair


def _end(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 time like 2025-05-01T00:00Z, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _share(value: str) -> float:
    share = float(value)
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {value}")
    return share


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the scenario options to ``parser`` (which has ``--count`` and ``--seed`` already).

    With ``--scenario`` the count is the number of distinct posts; each post is observed one
    or more times, so more messages are sent.
    """
    group = parser.add_argument_group("scenario (realistic posts with planted events and a "
                                      "ground-truth file)")
    group.add_argument("--scenario", choices=sorted(PRESETS), default=None,
                       help="produce a scenario: background chatter, planted viral events with "
                       "official responses, re-observed posts (default: the simple generator)")
    group.add_argument("--days", type=float, default=7.0,
                       help="length of the scenario's time window in days (default 7)")
    group.add_argument("--end", type=_end, default=None,
                       help="end of the window, ISO-8601 UTC (default: now, to the minute)")
    group.add_argument("--events", type=int, default=None,
                       help="planted events (default: one per 4,000 posts, at least 2)")
    group.add_argument("--event-share", type=_share, default=None,
                       help="share of posts in planted events (default 0.3)")
    group.add_argument("--negative-share", type=_share, default=None,
                       help="share of negative issues among events (default 0.5)")
    group.add_argument("--negative-response-minutes", type=_minutes, default=None,
                       metavar="MIN[-MAX]", help="minutes until the official response to a "
                       "negative issue (default {}-{})".format(*DEFAULT_RESPONSE_MINUTES["negative_issue"]))
    group.add_argument("--positive-response-minutes", type=_minutes, default=None,
                       metavar="MIN[-MAX]", help="minutes until the official response to a "
                       "positive story (default {}-{})".format(*DEFAULT_RESPONSE_MINUTES["positive_viral"]))
    group.add_argument("--no-response-share", type=_share, default=None,
                       help="share of events that get no official response (default 0.25)")
    group.add_argument("--campaigns", type=int, default=0,
                       help="planted coordinated campaigns (buzzer accounts posting copies of "
                       "one text), added to --count; with any, authors on X and YouTube carry "
                       "their account's creation date (default 0)")
    group.add_argument("--truth-dir", type=Path, default=None,
                       help="directory of ground-truth files (default: <state dir>/truth)")


def config_from_args(args: argparse.Namespace) -> ScenarioConfig:
    """The :class:`ScenarioConfig` of parsed arguments: preset first, explicit options win."""
    options: dict[str, object] = dict(PRESETS[args.scenario or "default"])
    for name in ("event_share", "negative_share", "no_response_share"):
        value = getattr(args, name, None)
        if value is not None:
            options[name] = value
    minutes: dict[EventKind, tuple[int, int]] = dict(DEFAULT_RESPONSE_MINUTES)
    if getattr(args, "negative_response_minutes", None):
        minutes["negative_issue"] = args.negative_response_minutes
    if getattr(args, "positive_response_minutes", None):
        minutes["positive_viral"] = args.positive_response_minutes
    return ScenarioConfig(count=args.count, seed=args.seed, days=args.days, end=args.end,
                          events=args.events, response_minutes=minutes,
                          campaigns=getattr(args, "campaigns", 0) or 0,
                          **options)  # type: ignore[arg-type]


def truth_path(truth_dir: Path, scenario: Scenario) -> Path:
    """``<dir>/scenario-<end>-seed<seed>-n<count>.jsonl``: one file per run, never overwritten
    by a different run."""
    stamp = scenario.end.strftime("%Y%m%dT%H%MZ")
    return truth_dir / f"scenario-{stamp}-seed{scenario.seed}-n{scenario.config.count}.jsonl"


def run(args: argparse.Namespace, settings: Settings, say: Callable[[str], None] | None = None,
        *, out: Output | None = None) -> int:
    """Produce the scenario to Kafka and write its ground truth.

    Args:
        say: where the lines go (default: standard output, with a bar on a terminal).
        out: the output to write to instead.

    Returns:
        The exit code: 0 when every message was delivered, 1 otherwise.
    """
    from pantau.exceptions import ConfigurationError, TerminalError
    from producers.publisher import Publisher

    if out is None:
        out = Output(say=say)
    say = out.say

    try:
        config = config_from_args(args)
    except ValueError as error:
        raise TerminalError(f"Invalid scenario options: {error}.") from None
    if config.end is not None and config.end > datetime.now(UTC):
        raise ConfigurationError("--end", config.end.isoformat(), "a time that is not in the "
                                 "future (the contract rejects posts from the future)")
    scenario = Scenario(config)
    path = truth_path(args.truth_dir or settings.state_dir / "truth", scenario)
    say(f"Scenario {args.scenario or 'default'} (seed {scenario.seed}): {config.count:,} posts "
        f"from {scenario.start:%Y-%m-%d %H:%M} to {scenario.end:%Y-%m-%d %H:%M} UTC, "
        f"{len(scenario.planted)} planted events"
        + (f", {len(scenario.campaigns)} planted campaigns" if scenario.campaigns else ""))
    started = time.monotonic()
    truth = TruthWriter(path, scenario.run_record())
    with out.bar("sending", total=config.count, unit="posts") as bar:
        # the bar counts posts generated (its total is known), beside the messages delivered
        with Publisher(settings, source="synthetic-scenario",
                       on_progress=lambda r: bar.update(
                           f"  … {r.sent:,} messages sent", completed=truth.posts,
                           info=f"{r.sent:,} messages sent")) as publisher:
            # already keyed and serialised; the publisher validates a sample (docs/synthetic.md)
            messages = scenario.serialized(truth)
            report = publisher.publish_serialized(
                messages, progress_every=bar.every(max(5000, config.count // 5), live=2000))
            messages.close()  # an interrupted run still writes its planted events
        bar.update(None, completed=truth.posts, info=f"{report.sent:,} messages sent")
    say(f"Produced to {settings.topic_posts}: {truth.posts:,} posts in {scenario.messages:,} "
        f"messages (observations); {report.summary()} in {time.monotonic() - started:.1f}s")
    say(f"Ground truth ({truth.planted} planted events, {truth.posts:,} posts): {path}")
    return 0 if report.ok and report.dead_lettered == 0 else 1
