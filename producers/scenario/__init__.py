"""Realistic synthetic scenarios with ground truth: chatter, planted viral events, responses.

``Scenario(ScenarioConfig(count=…, seed=…)).generate(truth)`` yields ``social.posts.v1`` events
and streams what it planted to a :class:`TruthWriter`. See ``docs/synthetic.md``.
"""

from producers.scenario.events import EVENT_KINDS, EventKind, PlantedEvent
from producers.scenario.generator import SOURCE, Scenario, ScenarioConfig
from producers.scenario.truth import Truth, TruthWriter, iter_truth, read_truth

__all__ = ["EVENT_KINDS", "SOURCE", "EventKind", "PlantedEvent", "Scenario", "ScenarioConfig",
           "Truth", "TruthWriter", "iter_truth", "read_truth"]
