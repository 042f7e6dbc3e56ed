-- One row per post: the police units it is about at every level, and who wrote it,
-- as analysts see it.
-- Polres: an analyst's correction (int_label_overrides), else those its text names
-- (by name, alias, handle or hashtag); a post by an
-- official Polres account without a name is about the account's Polres; a reply,
-- quote or repost that names none inherits the Polres of its parent, else of the
-- post its conversation started from.
-- Polda: those its text names plus the Polda of each of its Polres; when there is
-- none, the official Polda account's, else the parent's, else the root's.
-- National (Polri): every post about a Polda or Polres, and every post whose text,
-- parent or root names the police as an institution, or by a national account.
-- unit_ids lists every unit the post counts for (Polres, Polda, then polri);
-- unit_level and unit_id name the most specific one.
-- An author is official when the handle is an official account of the seeds (any
-- level) or the producer said so.
-- Authors who are not official accounts are pseudonymised with a keyed hash
-- (PANTAU_PSEUDONYM_KEY) so the marts never carry their ids or handles.
-- Incremental: a run rebuilds the posts of posts_to_rebuild() only, reading just
-- them, their parents and their roots.
-- depends_on: {{ ref('stg_label_corrections') }}  (read by posts_to_rebuild() when incremental)
-- depends_on: {{ ref('int_posts_to_rebuild') }}  (read by posts_to_rebuild() when incremental)
{{ config(unique_key='post_key') }}

with

{% if is_incremental() %}
rebuilt as (
    select * from {{ ref('stg_social_posts') }}
    where {{ staged_posts_to_rebuild() }}
),

rebuilt_in_context as (
    select post_key from rebuilt
    union all
    select parent_post_key from rebuilt
    union all
    select root_post_key from rebuilt
),
{% endif %}

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where {{ post_key_in('(select post_key from rebuilt_in_context)', ref('stg_social_posts')) }}
    {% endif %}
),

enriched as (
    select * from {{ ref('int_posts_enriched') }}
),

official_accounts as (
    select * from {{ ref('int_official_accounts') }}
),

overrides as (
    select * from {{ ref('int_label_overrides') }}
),

-- polres_id -> polda_id, one map for the whole build
polres_parents as (
    select
        map_from_entries(
            list((polres.polres_id, polda.polda_id))
        ) as polda_of
    from {{ ref('polres') }} as polres
    inner join {{ ref('polda') }} as polda
        on polres.polda_name = polda.polda_name
),

posts_named as (
    select
        posts.*,
        enriched.sentiment_label,
        enriched.sentiment_score,
        enriched.emotion,
        enriched.topic,
        coalesce(overrides.polres_ids, enriched.polres_ids) as named_polres_ids,
        overrides.polres_ids is not null as is_polres_corrected,
        enriched.polda_ids as named_polda_ids,
        enriched.names_polri,
        official_accounts.polres_id as official_polres_id,
        official_accounts.unit_id as official_unit_id,
        official_accounts.unit_level as official_unit_level,
        posts.is_official_author or official_accounts.unit_id is not null
            as is_official_account
    from posts
    inner join enriched
        on posts.post_key = enriched.post_key
    left join official_accounts
        on posts.platform = official_accounts.platform
        and lower(posts.author_handle) = official_accounts.handle
    left join overrides
        on posts.post_key = overrides.post_key
),

posts_with_context as (
    select
        posts_named.*,
        parents.named_polres_ids as parent_polres_ids,
        roots.named_polres_ids as root_polres_ids,
        parents.named_polda_ids as parent_polda_ids,
        roots.named_polda_ids as root_polda_ids,
        coalesce(parents.names_polri, false) or coalesce(roots.names_polri, false)
            as context_names_polri
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
            when is_polres_corrected or len(named_polres_ids) > 0 then named_polres_ids
            when official_polres_id is not null then [official_polres_id]
            when len(parent_polres_ids) > 0 then parent_polres_ids
            when len(root_polres_ids) > 0 then root_polres_ids
            else []::varchar[]
        end as polres_ids,
        case
            when is_polres_corrected then 'analyst'
            when len(named_polres_ids) > 0 then 'text'
            when official_polres_id is not null then 'official_account'
            when len(parent_polres_ids) > 0 then 'parent'
            when len(root_polres_ids) > 0 then 'conversation_root'
        end as polres_source
    from posts_to_resolve
),

posts_with_polda as (
    select
        posts_resolved.*,
        list_sort(list_distinct(list_filter(
            list_concat(
                posts_resolved.named_polda_ids,
                list_transform(
                    posts_resolved.polres_ids,
                    lambda p: map_extract_value(polres_parents.polda_of, p)  -- noqa: RF02
                )
            ),
            lambda d: d is not null  -- noqa: RF02
        ))) as polda_ids_found
    from posts_resolved
    cross join polres_parents
),

posts_with_units as (
    select
        *,
        case
            when len(polda_ids_found) > 0 then polda_ids_found
            when official_unit_level = 'polda' then [official_unit_id]
            when len(parent_polda_ids) > 0 then parent_polda_ids
            when len(root_polda_ids) > 0 then root_polda_ids
            else []::varchar[]
        end as polda_ids
    from posts_with_polda
),

posts_with_levels as (
    select
        *,
        (
            len(polres_ids) > 0 or len(polda_ids) > 0 or names_polri
            or coalesce(official_unit_level = 'national', false) or context_names_polri
        ) as is_national
    from posts_with_units
),

authors_pseudonymised as (
    select
        -- ids
        post_key,
        case
            when is_official_account then platform || ':' || author_id
            else platform || ':' || {{ pseudonym('platform', 'author_id') }}
        end as author_key,

        -- strings
        case
            when is_official_account then '@' || author_handle
            else {{ pseudonym('platform', 'author_id') }}
        end as author_label,
        polres_ids,
        polres_source,
        polda_ids,
        list_concat(
            polres_ids, polda_ids, case when is_national then ['polri'] else []::varchar[] end
        ) as unit_ids,
        case
            when len(polres_ids) > 0 then 'polres'
            when len(polda_ids) > 0 then 'polda'
            when is_national then 'national'
        end as unit_level,
        case
            when len(polres_ids) > 0 then polres_ids[1]
            when len(polda_ids) > 0 then polda_ids[1]
            when is_national then 'polri'
        end as unit_id,
        official_unit_id,

        -- booleans
        is_national,
        is_official_account as is_official_author,

        -- timestamps
        last_ingested_at

    from posts_with_levels
)

select * from authors_pseudonymised
