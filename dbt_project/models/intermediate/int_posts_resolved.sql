-- One row per post: the Polres it is about and who wrote it, as analysts see it.
-- A post is about the Polres its text names (by name, alias, handle or
-- hashtag); a post by an official account without a name is about the account's
-- Polres; a reply, quote or repost that names none inherits the Polres of its
-- parent, else of the post its conversation started from.
-- Authors who are not official accounts are pseudonymised with a keyed hash
-- (PANTAU_PSEUDONYM_KEY) so the marts never carry their ids or handles.
-- Incremental: a run rebuilds the posts of posts_to_rebuild() only, reading just
-- them, their parents and their roots.
{{ config(unique_key='post_key') }}

with

{% if is_incremental() %}
rebuilt as (
    select * from {{ ref('stg_social_posts') }}
    where post_key in {{ posts_to_rebuild() }}
),
{% endif %}

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where post_key in (
        select post_key from rebuilt
        union all
        select parent_post_key from rebuilt
        union all
        select root_post_key from rebuilt
    )
    {% endif %}
),

enriched as (
    select * from {{ ref('int_posts_enriched') }}
),

official_accounts as (
    select * from {{ ref('int_official_accounts') }}
),

posts_named as (
    select
        posts.*,
        enriched.sentiment_label,
        enriched.sentiment_score,
        enriched.emotion,
        enriched.topic,
        enriched.polres_ids as named_polres_ids,
        official_accounts.polres_id as official_polres_id
    from posts
    inner join enriched
        on posts.post_key = enriched.post_key
    left join official_accounts
        on posts.is_official_author
        and posts.platform = official_accounts.platform
        and lower(posts.author_handle) = official_accounts.handle
),

posts_with_context as (
    select
        posts_named.*,
        parents.named_polres_ids as parent_polres_ids,
        roots.named_polres_ids as root_polres_ids
    from posts_named
    left join posts_named as parents
        on posts_named.parent_post_key = parents.post_key
    left join posts_named as roots
        on posts_named.root_post_key = roots.post_key
),

posts_to_resolve as (
    select *
    from posts_with_context
    {% if is_incremental() %}
    where post_key in (select post_key from rebuilt)
    {% endif %}
),

posts_resolved as (
    select
        *,
        case
            when len(named_polres_ids) > 0 then named_polres_ids
            when official_polres_id is not null then [official_polres_id]
            when len(parent_polres_ids) > 0 then parent_polres_ids
            when len(root_polres_ids) > 0 then root_polres_ids
            else []::varchar[]
        end as polres_ids,
        case
            when len(named_polres_ids) > 0 then 'text'
            when official_polres_id is not null then 'official_account'
            when len(parent_polres_ids) > 0 then 'parent'
            when len(root_polres_ids) > 0 then 'conversation_root'
        end as polres_source
    from posts_to_resolve
),

authors_pseudonymised as (
    select
        -- ids
        post_key,
        case
            when is_official_author then platform || ':' || author_id
            else platform || ':' || {{ pseudonym('platform', 'author_id') }}
        end as author_key,

        -- strings
        case
            when is_official_author then '@' || author_handle
            else {{ pseudonym('platform', 'author_id') }}
        end as author_label,
        polres_ids,
        polres_source,

        -- timestamps
        last_ingested_at

    from posts_resolved
)

select * from authors_pseudonymised
