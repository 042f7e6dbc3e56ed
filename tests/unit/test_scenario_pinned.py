"""The scenario generator's output for a seed, pinned by checksums.

The checksums were computed on the generator before it was split into modules: any change of
the output for a seed (texts, ids, times, metrics, order, ground truth) changes them. Change them
only with a deliberate change of the generated data.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

from producers.scenario import Scenario, ScenarioConfig, TruthWriter

CONFIG = ScenarioConfig(count=1500, seed=20250501, end=datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
                        events=4)
EVENTS = "f9cc6c5788ba3998790163569db1bd027bc8537fe23ebeb2de6ddc77280a5560"
MESSAGES = "3c38fc3ecd63d0ddd7426bcf479508665c73a5078deaf3456233c3fea2a241be"
TRUTH = "99edc98c02db68fc3e6a60c7dadbaa2d440e99ae600f6af125b3c7f5fa078dff"


def test_first_2000_events_of_a_seeded_scenario_are_pinned(tmp_path: Path) -> None:
    scenario = Scenario(CONFIG)
    digest = hashlib.sha256()
    for event in itertools.islice(
            scenario.generate(TruthWriter(tmp_path / "a.jsonl", scenario.run_record())), 2000):
        digest.update(json.dumps(event, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    assert digest.hexdigest() == EVENTS


def test_first_2000_messages_and_the_ground_truth_of_a_seeded_scenario_are_pinned(
        tmp_path: Path) -> None:
    digest = hashlib.sha256()
    for key, value in itertools.islice(Scenario(CONFIG).serialized(), 2000):
        digest.update(key + b"\0" + value + b"\n")
    assert digest.hexdigest() == MESSAGES
    scenario = Scenario(CONFIG)
    assert sum(1 for _ in scenario.generate(
        TruthWriter(tmp_path / "t.jsonl", scenario.run_record()))) == 2204
    assert hashlib.sha256((tmp_path / "t.jsonl").read_bytes()).hexdigest() == TRUTH
