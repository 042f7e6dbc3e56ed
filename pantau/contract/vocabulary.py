"""The contract's closed sets, as types: platforms and post types of ``social.posts.v1``.

The JSON Schema is the source of truth; these are its enums as ``Literal`` types for the code
(a unit test keeps them equal). Producers, replay formats and the dashboard's filters use them.
"""

from __future__ import annotations

from typing import Literal, get_args

Platform = Literal["x", "instagram", "facebook", "tiktok", "youtube", "news", "mastodon"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)

#: The platforms of the synthetic sources and the replay formats (the live Mastodon connector
#: is the only source of ``mastodon`` posts).
ScenarioPlatform = Literal["x", "instagram", "facebook", "tiktok", "youtube", "news"]
SCENARIO_PLATFORMS: tuple[ScenarioPlatform, ...] = get_args(ScenarioPlatform)

PostType = Literal["post", "reply", "repost", "quote", "comment"]
POST_TYPES: tuple[PostType, ...] = get_args(PostType)

#: ``source.name`` of the events the replay formats make from files people already have
#: (``pantau-replay-tweet-harvest``, ``-csv``, ``-x-api``): archives that keep their own clock,
#: so the audit's freshness rule does not hold them against today.
REPLAY_SOURCE_PREFIX = "pantau-replay-"
