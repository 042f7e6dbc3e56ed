"""A small published snapshot with the tables and columns of the marts contract, for serving tests.

The serving code (``pantau sql``, the Postgres endpoint, the dashboard, the analyst guide) is
tested on a snapshot with the marts' tables and columns (docs/marts.md) written by this file.
Plain DuckDB SQL: six real precincts from the Polres seed across three Polda, ten days of posts on
six platforms, a few viral posts and issue alerts (open and closed, answered and not). The rows
are derived from ``fct_posts`` the way the marts are, so the numbers agree with each other.

The units at every level (``dim_police_units``: Polri, the three Polda, the six Polres) follow
the dbt models: every post counts for its Polres, its Polda and Polri (``unit_ids``); the
``mart_unit_*`` marts unnest that list, and the ``mart_polres_*`` marts are their Polres rows.
``mart_issue_alerts`` holds the two biggest negative days of each Polres, the biggest of each
Polda and one national wave (Polri's biggest negative day, still open), each naming the Polda
and Polres its negative posts name most. The official accounts are the Polres' own, so only
Polres alerts are answered.

Issue 18's marts (share of voice, the hashtag war, the amplification network, coordinated
campaigns, ``organic_share``) are written from the same ``fct_posts`` by :func:`_write_issue_18`,
with the interface's columns, for the dashboard's issue view; replies and reposts answer the
latest popular post of their Polres, so the network has edges.

``bench/serving.py`` uses the same writer with a million posts.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import duckdb

from pantau.settings import PROJECT_DIR

POLRES_IDS = (
    "polres_metro_jakarta_selatan",
    "polres_metro_jakarta_pusat",
    "polrestabes_bandung",
    "polres_bogor",
    "polrestabes_surabaya",
    "polres_gresik",
)
PLATFORMS = ("x", "instagram", "tiktok", "facebook", "youtube", "news")
FIRST_DAY = "2026-11-13"
DAYS = 10

#: (text, sentiment_label, sentiment_score, emotion, topic)
_TEXTS = [
    ("makasih {name}, sigap bgt bantu korban banjir semalam 🙏", "positive", 0.82, "love",
     "bakti_sosial"),
    ("pelayanan SKCK di {name} cepet, ga nyampe 30 menit. mantap", "positive", 0.74, "happy",
     "pelayanan_publik"),
    ("oknum {name} minta damai di tempat pas tilang 😡 no viral no justice", "negative", -0.88,
     "anger", "pelanggaran_anggota"),
    ("lapor kehilangan motor ke {name} udah seminggu ga ada kabar", "negative", -0.61, "sadness",
     "pelayanan_publik"),
    ("{name} rilis info jalan ditutup malam ini karena ada acara", "neutral", 0.02, None,
     "himbauan_informasi"),
    ("kecelakaan beruntun di tol, {name} atur lalu lintas", "neutral", -0.05, "fear",
     "lalu_lintas"),
    ("{name} tangkap komplotan curanmor yang meresahkan warga", "positive", 0.55, "happy",
     "kriminalitas"),
    ("warga keluhkan pungli di parkiran dekat {name}, tolong ditindak", "negative", -0.7, "anger",
     "kriminalitas"),
]


def _named_most(level: str) -> str:
    """The CTE ``named_<level>``: per alert day, the unit of ``level`` its posts name most."""
    return f"""named_{level} as (
            select about_unit_id as unit_id, topic, created_date, {level}_id as top_{level}_id,
                   count(*) as top_{level}_post_count
            from negative_posts
            group by about_unit_id, topic, created_date, {level}_id
            qualify row_number() over (partition by about_unit_id, topic, created_date
                                       order by count(*) desc, {level}_id) = 1
        )"""


#: The snapshots written in this process, by post count and precincts: the writer is
#: deterministic, so a second one of the same shape is a copy of the first (a test changing its
#: copy changes only its own file). Removed when the process ends.
_WRITTEN: dict[tuple[int, tuple[str, ...]], Path] = {}


def write_snapshot(path: Path, *, posts: int = 600,
                   polres_ids: tuple[str, ...] = POLRES_IDS) -> Path:
    """Write a snapshot file at ``path`` (replaced if present) and return it.

    Args:
        path: the DuckDB file to create.
        posts: how many rows ``fct_posts`` gets; the other marts follow from them.
        polres_ids: the precincts of the seed the posts are about (``bench/reports.py`` passes
            all of them).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    first = _WRITTEN.get((posts, polres_ids))
    if first is None or not first.exists():
        cache = Path(tempfile.mkdtemp(prefix="pantau-snapshot-"))
        atexit.register(shutil.rmtree, cache, True)
        first = cache / f"published-{posts}.duckdb"
        con = duckdb.connect(str(first))
        try:
            _write(con, posts=posts, polres_ids=polres_ids)
        finally:
            con.close()
        _WRITTEN[(posts, polres_ids)] = first
    shutil.copyfile(first, path)
    return path


