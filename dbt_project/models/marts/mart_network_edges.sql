-- One row per network scope, source account, target account and edge type: the replies,
-- quotes, reposts and mentions from one account to another in the scope (issue, viral_post
-- or polres_day; see int_network_scopes). The source is the account that replied, quoted,
-- reposted or mentioned; a reply to, or mention of, oneself is no edge (the audit counts
-- them). post_count counts the source's posts making the edge, engagement sums theirs.
-- Non-official accounts appear as pseudonyms (fct_posts' author_key and author_label).
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

edges as (
    select
        -- ids
        scope_type,
        scope_id,
        author_key as source_author_key,
        max(author_label) as source_label,
        target_author_key,
        max(target_label) as target_label,

        -- strings
        interaction_type as edge_type,

        -- numerics
        count(distinct post_key) as post_count,
        cast(sum(engagement) as bigint) as engagement,

        -- timestamps
        min(created_at) as first_at,
        max(created_at) as last_at,

        -- signature
        scope_signature,

        -- timestamps
        built_at

    from interactions
    where interaction_type <> 'post' and not is_self_loop
    group by
        scope_type, scope_id, author_key, target_author_key, interaction_type, scope_signature,
        built_at
)

select * from edges
