-- One row per post that has a pair of near-identical posts (int_campaign_pairs): the connected
-- group of pairs it belongs to (component_key: the group's smallest post_key), with what
-- int_campaign_posts_clustered counts of it (platform, author, publication time).
-- Groups are found by label propagation: every post starts with the smallest number among
-- itself and its neighbours; each round, the posts whose label fell hand it to their
-- neighbours, which keep it when it is smaller. It ends when no label falls: the rounds are the
-- longest chain of pairs, each reading the pairs of the posts relabelled. The work follows the
-- pairs, never the square of a group's posts (a recursive walk that listed every post each post
-- reaches made k * k rows for a group of k posts: 3.5M pairs ran for minutes at 8 GB).
-- Incremental by group: only the posts whose texts were ingested since the model's watermark
-- (new, or observed again) can gain or lose pairs (int_campaign_pairs pairs them again). An
-- incremental run takes the groups those posts and their neighbours belonged to, with every
-- post of them, adds the posts new to any group, and labels these posts again from their
-- pairs; every other group keeps its rows. The set is closed: a pair the pairs model dropped
-- joined two posts of one old group, and a new pair has a changed post at one end, whose
-- neighbour's group is taken. A post that lost its last pair loses its row (post-hook).
-- A post's platform, author and publication time never change, so a post of a group taken
-- again keeps them from the model's own row; only the posts new to any group are read from
-- fct_posts (at 20M posts, reading them for every paired post decoded those columns for every
-- post: 10 s of CPU).
-- depends_on: {{ ref('int_campaign_texts') }}  (the changed posts, when incremental)
{{ config(
    unique_key='post_key',
    tags=['network'],
    post_hook=[
        "{{ campaign_components_unpaired_deleted() }}",
        "{{ aggregate_watermark_recorded() }}",
    ],
) }}

-- SQLFluff 4.4 does not parse DuckDB's `using key` (below): the query is checked by its
-- tests, not by the linter
with recursive  -- noqa: PRS

edges as (
    select * from {{ ref('int_campaign_pairs') }}
),

{% if is_incremental() %}
-- the posts whose pairs may have changed, and their neighbours now
changed_posts as (
    select texts.post_key
    from {{ ref('int_campaign_texts') }} as texts
    where texts.last_ingested_at > {{ aggregate_watermark() }}
),

touched_posts as (
    select changed_posts.post_key from changed_posts
    union
    select edges.other_post_key as post_key
    from edges
    semi join changed_posts
        on edges.post_key = changed_posts.post_key
),

-- their groups as the model holds them, with every post of them
groups_taken as (
    select * from {{ this }} as built
    where built.component_key in (
        select held.component_key
        from {{ this }} as held
        semi join touched_posts
            on held.post_key = touched_posts.post_key
    )
),

-- the posts labelled again: those of the groups taken, and the paired posts no group holds
posts_to_label as (
    select groups_taken.post_key from groups_taken
    union
    select paired.post_key
    from (select distinct edges.post_key from edges) as paired
    anti join {{ this }} as held
        on paired.post_key = held.post_key
),

edges_to_label as (
    select edges.*
    from edges
    semi join posts_to_label
        on edges.post_key = posts_to_label.post_key
),
{% else %}
edges_to_label as (
    select * from edges
),
{% endif %}

-- each paired post numbered (the pairs are held both ways): the propagation below joins
-- numbers, not strings (at 3.5M pairs: 5.7 s instead of 19.5 s)
post_numbers as (
    select
        post_key,
        row_number() over () as post_number
    from (select distinct edges_to_label.post_key from edges_to_label) as paired_posts
),

numbered_edges as (
    select
        posts_from.post_number,
        posts_to.post_number as other_post_number
    from edges_to_label
    inner join post_numbers as posts_from
        on edges_to_label.post_key = posts_from.post_key
    inner join post_numbers as posts_to
        on edges_to_label.other_post_key = posts_to.post_key
),

-- DuckDB's USING KEY keeps one row per post and replaces it
component_numbers (post_number, component_number) using key (post_number) as (
    select
        post_number,
        least(post_number, min(other_post_number)) as component_number
    from numbered_edges
    group by post_number
    union
    select
        numbered_edges.post_number,
        min(relabelled.component_number) as component_number
    from component_numbers as relabelled
    inner join numbered_edges
        on relabelled.post_number = numbered_edges.other_post_number
    inner join recurring.component_numbers as labels
        on numbered_edges.post_number = labels.post_number
    group by numbered_edges.post_number, labels.component_number
    having min(relabelled.component_number) < labels.component_number
),

components as (
    select
        post_numbers.post_key,
        min(post_numbers.post_key) over (
            partition by component_numbers.component_number
        ) as component_key
    from component_numbers
    inner join post_numbers
        on component_numbers.post_number = post_numbers.post_number
),

-- the posts' platform, author and time: from the model's own rows for the posts of the groups
-- taken, from fct_posts for the others
posts_read as (
    select
        posts.post_key,
        posts.platform,
        posts.author_key,
        posts.created_at
    from {{ ref('fct_posts') }} as posts
    {% if is_incremental() %}
    where {{ post_key_in(
        '(select components.post_key from components'
        ~ ' anti join groups_taken on components.post_key = groups_taken.post_key)',
        ref('fct_posts')) }}
    {% else %}
    semi join components
        on posts.post_key = components.post_key
    {% endif %}
),

post_attributes as (
    select * from posts_read
    {% if is_incremental() %}
    union all
    select
        groups_taken.post_key,
        groups_taken.platform,
        groups_taken.author_key,
        groups_taken.created_at
    from groups_taken
    {% endif %}
),

final as (
    select
        -- ids
        components.post_key,
        components.component_key,
        post_attributes.author_key,

        -- strings
        post_attributes.platform,

        -- timestamps
        post_attributes.created_at
    from components
    inner join post_attributes
        on components.post_key = post_attributes.post_key
)

select * from final