def _write(con: duckdb.DuckDBPyConnection, *, posts: int, polres_ids: tuple[str, ...]) -> None:
    seed = PROJECT_DIR / "dbt_project" / "seeds" / "polres.csv"
    polda_seed = PROJECT_DIR / "dbt_project" / "seeds" / "polda.csv"
    polres_list = ", ".join(f"'{p}'" for p in polres_ids)
    platforms = "[" + ", ".join(f"'{p}'" for p in PLATFORMS) + "]"
    texts = ", ".join(
        "(" + ", ".join("null" if v is None else (f"'{v}'" if isinstance(v, str) else str(v))
                        for v in (i, *row)) + ")"
        for i, row in enumerate(_TEXTS))
    con.execute("create schema marts")
    con.execute(f"""
        create table marts.dim_polres as
        select polres_id, polres_name, polres_type, polda_name, province, city,
               latitude::double as latitude, longitude::double as longitude
        from read_csv('{seed}', header = true, all_varchar = true)
        where polres_id in ({polres_list})
        order by polres_id
    """)
    con.execute(f"""
        create table marts.dim_police_units as
        with polda as (
            select polda_id, polda_name, province
            from read_csv('{polda_seed}', header = true, all_varchar = true)
            where polda_name in (select polda_name from marts.dim_polres)
        ),
        places as (
            select polda_name, avg(latitude) as latitude, avg(longitude) as longitude
            from marts.dim_polres
            group by polda_name
        ),
        units as (
            select 'polri' as unit_id, null::varchar as parent_unit_id, null::varchar as polda_id,
                   'national' as unit_level, 'Polri' as unit_name, null::varchar as polda_name,
                   'Indonesia' as province, null::double as latitude, null::double as longitude
            union all
            select polda.polda_id, 'polri', polda.polda_id, 'polda', polda.polda_name,
                   polda.polda_name, polda.province, places.latitude, places.longitude
            from polda
            left join places on places.polda_name = polda.polda_name
            union all
            select r.polres_id, polda.polda_id, polda.polda_id, 'polres', r.polres_name,
                   r.polda_name, r.province, r.latitude, r.longitude
            from marts.dim_polres as r
            left join polda on polda.polda_name = r.polda_name
        )
        select * from units
        order by unit_id
    """)
    con.execute(f"""
        create temp table texts(text_id, template, sentiment_label, sentiment_score, emotion,
                                topic) as
        select * from (values {texts})
    """)
    # hash() is deterministic, so the same arguments give the same snapshot.
    con.execute(f"""
        create table marts.fct_posts as
        with numbered as (
            select i, hash(i, 'p') as h1, hash(i, 'q') as h2, hash(i, 'r') as h3
            from range({posts}) t(i)
        ),
        polres as (
            select row_number() over (order by r.polres_id) - 1 as n, r.*, u.polda_id
            from marts.dim_polres as r
            inner join marts.dim_police_units as u on u.unit_id = r.polres_id
        ),
        base as (
            select
                n.i,
                {platforms}[1 + ((n.h3 >> 24) % {len(PLATFORMS)})::int] as platform,
                p.polres_id, p.polres_name, p.polda_name, p.polda_id,
                t.*,
                (n.h2 % 5000)::int as author_n,
                timestamp '{FIRST_DAY}' + to_minutes(((n.h3 % ({DAYS} * 1440)))::bigint) as created_at,
                -- a long tail of engagement: most posts small, a few very large
                (pow(((n.h2 >> 20) % 1000) / 1000.0, 6) * 40000)::bigint + (n.h3 % 20)::bigint
                    as engagement_raw
            from numbered as n
            inner join polres as p on p.n = n.h1 % {len(polres_ids)}
            inner join texts as t on t.text_id = (n.h1 >> 8) % {len(_TEXTS)}
        )
        select
            platform || ':' || (1000000 + i)::varchar as post_key,
            platform,
            (1000000 + i)::varchar as post_id,
            case when i % 9 = 4 then 'reply' when i % 13 = 5 then 'repost' else 'post' end as post_type,
            'https://example.invalid/' || platform || '/' || (1000000 + i)::varchar as url,
            null::varchar as parent_post_key,
            null::varchar as root_post_key,
            case when i % 17 = 0 then 'official:' || polres_id
                 else 'author:' || md5(author_n::varchar)[1:12] end as author_key,
            case when i % 17 = 0 then 'Humas ' || polres_name
                 else 'warga_' || md5(author_n::varchar)[1:6] end as author_label,
            i % 17 = 0 as is_official_author,
            true as is_national,
            (author_n * 37 % 90000 + 50)::bigint as author_followers,
            polres_id,
            [polres_id] as polres_ids,
            polda_id,
            [polda_id] as polda_ids,
            polres_id as unit_id,
            [polres_id, polda_id, 'polri'] as unit_ids,
            'polres' as unit_level,
            case when i % 17 = 0 then polres_id end as official_unit_id,
            polda_name,
            replace(template, '{{name}}', polres_name) as post_text,
            'id' as lang,
            -- without "#", as fct_posts holds them; the sentiment's own tag makes an issue's
            -- hashtag war (mart_issue_hashtag_war) a contest of pro and contra tags
            [replace(polres_id, '_', ''), 'polri']
                || case sentiment_label when 'positive' then ['polripresisi']
                                        when 'negative' then ['percumalaporpolisi']
                                        else [] end as hashtags,
            sentiment_label,
            sentiment_score::double as sentiment_score,
            emotion,
            topic,
            (engagement_raw * 0.7)::bigint as likes,
            (engagement_raw * 0.1)::bigint as replies,
            (engagement_raw * 0.15)::bigint as shares,
            (engagement_raw * 0.05)::bigint as quotes,
            case when platform in ('x', 'tiktok', 'youtube') then engagement_raw * 30 end as views,
            (engagement_raw * 0.7)::bigint + (engagement_raw * 0.1)::bigint
                + (engagement_raw * 0.15)::bigint + (engagement_raw * 0.05)::bigint as engagement,
            null::double as engagement_per_hour,
            (1 + i % 5)::bigint as observation_count,
            -- the account's creation (issue 18's optional author field): unknown for every
            -- seventh author
            case when i % 17 = 0 then timestamp '2016-03-01'
                 when author_n % 7 <> 3
                     then timestamp '2012-01-01' + to_days((hash(author_n, 'c') % 5000)::int)
            end as author_created_at,
            created_at,
            created_at::date as created_date,
            created_at + interval 6 hour as last_observed_at
        from base
    """)
    con.execute("update marts.fct_posts set engagement_per_hour = round(engagement / 6.0, 2)")
    # Replies and reposts answer the latest popular original post of their Polres before them
    # (the conversations the network marts draw); their root is that post.
    con.execute("""
        update marts.fct_posts as p
        set parent_post_key = a.parent_post_key, root_post_key = a.parent_post_key
        from (
            select r.post_key, o.post_key as parent_post_key
            from marts.fct_posts as r
            asof inner join (select polres_id, created_at, post_key from marts.fct_posts
                             where post_type = 'post' and engagement >= 200) as o
                on o.polres_id = r.polres_id and o.created_at < r.created_at
            where r.post_type in ('reply', 'repost')
        ) as a
        where p.post_key = a.post_key
    """)
    con.execute(f"""
        create table marts.fct_post_metrics_hourly as
        select post_key, date_trunc('hour', created_at) + to_hours(h) as hour_at,
               (likes * (h + 1) / 6)::bigint as likes, (replies * (h + 1) / 6)::bigint as replies,
               (shares * (h + 1) / 6)::bigint as shares, (quotes * (h + 1) / 6)::bigint as quotes,
               (views * (h + 1) / 6)::bigint as views,
               (engagement * (h + 1) / 6)::bigint as engagement,
               (engagement / 6)::bigint as engagement_gain
        from marts.fct_posts, range(6) t(h)
        where hash(post_key) % {max(1, posts // 2000)} = 0
    """)
    # Every post counts for each unit of its unit_ids (its Polres, their Polda and Polri).
    con.execute("""
        create table marts.mart_unit_engagement_daily as
        with daily as (
            select unit_id, platform, created_date as activity_date,
                   count(*) as post_count, count(distinct author_key) as author_count,
                   count(*) filter (where is_official_author) as official_post_count,
                   sum(likes) as likes, sum(replies) as replies, sum(shares) as shares,
                   sum(quotes) as quotes, sum(views) as views, sum(engagement) as engagement,
                   sum(coalesce(author_followers, 0)) as potential_reach
            from (select unnest(unit_ids) as unit_id, * exclude (unit_id) from marts.fct_posts)
            group by all
        )
        select d.unit_id, u.unit_level, d.platform, d.post_count, d.author_count,
               d.official_post_count, d.likes, d.replies, d.shares, d.quotes, d.views,
               d.engagement, d.potential_reach, d.activity_date
        from daily as d
        inner join marts.dim_police_units as u on u.unit_id = d.unit_id
        order by all
    """)
    con.execute("""
        create table marts.mart_polres_engagement_daily as
        select unit_id as polres_id, platform, activity_date, post_count, author_count,
               official_post_count, likes, replies, shares, quotes, views, engagement,
               potential_reach
        from marts.mart_unit_engagement_daily
        where unit_level = 'polres'
        order by all
    """)
    con.execute("""
        create table marts.mart_unit_sentiment_daily as
        with counts as (
            select unit_id, topic, created_date as activity_date, count(*) as post_count,
                   count(*) filter (where sentiment_label = 'positive') as positive_count,
                   count(*) filter (where sentiment_label = 'neutral') as neutral_count,
                   count(*) filter (where sentiment_label = 'negative') as negative_count,
                   sum(engagement) as engagement
            from (select unnest(unit_ids) as unit_id, * exclude (unit_id) from marts.fct_posts
                  where not is_official_author)  -- the public's posts, as in the dbt model
            group by all
        )
        select c.unit_id, u.unit_level, c.topic, c.post_count, c.positive_count, c.neutral_count,
               c.negative_count, c.engagement,
               c.positive_count / c.post_count as positive_share,
               c.neutral_count / c.post_count as neutral_share,
               c.negative_count / c.post_count as negative_share,
               (c.positive_count - c.negative_count) / c.post_count as net_sentiment,
               c.activity_date
        from counts as c
        inner join marts.dim_police_units as u on u.unit_id = c.unit_id
        order by all
    """)
    con.execute("""
        create table marts.mart_polres_sentiment_daily as
        select unit_id as polres_id, topic, activity_date, post_count, positive_count,
               neutral_count, negative_count, engagement, positive_share, neutral_share,
               negative_share, net_sentiment
        from marts.mart_unit_sentiment_daily
        where unit_level = 'polres'
        order by all
    """)
    con.execute("""
        create table marts.mart_viral_posts as
        with ranked as (
            select *, percent_rank() over (order by engagement) as pct
            from marts.fct_posts
            where not is_official_author
        ),
        viral as (
            select post_key, polres_id, unit_id, unit_level, unit_ids, is_national, platform, url,
                   author_label, post_text, sentiment_label, topic, engagement, engagement_per_hour,
                   greatest(1, median(engagement) over (partition by polres_id))::double
                       as baseline_engagement,
                   created_at
            from ranked
            where pct >= 0.97
        )
        select post_key, polres_id, unit_id, unit_level, unit_ids, is_national, platform, url,
               author_label, post_text, sentiment_label, topic,
               engagement, engagement_per_hour, baseline_engagement,
               round(engagement / baseline_engagement, 2) as velocity_ratio,
               round(ln(1 + engagement) * 10, 2) as virality_score,
               row_number() over (order by engagement desc, post_key) as viral_rank,
               created_at
        from viral
        order by viral_rank
    """)
    # An alert per unit and (day, topic) of negative public posts: the two biggest of each
    # Polres, the biggest of each Polda and of Polri (the national wave, open).
    con.execute(f"""
        create table marts.mart_issue_alerts as
        with negative_posts as (
            select unnest(unit_ids) as about_unit_id, *
            from marts.fct_posts
            where sentiment_label = 'negative' and not is_official_author
        ),
        negative_days as (
            select about_unit_id as unit_id, topic, created_date,
                   count(*) as negative_post_count,
                   min(created_at) as started_at,
                   arg_min(post_key, (created_at, post_key)) as origin_post_key,
                   arg_max(post_key, (engagement, post_key)) as top_post_key,
                   arg_max(url, (engagement, post_key)) as top_post_url
            from negative_posts
            group by all
        ),
        -- the Polda and the Polres the negative posts of each day name most
        {_named_most("polda")},
        {_named_most("polres")},
        spikes as (
            select n.*, u.unit_level,
                   row_number() over (partition by n.unit_id order by n.negative_post_count desc,
                                      n.created_date, n.topic) as spike_rank
            from negative_days as n
            inner join marts.dim_police_units as u using (unit_id)
        ),
        picked as (
            select s.*, pd.top_polda_id, pd.top_polda_post_count, pr.top_polres_id,
                   pr.top_polres_post_count,
                   row_number() over (partition by s.unit_level
                                      order by s.unit_id, s.created_date, s.topic) as n
            from spikes as s
            inner join named_polda as pd using (unit_id, topic, created_date)
            inner join named_polres as pr using (unit_id, topic, created_date)
            where s.spike_rank <= case when s.unit_level = 'polres' then 2 else 1 end
        ),
        answers as (  -- the first post of the unit's own official accounts after the start
            select p.*, f.post_key as first_response_post_key, f.url as first_response_url,
                   f.created_at as first_response_at
            from picked as p
            left join lateral (
                select post_key, url, created_at from marts.fct_posts as o
                where o.official_unit_id = p.unit_id and o.created_at > p.started_at
                order by o.created_at limit 1
            ) as f on p.n % 3 <> 0
        ),
        alerts as (
            select a.*, a.n % 4 = 1 or a.unit_level = 'national' as is_open
            from answers as a
        )
        select a.unit_id || ':' || strftime(a.started_at, '%Y%m%dT%H%M%S') as alert_id,
               a.unit_id,
               case when a.unit_level = 'polres' then a.unit_id end as polres_id,
               u.polda_id, a.top_polda_id, a.top_polres_id, a.origin_post_key,
               a.first_response_post_key,
               a.unit_level, u.unit_name,
               case when a.unit_level = 'polres' then u.unit_name end as polres_name,
               u.polda_name, top_polda.unit_name as top_polda_name,
               top_polres.unit_name as top_polres_name,
               a.topic, [a.top_post_key] as top_post_keys, a.top_post_url, a.first_response_url,
               a.negative_post_count,
               greatest(1, a.negative_post_count // 3) as peak_hour_count,
               (a.negative_post_count // 24)::bigint as baseline_per_hour,
               a.top_polda_post_count, a.top_polres_post_count,
               -- news items naming the unit from the start to the end (to the latest post
               -- while open), as int_issue_origins_found counts them
               (select count(distinct o.author_key) from marts.fct_posts as o
                where o.platform = 'news' and list_contains(o.unit_ids, a.unit_id)
                  and o.created_at >= a.started_at
                  and (a.is_open or o.created_at < a.started_at + interval 20 hour)
               )::bigint as news_site_count,
               (select count(*) from marts.fct_posts as o
                where o.platform = 'news' and list_contains(o.unit_ids, a.unit_id)
                  and o.created_at >= a.started_at
                  and (a.is_open or o.created_at < a.started_at + interval 20 hour)
               )::bigint as news_item_count,
               round(date_diff('second', a.started_at, a.first_response_at) / 60.0, 1)
                   as response_minutes,
               a.first_response_at is not null as is_responded,
               a.is_open,
               a.started_at,
               a.started_at + interval 3 hour as peak_at,
               case when a.is_open then null else a.started_at + interval 20 hour end
                   as ended_at,
               a.first_response_at
        from alerts as a
        inner join marts.dim_police_units as u using (unit_id)
        left join marts.dim_police_units as top_polda on top_polda.unit_id = a.top_polda_id
        left join marts.dim_police_units as top_polres on top_polres.unit_id = a.top_polres_id
        order by alert_id
    """)
    # The formula of mart_unit_scorecard: net sentiment of the public's posts, less 0.1 per
    # alert, plus 0.2 x the share of alerts answered within 240 minutes; ranked per level.
    con.execute("""
        create table marts.mart_unit_scorecard as
        with weekly as (
            select unit_id, date_trunc('week', created_at)::date as week_start_date,
                   count(*) as post_count, sum(engagement) as engagement,
                   (count(*) filter (where sentiment_label = 'positive')
                    - count(*) filter (where sentiment_label = 'negative')) / count(*)
                       as net_sentiment
            from (select unnest(unit_ids) as unit_id, * exclude (unit_id) from marts.fct_posts
                  where not is_official_author)
            group by all
        ),
        alerts as (
            select unit_id, date_trunc('week', started_at)::date as week_start_date,
                   count(*) as alert_count,
                   count(*) filter (where is_responded) as responded_alert_count,
                   count(*) filter (where response_minutes <= 240) as timely_alert_count,
                   median(response_minutes) as median_response_minutes
            from marts.mart_issue_alerts
            group by all
        ),
        scored as (
            select w.*, coalesce(a.alert_count, 0) as alert_count, a.median_response_minutes,
                   a.responded_alert_count / a.alert_count as response_rate,
                   w.net_sentiment - 0.1 * coalesce(a.alert_count, 0)
                   + 0.2 * coalesce(a.timely_alert_count / a.alert_count, 0) as reputation_score
            from weekly as w
            left join alerts as a using (unit_id, week_start_date)
        )
        select s.unit_id, u.polda_id, u.unit_level, u.unit_name, u.polda_name, u.latitude,
               u.longitude, s.post_count, s.engagement, s.net_sentiment, s.alert_count,
               s.median_response_minutes, s.response_rate, s.reputation_score,
               rank() over (partition by s.week_start_date, u.unit_level
                            order by s.reputation_score desc) as reputation_rank,
               s.week_start_date
        from scored as s
        inner join marts.dim_police_units as u using (unit_id)
        order by week_start_date, unit_level, reputation_rank, unit_id
    """)
    con.execute("""
        create table marts.mart_polres_scorecard as
        select unit_id as polres_id, unit_name as polres_name, polda_name, latitude, longitude,
               week_start_date, post_count, engagement, net_sentiment, alert_count,
               median_response_minutes, response_rate, reputation_score, reputation_rank
        from marts.mart_unit_scorecard
        where unit_level = 'polres'
        order by week_start_date, reputation_rank, polres_id
    """)
    con.execute("""
        create table marts.mart_top_authors as
        with authors as (
            select author_key, any_value(author_label) as author_label,
                   bool_or(is_official_author) as is_official_author,
                   mode(platform) as platform, count(*) as post_count,
                   sum(engagement) as engagement, max(author_followers) as followers,
                   count(distinct polres_id) as polres_count,
                   avg((sentiment_label = 'negative')::int) as negative_share
            from marts.fct_posts
            group by author_key
        )
        select *, row_number() over (order by engagement desc, author_key) as author_rank
        from authors
        order by author_rank
    """)
    con.execute("""
        create table marts.mart_hashtags_daily as
        select hashtag, created_date as activity_date, count(*) as post_count,
               sum(engagement) as engagement,
               (count(*) filter (where sentiment_label = 'positive')
                - count(*) filter (where sentiment_label = 'negative')) / count(*) as net_sentiment,
               mode(polres_id) as top_polres_id
        from (select unnest(hashtags) as hashtag, * from marts.fct_posts)
        group by all
        order by all
    """)
    _write_issue_18(con)


