"""The scenario `pantau demo` produces: the default synthetic scenario, with its ground truth."""

from __future__ import annotations

from collections.abc import Callable

from pantau.exceptions import TerminalError
from pantau.local.demo import Produced
from pantau.settings import Settings
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig, TruthWriter
from producers.scenario.cli import truth_path


def produce_scenario(settings: Settings, *, count: int, seed: int,
                     say: Callable[[str], None]) -> Produced:
    """Produce the default synthetic scenario to Kafka (and its ground-truth file)."""
    scenario = Scenario(ScenarioConfig(count=count, seed=seed))
    path = truth_path(settings.state_dir / "truth", scenario)
    say(f"      scenario 'default', seed {seed}: {count:,} posts from "
        f"{scenario.start:%Y-%m-%d %H:%M} to {scenario.end:%Y-%m-%d %H:%M} UTC, "
        f"{len(scenario.planted)} planted viral events")
    produced = Produced()
    truth = TruthWriter(path, scenario.run_record())
    with Publisher(settings, source="synthetic-scenario",
                   on_progress=lambda r: say(f"      … {r.sent:,} messages sent")) as publisher:
        events = scenario.generate(truth)
        report = publisher.publish_all(produced.watch(events), progress_every=10_000)
        events.close()
    say(f"      {report.summary()}; ground truth: {path}")
    if not report.ok or report.dead_lettered:
        raise TerminalError(f"Producing the scenario failed ({report.summary()}); the broker's "
                            f"log and `pantau stack status` say why. Fix it, then run the demo "
                            "again (the posts already sent are kept, none twice).")
    return produced
