-- Pairs of near-identical posts, the edges of coordinated campaigns: two original posts,
-- replies, comments or quotes of non-official accounts (at least PANTAU_CAMPAIGN_MIN_WORDS
-- words each; reposts carry another's text, news portals repeat headlines by trade) on one
-- platform, by two accounts, at most PANTAU_CAMPAIGN_WINDOW_MINUTES apart, sharing a MinHash
-- band, whose word sets have a Jaccard similarity of at least PANTAU_CAMPAIGN_SIMILARITY.
-- Each pair is held in both directions.
-- Incremental on the new posts' windows: a run pairs only the posts ingested since the last
-- run with the posts within the window of them (the pre-hook first drops their old pairs, so
-- an edited text loses the pairs it no longer has); the unique key is the pair.
{{ config(
    unique_key=['post_key', 'other_post_key'],
    tags=['network'],
    pre_hook="{{ campaign_pairs_of_changed_posts_dropped() }}",
) }}

{%- set window_minutes = pantau_setting('CAMPAIGN_WINDOW_MINUTES', 30) %}

{#- An incremental run reads only the posts published within a window of the new ones: their
    first and last publication time, asked before the model runs, become constants in the
    query, so DuckDB skips the row groups of fct_posts outside them by their min/max, and the
    join to the texts has the few posts of those hours on one side, not every post. At 5M
    posts, for 10,000 new ones, the query alone: 3.6 s -> 0.9 s. The watermark is asked when
    the model compiles, before the pre-hook drops the new posts' pairs, so the run reads the
    texts ingested since the last run, no more. The posts of the new texts are read by their
    ingestion time too (a text's last_ingested_at is its post's, below): without it the join
    read every post's key (at 20M posts 0.4-1.2 s; with it 0.01 s). -#}
{%- set published_between = none %}
{%- set texts_ingested_from = none %}
{%- set since = watermark() if is_incremental() else none %}
{%- if is_incremental() and execute %}
    {%- set bounds = run_query(
        "select min(posts.created_at) - interval (" ~ window_minutes ~ ") minute, "
        ~ "max(posts.created_at) + interval (" ~ window_minutes ~ ") minute "
        ~ "from " ~ ref('fct_posts') ~ " as posts semi join (select texts.post_key from "
        ~ ref('int_campaign_texts') ~ " as texts where texts.last_ingested_at > "
        ~ since ~ ") as new_texts on posts.post_key = new_texts.post_key "
        ~ "where posts.last_ingested_at > " ~ since) %}
    {%- set first, last = bounds.rows[0] %}
    {#- no new post: an empty range -#}
    {%- set published_between = "null and null" if first is none
        else "'" ~ first ~ "'::timestamp and '" ~ last ~ "'::timestamp" %}
    {#- The texts of those posts, read by their ingestion time: a text's last_ingested_at is
        its post's in staging, and so in fct_posts (each is rebuilt when the post's latest
        observation changes), so no text of a post published in the range was ingested before
        the earliest of those posts. The texts are appended in ingestion order, so DuckDB skips
        the older row groups by their min/max instead of decoding every post's words and bands
        to find the few joined (at 20M posts, for 10,000 new ones: 10.1 s of the query's
        11.5 s of CPU were that scan). -#}
    {%- if first is not none %}
        {%- set texts_ingested_from = earliest_as_constant(
            "select min(posts.last_ingested_at) from " ~ ref('fct_posts') ~ " as posts "
            ~ "where posts.created_at between " ~ published_between) %}
    {%- endif %}
{%- endif %}

with

posts as (
    select * from {{ ref('fct_posts') }}
),

texts as (
    select * from {{ ref('int_campaign_texts') }}
    {% if texts_ingested_from is not none %}
    where last_ingested_at >= {{ texts_ingested_from }}
    {% endif %}
),

candidates as (
    select
        posts.post_key,
        posts.platform,
        posts.author_key,
        posts.created_at,
        texts.words,
        texts.bands,
        texts.last_ingested_at
    from posts
    inner join texts
        on posts.post_key = texts.post_key
    where
        posts.platform != 'news'
        and posts.post_type != 'repost'
        and not posts.is_official_author
        and texts.word_count >= {{ pantau_setting('CAMPAIGN_MIN_WORDS', 6) }}
    {% if published_between is not none %}
        and posts.created_at between {{ published_between }}
    {% endif %}
),

changed as (
    select * from candidates
    {% if is_incremental() %}
    where last_ingested_at > {{ since }}
    {% endif %}
),

-- Time in buckets of one window: two posts at most a window apart are in the same bucket or
-- in neighbouring ones, so the join below matches a band within a post's own and neighbouring
-- buckets only. Joined on the band alone, a band that recurs for months (a greeting, a
-- template) paired every post of it with every other before the window filtered them: at 5M
-- posts (bench/scale.py) its full build ran for over 18 minutes at 17 GB and was stopped; in
-- buckets it took 94 s for the same 248,438 pairs.
changed_banded as (
    select
        post_key,
        platform,
        author_key,
        created_at,
        floor(epoch(created_at) / ({{ window_minutes }} * 60))::bigint as own_bucket,
        unnest(bands) as band
    from changed
),

changed_bucketed as (
    -- each new post looks in its own bucket and both neighbours (the new posts are the small
    -- side of an incremental run: the candidates are not multiplied)
    select
        post_key,
        platform,
        author_key,
        created_at,
        band,
        unnest([own_bucket - 1, own_bucket, own_bucket + 1]) as time_bucket
    from changed_banded
),

candidates_in_buckets as (
    select
        *,
        floor(epoch(created_at) / ({{ window_minutes }} * 60))::bigint as time_bucket
    from candidates
),

candidates_bucketed as (
    -- only the candidates of the buckets the new posts look in: an incremental run reads the
    -- new posts' windows, not every post (in a full build every post is new)
    select
        post_key,
        platform,
        author_key,
        created_at,
        time_bucket,
        unnest(bands) as band
    from candidates_in_buckets
    where time_bucket in (select changed_bucketed.time_bucket from changed_bucketed)
),

band_matches as (
    select distinct
        changed_bucketed.post_key,
        candidates_bucketed.post_key as other_post_key
    from changed_bucketed
    inner join candidates_bucketed
        on changed_bucketed.band = candidates_bucketed.band
        and changed_bucketed.time_bucket = candidates_bucketed.time_bucket
        and changed_bucketed.platform = candidates_bucketed.platform
        and changed_bucketed.post_key != candidates_bucketed.post_key
        and changed_bucketed.author_key != candidates_bucketed.author_key
        and abs(date_diff('second', changed_bucketed.created_at, candidates_bucketed.created_at))
        <= {{ window_minutes }} * 60
),

pairs_scored as (
    select
        band_matches.post_key,
        band_matches.other_post_key,
        len(list_intersect(left_texts.words, right_texts.words))
        / len(list_distinct(list_concat(left_texts.words, right_texts.words))) as similarity,
        greatest(left_texts.last_ingested_at, right_texts.last_ingested_at)
            as last_ingested_at
    from band_matches
    inner join candidates as left_texts
        on band_matches.post_key = left_texts.post_key
    inner join candidates as right_texts
        on band_matches.other_post_key = right_texts.post_key
),

pairs as (
    select
        post_key,
        other_post_key,
        similarity,
        last_ingested_at
    from pairs_scored
    where similarity >= {{ pantau_setting('CAMPAIGN_SIMILARITY', 0.75) }}
    union
    select
        other_post_key as post_key,
        post_key as other_post_key,
        similarity,
        last_ingested_at
    from pairs_scored
    where similarity >= {{ pantau_setting('CAMPAIGN_SIMILARITY', 0.75) }}
),

final as (
    select
        -- ids
        post_key,
        other_post_key,

        -- numerics
        similarity,

        -- timestamps
        last_ingested_at
    from pairs
)

select * from final