#: Least net sentiment of a pro community or hashtag (its negative: contra), as the marts' default.
STANCE_MIN_NET = 0.2
#: A campaign in the snapshot: one text of one Polres posted by at least this many public accounts
#: in a day (the real mart compares near-identical texts within PANTAU_* minutes).
CAMPAIGN_MIN_ACCOUNTS = 4


def _stance(net: str) -> str:
    return (f"case when {net} >= {STANCE_MIN_NET} then 'pro' "
            f"when {net} <= -{STANCE_MIN_NET} then 'contra' else 'neutral' end")


def _write_issue_18(con: duckdb.DuckDBPyConnection) -> None:
    """The marts of issue 18 ("who drives the virality"): share of voice, the hashtag war, the
    amplification network (edges, amplifiers, communities) per scope, coordinated campaigns with
    their posts, and ``organic_share`` in the issue alerts and the scorecards.

    The scopes of the network: ``issue`` (an alert's posts: naming its unit from its start to its
    end, to the latest post while open), ``viral_post`` (the viral post and the posts with it as
    parent or root), ``polres_day`` (``polres_id/created_date``: the posts naming a Polres that
    day). Edges run from the author of a reply or repost to the author of its parent, self-loops
    left out. Simplifications of this writer (the dbt models are the reference): a community is
    the accounts of one dominant sentiment in the scope, and a campaign one text of one Polres
    posted by at least :data:`CAMPAIGN_MIN_ACCOUNTS` public accounts in a day.
    """
    con.execute("""
        create table marts.mart_polda_share_of_voice as
        with mentions as (
            select p.created_date, p.sentiment_label, unnest(p.polres_ids) as polres_id
            from marts.fct_posts as p
            where not p.is_official_author
        ),
        periods as (
            select 'day' as period_type, created_date as period_start, * from mentions
            union all
            select 'week', date_trunc('week', created_date)::date, * from mentions
        ),
        counted as (
            select u.polda_id, p.period_type, p.period_start, p.polres_id,
                   count(*) as mention_count,
                   count(*) filter (where p.sentiment_label = 'positive') as positive_count,
                   count(*) filter (where p.sentiment_label = 'negative') as negative_count
            from periods as p
            inner join marts.dim_police_units as u on u.unit_id = p.polres_id
            where u.unit_level = 'polres'
            group by all
        )
        select c.polda_id, c.polres_id, d.unit_name as polda_name, c.period_type,
               r.unit_name as polres_name, c.mention_count,
               c.mention_count / sum(c.mention_count) over w as share_of_voice,
               (c.positive_count - c.negative_count) / c.mention_count as net_sentiment,
               c.positive_count, c.negative_count,
               row_number() over (w order by c.mention_count desc, c.polres_id) as voice_rank,
               c.period_start
        from counted as c
        inner join marts.dim_police_units as d on d.unit_id = c.polda_id
        inner join marts.dim_police_units as r on r.unit_id = c.polres_id
        window w as (partition by c.polda_id, c.period_type, c.period_start)
        order by c.period_type, c.period_start, c.polda_id, voice_rank
    """)
    # The posts of each issue, each viral post's conversation and each Polres-day.
    columns = ("post_key, author_key, author_label, author_followers, post_type, "
               "parent_post_key, sentiment_label, engagement, hashtags, created_at")
    con.execute(f"""
        create temp table scoped_posts as
        with posts as (select unit_ids, polres_ids, root_post_key, {columns}
                       from marts.fct_posts)
        select 'issue' as scope_type, a.alert_id as scope_id, p.* exclude (unit_ids, polres_ids,
                                                                          root_post_key)
        from marts.mart_issue_alerts as a
        inner join posts as p
            on list_contains(p.unit_ids, a.unit_id) and p.created_at >= a.started_at
            and (a.ended_at is null or p.created_at < a.ended_at)
        union all
        select 'viral_post', v.post_key, p.* exclude (unit_ids, polres_ids, root_post_key)
        from marts.mart_viral_posts as v
        inner join posts as p on p.post_key = v.post_key
        union all
        select 'viral_post', v.post_key,  -- its conversation (a reply's root is its parent)
               p.* exclude (unit_ids, polres_ids, root_post_key)
        from marts.mart_viral_posts as v
        inner join posts as p on p.root_post_key = v.post_key
        union all
        select 'polres_day', r.polres_id || '/' || p.created_at::date::varchar,
               p.* exclude (unit_ids, polres_ids, root_post_key)
        from posts as p, unnest(p.polres_ids) as r(polres_id)
    """)
    con.execute(f"""
        create table marts.mart_issue_hashtag_war as
        with tagged as (
            select distinct s.scope_id as alert_id, s.post_key, s.author_key, s.engagement,
                   s.sentiment_label, lower(h.hashtag) as hashtag
            from scoped_posts as s, unnest(s.hashtags) as h(hashtag)
            where s.scope_type = 'issue'
        ),
        totals as (
            select alert_id, count(distinct post_key) as hashtagged_post_count
            from tagged group by alert_id
        ),
        counted as (
            select alert_id, hashtag, count(*) as post_count,
                   count(distinct author_key) as author_count, sum(engagement) as engagement,
                   count(*) filter (where sentiment_label = 'positive') as positive_count,
                   count(*) filter (where sentiment_label = 'negative') as negative_count,
                   (count(*) filter (where sentiment_label = 'positive')
                    - count(*) filter (where sentiment_label = 'negative')) / count(*)
                       as net_sentiment
            from tagged group by alert_id, hashtag
        )
        select c.alert_id, c.hashtag, {_stance('c.net_sentiment')} as stance, c.post_count,
               c.author_count, c.engagement, c.positive_count, c.negative_count,
               c.net_sentiment, c.post_count / t.hashtagged_post_count as share,
               row_number() over (partition by c.alert_id
                                  order by c.post_count desc, c.engagement desc, c.hashtag)
                   as hashtag_rank
        from counted as c
        inner join totals as t using (alert_id)
        order by c.alert_id, hashtag_rank
    """)
    con.execute("""
        create table marts.mart_network_edges as
        select s.scope_type, s.scope_id, s.author_key as source_author_key,
               any_value(s.author_label) as source_label,
               parent.author_key as target_author_key,
               any_value(parent.author_label) as target_label,
               s.post_type as edge_type, count(*) as post_count, sum(s.engagement)::bigint as engagement,
               min(s.created_at) as first_at, max(s.created_at) as last_at
        from scoped_posts as s
        inner join marts.fct_posts as parent on parent.post_key = s.parent_post_key
        where s.post_type in ('reply', 'quote', 'repost') and s.author_key <> parent.author_key
        group by s.scope_type, s.scope_id, s.author_key, parent.author_key, s.post_type
        order by all
    """)
    con.execute("""
        create temp table scoped_accounts as
        with accounts as (
            select scope_type, scope_id, source_author_key as author_key from marts.mart_network_edges
            union
            select scope_type, scope_id, target_author_key from marts.mart_network_edges
        ),
        authors as (
            select author_key, any_value(author_label) as author_label,
                   bool_or(is_official_author) as is_official_author,
                   max(author_followers) as author_followers,
                   count(*) filter (where sentiment_label = 'positive') as positive_count,
                   count(*) filter (where sentiment_label = 'negative') as negative_count
            from marts.fct_posts group by author_key
        ),
        in_scope as (
            select scope_type, scope_id, author_key, count(*) as post_count,
                   count(*) filter (where post_type in ('repost', 'quote')
                                    and parent_post_key is not null) as amplify_count,
                   sum(author_followers) filter (where post_type in ('repost', 'quote')
                                                 and parent_post_key is not null)
                       as followers_reached,
                   sum(engagement) filter (where post_type in ('repost', 'quote')
                                           and parent_post_key is not null) as engagement_earned,
                   count(*) filter (where sentiment_label = 'positive') as positive_count,
                   count(*) filter (where sentiment_label = 'negative') as negative_count
            from scoped_posts group by all
        )
        select a.scope_type, a.scope_id, a.author_key, w.author_label, w.is_official_author,
               w.author_followers, coalesce(i.post_count, 0) as post_count,
               coalesce(i.amplify_count, 0) as amplify_count,
               coalesce(i.followers_reached, 0)::bigint as followers_reached,
               coalesce(i.engagement_earned, 0)::bigint as engagement_earned,
               -- the account's leaning: its posts in the scope, else all its posts
               case when coalesce(i.post_count, 0) > 0
                    then sign(i.positive_count - i.negative_count)
                    else sign(w.positive_count - w.negative_count) end as leaning
        from accounts as a
        inner join authors as w using (author_key)
        left join in_scope as i using (scope_type, scope_id, author_key)
    """)
    con.execute(f"""
        create table marts.mart_network_communities as
        with members as (
            select *, dense_rank() over (partition by scope_type, scope_id order by leaning desc)
                          as community_id
            from scoped_accounts
        ),
        counted as (
            select m.scope_type, m.scope_id, m.community_id,
                   count(distinct m.author_key) as account_count,
                   count(s.post_key) as post_count,
                   count(s.post_key) filter (where s.sentiment_label = 'positive')
                       as positive_count,
                   count(s.post_key) filter (where s.sentiment_label = 'negative')
                       as negative_count
            from members as m
            left join scoped_posts as s using (scope_type, scope_id, author_key)
            group by all
        ),
        top_labels as (
            select scope_type, scope_id, community_id,
                   list(author_label order by post_count desc, author_key)[1:3]
                       as top_author_labels
            from members group by all
        )
        select c.scope_type, c.scope_id, c.community_id, c.account_count, c.post_count,
               c.positive_count, c.negative_count,
               coalesce((c.positive_count - c.negative_count) / nullif(c.post_count, 0), 0)
                   as net_sentiment,
               {_stance("coalesce((c.positive_count - c.negative_count) / nullif(c.post_count, 0), 0)")}
                   as stance,
               t.top_author_labels
        from counted as c
        inner join top_labels as t using (scope_type, scope_id, community_id)
        order by all
    """)
    con.execute("""
        create table marts.mart_issue_amplifiers as
        with members as (
            select *, dense_rank() over (partition by scope_type, scope_id order by leaning desc)
                          as community_id
            from scoped_accounts
        )
        select m.scope_type, m.scope_id, m.author_key, m.author_label, m.is_official_author,
               m.author_followers, m.post_count, m.amplify_count, m.followers_reached,
               m.engagement_earned, m.community_id, c.stance as community_stance,
               row_number() over (partition by m.scope_type, m.scope_id
                                  order by m.followers_reached desc, m.engagement_earned desc,
                                           m.author_key) as amplifier_rank
        from members as m
        inner join marts.mart_network_communities as c
            using (scope_type, scope_id, community_id)
        order by m.scope_type, m.scope_id, amplifier_rank
    """)
    # Campaigns: one text of one Polres by at least CAMPAIGN_MIN_ACCOUNTS public accounts in a day.
    con.execute(f"""
        create temp table campaign_groups as
        select 'campaign:' || md5(polres_id || '|' || post_text || '|' || created_date::varchar)[1:12]
                   as campaign_id,
               polres_id, polda_id, post_text, created_date, any_value(sentiment_label) as sentiment
        from marts.fct_posts
        where not is_official_author and polres_id is not null
        group by polres_id, polda_id, post_text, created_date
        having count(distinct author_key) >= {CAMPAIGN_MIN_ACCOUNTS}
    """)
    con.execute("""
        create table marts.mart_campaign_posts as
        select g.campaign_id, p.post_key, p.author_key, p.created_at
        from campaign_groups as g
        inner join marts.fct_posts as p
            on p.polres_id = g.polres_id and p.post_text = g.post_text
            and p.created_date = g.created_date and not p.is_official_author
        order by all
    """)
    con.execute("""
        create table marts.mart_coordinated_campaigns as
        with posts as (
            select c.campaign_id, p.*
            from marts.mart_campaign_posts as c
            inner join marts.fct_posts as p using (post_key)
        ),
        summed as (
            select campaign_id, count(distinct author_key) as account_count,
                   count(*) as post_count, min(created_at) as first_at,
                   max(created_at) as last_at,
                   median(author_followers)::double as median_author_followers,
                   median(date_diff('day', author_created_at, created_at))::double
                       as median_account_age_days
            from posts group by campaign_id
        ),
        issue_of as (  -- the Polres alert running when the campaign started (the earliest)
            select g.campaign_id, a.alert_id
            from campaign_groups as g
            inner join summed as s using (campaign_id)
            inner join marts.mart_issue_alerts as a
                on a.unit_id = g.polres_id and a.started_at <= s.first_at
                and (a.ended_at is null or s.first_at < a.ended_at)
            qualify row_number() over (partition by g.campaign_id order by a.started_at) = 1
        ),
        shares as (  -- its posts among the issue's posts
            select i.campaign_id, count(c.post_key) / count(*) as share_of_issue
            from issue_of as i
            inner join scoped_posts as s on s.scope_type = 'issue' and s.scope_id = i.alert_id
            left join marts.mart_campaign_posts as c
                on c.campaign_id = i.campaign_id and c.post_key = s.post_key
            group by i.campaign_id
        )
        select g.campaign_id, g.polres_id, g.polda_id, i.alert_id,
               case g.sentiment when 'positive' then 'praise' when 'negative' then 'attack'
                    else 'neutral' end as direction,
               s.account_count, s.post_count, s.first_at, s.last_at,
               date_diff('second', s.first_at, s.last_at) / 60.0 as span_minutes,
               sh.share_of_issue, s.median_author_followers, s.median_account_age_days,
               round(s.account_count / (s.account_count + 2)
                     * (1 - date_diff('minute', s.first_at, s.last_at) / 2880), 3)
                   as coordination_score,
               g.post_text as sample_text
        from campaign_groups as g
        inner join summed as s using (campaign_id)
        left join issue_of as i using (campaign_id)
        left join shares as sh using (campaign_id)
        order by g.campaign_id
    """)
    # organic_share: the share of the volume not in a campaign, per issue and per unit-week.
    con.execute("alter table marts.mart_issue_alerts add column organic_share double")
    con.execute("""
        update marts.mart_issue_alerts as a
        set organic_share = o.organic_share
        from (
            select s.scope_id as alert_id,
                   1 - count(c.post_key) / count(*) as organic_share
            from scoped_posts as s
            left join marts.mart_campaign_posts as c using (post_key)
            where s.scope_type = 'issue'
            group by s.scope_id
        ) as o
        where a.alert_id = o.alert_id
    """)
    con.execute("""
        create temp table weekly_organic as
        select u.unit_id, date_trunc('week', p.created_at)::date as week_start_date,
               1 - count(c.post_key) / count(*) as organic_share
        from marts.fct_posts as p
        cross join unnest(p.unit_ids) as u(unit_id)
        left join marts.mart_campaign_posts as c using (post_key)
        where not p.is_official_author
        group by all
    """)
    for table, key in (("mart_unit_scorecard", "unit_id"), ("mart_polres_scorecard", "polres_id")):
        con.execute(f"alter table marts.{table} add column organic_share double")
        con.execute(f"""
            update marts.{table} as t
            set organic_share = o.organic_share
            from weekly_organic as o
            where t.{key} = o.unit_id and t.week_start_date = o.week_start_date
        """)
