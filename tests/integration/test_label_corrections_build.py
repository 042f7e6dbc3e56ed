"""Analysts' corrections flow into fct_posts and the marts at the next build (incremental, only the
corrected posts rebuilt), the latest per field wins, and a full refresh keeps them."""

from __future__ import annotations

import pytest

from pantau.ingest import Loader
from pantau.ingest.corrections import Correction, record
from pantau.transform.dbt import dbt_build
from producers import Publisher, synthetic
from tests.support import query

pytestmark = pytest.mark.integration


def _build(settings, **options) -> None:  # type: ignore[no-untyped-def]
    # the warehouse is what the assertions read: dbt's build alone (the audit and publish of
    # the marts have tests of their own)
    assert dbt_build(settings, **options).failed == 0


def _post(settings, key: str) -> tuple:  # type: ignore[no-untyped-def]
    return query(settings, f"""
        select sentiment_label, topic, emotion, polres_id, polres_source, label_source
        from marts.fct_posts where post_key = '{key}'""")[0]


def test_corrections_override_the_model_in_the_marts_and_survive_a_full_refresh(settings):
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(300, seed=16)).ok
    Loader(settings).run()
    _build(settings)
    key, topic, polres, day = query(settings, """
        select post_key, topic, polres_id, created_date from marts.fct_posts
        where sentiment_label = 'positive' and polres_id is not null and not is_official_author
        order by post_key limit 1""")[0]
    other = query(settings, f"""
        select polres_id from marts.dim_polres where polres_id <> '{polres}'
        order by polres_id limit 1""")[0][0]
    assert query(settings, "select count(*) from marts.fct_posts "
                           "where label_source <> 'model'")[0][0] == 0

    record(settings, [Correction(key, "sentiment", "negative", "sarkas: 'mantap' = kesal"),
                      Correction(key, "topic", "pungli_pemerasan"),
                      Correction(key, "emotion", "anger"),
                      Correction(key, "polres", other)], by="ani")
    _build(settings)
    assert _post(settings, key) == ("negative", "pungli_pemerasan", "anger", other, "analyst",
                                    "analyst")
    assert query(settings, "select count(*) from marts.fct_posts "
                           "where label_source = 'analyst'")[0][0] == 1
    # the marts follow: the post is a negative pungli post of the other Polres that day
    assert query(settings, f"""
        select negative_count from marts.mart_polres_sentiment_daily
        where polres_id = '{other}' and topic = 'pungli_pemerasan'
          and activity_date = date '{day}'""")[0][0] >= 1
    was = query(settings, f"""
        select coalesce(sum(post_count), 0) from marts.mart_polres_sentiment_daily
        where polres_id = '{polres}' and topic = '{topic}' and activity_date = date '{day}'""")
    assert was[0][0] == query(settings, f"""
        select count(*) from marts.fct_posts where polres_id = '{polres}' and topic = '{topic}'
          and created_date = date '{day}' and not is_official_author""")[0][0]

    # a second analyst disagrees on the sentiment: the latest wins, both are kept, it is disputed
    record(settings, [Correction(key, "sentiment", "neutral")], by="budi")
    _build(settings)
    assert _post(settings, key)[0] == "neutral"
    assert query(settings, f"""
        select is_disputed, correction_count, corrected_by
        from intermediate.int_label_overrides where post_key = '{key}'""")[0] == (True, 5, "budi")

    # a full refresh rebuilds every model from raw and keeps the corrections
    _build(settings, full_refresh=True)
    assert _post(settings, key) == ("neutral", "pungli_pemerasan", "anger", other, "analyst",
                                    "analyst")
    # a correction to "about no Polres" leaves the post without one, not inheriting its parent's
    record(settings, [Correction(key, "polres", "none")], by="ani")
    _build(settings)
    assert _post(settings, key)[3:5] == (None, "analyst")
