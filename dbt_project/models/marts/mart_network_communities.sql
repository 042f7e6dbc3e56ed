-- One row per community of a network scope (int_network_communities: Louvain on the scope's
-- accounts and their replies, quotes, reposts and mentions) with its stance towards the
-- Polres from its members' posts in the scope:
--   net_sentiment  (positive - negative) / posts, 0 for a community without posts (accounts
--                  only replied to or mentioned)
--   stance         pro when net_sentiment >= PANTAU_NETWORK_STANCE_MIN_NET (0.2), contra
--                  when <= its negative, else neutral
-- top_author_labels: up to five members, most posts in the scope first (then followers, then
-- label).
-- Incremental (keyed by scope, not by period): a run rebuilds the scopes int_network_interactions
-- wrote since the newest built_at the mart holds, and deletes the scopes gone from
-- int_network_scopes (macros/network_scopes.sql).
-- depends_on: {{ ref('int_network_scopes') }}  (read by the pre-hook)
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['scope_type', 'scope_id'],
    tags=['network'],
    pre_hook="{{ network_delete_scopes_to_rebuild() }}",
) }}

{%- set watermark = network_watermark() %}

with

interactions as (
    {{ network_rows_to_rebuild(ref('int_network_interactions'), watermark) }}
),

communities as (
    {{ network_rows_to_rebuild(ref('int_network_communities'), watermark) }}
),

member_posts as (
    select
        communities.scope_type,
        communities.scope_id,
        communities.community_id,
        communities.author_key,
        count(interactions.post_key) as post_count,
        count(interactions.post_key) filter (where interactions.sentiment_label = 'positive')
            as positive_count,
        count(interactions.post_key) filter (where interactions.sentiment_label = 'negative')
            as negative_count,
        max(interactions.author_followers) as author_followers,
        max(interactions.author_label) as author_label
    from communities
    left join interactions
        on communities.scope_type = interactions.scope_type
        and communities.scope_id = interactions.scope_id
        and communities.author_key = interactions.author_key
        and interactions.interaction_type = 'post'
    group by
        communities.scope_type,
        communities.scope_id,
        communities.community_id,
        communities.author_key
),

-- the labels of members without posts in the scope (targets only)
target_labels as (
    select
        scope_type,
        scope_id,
        target_author_key as author_key,
        max(target_label) as author_label
    from interactions
    where interaction_type <> 'post'
    group by scope_type, scope_id, target_author_key
),

members as (
    select
        member_posts.* replace (
            coalesce(member_posts.author_label, target_labels.author_label) as author_label
        )
    from member_posts
    left join target_labels
        on member_posts.scope_type = target_labels.scope_type
        and member_posts.scope_id = target_labels.scope_id
        and member_posts.author_key = target_labels.author_key
),

community_counts as (
    select
        scope_type,
        scope_id,
        community_id,
        count(*) as account_count,
        cast(sum(post_count) as bigint) as post_count,
        cast(sum(positive_count) as bigint) as positive_count,
        cast(sum(negative_count) as bigint) as negative_count,
        list(
            author_label
            order by post_count desc, author_followers desc nulls last, author_label asc
        )[1:5] as top_author_labels
    from members
    group by scope_type, scope_id, community_id
),

signatures as (
    select distinct
        scope_type,
        scope_id,
        scope_signature,
        built_at
    from interactions
),

community_sentiment as (
    select
        *,
        case
            when post_count > 0 then (positive_count - negative_count) / post_count
            else 0
        end as net_sentiment
    from community_counts
),

final as (
    select
        -- ids
        community_sentiment.scope_type,
        community_sentiment.scope_id,
        community_sentiment.community_id,

        -- strings
        case
            when
                community_sentiment.net_sentiment
                >= {{ pantau_setting('NETWORK_STANCE_MIN_NET', 0.2) }}
                then 'pro'
            when
                community_sentiment.net_sentiment
                <= -{{ pantau_setting('NETWORK_STANCE_MIN_NET', 0.2) }}
                then 'contra'
            else 'neutral'
        end as stance,

        -- numerics
        community_sentiment.account_count,
        community_sentiment.post_count,
        community_sentiment.positive_count,
        community_sentiment.negative_count,
        community_sentiment.net_sentiment,

        -- lists
        community_sentiment.top_author_labels,

        -- signature
        signatures.scope_signature,

        -- timestamps
        signatures.built_at

    from community_sentiment
    inner join signatures
        on community_sentiment.scope_type = signatures.scope_type
        and community_sentiment.scope_id = signatures.scope_id
)

select * from final
