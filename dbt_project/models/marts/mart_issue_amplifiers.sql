-- One row per account with at least one edge (as source or target) in a network scope: how
-- much reach it added there by reposting and quoting, ranked within the scope.
--   amplify_count      its reposts and quotes in the scope
--   followers_reached  its own followers when it reposted or quoted in the scope (the
--                      audience its reposts and quotes reached), plus the followers of every
--                      other account that reposted or quoted one of its reposts or quotes
--                      there (the cascade it started); an original post's own audience is
--                      not reach added, so an author who only wrote originals reaches 0
--   engagement_earned  the engagement of its reposts and quotes in the scope
--   amplifier_rank     1 = the most followers reached, then the most engagement earned,
--                      then the most reposts and quotes, then author_key
-- author_followers is the most followers seen on its posts in the scope (null for an account
-- only replied to or mentioned there, or whose platform gives no count). Community and
-- stance come from int_network_communities and mart_network_communities.
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

community_stances as (
    {{ network_rows_to_rebuild(ref('mart_network_communities'), watermark) }}
),

edges as (
    select *
    from interactions
    where interaction_type <> 'post' and not is_self_loop
),

edge_ends as (
    select
        scope_type,
        scope_id,
        author_key,
        author_label,
        is_official_author
    from edges
    union all
    select
        scope_type,
        scope_id,
        target_author_key as author_key,
        target_label as author_label,
        target_is_official_author as is_official_author
    from edges
),

accounts as (
    select
        scope_type,
        scope_id,
        author_key,
        max(author_label) as author_label,
        bool_or(is_official_author) as is_official_author
    from edge_ends
    group by scope_type, scope_id, author_key
),

account_posts as (
    select
        scope_type,
        scope_id,
        author_key,
        max(author_followers) as author_followers,
        count(*) as post_count,
        count(*) filter (where post_type in ('repost', 'quote')) as amplify_count,
        cast(
            coalesce(sum(engagement) filter (where post_type in ('repost', 'quote')), 0)
            as bigint
        ) as engagement_earned
    from interactions
    where interaction_type = 'post'
    group by scope_type, scope_id, author_key
),

-- the other accounts that reposted or quoted one of an account's reposts or quotes
cascades as (
    select distinct
        scope_type,
        scope_id,
        target_author_key as author_key,
        author_key as amplifier_key
    from edges
    where interaction_type in ('repost', 'quote') and parent_post_type in ('repost', 'quote')
),

cascade_reach as (
    select
        cascades.scope_type,
        cascades.scope_id,
        cascades.author_key,
        cast(coalesce(sum(account_posts.author_followers), 0) as bigint) as followers
    from cascades
    inner join account_posts
        on cascades.scope_type = account_posts.scope_type
        and cascades.scope_id = account_posts.scope_id
        and cascades.amplifier_key = account_posts.author_key
    group by cascades.scope_type, cascades.scope_id, cascades.author_key
),

signatures as (
    select distinct
        scope_type,
        scope_id,
        scope_signature,
        built_at
    from interactions
),

amplifiers as (
    select
        accounts.scope_type,
        accounts.scope_id,
        accounts.author_key,
        accounts.author_label,
        accounts.is_official_author,
        account_posts.author_followers,
        coalesce(account_posts.post_count, 0) as post_count,
        coalesce(account_posts.amplify_count, 0) as amplify_count,
        case
            when coalesce(account_posts.amplify_count, 0) > 0
                then coalesce(account_posts.author_followers, 0)
            else 0
        end + coalesce(cascade_reach.followers, 0) as followers_reached,
        coalesce(account_posts.engagement_earned, 0) as engagement_earned,
        communities.community_id,
        signatures.scope_signature,
        signatures.built_at
    from accounts
    inner join signatures
        on accounts.scope_type = signatures.scope_type
        and accounts.scope_id = signatures.scope_id
    left join account_posts
        on accounts.scope_type = account_posts.scope_type
        and accounts.scope_id = account_posts.scope_id
        and accounts.author_key = account_posts.author_key
    left join cascade_reach
        on accounts.scope_type = cascade_reach.scope_type
        and accounts.scope_id = cascade_reach.scope_id
        and accounts.author_key = cascade_reach.author_key
    left join communities
        on accounts.scope_type = communities.scope_type
        and accounts.scope_id = communities.scope_id
        and accounts.author_key = communities.author_key
),

final as (
    select
        -- ids
        amplifiers.scope_type,
        amplifiers.scope_id,
        amplifiers.author_key,
        amplifiers.community_id,

        -- strings
        amplifiers.author_label,
        community_stances.stance as community_stance,

        -- numerics
        amplifiers.author_followers,
        amplifiers.post_count,
        amplifiers.amplify_count,
        amplifiers.followers_reached,
        amplifiers.engagement_earned,
        row_number() over (
            partition by amplifiers.scope_type, amplifiers.scope_id
            order by
                amplifiers.followers_reached desc,
                amplifiers.engagement_earned desc,
                amplifiers.amplify_count desc,
                amplifiers.author_key asc
        ) as amplifier_rank,

        -- booleans
        amplifiers.is_official_author,

        -- signature
        amplifiers.scope_signature,

        -- timestamps
        amplifiers.built_at

    from amplifiers
    left join community_stances
        on amplifiers.scope_type = community_stances.scope_type
        and amplifiers.scope_id = community_stances.scope_id
        and amplifiers.community_id = community_stances.community_id
)

select * from final
